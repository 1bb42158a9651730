import type { KeeperEvent } from "../keeper/keeper.js";
import { formatUsd } from "../risk/profit.js";
import { formatToken, short } from "./format.js";
import type { Snapshot } from "../watcher/snapshot.js";

/**
 * Turns keeper events into the readable account `npm start` prints: what the keeper saw each block, what it
 * sent and what came of it, and why it left things alone.
 */
export function createNarrator(print: (line: string) => void): (e: KeeperEvent) => void {
  let snapshot: Snapshot | undefined;
  return (e) => {
    switch (e.type) {
      case "block": {
        snapshot = e.snapshot;
        const s = e.snapshot;
        print(
          `  block ${s.blockNumber}: ${s.stats.borrowersWatched} Aave + ${s.stats.morphoBorrowersWatched} Morpho borrowers watched (${e.underwater} Aave under HF 1), ` +
            `${s.v2Pairs?.length ?? 0} V2 pairs, ${s.v3Pools?.length ?? 0} V3 pool; ${e.candidates} profitable action(s); read in ${s.stats.readMs.toFixed(0)} ms`,
        );
        break;
      }
      case "skip":
        print(`    skip  ${labelOf(e.id)} ${contextLine(e.context)}: ${e.skip.message}`);
        break;
      case "send": {
        const c = e.candidate;
        const o = c.opportunity;
        print(`    act   ${labelOf(o.id)} ${contextLine(c.context)} via ${o.funding.source}`);
        for (const m of [c, ...(c.members ?? [])]) {
          if (m.context.eMode) print(`          ${labelOf(m.opportunity.id)} is in eMode ${m.context.eMode}`);
          if (m.context.choice) print(`          ${labelOf(m.opportunity.id)}: ${m.context.choice}`);
        }
        break;
      }
      case "outcome": {
        const o = e.outcome;
        const c = e.candidate;
        if (o.status === "mined" && snapshot) {
          const profit = formatToken(snapshot, c.opportunity.expectedProfit.token, o.profit);
          const args = (o.events[0]?.args ?? {}) as Record<string, unknown>;
          const detail =
            c.action.kind === "liquidateAaveV2Flash" || c.action.kind === "liquidateAaveMorphoFlash"
              ? `repaid ${formatToken(snapshot, c.action.params.debtAsset, BigInt(String(args.debtRepaid ?? 0)))}, ` +
                `seized ${formatToken(snapshot, c.action.params.collateralAsset, BigInt(String(args.collateralSeized ?? 0)))}, `
              : c.action.kind === "liquidateAaveV2FlashBatch"
                ? `${c.action.params.items.length} liquidations in one transaction, `
                : c.action.kind === "liquidateMorpho"
                  ? `repaid ${formatToken(snapshot, c.action.params.marketParams.loanToken, BigInt(String(args.repaidAssets ?? 0)))}, ` +
                    `seized ${formatToken(snapshot, c.action.params.marketParams.collateralToken, BigInt(String(args.seizedAssets ?? 0)))}, `
                  : c.action.kind === "rebalanceV2" || c.action.kind === "rebalanceV3"
                    ? `swapped ${formatToken(snapshot, c.action.params.zeroForOne ? c.action.tokens.token0 : c.action.tokens.token1, c.action.params.amountIn)}, `
                    : "";
          print(
            `    done  block ${o.blockNumber} tx ${short(o.hash)}: ${detail}profit ${profit}, gas ${o.gasUsed.toLocaleString("en-US")}`,
          );
        } else if (o.status === "dry-run") {
          print(`    dry-run: simulation passed, profit ${o.profit}, gas ${o.gas}; not sent`);
        } else if (o.status === "skipped") {
          print(`    held  ${o.skip.code === "safety" ? "" : "simulation refused it: "}${o.skip.message}`);
        } else if (o.status === "reverted" || o.status === "failed") {
          print(`    FAIL  ${o.error.shortMessage}`);
        }
        break;
      }
    }
  };
}

function labelOf(id: string): string {
  const [protocol, who] = id.split(":");
  return `${protocol} ${short(who ?? "")}`;
}

function contextLine(ctx: Record<string, string>): string {
  const parts: string[] = [];
  if (ctx.pool) parts.push(ctx.pool);
  if (ctx.batch) parts.push(ctx.batch);
  if (ctx.healthFactor) parts.push(`HF ${ctx.healthFactor}`);
  if (ctx.skewBps) parts.push(`skew ${ctx.skewBps} bps`);
  if (ctx.slice) parts.push(`slice ${ctx.slice}`);
  if (ctx.expectedProfit) parts.push(`expected ${ctx.expectedProfit}`);
  return parts.length ? `(${parts.join(", ")})` : "";
}

export { formatUsd };
