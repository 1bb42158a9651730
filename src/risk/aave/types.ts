/**
 * Plain data shapes for Aave V3 risk math, named after what the contracts return so a caller can
 * fill them straight from `getReserveConfigurationData`, `getUserReserveData`, the oracle's
 * `getAssetPrice` and `getUserAccountData`.
 */
import type { Address } from "viem";

/** One reserve's risk parameters and oracle price, as liquidation sizing needs them. */
export interface AaveReserveView {
  /** Underlying asset address (the oracle key). */
  asset: Address;
  /** Underlying token decimals (ReserveConfiguration.getDecimals). */
  decimals: number | bigint;
  /** Oracle price in base currency (USD, 8 decimals on Aave V3 markets). */
  priceBase: bigint;
  /** Liquidation bonus in bps including the principal, e.g. 10500n = 5% bonus. */
  liquidationBonus: bigint;
  /** Share of the bonus paid to the treasury, in bps (e.g. 1000n = 10% of the bonus). */
  liquidationProtocolFee: bigint;
  /** Liquidation threshold in bps (0 means the asset cannot back a debt nor be seized). */
  liquidationThreshold: bigint;
  /** Loan-to-value in bps. */
  ltv: bigint;
}

/** One user's balances in one reserve, as `PoolDataProvider.getUserReserveData` returns them. */
export interface AaveUserReserve {
  /** Underlying asset address, matching an {@link AaveReserveView}. */
  asset: Address;
  /** aToken balance (collateral), `currentATokenBalance`. */
  aTokenBalance: bigint;
  /** `currentVariableDebt`. */
  variableDebt: bigint;
  /** `currentStableDebt`. */
  stableDebt: bigint;
  /** Whether the user's collateral bit is set for this reserve. */
  usageAsCollateralEnabled: boolean;
}

/** A user as the liquidation search needs it. */
export interface AaveUserPosition {
  /** Every reserve the user supplies or borrows. */
  reserves: readonly AaveUserReserve[];
  /**
   * Health factor from `getUserAccountData` (wad). When omitted it is recomputed from the
   * balances, which matches the contract for users outside eMode.
   */
  healthFactor?: bigint;
}

/** The subset of `Pool.getUserAccountData` the health factor depends on. */
export interface AaveAccountData {
  /** Total collateral in base currency. */
  totalCollateralBase: bigint;
  /** Total debt in base currency. */
  totalDebtBase: bigint;
  /** Weighted average liquidation threshold in bps. */
  currentLiquidationThreshold: bigint;
}

/** Everything `GenericLogic.calculateUserAccountData` returns, recomputed from balances. */
export interface AaveAccountSummary extends AaveAccountData {
  /** Weighted average LTV in bps. */
  ltv: bigint;
  /** Health factor in wad; 2^256-1 when the user has no debt. */
  healthFactor: bigint;
  /** True when some enabled collateral has LTV 0 (blocks some withdrawals, not liquidation). */
  hasZeroLtvCollateral: boolean;
}
