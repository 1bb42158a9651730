/**
 * Exact prices as integer fractions. Reference prices come from two 8-decimal USD feeds and two
 * token decimals, so any float would lose the wei-level precision the sizing functions need.
 */
import { RiskMathError } from "../errors.js";

/** A non-negative fraction num/den with den > 0, e.g. token1 raw units per token0 raw unit. */
export interface Rational {
  num: bigint;
  den: bigint;
}

/**
 * Greatest common divisor of two non-negative bigints.
 *
 * @param a - First value.
 * @param b - Second value.
 * @returns gcd(a, b), and gcd(0, 0) = 0.
 */
export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * Builds a reduced rational, rejecting a zero or negative denominator.
 *
 * @param num - Numerator (>= 0).
 * @param den - Denominator (> 0).
 * @returns num/den in lowest terms.
 */
export function rational(num: bigint, den: bigint): Rational {
  if (den <= 0n) throw new RiskMathError(`rational with non-positive denominator ${den}`, "range");
  if (num < 0n) throw new RiskMathError(`rational with negative numerator ${num}`, "range");
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

/**
 * The inverse fraction (e.g. token0 per token1 from token1 per token0).
 *
 * @param r - Fraction with num > 0.
 * @returns den/num.
 */
export function invert(r: Rational): Rational {
  return rational(r.den, r.num);
}

/**
 * Three-way comparison of two fractions by cross-multiplication.
 *
 * @param a - Left fraction.
 * @param b - Right fraction.
 * @returns -1 if a < b, 0 if equal, 1 if a > b.
 */
export function compareRational(a: Rational, b: Rational): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * Signed deviation of `value` from `reference` in basis points, truncated toward zero:
 * (value - reference) / reference * 10_000. Positive means `value` is above the reference.
 *
 * @param value - Observed price (e.g. pool spot price).
 * @param reference - Reference price (num > 0).
 * @returns The deviation in bps.
 */
export function deviationBps(value: Rational, reference: Rational): bigint {
  if (reference.num === 0n) throw new RiskMathError("deviation against a zero reference price", "range");
  return ((value.num * reference.den - reference.num * value.den) * 10_000n) / (reference.num * value.den);
}

/**
 * Price of token0 in token1 raw units from two USD feed answers, as the keeper builds its
 * reference: (price0 / 10^feedDecimals0) / (price1 / 10^feedDecimals1) * 10^decimals1 / 10^decimals0.
 *
 * @param params - Feed answers (USD, `feedDecimals` each, default 8) and token decimals.
 * @returns token1 raw units per token0 raw unit.
 */
export function referencePriceFromUsd(params: {
  price0Usd: bigint;
  decimals0: number;
  price1Usd: bigint;
  decimals1: number;
  feedDecimals0?: number;
  feedDecimals1?: number;
}): Rational {
  const { price0Usd, price1Usd } = params;
  if (price0Usd <= 0n || price1Usd <= 0n) {
    throw new RiskMathError("USD feed answers must be positive", "range");
  }
  const fd0 = BigInt(params.feedDecimals0 ?? 8);
  const fd1 = BigInt(params.feedDecimals1 ?? 8);
  return rational(
    price0Usd * 10n ** fd1 * 10n ** BigInt(params.decimals1),
    price1Usd * 10n ** fd0 * 10n ** BigInt(params.decimals0),
  );
}
