/**
 * What borrowing the repayment for one block costs, in the borrowed token, with each lender's own rounding.
 */
import { RouteError } from "./errors.js";
import { mulDivRoundingUp } from "../math/fullMath.js";
import { percentMulCeil } from "../math/percentage.js";

/**
 * Aave V3 Ethereum's FLASHLOAN_PREMIUM_TOTAL, bps. A freshly initialised Pool (as in the test world) charges 0
 * until PoolConfigurator.updateFlashloanPremium: read
 * `FLASHLOAN_PREMIUM_TOTAL()` from the pool being used and pass it as `premiumBps`.
 */
export const AAVE_DEFAULT_FLASHLOAN_PREMIUM_BPS: bigint = 5n;

/**
 * Funding source of a flash-funded liquidation:
 * - "free": Morpho Blue flashLoan (no fee);
 * - "aave": Pool.flashLoanSimple, premium = amount.percentMulCeil(FLASHLOAN_PREMIUM_TOTAL) (Aave v3.6 rounds it up;
 *   v3.0's percentMul rounded half up, one wei less whenever the remainder is under half);
 * - "v2": UniswapV2Pair flash swap repaid in the borrowed token: the K check needs 997 * repay >= 1000 * amount;
 * - "v3": UniswapV3Pool.flash, fee = mulDivRoundingUp(amount, fee, 1e6).
 * The funding pool should not also be a routing venue (its state during the callback differs).
 */
export type FundingCost =
  { kind: "free" } | { kind: "aave"; premiumBps?: bigint } | { kind: "v2" } | { kind: "v3"; fee: number };

/**
 * Fee owed on top of `amount` for borrowing it.
 *
 * @param funding - Funding source.
 * @param amount - Amount borrowed (>= 0).
 * @returns The fee, in the borrowed token.
 */
export function flashFee(funding: FundingCost, amount: bigint): bigint {
  if (amount < 0n) throw new RouteError(`negative flash amount ${amount}`);
  switch (funding.kind) {
    case "free":
      return 0n;
    case "aave":
      return percentMulCeil(amount, funding.premiumBps ?? AAVE_DEFAULT_FLASHLOAN_PREMIUM_BPS);
    case "v2":
      // Smallest repay with 997 * repay >= 1000 * amount, minus the amount itself.
      return (1000n * amount + 996n) / 997n - amount;
    case "v3":
      if (!Number.isInteger(funding.fee) || funding.fee < 0 || funding.fee >= 1_000_000) {
        throw new RouteError(`V3 flash fee ${funding.fee} is not a pool fee in hundredths of a bip`);
      }
      return mulDivRoundingUp(amount, BigInt(funding.fee), 1_000_000n);
  }
}
