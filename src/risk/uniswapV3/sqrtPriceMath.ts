/**
 * Uniswap V3 SqrtPriceMath. bigint never overflows, but the contract picks a different formula
 * (with different rounding) when `amount * sqrtP` overflows 256 bits, and reverts in other
 * overflow cases; both behaviours are reproduced so results match to the wei.
 */
import { RiskMathError } from "../errors.js";
import { mulDiv, mulDivRoundingUp } from "../math/fullMath.js";
import { divRoundingUp, MAX_UINT160, MAX_UINT256 } from "../math/uint.js";

/** 2^96. */
export const Q96: bigint = 1n << 96n;
const RESOLUTION = 96n;

function toUint160(x: bigint): bigint {
  if (x > MAX_UINT160) throw new RiskMathError("SafeCast.toUint160 overflow", "toUint160");
  return x;
}

/**
 * `getNextSqrtPriceFromAmount0RoundingUp`: price after adding/removing `amount` of token0,
 * rounded up (so an exact-input swap never overshoots its target).
 *
 * @param sqrtPX96 - Starting price.
 * @param liquidity - Active liquidity.
 * @param amount - token0 amount.
 * @param add - True to add token0 (price falls), false to remove.
 * @returns The next sqrt price.
 */
export function getNextSqrtPriceFromAmount0RoundingUp(
  sqrtPX96: bigint,
  liquidity: bigint,
  amount: bigint,
  add: boolean,
): bigint {
  if (amount === 0n) return sqrtPX96;
  const numerator1 = liquidity << RESOLUTION;
  const product = amount * sqrtPX96;
  if (add) {
    if (product <= MAX_UINT256) {
      const denominator = numerator1 + product;
      if (denominator <= MAX_UINT256) return mulDivRoundingUp(numerator1, sqrtPX96, denominator);
    }
    // The contract's fallback when amount * sqrtP overflows: L / (L / sqrtP + amount).
    return divRoundingUp(numerator1, numerator1 / sqrtPX96 + amount);
  }
  if (product > MAX_UINT256 || numerator1 <= product) {
    throw new RiskMathError("getNextSqrtPriceFromAmount0RoundingUp: not enough token0 liquidity", "amount0");
  }
  return toUint160(mulDivRoundingUp(numerator1, sqrtPX96, numerator1 - product));
}

/**
 * `getNextSqrtPriceFromAmount1RoundingDown`: price after adding/removing `amount` of token1,
 * rounded down.
 *
 * @param sqrtPX96 - Starting price.
 * @param liquidity - Active liquidity.
 * @param amount - token1 amount.
 * @param add - True to add token1 (price rises), false to remove.
 * @returns The next sqrt price.
 */
export function getNextSqrtPriceFromAmount1RoundingDown(
  sqrtPX96: bigint,
  liquidity: bigint,
  amount: bigint,
  add: boolean,
): bigint {
  if (add) {
    const quotient = mulDiv(amount, Q96, liquidity);
    return toUint160(sqrtPX96 + quotient);
  }
  const quotient = mulDivRoundingUp(amount, Q96, liquidity);
  if (sqrtPX96 <= quotient) {
    throw new RiskMathError("getNextSqrtPriceFromAmount1RoundingDown: not enough token1 liquidity", "amount1");
  }
  return sqrtPX96 - quotient;
}

/**
 * `getNextSqrtPriceFromInput`: price after an exact input, rounded to not pass the target.
 *
 * @param sqrtPX96 - Starting price (> 0).
 * @param liquidity - Active liquidity (> 0).
 * @param amountIn - Input amount (after fee).
 * @param zeroForOne - True when the input is token0.
 * @returns The next sqrt price.
 */
export function getNextSqrtPriceFromInput(
  sqrtPX96: bigint,
  liquidity: bigint,
  amountIn: bigint,
  zeroForOne: boolean,
): bigint {
  if (sqrtPX96 <= 0n || liquidity <= 0n) throw new RiskMathError("zero price or liquidity", "input");
  return zeroForOne
    ? getNextSqrtPriceFromAmount0RoundingUp(sqrtPX96, liquidity, amountIn, true)
    : getNextSqrtPriceFromAmount1RoundingDown(sqrtPX96, liquidity, amountIn, true);
}

/**
 * `getNextSqrtPriceFromOutput`: price after an exact output, rounded to pass the target.
 *
 * @param sqrtPX96 - Starting price (> 0).
 * @param liquidity - Active liquidity (> 0).
 * @param amountOut - Output amount.
 * @param zeroForOne - True when the output is token1.
 * @returns The next sqrt price.
 */
export function getNextSqrtPriceFromOutput(
  sqrtPX96: bigint,
  liquidity: bigint,
  amountOut: bigint,
  zeroForOne: boolean,
): bigint {
  if (sqrtPX96 <= 0n || liquidity <= 0n) throw new RiskMathError("zero price or liquidity", "output");
  return zeroForOne
    ? getNextSqrtPriceFromAmount1RoundingDown(sqrtPX96, liquidity, amountOut, false)
    : getNextSqrtPriceFromAmount0RoundingUp(sqrtPX96, liquidity, amountOut, false);
}

/**
 * `getAmount0Delta` (unsigned): token0 between two prices for `liquidity`,
 * L·2^96·(√B - √A) / (√B·√A), rounded up or down.
 *
 * @param sqrtRatioAX96 - One bound.
 * @param sqrtRatioBX96 - Other bound.
 * @param liquidity - Liquidity (uint128).
 * @param roundUp - Round up (amount owed to the pool) or down (amount paid by it).
 * @returns token0 amount.
 */
export function getAmount0Delta(
  sqrtRatioAX96: bigint,
  sqrtRatioBX96: bigint,
  liquidity: bigint,
  roundUp: boolean,
): bigint {
  const [a, b] = sqrtRatioAX96 > sqrtRatioBX96 ? [sqrtRatioBX96, sqrtRatioAX96] : [sqrtRatioAX96, sqrtRatioBX96];
  if (a <= 0n) throw new RiskMathError("getAmount0Delta: zero price", "amount0");
  const numerator1 = liquidity << RESOLUTION;
  const numerator2 = b - a;
  return roundUp
    ? divRoundingUp(mulDivRoundingUp(numerator1, numerator2, b), a)
    : mulDiv(numerator1, numerator2, b) / a;
}

/**
 * `getAmount1Delta` (unsigned): token1 between two prices, L·(√B - √A) / 2^96.
 *
 * @param sqrtRatioAX96 - One bound.
 * @param sqrtRatioBX96 - Other bound.
 * @param liquidity - Liquidity (uint128).
 * @param roundUp - Round up or down.
 * @returns token1 amount.
 */
export function getAmount1Delta(
  sqrtRatioAX96: bigint,
  sqrtRatioBX96: bigint,
  liquidity: bigint,
  roundUp: boolean,
): bigint {
  const [a, b] = sqrtRatioAX96 > sqrtRatioBX96 ? [sqrtRatioBX96, sqrtRatioAX96] : [sqrtRatioAX96, sqrtRatioBX96];
  return roundUp ? mulDivRoundingUp(liquidity, b - a, Q96) : mulDiv(liquidity, b - a, Q96);
}
