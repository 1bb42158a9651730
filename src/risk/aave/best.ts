/**
 * Choice of the (debt, collateral) pair for an Aave V3 liquidation. A user may borrow several
 * assets against several collaterals; the call liquidates one pair, and the pairs differ in
 * bonus, protocol fee and which balance caps the size.
 */
import type { Address } from "viem";
import { MAX_UINT256 } from "../math/uint.js";
import { aaveAccountSummary, aaveValueInBase, findAaveReserve } from "./account.js";
import {
  aaveDebtToCoverToSend,
  aaveDustSafeDebtToCover,
  aaveLiquidationBlocker,
  type AaveLiquidationAmounts,
} from "./liquidation.js";
import type { AaveReserveView, AaveUserPosition } from "./types.js";

/** One feasible liquidation of a user, with its value to the liquidator. */
export interface AaveLiquidationCandidate extends AaveLiquidationAmounts {
  /** Asset repaid. */
  debtAsset: Address;
  /** Asset received. */
  collateralAsset: Address;
  /** `debtToCover` to pass to `liquidationCall`: `debtToRepay`, plus a margin for interest on a full close. */
  debtToCover: bigint;
  /** Health factor used for the close factor (wad). */
  healthFactor: bigint;
  /** Value of `collateralSeized` in base currency (floored). */
  collateralValueBase: bigint;
  /** Value of `debtToRepay` in base currency (floored). */
  debtValueBase: bigint;
  /** collateralValueBase - debtValueBase: the liquidator's gain at oracle prices, before gas. */
  profitBase: bigint;
}

/**
 * Every valid (debt, collateral) pair of a liquidatable user, sized for the largest repayment
 * the close factor allows (or `debtToCover` when given) that does not revert with MustNotLeaveDust, best first.
 *
 * @param user - Per-reserve balances, and the health factor from `getUserAccountData` if known.
 * @param reserves - Reserve parameters and oracle prices.
 * @param options - `debtToCover` caps the repayment (default: unlimited).
 * @returns Candidates sorted by `profitBase` descending; empty when HF >= 1.
 */
export function aaveLiquidationCandidates(
  user: AaveUserPosition,
  reserves: readonly AaveReserveView[],
  options: { debtToCover?: bigint } = {},
): AaveLiquidationCandidate[] {
  const summary = aaveAccountSummary(user, reserves);
  const healthFactor = user.healthFactor ?? summary.healthFactor;
  const candidates: AaveLiquidationCandidate[] = [];

  for (const debt of user.reserves) {
    const userTotalDebt = debt.variableDebt + debt.stableDebt;
    if (userTotalDebt === 0n) continue;
    const debtReserve = findAaveReserve(reserves, debt.asset);
    if (!debtReserve) continue;

    for (const collateral of user.reserves) {
      if (collateral.aTokenBalance === 0n) continue;
      const collateralReserve = findAaveReserve(reserves, collateral.asset);
      if (!collateralReserve) continue;
      const blocker = aaveLiquidationBlocker({
        healthFactor,
        collateralReserve,
        usageAsCollateralEnabled: collateral.usageAsCollateralEnabled,
        userTotalDebt,
      });
      if (blocker !== null) continue;

      // The largest size v3.6 accepts: the close factor's maximum, or less when that would leave dust.
      const amounts = aaveDustSafeDebtToCover({
        debtReserve,
        collateralReserve,
        variableDebt: debt.variableDebt,
        stableDebt: debt.stableDebt,
        userCollateralBalance: collateral.aTokenBalance,
        healthFactor,
        debtToCover: options.debtToCover ?? MAX_UINT256,
        totalDebtBase: summary.totalDebtBase,
      });
      if (amounts === null || amounts.debtToRepay === 0n || amounts.collateralSeized === 0n) continue;

      const collateralValueBase = aaveValueInBase(amounts.collateralSeized, collateralReserve);
      const debtValueBase = aaveValueInBase(amounts.debtToRepay, debtReserve);
      candidates.push({
        ...amounts,
        debtAsset: debtReserve.asset,
        collateralAsset: collateralReserve.asset,
        debtToCover: aaveDebtToCoverToSend(amounts),
        healthFactor,
        collateralValueBase,
        debtValueBase,
        profitBase: collateralValueBase - debtValueBase,
      });
    }
  }
  return candidates.sort((a, b) => (a.profitBase === b.profitBase ? 0 : a.profitBase > b.profitBase ? -1 : 1));
}

/**
 * The (debt, collateral) pair that maximises the liquidator's value: collateral received minus
 * debt repaid, both at oracle prices in base currency.
 *
 * @param user - Per-reserve balances, and the health factor from `getUserAccountData` if known.
 * @param reserves - Reserve parameters and oracle prices.
 * @returns The best candidate, or null when the user cannot be liquidated.
 */
export function bestAaveLiquidation(
  user: AaveUserPosition,
  reserves: readonly AaveReserveView[],
): AaveLiquidationCandidate | null {
  return aaveLiquidationCandidates(user, reserves)[0] ?? null;
}
