/**
 * Conversions between V3's sqrtPriceX96 and exact token1-per-token0 prices, and the skew of a
 * pool against a reference price.
 */
import { RiskMathError } from "../errors.js";
import { deviationBps, type Rational } from "../math/rational.js";
import { isqrt } from "../math/sqrt.js";

const Q192 = 1n << 192n;

/**
 * sqrtPriceX96 for a price: floor(sqrt(num * 2^192 / den)).
 *
 * @param price - token1 raw units per token0 raw unit.
 * @returns sqrtPriceX96 (not clamped to the pool's bounds).
 */
export function sqrtPriceX96FromPrice(price: Rational): bigint {
  if (price.den <= 0n || price.num < 0n) throw new RiskMathError("price must be non-negative with den > 0", "range");
  return isqrt((price.num * Q192) / price.den);
}

/**
 * Exact price encoded by a sqrtPriceX96: sqrtP^2 / 2^192.
 *
 * @param sqrtPriceX96 - Pool price.
 * @returns token1 raw units per token0 raw unit.
 */
export function priceFromSqrtPriceX96(sqrtPriceX96: bigint): Rational {
  return { num: sqrtPriceX96 * sqrtPriceX96, den: Q192 };
}

/**
 * Skew of the pool price against a reference, in bps truncated toward zero; positive when
 * token0 is dearer in the pool.
 *
 * @param sqrtPriceX96 - Pool price.
 * @param reference - Reference token1 per token0, raw units.
 * @returns Signed deviation in basis points.
 */
export function v3SkewBps(sqrtPriceX96: bigint, reference: Rational): bigint {
  return deviationBps(priceFromSqrtPriceX96(sqrtPriceX96), reference);
}
