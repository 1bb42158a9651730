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
  /** The reserve's index in the pool's list (ReserveData.id): the bit that eMode bitmaps key it by. */
  id?: number;
  /** Configuration bit 56; default true. liquidationCall reverts with ReserveInactive when either reserve is not. */
  active?: boolean;
  /** Configuration bit 60; default false. liquidationCall reverts with ReservePaused when either reserve is. */
  paused?: boolean;
  /** Configuration bit 57. A frozen reserve can still be liquidated (v3.6 checks active and paused only). */
  frozen?: boolean;
  /**
   * Pool.getLiquidationGracePeriod (unix seconds); default 0. liquidationCall reverts with
   * LiquidationGraceSentinelCheckFailed unless it is strictly before the block's timestamp, for either reserve.
   */
  liquidationGracePeriodUntil?: bigint;
}

/**
 * One eMode category as v3.6 stores it (DataTypes.EModeCategory), from Pool.getEModeCategoryCollateralConfig,
 * getEModeCategoryCollateralBitmap, getEModeCategoryBorrowableBitmap, getEModeCategoryLtvzeroBitmap and
 * getEModeCategoryLabel. Its LTV, threshold and bonus replace a reserve's own only for the reserves of
 * `collateralBitmap`, and only for users in the category.
 */
export interface AaveEModeCategory {
  /** Category id, 1-255 (0 is "no eMode"). */
  id: number;
  /** bps. */
  ltv: bigint;
  /** bps. */
  liquidationThreshold: bigint;
  /** bps including the principal (10100 = 1% bonus). */
  liquidationBonus: bigint;
  /** Bit i set: reserve id i is collateral in the category (takes the category's LTV, LT and bonus). */
  collateralBitmap: bigint;
  /** Bit i set: reserve id i can be borrowed in the category. */
  borrowableBitmap: bigint;
  /** Bit i set: reserve id i counts with LTV 0 in the category (its LT and bonus still apply). */
  ltvzeroBitmap: bigint;
  /** Free-form label ("ETH correlated"). */
  label: string;
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
   * Health factor from `getUserAccountData` (wad). When omitted it is recomputed from the balances and the
   * user's eMode category, as the contract does.
   */
  healthFactor?: bigint;
  /** The user's eMode category (Pool.getUserEMode, resolved); undefined (or id 0) outside eMode. */
  eMode?: AaveEModeCategory;
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
  /** True when some enabled collateral has LTV 0, its own or its eMode's (blocks some withdrawals, not liquidation). */
  hasZeroLtvCollateral: boolean;
}
