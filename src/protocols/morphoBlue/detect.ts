import { formatHealthFactor } from "../../risk/format.js";
import { morphoPositionHealth } from "../../risk/morpho/health.js";
import { morphoLiquidationFromSeized, morphoMaxLiquidation } from "../../risk/morpho/liquidation.js";
import type { MorphoLiquidationOpportunity } from "../../risk/opportunity.js";
import { formatUsd, gasCostUsd, tokenAmountToUsd } from "../../risk/profit.js";
import { sizeMorphoLiquidation, type Venue } from "../../risk/route/index.js";
import { skip } from "../../skip.js";
import type { Candidate, Skip, StrategyContext } from "../../strategy/types.js";
import { extraHops, routeEffects, routeVenues, saleRouteOf, venuesOf } from "../../strategy/venues.js";
import type { Snapshot } from "../../watcher/snapshot.js";

/** Gas of a routed Morpho liquidation per hop beyond the first (measured: test/contracts/keeper-executor-routes). */
const ROUTED_GAS_PER_EXTRA_HOP = 95_000n;
const SIZING_ITERATIONS = 24;
const SIZING_SLICES = 8;

/**
 * Morpho Blue positions past LLTV become liquidations paid for inside Morpho's `onMorphoLiquidate` callback:
 * Morpho hands over the seized collateral first, the executor sells it and Morpho pulls the repayment afterwards,
 * so no flash loan is needed. Morpho has no close factor; the seized size is the one that nets most once the sale's
 * impact is paid, found on the exact curves of the best split route over every V2 pair and V3 pool of the snapshot
 * (two hops through WETH allowed). A route of one direct V2 leg uses the cheaper single-pair entry point.
 */
export function findMorphoLiquidations(
  snapshot: Snapshot,
  ctx: StrategyContext,
): { candidates: Candidate[]; skipped: Skip[] } {
  const candidates: Candidate[] = [];
  const skipped: Skip[] = [];
  const morpho = snapshot.morpho;
  if (!morpho) return { candidates, skipped };
  const ethUsd = snapshot.prices[ctx.wethToken]?.usd8 ?? 0n;
  const gasMarket = { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd };
  let venues: Venue[] | undefined;

  for (const market of morpho.markets) {
    const { loanToken, collateralToken, lltv } = market.params;
    const loanPrice = snapshot.prices[loanToken];
    const price = market.price;
    if (price === undefined) {
      if (market.positions.length > 0)
        skipped.push({
          id: `morpho-blue:${market.id.slice(0, 10)}:oracle`,
          protocol: "morpho-blue",
          skip: skip(
            "price-check",
            `the market's oracle ${market.params.oracle} did not answer (${market.priceError ?? "no price"}): its ${market.positions.length} position(s) are not priced this block`,
          ),
          context: { market: market.id },
        });
      continue;
    }
    for (const { borrower, position } of market.positions) {
      const health = morphoPositionHealth({ position, market: market.state, collateralPrice: price, lltv });
      if (health.healthy) continue;
      const id = `morpho-blue:${market.id.slice(0, 10)}:${borrower}`;
      const context = { borrower, healthFactor: formatHealthFactor(health.healthFactor) };
      if (!loanPrice) {
        skipped.push({
          id,
          protocol: "morpho-blue",
          skip: skip("no-funding", `no reference price for the loan token ${loanToken}`),
          context,
        });
        continue;
      }
      const max = morphoMaxLiquidation({ market: market.state, collateralPrice: price, lltv, position });
      if (!max) continue;
      // liquidate() is called in its seizedAssets form: shrink by rounding until repaidShares fits the position.
      let seized = max.seizedAssets;
      while (
        seized > 0n &&
        morphoLiquidationFromSeized({ market: market.state, collateralPrice: price, lltv, seizedAssets: seized })
          .repaidShares > position.borrowShares
      )
        seized--;
      venues ??= venuesOf(snapshot);
      const baseGas = ctx.gas.morphoLiquidation;
      const gasInLoan = (gasCostUsd(baseGas, gasMarket) * 10n ** BigInt(loanPrice.decimals)) / loanPrice.usd8;
      const sized = sizeMorphoLiquidation({
        context: { market: market.state, collateralPrice: price, lltv },
        maxSeizedAssets: seized,
        borrowShares: position.borrowShares,
        collateralToken,
        loanToken,
        venues,
        route: { hubs: [ctx.wethToken], slices: SIZING_SLICES },
        gasCostInDebtUnits: gasInLoan,
        iterations: SIZING_ITERATIONS,
        topShortcut: true,
      });
      if (!sized) {
        skipped.push({
          id,
          protocol: "morpho-blue",
          skip: skip("no-funding", "no venue can take the seized collateral for the loan token"),
          context,
        });
        continue;
      }
      const profit = sized.profitDebtUnits + gasInLoan;
      if (sized.profitDebtUnits <= 0n) {
        skipped.push({
          id,
          protocol: "morpho-blue",
          skip: skip(
            "not-profitable",
            `selling the seized collateral does not cover the repayment and gas (best ${sized.profitDebtUnits} loan units net of gas)`,
          ),
          context,
        });
        continue;
      }
      const route = sized.route;
      const used = routeVenues(route);
      const direct =
        route.legs.length === 1 &&
        route.legs[0].path.length === 1 &&
        venues.find((v) => v.address === used[0])?.kind === "v2";
      const gas = baseGas + BigInt(extraHops(route)) * ROUTED_GAS_PER_EXTRA_HOP;
      const profitUsd = tokenAmountToUsd(profit, loanPrice.decimals, loanPrice.usd8);
      const floorUsd = gasCostUsd(gas, gasMarket) + ctx.minProfitUsd;
      const minProfit = (floorUsd * 10n ** BigInt(loanPrice.decimals)) / loanPrice.usd8;
      const opportunity: MorphoLiquidationOpportunity = {
        id,
        kind: "liquidation",
        protocol: "morpho-blue",
        expectedProfit: { token: loanToken, symbol: loanPrice.symbol, decimals: loanPrice.decimals, amount: profit },
        expectedProfitUsd: profitUsd,
        gasEstimate: gas,
        funding: {
          source: direct
            ? `morpho callback, collateral sold on V2 ${used[0]}`
            : `morpho callback, collateral sold over ${route.legs.length} leg(s) on ${used.length} pool(s)`,
          feeUsd: 0n,
          includedInProfit: true,
        },
        details: {
          marketId: market.id,
          borrower,
          args: { seizedAssets: sized.seizedAssets, repaidShares: 0n },
          seizedAssets: sized.seizedAssets,
          repaidShares: sized.amounts.repaidShares,
          repaidAssets: sized.amounts.repaidAssets,
        },
      };
      const partial = sized.seizedAssets < seized;
      candidates.push({
        opportunity,
        action: direct
          ? {
              kind: "liquidateMorpho",
              params: {
                morpho: morpho.morpho,
                marketParams: market.params,
                borrower,
                seizedAssets: sized.seizedAssets,
                swapPair: used[0],
                minProfit,
              },
            }
          : {
              kind: "liquidateMorphoRouted",
              params: {
                morpho: morpho.morpho,
                marketParams: market.params,
                borrower,
                seizedAssets: sized.seizedAssets,
                repaidShares: 0n,
                route: saleRouteOf(route, venues, sized.repaid),
                minProfit,
              },
            },
        context: {
          ...context,
          expectedProfit: formatUsd(profitUsd),
          ...(partial
            ? {
                size: `partial: ${sized.seizedAssets} of ${seized} collateral (the rest would cost more in impact than it earns)`,
              }
            : {}),
        },
        effects: routeEffects(route),
      });
    }
  }
  return { candidates, skipped };
}
