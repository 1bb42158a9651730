/**
 * Bundles are valid for one block only, and a builder may leave one out for reasons nobody reports (a better
 * bundle, a late arrival). So a bundle is re-sent for each next block until one of its transactions has a
 * receipt or the window of blocks has passed.
 */
import { TransactionReceiptNotFoundError, type Hex, type PublicClient, type TransactionReceipt } from "viem";
import { RelayError } from "./errors.js";
import { bundleTransactionHashes, sendBundle, type SendBundleParams } from "./sendBundle.js";

/** What submitUntilIncluded needs from a viem public client. */
export type BundleChainReader = Pick<PublicClient, "getBlockNumber" | "getTransactionReceipt">;

/** Parameters of submitUntilIncluded: those of sendBundle but the block, plus the chain to watch. */
export interface SubmitUntilIncludedParams extends Omit<SendBundleParams, "blockNumber"> {
  /** Reads block numbers and receipts: the chain the bundle targets, not the relay. */
  client: BundleChainReader;
  /** How many consecutive blocks to target (at least 1). */
  maxBlocks: number;
  /** First target block. Default: the latest block + 1. */
  firstBlock?: bigint;
  /** Polling interval for the block number and receipts (default 500 ms). */
  pollIntervalMs?: number;
  /**
   * How long to wait for the chain to reach a target block before giving up (default 60 s): a chain that stops
   * producing blocks must not hang the keeper.
   */
  blockTimeoutMs?: number;
  /** Called after each send, for logs and metrics. */
  onAttempt?: (attempt: BundleAttempt) => void;
}

/** One send of the bundle: its target block and the relay's bundle hash, or the retryable error it met. */
export interface BundleAttempt {
  blockNumber: bigint;
  bundleHash?: Hex;
  error?: RelayError;
}

/** Result of submitUntilIncluded, by `status`. */
export type SubmitOutcome =
  /** One of the bundle's transactions is mined (its receipt may still say reverted). */
  | {
      status: "included";
      blockNumber: bigint;
      transactionHash: Hex;
      receipt: TransactionReceipt;
      attempts: BundleAttempt[];
    }
  /** Every target block passed without any of the transactions mined. */
  | { status: "not-included"; lastBlock: bigint; attempts: BundleAttempt[] }
  /** The chain did not reach `waitingFor` within blockTimeoutMs. */
  | { status: "stalled"; waitingFor: bigint; attempts: BundleAttempt[] };

/**
 * Sends the bundle for each block from `firstBlock` (default: next block) for `maxBlocks` blocks, and after each
 * target block checks the receipts of the bundle's transactions; stops at the first receipt. Retryable relay
 * errors (429, 5xx, network, garbled answer) are recorded and the next block is tried; the others (a bad
 * signature, an invalid bundle) are thrown, since sending again would fail the same way.
 * RPC reads that fail are retried until blockTimeoutMs; then their error is thrown.
 */
export async function submitUntilIncluded(params: SubmitUntilIncludedParams): Promise<SubmitOutcome> {
  if (!Number.isSafeInteger(params.maxBlocks) || params.maxBlocks < 1)
    throw new RangeError(`maxBlocks must be a positive integer, got ${params.maxBlocks}`);
  const { client, maxBlocks, firstBlock, pollIntervalMs = 500, blockTimeoutMs = 60_000, onAttempt, ...send } = params;
  const hashes = bundleTransactionHashes(params.signedTransactions);
  const attempts: BundleAttempt[] = [];

  let target =
    firstBlock ??
    (await readWithRetry(() => client.getBlockNumber({ cacheTime: 0 }), blockTimeoutMs, pollIntervalMs)) + 1n;
  const lastTarget = target + BigInt(maxBlocks) - 1n;
  while (target <= lastTarget) {
    const attempt: BundleAttempt = { blockNumber: target };
    try {
      attempt.bundleHash = await sendBundle({ ...send, blockNumber: target });
    } catch (err) {
      if (!(err instanceof RelayError) || !err.retryable) throw err;
      attempt.error = err;
    }
    attempts.push(attempt);
    onAttempt?.(attempt);

    const reached = await waitForBlock(client, target, blockTimeoutMs, pollIntervalMs);
    const receipt = await findReceipt(client, hashes, blockTimeoutMs, pollIntervalMs);
    if (receipt) {
      return {
        status: "included",
        blockNumber: receipt.blockNumber,
        transactionHash: receipt.transactionHash,
        receipt,
        attempts,
      };
    }
    if (reached === undefined) return { status: "stalled", waitingFor: target, attempts };
    // If blocks went by while we waited, targeting them is pointless: jump to the next one still to come.
    target = reached + 1n > target + 1n ? reached + 1n : target + 1n;
  }
  return { status: "not-included", lastBlock: lastTarget, attempts };
}

/** Polls until the chain's block number is at least `target`; returns it, or `undefined` after `timeoutMs`. */
async function waitForBlock(
  client: BundleChainReader,
  target: bigint,
  timeoutMs: number,
  pollMs: number,
): Promise<bigint | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      // cacheTime 0: viem caches the block number for a polling interval, which would hide the block we wait for.
      const n = await client.getBlockNumber({ cacheTime: 0 });
      if (n >= target) return n;
    } catch {
      // A failed read is no news: keep polling until the deadline.
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(pollMs);
  }
}

/** The first of `hashes` that has a receipt, or `undefined` when none has. */
async function findReceipt(
  client: BundleChainReader,
  hashes: Hex[],
  timeoutMs: number,
  pollMs: number,
): Promise<TransactionReceipt | undefined> {
  for (const hash of hashes) {
    const receipt = await readWithRetry(
      async () => {
        try {
          return await client.getTransactionReceipt({ hash });
        } catch (err) {
          if (err instanceof TransactionReceiptNotFoundError) return undefined;
          throw err;
        }
      },
      timeoutMs,
      pollMs,
    );
    if (receipt) return receipt;
  }
  return undefined;
}

/** Runs `read` until it succeeds or `timeoutMs` has passed, then throws its last error. */
async function readWithRetry<T>(read: () => Promise<T>, timeoutMs: number, pollMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await read();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await sleep(pollMs);
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
