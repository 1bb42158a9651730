/**
 * Aave V3.6 (aave-v3-origin 3.6.0) liquidation sizing: LiquidationLogic.executeLiquidationCall's close factor,
 * _calculateAvailableCollateralToLiquidate and the MustNotLeaveDust check, with the same operation order so
 * every floor and ceiling lands on the same wei as the contract.
 */
import { RiskMathError } from "../errors.js";
import { percentDiv, percentDivCeil, percentMul, percentMulCeil } from "../math/percentage.js";
import { minBigInt } from "../math/uint.js";
import { aaveDebtValueInBase, aaveValueInBase } from "./account.js";
import { aaveCollateralParams } from "./emode.js";
import type { AaveEModeCategory, AaveReserveView } from "./types.js";

/** DEFAULT_LIQUIDATION_CLOSE_FACTOR: 50% of the total debt when the position is large and HF > 0.95. */
export const AAVE_DEFAULT_LIQUIDATION_CLOSE_FACTOR: bigint = 5_000n;
/** 100%: the whole reserve debt, below HF 0.95 or for small positions. */
export const AAVE_MAX_LIQUIDATION_CLOSE_FACTOR: bigint = 10_000n;
/** CLOSE_FACTOR_HF_THRESHOLD = 0.95e18. */
export const AAVE_CLOSE_FACTOR_HF_THRESHOLD: bigint = 95n * 10n ** 16n;
/** MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = $2,000 (base currency, 8 decimals). */
export const AAVE_MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: bigint = 2_000n * 10n ** 8n;
/** MIN_LEFTOVER_BASE = $1,000: a partial liquidation must leave at least this much debt and collateral. */
export const AAVE_MIN_LEFTOVER_BASE: bigint = AAVE_MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2n;

/** Inputs of one `liquidationCall(collateralAsset, debtAsset, user, debtToCover, ...)`. */
export interface AaveLiquidationParams {
  /** Reserve of the asset the liquidator repays. */
  debtReserve: AaveReserveView;
  /** Reserve of the asset the liquidator receives. */
  collateralReserve: AaveReserveView;
  /** User's variable debt in the debt reserve. */
  variableDebt: bigint;
  /** User's stable debt in the debt reserve. */
  stableDebt: bigint;
  /** User's aToken balance in the collateral reserve. */
  userCollateralBalance: bigint;
  /** User's health factor (wad) at the liquidation block. */
  healthFactor: bigint;
  /** Amount the liquidator offers to repay; pass 2^256-1 for "as much as allowed". */
  debtToCover: bigint;
  /**
   * The user's total debt in base currency (getUserAccountData's totalDebtBase: every reserve, each rounded up).
   * The 50% close factor is half of it. Default: this reserve's debt only, exact for single-debt users.
   */
  totalDebtBase?: bigint;
  /**
   * The user's total collateral in base currency (getUserAccountData's totalCollateralBase). v3.6 writes the user's
   * remaining debt off as deficit when the collateral taken is worth all of it. Default: this reserve's collateral
   * only, exact for single-collateral users.
   */
  totalCollateralBase?: bigint;
  /**
   * The user's eMode category: its liquidation bonus replaces the collateral reserve's when that reserve is in the
   * category's collateral bitmap (the protocol fee stays the reserve's). Undefined outside eMode.
   */
  eMode?: AaveEModeCategory;
}

/**
 * Why v3.6's liquidationCall would revert after validation, for this size: MustNotLeaveDust (a partial
 * liquidation leaving under $1,000 of debt or collateral), or PercentageMathRevert (a collateral with no bonus, i.e.
 * liquidation threshold 0 outside eMode, and a protocol fee: percentDiv(0, 0) reverts with empty data).
 */
export type AaveSizingRevert = "MustNotLeaveDust" | "PercentageMathRevert";

/** What a `liquidationCall` moves, in raw token units. */
export interface AaveLiquidationAmounts {
  /** Debt asset the liquidator pays (`actualDebtToLiquidate` after the collateral cap). */
  debtToRepay: bigint;
  /** Collateral the liquidator receives (`actualCollateralToLiquidate`). */
  collateralSeized: bigint;
  /** Collateral sent to the treasury out of the bonus. */
  protocolFee: bigint;
  /** Close factor applied, bps. */
  closeFactor: bigint;
  /** userTotalDebt.percentMul(closeFactor). */
  maxLiquidatableDebt: bigint;
  /** Variable + stable debt of the user in the debt reserve. */
  userTotalDebt: bigint;
  /** True when the user's collateral balance, not the debt, bounded the liquidation. */
  collateralCapped: boolean;
  /** totalDebtBase the close factor was computed from. */
  totalDebtBase: bigint;
  /**
   * True when liquidationCall reverts with MustNotLeaveDust for this debtToCover: a partial liquidation that
   * leaves less than $1,000 of debt or collateral in the pair. See {@link aaveDustSafeDebtToCover}.
   */
  mustNotLeaveDust: boolean;
  /** The revert this size runs into after validation, or null. */
  revert: AaveSizingRevert | null;
  /** Liquidation bonus applied, bps: the eMode category's when the collateral is in its collateral bitmap. */
  liquidationBonus: bigint;
  /** Value of the collateral taken (liquidator's share and fee) in base, floored: collateralToLiquidateInBaseCurrency. */
  collateralToLiquidateBase: bigint;
  /**
   * True when the collateral taken is worth the user's whole collateral (hasNoCollateralLeft): v3.6 then burns all
   * of the user's debt, the remainder of this reserve and every other debt reserve, as deficit.
   */
  noCollateralLeft: boolean;
  /** This reserve's debt written off as deficit beyond what the liquidator repays (DeficitCreated), 0 if none. */
  deficit: bigint;
}

/**
 * The most `liquidationCall` repays of one reserve's debt (v3.6): the whole reserve debt, unless the pair's
 * collateral and debt are each worth at least $2,000, HF > 0.95, and the reserve debt is worth more than half
 * the user's total debt; then half the total debt in base, converted back to the debt asset (floored).
 *
 * @param params - Reserves, balances, health factor and the user's total debt in base.
 * @returns maxLiquidatableDebt, and the close factor that produced it (bps; 5000 when halved).
 */
export function aaveMaxLiquidatableDebt(params: {
  debtReserve: AaveReserveView;
  collateralReserve: AaveReserveView;
  borrowerReserveDebt: bigint;
  borrowerCollateralBalance: bigint;
  healthFactor: bigint;
  totalDebtBase: bigint;
}): { maxLiquidatableDebt: bigint; closeFactor: bigint } {
  const debtBase = aaveDebtValueInBase(params.borrowerReserveDebt, params.debtReserve);
  const collateralBase = aaveValueInBase(params.borrowerCollateralBalance, params.collateralReserve);
  if (
    collateralBase >= AAVE_MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD &&
    debtBase >= AAVE_MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD &&
    params.healthFactor > AAVE_CLOSE_FACTOR_HF_THRESHOLD
  ) {
    const halfTotal = percentMul(params.totalDebtBase, AAVE_DEFAULT_LIQUIDATION_CLOSE_FACTOR);
    if (debtBase > halfTotal) {
      const unit = 10n ** BigInt(params.debtReserve.decimals);
      return {
        maxLiquidatableDebt: (halfTotal * unit) / params.debtReserve.priceBase,
        closeFactor: AAVE_DEFAULT_LIQUIDATION_CLOSE_FACTOR,
      };
    }
  }
  return { maxLiquidatableDebt: params.borrowerReserveDebt, closeFactor: AAVE_MAX_LIQUIDATION_CLOSE_FACTOR };
}

/**
 * Close factor by health factor alone (v3.6, for a position whose pair is worth $2,000 or more): 50% above
 * HF 0.95, 100% at or below it. Smaller positions are always closable in full: see {@link aaveMaxLiquidatableDebt}.
 *
 * @param healthFactor - Health factor in wad.
 * @returns Close factor in bps.
 */
export function aaveCloseFactor(healthFactor: bigint): bigint {
  return healthFactor > AAVE_CLOSE_FACTOR_HF_THRESHOLD
    ? AAVE_DEFAULT_LIQUIDATION_CLOSE_FACTOR
    : AAVE_MAX_LIQUIDATION_CLOSE_FACTOR;
}

/**
 * `_calculateAvailableCollateralToLiquidate`: collateral for `debtToCover` at oracle prices plus
 * bonus, capped at the user's balance (recomputing the debt that buys exactly that balance), then
 * the protocol fee carved out of the bonus part.
 *
 * @param params - Reserves, debt to cover (already close-factor capped) and collateral balance.
 * @returns Collateral to the liquidator, debt to repay, protocol fee, and whether the balance capped it.
 */
export function aaveAvailableCollateralToLiquidate(params: {
  debtReserve: AaveReserveView;
  collateralReserve: AaveReserveView;
  debtToCover: bigint;
  userCollateralBalance: bigint;
  /** Bonus to apply, bps; default the collateral reserve's (pass the eMode category's for its collateral). */
  liquidationBonus?: bigint;
}): {
  collateralSeized: bigint;
  debtToRepay: bigint;
  protocolFee: bigint;
  collateralCapped: boolean;
  collateralToLiquidateBase: bigint;
} {
  const { debtReserve, collateralReserve, debtToCover, userCollateralBalance } = params;
  const collateralPrice = collateralReserve.priceBase;
  const debtAssetPrice = debtReserve.priceBase;
  if (collateralPrice === 0n || debtAssetPrice === 0n) {
    throw new RiskMathError("Aave oracle price is zero", "division by zero");
  }
  const collateralAssetUnit = 10n ** BigInt(collateralReserve.decimals);
  const debtAssetUnit = 10n ** BigInt(debtReserve.decimals);
  const liquidationBonus = params.liquidationBonus ?? collateralReserve.liquidationBonus;

  const baseCollateral = (debtAssetPrice * debtToCover * collateralAssetUnit) / (collateralPrice * debtAssetUnit);
  const maxCollateralToLiquidate = percentMul(baseCollateral, liquidationBonus);

  let collateralAmount: bigint;
  let debtAmountNeeded: bigint;
  const collateralCapped = maxCollateralToLiquidate > userCollateralBalance;
  if (collateralCapped) {
    collateralAmount = userCollateralBalance;
    // v3.6 rounds the debt that buys the whole balance up, in the protocol's favour.
    debtAmountNeeded = percentDivCeil(
      (collateralPrice * collateralAmount * debtAssetUnit) / (debtAssetPrice * collateralAssetUnit),
      liquidationBonus,
    );
  } else {
    collateralAmount = maxCollateralToLiquidate;
    debtAmountNeeded = debtToCover;
  }

  const collateralToLiquidateBase = (collateralAmount * collateralPrice) / collateralAssetUnit;
  if (collateralReserve.liquidationProtocolFee === 0n) {
    return {
      collateralSeized: collateralAmount,
      debtToRepay: debtAmountNeeded,
      protocolFee: 0n,
      collateralCapped,
      collateralToLiquidateBase,
    };
  }
  // The fee is a share of the bonus only: bonus = amount - amount / bonusFactor.
  const bonusCollateral = collateralAmount - percentDiv(collateralAmount, liquidationBonus);
  const protocolFee = percentMul(bonusCollateral, collateralReserve.liquidationProtocolFee);
  return {
    collateralSeized: collateralAmount - protocolFee,
    debtToRepay: debtAmountNeeded,
    protocolFee,
    collateralCapped,
    collateralToLiquidateBase,
  };
}

/**
 * Amounts one `liquidationCall` would move, computed like v3.6's LiquidationLogic: the close factor rule, then
 * min(debtToCover, maxLiquidatableDebt), the collateral computation at the bonus of the user's eMode category when
 * the collateral is in it, whether the MustNotLeaveDust check reverts, and the deficit v3.6 writes off when no
 * collateral is left. It does not check the validation rules; see {@link aaveLiquidationRevert}.
 *
 * @param params - Reserves, user balances, health factor, total debt in base and `debtToCover`.
 * @returns Debt repaid, collateral received, protocol fee, the intermediate bounds and the dust verdict.
 */
export function aaveLiquidationAmounts(params: AaveLiquidationParams): AaveLiquidationAmounts {
  const userTotalDebt = params.stableDebt + params.variableDebt;
  const totalDebtBase = params.totalDebtBase ?? aaveDebtValueInBase(userTotalDebt, params.debtReserve);
  const { maxLiquidatableDebt, closeFactor } = aaveMaxLiquidatableDebt({
    debtReserve: params.debtReserve,
    collateralReserve: params.collateralReserve,
    borrowerReserveDebt: userTotalDebt,
    borrowerCollateralBalance: params.userCollateralBalance,
    healthFactor: params.healthFactor,
    totalDebtBase,
  });
  const actualDebtToLiquidate = minBigInt(params.debtToCover, maxLiquidatableDebt);
  const { liquidationBonus } = aaveCollateralParams(params.collateralReserve, params.eMode);
  // Threshold 0 outside eMode means bonus 0 (the configurator enforces it): nothing is seized, and the protocol
  // fee's percentDiv(0, 0) reverts.
  if (liquidationBonus === 0n && params.collateralReserve.liquidationProtocolFee !== 0n) {
    return {
      collateralSeized: 0n,
      debtToRepay: actualDebtToLiquidate,
      protocolFee: 0n,
      collateralCapped: false,
      collateralToLiquidateBase: 0n,
      closeFactor,
      maxLiquidatableDebt,
      userTotalDebt,
      totalDebtBase,
      mustNotLeaveDust: false,
      revert: "PercentageMathRevert",
      liquidationBonus,
      noCollateralLeft: false,
      deficit: 0n,
    };
  }
  const available = aaveAvailableCollateralToLiquidate({
    debtReserve: params.debtReserve,
    collateralReserve: params.collateralReserve,
    debtToCover: actualDebtToLiquidate,
    userCollateralBalance: params.userCollateralBalance,
    liquidationBonus,
  });
  const mustNotLeaveDust = leavesDust({
    ...params,
    userTotalDebt,
    debtToRepay: available.debtToRepay,
    collateralTaken: available.collateralSeized + available.protocolFee,
  });
  const totalCollateralBase =
    params.totalCollateralBase ?? aaveValueInBase(params.userCollateralBalance, params.collateralReserve);
  const noCollateralLeft = totalCollateralBase === available.collateralToLiquidateBase;
  return {
    ...available,
    closeFactor,
    maxLiquidatableDebt,
    userTotalDebt,
    totalDebtBase,
    mustNotLeaveDust,
    revert: mustNotLeaveDust ? "MustNotLeaveDust" : null,
    liquidationBonus,
    noCollateralLeft,
    deficit: noCollateralLeft ? userTotalDebt - available.debtToRepay : 0n,
  };
}

/** The MustNotLeaveDust condition: a partial liquidation of both sides must leave $1,000 of each. */
function leavesDust(p: {
  debtReserve: AaveReserveView;
  collateralReserve: AaveReserveView;
  userTotalDebt: bigint;
  userCollateralBalance: bigint;
  debtToRepay: bigint;
  collateralTaken: bigint;
}): boolean {
  if (p.debtToRepay >= p.userTotalDebt || p.collateralTaken >= p.userCollateralBalance) return false;
  const debtLeft = aaveDebtValueInBase(p.userTotalDebt - p.debtToRepay, p.debtReserve);
  const collateralLeft = aaveValueInBase(p.userCollateralBalance - p.collateralTaken, p.collateralReserve);
  return debtLeft < AAVE_MIN_LEFTOVER_BASE || collateralLeft < AAVE_MIN_LEFTOVER_BASE;
}

/**
 * The largest `debtToCover` (at most `debtToCover` given, default the close factor's maximum) that does not revert
 * with MustNotLeaveDust, and its amounts; null when every size reverts. When the maximum leaves dust it is not
 * collateral-capped, and neither is any smaller size, so the leftovers shrink as the size grows: a bisection on
 * the exact amounts finds the boundary to the wei.
 *
 * @param params - As {@link aaveLiquidationAmounts}; `debtToCover` is the upper bound.
 * @returns The amounts of the largest size that passes, or null.
 */
export function aaveDustSafeDebtToCover(params: AaveLiquidationParams): AaveLiquidationAmounts | null {
  const top = aaveLiquidationAmounts(params);
  if (!top.mustNotLeaveDust) return top;
  let lo = 0n; // passes (or nothing)
  let hi = minBigInt(params.debtToCover, top.maxLiquidatableDebt); // reverts
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (aaveLiquidationAmounts({ ...params, debtToCover: mid }).mustNotLeaveDust) hi = mid;
    else lo = mid;
  }
  return lo === 0n ? null : aaveLiquidationAmounts({ ...params, debtToCover: lo });
}

/**
 * Allowance, bps of the repayment, that {@link aaveDebtToCoverToSend} adds to a liquidation closing a side in full.
 * 1 bp is 52 minutes of interest at 100% APR: far more than the blocks between the snapshot and inclusion.
 */
export const AAVE_FULL_CLOSE_MARGIN_BPS: bigint = 1n;

/**
 * The `debtToCover` to send for sized amounts. A partial liquidation is sent as sized: interest accrued before it
 * mines only grows what it leaves, so it stays clear of MustNotLeaveDust. One that closes the reserve debt in full
 * (or takes the whole collateral balance) is sized on the snapshot's balances, which grow with interest by the time
 * it mines: the exact figure would then repay all but the new interest (or take all but the new collateral) and v3.6
 * reverts it with MustNotLeaveDust. Offering a little more lets the pool cap it at the balances of its own block
 * (close factor, collateral cap); the executor hands the unused part back to the lender.
 *
 * @param amounts - What {@link aaveLiquidationAmounts} sized.
 * @returns debtToRepay, plus {@link AAVE_FULL_CLOSE_MARGIN_BPS} of it (at least 1 wei) when it closes a side in full.
 */
export function aaveDebtToCoverToSend(amounts: AaveLiquidationAmounts): bigint {
  const closesDebt = amounts.debtToRepay >= amounts.userTotalDebt;
  if (!closesDebt && !amounts.collateralCapped) return amounts.debtToRepay;
  return amounts.debtToRepay + percentMulCeil(amounts.debtToRepay, AAVE_FULL_CLOSE_MARGIN_BPS);
}
