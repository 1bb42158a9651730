import { Funding } from "../../executor/actions.js";
import type { V3RebalanceOpportunity } from "../../risk/opportunity.js";
import { referencePriceFromUsd } from "../../risk/math/rational.js";
import { formatUsd, gasCostUsd, tokenAmountToUsd } from "../../risk/profit.js";
import { sqrtPriceX96FromPrice, v3SkewBps } from "../../risk/uniswapV3/price.js";
import { v3InputToReachPrice } from "../../risk/uniswapV3/simulate.js";
import { getSqrtRatioAtTick } from "../../risk/uniswapV3/tickMath.js";
import type { Rational } from "../../risk/math/rational.js";
import { flowVerdict } from "../../risk/orderFlow.js";
import { skip, type SkipReason } from "../../skip.js";
import type { TokenPrice } from "../feeds/read.js";
import type { V3PoolSnapshot } from "./read.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import type { Candidate, Skip, StrategyContext } from "../../strategy/types.js";
import { ZERO_ADDRESS } from "../../strategy/types.js";

const Q96 = 1n << 96n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Value of `amountIn` at sqrt price `s`, in output units, rounded up exactly as KeeperExecutor values it. */
function inputValueAt(amountIn: bigint, s: bigint, zeroForOne: boolean): bigint {
  return zeroForOne ? ceilDiv(ceilDiv(amountIn * s, Q96) * s, Q96) : ceilDiv(ceilDiv(amountIn * Q96, s) * Q96, s);
}

/**
 * Whether the feeds may set an inventory trade's target: each answer younger than its heartbeat, and their price
 * within the bound of the pool's own 30-minute TWAP (when the pool's observations reach that far back).
 */
export function feedPriceCheck(
  snapshot: Snapshot,
  ctx: StrategyContext,
  pool: V3PoolSnapshot,
  prices: readonly TokenPrice[],
  reference: Rational,
): SkipReason | undefined {
  for (const p of prices) {
    const age = snapshot.timestamp - p.updatedAt;
    const max = ctx.feedMaxAgeS.byToken[p.token] ?? ctx.feedMaxAgeS.default;
    if (age > max)
      return skip(
        "price-check",
        `the ${p.symbol} feed last answered ${age} s before this block, past its ${max} s heartbeat: no inventory trade on a stale price`,
      );
  }
  if (pool.twapTick !== undefined && ctx.maxFeedTwapDeviationBps > 0n) {
    const deviation = v3SkewBps(getSqrtRatioAtTick(pool.twapTick), reference);
    if ((deviation < 0n ? -deviation : deviation) > ctx.maxFeedTwapDeviationBps)
      return skip(
        "price-check",
        `the pool's 30-minute TWAP is ${deviation} bps from the feeds' price, beyond the ${ctx.maxFeedTwapDeviationBps} bps bound: the feed is not trusted for an inventory trade`,
      );
  }
  return undefined;
}

/**
 * V3 pools off the feeds' reference by at least the threshold: swap on the pool with the target as the price
 * limit, so it lands exactly on the reference. Funded from the executor's own inventory (a market maker's
 * rebalance: profit = output beyond the input's value at the target price, which the contract checks). A trade
 * larger than `maxTradeUsd` is cut to a slice that stops at an intermediate price; the rest is re-planned next
 * block from fresh state. The feeds must pass {@link feedPriceCheck} first: inventory trades on their price.
 */
export function findV3Rebalances(
  snapshot: Snapshot,
  ctx: StrategyContext,
): { candidates: Candidate[]; skipped: Skip[] } {
  const candidates: Candidate[] = [];
  const skipped: Skip[] = [];
  const ethUsd = snapshot.prices[ctx.wethToken]?.usd8 ?? 0n;
  const gasMarket = { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd };

  for (const pool of snapshot.v3Pools ?? []) {
    if (!ctx.v3Rebalance) break;
    const p0 = snapshot.prices[pool.token0];
    const p1 = snapshot.prices[pool.token1];
    if (!p0 || !p1 || pool.state.liquidity === 0n) continue;
    const reference = referencePriceFromUsd({
      price0Usd: p0.usd8,
      decimals0: p0.decimals,
      price1Usd: p1.usd8,
      decimals1: p1.decimals,
    });
    const skew = v3SkewBps(pool.state.sqrtPriceX96, reference);
    if ((skew < 0n ? -skew : skew) < ctx.rebalanceThresholdBps) continue;
    const id = `uniswap-v3:${pool.address}`;
    const target = sqrtPriceX96FromPrice(reference);
    const full = v3InputToReachPrice(pool.state, target);
    if (!full) continue;
    const zeroForOne = full.zeroForOne;
    const [tokenIn, tokenOut, inPrice, outPrice] = zeroForOne
      ? [pool.token0, pool.token1, p0, p1]
      : [pool.token1, pool.token0, p1, p0];
    const context: Record<string, string> = { pool: `${pool.name} (V3)`, skewBps: skew.toString() };
    const flow = snapshot.orderFlow?.find((f) => f.pool === pool.address);
    const verdict = flow && flowVerdict(flow, zeroForOne, p0.symbol, ctx.orderFlowMaxAgainstUsd);
    if (verdict) context.orderFlow = verdict.note;
    if (verdict?.refuse) {
      skipped.push({ id, protocol: "uniswap-v3", skip: skip("order-flow", verdict.refuse), context });
      continue;
    }
    const refused = feedPriceCheck(snapshot, ctx, pool, [p0, p1], reference);
    if (refused) {
      skipped.push({ id, protocol: "uniswap-v3", skip: refused, context });
      continue;
    }

    // Slice: a trade worth more than maxTradeUsd is split into n equal steps of sqrt price, and only the first is
    // taken now; the rest is re-planned next block from fresh state. Equal price steps (not equal inputs) keep
    // every slice, the last one included, earning about half its own price move, well above the pool fee.
    let limit = target;
    let trade = full;
    const fullUsd = tokenAmountToUsd(full.amountIn, inPrice.decimals, inPrice.usd8);
    if (ctx.maxTradeUsd > 0n && fullUsd > ctx.maxTradeUsd) {
      const current = pool.state.sqrtPriceX96;
      for (let n = (fullUsd + ctx.maxTradeUsd - 1n) / ctx.maxTradeUsd; n <= 64n; n++) {
        limit = current + (target - current) / n;
        const step = v3InputToReachPrice(pool.state, limit);
        if (!step) break;
        trade = step;
        if (tokenAmountToUsd(step.amountIn, inPrice.decimals, inPrice.usd8) <= ctx.maxTradeUsd) break;
      }
      context.slice = `${formatUsd(tokenAmountToUsd(trade.amountIn, inPrice.decimals, inPrice.usd8))} of ${formatUsd(fullUsd)}`;
    }
    const inventory = snapshot.inventory[tokenIn] ?? 0n;
    if (inventory < trade.amountIn) {
      skipped.push({
        id,
        protocol: "uniswap-v3",
        skip: skip(
          "no-funding",
          `executor inventory ${inventory} of ${inPrice.symbol} is below the ${trade.amountIn} needed`,
        ),
        context,
      });
      continue;
    }
    const profit = trade.amountOut - inputValueAt(trade.amountIn, limit, zeroForOne);
    const profitUsd = tokenAmountToUsd(profit > 0n ? profit : 0n, outPrice.decimals, outPrice.usd8);
    const floorUsd = gasCostUsd(ctx.gas.rebalanceV3Inventory, gasMarket) + ctx.minProfitUsd;
    const minProfit = (floorUsd * 10n ** BigInt(outPrice.decimals)) / outPrice.usd8;
    const after = v3SkewBps(trade.sqrtPriceX96After, reference);
    const opportunity: V3RebalanceOpportunity = {
      id,
      kind: "rebalance",
      protocol: "uniswap-v3",
      expectedProfit: { token: tokenOut, symbol: outPrice.symbol, decimals: outPrice.decimals, amount: profit },
      expectedProfitUsd: profit > 0n ? profitUsd : -1n,
      gasEstimate: ctx.gas.rebalanceV3Inventory,
      funding: { source: "executor inventory", feeUsd: 0n, includedInProfit: true },
      details: {
        pool: pool.address,
        zeroForOne,
        amountIn: trade.amountIn,
        amountOut: trade.amountOut,
        sqrtPriceLimitX96: limit,
      },
    };
    candidates.push({
      opportunity,
      action: {
        kind: "rebalanceV3",
        params: {
          pool: pool.address,
          zeroForOne,
          amountIn: trade.amountIn,
          sqrtPriceLimitX96: limit,
          toleranceBps: ctx.rebalanceToleranceBps,
          funding: Funding.Inventory,
          fundingPool: ZERO_ADDRESS,
          minProfit,
        },
        tokens: { token0: pool.token0, token1: pool.token1 },
      },
      context: { ...context, skewAfterBps: after.toString(), expectedProfit: formatUsd(profitUsd) },
      // The swap's exact end state (ticks unchanged): the block planner sizes what comes after it on this.
      effects: [
        {
          kind: "v3",
          address: pool.address,
          state: {
            ...pool.state,
            sqrtPriceX96: trade.sqrtPriceX96After,
            tick: trade.tickAfter,
            liquidity: trade.liquidityAfter,
          },
        },
      ],
    });
  }
  return { candidates, skipped };
}
