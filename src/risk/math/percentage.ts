/**
 * Aave V3's PercentageMath: basis points with 2 decimals (1e4 = 100.00%), rounding half up.
 * Liquidation bonus, close factor and protocol fee all go through these two functions, so their
 * exact rounding decides the last wei of every liquidation.
 */
import { RiskMathError } from "../errors.js";
import { MAX_UINT256 } from "./uint.js";

/** 1e4 = 100.00%. */
export const PERCENTAGE_FACTOR: bigint = 10_000n;
/** 0.5e4, added before dividing to round half up. */
export const HALF_PERCENTAGE_FACTOR: bigint = 5_000n;

/**
 * `PercentageMath.percentMul`: value * percentage / 1e4, rounded half up.
 *
 * @param value - Amount.
 * @param percentage - Basis points (1e4 = 100%).
 * @returns The percentage of `value`.
 */
export function percentMul(value: bigint, percentage: bigint): bigint {
  if (percentage !== 0n && value > (MAX_UINT256 - HALF_PERCENTAGE_FACTOR) / percentage) {
    throw new RiskMathError("PercentageMath.percentMul overflows", "overflow");
  }
  return (value * percentage + HALF_PERCENTAGE_FACTOR) / PERCENTAGE_FACTOR;
}

/**
 * PercentageMath.percentMulCeil (Aave v3.4+): value * percentage / 1e4, rounded up. v3.6 charges the flash-loan
 * premium with it, so a premium with any remainder costs one more wei than percentMul's half-up would say.
 *
 * @param value - Amount.
 * @param percentage - Basis points (1e4 = 100%).
 * @returns The percentage of `value`, rounded up.
 */
export function percentMulCeil(value: bigint, percentage: bigint): bigint {
  if (percentage !== 0n && value > MAX_UINT256 / percentage) {
    throw new RiskMathError("PercentageMath.percentMulCeil overflows", "overflow");
  }
  const v = value * percentage;
  return v / PERCENTAGE_FACTOR + (v % PERCENTAGE_FACTOR === 0n ? 0n : 1n);
}

/**
 * `PercentageMath.percentDiv`: value * 1e4 / percentage, rounded half up.
 *
 * @param value - Amount.
 * @param percentage - Basis points (> 0).
 * @returns `value` divided by the percentage.
 */
export function percentDiv(value: bigint, percentage: bigint): bigint {
  if (percentage === 0n || value > (MAX_UINT256 - percentage / 2n) / PERCENTAGE_FACTOR) {
    throw new RiskMathError("PercentageMath.percentDiv overflows or divides by zero", "overflow");
  }
  return (value * PERCENTAGE_FACTOR + percentage / 2n) / percentage;
}

/**
 * PercentageMath.percentDivCeil (Aave v3.4+): value * 1e4 / percentage, rounded up.
 *
 * @param value - Amount.
 * @param percentage - Divisor in bps, non-zero.
 * @returns The quotient, rounded up.
 */
export function percentDivCeil(value: bigint, percentage: bigint): bigint {
  if (percentage === 0n) throw new RiskMathError("PercentageMath.percentDivCeil divides by zero", "overflow");
  const v = value * PERCENTAGE_FACTOR;
  return v / percentage + (v % percentage === 0n ? 0n : 1n);
}
