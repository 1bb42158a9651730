/**
 * Turns the keeper's per-block events into decision-log rows (src/journal/decisions.ts) and writes each block's
 * rows through the journal in one transaction, so `keeper explain` can say what the keeper saw and decided about an
 * account, a pool or a transaction, block by block.
 */
import type { SendOutcome } from "../executor/outcome.js";
import type { Journal, NewDecision } from "../journal/index.js";
import type { Candidate } from "../strategy/index.js";
import type { KeeperEvent } from "./keeper.js";

/** Blocks of decisions kept by default (about two weeks of Ethereum blocks); DECISION_LOG_RETENTION_BLOCKS sets it. */
export const DEFAULT_DECISION_RETENTION_BLOCKS = 100_000n;
/** Blocks between two prunes: a DELETE by the block index every block would be wasted work. */
export const DEFAULT_PRUNE_EVERY_BLOCKS = 1_000;

export interface DecisionLogOptions {
  journal: Journal;
  retentionBlocks?: bigint;
  pruneEveryBlocks?: number;
  /** A write failed: the keeper goes on (the log is for people, never a reason to stop acting). */
  onError?: (err: unknown) => void;
}

/** Counters for tests and logs: how much the log writes. */
export interface DecisionLogStats {
  /** Blocks whose rows were flushed (quiet ones included). */
  blocks: number;
  /** Rows offered to the journal. */
  offered: number;
  /** Rows the journal wrote (the others repeated their subject's previous row). */
  written: number;
  /** Rows written per flushed block, in order (the last 1,000). */
  perBlock: number[];
  pruned: number;
}

const ADDRESS = /0x[0-9a-fA-F]{40}/g;

/** The account or pool an opportunity id is about (its last full address), lowercased; the id when it has none. */
export function subjectOf(opportunityId: string): string {
  const all = opportunityId.match(ADDRESS);
  return all ? all[all.length - 1].toLowerCase() : opportunityId;
}

/** A candidate's context for a person, without the addresses the subject already names. */
function describeContext(context: Record<string, string>): string {
  return Object.entries(context)
    .filter(([, v]) => !/^0x[0-9a-fA-F]{40}$/.test(v))
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function describeOutcome(o: SendOutcome): string {
  switch (o.status) {
    case "mined":
      return `mined in block ${o.blockNumber}, tx ${o.hash}, profit ${o.profit} (raw units of the profit token), gas used ${o.gasUsed}`;
    case "reverted":
      return `reverted${o.blockNumber !== undefined ? ` in block ${o.blockNumber}` : ""}${o.hash ? `, tx ${o.hash}` : ""}: ${o.error.shortMessage}`;
    case "failed":
      return `failed${o.hash ? `, tx ${o.hash}` : ""}: ${o.error.shortMessage}${o.pending ? " (it may still be mined; the journal follows it)" : ""}`;
    case "dry-run":
      return `dry run: simulated profit ${o.profit} (raw units), gas ${o.gas}; nothing sent`;
    case "skipped":
      return o.skip.message;
  }
}

/** A batch speaks for its members: the rows go to each member's subject. */
function parts(c: Candidate): { c: Candidate; note: string }[] {
  if (!c.members || c.members.length === 0) return [{ c, note: "" }];
  return c.members.map((m) => ({ c: m, note: ` (in batch ${c.opportunity.id} of ${c.members!.length})` }));
}

/** Collects a block's decisions from the keeper's events and writes them when the next block starts (or at flush). */
export class DecisionLog {
  readonly stats: DecisionLogStats = { blocks: 0, offered: 0, written: 0, perBlock: [], pruned: 0 };
  private readonly pending = new Map<bigint, NewDecision[]>();
  private current: bigint | undefined;
  private blocksSincePrune = 0;

  constructor(private readonly opts: DecisionLogOptions) {}

  /** Feed every KeeperEvent here (next to the logger). */
  onEvent(e: KeeperEvent): void {
    switch (e.type) {
      case "block": {
        this.flush();
        this.current = e.snapshot.blockNumber;
        this.pending.set(this.current, []);
        for (const s of e.skipped ?? []) {
          const ctx = describeContext(s.context);
          this.add(this.current, {
            subject: subjectOf(s.id),
            opportunityId: s.id,
            kind: "skipped",
            code: s.skip.code,
            message: ctx ? `${s.skip.message}; ${ctx}` : s.skip.message,
          });
        }
        if (++this.blocksSincePrune >= (this.opts.pruneEveryBlocks ?? DEFAULT_PRUNE_EVERY_BLOCKS)) {
          this.blocksSincePrune = 0;
          this.prune();
        }
        return;
      }
      case "send":
        for (const { c, note } of parts(e.candidate)) {
          const base = { subject: subjectOf(c.opportunity.id), opportunityId: c.opportunity.id };
          this.add(e.block, { ...base, kind: "seen", code: "", message: describeContext(c.context) + note });
          this.add(e.block, { ...base, kind: "sent", code: c.action.kind, message: `sending ${c.action.kind}${note}` });
        }
        return;
      case "split":
        for (const { c, note } of parts(e.candidate))
          this.add(e.block, {
            subject: subjectOf(c.opportunity.id),
            opportunityId: c.opportunity.id,
            kind: "skipped",
            code: e.skip.code,
            message: `${e.skip.message}${note}; the batch is cut in ${e.into.length} and each part tried on its own`,
          });
        return;
      case "outcome": {
        const o = e.outcome;
        // Recorded under the block it was mined in (or reverted in) when known: a send followed in the background ends
        // blocks later, and the audit compares that block with a competitor's.
        const block =
          o.status === "mined" || (o.status === "reverted" && o.blockNumber !== undefined)
            ? o.blockNumber!
            : (this.current ?? e.block);
        const hash = o.status === "mined" || o.status === "reverted" || o.status === "failed" ? o.hash : undefined;
        for (const { c, note } of parts(e.candidate))
          this.add(block, {
            subject: subjectOf(c.opportunity.id),
            opportunityId: c.opportunity.id,
            kind: o.status === "skipped" ? "skipped" : "outcome",
            code: o.status === "skipped" ? o.skip.code : o.status,
            message: describeOutcome(o) + note,
            ...(hash ? { txHash: hash } : {}),
          });
        return;
      }
      case "skip":
        // Said once per run; the block event carries every block's skips.
        return;
    }
  }

  /** Writes what was collected, one journal transaction per block. Call at shutdown before the journal closes. */
  flush(): void {
    const blocks = [...this.pending.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const block of blocks) {
      const rows = this.pending.get(block)!;
      this.pending.delete(block);
      try {
        const written = this.opts.journal.recordDecisions(block, rows);
        this.stats.blocks++;
        this.stats.offered += rows.length;
        this.stats.written += written;
        this.stats.perBlock.push(written);
        if (this.stats.perBlock.length > 1000) this.stats.perBlock.shift();
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }

  /** Deletes what is older than the retention. */
  prune(): void {
    try {
      this.stats.pruned += this.opts.journal.pruneDecisions(
        this.opts.retentionBlocks ?? DEFAULT_DECISION_RETENTION_BLOCKS,
      );
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private add(block: bigint, row: NewDecision): void {
    const rows = this.pending.get(block);
    if (rows) rows.push(row);
    else this.pending.set(block, [row]);
  }
}
