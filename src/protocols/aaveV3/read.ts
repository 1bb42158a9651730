import { getAddress, parseAbi, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { readBatched, unwrap, type BatchedReadOptions, type ReadCall, type ReadResult } from "../../chain/multicall.js";
import { decodeAaveReserveConfiguration } from "../../risk/aave/configuration.js";
import type { AaveEModeCategory, AaveReserveView, AaveUserPosition } from "../../risk/aave/types.js";
import { aaveEModeAbi, aaveOracleAbi, aavePoolAbi, erc20BalanceAbi } from "./abi.js";
import { readAaveEModeCategories } from "./emode.js";

/** A reserve as the keeper tracks it: risk parameters and price, plus the token addresses to read balances. */
export interface AaveReserveState extends AaveReserveView {
  id: number;
  active: boolean;
  paused: boolean;
  frozen: boolean;
  liquidationGracePeriodUntil: bigint;
  /** Configuration bit 63: whether Pool.flashLoanSimple lends this asset. */
  flashLoanEnabled: boolean;
  aToken: Address;
  variableDebtToken: Address;
  stableDebtToken: Address;
}

/** `getUserAccountData` of one account. */
export interface AaveAccountState {
  user: Address;
  totalCollateralBase: bigint;
  totalDebtBase: bigint;
  currentLiquidationThreshold: bigint;
  healthFactor: bigint;
  /** Pool.getUserEMode (0 outside eMode), read with the details of accounts under HF 1; undefined for the others. */
  eModeCategory?: number;
}

/** Aave's part of a Snapshot. `positions` holds per-reserve balances only for accounts with HF < 1. */
export interface AaveState {
  pool: Address;
  /** Pool.FLASHLOAN_PREMIUM_TOTAL in bps: the fee of its flashLoanSimple (undefined if it could not be read). */
  flashLoanPremiumBps?: bigint;
  reserves: AaveReserveState[];
  /** The market's eMode categories (those read: every configured one, or at least those of the accounts read). */
  eModeCategories?: AaveEModeCategory[];
  accounts: AaveAccountState[];
  positions: Record<Address, AaveUserPosition>;
}

const WAD = 10n ** 18n;

/** Pool.getLiquidationGracePeriod's answer; pools before v3.1 have none (the call fails): no grace applies. */
function graceOf(r: ReadResult<any> | undefined): bigint {
  return r?.ok ? BigInt(r.value as bigint) : 0n;
}

/**
 * Reserves with their risk parameters and oracle prices. With `assets` (the reserves list last read), the list,
 * every reserve's data and price are read in one batched round, and a second round only when the list has changed
 * since; without it, the list is read first.
 */
export async function readAaveReserves(
  client: PublicClient<Transport, Chain>,
  params: { pool: Address; oracle: Address; assets?: readonly Address[] } & BatchedReadOptions,
): Promise<AaveReserveState[]> {
  const { pool, oracle } = params;
  const listCall: ReadCall = { address: pool, abi: aavePoolAbi, functionName: "getReservesList" };
  const reserveCalls = (list: readonly Address[]): ReadCall[] => [
    ...list.map((a) => ({ address: pool, abi: aavePoolAbi, functionName: "getReserveData", args: [a] })),
    ...list.map((a) => ({ address: oracle, abi: aaveOracleAbi, functionName: "getAssetPrice", args: [a] })),
    ...list.map((a) => ({ address: pool, abi: aaveEModeAbi, functionName: "getLiquidationGracePeriod", args: [a] })),
  ];
  const guess = params.assets ?? [];
  const first = await readBatched<any>(client, [listCall, ...reserveCalls(guess)], params);
  const assets = unwrap(first[0], `Aave reserves list of ${pool}`) as Address[];
  const guessed = assets.length === guess.length && assets.every((a, i) => a.toLowerCase() === guess[i].toLowerCase());
  const results = guessed ? first.slice(1) : await readBatched<any>(client, reserveCalls(assets), params);
  const n = assets.length;
  return assets.map((asset, i) => {
    const data = unwrap(results[i], `Aave reserve data of ${asset}`);
    const cfg = decodeAaveReserveConfiguration(data.configuration);
    return {
      asset: getAddress(asset),
      id: Number(data.id),
      decimals: cfg.decimals,
      priceBase: unwrap(results[n + i], `Aave oracle price of ${asset}`) as bigint,
      liquidationBonus: cfg.liquidationBonus,
      liquidationProtocolFee: cfg.liquidationProtocolFee,
      liquidationThreshold: cfg.liquidationThreshold,
      ltv: cfg.ltv,
      flashLoanEnabled: cfg.flashLoanEnabled,
      active: cfg.active,
      paused: cfg.paused,
      frozen: cfg.frozen,
      liquidationGracePeriodUntil: graceOf(results[2 * n + i]),
      aToken: getAddress(data.aTokenAddress),
      variableDebtToken: getAddress(data.variableDebtTokenAddress),
      stableDebtToken: getAddress(data.stableDebtTokenAddress),
    };
  });
}

/** The data provider's per-reserve view of an account: the same token balances and collateral flag, in one call. */
const dataProviderAbi = parseAbi([
  "function getUserReserveData(address asset, address user) view returns (uint256 currentATokenBalance, uint256 currentStableDebt, uint256 currentVariableDebt, uint256 principalStableDebt, uint256 scaledVariableDebt, uint256 stableBorrowRate, uint256 liquidityRate, uint40 stableRateLastUpdated, bool usageAsCollateralEnabled)",
]);

type HeldReserves = AaveUserPosition["reserves"];

/**
 * How an account's per-reserve balances and collateral flags are read: `perUser` calls per account, decoded from
 * `res[base..]` (undefined when the account is unreadable). Through the data provider: one getUserReserveData per
 * reserve (it reads the very same balanceOf's and configuration bit). Without it: the configuration, then the
 * aToken, variable and stable debt balances of each reserve.
 */
function accountDetail(
  pool: Address,
  reserves: readonly AaveReserveState[],
  dataProvider: Address | undefined,
): {
  perUser: number;
  calls(user: Address): ReadCall[];
  decode(res: readonly ReadResult<any>[], base: number): HeldReserves | undefined;
} {
  const held = (x: HeldReserves) => x.filter((r) => r.aTokenBalance > 0n || r.variableDebt > 0n || r.stableDebt > 0n);
  if (dataProvider) {
    return {
      perUser: reserves.length,
      calls: (user) =>
        reserves.map((r) => ({
          address: dataProvider,
          abi: dataProviderAbi,
          functionName: "getUserReserveData",
          args: [r.asset, user],
        })),
      decode: (res, base) => {
        const rows = reserves.map((_, j) => res[base + j]);
        if (rows.length > 0 && rows.every((r) => !r.ok)) return undefined;
        return held(
          reserves.map((r, j) => {
            const v = rows[j].ok ? (rows[j] as { value: readonly unknown[] }).value : undefined;
            return {
              asset: r.asset,
              aTokenBalance: (v?.[0] as bigint | undefined) ?? 0n,
              variableDebt: (v?.[2] as bigint | undefined) ?? 0n,
              stableDebt: (v?.[1] as bigint | undefined) ?? 0n,
              usageAsCollateralEnabled: v?.[8] === true,
            };
          }),
        );
      },
    };
  }
  return {
    perUser: 1 + 3 * reserves.length,
    calls: (user) => [
      { address: pool, abi: aavePoolAbi, functionName: "getUserConfiguration", args: [user] },
      ...reserves.flatMap((r) => [
        { address: r.aToken, abi: erc20BalanceAbi, functionName: "balanceOf", args: [user] },
        { address: r.variableDebtToken, abi: erc20BalanceAbi, functionName: "balanceOf", args: [user] },
        { address: r.stableDebtToken, abi: erc20BalanceAbi, functionName: "balanceOf", args: [user] },
      ]),
    ],
    decode: (res, base) => {
      if (!res[base].ok) return undefined;
      const bitmap = BigInt((res[base] as { value: { data: bigint } }).value.data);
      const get = (j: number) => (res[base + 1 + j].ok ? (res[base + 1 + j] as { value: bigint }).value : 0n);
      return held(
        reserves.map((r, j) => ({
          asset: r.asset,
          aTokenBalance: get(3 * j),
          variableDebt: get(3 * j + 1),
          stableDebt: get(3 * j + 2),
          usageAsCollateralEnabled: ((bitmap >> BigInt(2 * r.id + 1)) & 1n) === 1n,
        })),
      );
    },
  };
}

/**
 * Account data of `users` in one batched round, then the eMode category (getUserEMode), per-reserve balances and
 * collateral flags of those under HF 1 in a second: only they can be liquidated, and getUserAccountData's health
 * factor already counts the category. The categories of those accounts missing from `eModeCategories` are read after
 * (a category added since they were last read: rare, one small round). With a coalescer, the details of `detailFor`
 * (accounts that may be under HF 1, most likely first) are read in the first round's spare room and kept only for
 * accounts under HF 1; the second round holds the other accounts under HF 1, and is skipped when there are none.
 * Unreadable accounts are skipped this block, not fatal.
 */
export async function readAaveAccounts(
  client: PublicClient<Transport, Chain>,
  params: {
    pool: Address;
    reserves: readonly AaveReserveState[];
    users: readonly Address[];
    /** Accounts whose details may be needed, most likely first. */
    detailFor?: readonly Address[];
    /** AaveProtocolDataProvider of the pool: one call per reserve for an account's details instead of three. */
    dataProvider?: Address;
    /** eMode categories already read (this block); those of accounts under HF 1 that are missing get read. */
    eModeCategories?: readonly AaveEModeCategory[];
  } & BatchedReadOptions,
): Promise<{
  accounts: AaveAccountState[];
  positions: Record<Address, AaveUserPosition>;
  /** `eModeCategories` plus the ones read here. */
  eModeCategories: AaveEModeCategory[];
}> {
  const { pool, reserves } = params;
  const inner = accountDetail(pool, reserves, params.dataProvider);
  // An account's details start with its category: read with them, in the same multicall, for the accounts under HF 1.
  const perUser = inner.perUser + 1;
  const detailCalls = (user: Address): ReadCall[] => [
    { address: pool, abi: aaveEModeAbi, functionName: "getUserEMode", args: [user] },
    ...inner.calls(user),
  ];
  // Early details ride in the spare room of the account data's wave only: a chunk of their own would cost as much
  // as the second round they might save.
  const reading = new Set(params.users);
  const wanted = params.coalescer && params.detailFor ? params.detailFor.filter((u) => reading.has(u)) : [];
  const [results, earlyResults] = await Promise.all([
    readBatched<any>(
      client,
      params.users.map((u) => ({ address: pool, abi: aavePoolAbi, functionName: "getUserAccountData", args: [u] })),
      params,
    ),
    wanted.length > 0
      ? params.coalescer!.readSpare<any>(wanted.flatMap(detailCalls), perUser, params)
      : Promise.resolve([]),
  ]);
  const early = wanted.slice(0, earlyResults.length / perUser);
  const accounts: AaveAccountState[] = [];
  params.users.forEach((user, i) => {
    const r = results[i];
    if (!r.ok) return;
    const [totalCollateralBase, totalDebtBase, , currentLiquidationThreshold, , healthFactor] = r.value as bigint[];
    accounts.push({ user, totalCollateralBase, totalDebtBase, currentLiquidationThreshold, healthFactor });
  });
  const atRisk = accounts.filter((a) => a.totalDebtBase > 0n && a.healthFactor < WAD);
  // Where each at-risk account's details are: read early in the first round, or in the second.
  const detail = new Map<Address, { res: ReadResult<any>[]; base: number }>();
  early.forEach((u, k) => detail.set(u, { res: earlyResults, base: k * perUser }));
  const late = atRisk.filter((a) => !detail.has(a.user));
  if (late.length > 0) {
    const res = await readBatched<any>(
      client,
      late.flatMap((a) => detailCalls(a.user)),
      params,
    );
    late.forEach((a, k) => detail.set(a.user, { res, base: k * perUser }));
  }
  const held = new Map<Address, HeldReserves>();
  for (const a of atRisk) {
    const { res, base } = detail.get(a.user)!;
    const rows = inner.decode(res, base + 1);
    // A failed getUserEMode must not pass as "no eMode": the account waits for the next block.
    if (!rows || !res[base].ok) continue;
    a.eModeCategory = Number((res[base] as { value: bigint }).value);
    held.set(a.user, rows);
  }
  const categories = [...(params.eModeCategories ?? [])];
  const missing = [
    ...new Set(
      atRisk.map((a) => a.eModeCategory ?? 0).filter((id) => id !== 0 && !categories.some((c) => c.id === id)),
    ),
  ];
  if (missing.length > 0) categories.push(...(await readAaveEModeCategories(client, { ...params, ids: missing })));
  const positions: Record<Address, AaveUserPosition> = {};
  for (const a of atRisk) {
    const rows = held.get(a.user);
    if (!rows) continue;
    // Sized without its category the liquidation would take the wrong bonus: an unreadable category skips the account.
    const eMode = categories.find((c) => c.id === a.eModeCategory);
    if (a.eModeCategory !== 0 && !eMode) continue;
    positions[a.user] = { healthFactor: a.healthFactor, reserves: rows, ...(eMode ? { eMode } : {}) };
  }
  return { accounts, positions, eModeCategories: categories };
}

/**
 * Reads the Aave market at one block: reserves, prices, grace periods and every eMode category (all 255 ids
 * scanned), every borrower's account data, and the category and per-reserve balances of the accounts under HF 1
 * only. A handful of batched multicalls whatever the number of borrowers: no per-position RPC loop.
 */
export async function readAaveState(
  client: PublicClient<Transport, Chain>,
  params: { pool: Address; oracle: Address; borrowers: readonly Address[] } & BatchedReadOptions,
): Promise<AaveState> {
  const [reserves, categories] = await Promise.all([
    readAaveReserves(client, params),
    readAaveEModeCategories(client, params),
  ]);
  const { accounts, positions, eModeCategories } = await readAaveAccounts(client, {
    ...params,
    reserves,
    users: params.borrowers,
    eModeCategories: categories,
  });
  return { pool: params.pool, reserves, eModeCategories, accounts, positions };
}
