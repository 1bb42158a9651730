/**
 * The keeper's write-ahead journal of intents and transactions, in `<dataDir>/journal.sqlite`. Every step is
 * committed (fsynced) before the network action it announces: a signed transaction is journaled before it is
 * broadcast, so after a crash the keeper knows which nonce is spoken for and holds the exact bytes to rebroadcast.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Hex } from "viem";
import { KeeperError } from "../errors.js";
import { JournalQueries } from "./queries.js";
import { attemptFromRow, eventDetail, intentFromRow } from "./rows.js";
import { decisionBlockRange, deleteOldDecisions, insertDecisions, type NewDecision } from "./decisions.js";
import {
  deleteOldMissed,
  insertMissed,
  lastMissedBlock,
  selectMissed,
  type MissedLiquidationRecord,
  type NewMissedLiquidation,
} from "./missed.js";
import { checkJournalVersion, initialiseJournalDb } from "./schema.js";
import type {
  AttemptRecord,
  AttemptState,
  FinalIntentState,
  IntentRecord,
  NewAttempt,
  NewIntent,
  SimulationRecord,
} from "./types.js";

/** A write that would break the journal's invariants (a nonce held twice, an unknown intent). */
export class JournalConflictError extends KeeperError {
  override name = "JournalConflictError";
}

/** What recordReceipt needs from a transaction receipt. */
export interface ReceiptInput {
  hash: Hex;
  status: "success" | "reverted";
  blockNumber: bigint;
  blockHash: Hex;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
}

export interface JournalOptions {
  /** Clock in ms since epoch (tests pin it). Default Date.now. */
  now?: () => number;
}

/**
 * The journal: writes that record an intent's steps, and (inherited) the queries the keeper, reconcile and
 * metrics read. Synchronous on purpose: node:sqlite is synchronous, and a write that returned has been fsynced.
 */
export class Journal extends JournalQueries {
  /** The SQLite file. */
  readonly path: string;
  private readonly now: () => number;

  private constructor(db: DatabaseSync, path: string, options: JournalOptions) {
    super(db);
    this.path = path;
    this.now = options.now ?? Date.now;
  }

  /** Opens (creating when needed) `<dataDir>/journal.sqlite`. */
  static open(dataDir: string, options: JournalOptions = {}): Journal {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, "journal.sqlite");
    const db = new DatabaseSync(path);
    try {
      initialiseJournalDb(db, path);
    } catch (err) {
      db.close();
      throw err;
    }
    return new Journal(db, path, options);
  }

  /**
   * Opens an existing `<dataDir>/journal.sqlite` read-only, for a person's questions (`keeper explain`) while the
   * keeper may be running: no table is created or migrated, and every write fails.
   */
  static openReadOnly(dataDir: string, options: JournalOptions = {}): Journal {
    const path = join(dataDir, "journal.sqlite");
    if (!existsSync(path))
      throw new KeeperError(`There is no journal at ${path}.`, {
        metaMessages: ["Pass --data-dir with the DATA_DIR the keeper runs with."],
      });
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      checkJournalVersion(db, path);
    } catch (err) {
      db.close();
      throw err;
    }
    return new Journal(db, path, options);
  }

  /**
   * A journal in an in-memory SQLite database: the same tables and invariants, gone when closed. For runs whose
   * chain is thrown away too (the demo, `keeper simulate` on a local fork), so they go through the production
   * send path without leaving a file behind. WAL does not apply to memory (journal_mode reads "memory").
   */
  static inMemory(options: JournalOptions = {}): Journal {
    const db = new DatabaseSync(":memory:");
    initialiseJournalDb(db, ":memory:");
    return new Journal(db, ":memory:", options);
  }

  /** The durability settings in force on this connection (journal_mode "wal", synchronous 2 = FULL). */
  pragmas(): { journalMode: string; synchronous: number } {
    const mode = this.db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    const sync = this.db.prepare("PRAGMA synchronous").get() as { synchronous: number };
    return { journalMode: mode.journal_mode, synchronous: Number(sync.synchronous) };
  }

  /** Closes the database; every acknowledged write is already on disk. */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Records a new intent (state `new`). */
  recordIntent(intent: NewIntent): IntentRecord {
    const t = this.now();
    return this.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO intents (opportunity_id, action_kind, from_address, to_address, calldata, block_seen, expected_profit_wei, state, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?, ?)`,
        )
        .run(
          intent.opportunityId,
          intent.actionKind,
          intent.from,
          intent.to,
          intent.calldata,
          intent.blockSeen,
          intent.expectedProfitWei.toString(),
          t,
          t,
        );
      const id = Number(lastInsertRowid);
      this.event(id, "intent", {
        opportunityId: intent.opportunityId,
        actionKind: intent.actionKind,
        blockSeen: intent.blockSeen,
        expectedProfitWei: intent.expectedProfitWei,
      });
      return this.mustIntent(id);
    });
  }

  /**
   * Records the simulation the send is based on (state `simulated`), and the expected profit in wei priced from
   * it when the caller priced it only now.
   */
  recordSimulation(intentId: number, sim: SimulationRecord, expectedProfitWei?: bigint): void {
    this.transaction(() => {
      this.db
        .prepare(
          `UPDATE intents SET sim_profit = ?, sim_profit_token = ?, sim_gas = ?, gas_limit = ?, expected_profit_wei = COALESCE(?, expected_profit_wei),
             state = CASE state WHEN 'new' THEN 'simulated' ELSE state END, updated_at = ? WHERE id = ?`,
        )
        .run(
          sim.profit.toString(),
          sim.profitToken ?? null,
          sim.gas.toString(),
          sim.gasLimit.toString(),
          expectedProfitWei?.toString() ?? null,
          this.now(),
          intentId,
        );
      this.event(intentId, "simulation", {
        profit: sim.profit,
        profitToken: sim.profitToken,
        gas: sim.gas,
        gasLimit: sim.gasLimit,
        expectedProfitWei,
      });
    });
  }

  /**
   * Records a signed transaction BEFORE it is broadcast (state `signed`): from here on its nonce is spoken for.
   * Refuses an original whose nonce another unresolved intent holds: two intents on one nonce would replace
   * each other.
   */
  recordSigned(intentId: number, a: NewAttempt): AttemptRecord {
    const t = this.now();
    return this.transaction(() => {
      const intent = this.mustIntent(intentId);
      if (intent.nonce !== undefined && intent.nonce !== a.nonce) {
        throw new JournalConflictError(
          `Intent ${intentId} uses nonce ${intent.nonce}; a transaction at nonce ${a.nonce} cannot belong to it.`,
        );
      }
      const holder = this.intentHoldingNonce(intent.from, a.nonce);
      if (holder !== undefined && holder !== intentId) {
        throw new JournalConflictError(`Nonce ${a.nonce} of ${intent.from} is held by unresolved intent ${holder}.`, {
          metaMessages: [
            "Resync the nonce manager (it must never hand out a nonce an unresolved journal entry holds).",
          ],
        });
      }
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO attempts (intent_id, kind, from_address, nonce, hash, raw, to_address, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, state, signed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'signed', ?)`,
        )
        .run(
          intentId,
          a.kind,
          intent.from,
          a.nonce,
          a.hash,
          a.raw,
          a.to,
          a.gasLimit.toString(),
          a.maxFeePerGas.toString(),
          a.maxPriorityFeePerGas.toString(),
          t,
        );
      this.db
        .prepare(
          `UPDATE intents SET nonce = ?, state = CASE WHEN state IN ('new', 'simulated') THEN 'signed' ELSE state END, updated_at = ? WHERE id = ?`,
        )
        .run(a.nonce, t, intentId);
      this.event(intentId, a.kind === "original" ? "send" : a.kind, {
        nonce: a.nonce,
        hash: a.hash,
        rawBytes: (a.raw.length - 2) / 2,
        maxFeePerGas: a.maxFeePerGas,
        maxPriorityFeePerGas: a.maxPriorityFeePerGas,
        gasLimit: a.gasLimit,
      });
      return attemptFromRow(this.db.prepare("SELECT * FROM attempts WHERE id = ?").get(Number(lastInsertRowid))!);
    });
  }

  /** A node accepted the transaction (or already had it); `block` is the head then, where the stuck clock starts. */
  recordBroadcast(attemptId: number, block: bigint, note?: string): void {
    const t = this.now();
    this.transaction(() => {
      const a = this.mustAttempt(attemptId);
      this.db
        .prepare(
          `UPDATE attempts SET state = 'broadcast', broadcast_at = ?, broadcast_block = ? WHERE id = ? AND state IN ('signed', 'broadcast')`,
        )
        .run(t, block, attemptId);
      this.db
        .prepare(
          `UPDATE intents SET state = CASE state WHEN 'signed' THEN 'sent' ELSE state END, updated_at = ? WHERE id = ?`,
        )
        .run(t, a.intentId);
      this.event(a.intentId, "broadcast", { hash: a.hash, nonce: a.nonce, block, note });
    });
  }

  /** The node refused the transaction: it holds no nonce. */
  recordBroadcastFailed(attemptId: number, error: string): void {
    this.transaction(() => {
      const a = this.mustAttempt(attemptId);
      this.db.prepare(`UPDATE attempts SET state = 'failed', error = ? WHERE id = ?`).run(error, attemptId);
      this.db.prepare(`UPDATE intents SET updated_at = ? WHERE id = ?`).run(this.now(), a.intentId);
      this.event(a.intentId, "broadcast-failed", { hash: a.hash, nonce: a.nonce, error });
    });
  }

  /**
   * Records the receipt of whichever of the intent's transactions was mined and resolves the intent: `mined` or
   * `reverted` for the action, `abandoned` for a cancel. Its other transactions at that nonce become `replaced`.
   * Called again when a reorg moved the transaction to another block (or another of the nonce's transactions
   * ended up mined), it overwrites the receipt.
   */
  recordReceipt(intentId: number, r: ReceiptInput): IntentRecord {
    const t = this.now();
    return this.transaction(() => {
      const attempt = this.attempts(intentId).find((a) => a.hash.toLowerCase() === r.hash.toLowerCase());
      if (!attempt) throw new JournalConflictError(`Transaction ${r.hash} does not belong to intent ${intentId}.`);
      const state: FinalIntentState =
        attempt.kind === "cancel" ? "abandoned" : r.status === "success" ? "mined" : "reverted";
      const reason =
        attempt.kind === "cancel"
          ? `cancelled: the 0-value self-transfer ${r.hash} took the nonce`
          : `${attempt.kind} ${r.hash} ${r.status === "success" ? "mined" : "reverted"}`;
      this.db
        .prepare(
          `UPDATE intents SET state = ?, reason = ?, receipt_hash = ?, receipt_status = ?, receipt_block_number = ?, receipt_block_hash = ?, gas_used = ?,
             effective_gas_price = ?, gas_cost_wei = ?, receipt_at = ?, updated_at = ?, finalized_at = ? WHERE id = ?`,
        )
        .run(
          state,
          reason,
          r.hash,
          r.status,
          r.blockNumber,
          r.blockHash,
          r.gasUsed.toString(),
          r.effectiveGasPrice.toString(),
          (r.gasUsed * r.effectiveGasPrice).toString(),
          t,
          t,
          t,
          intentId,
        );
      this.db.prepare(`UPDATE attempts SET state = 'mined' WHERE id = ?`).run(attempt.id);
      // 'mined' too: after a reorg another transaction of the nonce can be the one mined in the end.
      this.db
        .prepare(
          `UPDATE attempts SET state = 'replaced' WHERE intent_id = ? AND id != ? AND state IN ('signed', 'broadcast', 'mined')`,
        )
        .run(intentId, attempt.id);
      this.event(intentId, "receipt", {
        hash: r.hash,
        kind: attempt.kind,
        status: r.status,
        blockNumber: r.blockNumber,
        blockHash: r.blockHash,
        gasUsed: r.gasUsed,
        effectiveGasPrice: r.effectiveGasPrice,
      });
      this.event(intentId, "final", { state, reason });
      return this.mustIntent(intentId);
    });
  }

  /** Resolves an intent without a receipt (`dropped`, `abandoned`). Its unmined transactions follow. */
  finalize(intentId: number, state: Exclude<FinalIntentState, "mined" | "reverted" | "reorged">, reason: string): void {
    const t = this.now();
    const attemptState: AttemptState = state === "dropped" ? "dropped" : "failed";
    this.transaction(() => {
      this.db
        .prepare(`UPDATE intents SET state = ?, reason = ?, updated_at = ?, finalized_at = ? WHERE id = ?`)
        .run(state, reason, t, t, intentId);
      this.db
        .prepare(
          `UPDATE attempts SET state = ?, error = COALESCE(error, ?) WHERE intent_id = ? AND state IN ('signed', 'broadcast')`,
        )
        .run(attemptState, reason, intentId);
      this.event(intentId, "final", { state, reason });
    });
  }

  /** The intent's mined block left the canonical chain and none of its transactions is mined any more. */
  markReorged(intentId: number, reason: string): IntentRecord {
    const t = this.now();
    return this.transaction(() => {
      this.db
        .prepare(`UPDATE intents SET state = 'reorged', reason = ?, updated_at = ?, finalized_at = ? WHERE id = ?`)
        .run(reason, t, t, intentId);
      this.db.prepare(`UPDATE attempts SET state = 'reorged' WHERE intent_id = ? AND state = 'mined'`).run(intentId);
      this.event(intentId, "reorged", { reason });
      return this.mustIntent(intentId);
    });
  }

  /**
   * A reorg took the intent's mined block away but its transaction is back in a mempool: the intent is unresolved
   * again (state `sent`, receipt cleared) and is tracked as before, rather than handed back for a second send.
   */
  reopen(intentId: number, reason: string): IntentRecord {
    const t = this.now();
    return this.transaction(() => {
      this.db
        .prepare(
          `UPDATE intents SET state = 'sent', reason = ?, receipt_hash = NULL, receipt_status = NULL, receipt_block_number = NULL, receipt_block_hash = NULL,
             gas_used = NULL, effective_gas_price = NULL, gas_cost_wei = NULL, receipt_at = NULL, finalized_at = NULL, updated_at = ? WHERE id = ?`,
        )
        .run(reason, t, intentId);
      this.db
        .prepare(`UPDATE attempts SET state = 'broadcast' WHERE intent_id = ? AND state IN ('mined', 'replaced')`)
        .run(intentId);
      this.event(intentId, "reopened", { reason });
      return this.mustIntent(intentId);
    });
  }

  /** Appends a step that changes no state (a bump refused by the cap, a decision to let a doomed call ride...). */
  note(intentId: number, type: string, detail: Record<string, unknown> = {}, reason?: string): void {
    this.transaction(() => {
      if (reason !== undefined)
        this.db.prepare(`UPDATE intents SET reason = ?, updated_at = ? WHERE id = ?`).run(reason, this.now(), intentId);
      this.event(intentId, type, detail);
    });
  }

  /**
   * Writes one block's decisions in one transaction, leaving out each row that repeats its subject's previous one
   * (see decisions.ts). Returns the rows written: 0 for a quiet block.
   */
  recordDecisions(block: bigint, rows: readonly NewDecision[]): number {
    if (rows.length === 0) return 0;
    return this.transaction(() => insertDecisions(this.db, block, rows, this.now()));
  }

  /** Deletes the decisions more than `keepBlocks` blocks below the newest one (the retention). Returns rows deleted. */
  pruneDecisions(keepBlocks: bigint): number {
    return this.transaction(() => deleteOldDecisions(this.db, keepBlocks));
  }

  /** Records liquidations another liquidator won (the audit); one already recorded is kept. Returns rows written. */
  recordMissed(rows: readonly NewMissedLiquidation[]): number {
    if (rows.length === 0) return 0;
    return this.transaction(() => insertMissed(this.db, rows, this.now()));
  }

  /** The misses recorded from `fromBlock` on, oldest first. */
  missed(fromBlock?: bigint): MissedLiquidationRecord[] {
    return selectMissed(this.db, fromBlock);
  }

  /** The block of the latest miss recorded for `borrower` before `block`: where its current episode starts. */
  lastMissedBefore(borrower: string, block: bigint): bigint | undefined {
    return lastMissedBlock(this.db, borrower, block);
  }

  /** Deletes the misses more than `keepBlocks` blocks below the newest decision (the decision log's retention). */
  pruneMissed(keepBlocks: bigint): number {
    const range = decisionBlockRange(this.db);
    return range ? this.transaction(() => deleteOldMissed(this.db, range.last, keepBlocks)) : 0;
  }

  private event(intentId: number, type: string, detail: Record<string, unknown>): void {
    this.db
      .prepare(`INSERT INTO events (intent_id, at, type, detail) VALUES (?, ?, ?, ?)`)
      .run(intentId, this.now(), type, eventDetail(detail));
  }

  /** One SQLite transaction: all of a step's rows commit (and fsync) together, or none do. */
  private transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }

  private mustIntent(id: number): IntentRecord {
    const row = this.db.prepare("SELECT * FROM intents WHERE id = ?").get(id);
    if (!row) throw new JournalConflictError(`No intent ${id} in the journal.`);
    return intentFromRow(row);
  }

  private mustAttempt(id: number): AttemptRecord {
    const row = this.db.prepare("SELECT * FROM attempts WHERE id = ?").get(id);
    if (!row) throw new JournalConflictError(`No transaction attempt ${id} in the journal.`);
    return attemptFromRow(row);
  }
}
