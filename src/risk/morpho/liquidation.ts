/**
 * Morpho Blue `liquidate` sizing. The call takes either `seizedAssets` or `repaidShares` (exactly
 * one non-zero) and derives the other with rounding against the liquidator; there is no close
 * factor, so a full liquidation is bounded only by the collateral and the borrow shares.
 */
import { RiskMathError } from "../errors.js";
import { minBigInt } from "../math/uint.js";
import { morphoIsHealthy } from "./health.js";
import {
  LIQUIDATION_CURSOR,
  MAX_LIQUIDATION_INCENTIVE_FACTOR,
  MORPHO_WAD,
  mulDivDown,
  mulDivUp,
  ORACLE_PRICE_SCALE,
  wDivDown,
  wDivUp,
  wMulDown,
  zeroFloorSub,
} from "./mathLib.js";
import { toAssetsDown, toAssetsUp, toSharesUp } from "./sharesMath.js";
import type { MorphoBorrowTotals, MorphoPosition } from "./types.js";

/** Market context of a liquidation: borrow totals after accrual, oracle price and LLTV. */
export interface MorphoLiquidationContext {
  market: MorphoBorrowTotals;
  /** `IOracle.price()`, scaled by 1e36. */
  collateralPrice: bigint;
  /** Market LLTV, wad. */
  lltv: bigint;
}

/** What `liquidate` returns and moves. */
export interface MorphoLiquidationAmounts {
  /** Collateral sent to the liquidator. */
  seizedAssets: bigint;
  /** Borrow shares burnt from the borrower. */
  repaidShares: bigint;
  /** Loan assets the liquidator pays (repaidShares.toAssetsUp). */
  repaidAssets: bigint;
}

/**
 * min(1.15e18, WAD wDivDown (WAD - 0.3e18 wMulDown (WAD - lltv))).
 *
 * @param lltv - Market LLTV, wad (< 1e18).
 * @returns Liquidation incentive factor, wad.
 */
export function morphoLiquidationIncentiveFactor(lltv: bigint): bigint {
  if (lltv >= MORPHO_WAD) throw new RiskMathError(`LLTV ${lltv} is not below 1e18`, "range");
  return minBigInt(
    MAX_LIQUIDATION_INCENTIVE_FACTOR,
    wDivDown(MORPHO_WAD, MORPHO_WAD - wMulDown(LIQUIDATION_CURSOR, MORPHO_WAD - lltv)),
  );
}

/**
 * `liquidate(..., seizedAssets, 0, ...)`: shares and assets the liquidator repays for a given
 * amount of collateral, both rounded up.
 *
 * @param params - Market context and the collateral amount to seize.
 * @returns Seized collateral, repaid shares and repaid assets.
 */
export function morphoLiquidationFromSeized(
  params: MorphoLiquidationContext & { seizedAssets: bigint },
): MorphoLiquidationAmounts {
  const { market, collateralPrice, lltv, seizedAssets } = params;
  const incentive = morphoLiquidationIncentiveFactor(lltv);
  const seizedAssetsQuoted = mulDivUp(seizedAssets, collateralPrice, ORACLE_PRICE_SCALE);
  const repaidShares = toSharesUp(
    wDivUp(seizedAssetsQuoted, incentive),
    market.totalBorrowAssets,
    market.totalBorrowShares,
  );
  const repaidAssets = toAssetsUp(repaidShares, market.totalBorrowAssets, market.totalBorrowShares);
  return { seizedAssets, repaidShares, repaidAssets };
}

/**
 * `liquidate(..., 0, repaidShares, ...)`: collateral seized for a given number of borrow shares,
 * rounded down, and the assets paid for them, rounded up.
 *
 * @param params - Market context and the borrow shares to repay.
 * @returns Seized collateral, repaid shares and repaid assets.
 */
export function morphoLiquidationFromShares(
  params: MorphoLiquidationContext & { repaidShares: bigint },
): MorphoLiquidationAmounts {
  const { market, collateralPrice, lltv, repaidShares } = params;
  if (collateralPrice === 0n) throw new RiskMathError("Morpho oracle price is zero", "division by zero");
  const incentive = morphoLiquidationIncentiveFactor(lltv);
  const seizedAssets = mulDivDown(
    wMulDown(toAssetsDown(repaidShares, market.totalBorrowAssets, market.totalBorrowShares), incentive),
    ORACLE_PRICE_SCALE,
    collateralPrice,
  );
  const repaidAssets = toAssetsUp(repaidShares, market.totalBorrowAssets, market.totalBorrowShares);
  return { seizedAssets, repaidShares, repaidAssets };
}

/** The largest liquidation of one position, with the arguments that produce it. */
export interface MorphoMaxLiquidation extends MorphoLiquidationAmounts {
  /** Arguments for `liquidate`: exactly one of the two is non-zero. */
  args: { seizedAssets: bigint; repaidShares: bigint };
  /** True when every borrow share is repaid. */
  repaysAllShares: boolean;
  /** True when the borrower is left without collateral (remaining debt is socialised). */
  seizesAllCollateral: boolean;
  /** Borrow shares written off as bad debt by this call. */
  badDebtShares: bigint;
  /** Assets written off as bad debt by this call. */
  badDebtAssets: bigint;
  /** seizedAssets valued at the oracle price in loan units (floored) minus repaidAssets. */
  profitLoanAssets: bigint;
}

/**
 * The liquidation that seizes the most collateral without reverting: seizedAssets <= collateral
 * and repaidShares <= borrowShares (either would underflow the position). repaidShares grows
 * monotonically with seizedAssets, so the largest valid seizedAssets is found by bisection; the
 * repay-all-shares form is preferred when it seizes at least as much, since it leaves no dust debt.
 *
 * @param params - Market context and the borrower's position.
 * @returns The sizing and `liquidate` arguments, or null when the position is healthy or debt-free.
 */
export function morphoMaxLiquidation(
  params: MorphoLiquidationContext & { position: Pick<MorphoPosition, "borrowShares" | "collateral"> },
): MorphoMaxLiquidation | null {
  const { market, collateralPrice, lltv, position } = params;
  if (position.borrowShares === 0n || position.collateral === 0n) return null;
  if (morphoIsHealthy({ position, market, collateralPrice, lltv })) return null;

  const fromSeized = (seizedAssets: bigint): MorphoLiquidationAmounts =>
    morphoLiquidationFromSeized({ market, collateralPrice, lltv, seizedAssets });

  let best: MorphoLiquidationAmounts;
  let args: { seizedAssets: bigint; repaidShares: bigint };
  if (fromSeized(position.collateral).repaidShares <= position.borrowShares) {
    best = fromSeized(position.collateral);
    args = { seizedAssets: position.collateral, repaidShares: 0n };
  } else {
    // Invariant: fromSeized(lo) is valid, fromSeized(hi) is not.
    let lo = 0n;
    let hi = position.collateral;
    while (hi - lo > 1n) {
      const mid = (lo + hi) >> 1n;
      if (fromSeized(mid).repaidShares <= position.borrowShares) lo = mid;
      else hi = mid;
    }
    best = fromSeized(lo);
    args = { seizedAssets: lo, repaidShares: 0n };
  }

  const allShares = morphoLiquidationFromShares({ market, collateralPrice, lltv, repaidShares: position.borrowShares });
  if (allShares.seizedAssets <= position.collateral && allShares.seizedAssets >= best.seizedAssets) {
    best = allShares;
    args = { seizedAssets: 0n, repaidShares: position.borrowShares };
  }
  if (best.seizedAssets === 0n) return null;

  const seizesAllCollateral = best.seizedAssets === position.collateral;
  // Mirror the storage updates to price the bad debt the same way the contract does.
  const sharesLeft = position.borrowShares - best.repaidShares;
  const totalBorrowShares = market.totalBorrowShares - best.repaidShares;
  const totalBorrowAssets = zeroFloorSub(market.totalBorrowAssets, best.repaidAssets);
  const badDebtShares = seizesAllCollateral ? sharesLeft : 0n;
  const badDebtAssets = seizesAllCollateral
    ? minBigInt(totalBorrowAssets, toAssetsUp(badDebtShares, totalBorrowAssets, totalBorrowShares))
    : 0n;

  return {
    ...best,
    args,
    repaysAllShares: best.repaidShares === position.borrowShares,
    seizesAllCollateral,
    badDebtShares,
    badDebtAssets,
    profitLoanAssets: mulDivDown(best.seizedAssets, collateralPrice, ORACLE_PRICE_SCALE) - best.repaidAssets,
  };
}
