/**
 * Aave V3's WadRayMath: fixed-point helpers that round HALF UP, unlike Morpho's MathLib which
 * rounds explicitly down or up. Overflow guards mirror the assembly `revert(0, 0)` conditions so
 * an input the contract rejects is rejected here too.
 */
import { RiskMathError } from "../errors.js";
import { MAX_UINT256 } from "./uint.js";

/** 1e18, Aave's wad unit (health factor). */
export const WAD: bigint = 10n ** 18n;
/** 0.5e18, added before dividing by WAD to round half up. */
export const HALF_WAD: bigint = 5n * 10n ** 17n;
/** 1e27, Aave's ray unit (indexes, rates). */
export const RAY: bigint = 10n ** 27n;
/** 0.5e27. */
export const HALF_RAY: bigint = 5n * 10n ** 26n;
/** 1e9, the ray/wad ratio. */
export const WAD_RAY_RATIO: bigint = 10n ** 9n;

function revert(op: string): never {
  throw new RiskMathError(`WadRayMath.${op} reverts (overflow or division by zero)`, "overflow");
}

/**
 * `WadRayMath.wadMul`: a * b / 1e18, rounded half up.
 *
 * @param a - Wad.
 * @param b - Wad.
 * @returns The wad product.
 */
export function wadMul(a: bigint, b: bigint): bigint {
  if (b !== 0n && a > (MAX_UINT256 - HALF_WAD) / b) revert("wadMul");
  return (a * b + HALF_WAD) / WAD;
}

/**
 * `WadRayMath.wadDiv`: a * 1e18 / b, rounded half up (Aave's health factor division).
 *
 * @param a - Wad numerator.
 * @param b - Wad denominator (> 0).
 * @returns The wad quotient.
 */
export function wadDiv(a: bigint, b: bigint): bigint {
  if (b === 0n || a > (MAX_UINT256 - b / 2n) / WAD) revert("wadDiv");
  return (a * WAD + b / 2n) / b;
}

/**
 * `WadRayMath.rayMul`: a * b / 1e27, rounded half up (aToken balance = scaled * index).
 *
 * @param a - Ray.
 * @param b - Ray.
 * @returns The ray product.
 */
export function rayMul(a: bigint, b: bigint): bigint {
  if (b !== 0n && a > (MAX_UINT256 - HALF_RAY) / b) revert("rayMul");
  return (a * b + HALF_RAY) / RAY;
}

/**
 * `WadRayMath.rayDiv`: a * 1e27 / b, rounded half up.
 *
 * @param a - Ray numerator.
 * @param b - Ray denominator (> 0).
 * @returns The ray quotient.
 */
export function rayDiv(a: bigint, b: bigint): bigint {
  if (b === 0n || a > (MAX_UINT256 - b / 2n) / RAY) revert("rayDiv");
  return (a * RAY + b / 2n) / b;
}

/**
 * `WadRayMath.rayToWad`: drops 9 digits, rounding half up.
 *
 * @param a - Ray.
 * @returns Wad.
 */
export function rayToWad(a: bigint): bigint {
  const b = a / WAD_RAY_RATIO;
  return a % WAD_RAY_RATIO >= WAD_RAY_RATIO / 2n ? b + 1n : b;
}

/**
 * `WadRayMath.wadToRay`: appends 9 digits.
 *
 * @param a - Wad.
 * @returns Ray.
 */
export function wadToRay(a: bigint): bigint {
  const b = a * WAD_RAY_RATIO;
  if (b > MAX_UINT256) revert("wadToRay");
  return b;
}
