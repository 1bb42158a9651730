/**
 * Restart safety: before a restarted keeper sends anything, every intent the journal left unresolved is settled
 * against the chain. Journaled transactions are only ever rebroadcast byte for byte (identical bytes can be mined
 * at most once), and an intent that still holds a free nonce stays unresolved, so its opportunity gets no new
 * transaction (TxSender.submit refuses while activeIntentFor(opportunityId) is set).
 */
import type { Address, Chain, Hex, PublicClient, Transport } from "viem";
import type { Journal } from "../journal/journal.js";
import type { PendingIntent } from "../journal/types.js";
import { classifyBroadcastError } from "./broadcast.js";
import type { NonceManager } from "./nonce.js";
import { findMined, inMempool, receiptInput, receiptOf } from "./receipts.js";

export interface ReconcileOptions {
  /** Resynced at the end (chain pending nonce vs the journal's in-flight nonces). */
  nonces?: NonceManager;
  /**
   * How journaled bytes are sent again: the sender's own submit function (TxSender's `submitRaw`, e.g. bundles to
   * a private relay), so that a restart never leaks to the public mempool what the keeper sends privately.
   * Default: eth_sendRawTransaction on `client`.
   */
  submitRaw?: (raw: Hex, head: bigint) => Promise<void>;
  /**
   * Kill switch: while it returns false nothing is rebroadcast; receipts are still settled (and the tracker may
   * still cancel). Asked once per intent, so a switch engaged mid-reconcile stops the rest.
   */
  allowRebroadcast?: () => boolean;
  /**
   * Wraps every chain read (receipts, nonces, head, mempool) of reconcile, e.g. to retry transient RPC failures
   * at startup (see retryTransient in src/chain/retry.ts); `what` follows "Could not". Default: the read as is.
   */
  read?: <T>(what: string, read: () => Promise<T>) => Promise<T>;
  /** Called with each rebroadcast, for logs. */
  onRebroadcast?: (intent: PendingIntent, hash: `0x${string}`, note: string) => void;
}

/** Intent ids by what reconcile did with them. */
export interface ReconcileReport {
  mined: number[];
  reverted: number[];
  /** Nonce taken by a transaction the journal does not know. */
  dropped: number[];
  /** Interrupted before any transaction was signed, cancelled, or every transaction refused. */
  abandoned: number[];
  /** Still pending; the journaled bytes were broadcast again. */
  rebroadcast: number[];
  /** Still pending, nothing sent: the node still holds the transaction (or refused it again; the tracker retries). */
  pending: number[];
}

/**
 * For every unresolved intent: no live transaction -> abandoned (nothing holds a nonce, the opportunity may be
 * re-evaluated); a receipt for any of its hashes -> recorded; no receipt and the account's mined nonce is past its
 * nonce -> dropped; no receipt and the nonce still free -> the newest journaled transaction is rebroadcast as is
 * (unless the node still holds it) and tracking resumes (TxSender.onBlock). Then the nonce stream is resynced.
 * Idempotent: a second run finds the intents resolved, or finds the node holding the bytes and sends nothing.
 */
export async function reconcile(
  journal: Journal,
  client: PublicClient<Transport, Chain>,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const report: ReconcileReport = { mined: [], reverted: [], dropped: [], abandoned: [], rebroadcast: [], pending: [] };
  const read = options.read ?? (<T>(_what: string, fn: () => Promise<T>): Promise<T> => fn());
  const latestNonces = new Map<string, number>();
  const latestNonce = async (from: Address): Promise<number> => {
    const key = from.toLowerCase();
    if (!latestNonces.has(key))
      latestNonces.set(
        key,
        await read(`read the nonce of ${from}`, () =>
          client.getTransactionCount({ address: from, blockTag: "latest" }),
        ),
      );
    return latestNonces.get(key)!;
  };

  for (const intent of journal.pendingIntents()) {
    const settle = (state: "mined" | "reverted" | "abandoned") =>
      (state === "mined" ? report.mined : state === "reverted" ? report.reverted : report.abandoned).push(intent.id);
    if (intent.nonce === undefined || intent.attempts.length === 0) {
      journal.finalize(intent.id, "abandoned", "interrupted before a transaction was signed (restart)");
      report.abandoned.push(intent.id);
      continue;
    }
    // Nonce first, receipts second: a nonce past ours then means our receipt, if any, is already visible.
    const nonceNow = await latestNonce(intent.from);
    const mined = await read(`read the receipts of intent ${intent.id}`, () => findMined(client, intent.attempts));
    if (mined) {
      settle(journal.recordReceipt(intent.id, receiptInput(mined.receipt)).state as "mined" | "reverted" | "abandoned");
      continue;
    }
    if (nonceNow > intent.nonce) {
      journal.finalize(
        intent.id,
        "dropped",
        `nonce ${intent.nonce} was used by a transaction the journal does not know (found at restart)`,
      );
      report.dropped.push(intent.id);
      continue;
    }
    const live = intent.attempts.filter((a) => a.state === "signed" || a.state === "broadcast");
    const newest = live[live.length - 1];
    if (!newest) {
      journal.finalize(intent.id, "abandoned", "every transaction was refused by the node (found at restart)");
      report.abandoned.push(intent.id);
      continue;
    }
    const head = await read("read the head block", () => client.getBlockNumber({ cacheTime: 0 }));
    if (await read(`look up ${newest.hash} in the node's mempool`, () => inMempool(client, newest.hash))) {
      // Crashed after the node took it (perhaps before its answer was journaled): nothing to send.
      if (newest.state === "signed") journal.recordBroadcast(newest.id, head, "restart: found in the node's mempool");
      report.pending.push(intent.id);
      continue;
    }
    if (options.allowRebroadcast && !options.allowRebroadcast()) {
      journal.note(intent.id, "rebroadcast-held", { hash: newest.hash, head, reason: "kill switch engaged" });
      report.pending.push(intent.id);
      continue;
    }
    const note = await rebroadcast(client, newest.raw, head, options.submitRaw);
    if (note === "refused") {
      journal.note(intent.id, "rebroadcast-refused", { hash: newest.hash, head });
    } else {
      journal.recordBroadcast(newest.id, head, `restart: ${note}`);
      options.onRebroadcast?.(intent, newest.hash, note);
    }
    // An automining node (or a fast block) may have included it already.
    const receipt = await read(`read the receipt of ${newest.hash}`, () => receiptOf(client, newest.hash));
    if (receipt)
      settle(journal.recordReceipt(intent.id, receiptInput(receipt)).state as "mined" | "reverted" | "abandoned");
    else (note === "refused" ? report.pending : report.rebroadcast).push(intent.id);
  }
  if (options.nonces) await read("resync the nonce stream", () => options.nonces!.resync(client));
  return report;
}

/** Journaled bytes sent again, through `submitRaw` or eth_sendRawTransaction; "already known" counts as delivered. */
async function rebroadcast(
  client: PublicClient<Transport, Chain>,
  raw: Hex,
  head: bigint,
  submitRaw: ReconcileOptions["submitRaw"],
): Promise<"rebroadcast" | "already known" | "refused"> {
  try {
    if (submitRaw) await submitRaw(raw, head);
    else await client.request({ method: "eth_sendRawTransaction", params: [raw] });
    return "rebroadcast";
  } catch (err) {
    return classifyBroadcastError(err) === "already-known" ? "already known" : "refused";
  }
}
