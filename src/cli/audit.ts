/**
 * `keeper audit [--from-block N] [--json] [--data-dir D]`: the liquidations other liquidators won, by cause (never
 * seen, skipped, dry run, too late, reverted), how many blocks after the keeper first had the position under HF 1,
 * and the list. Reads the journal's missed_liquidations table read-only: safe while the keeper runs.
 */
import { SETTINGS } from "../config/index.js";
import { KeeperError } from "../errors.js";
import { Journal, MISS_CAUSES, type MissedLiquidationRecord } from "../journal/index.js";
import { takeFlags } from "./flags.js";

/** The audit's figures. */
export interface AuditSummary {
  total: number;
  byCause: Record<string, number>;
  /** Median of blocksLate over the misses the keeper had seen (undefined when none was seen). */
  medianBlocksLate?: number;
  misses: MissedLiquidationRecord[];
}

/** The median of the seen misses' block gaps (the lower middle of an even count: a whole block). */
export function summariseMisses(misses: readonly MissedLiquidationRecord[]): AuditSummary {
  const byCause: Record<string, number> = Object.fromEntries(MISS_CAUSES.map((c) => [c, 0]));
  for (const m of misses) byCause[m.cause] = (byCause[m.cause] ?? 0) + 1;
  const late = misses.flatMap((m) => (m.blocksLate !== undefined ? [Number(m.blocksLate)] : [])).sort((a, b) => a - b);
  return {
    total: misses.length,
    byCause,
    ...(late.length > 0 ? { medianBlocksLate: late[Math.floor((late.length - 1) / 2)] } : {}),
    misses: [...misses],
  };
}

const short = (a: string) => (a.length > 12 ? `${a.slice(0, 8)}..${a.slice(-4)}` : a);

/** The text `keeper audit` prints. */
export function formatAudit(s: AuditSummary, fromBlock?: bigint): string {
  const since = fromBlock !== undefined ? ` from block ${fromBlock}` : "";
  if (s.total === 0) return `no liquidation won by another liquidator is recorded${since}`;
  const lines = [
    `${s.total} liquidation(s) won by others${since}; median ${s.medianBlocksLate ?? "-"} block(s) after the keeper first had the position under HF 1`,
    "by cause:",
    ...Object.entries(s.byCause).map(([c, n]) => `  ${c.padEnd(9)} ${n}`),
    "block     protocol     borrower        winner (sender)                 cause      late  our last decision",
  ];
  for (const m of s.misses)
    lines.push(
      `${String(m.block).padEnd(9)} ${m.protocol.padEnd(12)} ${short(m.borrower).padEnd(15)} ${`${short(m.liquidator)} (${m.sender ? short(m.sender) : "?"})`.padEnd(31)} ${m.cause.padEnd(10)} ${String(m.blocksLate ?? "-").padStart(4)}  ${m.detail}` +
        `\n${" ".repeat(10)}repaid ${m.debtRepaid} of ${m.debtAsset || "?"}, seized ${m.collateralSeized} of ${m.collateralAsset || "?"}, tx ${m.txHash}`,
    );
  return lines.join("\n");
}

/** Bigints as decimal strings, for --json. */
function toJson(s: AuditSummary): string {
  return JSON.stringify(s, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** `keeper audit`: prints the summary; returns the exit code. */
export function runAudit(argv: readonly string[]): number {
  const { values, rest } = takeFlags(argv, { "from-block": "string", json: "boolean", "data-dir": "string" });
  if (rest.length > 0)
    throw new KeeperError(`keeper audit takes no argument, got ${rest.join(" ")}.`, {
      metaMessages: ["Usage: keeper audit [--from-block N] [--json] [--data-dir D]"],
    });
  const fromText = (values["from-block"] as string[] | undefined)?.[0];
  if (fromText !== undefined && !/^\d+$/.test(fromText))
    throw new KeeperError(`Invalid --from-block "${fromText}".`, { metaMessages: ["Expected a block number."] });
  const fromBlock = fromText === undefined ? undefined : BigInt(fromText);
  const dataDir =
    (values["data-dir"] as string[] | undefined)?.[0] ?? process.env.DATA_DIR ?? String(SETTINGS.DATA_DIR.default);
  const journal = Journal.openReadOnly(dataDir);
  try {
    const summary = summariseMisses(journal.missed(fromBlock));
    console.log(values.json === true ? toJson(summary) : formatAudit(summary, fromBlock));
  } finally {
    journal.close();
  }
  return 0;
}
