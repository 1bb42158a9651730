/**
 * TxSender: sends executor actions through the journal and tracks them until they resolve. One intent per
 * opportunity at a time; every transaction journaled before it is broadcast; stuck ones replaced or cancelled
 * (replace.ts); whichever transaction of a nonce is mined resolves the intent.
 */
import type { Address, Chain, LocalAccount, PublicClient, Transport } from "viem";
import { encodeAction, withMinProfit, type ExecutorAction } from "../executor/actions.js";
import { decodeExecutorError } from "../executor/errors.js";
import type { SendOutcome } from "../executor/outcome.js";
import type { Journal } from "../journal/journal.js";
import { skip, type SkipReason } from "../skip.js";
import type { AttemptRecord, IntentRecord } from "../journal/types.js";
import { broadcastAttempt, signJournalBroadcast } from "./broadcast.js";
import { DEFAULT_BUMP_BPS, DEFAULT_STUCK_BLOCKS, type TxContext, type TxEvent, type TxPolicy } from "./context.js";
import type { NonceManager } from "./nonce.js";
import { findMined, receiptInput } from "./receipts.js";
import { BroadcastRefusedError } from "./errors.js";
import { fillNonceGap, isOrphan, refillOrphan } from "./gaps.js";
import {
  DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
  gasLimitFor,
  prepareSend,
  type ExpectedProfitWei,
  type PreparedSend,
} from "./prepare.js";
import { handleStuck } from "./replace.js";
import { trackIntents, type TrackAllOptions, type TrackOptions } from "./track.js";

export type { TrackAllOptions, TrackOptions } from "./track.js";

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
  /** The kill switch's word: see TxContext.halted (SendPipeline wires it from its safety gate when unset). */
  halted?: TxContext["halted"];
  onEvent?: (e: TxEvent) => void;
}

/** One action to send for one opportunity. */
export interface SubmitParams {
  opportunityId: string;
  action: ExecutorAction;
  /** Block the opportunity was seen at. */
  blockSeen: bigint;
  /** Expected profit in wei (the gas budget), or a pricing of the simulated profit (raw `token` units) in wei. */
  expectedProfitWei: ExpectedProfitWei;
  /** On-chain profit floor; the action's minProfit is raised to it, never lowered. */
  minProfit?: bigint;
  /**
   * The last guard before a nonce is taken (the safety gate): given the transaction every other guard passed,
   * returns a SkipReason to refuse it, or undefined to let it go.
   */
  approve?: (send: PreparedSend) => SkipReason | undefined;
  /** The planner's gas figure for the action: see PrepareParams.plannedGas. */
  plannedGas?: bigint;
  /** The L1 data fee bound on an OP-stack chain: see PrepareParams.l1FeeWei. */
  l1FeeWei?: bigint;
}

/**
 * What submit did: an outcome already (not sent, or refused by the node), or a transaction journaled and in flight,
 * for `track`. `acknowledged` is false when the node could not be reached: the same bytes are rebroadcast each block.
 */
export type Submission =
  | Extract<SendOutcome, { status: "skipped" | "failed" }>
  | { status: "sent"; intent: IntentRecord; attempt: AttemptRecord; prepared: PreparedSend; acknowledged: boolean };

/** An intent resolved during onBlock. */
export interface Resolution {
  intent: IntentRecord;
}

/** See the module comment. Stateless beyond the journal: a restarted keeper builds a new one and carries on. */
export class TxSender {
  readonly ctx: TxContext;
  readonly executor: Address;
  /** Intents a submit() of this process is still working on: onBlock leaves them alone. */
  private readonly submitting = new Set<number>();
  private blockTail: Promise<unknown> = Promise.resolve();
  /** Head at which each intent with no live transaction was last re-signed or cancelled (gaps.ts refillOrphan). */
  private readonly orphanTriedAt = new Map<number, bigint>();

  constructor(options: TxSenderOptions) {
    this.executor = options.executor;
    const policy: TxPolicy = {
      stuckBlocks: DEFAULT_STUCK_BLOCKS,
      bumpBps: DEFAULT_BUMP_BPS,
      cancelWhenCapped: false,
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      minProfitFloorWei: 0n,
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
      halted: options.halted,
      lastHead: 0n,
      emit: options.onEvent ?? (() => {}),
    };
  }

  /**
   * Journals an intent, runs the guards (prepareSend: simulation, fee cap, gas within the expected profit, then
   * `approve`), reserves a nonce, signs, journals the signed bytes and broadcasts them. A skip is journaled as the
   * intent's reason; no nonce is used unless a transaction is signed.
   */
  async submit(p: SubmitParams): Promise<Submission> {
    const { journal, client, account, policy } = this.ctx;
    const active = journal.activeIntentFor(p.opportunityId);
    if (active)
      return {
        status: "skipped",
        skip: skip("duplicate", `an earlier transaction for it (intent ${active.id}) is still unresolved`),
      };
    if (p.blockSeen > this.ctx.lastHead) this.ctx.lastHead = p.blockSeen;
    const action = p.minProfit === undefined ? p.action : withMinProfit(p.action, p.minProfit);
    const calldata = encodeAction(action);
    const fixedProfit = typeof p.expectedProfitWei === "bigint" ? p.expectedProfitWei : 0n;
    // Synchronous right after the check above: a second submit for the same opportunity now sees this intent.
    const intent = journal.recordIntent({
      opportunityId: p.opportunityId,
      actionKind: action.kind,
      from: account.address,
      to: this.executor,
      calldata,
      blockSeen: p.blockSeen,
      expectedProfitWei: fixedProfit,
    });
    this.submitting.add(intent.id);
    try {
      const skipped = (reason: SkipReason): Submission => {
        journal.finalize(intent.id, "abandoned", reason.message);
        return { status: "skipped", skip: reason };
      };
      // Earlier transactions of this keeper still in flight: simulate on the node's pending block (its mempool
      // applied), or a second liquidation of the same block would count on state the first one already changes.
      const blockTag = journal.inFlightNonces(account.address).length > 0 ? ("pending" as const) : ("latest" as const);
      const prep = await prepareSend(client, {
        blockTag,
        executor: this.executor,
        account,
        action,
        minProfit: p.minProfit ?? 0n,
        expectedProfitWei: p.expectedProfitWei,
        fees: { priorityFeePerGas: policy.priorityFeePerGas, maxFeePerGasCap: policy.maxFeeCapWei },
        gasLimitMultiplierBps: policy.gasLimitMultiplierBps,
        plannedGas: p.plannedGas,
        l1FeeWei: p.l1FeeWei,
      });
      const sim = prep.ok ? prep.send.simulation : prep.simulation;
      if (sim) {
        const gasLimit = prep.ok ? prep.send.gasLimit : gasLimitFor(sim.gas, policy.gasLimitMultiplierBps);
        journal.recordSimulation(intent.id, { ...sim, gasLimit }, prep.ok ? prep.send.expectedProfitWei : undefined);
      }
      if (!prep.ok) return skipped(prep.skip);
      const prepared = prep.send;
      const refusal = p.approve?.(prepared);
      if (refusal) return skipped(refusal);

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
            gasLimit: prepared.gasLimit,
            maxFeePerGas: prepared.fees.maxFeePerGas,
            maxPriorityFeePerGas: prepared.fees.maxPriorityFeePerGas,
          });
        } catch (err) {
          // Journaled already: the bytes may be in a mempool, so the nonce stays spoken for and the tracker takes
          // over (rebroadcast, receipts). Not journaled: nothing holds the nonce or the opportunity any more.
          if (journal.attempts(intent.id).some((a) => a.nonce === nonce && a.state !== "failed")) {
            this.ctx.nonces.confirm(nonce);
          } else {
            this.ctx.nonces.release(nonce);
            journal.finalize(
              intent.id,
              "abandoned",
              `send failed before journaling: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
            );
          }
          throw err;
        }
        if (result.status === "accepted" || result.status === "unknown") {
          this.ctx.nonces.confirm(nonce); // spoken for by the journal from now on
          this.ctx.emit({
            type: "sent",
            intentId: intent.id,
            opportunityId: p.opportunityId,
            hash: result.attempt.hash,
            nonce,
          });
          return {
            status: "sent",
            intent: journal.intent(intent.id)!,
            attempt: result.attempt,
            prepared,
            acknowledged: result.status === "accepted",
          };
        }
        const taken = result.kind === "nonce-too-low" || result.kind === "underpriced";
        if (taken && tries === 0) {
          this.ctx.nonces.confirm(nonce); // used by a transaction we do not know: never hand it out again
          await this.ctx.nonces.resync();
          continue;
        }
        // Refused outright: this nonce reached no mempool, so the next send takes it (no gap).
        this.ctx.nonces.release(nonce);
        const error = new BroadcastRefusedError(
          result.kind,
          result.kind === "fee-too-low" || taken ? "transient" : "deterministic",
          result.message,
          decodeExecutorError(result.error, `Sending ${action.kind}`),
        );
        journal.finalize(intent.id, "abandoned", error.shortMessage);
        return { status: "failed", hash: result.attempt.hash, pending: false, error };
      }
    } finally {
      this.submitting.delete(intent.id);
    }
  }

  /**
   * Follows a submitted intent block by block (onBlock: receipts, rebroadcasts, replacements; then `onHead`) until
   * it resolves, and returns its outcome; `failed` with `pending` when it is still unresolved after maxWaitBlocks
   * or on abort (it stays journaled, and onBlock keeps tracking it).
   */
  async track(intentId: number, options: TrackOptions): Promise<SendOutcome> {
    return (await this.trackAll([intentId], options)).get(intentId)!;
  }

  /**
   * Follows several intents at once: one onBlock (and one `onHead`) per new head for all of them, until each
   * resolves or `maxWaitBlocks` pass (track.ts).
   */
  trackAll(intentIds: readonly number[], options: TrackAllOptions): Promise<Map<number, SendOutcome>> {
    return trackIntents(this.ctx, (head) => this.onBlock(head), intentIds, options);
  }

  /**
   * Tracks every unresolved intent at a new head: records whichever of its transactions was mined, marks it dropped
   * when the account's nonce moved past it without any of them, rebroadcasts journaled bytes no node acknowledged,
   * takes back the nonce of an intent whose every transaction was refused (gaps.ts: re-simulated and re-signed, or
   * cancelled), and replaces or cancels transactions stuck for `stuckBlocks`. While TxContext.halted says the kill
   * switch is engaged, only cancels go out. Returns the intents resolved at this block.
   */
  onBlock(head: bigint): Promise<Resolution[]> {
    // Serialised: two settle loops (or a settle and the keeper) at the same head must not record a receipt twice
    // or replace a transaction twice; the second call then reads the journal the first one wrote.
    const run = this.blockTail.then(() => this.onBlockNow(head));
    this.blockTail = run.catch(() => undefined);
    return run;
  }

  private async onBlockNow(head: bigint): Promise<Resolution[]> {
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
          journal.finalize(
            intent.id,
            "dropped",
            `nonce ${intent.nonce} was used by a transaction the journal does not know`,
          );
          resolved.push({ intent: this.resolve(journal.intent(intent.id)!) });
          continue;
        }
        if (isOrphan(intent)) {
          // Every transaction of it refused: no node holds one at its nonce, and later nonces queue behind it.
          // Retried every stuckBlocks, not every block: a node refusing each time must not grow the journal per block.
          const tried = this.orphanTriedAt.get(intent.id);
          if (tried === undefined || head - tried >= BigInt(policy.stuckBlocks)) {
            this.orphanTriedAt.set(intent.id, head);
            await refillOrphan(this.ctx, intent);
          }
          continue;
        }
        this.orphanTriedAt.delete(intent.id);
        const unsent = [...intent.attempts].reverse().find((a) => a.state === "signed");
        // The kill switch stops rebroadcasts of action bytes no node acknowledged (a cancel still goes out).
        if (unsent && unsent.kind !== "cancel" && this.ctx.halted?.()) continue;
        if (unsent) {
          const r = await broadcastAttempt(this.ctx, unsent, "rebroadcast of journaled bytes");
          if (r.status === "accepted")
            this.ctx.emit({
              type: "rebroadcast",
              intentId: intent.id,
              hash: unsent.hash,
              nonce: unsent.nonce,
              note: r.note ?? "",
            });
          continue;
        }
        const lastSent = [...intent.attempts].reverse().find((a) => a.state === "broadcast");
        if (lastSent?.broadcastBlock !== undefined && head - lastSent.broadcastBlock >= BigInt(policy.stuckBlocks)) {
          await handleStuck(this.ctx, intent);
        }
      } catch (err) {
        // One intent's RPC trouble must not stop the others from being tracked; it is retried next block.
        this.ctx.emit({
          type: "error",
          intentId: intent.id,
          stage: "track",
          message: err instanceof Error ? err.message.split("\n")[0] : String(err),
        });
      }
    }
    // A nonce a refused broadcast left free under later in-flight ones, and no send took it since: fill it.
    try {
      await fillNonceGap(this.ctx, head);
    } catch (err) {
      this.ctx.emit({
        type: "error",
        intentId: 0,
        stage: "gap-fill",
        message: err instanceof Error ? err.message.split("\n")[0] : String(err),
      });
    }
    return resolved;
  }

  private resolve(intent: IntentRecord): IntentRecord {
    this.ctx.emit({
      type: "resolved",
      intentId: intent.id,
      opportunityId: intent.opportunityId,
      state: intent.state,
      reason: intent.reason,
    });
    return intent;
  }
}
