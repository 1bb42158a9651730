/**
 * Off-chain replay of UniswapV3Pool.swap's loop: step to the next initialized tick (or bitmap
 * word edge), compute the step, cross the tick. Protocol fees and fee growth do not change the
 * amounts and are left out.
 */
import { RiskMathError } from "../errors.js";
import { MAX_INT256, MAX_UINT128 } from "../math/uint.js";
import { computeSwapStep } from "./swapMath.js";
import { assertValidTicks, nextInitializedTickWithinOneWord } from "./tickBitmap.js";
import {
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
} from "./tickMath.js";
import type { V3PoolState } from "./types.js";

/** Arguments of `UniswapV3Pool.swap`, minus recipient and callback data. */
export interface V3SwapParams {
  state: V3PoolState;
  /** True: token0 in, price falls. */
  zeroForOne: boolean;
  /** > 0 exact input, < 0 exact output (int256, as the pool takes it). */
  amountSpecified: bigint;
  /** Price the swap may not pass; defaults to MIN_SQRT_RATIO + 1 / MAX_SQRT_RATIO - 1. */
  sqrtPriceLimitX96?: bigint;
}

/** Outcome of a simulated swap. */
export interface V3SwapResult {
  /** Pool's token0 delta: > 0 paid to the pool, < 0 paid out. */
  amount0: bigint;
  /** Pool's token1 delta. */
  amount1: bigint;
  /** Total input including fees. */
  amountIn: bigint;
  /** Total output. */
  amountOut: bigint;
  /** Fees paid (part of amountIn). */
  feeAmount: bigint;
  sqrtPriceX96After: bigint;
  tickAfter: number;
  liquidityAfter: bigint;
  /** Number of initialized ticks crossed (a gas driver). */
  ticksCrossed: number;
  /**
   * Iterations of the pool's swap loop (one per initialized tick or bitmap word). Gas grows with
   * it: with tick spacing 1 a swap to the price bounds takes ~3,500 steps and runs out of gas at
   * 15M, a failure this simulation cannot see by itself.
   */
  steps: number;
  /** Pool state after the swap, for chaining simulations. */
  stateAfter: V3PoolState;
}

/**
 * `LiquidityMath.addDelta`, with its 'LS'/'LA' reverts.
 *
 * @param x - Liquidity (uint128).
 * @param y - Signed delta (int128).
 * @returns x + y.
 */
export function addDelta(x: bigint, y: bigint): bigint {
  const z = x + y;
  if (z < 0n) throw new RiskMathError("LiquidityMath.addDelta underflow", "LS");
  if (z > MAX_UINT128) throw new RiskMathError("LiquidityMath.addDelta overflow", "LA");
  return z;
}

/**
 * Simulates `UniswapV3Pool.swap` and returns the amounts it would settle.
 *
 * @param params - Pool state, direction, signed amount and optional price limit.
 * @returns Signed deltas, input/output, fee, and the state after the swap.
 */
export function simulateV3Swap(params: V3SwapParams): V3SwapResult {
  const { state, zeroForOne, amountSpecified } = params;
  if (amountSpecified === 0n) throw new RiskMathError("amountSpecified is zero", "AS");
  if (amountSpecified > MAX_INT256 || amountSpecified < -MAX_INT256) {
    throw new RiskMathError("amountSpecified is not an int256", "range");
  }
  assertValidTicks(state.ticks, state.tickSpacing);
  const limit = params.sqrtPriceLimitX96 ?? (zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n);
  const validLimit = zeroForOne
    ? limit < state.sqrtPriceX96 && limit > MIN_SQRT_RATIO
    : limit > state.sqrtPriceX96 && limit < MAX_SQRT_RATIO;
  if (!validLimit) throw new RiskMathError(`invalid sqrtPriceLimitX96 ${limit}`, "SPL");

  const exactInput = amountSpecified > 0n;
  let remaining = amountSpecified;
  let calculated = 0n;
  let sqrtPriceX96 = state.sqrtPriceX96;
  let tick = state.tick;
  let liquidity = state.liquidity;
  let feeAmount = 0n;
  let ticksCrossed = 0;
  let steps = 0;

  while (remaining !== 0n && sqrtPriceX96 !== limit) {
    const start = sqrtPriceX96;
    steps++;
    const next = nextInitializedTickWithinOneWord(state.ticks, tick, state.tickSpacing, zeroForOne);
    const tickNext = Math.min(Math.max(next.tickNext, MIN_TICK), MAX_TICK);
    const sqrtPriceNextX96 = getSqrtRatioAtTick(tickNext);
    const target = (zeroForOne ? sqrtPriceNextX96 < limit : sqrtPriceNextX96 > limit) ? limit : sqrtPriceNextX96;

    const step = computeSwapStep(sqrtPriceX96, target, liquidity, remaining, state.fee);
    sqrtPriceX96 = step.sqrtRatioNextX96;
    feeAmount += step.feeAmount;
    if (exactInput) {
      remaining -= step.amountIn + step.feeAmount;
      calculated -= step.amountOut;
    } else {
      remaining += step.amountOut;
      calculated += step.amountIn + step.feeAmount;
    }

    if (sqrtPriceX96 === sqrtPriceNextX96) {
      // Only a tick found in the list (never a clamped word edge) carries liquidity.
      if (next.initialized && tickNext === next.tickNext) {
        liquidity = addDelta(liquidity, zeroForOne ? -next.liquidityNet : next.liquidityNet);
        ticksCrossed++;
      }
      tick = zeroForOne ? tickNext - 1 : tickNext;
    } else if (sqrtPriceX96 !== start) {
      tick = getTickAtSqrtRatio(sqrtPriceX96);
    }
  }

  const [amount0, amount1] =
    zeroForOne === exactInput ? [amountSpecified - remaining, calculated] : [calculated, amountSpecified - remaining];
  return {
    amount0,
    amount1,
    amountIn: zeroForOne ? amount0 : amount1,
    amountOut: -(zeroForOne ? amount1 : amount0),
    feeAmount,
    sqrtPriceX96After: sqrtPriceX96,
    tickAfter: tick,
    liquidityAfter: liquidity,
    ticksCrossed,
    steps,
    stateAfter: { ...state, sqrtPriceX96, tick, liquidity },
  };
}

/**
 * Exact input that takes the pool's price to `targetSqrtPriceX96`: a swap with that price as
 * the limit and an unbounded exact input stops exactly on the limit. Execute it with the same
 * limit: an exact-input swap of `amountIn` without one may run a few wei past the target (the
 * fee is rounded up per step) or stop at the edge of an empty range the limited swap crosses.
 *
 * @param state - Pool state.
 * @param targetSqrtPriceX96 - Target price, strictly inside (MIN_SQRT_RATIO, MAX_SQRT_RATIO).
 * @returns The swap (direction included), or null when the price is already there.
 */
export function v3InputToReachPrice(
  state: V3PoolState,
  targetSqrtPriceX96: bigint,
): (V3SwapResult & { zeroForOne: boolean }) | null {
  if (targetSqrtPriceX96 === state.sqrtPriceX96) return null;
  const zeroForOne = targetSqrtPriceX96 < state.sqrtPriceX96;
  const result = simulateV3Swap({
    state,
    zeroForOne,
    amountSpecified: MAX_INT256,
    sqrtPriceLimitX96: targetSqrtPriceX96,
  });
  return { ...result, zeroForOne };
}
