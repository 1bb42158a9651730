import type { AaveLiquidationParams } from "../../executor/actions.js";
import type { AaveLiquidationOpportunity } from "../../risk/opportunity.js";
import { formatUsd, gasCostUsd, tokenAmountToUsd } from "../../risk/profit.js";
import { v2GetAmountIn } from "../../risk/uniswapV2/amounts.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import type { Candidate, StrategyContext } from "../../strategy/types.js";

/** Gas of a batch: the first liquidation costs as alone; each further one shares the transaction and warm slots. */
export function batchGas(ctx: StrategyContext, n: number): bigint {
  return ctx.gas.aaveV2Flash + BigInt(n - 1) * ctx.gas.aaveV2FlashBatchItem;
}

/**
 * Aave liquidations funded by the same V2 pair (same debt and collateral) go in one `liquidateAaveV2FlashBatch`
 * transaction when that nets more than sending them one by one. The pair's reserves move with each flash swap,
 * so each item's repayment is recomputed in sequence; items that no longer clear their own floor are left out.
 * Candidates not batched are returned unchanged.
 */
export function batchAaveLiquidations(
  snapshot: Snapshot,
  ctx: StrategyContext,
  selected: readonly Candidate[],
): Candidate[] {
  if (ctx.gas.aaveV2FlashBatchItem <= 0n) return [...selected];
  const groups = new Map<string, Candidate[]>();
  const rest: Candidate[] = [];
  for (const c of selected) {
    if (c.action.kind !== "liquidateAaveV2Flash") {
      rest.push(c);
      continue;
    }
    const p = c.action.params;
    const key = `${p.flashPair}:${p.debtAsset}:${p.collateralAsset}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const ethUsd = snapshot.prices[ctx.wethToken]?.usd8 ?? 0n;
  const gasMarket = { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd };
  const out: Candidate[] = [...rest];
  for (const group of groups.values()) {
    if (group.length < 2) {
      out.push(...group);
      continue;
    }
    const first = group[0].action.params as AaveLiquidationParams;
    const pair = (snapshot.v2Pairs ?? []).find((x) => x.address === first.flashPair)!;
    const debtIs0 = pair.token0 === first.debtAsset;
    let rDebt = debtIs0 ? pair.reserve0 : pair.reserve1;
    let rColl = debtIs0 ? pair.reserve1 : pair.reserve0;
    const items: { c: Candidate; params: AaveLiquidationParams; profit: bigint }[] = [];
    for (const c of group) {
      const o = c.opportunity as AaveLiquidationOpportunity;
      const params = c.action.params as AaveLiquidationParams;
      // The pair lends debtToCover; a full close's margin comes back unused, so it is owed for the repayment only.
      const used = o.details.debtRepaid ?? params.debtToCover;
      if (params.debtToCover >= rDebt) continue;
      const owed = v2GetAmountIn(used, rColl, rDebt);
      const profit = o.details.collateralSeized - owed;
      // The floor stays as planned alone: it covers that item's share of gas and the minimum profit.
      if (profit < params.minProfit) continue;
      rDebt -= used;
      rColl += owed;
      items.push({ c, params, profit });
    }
    if (items.length < 2) {
      out.push(...group);
      continue;
    }
    const price = snapshot.prices[first.collateralAsset];
    const decimals = price?.decimals ?? 18;
    const total = items.reduce((s, x) => s + x.profit, 0n);
    const totalUsd = price ? tokenAmountToUsd(total, decimals, price.usd8) : 0n;
    const gas = batchGas(ctx, items.length);
    const separateNet =
      items.reduce((s, x) => s + x.c.opportunity.expectedProfitUsd, 0n) -
      gasCostUsd(ctx.gas.aaveV2Flash, gasMarket) * BigInt(items.length);
    const batchNet = totalUsd - gasCostUsd(gas, gasMarket);
    // Separately, only the first would go this block (the rest wait for the pair to be re-read): batch only if it pays.
    if (
      batchNet <= separateNet &&
      batchNet <= items[0].c.opportunity.expectedProfitUsd - gasCostUsd(ctx.gas.aaveV2Flash, gasMarket)
    ) {
      out.push(...group);
      continue;
    }
    const leftOut = group.filter((c) => !items.some((x) => x.c === c));
    out.push(...leftOut);
    const firstOpp = items[0].c.opportunity as AaveLiquidationOpportunity;
    out.push({
      opportunity: {
        ...firstOpp,
        id: `aave-v3-batch:${items.map((x) => x.params.user.slice(2, 10)).join("-")}`,
        expectedProfit: { ...firstOpp.expectedProfit, amount: total },
        expectedProfitUsd: totalUsd,
        gasEstimate: gas,
      },
      action: {
        kind: "liquidateAaveV2FlashBatch",
        params: { items: items.map((x) => x.params), minProfit: items.reduce((s, x) => s + x.params.minProfit, 0n) },
      },
      context: {
        borrowers: items.map((x) => x.params.user).join(","),
        healthFactor: items.map((x) => x.c.context.healthFactor).join(","),
        batch: `${items.length} liquidations in one transaction`,
        expectedProfit: formatUsd(totalUsd),
      },
    } as Candidate);
  }
  return out;
}
