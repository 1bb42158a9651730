/**
 * TxSender: sends executor actions through the journal and tracks them until they resolve. One intent per
 * opportunity at a time; every transaction journaled before it is broadcast; stuck ones replaced or cancelled
 * (replace.ts); whichever transaction of a nonce is mined resolves the intent.
 */
import type { Address, Chain, LocalAccount, PublicClient, Transport } from "viem";
import { encodeAction, withMinProfit, type ExecutorAction } from "../executor/actions.js";
import { ExecutorRevertError, decodeExecutorError, type ErrorClassification } from "../executor/errors.js";
import { getExecutorFees } from "../executor/fees.js";
import { DEFAULT_GAS_LIMIT_MULTIPLIER_BPS } from "../executor/send.js";
import { simulateAction } from "../executor/simulate.js";
import type { Journal } from "../journal/journal.js";
import type { AttemptRecord, IntentRecord } from "../journal/types.js";
import { broadcastAttempt, signJournalBroadcast } from "./broadcast.js";
import { DEFAULT_BUMP_BPS, DEFAULT_STUCK_BLOCKS, type TxContext, type TxEvent, type TxPolicy } from "./context.js";
import type { NonceManager } from "./nonce.js";
import { findMined, receiptInput } from "./receipts.js";
import { handleStuck } from "./replace.js";

export interface TxSenderOptions {
  client: PublicClient<Transport, Chain>;
  /** The keeper's local signer (owner or keeper of the executor). */
  account: LocalAccount;
  journal: Journal;
  nonces: NonceManager;
  /** The KeeperExecutor. */
  executor: Address;
  policy: Pick<TxPolicy, "priorityFeePerGas" | "maxFeeCapWei"> & Partial<TxPolicy>;
  beforeBroadcast?: TxContext["beforeBroadcast"];
  /** Private submission instead of the public mempool; see TxContext.submitRaw. */
  submitRaw?: TxContext["submitRaw"];
  onEvent?: (e: TxEvent) => void;
}

/** One action to send for one opportunity. */
export interface SubmitParams {
  opportunityId: string;
  action: ExecutorAction;
  /** Block the opportunity was seen at. */
  blockSeen: bigint;
  /** Expected profit in wei (the gas budget), or a pricing of the simulated profit (raw `token` units) in wei. */
  expectedProfitWei: bigint | ((profit: bigint, token: Address) => bigint);
  /** On-chain profit floor; the action's minProfit is raised to it, never lowered. */
  minProfit?: bigint;
}

export type SubmitResult =
  /** Journaled and accepted by the node. */
  | { status: "sent"; intent: IntentRecord; attempt: AttemptRecord }
  /** Journaled, but the node could not be reached: the tracker rebroadcasts the same bytes each block. */
  | { status: "broadcast-pending"; intent: IntentRecord; attempt: AttemptRecord; error: string }
  /** An unresolved intent exists for this opportunity: nothing new is sent. */
  | { status: "already-active"; intent: IntentRecord }
  /** Not sent (simulation, price, gas guard) - no nonce used. */
  | { status: "skipped"; intent: IntentRecord; reason: string; classification: ErrorClassification; errorName?: string }
  /** The node refused the transaction; its nonce was released for the next send. */
  | { status: "send-failed"; intent: IntentRecord; reason: string; classification: ErrorClassification };

/** An intent resolved during onBlock. */
export interface Resolution {
  intent: IntentRecord;
}

/** See the module comment. Stateless beyond the journal: a restarted keeper builds a new one and carries on. */
export class TxSender {
  readonly ctx: TxContext;
  private readonly executor: Address;
  /** Intents a submit() of this process is still working on: onBlock leaves them alone. */
  private readonly submitting = new Set<number>();

  constructor(options: TxSenderOptions) {
    this.executor = options.executor;
    const policy: TxPolicy = {
      stuckBlocks: DEFAULT_STUCK_BLOCKS,
      bumpBps: DEFAULT_BUMP_BPS,
      cancelWhenCapped: false,
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      ...options.policy,
    };
    this.ctx = {
      client: options.client,
      account: options.account,
      journal: options.journal,
      nonces: options.nonces,
      policy,
      beforeBroadcast: options.beforeBroadcast,
      submitRaw: options.submitRaw,
      lastHead: 0n,
      emit: options.onEvent ?? (() => {}),
    };
  }

  /**
   * Journals an intent, simulates the action, prices it (gas limit x1.2, EIP-1559 fees under the cap, worst-case gas
   * within the expected profit), reserves a nonce, signs, journals the signed bytes and broadcasts them.
   */
  async submit(p: SubmitParams): Promise<SubmitResult> {
    const { journal, client, account, policy } = this.ctx;
    const active = journal.activeIntentFor(p.opportunityId);
    if (active) return { status: "already-active", intent: active };
    if (p.blockSeen > this.ctx.lastHead) this.ctx.lastHead = p.blockSeen;
    const action = p.minProfit === undefined ? p.action : withMinProfit(p.action, p.minProfit);
    const calldata = encodeAction(action);
    const fixedProfit = typeof p.expectedProfitWei === "bigint" ? p.expectedProfitWei : 0n;
    // Synchronous right after the check above: a second submit for the same opportunity now sees this intent.
    const intent = journal.recordIntent({ opportunityId: p.opportunityId, actionKind: action.kind, from: account.address, to: this.executor, calldata, blockSeen: p.blockSeen, expectedProfitWei: fixedProfit });
    this.submitting.add(intent.id);
    try {
      const skip = (reason: string, classification: ErrorClassification, errorName?: string): SubmitResult => {
        journal.finalize(intent.id, "abandoned", reason);
        return { status: "skipped", intent: journal.intent(intent.id)!, reason, classification, ...(errorName ? { errorName } : {}) };
      };
      const sim = await simulateAction(client, { executor: this.executor, account, action });
      if (!sim.ok) {
        const errorName = sim.error instanceof ExecutorRevertError ? sim.error.errorName : undefined;
        return skip(`simulation failed: ${sim.error.shortMessage}`, sim.error.classification, errorName);
      }
      const gasLimit = (sim.gas * policy.gasLimitMultiplierBps + 9_999n) / 10_000n;
      const expectedProfitWei = typeof p.expectedProfitWei === "bigint" ? p.expectedProfitWei : p.expectedProfitWei(sim.profit, sim.profitToken);
      journal.recordSimulation(intent.id, { profit: sim.profit, profitToken: sim.profitToken, gas: sim.gas, gasLimit }, expectedProfitWei);

      let fees;
      try {
        fees = await getExecutorFees(client, { priorityFeePerGas: policy.priorityFeePerGas, maxFeePerGasCap: policy.maxFeeCapWei });
      } catch (err) {
        const e = decodeExecutorError(err, "Fee read");
        return skip(`fee read failed: ${e.shortMessage}`, e.classification);
      }
      if (fees.maxFeePerGas < fees.baseFeePerGas) return skip(`fee cap ${fees.maxFeePerGas} under the base fee ${fees.baseFeePerGas}`, "transient");
      if (gasLimit * fees.maxFeePerGas > expectedProfitWei) {
        return skip(`worst-case gas ${gasLimit * fees.maxFeePerGas} wei exceeds the expected profit ${expectedProfitWei} wei`, "deterministic");
      }

      // Two tries: a "nonce too low" means the chain moved past our stream (another sender): resync and sign again.
      for (let tries = 0; ; tries++) {
        const nonce = await this.ctx.nonces.reserve();
        let result;
        try {
          result = await signJournalBroadcast(this.ctx, intent.id, {
            kind: "original",
            nonce,
            to: this.executor,
            data: calldata,
            value: 0n,
            gasLimit,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          });
        } catch (err) {
          // Journaled already: the bytes may be in a mempool, so the nonce stays spoken for and the tracker takes
          // over (rebroadcast, receipts). Not journaled: nothing holds the nonce or the opportunity any more.
          if (journal.attempts(intent.id).some((a) => a.nonce === nonce && a.state !== "failed")) {
            this.ctx.nonces.confirm(nonce);
          } else {
            this.ctx.nonces.release(nonce);
            journal.finalize(intent.id, "abandoned", `send failed before journaling: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
          }
          throw err;
        }
        if (result.status === "accepted" || result.status === "unknown") {
          this.ctx.nonces.confirm(nonce); // spoken for by the journal from now on
          this.ctx.emit({ type: "sent", intentId: intent.id, opportunityId: p.opportunityId, hash: result.attempt.hash, nonce });
          const now = journal.intent(intent.id)!;
          return result.status === "accepted"
            ? { status: "sent", intent: now, attempt: result.attempt }
            : { status: "broadcast-pending", intent: now, attempt: result.attempt, error: result.message };
        }
        const taken = result.kind === "nonce-too-low" || result.kind === "underpriced";
        if (taken && tries === 0) {
          this.ctx.nonces.confirm(nonce); // used by a transaction we do not know: never hand it out again
          await this.ctx.nonces.resync();
          continue;
        }
        // Refused outright: this nonce reached no mempool, so the next send takes it (no gap).
        this.ctx.nonces.release(nonce);
        const reason = `broadcast refused (${result.kind}): ${result.message}`;
        journal.finalize(intent.id, "abandoned", reason);
        const classification: ErrorClassification = result.kind === "fee-too-low" || taken ? "transient" : "deterministic";
        return { status: "send-failed", intent: journal.intent(intent.id)!, reason, classification };
      }
    } finally {
      this.submitting.delete(intent.id);
    }
  }

  /**
   * Tracks every unresolved intent at a new head: records whichever of its transactions was mined, marks it dropped
   * when the account's nonce moved past it without any of them, rebroadcasts journaled bytes no node acknowledged,
   * and replaces or cancels transactions stuck for `stuckBlocks`. Returns the intents resolved at this block.
   */
  async onBlock(head: bigint): Promise<Resolution[]> {
    const { journal, client, account, policy } = this.ctx;
    if (head > this.ctx.lastHead) this.ctx.lastHead = head;
    const pending = journal.pendingIntents();
    const resolved: Resolution[] = [];
    if (pending.length === 0) return resolved;
    // Read the nonce BEFORE the receipts: a nonce past ours then means our receipt, if any, is already visible.
    const latestNonce = await client.getTransactionCount({ address: account.address, blockTag: "latest" });
    for (const intent of pending) {
      if (this.submitting.has(intent.id) || intent.nonce === undefined) continue;
      try {
        const mined = await findMined(client, intent.attempts);
        if (mined) {
          resolved.push({ intent: this.resolve(journal.recordReceipt(intent.id, receiptInput(mined.receipt))) });
          continue;
        }
        if (latestNonce > intent.nonce) {
          journal.finalize(intent.id, "dropped", `nonce ${intent.nonce} was used by a transaction the journal does not know`);
          resolved.push({ intent: this.resolve(journal.intent(intent.id)!) });
          continue;
        }
        const unsent = [...intent.attempts].reverse().find((a) => a.state === "signed");
        if (unsent) {
          const r = await broadcastAttempt(this.ctx, unsent, "rebroadcast of journaled bytes");
          if (r.status === "accepted") this.ctx.emit({ type: "rebroadcast", intentId: intent.id, hash: unsent.hash, nonce: unsent.nonce, note: r.note ?? "" });
          continue;
        }
        const lastSent = [...intent.attempts].reverse().find((a) => a.state === "broadcast");
        if (lastSent?.broadcastBlock !== undefined && head - lastSent.broadcastBlock >= BigInt(policy.stuckBlocks)) {
          await handleStuck(this.ctx, intent);
        }
      } catch (err) {
        // One intent's RPC trouble must not stop the others from being tracked; it is retried next block.
        this.ctx.emit({ type: "error", intentId: intent.id, stage: "track", message: err instanceof Error ? err.message.split("\n")[0] : String(err) });
      }
    }
    return resolved;
  }

  private resolve(intent: IntentRecord): IntentRecord {
    this.ctx.emit({ type: "resolved", intentId: intent.id, opportunityId: intent.opportunityId, state: intent.state, reason: intent.reason });
    return intent;
  }
}
