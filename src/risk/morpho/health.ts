/**
 * Morpho Blue `_isHealthy`: debt rounded up, borrowing capacity rounded down, both in the
 * protocol's favour, so a position is liquidatable from the first wei the rounding tips it.
 */
import { MAX_UINT256 } from "../math/uint.js";
import { mulDivDown, ORACLE_PRICE_SCALE, wDivDown, wMulDown } from "./mathLib.js";
import { toAssetsUp } from "./sharesMath.js";
import type { MorphoBorrowTotals, MorphoPosition } from "./types.js";

/** Inputs of a health check: position, borrow totals (after accrual), oracle price, LLTV. */
export interface MorphoHealthParams {
  position: Pick<MorphoPosition, "borrowShares" | "collateral">;
  market: MorphoBorrowTotals;
  /** `IOracle.price()`: loan units per collateral unit, scaled by 1e36. */
  collateralPrice: bigint;
  /** Liquidation LTV of the market, wad. */
  lltv: bigint;
}

/** The two sides of the health check and their ratio. */
export interface MorphoHealth {
  /** borrowShares.toAssetsUp(...). */
  borrowed: bigint;
  /** collateral.mulDivDown(price, 1e36).wMulDown(lltv). */
  maxBorrow: bigint;
  /** maxBorrow >= borrowed. */
  healthy: boolean;
  /** maxBorrow wDivDown borrowed (wad), 2^256-1 without debt; < 1e18 exactly when unhealthy. */
  healthFactor: bigint;
}

/**
 * Both sides of `_isHealthy` and a health factor consistent with it.
 *
 * @param params - Position, borrow totals, oracle price and LLTV.
 * @returns Borrowed assets, borrowing capacity, health flag and health factor.
 */
export function morphoPositionHealth(params: MorphoHealthParams): MorphoHealth {
  const { position, market, collateralPrice, lltv } = params;
  const borrowed = toAssetsUp(position.borrowShares, market.totalBorrowAssets, market.totalBorrowShares);
  const maxBorrow = wMulDown(mulDivDown(position.collateral, collateralPrice, ORACLE_PRICE_SCALE), lltv);
  return {
    borrowed,
    maxBorrow,
    healthy: maxBorrow >= borrowed,
    healthFactor: borrowed === 0n ? MAX_UINT256 : wDivDown(maxBorrow, borrowed),
  };
}

/**
 * `_isHealthy(marketParams, id, borrower, collateralPrice)`.
 *
 * @param params - Position, borrow totals, oracle price and LLTV.
 * @returns True when the position cannot be liquidated.
 */
export function morphoIsHealthy(params: MorphoHealthParams): boolean {
  if (params.position.borrowShares === 0n) return true;
  return morphoPositionHealth(params).healthy;
}
