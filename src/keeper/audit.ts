/**
 * The missed-liquidation audit: every liquidation on a watched lending protocol that another liquidator won (the
 * snapshot's market events, read with the discovery logs), set against what the decision log says the keeper saw
 * and decided about that position before it: never seen under HF 1, skipped (and why), simulated only, sent too
 * late, or reverted first. Each is written to the journal's missed_liquidations table for `keeper audit`.
 */
import type { Address, Chain, Hash, PublicClient, Transport } from "viem";
import type { DecisionRecord, Journal, MissCause, NewMissedLiquidation } from "../journal/index.js";
import type { ObservedLiquidation } from "../watcher/marketEvents.js";
import type { Snapshot } from "../watcher/snapshot.js";
import { DEFAULT_DECISION_RETENTION_BLOCKS, DEFAULT_PRUNE_EVERY_BLOCKS } from "./decisionLog.js";
import type { KeeperEvent } from "./keeper.js";

/** Decision rows read back per liquidation at most (the latest): far more than one episode writes. */
const DECISION_ROWS = 1_000;

export interface MissedLiquidationAuditOptions {
  journal: Journal;
  /** Our executor: liquidations it sent are ours, not misses. */
  executor?: Address;
  /** Reads each miss's transaction for its sender (one request per miss); without it the sender is left out. */
  client?: PublicClient<Transport, Chain>;
  retentionBlocks?: bigint;
  pruneEveryBlocks?: number;
  /** A miss was recorded (once per liquidation, for metrics). */
  onMiss?: (miss: NewMissedLiquidation) => void;
  /** A read or write failed: the keeper goes on. */
  onError?: (err: unknown) => void;
}

/** The opportunity ids the keeper gives this position (see the detectors): its decision rows carry one of them. */
function belongsTo(l: ObservedLiquidation, opportunityId: string): boolean {
  if (l.protocol === "aave-v3") return opportunityId.toLowerCase() === `aave-v3:${l.borrower}`.toLowerCase();
  const market = (l.market ?? "").slice(0, 10).toLowerCase();
  return opportunityId.toLowerCase() === `morpho-blue:${market}:${l.borrower}`.toLowerCase();
}

/**
 * What the keeper's decisions about a liquidated position say, given its rows before the liquidation's block (oldest
 * first). An episode starts after our last mined liquidation of it and after its previous miss (`since`): a row
 * before that is about an earlier episode. Pure, for tests.
 */
export function classifyMiss(
  rows: readonly DecisionRecord[],
  block: bigint,
  since?: bigint,
): Pick<NewMissedLiquidation, "cause" | "code" | "detail" | "firstSeenBlock" | "blocksLate"> {
  let start = since ?? -1n;
  for (const r of rows) if (r.kind === "outcome" && r.code === "mined" && r.block > start) start = r.block;
  const episode = rows.filter((r) => r.block > start && r.block < block);
  if (episode.length === 0)
    return { cause: "not-seen", detail: "the keeper's reads never had the position under its liquidation threshold" };
  const firstSeenBlock = episode[0].block;
  const last = episode[episode.length - 1];
  const said = `block ${last.block}: ${last.kind}${last.code ? ` [${last.code}]` : ""} ${last.message}`;
  const common = { firstSeenBlock, blocksLate: block - firstSeenBlock, detail: said };
  let cause: MissCause;
  switch (last.kind) {
    case "skipped":
      cause = "skipped";
      break;
    case "outcome":
      cause =
        last.code === "dry-run"
          ? "dry-run"
          : last.code === "reverted" || last.code === "failed"
            ? "reverted"
            : "too-late";
      break;
    default:
      // Seen and sent, no outcome before the competitor's block: still in flight, or beaten in that block.
      cause = "too-late";
  }
  return { ...common, cause, ...(last.code ? { code: last.code } : {}) };
}

/** Feed it the keeper's events after the DecisionLog (which must have flushed the blocks before this one). */
export class MissedLiquidationAudit {
  private chain: Promise<void> = Promise.resolve();
  private blocksSincePrune = 0;
  /** Misses recorded by this process. */
  recorded = 0;

  constructor(private readonly opts: MissedLiquidationAuditOptions) {}

  onEvent(e: KeeperEvent): void {
    if (e.type !== "block") return;
    const snapshot = e.snapshot;
    this.chain = this.chain
      .then(async () => {
        await this.audit(snapshot);
      })
      .catch((err) => this.opts.onError?.(err));
    if (++this.blocksSincePrune >= (this.opts.pruneEveryBlocks ?? DEFAULT_PRUNE_EVERY_BLOCKS)) {
      this.blocksSincePrune = 0;
      try {
        this.opts.journal.pruneMissed(this.opts.retentionBlocks ?? DEFAULT_DECISION_RETENTION_BLOCKS);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }

  /** Resolves when every block handed in so far is audited (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Records the misses among a snapshot's liquidations; returns them. */
  async audit(snapshot: Snapshot): Promise<NewMissedLiquidation[]> {
    const ours = this.opts.executor?.toLowerCase();
    const theirs = (snapshot.marketEvents?.liquidations ?? []).filter((l) => l.liquidator.toLowerCase() !== ours);
    if (theirs.length === 0) return [];
    const senders = await this.senders(theirs.map((l) => l.txHash));
    const rows: NewMissedLiquidation[] = theirs.map((l) => {
      const decisions = this.opts.journal
        .decisionsFor(l.borrower, { toBlock: l.block - 1n, limit: DECISION_ROWS })
        .filter((d) => belongsTo(l, d.opportunityId));
      const since = this.opts.journal.lastMissedBefore(l.borrower, l.block);
      const sender = senders.get(l.txHash);
      return {
        protocol: l.protocol,
        block: l.block,
        txHash: l.txHash,
        logIndex: l.logIndex,
        borrower: l.borrower,
        liquidator: l.liquidator,
        ...(sender ? { sender } : {}),
        ...(l.market ? { market: l.market } : {}),
        debtAsset: l.debtAsset ?? "",
        collateralAsset: l.collateralAsset ?? "",
        debtRepaid: l.debtRepaid,
        collateralSeized: l.collateralSeized,
        ...classifyMiss(decisions, l.block, since),
      };
    });
    // One by one (misses are rare): a block read twice (a restart, a reorg) writes nothing new and counts nothing.
    for (const r of rows) {
      if (this.opts.journal.recordMissed([r]) === 0) continue;
      this.recorded++;
      this.opts.onMiss?.(r);
    }
    return rows;
  }

  private async senders(hashes: readonly Hash[]): Promise<Map<Hash, string>> {
    const out = new Map<Hash, string>();
    const client = this.opts.client;
    if (!client) return out;
    await Promise.all(
      [...new Set(hashes)].map(async (hash) => {
        try {
          out.set(hash, (await client.getTransaction({ hash })).from);
        } catch (err) {
          this.opts.onError?.(err);
        }
      }),
    );
    return out;
  }
}
