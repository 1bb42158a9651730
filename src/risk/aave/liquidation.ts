/**
 * Aave V3 (core-v3 1.19.3) liquidation sizing: LiquidationLogic._calculateDebt followed by
 * _calculateAvailableCollateralToLiquidate, with the same operation order so every floor and
 * half-up rounding lands on the same wei as the contract.
 */
import { RiskMathError } from "../errors.js";
import { percentDiv, percentMul } from "../math/percentage.js";
import { minBigInt } from "../math/uint.js";
import { AAVE_HEALTH_FACTOR_LIQUIDATION_THRESHOLD } from "./account.js";
import type { AaveReserveView } from "./types.js";

/** DEFAULT_LIQUIDATION_CLOSE_FACTOR: 50% of the debt when HF > 0.95. */
export const AAVE_DEFAULT_LIQUIDATION_CLOSE_FACTOR: bigint = 5_000n;
/** MAX_LIQUIDATION_CLOSE_FACTOR: 100% of the debt when HF <= 0.95. */
export const AAVE_MAX_LIQUIDATION_CLOSE_FACTOR: bigint = 10_000n;
/** CLOSE_FACTOR_HF_THRESHOLD = 0.95e18. */
export const AAVE_CLOSE_FACTOR_HF_THRESHOLD: bigint = 95n * 10n ** 16n;

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
}

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
}

/**
 * Close factor the contract applies: 100% only when HF <= 0.95e18 (the source compares
 * `healthFactor > CLOSE_FACTOR_HF_THRESHOLD`, so exactly 0.95 already allows a full close).
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
}): { collateralSeized: bigint; debtToRepay: bigint; protocolFee: bigint; collateralCapped: boolean } {
  const { debtReserve, collateralReserve, debtToCover, userCollateralBalance } = params;
  const collateralPrice = collateralReserve.priceBase;
  const debtAssetPrice = debtReserve.priceBase;
  if (collateralPrice === 0n || debtAssetPrice === 0n) {
    throw new RiskMathError("Aave oracle price is zero", "division by zero");
  }
  const collateralAssetUnit = 10n ** BigInt(collateralReserve.decimals);
  const debtAssetUnit = 10n ** BigInt(debtReserve.decimals);
  const liquidationBonus = collateralReserve.liquidationBonus;

  const baseCollateral = (debtAssetPrice * debtToCover * collateralAssetUnit) / (collateralPrice * debtAssetUnit);
  const maxCollateralToLiquidate = percentMul(baseCollateral, liquidationBonus);

  let collateralAmount: bigint;
  let debtAmountNeeded: bigint;
  const collateralCapped = maxCollateralToLiquidate > userCollateralBalance;
  if (collateralCapped) {
    collateralAmount = userCollateralBalance;
    debtAmountNeeded = percentDiv(
      (collateralPrice * collateralAmount * debtAssetUnit) / (debtAssetPrice * collateralAssetUnit),
      liquidationBonus,
    );
  } else {
    collateralAmount = maxCollateralToLiquidate;
    debtAmountNeeded = debtToCover;
  }

  if (collateralReserve.liquidationProtocolFee === 0n) {
    return { collateralSeized: collateralAmount, debtToRepay: debtAmountNeeded, protocolFee: 0n, collateralCapped };
  }
  // The fee is a share of the bonus only: bonus = amount - amount / bonusFactor.
  const bonusCollateral = collateralAmount - percentDiv(collateralAmount, liquidationBonus);
  const protocolFee = percentMul(bonusCollateral, collateralReserve.liquidationProtocolFee);
  return {
    collateralSeized: collateralAmount - protocolFee,
    debtToRepay: debtAmountNeeded,
    protocolFee,
    collateralCapped,
  };
}

/**
 * Amounts one `liquidationCall` would move, computed like LiquidationLogic: close factor from
 * the health factor, min(debtToCover, maxLiquidatableDebt), then the collateral computation.
 * It does not check validity; see {@link aaveLiquidationBlocker}.
 *
 * @param params - Reserves, user balances, health factor and `debtToCover`.
 * @returns Debt repaid, collateral received, protocol fee and the intermediate bounds.
 */
export function aaveLiquidationAmounts(params: AaveLiquidationParams): AaveLiquidationAmounts {
  const userTotalDebt = params.stableDebt + params.variableDebt;
  const closeFactor = aaveCloseFactor(params.healthFactor);
  const maxLiquidatableDebt = percentMul(userTotalDebt, closeFactor);
  const actualDebtToLiquidate = minBigInt(params.debtToCover, maxLiquidatableDebt);
  const available = aaveAvailableCollateralToLiquidate({
    debtReserve: params.debtReserve,
    collateralReserve: params.collateralReserve,
    debtToCover: actualDebtToLiquidate,
    userCollateralBalance: params.userCollateralBalance,
  });
  return { ...available, closeFactor, maxLiquidatableDebt, userTotalDebt };
}

/**
 * The first `ValidationLogic.validateLiquidationCall` condition that would revert, reserve flags
 * (active, paused) and the oracle sentinel excepted since they are not part of the inputs.
 *
 * @param params - Health factor, collateral usage and total debt of the pair.
 * @returns A human-readable reason, or null when the call passes these checks.
 */
export function aaveLiquidationBlocker(params: {
  healthFactor: bigint;
  collateralReserve: Pick<AaveReserveView, "liquidationThreshold">;
  usageAsCollateralEnabled: boolean;
  userTotalDebt: bigint;
}): string | null {
  if (params.healthFactor >= AAVE_HEALTH_FACTOR_LIQUIDATION_THRESHOLD) return "health factor not below 1";
  if (params.collateralReserve.liquidationThreshold === 0n || !params.usageAsCollateralEnabled) {
    return "collateral cannot be liquidated";
  }
  if (params.userTotalDebt === 0n) return "specified currency not borrowed by user";
  return null;
}
