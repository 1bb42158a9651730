/**
 * Impact-aware liquidation sizing. A full-size liquidation of a large position can dump more collateral into
 * thin pools than the bonus pays for; net profit rises with size while the bonus dominates and falls once
 * price impact does. These pick the size that maximises profit in the debt (loan) token: what selling the
 * seized collateral over the best split route yields, minus the repayment, the flash fee and optionally gas.
 */
import type { Address } from "viem";
import {
  aaveDebtToCoverToSend,
  aaveDustSafeDebtToCover,
  aaveLiquidationAmounts,
  type AaveLiquidationAmounts,
  type AaveLiquidationParams,
} from "../aave/liquidation.js";
import {
  morphoLiquidationFromSeized,
  type MorphoLiquidationAmounts,
  type MorphoLiquidationContext,
} from "../morpho/liquidation.js";
import { MAX_UINT256 } from "../math/uint.js";
import { RouteError } from "./errors.js";
import { AAVE_DEFAULT_FLASHLOAN_PREMIUM_BPS, flashFee, type FundingCost } from "./funding.js";
import { maximiseConcave } from "./maximise.js";
import { bestRoute, type Route, type RouteOptions } from "./split.js";
import type { Venue } from "./venue.js";

/** Inputs shared by both sizers. */
export interface SizingCommon {
  /** Venues the seized collateral may be sold on. */
  venues: readonly Venue[];
  /** Hubs and slices for {@link bestRoute}. */
  route?: RouteOptions;
  /** How the repayment is borrowed; the fee is charged on the amount repaid. */
  funding?: FundingCost;
  /** Gas of the whole transaction priced in the debt token; subtracted so a size is only chosen net of gas. */
  gasCostInDebtUnits?: bigint;
  /** Golden-section iterations of {@link maximiseConcave}. */
  iterations?: number;
  /** Take the full size when profit still rises over its last 1/128 (see maximiseConcave); off by default. */
  topShortcut?: boolean;
}

/** What every sizing reports. */
export interface SizingOutcome {
  /** Collateral received and sold. */
  collateralSeized: bigint;
  /** Debt (loan) token paid to the protocol. */
  repaid: bigint;
  /** Flash fee on what is borrowed (`repaid`, or the Aave debtToCover with its full-close margin). */
  flashFee: bigint;
  /** The sale of the seized collateral. */
  route: Route;
  /** route.amountOut - repaid - flashFee - gas, in debt units: may be negative when no size pays. */
  profitDebtUnits: bigint;
  /** The same profit at the largest size, for comparison. */
  fullSizeProfitDebtUnits: bigint | undefined;
  /** Objective evaluations (each a full route search). */
  evaluations: number;
}

/** Aave sizing inputs: `aaveLiquidationAmounts`' inputs without debtToCover, plus the sale and funding. */
export interface AaveSizingParams extends SizingCommon {
  liquidation: Omit<AaveLiquidationParams, "debtToCover">;
}

/** The chosen Aave liquidation. */
export interface AaveSizing extends SizingOutcome {
  /** `debtToCover` to pass to liquidationCall and borrow: the amount repaid, plus a margin on a full close. */
  debtToCover: bigint;
  amounts: AaveLiquidationAmounts;
  /** Largest repayment the close factor and the collateral balance allow. */
  maxDebtToCover: bigint;
}

interface Evaluated {
  route: Route;
  fee: bigint;
  profit: bigint;
}

/**
 * Sells `seized` and nets out repayment, fee and gas; undefined when the sale cannot be routed in full. The fee is
 * on what is borrowed, which may exceed the repayment (the unused part goes back to the lender).
 */
function evaluateSale(
  common: SizingCommon,
  collateral: Address,
  debt: Address,
  seized: bigint,
  repaid: bigint,
  borrowed: bigint = repaid,
): Evaluated | undefined {
  if (seized <= 0n) return undefined;
  const route = bestRoute(common.venues, collateral, debt, seized, common.route);
  if (route.unrouted !== 0n) return undefined;
  const fee = flashFee(common.funding ?? { kind: "aave", premiumBps: AAVE_DEFAULT_FLASHLOAN_PREMIUM_BPS }, borrowed);
  return { route, fee, profit: route.amountOut - repaid - fee - (common.gasCostInDebtUnits ?? 0n) };
}

/**
 * The Aave V3 `debtToCover` in (0, max] that maximises net profit in the debt asset, where max is the
 * repayment at debtToCover = 2^256-1 (close factor and collateral cap applied).
 *
 * @param params - Liquidation inputs, venues, funding (default Aave flashLoanSimple at 5 bps), gas.
 * @returns The best size, or null when no size's collateral can be sold in full on the venues.
 */
export function sizeAaveLiquidation(params: AaveSizingParams): AaveSizing | null {
  const { liquidation } = params;
  const collateral = liquidation.collateralReserve.asset;
  const debt = liquidation.debtReserve.asset;
  const amountsAt = (debtToCover: bigint) => aaveLiquidationAmounts({ ...liquidation, debtToCover });
  // v3.6 reverts a partial liquidation that leaves dust: the range ends at the largest size it accepts.
  const maxDebtToCover = aaveDustSafeDebtToCover({ ...liquidation, debtToCover: MAX_UINT256 })?.debtToRepay ?? 0n;
  if (maxDebtToCover <= 0n) return null;
  const at = (d: bigint) => {
    const amounts = amountsAt(d);
    const borrowed = aaveDebtToCoverToSend(amounts);
    return {
      amounts,
      borrowed,
      sale: evaluateSale(params, collateral, debt, amounts.collateralSeized, amounts.debtToRepay, borrowed),
    };
  };
  const search = maximiseConcave(
    (d) => (amountsAt(d).revert !== null ? undefined : at(d).sale?.profit),
    1n,
    maxDebtToCover,
    {
      iterations: params.iterations ?? 48,
      topShortcut: params.topShortcut,
    },
  );
  if (search.value === undefined) return null;
  const { amounts, borrowed, sale } = at(search.x);
  return {
    debtToCover: borrowed,
    amounts,
    maxDebtToCover,
    collateralSeized: amounts.collateralSeized,
    repaid: amounts.debtToRepay,
    flashFee: sale!.fee,
    route: sale!.route,
    profitDebtUnits: sale!.profit,
    fullSizeProfitDebtUnits: at(maxDebtToCover).sale?.profit,
    evaluations: search.evaluations,
  };
}

/** Morpho sizing inputs. */
export interface MorphoSizingParams extends SizingCommon {
  context: MorphoLiquidationContext;
  /** Largest seizable collateral (morphoMaxLiquidation's seizedAssets, or the position's collateral). */
  maxSeizedAssets: bigint;
  /** The borrower's shares: sizes whose repaidShares exceed them revert on chain and are skipped. */
  borrowShares?: bigint;
  collateralToken: Address;
  loanToken: Address;
}

/** The chosen Morpho liquidation (pass `seizedAssets`, repaidShares 0). */
export interface MorphoSizing extends SizingOutcome {
  seizedAssets: bigint;
  amounts: MorphoLiquidationAmounts;
}

/**
 * The Morpho Blue `seizedAssets` in (0, maxSeizedAssets] that maximises net profit in the loan token.
 *
 * @param params - Market context, the size bound, tokens, venues, funding (default free: Morpho flash loan), gas.
 * @returns The best size, or null when no size's collateral can be sold in full on the venues.
 */
export function sizeMorphoLiquidation(params: MorphoSizingParams): MorphoSizing | null {
  if (params.maxSeizedAssets < 0n) throw new RouteError(`negative maxSeizedAssets ${params.maxSeizedAssets}`);
  if (params.maxSeizedAssets === 0n) return null;
  const common: SizingCommon = { ...params, funding: params.funding ?? { kind: "free" } };
  const at = (seizedAssets: bigint) => {
    const amounts = morphoLiquidationFromSeized({ ...params.context, seizedAssets });
    const valid = params.borrowShares === undefined || amounts.repaidShares <= params.borrowShares;
    const sale = valid
      ? evaluateSale(common, params.collateralToken, params.loanToken, seizedAssets, amounts.repaidAssets)
      : undefined;
    return { amounts, sale };
  };
  const search = maximiseConcave((s) => at(s).sale?.profit, 1n, params.maxSeizedAssets, {
    iterations: params.iterations ?? 48,
    topShortcut: params.topShortcut,
  });
  if (search.value === undefined) return null;
  const { amounts, sale } = at(search.x);
  return {
    seizedAssets: search.x,
    amounts,
    collateralSeized: search.x,
    repaid: amounts.repaidAssets,
    flashFee: sale!.fee,
    route: sale!.route,
    profitDebtUnits: sale!.profit,
    fullSizeProfitDebtUnits: at(params.maxSeizedAssets).sale?.profit,
    evaluations: search.evaluations,
  };
}
