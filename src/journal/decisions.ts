/**
 * The decision log: per block, what the keeper saw, skipped (with a typed reason and its numbers), sent, and how
 * each send ended, by subject (the account or pool an opportunity is about). Only changes are stored: a row whose
 * code and message equal the subject's previous row of the same sort is dropped, so a quiet block writes nothing.
 */
import type { DatabaseSync } from "node:sqlite";

/** `seen`: a candidate was planned; `skipped`: left alone, with why; `sent`: handed to the send pipeline; `outcome`: how the send ended. */
export type DecisionKind = "seen" | "skipped" | "sent" | "outcome";
export const DECISION_KINDS: readonly DecisionKind[] = ["seen", "skipped", "sent", "outcome"];

/** One decision about one subject, as the recorder hands it to the journal. */
export interface NewDecision {
  /** The opportunity's account or pool address, lowercased (the opportunity id when it names none). */
  subject: string;
  opportunityId: string;
  kind: DecisionKind;
  /** The SkipCode of a skip, the SendOutcome status of an outcome, the action kind of a send; "" for a sighting. */
  code: string;
  /** For a person, with the numbers. */
  message: string;
  /** Stored lowercased. */
  txHash?: string;
}

/** A stored decision. */
export interface DecisionRecord extends NewDecision {
  id: number;
  block: bigint;
  /** When it was written (ms since epoch). */
  at: number;
}

export const DECISIONS_DDL = `
CREATE TABLE IF NOT EXISTS decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  block INTEGER NOT NULL,
  subject TEXT NOT NULL,
  opportunity_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  tx_hash TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_subject ON decisions (subject, block);
CREATE INDEX IF NOT EXISTS decisions_by_opportunity ON decisions (opportunity_id, kind, id);
CREATE INDEX IF NOT EXISTS decisions_by_block ON decisions (block);
CREATE INDEX IF NOT EXISTS decisions_by_tx ON decisions (tx_hash);
`;

/**
 * Seen and skipped describe a state, so they are compared with the previous state row (either sort) of the
 * same opportunity; sends and outcomes are events, compared with the previous row of their own sort, so a second
 * send or outcome is kept only when it says something new (another tx hash, another status or number).
 */
function previousStatement(db: DatabaseSync, sorts: string) {
  return db.prepare(
    `SELECT code, message, tx_hash FROM decisions WHERE opportunity_id = ? AND kind IN ${sorts} ORDER BY id DESC LIMIT 1`,
  );
}

/** Writes the rows that changed something for their subject; returns how many were written. No transaction of its own. */
export function insertDecisions(db: DatabaseSync, block: bigint, rows: readonly NewDecision[], at: number): number {
  const insert = db.prepare(
    "INSERT INTO decisions (block, subject, opportunity_id, kind, code, message, tx_hash, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  // Prepared once per block, not per row: a busy block offers hundreds of rows.
  const previous = {
    state: previousStatement(db, "('seen', 'skipped')"),
    sent: previousStatement(db, "('sent')"),
    outcome: previousStatement(db, "('outcome')"),
  };
  let written = 0;
  for (const r of rows) {
    const txHash = r.txHash?.toLowerCase() ?? null;
    const prev = previous[r.kind === "seen" || r.kind === "skipped" ? "state" : r.kind].get(r.opportunityId) as
      { code: string; message: string; tx_hash: string | null } | undefined;
    if (prev && prev.code === r.code && prev.message === r.message && prev.tx_hash === txHash) continue;
    insert.run(block, r.subject, r.opportunityId, r.kind, r.code, r.message, txHash, at);
    written++;
  }
  return written;
}

/** Options of decisionsFor: a block range (inclusive) and a row cap (the latest rows are kept). */
export interface DecisionQuery {
  fromBlock?: bigint;
  toBlock?: bigint;
  limit: number;
}

/**
 * The decisions about a subject: an address (matched lowercased), an opportunity id, or a tx hash; oldest first,
 * the latest `limit` of them.
 */
export function selectDecisions(db: DatabaseSync, subject: string, q: DecisionQuery): DecisionRecord[] {
  const rows = db
    .prepare(
      `SELECT * FROM decisions WHERE (subject = lower(?) OR opportunity_id = ? OR tx_hash = lower(?))
         AND block >= ? AND block <= ? ORDER BY id DESC LIMIT ?`,
    )
    .all(subject, subject, subject, q.fromBlock ?? 0n, q.toBlock ?? BigInt(Number.MAX_SAFE_INTEGER), q.limit);
  return rows.reverse().map((r) => ({
    id: Number(r.id),
    block: BigInt(r.block as number),
    subject: r.subject as string,
    opportunityId: r.opportunity_id as string,
    kind: r.kind as DecisionKind,
    code: r.code as string,
    message: r.message as string,
    ...(r.tx_hash ? { txHash: r.tx_hash as string } : {}),
    at: Number(r.at),
  }));
}

/** The lowest and highest block with a decision, or undefined when none is stored. */
export function decisionBlockRange(db: DatabaseSync): { first: bigint; last: bigint } | undefined {
  const r = db.prepare("SELECT MIN(block) AS first, MAX(block) AS last, COUNT(*) AS n FROM decisions").get()!;
  if (Number(r.n) === 0) return undefined;
  return { first: BigInt(r.first as number), last: BigInt(r.last as number) };
}

/** Deletes decisions more than `keepBlocks` below the newest one; returns how many went. */
export function deleteOldDecisions(db: DatabaseSync, keepBlocks: bigint): number {
  const range = decisionBlockRange(db);
  if (!range) return 0;
  const { changes } = db.prepare("DELETE FROM decisions WHERE block <= ?").run(range.last - keepBlocks);
  return Number(changes);
}
