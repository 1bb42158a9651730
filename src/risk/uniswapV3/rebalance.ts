/**
 * Uniswap V3 rebalancing trades against a reference price. The marginal rate of a V3 swap net of
 * fee is price·(1 - fee) whatever the liquidity, so the profit-maximising stop price is the
 * reference shifted by the fee, and the trade to reach it is one exact simulation.
 */
import { divRoundingUp } from "../math/uint.js";
import type { Rational } from "../math/rational.js";
import { sqrtPriceX96FromPrice, v3SkewBps } from "./price.js";
import { simulateV3Swap, type V3SwapResult } from "./simulate.js";
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO } from "./tickMath.js";
import type { V3PoolState } from "./types.js";

/** A V3 swap towards a reference price and its value at that price. */
export interface V3RebalanceTrade extends V3SwapResult {
  zeroForOne: boolean;
  /** Limit to pass to `swap` so that it stops at the computed price. */
  sqrtPriceLimitX96: bigint;
  skewBpsBefore: bigint;
  skewBpsAfter: bigint;
  /** Output minus input valued at the reference (input rounded up), in output-token raw units. */
  profit: bigint;
  /** Token `profit` is denominated in (the output token). */
  profitToken: "token0" | "token1";
}

/**
 * Value at the reference of a swap's output minus its input, in output-token units.
 *
 * @param zeroForOne - Swap direction.
 * @param amountIn - Input, fee included.
 * @param amountOut - Output.
 * @param reference - token1 per token0, raw units.
 * @returns Profit in the output token (negative when the swap loses value).
 */
export function v3SwapProfitAtReference(
  zeroForOne: boolean,
  amountIn: bigint,
  amountOut: bigint,
  reference: Rational,
): bigint {
  return zeroForOne
    ? amountOut - divRoundingUp(amountIn * reference.num, reference.den)
    : amountOut - divRoundingUp(amountIn * reference.den, reference.num);
}

function clampLimit(sqrtPriceX96: bigint): bigint {
  if (sqrtPriceX96 <= MIN_SQRT_RATIO) return MIN_SQRT_RATIO + 1n;
  if (sqrtPriceX96 >= MAX_SQRT_RATIO) return MAX_SQRT_RATIO - 1n;
  return sqrtPriceX96;
}

function tradeTo(state: V3PoolState, target: bigint, reference: Rational): V3RebalanceTrade | null {
  const limit = clampLimit(target);
  if (limit === state.sqrtPriceX96) return null;
  const zeroForOne = limit < state.sqrtPriceX96;
  const swap = simulateV3Swap({ state, zeroForOne, amountSpecified: (1n << 255n) - 1n, sqrtPriceLimitX96: limit });
  if (swap.amountIn === 0n) return null;
  return {
    ...swap,
    zeroForOne,
    sqrtPriceLimitX96: limit,
    skewBpsBefore: v3SkewBps(state.sqrtPriceX96, reference),
    skewBpsAfter: v3SkewBps(swap.sqrtPriceX96After, reference),
    profit: v3SwapProfitAtReference(zeroForOne, swap.amountIn, swap.amountOut, reference),
    profitToken: zeroForOne ? "token1" : "token0",
  };
}

/**
 * The exact-input swap that moves the pool's price onto the reference (floor of its sqrt).
 *
 * @param state - Pool state.
 * @param reference - token1 per token0, raw units.
 * @returns The trade, or null when the pool already sits on the reference sqrt price.
 */
export function v3RebalanceToReference(state: V3PoolState, reference: Rational): V3RebalanceTrade | null {
  return tradeTo(state, sqrtPriceX96FromPrice(reference), reference);
}

/**
 * The swap that maximises value at the reference: it stops where price·(1 - fee) meets the
 * reference, i.e. at reference / (1 - fee) when selling token0 and reference·(1 - fee) when
 * selling token1.
 *
 * @param state - Pool state.
 * @param reference - token1 per token0, raw units.
 * @returns The trade, or null when the skew does not exceed the fee.
 */
export function v3MaxProfitTrade(state: V3PoolState, reference: Rational): V3RebalanceTrade | null {
  const feeDen = 1_000_000n;
  const keep = feeDen - BigInt(state.fee);
  const sellToken0Stop = sqrtPriceX96FromPrice({ num: reference.num * feeDen, den: reference.den * keep });
  if (state.sqrtPriceX96 > sellToken0Stop) return tradeTo(state, sellToken0Stop, reference);
  const sellToken1Stop = sqrtPriceX96FromPrice({ num: reference.num * keep, den: reference.den * feeDen });
  if (state.sqrtPriceX96 < sellToken1Stop) return tradeTo(state, sellToken1Stop, reference);
  return null;
}
