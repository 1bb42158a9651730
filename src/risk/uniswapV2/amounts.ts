/**
 * Uniswap V2 swap amounts, exactly UniswapV2Library.getAmountOut/getAmountIn (0.3% fee). The
 * pair itself only checks the K invariant on fee-adjusted balances; getAmountOut is the largest
 * output that passes that check, so these two functions are the pair's true limits.
 */
import { RiskMathError } from "../errors.js";
import type { Rational } from "../math/rational.js";

/** Fee numerator: 997/1000 of the input counts towards the invariant. */
export const V2_FEE_NUMERATOR: bigint = 997n;
/** Fee denominator. */
export const V2_FEE_DENOMINATOR: bigint = 1000n;

/** Reserves of a pair oriented by trade direction. */
export interface V2DirectedReserves {
  /** Reserve of the token paid into the pair. */
  reserveIn: bigint;
  /** Reserve of the token taken out of the pair. */
  reserveOut: bigint;
}

/** `getReserves()` of a pair, in token0/token1 order. */
export interface V2Reserves {
  reserve0: bigint;
  reserve1: bigint;
}

/**
 * `UniswapV2Library.getAmountOut`: the most `out` tokens `amountIn` buys.
 *
 * @param amountIn - Input amount (> 0).
 * @param reserveIn - Reserve of the input token (> 0).
 * @param reserveOut - Reserve of the output token (> 0).
 * @returns floor(997 * amountIn * reserveOut / (1000 * reserveIn + 997 * amountIn)).
 */
export function v2GetAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountIn <= 0n)
    throw new RiskMathError("UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT", "INSUFFICIENT_INPUT_AMOUNT");
  if (reserveIn <= 0n || reserveOut <= 0n) {
    throw new RiskMathError("UniswapV2Library: INSUFFICIENT_LIQUIDITY", "INSUFFICIENT_LIQUIDITY");
  }
  const amountInWithFee = amountIn * V2_FEE_NUMERATOR;
  return (amountInWithFee * reserveOut) / (reserveIn * V2_FEE_DENOMINATOR + amountInWithFee);
}

/**
 * `UniswapV2Library.getAmountIn`: the input that buys at least `amountOut`. The library adds 1
 * unconditionally, so the result can exceed the true minimum by one wei.
 *
 * @param amountOut - Desired output (> 0, < reserveOut).
 * @param reserveIn - Reserve of the input token (> 0).
 * @param reserveOut - Reserve of the output token (> 0).
 * @returns reserveIn * amountOut * 1000 / ((reserveOut - amountOut) * 997) + 1.
 */
export function v2GetAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountOut <= 0n) {
    throw new RiskMathError("UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT", "INSUFFICIENT_OUTPUT_AMOUNT");
  }
  if (reserveIn <= 0n || reserveOut <= 0n) {
    throw new RiskMathError("UniswapV2Library: INSUFFICIENT_LIQUIDITY", "INSUFFICIENT_LIQUIDITY");
  }
  // The library's SafeMath sub (or the division by zero) reverts when the output drains the pool.
  if (amountOut >= reserveOut) throw new RiskMathError("UniswapV2: INSUFFICIENT_LIQUIDITY", "INSUFFICIENT_LIQUIDITY");
  const numerator = reserveIn * amountOut * V2_FEE_DENOMINATOR;
  const denominator = (reserveOut - amountOut) * V2_FEE_NUMERATOR;
  return numerator / denominator + 1n;
}

/**
 * The smallest input for which getAmountOut reaches `amountOut`:
 * ceil(1000 * reserveIn * amountOut / (997 * (reserveOut - amountOut))). getAmountIn returns
 * this or one more (its unconditional + 1 overshoots when the division is exact).
 *
 * @param amountOut - Desired output (>= 0, < reserveOut).
 * @param reserveIn - Reserve of the input token (> 0).
 * @param reserveOut - Reserve of the output token (> 0).
 * @returns The minimal input amount.
 */
export function v2MinAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountOut < 0n || amountOut >= reserveOut || reserveIn <= 0n) {
    throw new RiskMathError("UniswapV2: INSUFFICIENT_LIQUIDITY", "INSUFFICIENT_LIQUIDITY");
  }
  const numerator = reserveIn * amountOut * V2_FEE_DENOMINATOR;
  const denominator = (reserveOut - amountOut) * V2_FEE_NUMERATOR;
  return (numerator + denominator - 1n) / denominator;
}

/**
 * The pair's own acceptance test for a swap (`UniswapV2Pair.swap`'s K check) on directed
 * reserves: (1000 * (rIn + in) - 3 * in) * 1000 * (rOut - out) >= rIn * rOut * 1000^2.
 *
 * @param amountIn - Tokens sent in.
 * @param amountOut - Tokens taken out (< reserveOut).
 * @param reserves - Reserves before the swap.
 * @returns True when the pair would accept the swap.
 */
export function v2SwapSatisfiesK(amountIn: bigint, amountOut: bigint, reserves: V2DirectedReserves): boolean {
  const { reserveIn, reserveOut } = reserves;
  if (amountOut >= reserveOut) return false;
  const balanceInAdjusted = (reserveIn + amountIn) * 1000n - amountIn * 3n;
  const balanceOutAdjusted = (reserveOut - amountOut) * 1000n;
  return balanceInAdjusted * balanceOutAdjusted >= reserveIn * reserveOut * 1_000_000n;
}

/**
 * Spot price of token0 in token1 raw units (reserve1 / reserve0), exact.
 *
 * @param reserves - Pair reserves.
 * @returns token1 per token0 as a fraction (not reduced).
 */
export function v2SpotPrice(reserves: V2Reserves): Rational {
  if (reserves.reserve0 <= 0n) throw new RiskMathError("pair has no token0 reserve", "INSUFFICIENT_LIQUIDITY");
  return { num: reserves.reserve1, den: reserves.reserve0 };
}

/**
 * Reserves after swapping `amountIn` through the pair at the library's output.
 *
 * @param amountIn - Input amount (> 0).
 * @param reserves - Directed reserves before the swap.
 * @returns Directed reserves after, and the output amount.
 */
export function v2ReservesAfterSwap(
  amountIn: bigint,
  reserves: V2DirectedReserves,
): V2DirectedReserves & { amountOut: bigint } {
  const amountOut = v2GetAmountOut(amountIn, reserves.reserveIn, reserves.reserveOut);
  return { reserveIn: reserves.reserveIn + amountIn, reserveOut: reserves.reserveOut - amountOut, amountOut };
}
