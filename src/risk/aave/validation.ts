/**
 * Aave v3.6 `ValidationLogic.validateLiquidationCall`: the checks liquidationCall makes before any sizing, as typed
 * refusals named after the custom error the pool would revert with, so a pair it would refuse is skipped, not sent.
 */
import { AAVE_HEALTH_FACTOR_LIQUIDATION_THRESHOLD } from "./account.js";
import type { AaveSizingRevert } from "./liquidation.js";
import type { AaveReserveView } from "./types.js";

/** The custom errors of v3.6's ValidationLogic.validateLiquidationCall, in the order it checks them. */
export type AaveValidationRevert =
  | "SelfLiquidation"
  | "ReserveInactive"
  | "ReservePaused"
  | "LiquidationGraceSentinelCheckFailed"
  | "HealthFactorNotBelowThreshold"
  | "CollateralCannotBeLiquidated"
  | "SpecifiedCurrencyNotBorrowedByUser";

/** A liquidation the pool would refuse: the custom error it reverts with, and why. */
export interface AaveLiquidationRefusal {
  error: AaveValidationRevert | AaveSizingRevert;
  reason: string;
}

/**
 * The first v3.6 `ValidationLogic.validateLiquidationCall` check that would revert, in its order. Not modelled: the
 * price oracle sentinel (L2 sequencer; PriceOracleSentinelCheckFailed), unset on the markets the keeper watches. A
 * frozen reserve is liquidated normally, and v3.6 no longer refuses collateral with threshold 0: only the user's
 * collateral flag counts (see {@link aaveLiquidationAmounts} for what such collateral yields).
 *
 * @param params - Both reserves (flags and grace period default to an active, unpaused reserve without grace), the
 *   health factor, the user's collateral flag, its debt in the debt reserve, the timestamp of the block the call is
 *   expected in (the grace period needs it; without it the check is skipped), and borrower / liquidator addresses.
 * @returns The revert with a reason, or null when validation passes.
 */
export function aaveLiquidationRevert(params: {
  healthFactor: bigint;
  collateralReserve: Pick<AaveReserveView, "asset"> & Partial<AaveReserveView>;
  debtReserve?: Pick<AaveReserveView, "asset"> & Partial<AaveReserveView>;
  usageAsCollateralEnabled: boolean;
  userTotalDebt: bigint;
  timestamp?: bigint;
  borrower?: string;
  liquidator?: string;
}): AaveLiquidationRefusal | null {
  const both = [params.collateralReserve, ...(params.debtReserve ? [params.debtReserve] : [])];
  if (params.borrower && params.liquidator && params.borrower.toLowerCase() === params.liquidator.toLowerCase())
    return { error: "SelfLiquidation", reason: "the liquidator is the borrower" };
  const inactive = both.find((r) => r.active === false);
  if (inactive) return { error: "ReserveInactive", reason: `reserve ${inactive.asset} is not active` };
  const paused = both.find((r) => r.paused === true);
  if (paused) return { error: "ReservePaused", reason: `reserve ${paused.asset} is paused` };
  if (params.timestamp !== undefined) {
    const graced = both.find((r) => (r.liquidationGracePeriodUntil ?? 0n) >= params.timestamp!);
    if (graced)
      return {
        error: "LiquidationGraceSentinelCheckFailed",
        reason: `reserve ${graced.asset} is in its liquidation grace period until ${graced.liquidationGracePeriodUntil}`,
      };
  }
  if (params.healthFactor >= AAVE_HEALTH_FACTOR_LIQUIDATION_THRESHOLD)
    return { error: "HealthFactorNotBelowThreshold", reason: "health factor not below 1" };
  if (!params.usageAsCollateralEnabled)
    return { error: "CollateralCannotBeLiquidated", reason: "the user does not use this reserve as collateral" };
  if (params.userTotalDebt === 0n)
    return { error: "SpecifiedCurrencyNotBorrowedByUser", reason: "the user has no debt in this reserve" };
  return null;
}

/**
 * {@link aaveLiquidationRevert}'s reason alone (reserve flags and grace period as given, defaults otherwise).
 *
 * @param params - As {@link aaveLiquidationRevert}.
 * @returns A human-readable reason, or null when the call passes these checks.
 */
export function aaveLiquidationBlocker(params: Parameters<typeof aaveLiquidationRevert>[0]): string | null {
  return aaveLiquidationRevert(params)?.reason ?? null;
}
