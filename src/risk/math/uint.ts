import { RiskMathError } from "../errors.js";

/** 2^256 - 1, the largest EVM word. */
export const MAX_UINT256: bigint = (1n << 256n) - 1n;
/** 2^160 - 1, the largest sqrtPriceX96 a Uniswap V3 pool can store. */
export const MAX_UINT160: bigint = (1n << 160n) - 1n;
/** 2^128 - 1, Morpho's and Uniswap V3's liquidity/amount width. */
export const MAX_UINT128: bigint = (1n << 128n) - 1n;
/** 2^255 - 1, the largest int256 (Uniswap V3's amountSpecified). */
export const MAX_INT256: bigint = (1n << 255n) - 1n;

/**
 * Throws unless `value` is a valid uint256, the domain of every Solidity value mirrored here.
 *
 * @param value - Value to check.
 * @param label - Name shown in the error, to tell which input was wrong.
 * @returns `value`, unchanged, so it can be used inline.
 */
export function assertUint256(value: bigint, label: string): bigint {
  if (value < 0n || value > MAX_UINT256) {
    throw new RiskMathError(`${label} is not a uint256: ${value}`, "range");
  }
  return value;
}

/**
 * Checked addition/multiplication result guard: Solidity >=0.8 reverts on uint256 overflow, so
 * a value past 2^256-1 means the contract call would have failed, not wrapped.
 *
 * @param value - Result of a bigint computation that Solidity performs in checked uint256.
 * @param label - Operation name shown in the error.
 * @returns `value`, unchanged.
 */
export function checked(value: bigint, label: string): bigint {
  if (value > MAX_UINT256) throw new RiskMathError(`${label} overflows uint256`, "overflow");
  if (value < 0n) throw new RiskMathError(`${label} underflows uint256`, "underflow");
  return value;
}

/**
 * Ceiling division of non-negative integers, `UnsafeMath.divRoundingUp` in Uniswap V3.
 *
 * @param x - Numerator (>= 0).
 * @param y - Denominator (> 0).
 * @returns ceil(x / y).
 */
export function divRoundingUp(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new RiskMathError("division by zero", "division by zero");
  const q = x / y;
  return x % y === 0n ? q : q + 1n;
}

/**
 * Minimum of two bigints (Math.min does not accept bigint).
 *
 * @param a - First value.
 * @param b - Second value.
 * @returns The smaller one.
 */
export function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Maximum of two bigints.
 *
 * @param a - First value.
 * @param b - Second value.
 * @returns The larger one.
 */
export function maxBigInt(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/**
 * Absolute value of a bigint.
 *
 * @param a - Any bigint.
 * @returns |a|.
 */
export function absBigInt(a: bigint): bigint {
  return a < 0n ? -a : a;
}
