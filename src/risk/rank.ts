/**
 * Selection of the opportunities worth a transaction: positive after gas and funding, above a
 * minimum, best first, and a plain-language reason for every one left out.
 */
import type { Opportunity } from "./opportunity.js";
import { formatUsd, netProfit, type GasMarket, type NetProfit } from "./profit.js";

/** Ranking thresholds and the gas market to cost transactions with. */
export interface RankOptions {
  /** Minimum net profit, USD 8 decimals (inclusive). */
  minProfitUsd: bigint;
  /** Gas prices and ETH price. */
  gas: GasMarket;
  /** Unsigned size of the transaction that would take an opportunity: its L1 data fee on an OP-stack chain. */
  txBytes?: (opportunity: Opportunity) => bigint | undefined;
}

/** An opportunity that passed, with its profit breakdown. */
export interface RankedOpportunity {
  opportunity: Opportunity;
  profit: NetProfit;
}

/** An opportunity left out, and why. */
export interface SkippedOpportunity {
  opportunity: Opportunity;
  profit: NetProfit;
  /** A second copy of the same id, or not worth its gas and the floor. */
  code: "duplicate" | "not-profitable";
  reason: string;
}

/** Result of {@link rankOpportunities}. */
export interface RankResult {
  /** Net profit descending; ties by id for a deterministic order. */
  selected: RankedOpportunity[];
  skipped: SkippedOpportunity[];
}

function skipReason(profit: NetProfit, minProfitUsd: bigint): string | null {
  if (profit.grossUsd <= 0n) return `gross profit ${formatUsd(profit.grossUsd)} is not positive`;
  if (profit.gasCostUsd >= profit.grossUsd) {
    const l1 = profit.l1FeeUsd > 0n ? `, of which L1 data fee ${formatUsd(profit.l1FeeUsd)}` : "";
    return `gas cost exceeds gross profit (${formatUsd(profit.gasCostUsd)} >= ${formatUsd(profit.grossUsd)}${l1})`;
  }
  if (profit.fundingFeeDeductedUsd > 0n && profit.netUsd <= 0n) {
    return `funding fee ${formatUsd(profit.fundingFeeDeductedUsd)} exceeds profit after gas`;
  }
  if (profit.netUsd < minProfitUsd) {
    return `net profit ${formatUsd(profit.netUsd)} below minimum ${formatUsd(minProfitUsd)}`;
  }
  return null;
}

/**
 * Costs every opportunity, drops those that do not clear the minimum, and sorts the rest by net
 * profit. When two opportunities share an id (the same position found twice), only the more
 * profitable is kept.
 *
 * @param opportunities - Candidates from all scanners.
 * @param options - Minimum net profit and gas market.
 * @returns Selected opportunities best first, and the skipped ones with a reason each.
 */
export function rankOpportunities(opportunities: readonly Opportunity[], options: RankOptions): RankResult {
  const costed = opportunities.map((opportunity) => ({
    opportunity,
    profit: netProfit(opportunity, options.gas, options.txBytes?.(opportunity)),
  }));
  const byNetDesc = (a: RankedOpportunity, b: RankedOpportunity): number =>
    a.profit.netUsd !== b.profit.netUsd
      ? a.profit.netUsd > b.profit.netUsd
        ? -1
        : 1
      : a.opportunity.id < b.opportunity.id
        ? -1
        : a.opportunity.id > b.opportunity.id
          ? 1
          : 0;
  costed.sort(byNetDesc);

  const selected: RankedOpportunity[] = [];
  const skipped: SkippedOpportunity[] = [];
  const seen = new Set<string>();
  for (const entry of costed) {
    if (seen.has(entry.opportunity.id)) {
      skipped.push({
        ...entry,
        code: "duplicate",
        reason: `duplicate id ${entry.opportunity.id}: a more profitable copy is kept`,
      });
      continue;
    }
    seen.add(entry.opportunity.id);
    const reason = skipReason(entry.profit, options.minProfitUsd);
    if (reason === null) selected.push(entry);
    else skipped.push({ ...entry, code: "not-profitable", reason });
  }
  return { selected, skipped };
}
