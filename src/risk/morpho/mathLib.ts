/**
 * Morpho Blue's MathLib and protocol constants. Unlike Aave, Morpho rounds every operation in an
 * explicit direction (always in the protocol's favour), and Solidity 0.8 checked arithmetic
 * reverts on overflow, which {@link checked} reproduces.
 */
import { RiskMathError } from "../errors.js";
import { checked } from "../math/uint.js";

/** 1e18. */
export const MORPHO_WAD: bigint = 10n ** 18n;
/** ORACLE_PRICE_SCALE: oracle prices are loan-token units per collateral-token unit, scaled 1e36. */
export const ORACLE_PRICE_SCALE: bigint = 10n ** 36n;
/** LIQUIDATION_CURSOR = 0.3e18. */
export const LIQUIDATION_CURSOR: bigint = 3n * 10n ** 17n;
/** MAX_LIQUIDATION_INCENTIVE_FACTOR = 1.15e18. */
export const MAX_LIQUIDATION_INCENTIVE_FACTOR: bigint = 115n * 10n ** 16n;
/** MAX_FEE = 0.25e18. */
export const MORPHO_MAX_FEE: bigint = 25n * 10n ** 16n;

/**
 * `MathLib.mulDivDown`: (x * y) / d, floored; reverts like checked uint256 on overflow.
 *
 * @param x - Multiplicand.
 * @param y - Multiplier.
 * @param d - Divisor (> 0).
 * @returns floor(x * y / d).
 */
export function mulDivDown(x: bigint, y: bigint, d: bigint): bigint {
  if (d === 0n) throw new RiskMathError("MathLib.mulDivDown: division by zero", "division by zero");
  return checked(x * y, "MathLib.mulDivDown x * y") / d;
}

/**
 * `MathLib.mulDivUp`: (x * y + (d - 1)) / d, i.e. rounded up.
 *
 * @param x - Multiplicand.
 * @param y - Multiplier.
 * @param d - Divisor (> 0).
 * @returns ceil(x * y / d).
 */
export function mulDivUp(x: bigint, y: bigint, d: bigint): bigint {
  if (d === 0n) throw new RiskMathError("MathLib.mulDivUp: division by zero", "division by zero");
  return checked(checked(x * y, "MathLib.mulDivUp x * y") + (d - 1n), "MathLib.mulDivUp x * y + d - 1") / d;
}

/**
 * `MathLib.wMulDown`: x * y / 1e18, floored.
 *
 * @param x - Wad or amount.
 * @param y - Wad.
 * @returns The floored product.
 */
export function wMulDown(x: bigint, y: bigint): bigint {
  return mulDivDown(x, y, MORPHO_WAD);
}

/**
 * `MathLib.wDivDown`: x * 1e18 / y, floored.
 *
 * @param x - Numerator.
 * @param y - Wad denominator (> 0).
 * @returns The floored quotient.
 */
export function wDivDown(x: bigint, y: bigint): bigint {
  return mulDivDown(x, MORPHO_WAD, y);
}

/**
 * `MathLib.wDivUp`: x * 1e18 / y, rounded up.
 *
 * @param x - Numerator.
 * @param y - Wad denominator (> 0).
 * @returns The rounded-up quotient.
 */
export function wDivUp(x: bigint, y: bigint): bigint {
  return mulDivUp(x, MORPHO_WAD, y);
}

/**
 * `MathLib.wTaylorCompounded`: the first three terms of e^(x*n) - 1, Morpho's continuous
 * compounding approximation over `n` seconds at per-second rate `x`.
 *
 * @param x - Per-second rate, wad.
 * @param n - Elapsed seconds.
 * @returns Growth factor minus one, wad.
 */
export function wTaylorCompounded(x: bigint, n: bigint): bigint {
  const firstTerm = checked(x * n, "wTaylorCompounded x * n");
  const secondTerm = mulDivDown(firstTerm, firstTerm, 2n * MORPHO_WAD);
  const thirdTerm = mulDivDown(secondTerm, firstTerm, 3n * MORPHO_WAD);
  return checked(firstTerm + secondTerm + thirdTerm, "wTaylorCompounded sum");
}

/**
 * `UtilsLib.zeroFloorSub`: max(0, x - y).
 *
 * @param x - Minuend.
 * @param y - Subtrahend.
 * @returns x - y, or 0 when y > x.
 */
export function zeroFloorSub(x: bigint, y: bigint): bigint {
  return x > y ? x - y : 0n;
}
