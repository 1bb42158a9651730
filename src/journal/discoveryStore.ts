/**
 * What event discovery has found so far (Aave borrowers, Morpho (market, borrower) pairs) and the last block it
 * scanned, in `<dataDir>/discovery.sqlite` beside the journal, so a restart resumes from the checkpoint instead of
 * re-reading the history from the start block.
 *
 * A file of its own rather than a table of journal.sqlite: the journal is the send path's write-ahead log (fsync on
 * every commit, a schema version it refuses to misread, never to be deleted while intents are pending), whereas this
 * is a cache the chain can always rebuild. Here synchronous=NORMAL (a power cut may lose the last checkpoints: the
 * scan repeats them), a schema change may simply drop the tables, and deleting the file is always safe. Nor do the
 * first sync's writes, one per range, contend with the journal's lock.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** Bumped when the tables change: an older file is dropped and rebuilt (it is only a cache). */
const DISCOVERY_SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS discovery_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS discovery_scans (
  key TEXT PRIMARY KEY,
  from_block INTEGER NOT NULL,
  scanned_to INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS discovery_items (
  key TEXT NOT NULL,
  item TEXT NOT NULL,
  PRIMARY KEY (key, item)
) WITHOUT ROWID;
`;

/** One index's saved state. */
export interface DiscoveryCheckpoint {
  /** The start block the scan was made from. */
  fromBlock: bigint;
  /** Last block scanned (fromBlock - 1 when nothing was). */
  scannedTo: bigint;
  /** What was found: the index decides what an item is (an address, "marketId:address"). */
  items: string[];
}

/**
 * Saved discovery state, by index key (protocol, chain id and contract: "aave-v3:1:0x87870..."). Synchronous, as
 * node:sqlite is: a save that returned is in the database.
 */
export class DiscoveryStore {
  private constructor(
    private readonly db: DatabaseSync,
    /** The SQLite file (":memory:" for an in-memory store). */
    readonly path: string,
  ) {}

  /** Opens (creating when needed) `<dataDir>/discovery.sqlite`. */
  static open(dataDir: string): DiscoveryStore {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, "discovery.sqlite");
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA busy_timeout = 5000");
    return DiscoveryStore.init(db, path);
  }

  /** A store gone when closed (tests, throwaway chains). */
  static inMemory(): DiscoveryStore {
    return DiscoveryStore.init(new DatabaseSync(":memory:"), ":memory:");
  }

  private static init(db: DatabaseSync, path: string): DiscoveryStore {
    db.exec(DDL);
    const row = db.prepare("SELECT value FROM discovery_meta WHERE key = 'schema_version'").get() as
      { value: string } | undefined;
    if (row && Number(row.value) !== DISCOVERY_SCHEMA_VERSION) {
      db.exec("DROP TABLE discovery_scans; DROP TABLE discovery_items;");
      db.exec(DDL);
    }
    db.prepare("INSERT OR REPLACE INTO discovery_meta (key, value) VALUES ('schema_version', ?)").run(
      String(DISCOVERY_SCHEMA_VERSION),
    );
    return new DiscoveryStore(db, path);
  }

  /** The saved state of `key`, or undefined when none was saved. */
  load(key: string): DiscoveryCheckpoint | undefined {
    const scan = this.db.prepare("SELECT from_block, scanned_to FROM discovery_scans WHERE key = ?").get(key) as
      { from_block: number | bigint; scanned_to: number | bigint } | undefined;
    if (!scan) return undefined;
    const items = this.db.prepare("SELECT item FROM discovery_items WHERE key = ? ORDER BY item").all(key) as {
      item: string;
    }[];
    return {
      fromBlock: BigInt(scan.from_block),
      scannedTo: BigInt(scan.scanned_to),
      items: items.map((r) => r.item),
    };
  }

  /** Adds `items` and moves the checkpoint to `scannedTo`, in one transaction (both or neither). */
  save(key: string, fromBlock: bigint, scannedTo: bigint, items: Iterable<string>): void {
    this.db.exec("BEGIN");
    try {
      const add = this.db.prepare("INSERT OR IGNORE INTO discovery_items (key, item) VALUES (?, ?)");
      for (const item of items) add.run(key, item);
      this.db
        .prepare(
          `INSERT INTO discovery_scans (key, from_block, scanned_to) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET from_block = excluded.from_block, scanned_to = excluded.scanned_to`,
        )
        .run(key, fromBlock, scannedTo);
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }

  /** Moves the checkpoint of `key` back to `block - 1` when it is past it (a reorg); found items stay found. */
  rewind(key: string, block: bigint): void {
    this.db
      .prepare("UPDATE discovery_scans SET scanned_to = ? WHERE key = ? AND scanned_to >= ?")
      .run(block - 1n, key, block);
  }

  /** Forgets `key` entirely (a start block earlier than the saved one: the history must be read again). */
  reset(key: string): void {
    this.db.exec("BEGIN");
    try {
      this.db.prepare("DELETE FROM discovery_items WHERE key = ?").run(key);
      this.db.prepare("DELETE FROM discovery_scans WHERE key = ?").run(key);
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
