import { netProfit } from "../risk/profit.js";
import { rankOpportunities } from "../risk/rank.js";
import type { ProtocolModule } from "../protocols/module.js";
import { PROTOCOLS } from "../protocols/registry.js";
import { skip } from "../skip.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { Candidate, Skip, StrategyContext } from "./types.js";
import { gasMarketAt, txBytesIfCharged } from "./txSize.js";

export * from "./types.js";

/** Candidates of one block, ranked by net profit, and everything skipped with its reason. */
export interface Plan {
  blockNumber: bigint;
  selected: (Candidate & { netProfitUsd: bigint; gasCostUsd: bigint })[];
  skipped: Skip[];
}

/**
 * Pure: turns a Snapshot into a ranked plan. Every module's detector runs, then one ranking across all protocols
 * orders candidates by net profit (after gas at the snapshot's base fee) and drops those under the minimum; then
 * each module may merge its selected candidates (batches), and the result is ranked again.
 */
export function planBlock(
  snapshot: Snapshot,
  ctx: StrategyContext,
  protocols: readonly ProtocolModule<any>[] = PROTOCOLS,
): Plan {
  const { candidates: ranked, skipped } = rankCandidates(snapshot, ctx, protocols);
  let merged: Candidate[] = ranked;
  for (const m of protocols) if (m.combine) merged = m.combine(snapshot, ctx, merged);
  const gas = gasMarketAt(snapshot, ctx);
  const selected = merged
    .map((c) => {
      const p = netProfit(c.opportunity, gas, txBytesIfCharged(gas, c));
      return { ...c, netProfitUsd: p.netUsd, gasCostUsd: p.gasCostUsd };
    })
    .sort((a, b) => (a.netProfitUsd === b.netProfitUsd ? 0 : a.netProfitUsd > b.netProfitUsd ? -1 : 1));
  return { blockNumber: snapshot.blockNumber, selected, skipped };
}

/** Tokens the snapshot holds no reference price for (a reverting, stale or missing source), as skips with why. */
function priceSkips(snapshot: Snapshot): Skip[] {
  return (snapshot.priceSkips ?? []).map((p) => ({
    id: `price:${p.token}`,
    protocol: "reference-prices",
    skip: p.skip,
    context: { token: p.token, symbol: p.symbol, source: p.source },
  }));
}

/**
 * Every module's detector on the snapshot, one ranking across all protocols by net profit (after gas at the
 * snapshot's base fee), best first; those under the minimum become skips.
 */
export function rankCandidates(
  snapshot: Snapshot,
  ctx: StrategyContext,
  protocols: readonly ProtocolModule<any>[] = PROTOCOLS,
): { candidates: Candidate[]; skipped: Skip[] } {
  const found = protocols.map((m) => m.detect(snapshot, ctx));
  const candidates = found.flatMap((f) => f.candidates);
  const skipped = [...priceSkips(snapshot), ...found.flatMap((f) => f.skipped)];
  const gas = gasMarketAt(snapshot, ctx);
  const byOpportunity = new Map(candidates.map((c) => [c.opportunity, c]));
  const ranked = rankOpportunities(
    candidates.map((c) => c.opportunity),
    { minProfitUsd: ctx.minProfitUsd, gas, txBytes: (o) => txBytesIfCharged(gas, byOpportunity.get(o)!) },
  );
  for (const s of ranked.skipped) {
    const c = byOpportunity.get(s.opportunity)!;
    skipped.push({
      id: s.opportunity.id,
      protocol: s.opportunity.protocol,
      skip: skip(s.code, s.reason),
      context: c.context,
    });
  }
  return { candidates: ranked.selected.map((r) => byOpportunity.get(r.opportunity)!), skipped };
}
