import type { MorphoLiquidationOpportunity } from "../../risk/opportunity.js";
import { morphoLiquidationFromSeized, morphoMaxLiquidation } from "../../risk/morpho/liquidation.js";
import { formatHealthFactor } from "../../risk/format.js";
import { morphoPositionHealth } from "../../risk/morpho/health.js";
import { formatUsd, gasCostUsd, tokenAmountToUsd } from "../../risk/profit.js";
import { v2GetAmountOut } from "../../risk/uniswapV2/amounts.js";
import { skip } from "../../skip.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import type { Candidate, Skip, StrategyContext } from "../../strategy/types.js";


/**
 * Morpho Blue positions past LLTV become liquidations paid for inside Morpho's `onMorphoLiquidate` callback:
 * Morpho hands over the seized collateral first, the executor sells it on the collateral/loan V2 pair and
 * Morpho pulls the repayment afterwards, so no flash loan is needed. Morpho has no close factor; the seized size
 * is chosen among the largest valid one and its halvings, whichever nets most after the sale's slippage.
 */
export function findMorphoLiquidations(snapshot: Snapshot, ctx: StrategyContext): { candidates: Candidate[]; skipped: Skip[] } {
  const candidates: Candidate[] = [];
  const skipped: Skip[] = [];
  const morpho = snapshot.morpho;
  if (!morpho) return { candidates, skipped };
  const ethUsd = snapshot.prices[ctx.wethToken]?.usd8 ?? 0n;
  const gasMarket = { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd };

  for (const market of morpho.markets) {
    const { loanToken, collateralToken, lltv } = market.params;
    const loanPrice = snapshot.prices[loanToken];
    const pairCfg = ctx.v2Pairs.find(
      (p) => (p.token0 === loanToken && p.token1 === collateralToken) || (p.token1 === loanToken && p.token0 === collateralToken),
    );
    const pair = pairCfg && (snapshot.v2Pairs ?? []).find((p) => p.address === pairCfg.address);
    for (const { borrower, position } of market.positions) {
      const health = morphoPositionHealth({ position, market: market.state, collateralPrice: market.price, lltv });
      if (health.healthy) continue;
      const id = `morpho-blue:${market.id.slice(0, 10)}:${borrower}`;
      const context = { borrower, healthFactor: formatHealthFactor(health.healthFactor) };
      if (!pair || !pairCfg || !loanPrice) {
        skipped.push({ id, protocol: "morpho-blue", skip: skip("no-funding", "no Uniswap V2 pair to sell the collateral for the loan token"), context });
        continue;
      }
      const max = morphoMaxLiquidation({ market: market.state, collateralPrice: market.price, lltv, position });
      if (!max) continue;
      // liquidate() is called in its seizedAssets form: shrink by rounding until repaidShares fits the position.
      let seized = max.seizedAssets;
      while (seized > 0n && morphoLiquidationFromSeized({ market: market.state, collateralPrice: market.price, lltv, seizedAssets: seized }).repaidShares > position.borrowShares) seized--;
      const collIs0 = pair.token0 === collateralToken;
      const rColl = collIs0 ? pair.reserve0 : pair.reserve1;
      const rLoan = collIs0 ? pair.reserve1 : pair.reserve0;
      let best: { seized: bigint; repaid: bigint; shares: bigint; out: bigint; profit: bigint } | undefined;
      for (let s = seized, k = 0; s > 0n && k < 6; s /= 2n, k++) {
        const amounts = morphoLiquidationFromSeized({ market: market.state, collateralPrice: market.price, lltv, seizedAssets: s });
        const out = v2GetAmountOut(s, rColl, rLoan);
        const profit = out - amounts.repaidAssets;
        if (!best || profit > best.profit) best = { seized: s, repaid: amounts.repaidAssets, shares: amounts.repaidShares, out, profit };
      }
      if (!best || best.profit <= 0n) {
        skipped.push({ id, protocol: "morpho-blue", skip: skip("not-profitable", `selling the seized collateral does not cover the repayment (${best?.profit ?? 0n} loan units)`), context });
        continue;
      }
      const profitUsd = tokenAmountToUsd(best.profit, loanPrice.decimals, loanPrice.usd8);
      const floorUsd = gasCostUsd(ctx.gas.morphoLiquidation, gasMarket) + ctx.minProfitUsd;
      const minProfit = (floorUsd * 10n ** BigInt(loanPrice.decimals)) / loanPrice.usd8;
      const opportunity: MorphoLiquidationOpportunity = {
        id,
        kind: "liquidation",
        protocol: "morpho-blue",
        expectedProfit: { token: loanToken, symbol: loanPrice.symbol, decimals: loanPrice.decimals, amount: best.profit },
        expectedProfitUsd: profitUsd,
        gasEstimate: ctx.gas.morphoLiquidation,
        funding: { source: `morpho callback, collateral sold on V2 ${pairCfg.name}`, feeUsd: 0n, includedInProfit: true },
        details: {
          marketId: market.id,
          borrower,
          args: { seizedAssets: best.seized, repaidShares: 0n },
          seizedAssets: best.seized,
          repaidShares: best.shares,
          repaidAssets: best.repaid,
        },
      };
      candidates.push({
        opportunity,
        action: {
          kind: "liquidateMorpho",
          params: { morpho: morpho.morpho, marketParams: market.params, borrower, seizedAssets: best.seized, swapPair: pair.address, minProfit },
        },
        context: { ...context, expectedProfit: formatUsd(profitUsd) },
      });
    }
  }
  return { candidates, skipped };
}
