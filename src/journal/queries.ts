/** Read side of the journal: what is unresolved, what a restart must reconcile, and numbers for metrics. */
import type { DatabaseSync } from "node:sqlite";
import type { Address } from "viem";
import { decisionBlockRange, selectDecisions, type DecisionQuery, type DecisionRecord } from "./decisions.js";
import { attemptFromRow, eventFromRow, intentFromRow } from "./rows.js";
import {
  ATTEMPT_KINDS,
  INTENT_STATES,
  type AttemptKind,
  type AttemptRecord,
  type IntentRecord,
  type IntentState,
  type JournalCounts,
  type JournalEvent,
  type PendingIntent,
} from "./types.js";

/** Unresolved states, as an SQL list. */
const OPEN = "('new', 'simulated', 'signed', 'sent')";
/** Attempt states that may still hold (or have taken) a nonce. */
const LIVE_ATTEMPT = "('signed', 'broadcast', 'mined')";

/** The journal's queries; Journal adds the writes. */
export class JournalQueries {
  constructor(protected readonly db: DatabaseSync) {}

  /** One intent, or undefined. */
  intent(id: number): IntentRecord | undefined {
    const row = this.db.prepare("SELECT * FROM intents WHERE id = ?").get(id);
    return row ? intentFromRow(row) : undefined;
  }

  /** The intent's transactions, oldest first. */
  attempts(intentId: number): AttemptRecord[] {
    return this.db.prepare("SELECT * FROM attempts WHERE intent_id = ? ORDER BY id").all(intentId).map(attemptFromRow);
  }

  /** Every intent without a final state, oldest first, with its transactions (two queries, whatever the count). */
  pendingIntents(): PendingIntent[] {
    const intents = this.db
      .prepare(`SELECT * FROM intents WHERE state IN ${OPEN} ORDER BY id`)
      .all()
      .map(intentFromRow);
    const byIntent = new Map<number, AttemptRecord[]>(intents.map((i) => [i.id, []]));
    const rows = this.db
      .prepare(`SELECT a.* FROM attempts a JOIN intents i ON i.id = a.intent_id WHERE i.state IN ${OPEN} ORDER BY a.id`)
      .all();
    for (const a of rows.map(attemptFromRow)) byIntent.get(a.intentId)?.push(a);
    return intents.map((i) => ({ ...i, attempts: byIntent.get(i.id) ?? [] }));
  }

  /** The unresolved intent for an opportunity, if any: while there is one, no new transaction may be sent for it. */
  activeIntentFor(opportunityId: string): IntentRecord | undefined {
    const row = this.db
      .prepare(`SELECT * FROM intents WHERE opportunity_id = ? AND state IN ${OPEN} ORDER BY id DESC LIMIT 1`)
      .get(opportunityId);
    return row ? intentFromRow(row) : undefined;
  }

  /** Every intent recorded for an opportunity, newest first. */
  intentsFor(opportunityId: string): IntentRecord[] {
    return this.db
      .prepare("SELECT * FROM intents WHERE opportunity_id = ? ORDER BY id DESC")
      .all(opportunityId)
      .map(intentFromRow);
  }

  /** The latest `limit` intents, newest first. */
  history(limit: number): IntentRecord[] {
    return this.db.prepare("SELECT * FROM intents ORDER BY id DESC LIMIT ?").all(limit).map(intentFromRow);
  }

  /** The intent's step log, oldest first. */
  events(intentId: number): JournalEvent[] {
    return this.db.prepare("SELECT * FROM events WHERE intent_id = ? ORDER BY id").all(intentId).map(eventFromRow);
  }

  /** Intents by state and transactions by kind. */
  counts(): JournalCounts {
    const intents = Object.fromEntries(INTENT_STATES.map((s) => [s, 0])) as Record<IntentState, number>;
    for (const r of this.db.prepare("SELECT state, COUNT(*) AS n FROM intents GROUP BY state").all())
      intents[r.state as IntentState] = Number(r.n);
    const attempts = Object.fromEntries(ATTEMPT_KINDS.map((k) => [k, 0])) as Record<AttemptKind, number>;
    for (const r of this.db.prepare("SELECT kind, COUNT(*) AS n FROM attempts GROUP BY kind").all())
      attempts[r.kind as AttemptKind] = Number(r.n);
    return { intents, attempts };
  }

  /**
   * Wei paid for gas by transactions whose receipt was recorded at or after `ts` (ms). Reorged receipts are left
   * out: their block is no longer canonical, so nothing was paid.
   */
  gasSpentSince(ts: number): bigint {
    const rows = this.db
      .prepare(
        "SELECT gas_cost_wei FROM intents WHERE receipt_at >= ? AND state != 'reorged' AND gas_cost_wei IS NOT NULL",
      )
      .all(ts);
    return rows.reduce((sum, r) => sum + BigInt(r.gas_cost_wei as string), 0n);
  }

  /** Transactions (originals, replacements, cancels) a node accepted at or after `ts` (ms). */
  sendsSince(ts: number): number {
    return Number(this.db.prepare("SELECT COUNT(*) AS n FROM attempts WHERE broadcast_at >= ?").get(ts)!.n);
  }

  /**
   * Nonces of `from` held by unresolved intents (a transaction signed or broadcast, not known to be refused),
   * ascending. The nonce manager never hands these out again.
   */
  inFlightNonces(from: Address): number[] {
    return this.db
      .prepare(
        `SELECT DISTINCT a.nonce AS nonce FROM attempts a JOIN intents i ON i.id = a.intent_id
         WHERE i.state IN ${OPEN} AND a.state IN ${LIVE_ATTEMPT} AND lower(a.from_address) = lower(?) ORDER BY a.nonce`,
      )
      .all(from)
      .map((r) => Number(r.nonce));
  }

  /** Resolved intents whose receipt block is at or above `minBlock`: the ones a reorg could still undo. */
  recentReceipts(minBlock: bigint): IntentRecord[] {
    return this.db
      .prepare(
        `SELECT * FROM intents WHERE receipt_block_number >= ? AND state IN ('mined', 'reverted', 'abandoned') ORDER BY receipt_block_number, id`,
      )
      .all(minBlock)
      .map(intentFromRow);
  }

  /** The intent one of whose transactions (original, replacement, cancel) has this hash. */
  intentByTxHash(hash: string): IntentRecord | undefined {
    const row = this.db
      .prepare(
        "SELECT i.* FROM attempts a JOIN intents i ON i.id = a.intent_id WHERE lower(a.hash) = lower(?) ORDER BY a.id DESC LIMIT 1",
      )
      .get(hash);
    return row ? intentFromRow(row) : undefined;
  }

  /**
   * The decision log about `subject` (an account or pool address, an opportunity id, or a tx hash), oldest first:
   * the latest `limit` rows in the block range. Empty on a journal older than the decision log.
   */
  decisionsFor(subject: string, q: DecisionQuery): DecisionRecord[] {
    return this.hasDecisionLog() ? selectDecisions(this.db, subject, q) : [];
  }

  /** The first and last block the decision log holds, or undefined when it is empty. */
  decisionRange(): { first: bigint; last: bigint } | undefined {
    return this.hasDecisionLog() ? decisionBlockRange(this.db) : undefined;
  }

  /** A journal opened read-only may predate the decisions table (schema version 1). */
  private hasDecisionLog(): boolean {
    return (
      this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'decisions'").get() !== undefined
    );
  }

  /** The unresolved intent holding `nonce` of `from`, if any. */
  protected intentHoldingNonce(from: Address, nonce: number): number | undefined {
    const row = this.db
      .prepare(
        `SELECT i.id AS id FROM attempts a JOIN intents i ON i.id = a.intent_id
         WHERE i.state IN ${OPEN} AND a.state IN ${LIVE_ATTEMPT} AND a.nonce = ? AND lower(a.from_address) = lower(?) LIMIT 1`,
      )
      .get(nonce, from);
    return row ? Number(row.id) : undefined;
  }
}
