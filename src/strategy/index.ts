import { netProfit } from "../risk/profit.js";
import { rankOpportunities } from "../risk/rank.js";
import { batchAaveLiquidations } from "./batch.js";
import type { Snapshot } from "../watcher/snapshot.js";
import { findAaveLiquidations } from "./aaveLiquidations.js";
import { findMorphoLiquidations } from "./morphoLiquidations.js";
import type { Candidate, Skip, StrategyContext } from "./types.js";
import { findV2Rebalances } from "./v2Rebalances.js";
import { findV3Rebalances } from "./v3Rebalances.js";

export * from "./types.js";

/** Candidates of one block, ranked by net profit, and everything skipped with its reason. */
export interface Plan {
  blockNumber: bigint;
  selected: (Candidate & { netProfitUsd: bigint; gasCostUsd: bigint })[];
  skipped: Skip[];
}

/**
 * Pure: turns a Snapshot into a ranked plan. Every detector runs, then one ranking across all protocols
 * orders candidates by net profit (after gas at the snapshot's base fee) and drops those under the minimum.
 */
export function planBlock(snapshot: Snapshot, ctx: StrategyContext): Plan {
  const found = [findAaveLiquidations(snapshot, ctx), findMorphoLiquidations(snapshot, ctx), findV2Rebalances(snapshot, ctx), findV3Rebalances(snapshot, ctx)];
  const candidates = found.flatMap((f) => f.candidates);
  const skipped = found.flatMap((f) => f.skipped);
  const ethUsd = snapshot.prices[ctx.wethToken]?.usd8 ?? 0n;
  const ranked = rankOpportunities(
    candidates.map((c) => c.opportunity),
    { minProfitUsd: ctx.minProfitUsd, gas: { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd } },
  );
  const byOpportunity = new Map(candidates.map((c) => [c.opportunity, c]));
  for (const s of ranked.skipped) {
    const c = byOpportunity.get(s.opportunity)!;
    skipped.push({ id: s.opportunity.id, protocol: s.opportunity.protocol, reason: s.reason, context: c.context });
  }
  // Liquidations sharing a flash pair go in one transaction when that costs less gas; re-rank after merging.
  const merged = batchAaveLiquidations(snapshot, ctx, ranked.selected.map((r) => byOpportunity.get(r.opportunity)!));
  const gas = { baseFeePerGas: snapshot.baseFeePerGas, priorityFeePerGas: ctx.priorityFeePerGas, ethUsd };
  const selected = merged
    .map((c) => {
      const p = netProfit(c.opportunity, gas);
      return { ...c, netProfitUsd: p.netUsd, gasCostUsd: p.gasCostUsd };
    })
    .sort((a, b) => (a.netProfitUsd === b.netProfitUsd ? 0 : a.netProfitUsd > b.netProfitUsd ? -1 : 1));
  return { blockNumber: snapshot.blockNumber, selected, skipped };
}
