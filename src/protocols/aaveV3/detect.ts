import { aaveLiquidationCandidates } from "../../risk/aave/best.js";
import { findAaveReserve } from "../../risk/aave/account.js";
import { formatHealthFactor } from "../../risk/format.js";
import type { AaveLiquidationOpportunity } from "../../risk/opportunity.js";
import { formatUsd, gasCostUsd, tokenAmountToUsd } from "../../risk/profit.js";
import { v2GetAmountIn, v2GetAmountOut } from "../../risk/uniswapV2/amounts.js";
import { skip, type SkipReason } from "../../skip.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import { ZERO_ADDRESS, type Candidate, type Skip, type StrategyContext } from "../../strategy/types.js";



/**
 * Every Aave account under HF 1 becomes a liquidation candidate funded by a V2 flash swap: borrow the debt asset
 * from the pair that also holds the collateral, repay the pair in collateral. Profit = collateral seized (bonus,
 * minus Aave's protocol fee) - collateral owed to the pair (getAmountIn, 0.3% fee included), in collateral units.
 * Accounts with no such pair, or whose profit is not positive, are skipped with the reason.
 */
export function findAaveLiquidations(snapshot: Snapshot, ctx: StrategyContext): { candidates: Candidate[]; skipped: Skip[] } {
  const candidates: Candidate[] = [];
  const skipped: Skip[] = [];
  const aave = snapshot.aave;
  if (!aave || !ctx.aavePool) return { candidates, skipped };
  const ethUsd = snapshot.prices[ctx.wethToken]?.usd8 ?? 0n;
  const gasMarket = { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd };

  for (const account of aave.accounts) {
    const position = aave.positions[account.user];
    if (!position) continue;
    const id = `aave-v3:${account.user}`;
    const context = { borrower: account.user, healthFactor: formatHealthFactor(account.healthFactor) };
    const options = aaveLiquidationCandidates(position, aave.reserves);
    let best: Candidate | undefined;
    let lastReason: SkipReason = skip("not-liquidatable", "no liquidatable debt/collateral pair");
    for (const c of options) {
      const pair = ctx.v2Pairs.find(
        (p) =>
          (p.token0 === c.debtAsset && p.token1 === c.collateralAsset) || (p.token1 === c.debtAsset && p.token0 === c.collateralAsset),
      );
      const pairState = pair && (snapshot.v2Pairs ?? []).find((p) => p.address === pair.address);
      if (!pair || !pairState) {
        lastReason = skip("no-funding", `no Uniswap V2 pair to flash-borrow ${c.debtAsset} against ${c.collateralAsset}`);
        continue;
      }
      const debtIs0 = pair.token0 === c.debtAsset;
      const reserveDebt = debtIs0 ? pairState.reserve0 : pairState.reserve1;
      const reserveColl = debtIs0 ? pairState.reserve1 : pairState.reserve0;
      if (c.debtToRepay <= 0n || c.debtToRepay >= reserveDebt) {
        lastReason = skip("no-funding", `debt to repay ${c.debtToRepay} exceeds the pair's liquidity`);
        continue;
      }
      const collReserve = findAaveReserve(aave.reserves, c.collateralAsset)!;
      const collPrice = snapshot.prices[c.collateralAsset];
      const debtPrice = snapshot.prices[c.debtAsset];
      const decimals = Number(collReserve.decimals);
      // Route 1, V2 flash swap: borrow the debt asset from the pair, repay it in collateral (0.3% inside getAmountIn).
      const owed = v2GetAmountIn(c.debtToRepay, reserveColl, reserveDebt);
      const v2Profit = c.collateralSeized - owed;
      const v2ProfitUsd = collPrice && v2Profit > 0n ? tokenAmountToUsd(v2Profit, decimals, collPrice.usd8) : 0n;
      // Route 2, Morpho flash loan (fee-free): borrow the debt asset from Morpho, sell all seized collateral on the pair.
      const morphoCash = ctx.morpho ? (snapshot.morphoLiquidity?.[c.debtAsset] ?? 0n) : 0n;
      const sold = v2GetAmountOut(c.collateralSeized, reserveColl, reserveDebt);
      const mProfit = sold - c.debtToRepay;
      const mProfitUsd = debtPrice && mProfit > 0n && morphoCash >= c.debtToRepay ? tokenAmountToUsd(mProfit, debtPrice.decimals, debtPrice.usd8) : 0n;
      const useMorpho = mProfitUsd > v2ProfitUsd;
      const profit = useMorpho ? mProfit : v2Profit;
      const profitUsd = useMorpho ? mProfitUsd : v2ProfitUsd;
      const profitToken = useMorpho ? debtPrice! : collPrice;
      if (profit <= 0n || !profitToken) {
        lastReason = skip("not-profitable", `seized collateral does not cover the flash-swap repayment (${v2Profit} units)`);
        continue;
      }
      const gas = useMorpho ? ctx.gas.aaveMorphoFlash : ctx.gas.aaveV2Flash;
      // On-chain floor: the liquidation must at least pay for its gas plus the configured minimum, in the profit token.
      const floorUsd = gasCostUsd(gas, gasMarket) + ctx.minProfitUsd;
      const minProfit = (floorUsd * 10n ** BigInt(profitToken.decimals)) / profitToken.usd8;
      const opportunity: AaveLiquidationOpportunity = {
        id,
        kind: "liquidation",
        protocol: "aave-v3",
        expectedProfit: { token: profitToken.token, symbol: profitToken.symbol, decimals: profitToken.decimals, amount: profit },
        expectedProfitUsd: profitUsd,
        gasEstimate: gas,
        funding: { source: useMorpho ? `morpho flash loan, collateral sold on V2 ${pair.name}` : `uniswap-v2 flash swap ${pair.name}`, feeUsd: 0n, includedInProfit: true },
        details: {
          user: account.user,
          debtAsset: c.debtAsset,
          collateralAsset: c.collateralAsset,
          debtToCover: c.debtToRepay,
          collateralSeized: c.collateralSeized,
          protocolFee: c.protocolFee,
          healthFactor: account.healthFactor,
        },
      };
      const common = { aavePool: ctx.aavePool, collateralAsset: c.collateralAsset, debtAsset: c.debtAsset, user: account.user, debtToCover: c.debtToRepay, minProfit };
      const candidate: Candidate = {
        opportunity,
        action: useMorpho
          ? { kind: "liquidateAaveMorphoFlash", params: { ...common, morpho: ctx.morpho!, swapPair: pair.address } }
          : { kind: "liquidateAaveV2Flash", params: { ...common, flashPair: pair.address, swapPair: ZERO_ADDRESS } },
        context: { ...context, closeFactor: `${Number(c.closeFactor) / 100}%`, expectedProfit: formatUsd(profitUsd) },
      };
      if (!best || candidate.opportunity.expectedProfitUsd > best.opportunity.expectedProfitUsd) best = candidate;
    }
    if (best) candidates.push(best);
    else skipped.push({ id, protocol: "aave-v3", skip: lastReason, context });
  }
  return { candidates, skipped };
}
