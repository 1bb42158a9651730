/**
 * Aave v3.6 eMode categories, read through the pool's per-field getters (v3.2+: the bitmaps replaced the reserve's
 * category field), batched: five calls per category, any number of categories in one multicall round.
 */
import type { Address, Chain, PublicClient, Transport } from "viem";
import { readBatched, type BatchedReadOptions, type ReadCall, type ReadResult } from "../../chain/multicall.js";
import type { AaveEModeCategory } from "../../risk/aave/types.js";
import { aaveEModeAbi } from "./abi.js";

/** Every id a category can have (uint8; 0 is "no eMode"). */
export const AAVE_EMODE_IDS: readonly number[] = Array.from({ length: 255 }, (_, i) => i + 1);

/** Calls per category, in {@link aaveEModeCalls}' order. */
export const AAVE_EMODE_CALLS_PER_CATEGORY = 5;

/** The getters of category `id`: collateral config, collateral / borrowable / ltvzero bitmaps, label. */
export function aaveEModeCalls(pool: Address, id: number): ReadCall[] {
  return [
    "getEModeCategoryCollateralConfig",
    "getEModeCategoryCollateralBitmap",
    "getEModeCategoryBorrowableBitmap",
    "getEModeCategoryLtvzeroBitmap",
    "getEModeCategoryLabel",
  ].map((functionName) => ({ address: pool, abi: aaveEModeAbi, functionName, args: [id] }));
}

/**
 * Decodes {@link aaveEModeCalls}' results from `res[base..]`. A category exists once configured (v3.6 requires a
 * non-zero threshold); an unset id, or one the pool cannot answer for, gives undefined.
 */
export function decodeAaveEMode(
  id: number,
  res: readonly ReadResult<any>[],
  base: number,
): AaveEModeCategory | undefined {
  const rows = res.slice(base, base + AAVE_EMODE_CALLS_PER_CATEGORY);
  if (rows.length < AAVE_EMODE_CALLS_PER_CATEGORY || !rows[0].ok) return undefined;
  const config = rows[0].value as { ltv: number; liquidationThreshold: number; liquidationBonus: number };
  if (Number(config.liquidationThreshold) === 0) return undefined;
  const bitmap = (k: number) => (rows[k].ok ? BigInt(rows[k].value as bigint) : 0n);
  return {
    id,
    ltv: BigInt(config.ltv),
    liquidationThreshold: BigInt(config.liquidationThreshold),
    liquidationBonus: BigInt(config.liquidationBonus),
    collateralBitmap: bitmap(1),
    borrowableBitmap: bitmap(2),
    ltvzeroBitmap: bitmap(3),
    label: rows[4].ok ? String(rows[4].value) : "",
  };
}

/**
 * The categories among `ids` (default: all 255) that the pool has configured, in one batched round.
 *
 * @param client - Public client.
 * @param params - Pool, ids to read, batching options.
 * @returns The configured categories, by id ascending.
 */
export async function readAaveEModeCategories(
  client: PublicClient<Transport, Chain>,
  params: { pool: Address; ids?: readonly number[] } & BatchedReadOptions,
): Promise<AaveEModeCategory[]> {
  const ids = [...new Set(params.ids ?? AAVE_EMODE_IDS)].filter((id) => id > 0 && id < 256).sort((a, b) => a - b);
  const res = await readBatched<any>(
    client,
    ids.flatMap((id) => aaveEModeCalls(params.pool, id)),
    params,
  );
  return ids
    .map((id, k) => decodeAaveEMode(id, res, k * AAVE_EMODE_CALLS_PER_CATEGORY))
    .filter((c): c is AaveEModeCategory => c !== undefined);
}
