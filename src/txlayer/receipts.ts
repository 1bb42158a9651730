/** Which of an intent's transactions (all share one nonce) is mined, if any. */
import { BaseError, type Chain, type Hex, type PublicClient, type TransactionReceipt, type Transport } from "viem";
import type { ReceiptInput } from "../journal/journal.js";
import type { AttemptRecord } from "../journal/types.js";

/** A mined attempt and its receipt. */
export interface MinedAttempt {
  attempt: AttemptRecord;
  receipt: TransactionReceipt;
}

const notFound = (err: unknown): boolean =>
  err instanceof BaseError &&
  err.walk(
    (e) =>
      e instanceof Error && (e.name === "TransactionReceiptNotFoundError" || e.name === "TransactionNotFoundError"),
  ) !== null;

/** The receipt of `hash`, or undefined when the node has none (not mined, or mined in a block that was reorged out). */
export async function receiptOf(
  client: PublicClient<Transport, Chain>,
  hash: Hex,
): Promise<TransactionReceipt | undefined> {
  try {
    return await client.getTransactionReceipt({ hash });
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

/**
 * Looks up the receipt of every one of `attempts`, newest first (the likeliest to be mined), including ones the
 * node refused: a transport error can hide a send that did go through. At most one can be mined (one nonce).
 */
export async function findMined(
  client: PublicClient<Transport, Chain>,
  attempts: readonly AttemptRecord[],
): Promise<MinedAttempt | undefined> {
  for (const attempt of [...attempts].reverse()) {
    const receipt = await receiptOf(client, attempt.hash);
    if (receipt) return { attempt, receipt };
  }
  return undefined;
}

/** The journal's view of a receipt. */
export function receiptInput(r: TransactionReceipt): ReceiptInput {
  return {
    hash: r.transactionHash,
    status: r.status,
    blockNumber: r.blockNumber,
    blockHash: r.blockHash,
    gasUsed: r.gasUsed,
    effectiveGasPrice: r.effectiveGasPrice,
  };
}

/** True when the node holds `hash` in its mempool (known, not mined). */
export async function inMempool(client: PublicClient<Transport, Chain>, hash: Hex): Promise<boolean> {
  try {
    const tx = await client.getTransaction({ hash });
    return tx.blockNumber === null;
  } catch (err) {
    if (notFound(err)) return false;
    throw err;
  }
}
