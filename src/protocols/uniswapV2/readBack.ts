import { ZERO_ADDRESS } from "../../strategy/types.js";
import type { Address } from "viem";
import type { ExecutorAction } from "../../executor/actions.js";
import { referencePriceFromUsd } from "../../risk/math/rational.js";
import { formatUsd, tokenAmountToUsd } from "../../risk/profit.js";
import { v2SkewBps } from "../../risk/uniswapV2/rebalance.js";
import type { ActionHandler, ReadBackParams, ReadClient, RebalanceRecord } from "../module.js";
import { v2PairAbi } from "./abi.js";

/** The pair's skew against the feeds after the rebalance's block. */
async function readBack(
  client: ReadClient,
  { candidate, outcome, snapshot }: ReadBackParams,
): Promise<{ rebalances: RebalanceRecord[] }> {
  const a = candidate.action;
  if (a.kind !== "rebalanceV2") return { rebalances: [] };
  const p0 = snapshot.prices[a.tokens.token0];
  const p1 = snapshot.prices[a.tokens.token1];
  const ref = referencePriceFromUsd({
    price0Usd: p0.usd8,
    decimals0: p0.decimals,
    price1Usd: p1.usd8,
    decimals1: p1.decimals,
  });
  const address = a.params.pair;
  const [r0, r1] = await client.readContract({
    address,
    abi: v2PairAbi,
    functionName: "getReserves",
    blockNumber: outcome.blockNumber,
  });
  return {
    rebalances: [
      rebalanceRecord("uniswap-v2", address, v2SkewBps({ reserve0: r0, reserve1: r1 }, ref), a.params.amountIn, {
        candidate,
        outcome,
        snapshot,
      }),
    ],
  };
}

/** A rebalance's report line: the pool's skew before (as planned) and after (read back), amounts from the event. */
export function rebalanceRecord(
  protocol: string,
  address: Address,
  skewAfter: bigint,
  plannedIn: bigint,
  { candidate, outcome, snapshot }: ReadBackParams,
): RebalanceRecord {
  const profitToken = candidate.opportunity.expectedProfit;
  const price = snapshot.prices[profitToken.token];
  const args = (outcome.events[0]?.args ?? {}) as Record<string, unknown>;
  const c = candidate.context;
  return {
    protocol,
    pool: c.pool ?? address,
    address,
    block: outcome.blockNumber.toString(),
    txHash: outcome.hash,
    skewBpsBefore: c.skewBps ?? "?",
    skewBpsAfter: skewAfter.toString(),
    amountIn: String(args.amountIn ?? plannedIn),
    amountOut: String(args.amountOut ?? ""),
    profitAsset: price?.symbol ?? profitToken.token,
    profit: outcome.profit.toString(),
    profitUsd: price ? formatUsd(tokenAmountToUsd(outcome.profit, profitToken.decimals, price.usd8)) : "?",
    gasUsed: outcome.gasUsed.toString(),
    ...(c.slice ? { slice: c.slice } : {}),
  };
}

/** The executor actions that trade a V2 pair back to the reference price. */
export const uniswapV2Actions: Record<string, ActionHandler> = {
  rebalanceV2: {
    touched: (a: ExecutorAction) =>
      a.kind === "rebalanceV2" ? [a.params.pair, a.params.fundingPool].filter((x) => x && x !== ZERO_ADDRESS) : [],
    readBack,
  },
};
