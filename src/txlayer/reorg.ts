/**
 * Reorg awareness. Each receipt is journaled with its block hash; until it has `confirmations` blocks on top, every
 * new head re-reads the canonical block at that height. A different hash (or no block: the chain got shorter)
 * means the receipt's block left the canonical chain; then the intent's transactions are looked up again:
 *  - one of them is mined in another block: the receipt is updated, nothing else changes;
 *  - one of them is back in the node's mempool: the intent is reopened and tracked like any pending one, since
 *    handing the opportunity back would risk a second transaction for it while the first can still land;
 *  - none is mined or pending: the intent is marked `reorged` and handed back to evaluation through `onReorg`, and
 *    the nonce stream is resynced (the nonce the transaction used is free again).
 */
import { BaseError, type Chain, type PublicClient, type Transport } from "viem";
import type { Journal } from "../journal/journal.js";
import type { IntentRecord } from "../journal/types.js";
import type { NonceManager } from "./nonce.js";
import { findMined, inMempool, receiptInput } from "./receipts.js";

/** Blocks on top of a receipt after which it is no longer checked. */
export const DEFAULT_CONFIRMATIONS = 5;

export interface ReorgTrackerOptions {
  client: PublicClient<Transport, Chain>;
  journal: Journal;
  /** A receipt with fewer blocks than this on top of it (its own included) is re-checked every block. Default 5. */
  confirmations?: number;
  /** Resynced after a reorg took a transaction away. */
  nonces?: NonceManager;
  /** The intent is no longer mined: its opportunity goes back to evaluation. */
  onReorg?: (intent: IntentRecord) => void;
}

/** What one check found. */
export interface ReorgReport {
  /** Receipts checked. */
  checked: number;
  /** Intents marked `reorged` (handed back). */
  reorged: IntentRecord[];
  /** Intents whose transaction was re-mined in another block (receipt updated). */
  moved: IntentRecord[];
  /** Intents whose transaction is back in the mempool (reopened, tracked again). */
  reopened: IntentRecord[];
}

/** See the module comment. Reads the journal only: it works the same after a restart. */
export class ReorgTracker {
  readonly confirmations: number;

  constructor(private readonly opts: ReorgTrackerOptions) {
    this.confirmations = opts.confirmations ?? DEFAULT_CONFIRMATIONS;
  }

  /** Checks every recent receipt against the canonical chain at `head`. Call once per new head. */
  async check(head: bigint): Promise<ReorgReport> {
    const { client, journal } = this.opts;
    const report: ReorgReport = { checked: 0, reorged: [], moved: [], reopened: [] };
    // Younger than `confirmations`: head - blockNumber + 1 < confirmations. Receipts above the head (the chain got
    // shorter) are included by the same bound.
    const minBlock = head - BigInt(this.confirmations) + 2n;
    for (const intent of journal.recentReceipts(minBlock < 0n ? 0n : minBlock)) {
      const receipt = intent.receipt!;
      report.checked++;
      const canonical = await canonicalHash(client, receipt.blockNumber);
      if (canonical?.toLowerCase() === receipt.blockHash.toLowerCase()) continue;

      const attempts = journal.attempts(intent.id);
      const mined = await findMined(client, attempts);
      if (mined) {
        report.moved.push(journal.recordReceipt(intent.id, receiptInput(mined.receipt)));
        continue;
      }
      const why = `block ${receipt.blockNumber} (${receipt.blockHash}) left the canonical chain (now ${canonical ?? "no block"})`;
      let pending: string | undefined;
      for (const a of [...attempts].reverse()) if (await inMempool(client, a.hash)) pending = a.hash;
      if (pending) {
        report.reopened.push(journal.reopen(intent.id, `${why}; ${pending} is back in the mempool`));
        continue;
      }
      const reorged = journal.markReorged(intent.id, `${why}; none of its transactions is mined any more`);
      report.reorged.push(reorged);
      this.opts.onReorg?.(reorged);
    }
    if (report.reorged.length > 0) await this.opts.nonces?.resync(client);
    return report;
  }
}

/** Hash of the canonical block at `blockNumber`, or undefined when the chain has no such block. */
async function canonicalHash(
  client: PublicClient<Transport, Chain>,
  blockNumber: bigint,
): Promise<`0x${string}` | undefined> {
  try {
    const block = await client.getBlock({ blockNumber });
    return block.hash ?? undefined;
  } catch (err) {
    if (err instanceof BaseError && err.walk((e) => e instanceof Error && e.name === "BlockNotFoundError") !== null)
      return undefined;
    throw err;
  }
}
