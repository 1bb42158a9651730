/**
 * The missed-liquidation audit's table: every liquidation of a watched protocol that another liquidator won, with
 * what the keeper had decided about that position before (from the decision log). Written by
 * src/keeper/audit.ts, read by `keeper audit`; pruned with the decision log's retention.
 */
import type { DatabaseSync } from "node:sqlite";

/**
 * Why the keeper did not liquidate it: `not-seen` (no decision about the position before the liquidation: our reads
 * never had it under HF 1), `skipped` (its last decision was a skip, `skipCode` says which), `dry-run` (simulated,
 * nothing sent), `too-late` (sent, not mined before the competitor's), `reverted` (our send reverted or failed first).
 */
export type MissCause = "not-seen" | "skipped" | "dry-run" | "too-late" | "reverted";
export const MISS_CAUSES: readonly MissCause[] = ["not-seen", "skipped", "dry-run", "too-late", "reverted"];

/** One liquidation someone else won, as the audit records it. Addresses and hashes are stored lowercased. */
export interface NewMissedLiquidation {
  protocol: string;
  block: bigint;
  txHash: string;
  logIndex: number;
  borrower: string;
  /** The liquidator the protocol's event names (the contract that called it). */
  liquidator: string;
  /** The transaction's sender (the EOA behind the liquidator), when it could be read. */
  sender?: string;
  /** Morpho's market id; undefined for Aave. */
  market?: string;
  debtAsset: string;
  collateralAsset: string;
  /** Raw units of the debt asset. */
  debtRepaid: bigint;
  /** Raw units of the collateral asset. */
  collateralSeized: bigint;
  /** First block of the episode at which our decision log had the position (a skip or a send: HF under 1). */
  firstSeenBlock?: bigint;
  /** block - firstSeenBlock; undefined when never seen. */
  blocksLate?: bigint;
  cause: MissCause;
  /** The SkipCode of the last decision when it was a skip, the outcome status when a send ended. */
  code?: string;
  /** Our last decision about the position, for a person. */
  detail: string;
}

export interface MissedLiquidationRecord extends NewMissedLiquidation {
  id: number;
  at: number;
}

export const MISSED_DDL = `
CREATE TABLE IF NOT EXISTS missed_liquidations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  protocol TEXT NOT NULL,
  block INTEGER NOT NULL,
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  borrower TEXT NOT NULL,
  liquidator TEXT NOT NULL,
  sender TEXT,
  market TEXT,
  debt_asset TEXT NOT NULL,
  collateral_asset TEXT NOT NULL,
  debt_repaid TEXT NOT NULL,
  collateral_seized TEXT NOT NULL,
  first_seen_block INTEGER,
  blocks_late INTEGER,
  cause TEXT NOT NULL,
  code TEXT,
  detail TEXT NOT NULL,
  at INTEGER NOT NULL,
  UNIQUE (tx_hash, log_index)
);
CREATE INDEX IF NOT EXISTS missed_by_block ON missed_liquidations (block);
CREATE INDEX IF NOT EXISTS missed_by_borrower ON missed_liquidations (borrower, block);
`;

/**
 * Writes the rows; a liquidation already recorded (same tx and log index: a block read twice after a restart or a
 * reorg) is left as it is. Returns how many were new. No transaction of its own.
 */
export function insertMissed(db: DatabaseSync, rows: readonly NewMissedLiquidation[], at: number): number {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO missed_liquidations (protocol, block, tx_hash, log_index, borrower, liquidator, sender,
       market, debt_asset, collateral_asset, debt_repaid, collateral_seized, first_seen_block, blocks_late, cause,
       code, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let n = 0;
  for (const r of rows) {
    const { changes } = insert.run(
      r.protocol,
      r.block,
      r.txHash.toLowerCase(),
      r.logIndex,
      r.borrower.toLowerCase(),
      r.liquidator.toLowerCase(),
      r.sender?.toLowerCase() ?? null,
      r.market?.toLowerCase() ?? null,
      r.debtAsset.toLowerCase(),
      r.collateralAsset.toLowerCase(),
      r.debtRepaid.toString(),
      r.collateralSeized.toString(),
      r.firstSeenBlock ?? null,
      r.blocksLate ?? null,
      r.cause,
      r.code ?? null,
      r.detail,
      at,
    );
    n += Number(changes);
  }
  return n;
}

/** The latest liquidation of `borrower` recorded before `block` (the previous episode's end), if any. */
export function lastMissedBlock(db: DatabaseSync, borrower: string, block: bigint): bigint | undefined {
  const r = db
    .prepare("SELECT MAX(block) AS b FROM missed_liquidations WHERE borrower = lower(?) AND block < ?")
    .get(borrower, block) as { b: number | null };
  return r.b === null ? undefined : BigInt(r.b);
}

/** The recorded misses from `fromBlock` on, oldest first. A journal older than schema 3 reads as empty. */
export function selectMissed(db: DatabaseSync, fromBlock = 0n): MissedLiquidationRecord[] {
  const exists = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'missed_liquidations'")
    .get();
  if (!exists) return [];
  const rows = db.prepare("SELECT * FROM missed_liquidations WHERE block >= ? ORDER BY block, id").all(fromBlock);
  return rows.map((r) => ({
    id: Number(r.id),
    protocol: r.protocol as string,
    block: BigInt(r.block as number),
    txHash: r.tx_hash as string,
    logIndex: Number(r.log_index),
    borrower: r.borrower as string,
    liquidator: r.liquidator as string,
    ...(r.sender ? { sender: r.sender as string } : {}),
    ...(r.market ? { market: r.market as string } : {}),
    debtAsset: r.debt_asset as string,
    collateralAsset: r.collateral_asset as string,
    debtRepaid: BigInt(r.debt_repaid as string),
    collateralSeized: BigInt(r.collateral_seized as string),
    ...(r.first_seen_block !== null ? { firstSeenBlock: BigInt(r.first_seen_block as number) } : {}),
    ...(r.blocks_late !== null ? { blocksLate: BigInt(r.blocks_late as number) } : {}),
    cause: r.cause as MissCause,
    ...(r.code ? { code: r.code as string } : {}),
    detail: r.detail as string,
    at: Number(r.at),
  }));
}

/** Deletes misses more than `keepBlocks` below `newestBlock` (the decision log's retention); returns how many went. */
export function deleteOldMissed(db: DatabaseSync, newestBlock: bigint, keepBlocks: bigint): number {
  const { changes } = db.prepare("DELETE FROM missed_liquidations WHERE block <= ?").run(newestBlock - keepBlocks);
  return Number(changes);
}
