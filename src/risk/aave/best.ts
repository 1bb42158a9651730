/**
 * Choice of the (debt, collateral) pair for an Aave V3 liquidation. A user may borrow several
 * assets against several collaterals; the call liquidates one pair, and the pairs differ in
 * bonus, protocol fee and which balance caps the size.
 */
import type { Address } from "viem";
import { MAX_UINT256 } from "../math/uint.js";
import { aaveAccountSummary, aaveValueInBase, findAaveReserve } from "./account.js";
import { aaveDebtToCoverToSend, aaveDustSafeDebtToCover, type AaveLiquidationAmounts } from "./liquidation.js";
import { aaveLiquidationRevert, type AaveLiquidationRefusal } from "./validation.js";
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
  /** When no collateral is left: the user's other debts v3.6 burns as deficit in the same call (whole balances). */
  badDebtWrittenOff: { asset: Address; amount: bigint }[];
  /** Gas the call spends over a plain liquidation: {@link AAVE_BAD_DEBT_GAS_PER_RESERVE} per other debt burned. */
  extraGas: bigint;
}

/**
 * Gas of burning one more debt reserve as deficit in a liquidation that leaves no collateral (v3.6 _burnBadDebt: the
 * reserve's state update, the debt token burn, DeficitCreated and the rate update). Measured 78,785 on the world's
 * v3.6 pool (test/property/aave-emode.property.test.ts, WETH debt burnt after a WBTC/USDC liquidation; the source's
 * comment says ~75k), rounded up for a colder reserve.
 */
export const AAVE_BAD_DEBT_GAS_PER_RESERVE = 85_000n;

/** Options of {@link aaveLiquidationSearch}. */
export interface AaveLiquidationSearchOptions {
  /** Caps the repayment (default: unlimited). */
  debtToCover?: bigint;
  /** Timestamp of the block the liquidation is expected in: checks the reserves' liquidation grace periods. */
  timestamp?: bigint;
  /** The liquidator's address: a user cannot liquidate itself (SelfLiquidation). */
  liquidator?: Address;
  /** The borrower's address, for the SelfLiquidation check. */
  borrower?: Address;
}

/** A pair the pool would refuse, with the custom error it would revert with. */
export interface AaveLiquidationRefusedPair extends AaveLiquidationRefusal {
  debtAsset: Address;
  collateralAsset: Address;
}

/**
 * Every (debt, collateral) pair of a user, sized for the largest repayment the close factor allows (or
 * `debtToCover` when given) that does not revert with MustNotLeaveDust, at the bonus of the user's eMode category for
 * the collateral it covers; pairs v3.6 would revert (paused or inactive reserve, grace period, health factor, collateral
 * flag, no bonus with a fee) come back as refusals with the error's name instead of being sent.
 *
 * @param user - Per-reserve balances, eMode category, and the health factor from `getUserAccountData` if known.
 * @param reserves - Reserve parameters, flags and oracle prices.
 * @param options - Size cap, expected block timestamp, liquidator and borrower.
 * @returns Candidates sorted by `profitBase` descending, and the refused pairs.
 */
export function aaveLiquidationSearch(
  user: AaveUserPosition,
  reserves: readonly AaveReserveView[],
  options: AaveLiquidationSearchOptions = {},
): { candidates: AaveLiquidationCandidate[]; refused: AaveLiquidationRefusedPair[] } {
  const summary = aaveAccountSummary(user, reserves);
  const healthFactor = user.healthFactor ?? summary.healthFactor;
  const candidates: AaveLiquidationCandidate[] = [];
  const refused: AaveLiquidationRefusedPair[] = [];

  for (const debt of user.reserves) {
    const userTotalDebt = debt.variableDebt + debt.stableDebt;
    if (userTotalDebt === 0n) continue;
    const debtReserve = findAaveReserve(reserves, debt.asset);
    if (!debtReserve) continue;

    for (const collateral of user.reserves) {
      if (collateral.aTokenBalance === 0n) continue;
      const collateralReserve = findAaveReserve(reserves, collateral.asset);
      if (!collateralReserve) continue;
      const pair = { debtAsset: debtReserve.asset, collateralAsset: collateralReserve.asset };
      const refusal = aaveLiquidationRevert({
        healthFactor,
        collateralReserve,
        debtReserve,
        usageAsCollateralEnabled: collateral.usageAsCollateralEnabled,
        userTotalDebt,
        timestamp: options.timestamp,
        borrower: options.borrower,
        liquidator: options.liquidator,
      });
      if (refusal !== null) {
        refused.push({ ...pair, ...refusal });
        continue;
      }

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
        totalCollateralBase: summary.totalCollateralBase,
        eMode: user.eMode,
      });
      if (amounts === null) {
        refused.push({
          ...pair,
          error: "MustNotLeaveDust",
          reason: "every size leaves under $1,000 of debt or collateral",
        });
        continue;
      }
      if (amounts.revert !== null) {
        refused.push({
          ...pair,
          error: amounts.revert,
          reason: "collateral without a liquidation bonus and a protocol fee",
        });
        continue;
      }
      if (amounts.debtToRepay === 0n || amounts.collateralSeized === 0n) continue;

      const collateralValueBase = aaveValueInBase(amounts.collateralSeized, collateralReserve);
      const debtValueBase = aaveValueInBase(amounts.debtToRepay, debtReserve);
      // v3.6 burns every other debt of a user left without collateral (_burnBadDebt), one reserve more each.
      const badDebt = amounts.noCollateralLeft
        ? user.reserves.filter((r) => r !== debt && r.variableDebt + r.stableDebt > 0n)
        : [];
      candidates.push({
        ...amounts,
        debtAsset: debtReserve.asset,
        collateralAsset: collateralReserve.asset,
        debtToCover: aaveDebtToCoverToSend(amounts),
        healthFactor,
        collateralValueBase,
        debtValueBase,
        profitBase: collateralValueBase - debtValueBase,
        badDebtWrittenOff: badDebt.map((r) => ({ asset: r.asset, amount: r.variableDebt + r.stableDebt })),
        extraGas: BigInt(badDebt.length) * AAVE_BAD_DEBT_GAS_PER_RESERVE,
      });
    }
  }
  candidates.sort((a, b) => (a.profitBase === b.profitBase ? 0 : a.profitBase > b.profitBase ? -1 : 1));
  return { candidates, refused };
}

/**
 * Every valid (debt, collateral) pair of a liquidatable user, sized as {@link aaveLiquidationSearch} does, best
 * first; refused pairs are left out.
 *
 * @param user - Per-reserve balances, eMode category, and the health factor from `getUserAccountData` if known.
 * @param reserves - Reserve parameters and oracle prices.
 * @param options - As {@link aaveLiquidationSearch}.
 * @returns Candidates sorted by `profitBase` descending; empty when HF >= 1.
 */
export function aaveLiquidationCandidates(
  user: AaveUserPosition,
  reserves: readonly AaveReserveView[],
  options: AaveLiquidationSearchOptions = {},
): AaveLiquidationCandidate[] {
  return aaveLiquidationSearch(user, reserves, options).candidates;
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
