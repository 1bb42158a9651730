/**
 * Uniswap V3 SwapMath.computeSwapStep: one swap step within a single liquidity range, with the
 * fee taken on the input side exactly as the pool does.
 */
import { mulDiv, mulDivRoundingUp } from "../math/fullMath.js";
import {
  getAmount0Delta,
  getAmount1Delta,
  getNextSqrtPriceFromInput,
  getNextSqrtPriceFromOutput,
} from "./sqrtPriceMath.js";

/** Result of one swap step. */
export interface SwapStep {
  /** Price reached (the target, or short of it when the amount ran out). */
  sqrtRatioNextX96: bigint;
  /** Input consumed, fee excluded. */
  amountIn: bigint;
  /** Output produced. */
  amountOut: bigint;
  /** Fee charged on the input. */
  feeAmount: bigint;
}

/**
 * `SwapMath.computeSwapStep`.
 *
 * @param sqrtRatioCurrentX96 - Current price.
 * @param sqrtRatioTargetX96 - Price the step may not pass (next tick or the user's limit).
 * @param liquidity - Active liquidity.
 * @param amountRemaining - Remaining amount: > 0 exact input, < 0 exact output.
 * @param feePips - Pool fee in hundredths of a bip (3000 = 0.3%).
 * @returns Next price, amounts in/out and fee.
 */
export function computeSwapStep(
  sqrtRatioCurrentX96: bigint,
  sqrtRatioTargetX96: bigint,
  liquidity: bigint,
  amountRemaining: bigint,
  feePips: number,
): SwapStep {
  const fee = BigInt(feePips);
  const zeroForOne = sqrtRatioCurrentX96 >= sqrtRatioTargetX96;
  const exactIn = amountRemaining >= 0n;
  let sqrtRatioNextX96: bigint;
  let amountIn = 0n;
  let amountOut = 0n;

  if (exactIn) {
    const amountRemainingLessFee = mulDiv(amountRemaining, 1_000_000n - fee, 1_000_000n);
    amountIn = zeroForOne
      ? getAmount0Delta(sqrtRatioTargetX96, sqrtRatioCurrentX96, liquidity, true)
      : getAmount1Delta(sqrtRatioCurrentX96, sqrtRatioTargetX96, liquidity, true);
    sqrtRatioNextX96 =
      amountRemainingLessFee >= amountIn
        ? sqrtRatioTargetX96
        : getNextSqrtPriceFromInput(sqrtRatioCurrentX96, liquidity, amountRemainingLessFee, zeroForOne);
  } else {
    amountOut = zeroForOne
      ? getAmount1Delta(sqrtRatioTargetX96, sqrtRatioCurrentX96, liquidity, false)
      : getAmount0Delta(sqrtRatioCurrentX96, sqrtRatioTargetX96, liquidity, false);
    sqrtRatioNextX96 =
      -amountRemaining >= amountOut
        ? sqrtRatioTargetX96
        : getNextSqrtPriceFromOutput(sqrtRatioCurrentX96, liquidity, -amountRemaining, zeroForOne);
  }

  const max = sqrtRatioTargetX96 === sqrtRatioNextX96;
  if (zeroForOne) {
    if (!(max && exactIn)) amountIn = getAmount0Delta(sqrtRatioNextX96, sqrtRatioCurrentX96, liquidity, true);
    if (!(max && !exactIn)) amountOut = getAmount1Delta(sqrtRatioNextX96, sqrtRatioCurrentX96, liquidity, false);
  } else {
    if (!(max && exactIn)) amountIn = getAmount1Delta(sqrtRatioCurrentX96, sqrtRatioNextX96, liquidity, true);
    if (!(max && !exactIn)) amountOut = getAmount0Delta(sqrtRatioCurrentX96, sqrtRatioNextX96, liquidity, false);
  }

  // An exact-output step never hands out more than was asked for.
  if (!exactIn && amountOut > -amountRemaining) amountOut = -amountRemaining;

  const feeAmount =
    exactIn && sqrtRatioNextX96 !== sqrtRatioTargetX96
      ? amountRemaining - amountIn // the price stopped short: the rest of the input is all fee
      : mulDivRoundingUp(amountIn, fee, 1_000_000n - fee);
  return { sqrtRatioNextX96, amountIn, amountOut, feeAmount };
}
