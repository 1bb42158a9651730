import { Funding } from "../../executor/actions.js";
import type { V2RebalanceOpportunity } from "../../risk/opportunity.js";
import { referencePriceFromUsd } from "../../risk/math/rational.js";
import { formatUsd, gasCostUsd, tokenAmountToUsd } from "../../risk/profit.js";
import { v2RebalanceToReference, v2SkewBps } from "../../risk/uniswapV2/rebalance.js";
import { simulateV3Swap } from "../../risk/uniswapV3/simulate.js";
import { flowVerdict } from "../../risk/orderFlow.js";
import { skip } from "../../skip.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import type { Candidate, Skip, StrategyContext } from "../../strategy/types.js";

const Q112 = 1n << 112n;

/**
 * Pairs whose price is off the feeds' reference by at least the threshold become rebalance candidates: the
 * fee-aware input that lands the pair on the reference, funded by a flash swap on a V3 pool of the same tokens
 * (buy the input there, repay in the output). Profit = V2 output - V3 cost, both exact from the snapshot.
 */
export function findV2Rebalances(
  snapshot: Snapshot,
  ctx: StrategyContext,
): { candidates: Candidate[]; skipped: Skip[] } {
  const candidates: Candidate[] = [];
  const skipped: Skip[] = [];
  const ethUsd = snapshot.prices[ctx.wethToken]?.usd8 ?? 0n;
  const gasMarket = { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd };

  for (const pair of snapshot.v2Pairs ?? []) {
    const p0 = snapshot.prices[pair.token0];
    const p1 = snapshot.prices[pair.token1];
    if (!p0 || !p1 || pair.reserve0 === 0n || pair.reserve1 === 0n) continue;
    const reference = referencePriceFromUsd({
      price0Usd: p0.usd8,
      decimals0: p0.decimals,
      price1Usd: p1.usd8,
      decimals1: p1.decimals,
    });
    const reserves = { reserve0: pair.reserve0, reserve1: pair.reserve1 };
    const skew = v2SkewBps(reserves, reference);
    const absSkew = skew < 0n ? -skew : skew;
    if (absSkew < ctx.rebalanceThresholdBps) continue;
    const id = `uniswap-v2:${pair.address}`;
    const context: Record<string, string> = { pool: `${pair.name} (V2)`, skewBps: skew.toString() };
    const trade = v2RebalanceToReference(reserves, reference);
    if (!trade) continue;
    const flow = snapshot.orderFlow?.find((f) => f.pool === pair.address);
    const verdict = flow && flowVerdict(flow, trade.zeroForOne, p0.symbol, ctx.orderFlowMaxAgainstUsd);
    if (verdict) context.orderFlow = verdict.note;
    if (verdict?.refuse) {
      skipped.push({ id, protocol: "uniswap-v2", skip: skip("order-flow", verdict.refuse), context });
      continue;
    }
    const tokenIn = trade.zeroForOne ? pair.token0 : pair.token1;
    const tokenOut = trade.zeroForOne ? pair.token1 : pair.token0;
    const outPrice = trade.zeroForOne ? p1 : p0;

    const v3 = (snapshot.v3Pools ?? []).find(
      (v) => (v.token0 === tokenIn && v.token1 === tokenOut) || (v.token1 === tokenIn && v.token0 === tokenOut),
    );
    if (!v3) {
      skipped.push({
        id,
        protocol: "uniswap-v2",
        skip: skip("no-funding", `no V3 pool to flash-fund ${trade.amountIn} of ${tokenIn}`),
        context,
      });
      continue;
    }
    // On V3 we pay tokenOut to receive exactly amountIn of tokenIn.
    const quote = simulateV3Swap({
      state: v3.state,
      zeroForOne: v3.token0 === tokenOut,
      amountSpecified: -trade.amountIn,
    });
    if (quote.amountOut < trade.amountIn) {
      skipped.push({
        id,
        protocol: "uniswap-v2",
        skip: skip("no-funding", `V3 pool ${v3.name} cannot supply ${trade.amountIn} of ${tokenIn}`),
        context,
      });
      continue;
    }
    const profit = trade.amountOut - quote.amountIn;
    const profitUsd = tokenAmountToUsd(profit > 0n ? profit : 0n, outPrice.decimals, outPrice.usd8);
    const targetPriceX112 = (reference.num * Q112) / reference.den;
    const floorUsd = gasCostUsd(ctx.gas.rebalanceV2V3Flash, gasMarket) + ctx.minProfitUsd;
    const minProfit = (floorUsd * 10n ** BigInt(outPrice.decimals)) / outPrice.usd8;
    const opportunity: V2RebalanceOpportunity = {
      id,
      kind: "rebalance",
      protocol: "uniswap-v2",
      expectedProfit: { token: tokenOut, symbol: outPrice.symbol, decimals: outPrice.decimals, amount: profit },
      expectedProfitUsd: profit > 0n ? profitUsd : -tokenAmountToUsd(-profit, outPrice.decimals, outPrice.usd8),
      gasEstimate: ctx.gas.rebalanceV2V3Flash,
      funding: { source: `uniswap-v3 flash swap ${v3.name}`, feeUsd: 0n, includedInProfit: true },
      details: {
        pair: pair.address,
        zeroForOne: trade.zeroForOne,
        amountIn: trade.amountIn,
        amountOut: trade.amountOut,
      },
    };
    candidates.push({
      opportunity,
      action: {
        kind: "rebalanceV2",
        params: {
          pair: pair.address,
          zeroForOne: trade.zeroForOne,
          amountIn: trade.amountIn,
          targetPriceX112,
          toleranceBps: ctx.rebalanceToleranceBps,
          funding: Funding.V3Flash,
          fundingPool: v3.address,
          minProfit,
        },
        tokens: { token0: pair.token0, token1: pair.token1 },
      },
      context: { ...context, skewAfterBps: trade.skewBpsAfter.toString(), expectedProfit: formatUsd(profitUsd) },
      // Exact end states of both pools (V2 reserves keep the fee; the V3 flash is an exact-output swap): the block
      // planner sizes what comes after it on these.
      effects: [
        {
          kind: "v2",
          address: pair.address,
          reserve0: trade.zeroForOne ? pair.reserve0 + trade.amountIn : pair.reserve0 - trade.amountOut,
          reserve1: trade.zeroForOne ? pair.reserve1 - trade.amountOut : pair.reserve1 + trade.amountIn,
        },
        {
          kind: "v3",
          address: v3.address,
          state: {
            ...v3.state,
            sqrtPriceX96: quote.sqrtPriceX96After,
            tick: quote.tickAfter,
            liquidity: quote.liquidityAfter,
          },
        },
      ],
    });
  }
  return { candidates, skipped };
}
