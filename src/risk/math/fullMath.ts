/**
 * Uniswap V3's FullMath: 512-bit intermediate mulDiv. bigint has no width limit, so the only
 * behaviour left to reproduce is when the contract reverts: a zero denominator or a result that
 * does not fit in 256 bits.
 */
import { RiskMathError } from "../errors.js";
import { MAX_UINT256 } from "./uint.js";

/**
 * `FullMath.mulDiv`: floor(a * b / denominator) with full precision.
 *
 * @param a - Multiplicand (uint256).
 * @param b - Multiplier (uint256).
 * @param denominator - Divisor (> 0).
 * @returns The floored quotient; throws where the contract reverts (result >= 2^256).
 */
export function mulDiv(a: bigint, b: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RiskMathError("FullMath.mulDiv: zero denominator", "mulDiv");
  const result = (a * b) / denominator;
  if (result > MAX_UINT256) throw new RiskMathError("FullMath.mulDiv: result overflows uint256", "mulDiv");
  return result;
}

/**
 * `FullMath.mulDivRoundingUp`: ceil(a * b / denominator) with full precision.
 *
 * @param a - Multiplicand (uint256).
 * @param b - Multiplier (uint256).
 * @param denominator - Divisor (> 0).
 * @returns The rounded-up quotient; throws where the contract reverts.
 */
export function mulDivRoundingUp(a: bigint, b: bigint, denominator: bigint): bigint {
  const result = mulDiv(a, b, denominator);
  if ((a * b) % denominator > 0n) {
    // The contract requires room for the increment rather than wrapping to zero.
    if (result === MAX_UINT256) throw new RiskMathError("FullMath.mulDivRoundingUp overflows", "mulDiv");
    return result + 1n;
  }
  return result;
}
