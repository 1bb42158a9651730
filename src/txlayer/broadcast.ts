/**
 * The write-ahead step every transaction goes through: sign locally, journal the signed bytes (fsynced), only then
 * broadcast with eth_sendRawTransaction, and journal what the node said. Rebroadcasting journaled bytes is always
 * safe: an identical transaction can only be mined once.
 */
import { BaseError, isHex, keccak256, type Address, type Hex } from "viem";
import { classifyError } from "../executor/errors.js";
import type { AttemptKind, AttemptRecord } from "../journal/types.js";
import type { TxContext } from "./context.js";
import { walkCause } from "../errors.js";
import { TxLayerError } from "./errors.js";

/** What a node's refusal means for the nonce. */
export type BroadcastErrorKind =
  /** The node already has this exact transaction: as good as accepted. */
  | "already-known"
  /** The nonce is used by a mined transaction. */
  | "nonce-too-low"
  /** Another transaction holds the nonce in the mempool and these fees do not beat it by enough. */
  | "underpriced"
  | "insufficient-funds"
  /** maxFeePerGas under the base fee. */
  | "fee-too-low"
  /** Timeout, connection reset, 429, 5xx: the transaction may or may not have reached the node. */
  | "transient"
  /** Anything else the node refused. */
  | "rejected";

const MESSAGES: [BroadcastErrorKind, RegExp][] = [
  ["already-known", /already known|known transaction|already imported|alreadyknown/i],
  ["nonce-too-low", /nonce too low|nonce has already been used|oldnonce/i],
  ["underpriced", /underpriced/i],
  ["insufficient-funds", /insufficient funds|enough funds/i],
  ["fee-too-low", /less than block base fee|too low for the next block|fee cap less than|feecaptoolow/i],
];

/** Classifies a broadcast error by the node's message (geth, Hardhat/EDR, Anvil wordings), then by transport. */
export function classifyBroadcastError(err: unknown): BroadcastErrorKind {
  const texts: string[] = [];
  walkCause(err, (e) => {
    if (e instanceof BaseError) texts.push(e.details ?? "", e.shortMessage);
    if (e instanceof Error) texts.push(e.message);
    return false; // visit every link
  });
  const text = texts.join("\n");
  for (const [kind, re] of MESSAGES) if (re.test(text)) return kind;
  return classifyError(err) === "transient" ? "transient" : "rejected";
}

/** An unsigned transaction of the layer: an action call, a replacement of one, or a cancel. */
export interface TxRequest {
  kind: AttemptKind;
  nonce: number;
  to: Address;
  data: Hex;
  value: bigint;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** What happened to one broadcast. `unknown`: a transport failure, and the node does not show the transaction. */
export type BroadcastResult =
  | { status: "accepted"; attempt: AttemptRecord; note: string | undefined }
  | {
      status: "refused";
      attempt: AttemptRecord;
      kind: Exclude<BroadcastErrorKind, "already-known" | "transient">;
      message: string;
      error: unknown;
    }
  | { status: "unknown"; attempt: AttemptRecord; message: string };

/** Signs `tx` with the local account (EIP-1559, the client's chain id); returns the raw bytes and their hash. */
export async function signRequest(ctx: TxContext, tx: TxRequest): Promise<{ raw: Hex; hash: Hex }> {
  if (!ctx.account.signTransaction)
    throw new TxLayerError("The keeper account cannot sign transactions locally (a LocalAccount is required).");
  const raw = await ctx.account.signTransaction({
    chainId: ctx.client.chain.id,
    type: "eip1559",
    nonce: tx.nonce,
    to: tx.to,
    data: tx.data,
    value: tx.value,
    gas: tx.gasLimit,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
  });
  return { raw, hash: keccak256(raw) };
}

/**
 * Signs, journals (BEFORE the network sees it), calls `beforeBroadcast`, broadcasts, and journals the node's answer.
 * Nonce bookkeeping is the caller's: it alone knows whether a refusal frees the nonce.
 */
export async function signJournalBroadcast(ctx: TxContext, intentId: number, tx: TxRequest): Promise<BroadcastResult> {
  const { raw, hash } = await signRequest(ctx, tx);
  const attempt = ctx.journal.recordSigned(intentId, {
    kind: tx.kind,
    nonce: tx.nonce,
    hash,
    raw,
    to: tx.to,
    gasLimit: tx.gasLimit,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
  });
  await ctx.beforeBroadcast?.(attempt);
  return broadcastAttempt(ctx, attempt);
}

/**
 * Broadcasts a journaled transaction (first time, or again after a restart or a transport failure) and journals the
 * outcome. After a transport failure the node is asked whether it has the hash: if so the send went through.
 */
export async function broadcastAttempt(
  ctx: TxContext,
  attempt: AttemptRecord,
  note?: string,
): Promise<BroadcastResult> {
  // Never fails: once the node has the transaction, a failed head read must not look like a failed send.
  const head = async () => ctx.client.getBlockNumber({ cacheTime: 0 }).catch(() => ctx.lastHead);
  try {
    if (ctx.submitRaw) await ctx.submitRaw(attempt.raw, await head());
    else await ctx.client.request({ method: "eth_sendRawTransaction", params: [attempt.raw] });
    ctx.journal.recordBroadcast(attempt.id, await head(), note);
    return { status: "accepted", attempt, note };
  } catch (err) {
    // Hardhat's automining node throws for a transaction that reverts, yet has mined it: the error carries its hash
    // (and a transport retry of the same request then reads "nonce too low"). It was sent and paid for, its nonce
    // is used: accepted, and the tracker finds the reverted receipt.
    const kind = classifyBroadcastError(err);
    if (
      minedTransactionHashOf(err)?.toLowerCase() === attempt.hash.toLowerCase() ||
      (kind === "nonce-too-low" && (await nodeHas(ctx, attempt.hash)))
    ) {
      ctx.journal.recordBroadcast(attempt.id, await head(), "mined and reverted (the node threw on the mined revert)");
      return { status: "accepted", attempt, note: "mined-reverted" };
    }
    const message =
      err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message.split("\n")[0] : String(err);
    if (kind === "already-known") {
      ctx.journal.recordBroadcast(attempt.id, await head(), "already known to the node");
      return { status: "accepted", attempt, note: "already-known" };
    }
    if (kind === "transient") {
      if (await nodeHas(ctx, attempt.hash)) {
        ctx.journal.recordBroadcast(attempt.id, await head(), `accepted despite: ${message}`);
        return { status: "accepted", attempt, note: "found after a transport error" };
      }
      // Left `signed`: the nonce stays spoken for and the tracker rebroadcasts the same bytes next block.
      ctx.journal.note(attempt.intentId, "broadcast-unknown", { hash: attempt.hash, error: message });
      return { status: "unknown", attempt, message };
    }
    ctx.journal.recordBroadcastFailed(attempt.id, `${kind}: ${message}`);
    return { status: "refused", attempt, kind, message, error: err };
  }
}

/** The hash Hardhat attaches to the error of a mined-but-reverted transaction (`transactionHash` on a cause). */
export function minedTransactionHashOf(err: unknown): Hex | undefined {
  const holder = walkCause(err, (e) => {
    const h = (e as { transactionHash?: unknown }).transactionHash;
    return typeof h === "string" && isHex(h) && h.length === 66;
  });
  return (holder as { transactionHash?: Hex } | undefined)?.transactionHash;
}

/** True when the node knows the transaction (mempool or chain); false when it does not or cannot be asked. */
async function nodeHas(ctx: TxContext, hash: Hex): Promise<boolean> {
  try {
    await ctx.client.getTransaction({ hash });
    return true;
  } catch {
    return false;
  }
}
