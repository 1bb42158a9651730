import { ZERO_ADDRESS } from "../../strategy/types.js";
import type { ExecutorAction } from "../../executor/actions.js";
import { referencePriceFromUsd } from "../../risk/math/rational.js";
import { v3SkewBps } from "../../risk/uniswapV3/price.js";
import type { ActionHandler, ReadBackParams, ReadClient, RebalanceRecord } from "../module.js";
import { rebalanceRecord } from "../uniswapV2/readBack.js";
import { v3PoolAbi } from "./abi.js";

/** The pool's skew against the feeds after the rebalance's block, from its slot0. */
async function readBack(client: ReadClient, params: ReadBackParams): Promise<{ rebalances: RebalanceRecord[] }> {
  const { candidate, outcome, snapshot } = params;
  const a = candidate.action;
  if (a.kind !== "rebalanceV3") return { rebalances: [] };
  const p0 = snapshot.prices[a.tokens.token0];
  const p1 = snapshot.prices[a.tokens.token1];
  const ref = referencePriceFromUsd({
    price0Usd: p0.usd8,
    decimals0: p0.decimals,
    price1Usd: p1.usd8,
    decimals1: p1.decimals,
  });
  const [sqrtP] = await client.readContract({
    address: a.params.pool,
    abi: v3PoolAbi,
    functionName: "slot0",
    blockNumber: outcome.blockNumber,
  });
  return {
    rebalances: [rebalanceRecord("uniswap-v3", a.params.pool, v3SkewBps(sqrtP, ref), a.params.amountIn, params)],
  };
}

/** The executor actions that trade a V3 pool back to the reference price. */
export const uniswapV3Actions: Record<string, ActionHandler> = {
  rebalanceV3: {
    touched: (a: ExecutorAction) =>
      a.kind === "rebalanceV3" ? [a.params.pool, a.params.fundingPool].filter((x) => x && x !== ZERO_ADDRESS) : [],
    readBack,
  },
};
