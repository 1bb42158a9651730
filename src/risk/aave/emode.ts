/**
 * Aave v3.6 eMode: which LTV, liquidation threshold and liquidation bonus a reserve carries for a user. v3.6 keys a
 * category's assets by bitmaps over reserve ids (EModeConfiguration); a category's parameters replace the reserve's
 * own only for reserves in its collateral bitmap (GenericLogic.calculateUserAccountData, ValidationLogic
 * .getUserReserveLtv, LiquidationLogic.executeLiquidationCall). The liquidation protocol fee always stays the
 * reserve's.
 */
import { RiskMathError } from "../errors.js";
import type { AaveEModeCategory, AaveReserveView } from "./types.js";

/** ReserveConfiguration.MAX_RESERVES_COUNT: eMode bitmaps are uint128. */
export const AAVE_MAX_RESERVES_COUNT = 128;

/** The LTV, threshold and bonus a reserve's collateral counts with for one user (bps). */
export interface AaveCollateralParams {
  ltv: bigint;
  liquidationThreshold: bigint;
  liquidationBonus: bigint;
  /** True when the user's eMode category supplied them (the reserve is in its collateral bitmap). */
  fromEMode: boolean;
}

/**
 * EModeConfiguration.isReserveEnabledOnBitmap.
 *
 * @param bitmap - A category bitmap (uint128).
 * @param reserveId - The reserve's index in the pool's list.
 * @returns Whether the reserve's bit is set.
 */
export function isAaveReserveInBitmap(bitmap: bigint, reserveId: number): boolean {
  if (!Number.isInteger(reserveId) || reserveId < 0 || reserveId >= AAVE_MAX_RESERVES_COUNT) {
    throw new RiskMathError(`reserve id ${reserveId} is outside an eMode bitmap (InvalidReserveIndex)`, "overflow");
  }
  return ((bitmap >> BigInt(reserveId)) & 1n) === 1n;
}

/** True when `eMode` is a real category (id 0 means no eMode). */
function inEMode(eMode: AaveEModeCategory | undefined): eMode is AaveEModeCategory {
  return eMode !== undefined && eMode.id !== 0;
}

/**
 * Whether the user's category applies to this reserve as collateral: user in eMode and reserve in the category's
 * collateral bitmap. Throws when the reserve has no id, since the answer then cannot be known.
 *
 * @param reserve - The collateral reserve (its `id` is required in eMode).
 * @param eMode - The user's category, if any.
 * @returns True when the category's LT and bonus apply.
 */
export function isAaveEModeCollateral(reserve: Pick<AaveReserveView, "id" | "asset">, eMode?: AaveEModeCategory) {
  if (!inEMode(eMode)) return false;
  if (reserve.id === undefined) {
    throw new RiskMathError(
      `reserve ${reserve.asset} has no id: pass ReserveData.id to size a user in eMode ${eMode.id}`,
      "missing reserve",
    );
  }
  return isAaveReserveInBitmap(eMode.collateralBitmap, reserve.id);
}

/**
 * The collateral parameters of `reserve` for a user in `eMode` (v3.6): the category's LT and bonus for a reserve in
 * its collateral bitmap, with LTV 0 if the reserve is also in the category's ltvzero bitmap (else the category's
 * LTV); the reserve's own otherwise.
 *
 * @param reserve - Reserve parameters (and `id` when the user is in eMode).
 * @param eMode - The user's category, or undefined outside eMode.
 * @returns LTV, LT and bonus in bps, and whether eMode supplied them.
 */
export function aaveCollateralParams(
  reserve: Pick<AaveReserveView, "id" | "asset" | "ltv" | "liquidationThreshold" | "liquidationBonus">,
  eMode?: AaveEModeCategory,
): AaveCollateralParams {
  if (isAaveEModeCollateral(reserve, eMode)) {
    const category = eMode as AaveEModeCategory;
    return {
      ltv: isAaveReserveInBitmap(category.ltvzeroBitmap, reserve.id!) ? 0n : category.ltv,
      liquidationThreshold: category.liquidationThreshold,
      liquidationBonus: category.liquidationBonus,
      fromEMode: true,
    };
  }
  return {
    ltv: reserve.ltv,
    liquidationThreshold: reserve.liquidationThreshold,
    liquidationBonus: reserve.liquidationBonus,
    fromEMode: false,
  };
}

/**
 * Finds a category by id; id 0 (no eMode) gives undefined.
 *
 * @param categories - Categories read from the pool.
 * @param id - Pool.getUserEMode of a user.
 * @returns The category, or undefined for id 0.
 * @throws RiskMathError when a non-zero id is missing: sizing without it would be wrong.
 */
export function findAaveEModeCategory(
  categories: readonly AaveEModeCategory[],
  id: number | bigint,
): AaveEModeCategory | undefined {
  const n = Number(id);
  if (n === 0) return undefined;
  const found = categories.find((c) => c.id === n);
  if (!found) throw new RiskMathError(`eMode category ${n} was not read from the pool`, "missing reserve");
  return found;
}
