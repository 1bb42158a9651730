/**
 * Pairs and pools of a preset, resolved on chain from the Uniswap factories: V2 `getPair` and V3 `getPool` over
 * every pair of the main tokens (V3 at each standard fee tier, its tick spacing read from the factory too). What a
 * factory does not know (the zero address) is simply not a venue.
 */
import { parseAbi, zeroAddress, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { readBatched, type ReadCall } from "../chain/multicall.js";

/** A token of the preset, as the deployment format lists it. */
export interface PresetToken {
  address: Address;
  symbol: string;
  decimals: number;
}

/** Uniswap V3's fee tiers, in hundredths of a basis point. */
export const V3_FEE_TIERS = [100, 500, 3000, 10000] as const;

const v2FactoryAbi = parseAbi(["function getPair(address, address) view returns (address)"]);
const v3FactoryAbi = parseAbi([
  "function getPool(address, address, uint24) view returns (address)",
  "function feeAmountTickSpacing(uint24) view returns (int24)",
]);

/** A V2 pair in the deployment format. */
export interface ResolvedPair {
  address: Address;
  token0: Address;
  token1: Address;
}

/** A V3 pool in the deployment format. */
export interface ResolvedPool extends ResolvedPair {
  fee: number;
  tickSpacing: number;
}

/** The venues found, named like the world's: "WETH_USDC" for a pair, "WETH_USDC_3000" for a pool. */
export interface ResolvedVenues {
  pairs: Record<string, ResolvedPair>;
  pools: Record<string, ResolvedPool>;
}

/** Every unordered pair of `tokens`, in list order. */
function tokenPairs(tokens: readonly PresetToken[]): [PresetToken, PresetToken][] {
  const out: [PresetToken, PresetToken][] = [];
  for (let i = 0; i < tokens.length; i++) for (let j = i + 1; j < tokens.length; j++) out.push([tokens[i], tokens[j]]);
  return out;
}

/** Uniswap orders a pair's tokens by address. */
function sorted(a: Address, b: Address): [Address, Address] {
  return a.toLowerCase() < b.toLowerCase() ? [a, b] : [b, a];
}

/**
 * Looks up the V2 pairs and V3 pools of every pair of `tokens` at the factories given (either may be omitted),
 * in batched reads through Multicall3. A call that reverts (no factory code at that address) is a missing venue.
 */
export async function resolveVenues(
  client: PublicClient<Transport, Chain>,
  params: { tokens: readonly PresetToken[]; v2Factory?: Address; v3Factory?: Address; blockNumber?: bigint },
): Promise<ResolvedVenues> {
  const pairs = tokenPairs(params.tokens);
  const calls: ReadCall[] = [];
  if (params.v2Factory)
    for (const [a, b] of pairs)
      calls.push({
        address: params.v2Factory,
        abi: v2FactoryAbi,
        functionName: "getPair",
        args: [a.address, b.address],
      });
  const v3Start = calls.length;
  if (params.v3Factory) {
    for (const fee of V3_FEE_TIERS)
      calls.push({ address: params.v3Factory, abi: v3FactoryAbi, functionName: "feeAmountTickSpacing", args: [fee] });
    for (const [a, b] of pairs)
      for (const fee of V3_FEE_TIERS)
        calls.push({
          address: params.v3Factory,
          abi: v3FactoryAbi,
          functionName: "getPool",
          args: [a.address, b.address, fee],
        });
  }
  const res = await readBatched<unknown>(client, calls, { blockNumber: params.blockNumber });
  const found = (i: number): Address | undefined => {
    const r = res[i];
    return r.ok && typeof r.value === "string" && r.value !== zeroAddress ? (r.value as Address) : undefined;
  };
  const out: ResolvedVenues = { pairs: {}, pools: {} };
  if (params.v2Factory)
    pairs.forEach(([a, b], i) => {
      const address = found(i);
      if (!address) return;
      const [token0, token1] = sorted(a.address, b.address);
      out.pairs[`${a.symbol}_${b.symbol}`] = { address, token0, token1 };
    });
  if (params.v3Factory) {
    const spacing = V3_FEE_TIERS.map((_, k) => {
      const r = res[v3Start + k];
      return r.ok ? Number(r.value) : 0;
    });
    pairs.forEach(([a, b], i) => {
      V3_FEE_TIERS.forEach((fee, k) => {
        const address = found(v3Start + V3_FEE_TIERS.length + i * V3_FEE_TIERS.length + k);
        // A fee tier the factory has not enabled has no tick spacing: no pool can exist there.
        if (!address || spacing[k] <= 0) return;
        const [token0, token1] = sorted(a.address, b.address);
        out.pools[`${a.symbol}_${b.symbol}_${fee}`] = { address, token0, token1, fee, tickSpacing: spacing[k] };
      });
    });
  }
  return out;
}
