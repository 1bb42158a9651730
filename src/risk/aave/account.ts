/**
 * Aave V3 health factor, as GenericLogic.calculateUserAccountData computes it. The keeper
 * reads `getUserAccountData` for thousands of users; these functions let it re-derive the health
 * factor after a price move without another RPC round trip.
 */
import { RiskMathError } from "../errors.js";
import { percentMul } from "../math/percentage.js";
import { MAX_UINT256 } from "../math/uint.js";
import { wadDiv, WAD } from "../math/wadRay.js";
import type { AaveAccountData, AaveAccountSummary, AaveReserveView, AaveUserPosition } from "./types.js";

/** HEALTH_FACTOR_LIQUIDATION_THRESHOLD: a position is liquidatable strictly below 1e18. */
export const AAVE_HEALTH_FACTOR_LIQUIDATION_THRESHOLD: bigint = WAD;

/**
 * Health factor from account totals: percentMul(collateral, avgLT).wadDiv(debt), or
 * 2^256-1 without debt, exactly as GenericLogic does.
 *
 * @param data - Totals from `getUserAccountData` (base currency, bps).
 * @returns Health factor in wad.
 */
export function aaveHealthFactor(data: AaveAccountData): bigint {
  if (data.totalDebtBase === 0n) return MAX_UINT256;
  return wadDiv(percentMul(data.totalCollateralBase, data.currentLiquidationThreshold), data.totalDebtBase);
}

/**
 * Whether `liquidationCall` passes its health-factor check (HF < 1e18). The price oracle
 * sentinel (L2 sequencer grace period) is not modelled.
 *
 * @param healthFactor - Health factor in wad.
 * @returns True when the position can be liquidated.
 */
export function isAaveLiquidatable(healthFactor: bigint): boolean {
  return healthFactor < AAVE_HEALTH_FACTOR_LIQUIDATION_THRESHOLD;
}

/**
 * Value of `amount` of a reserve's asset in base currency, floored: amount * price / 10^decimals,
 * the same expression GenericLogic uses for balances and debts.
 *
 * @param amount - Raw token amount.
 * @param reserve - Reserve giving price and decimals.
 * @returns Base-currency value (8 decimals on Aave V3 markets).
 */
export function aaveValueInBase(amount: bigint, reserve: Pick<AaveReserveView, "priceBase" | "decimals">): bigint {
  return (amount * reserve.priceBase) / 10n ** BigInt(reserve.decimals);
}

/**
 * Finds the reserve view of `asset`, comparing addresses case-insensitively since checksummed
 * and lower-case forms both come out of on-chain reads.
 *
 * @param reserves - Known reserves.
 * @param asset - Asset address to look up.
 * @returns The matching reserve, or undefined.
 */
export function findAaveReserve(reserves: readonly AaveReserveView[], asset: string): AaveReserveView | undefined {
  const key = asset.toLowerCase();
  return reserves.find((r) => r.asset.toLowerCase() === key);
}

/**
 * Recomputes `calculateUserAccountData` from per-reserve balances and prices, outside eMode.
 * Balances from `getUserReserveData` are already `scaled.rayMul(index)`, the same product the
 * contract forms, so the result matches `getUserAccountData` at the same block.
 *
 * @param user - The user's per-reserve balances.
 * @param reserves - Reserve parameters and prices; every asset of `user` must be present.
 * @returns Totals, averages and health factor, as the contract computes them.
 */
export function aaveAccountSummary(user: AaveUserPosition, reserves: readonly AaveReserveView[]): AaveAccountSummary {
  let totalCollateralBase = 0n;
  let totalDebtBase = 0n;
  let weightedLtv = 0n;
  let weightedThreshold = 0n;
  let hasZeroLtvCollateral = false;

  for (const balance of user.reserves) {
    const reserve = findAaveReserve(reserves, balance.asset);
    if (!reserve) throw new RiskMathError(`no reserve view for asset ${balance.asset}`, "missing reserve");

    // Aave skips collateral whose threshold is 0 even if the user's bit is set.
    if (reserve.liquidationThreshold !== 0n && balance.usageAsCollateralEnabled) {
      const value = aaveValueInBase(balance.aTokenBalance, reserve);
      totalCollateralBase += value;
      if (reserve.ltv !== 0n) weightedLtv += value * reserve.ltv;
      else hasZeroLtvCollateral = true;
      weightedThreshold += value * reserve.liquidationThreshold;
    }
    const debt = balance.variableDebt + balance.stableDebt;
    if (debt !== 0n) totalDebtBase += aaveValueInBase(debt, reserve);
  }

  const ltv = totalCollateralBase !== 0n ? weightedLtv / totalCollateralBase : 0n;
  const currentLiquidationThreshold = totalCollateralBase !== 0n ? weightedThreshold / totalCollateralBase : 0n;
  const healthFactor = aaveHealthFactor({ totalCollateralBase, totalDebtBase, currentLiquidationThreshold });
  return { totalCollateralBase, totalDebtBase, currentLiquidationThreshold, ltv, healthFactor, hasZeroLtvCollateral };
}
