/**
 * Aave V3 health factor, as GenericLogic.calculateUserAccountData computes it. The keeper
 * reads `getUserAccountData` for thousands of users; these functions let it re-derive the health
 * factor after a price move without another RPC round trip.
 */
import { RiskMathError } from "../errors.js";
import { MAX_UINT256 } from "../math/uint.js";
import { wadDiv, WAD } from "../math/wadRay.js";
import { aaveCollateralParams } from "./emode.js";
import type { AaveAccountData, AaveAccountSummary, AaveReserveView, AaveUserPosition } from "./types.js";

/** HEALTH_FACTOR_LIQUIDATION_THRESHOLD: a position is liquidatable strictly below 1e18. */
export const AAVE_HEALTH_FACTOR_LIQUIDATION_THRESHOLD: bigint = WAD;

/**
 * Health factor from account totals, as v3.6's GenericLogic forms it: (sum of collateral * LT).wadDiv(debt) / 1e4,
 * or 2^256-1 without debt. The totals carry the average LT floored, so this is exact when the user's collateral
 * has one liquidation threshold (one collateral reserve, or equal thresholds), and within a wei-scale rounding
 * otherwise; {@link aaveAccountSummary} is exact from per-reserve balances.
 *
 * @param data - Totals from `getUserAccountData` (base currency, bps).
 * @returns Health factor in wad.
 */
export function aaveHealthFactor(data: AaveAccountData): bigint {
  return healthFactorOf(data.totalCollateralBase * data.currentLiquidationThreshold, data.totalDebtBase);
}

/** v3.6: avgLiquidationThreshold (before its division by the collateral).wadDiv(totalDebt) / 100_00. */
function healthFactorOf(weightedThreshold: bigint, totalDebtBase: bigint): bigint {
  if (totalDebtBase === 0n) return MAX_UINT256;
  return wadDiv(weightedThreshold, totalDebtBase) / 10_000n;
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
 * Value of a debt in base currency, rounded up (v3.4+ MathUtils.mulDivCeil): how GenericLogic and
 * LiquidationLogic value debt, so that rounding never flatters a borrower.
 *
 * @param amount - Raw debt amount.
 * @param reserve - Reserve giving price and decimals.
 * @returns Base-currency value, rounded up.
 */
export function aaveDebtValueInBase(amount: bigint, reserve: Pick<AaveReserveView, "priceBase" | "decimals">): bigint {
  const unit = 10n ** BigInt(reserve.decimals);
  const product = amount * reserve.priceBase;
  return product / unit + (product % unit === 0n ? 0n : 1n);
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
 * Recomputes v3.6's `calculateUserAccountData` from per-reserve balances and prices, in or outside eMode: every
 * reserve the user's collateral flag is on counts in the total (a threshold of 0 included: it adds value but no
 * weight), with the LTV and threshold of the user's eMode category for the reserves of its collateral bitmap (LTV 0
 * for those of its ltvzero bitmap) and the reserve's own otherwise. Balances from `getUserReserveData` are already
 * `scaled.rayMul(index)`, the same product the contract forms, so the result matches `getUserAccountData` at the
 * same block.
 *
 * @param user - The user's per-reserve balances and eMode category.
 * @param reserves - Reserve parameters and prices (with `id` when the user is in eMode); every asset of `user` must
 *   be present.
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

    // v3.6 counts every flagged collateral, whatever its threshold (older versions skipped LT 0).
    if (balance.usageAsCollateralEnabled) {
      const params = aaveCollateralParams(reserve, user.eMode);
      const value = aaveValueInBase(balance.aTokenBalance, reserve);
      totalCollateralBase += value;
      if (params.ltv !== 0n) weightedLtv += value * params.ltv;
      else hasZeroLtvCollateral = true;
      weightedThreshold += value * params.liquidationThreshold;
    }
    const debt = balance.variableDebt + balance.stableDebt;
    if (debt !== 0n) totalDebtBase += aaveDebtValueInBase(debt, reserve);
  }

  const ltv = totalCollateralBase !== 0n ? weightedLtv / totalCollateralBase : 0n;
  const currentLiquidationThreshold = totalCollateralBase !== 0n ? weightedThreshold / totalCollateralBase : 0n;
  const healthFactor = healthFactorOf(weightedThreshold, totalDebtBase);
  return { totalCollateralBase, totalDebtBase, currentLiquidationThreshold, ltv, healthFactor, hasZeroLtvCollateral };
}
