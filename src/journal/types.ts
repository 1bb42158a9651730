/**
 * What the journal stores about one intent ("do this action for this opportunity") and the transactions sent
 * for it. Wei amounts are bigints (they exceed 2^53); nonces are plain numbers (an account sends fewer than 2^53).
 */
import type { Address, Hex } from "viem";

/**
 * Life of an intent. `new` -> `simulated` -> `signed` (a transaction is journaled: its nonce is spoken for) ->
 * `sent` (the node acknowledged it) -> one final state.
 */
export type IntentState = "new" | "simulated" | "signed" | "sent" | FinalIntentState;

/**
 * Final states. `mined`: a transaction of the intent succeeded; `reverted`: it was mined and reverted;
 * `dropped`: the account's nonce moved past it without any of its transactions being mined; `abandoned`: the
 * keeper gave up (simulation failed, gas above profit, broadcast refused, cancelled, interrupted before signing);
 * `reorged`: its mined block left the canonical chain and the transaction is no longer mined.
 */
export type FinalIntentState = "mined" | "reverted" | "dropped" | "abandoned" | "reorged";

export const FINAL_INTENT_STATES: readonly FinalIntentState[] = [
  "mined",
  "reverted",
  "dropped",
  "abandoned",
  "reorged",
];
export const INTENT_STATES: readonly IntentState[] = ["new", "simulated", "signed", "sent", ...FINAL_INTENT_STATES];

/** `original`: the first transaction; `replacement`: same nonce and calldata, higher fees; `cancel`: 0-value self-transfer at the nonce. */
export type AttemptKind = "original" | "replacement" | "cancel";
export const ATTEMPT_KINDS: readonly AttemptKind[] = ["original", "replacement", "cancel"];

/**
 * `signed`: journaled, not (yet) acknowledged by a node; `broadcast`: a node accepted it; `failed`: the node refused
 * it (it holds no nonce); `mined`: it is the one mined for its nonce; `replaced`: another transaction at its nonce was
 * mined; `dropped`: the nonce was consumed by a transaction the journal does not know; `reorged`: mined, then reorged out.
 */
export type AttemptState = "signed" | "broadcast" | "failed" | "mined" | "replaced" | "dropped" | "reorged";

/** A mined transaction's receipt, with the block hash kept for reorg checks. */
export interface ReceiptRecord {
  hash: Hex;
  status: "success" | "reverted";
  blockNumber: bigint;
  blockHash: Hex;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  /** gasUsed * effectiveGasPrice. */
  gasCostWei: bigint;
  /** When the receipt was recorded (ms since epoch). */
  at: number;
}

/** The action's simulation just before sending. */
export interface SimulationRecord {
  /** Profit the call returned, in `profitToken` units. */
  profit: bigint;
  profitToken: Address | undefined;
  /** eth_estimateGas. */
  gas: bigint;
  /** Gas limit the transactions are sent with. */
  gasLimit: bigint;
}

export interface IntentRecord {
  id: number;
  opportunityId: string;
  actionKind: string;
  /** The keeper account. */
  from: Address;
  /** The executor. */
  to: Address;
  calldata: Hex;
  blockSeen: bigint;
  /** The action's expected profit in wei: the most any of its transactions may cost in gas. */
  expectedProfitWei: bigint;
  state: IntentState;
  /** Why it reached its final state (or the last notable thing that happened to it). */
  reason: string | undefined;
  simulation: SimulationRecord | undefined;
  /** The nonce its transactions use, once one is signed. */
  nonce: number | undefined;
  receipt: ReceiptRecord | undefined;
  createdAt: number;
  updatedAt: number;
  finalizedAt: number | undefined;
}

export interface AttemptRecord {
  id: number;
  intentId: number;
  kind: AttemptKind;
  from: Address;
  nonce: number;
  hash: Hex;
  /** The signed transaction, exactly as broadcast: rebroadcasting it can never spend twice. */
  raw: Hex;
  to: Address;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  state: AttemptState;
  error: string | undefined;
  signedAt: number;
  broadcastAt: number | undefined;
  /** Head block when it was (last) broadcast: the stuck clock starts there. */
  broadcastBlock: bigint | undefined;
}

/** An unresolved intent with all its transactions, oldest first. */
export interface PendingIntent extends IntentRecord {
  attempts: AttemptRecord[];
}

/** One step of an intent's life, as appended to the journal's event log. */
export interface JournalEvent {
  id: number;
  intentId: number;
  at: number;
  type: string;
  detail: Record<string, string | number | boolean | null>;
}

/** Numbers for metrics. */
export interface JournalCounts {
  intents: Record<IntentState, number>;
  attempts: Record<AttemptKind, number>;
}

/** A new intent, before anything is simulated or sent. */
export interface NewIntent {
  opportunityId: string;
  actionKind: string;
  from: Address;
  to: Address;
  calldata: Hex;
  blockSeen: bigint;
  expectedProfitWei: bigint;
}

/** A signed transaction about to be broadcast. */
export interface NewAttempt {
  kind: AttemptKind;
  nonce: number;
  hash: Hex;
  raw: Hex;
  to: Address;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}
