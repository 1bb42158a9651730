import type { Hash } from "viem";

export type { LiquidationRecord, RebalanceRecord } from "../protocols/module.js";
import type { LiquidationRecord, RebalanceRecord } from "../protocols/module.js";

/** An opportunity the keeper saw and left alone, and why (the first time each reason was seen for it). */
export interface SkipRecord {
  id: string;
  protocol: string;
  block: string;
  reason: string;
  /** The reason's bounded code (SkipCode). */
  code: string;
  context: Record<string, string>;
}

/**
 * The keeper's account of a run, also written by `--report <file>` as JSON: top-level arrays
 * `liquidations`, `rebalances` and `skipped` (all amounts as decimal strings in raw token units unless named Usd).
 */
export interface KeeperReport {
  chainId: number;
  fromBlock: string;
  toBlock: string;
  dryRun: boolean;
  liquidations: LiquidationRecord[];
  rebalances: RebalanceRecord[];
  skipped: SkipRecord[];
  /** Sends that were simulated but not mined as intended (reverted, dropped): should stay empty. */
  failures: { id: string; block: string; error: string; txHash?: Hash }[];
  /** In dry-run mode: what would have been sent. */
  dryRuns: { id: string; block: string; simulatedProfit: string; gas: string }[];
}

export function emptyReport(chainId: number, dryRun: boolean): KeeperReport {
  return {
    chainId,
    fromBlock: "",
    toBlock: "",
    dryRun,
    liquidations: [],
    rebalances: [],
    skipped: [],
    failures: [],
    dryRuns: [],
  };
}

/** JSON with bigints as strings. */
export function reportToJson(report: KeeperReport): string {
  return JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}
