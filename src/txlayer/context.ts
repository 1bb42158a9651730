/** What every part of the transaction layer shares: the chain, the signer, the journal, the nonce stream, the policy. */
import type { Chain, LocalAccount, PublicClient, Transport } from "viem";
import type { Journal } from "../journal/journal.js";
import type { AttemptRecord } from "../journal/types.js";
import type { NonceManager } from "./nonce.js";

/** Fee and replacement policy (wei per gas unless said otherwise). */
export interface TxPolicy {
  /** Tip of a first send. */
  priorityFeePerGas: bigint;
  /** Hard ceiling on maxFeePerGas of any transaction, first send, replacement or cancel. */
  maxFeeCapWei: bigint;
  /** Blocks without inclusion after which a transaction is replaced. Default 3. */
  stuckBlocks: number;
  /** Least raise of both fee fields per replacement, in bps. Default 1,250 (12.5%; geth needs 10%). */
  bumpBps: bigint;
  /**
   * When the next bump would exceed the cap or the expected profit: cancel with a 0-value self-transfer at the same
   * nonce (true), or let the transaction ride at its current fees (false, default).
   */
  cancelWhenCapped: boolean;
  /** Gas limit over the estimate, in bps. Default 12,000 (x1.2, as executeAction). */
  gasLimitMultiplierBps: bigint;
  /**
   * Least net profit a replacement must leave, in wei (the keeper's MIN_PROFIT priced in wei): the gas budget of a
   * bump is min(profit priced at the first send, fresh re-simulated profit) minus this. Default 0.
   */
  minProfitFloorWei: bigint;
}

export const DEFAULT_STUCK_BLOCKS = 3;
export const DEFAULT_BUMP_BPS = 1_250n;

/** Something the layer did, for logs and metrics. */
export type TxEvent =
  | { type: "sent"; intentId: number; opportunityId: string; hash: `0x${string}`; nonce: number }
  | { type: "rebroadcast"; intentId: number; hash: `0x${string}`; nonce: number; note: string }
  | {
      type: "replaced";
      intentId: number;
      hash: `0x${string}`;
      nonce: number;
      maxFeePerGas: bigint;
      maxPriorityFeePerGas: bigint;
    }
  | { type: "cancelled"; intentId: number; hash: `0x${string}`; nonce: number; reason: string }
  /** An action whose every transaction the node refused, signed again at its own nonce (gaps.ts). */
  | { type: "resigned"; intentId: number; hash: `0x${string}`; nonce: number }
  | { type: "riding"; intentId: number; reason: string }
  /** A 0-value self-transfer took a nonce left free under later in-flight transactions (gaps.ts). */
  | { type: "gap-filled"; intentId: number; hash: `0x${string}`; nonce: number }
  | { type: "resolved"; intentId: number; opportunityId: string; state: string; reason: string | undefined }
  | { type: "error"; intentId: number; stage: string; message: string };

/** The shared state; built by TxSender, used by its helpers and by reconcile. */
export interface TxContext {
  client: PublicClient<Transport, Chain>;
  account: LocalAccount;
  journal: Journal;
  nonces: NonceManager;
  policy: TxPolicy;
  /** Called after a transaction is journaled and before it is broadcast (crash tests stop the process here). */
  beforeBroadcast?: (attempt: AttemptRecord) => Promise<void> | void;
  /**
   * Private submission: when set, signed transactions go here (e.g. as bundles to a Flashbots-style relay)
   * instead of eth_sendRawTransaction to the public mempool. Must throw when the relay refuses.
   */
  submitRaw?: (raw: `0x${string}`, head: bigint) => Promise<void>;
  emit: (e: TxEvent) => void;
  /** Highest head seen (onBlock, submit's blockSeen): the stuck clock's start when the node cannot be asked. */
  lastHead: bigint;
  /**
   * Why the operator stopped the keeper (the kill switch), or undefined. While set, nothing the safety gate would
   * refuse goes out as upkeep either: no replacement, no rebroadcast of journaled action bytes, no re-sign of an
   * action; only cancels (0-value self-transfers) that take a nonce back.
   */
  halted?: () => string | undefined;
}
