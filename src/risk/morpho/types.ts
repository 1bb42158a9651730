/**
 * Morpho Blue state shapes, in the field order of `Morpho.market(id)` and `Morpho.position(id,
 * user)` so a multicall result maps onto them positionally.
 */

/** `Morpho.market(id)`: all uint128, returned as bigint. */
export interface MorphoMarketState {
  totalSupplyAssets: bigint;
  totalSupplyShares: bigint;
  totalBorrowAssets: bigint;
  totalBorrowShares: bigint;
  /** Timestamp of the last interest accrual (seconds). */
  lastUpdate: bigint;
  /** Share of interest to the fee recipient, wad (<= 0.25e18). */
  fee: bigint;
}

/** `Morpho.position(id, user)`. */
export interface MorphoPosition {
  supplyShares: bigint;
  borrowShares: bigint;
  /** Collateral token amount (raw units). */
  collateral: bigint;
}

/** The borrow side of a market, all that health and liquidation math reads. */
export type MorphoBorrowTotals = Pick<MorphoMarketState, "totalBorrowAssets" | "totalBorrowShares">;
