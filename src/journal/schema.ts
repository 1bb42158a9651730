/**
 * The journal's SQLite schema and connection settings. Wei amounts are stored as decimal TEXT (they overflow
 * SQLite's 64-bit integers); nonces, block numbers and timestamps as INTEGER.
 */
import type { DatabaseSync } from "node:sqlite";
import { KeeperError } from "../errors.js";
import { DECISIONS_DDL } from "./decisions.js";
import { MISSED_DDL } from "./missed.js";

/**
 * Bumped when the tables change; an unknown (newer) version is refused rather than misread, an older one is
 * migrated forward by MIGRATIONS. 2: the decisions table (the decision log `keeper explain` reads). 3: the
 * missed_liquidations table (the audit `keeper audit` reads).
 */
export const JOURNAL_SCHEMA_VERSION = 3;

/** What takes a journal from version `from` to `from + 1`. Idempotent DDL, run inside one transaction with the version bump. */
const MIGRATIONS: Record<number, string> = {
  1: DECISIONS_DDL,
  2: MISSED_DDL,
};

const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS intents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  opportunity_id TEXT NOT NULL,
  action_kind TEXT NOT NULL,
  from_address TEXT NOT NULL,
  to_address TEXT NOT NULL,
  calldata TEXT NOT NULL,
  block_seen INTEGER NOT NULL,
  expected_profit_wei TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT,
  sim_profit TEXT,
  sim_profit_token TEXT,
  sim_gas TEXT,
  gas_limit TEXT,
  nonce INTEGER,
  receipt_hash TEXT,
  receipt_status TEXT,
  receipt_block_number INTEGER,
  receipt_block_hash TEXT,
  gas_used TEXT,
  effective_gas_price TEXT,
  gas_cost_wei TEXT,
  receipt_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finalized_at INTEGER
);
CREATE INDEX IF NOT EXISTS intents_by_opportunity ON intents (opportunity_id, state);
CREATE INDEX IF NOT EXISTS intents_by_state ON intents (state);
CREATE INDEX IF NOT EXISTS intents_by_receipt_block ON intents (receipt_block_number);
CREATE TABLE IF NOT EXISTS attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  intent_id INTEGER NOT NULL REFERENCES intents (id),
  kind TEXT NOT NULL,
  from_address TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  hash TEXT NOT NULL,
  raw TEXT NOT NULL,
  to_address TEXT NOT NULL,
  gas_limit TEXT NOT NULL,
  max_fee_per_gas TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  state TEXT NOT NULL,
  error TEXT,
  signed_at INTEGER NOT NULL,
  broadcast_at INTEGER,
  broadcast_block INTEGER
);
CREATE INDEX IF NOT EXISTS attempts_by_intent ON attempts (intent_id);
-- Not unique: a send the node refused can be signed again byte for byte (same nonce, calldata and fees) by a later intent.
CREATE INDEX IF NOT EXISTS attempts_by_hash ON attempts (hash);
CREATE INDEX IF NOT EXISTS attempts_by_broadcast ON attempts (broadcast_at);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  intent_id INTEGER NOT NULL REFERENCES intents (id),
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_intent ON events (intent_id);
`;

/** The journal file was written by a newer keeper, or is not a journal. */
export class JournalSchemaError extends KeeperError {
  override name = "JournalSchemaError";
}

/**
 * Durability settings, then the tables. WAL lets readers (metrics, a second process) read while the keeper writes;
 * synchronous=FULL fsyncs the WAL on every commit, so a transaction the journal has acknowledged survives a SIGKILL
 * or a power cut - the keeper broadcasts only after that acknowledgement. busy_timeout makes a concurrent writer
 * wait instead of failing at once.
 */
export function initialiseJournalDb(db: DatabaseSync, path: string): void {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec(DDL);
  db.exec(DECISIONS_DDL);
  db.exec(MISSED_DDL);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  if (row === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(JOURNAL_SCHEMA_VERSION));
  } else if (Number(row.value) < JOURNAL_SCHEMA_VERSION) {
    migrate(db, Number(row.value));
  } else if (Number(row.value) !== JOURNAL_SCHEMA_VERSION) {
    throw new JournalSchemaError(
      `The journal ${path} has schema version ${row.value}; this keeper reads version ${JOURNAL_SCHEMA_VERSION}.`,
      {
        metaMessages: [
          "Run the keeper version that wrote it, or move the file away to start a fresh journal (pending intents would be forgotten).",
        ],
      },
    );
  }
}

/** Runs the migrations from `version` up to JOURNAL_SCHEMA_VERSION, each with its version bump in one transaction. */
function migrate(db: DatabaseSync, version: number): void {
  for (let v = version; v < JOURNAL_SCHEMA_VERSION; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(MIGRATIONS[v] ?? "");
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(v + 1));
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  }
}

/**
 * Checks a journal opened read-only (`keeper explain`): a newer version is refused; an older one reads as it is
 * (its missing tables read as empty).
 */
export function checkJournalVersion(db: DatabaseSync, path: string): number {
  const meta = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  const row = meta
    ? (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)
    : undefined;
  if (row === undefined) throw new JournalSchemaError(`${path} is not a keeper journal (it has no schema version).`);
  if (Number(row.value) > JOURNAL_SCHEMA_VERSION)
    throw new JournalSchemaError(
      `The journal ${path} has schema version ${row.value}; this keeper reads up to version ${JOURNAL_SCHEMA_VERSION}.`,
      { metaMessages: ["Run the keeper version that wrote it."] },
    );
  return Number(row.value);
}
