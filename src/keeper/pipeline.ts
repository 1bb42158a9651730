/**
 * The one send pipeline, whoever runs it (the demo, `keeper simulate`, dry-run and live):
 *   simulate -> guard (fee cap, gas within profit, safety gate) -> sign -> journal -> broadcast -> track.
 * In two halves for several transactions per block: `submit` (up to the broadcast, consecutive nonces) for each
 * candidate, then one `settle` that follows all of them; `send` is both for one.
 * Dry-run stops after the guards: nothing is signed, no nonce is used, nothing is journaled. Live sends go through
 * the journaled TxSender; the demo and `keeper simulate` run it on an in-memory journal.
 */
import type { Account, Address, Chain, Hash, LocalAccount, PublicClient, Transport } from "viem";
import { withMinProfit } from "../executor/actions.js";
import type { FeeConfig } from "../executor/fees.js";
import { Journal } from "../journal/journal.js";
import type { SendOutcome } from "../executor/outcome.js";
import type { SafetyGate, SendApproval } from "../safety/index.js";
import type { SkipReason } from "../skip.js";
import { DEFAULT_GAS_LIMIT_MULTIPLIER_BPS, prepareSend, type PreparedSend } from "../txlayer/prepare.js";
import type { ReorgTracker } from "../txlayer/reorg.js";
import { NonceManager } from "../txlayer/nonce.js";
import { TxSender, type SubmitParams, type Submission } from "../txlayer/sender.js";
import { TxLayerError } from "../txlayer/errors.js";
import { opStackL1FeeUpperBound } from "../risk/l1Fee.js";
import { unsignedTxBytes } from "../strategy/txSize.js";
import type { Candidate } from "../strategy/types.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { BlockSender, ExecuteFn } from "./keeper.js";
import { profitInWei } from "./valuation.js";

/** Dry-run: the guards only, simulated as `account` (an address is enough: nothing is signed). */
export interface DryRunMode {
  dryRun: true;
  client: PublicClient<Transport, Chain>;
  executor: Address;
  account: Account | Address;
  fees: FeeConfig;
  gasLimitMultiplierBps?: bigint;
}

/** Live: the journaled sender, and how long to follow each transaction. */
export interface LiveMode {
  dryRun: false;
  sender: TxSender;
  /** Checks mined receipts against reorgs at each new head while a transaction is followed. */
  tracker?: ReorgTracker;
  /** Head poll interval while a transaction is pending. */
  pollIntervalMs: number;
  /** Blocks to follow a pending transaction before handing control back (it stays journaled and tracked). */
  maxWaitBlocks?: number;
  signal?: AbortSignal;
}

/** One send of the pipeline: everything but the approval, which is the pipeline's safety gate. */
export type SendParams = Omit<SubmitParams, "approve">;

/** A live transaction the pipeline journaled and broadcast, not yet resolved: hand it to {@link SendPipeline.settle}. */
export interface Submitted {
  status: "submitted";
  intentId: number;
  hash: Hash;
  nonce: number;
}

/** How long settle follows its transactions; defaults from the live mode. */
export interface SettleOptions {
  /** Blocks to follow them from the head at the call (default: the mode's maxWaitBlocks, else 30). */
  maxWaitBlocks?: number;
  signal?: AbortSignal;
}

/** See the module comment. */
export class SendPipeline {
  /** Approvals of sends submitted and not yet settled, by intent id: each is reported to the gate exactly once. */
  private readonly approvals = new Map<number, SendApproval>();

  /** Highest head the reorg tracker and the gate's clock were run for (each head once, whoever asks first). */
  private checkedHead = -1n;
  private checkTail: Promise<unknown> = Promise.resolve();

  /**
   * A live sender without a kill-switch hook of its own gets the gate's: from then on the kill switch also stops
   * its replacements and rebroadcasts (TxContext.halted).
   */
  constructor(private readonly opts: { mode: DryRunMode | LiveMode; gate?: SafetyGate }) {
    const { mode, gate } = opts;
    if (!mode.dryRun && gate && !mode.sender.ctx.halted) mode.sender.ctx.halted = () => gate.haltReason();
  }

  get dryRun(): boolean {
    return this.opts.mode.dryRun;
  }

  /** Runs one action through the pipeline (submit, then settle). Chain and node conditions come back as outcomes, never thrown. */
  async send(p: SendParams): Promise<SendOutcome> {
    const submitted = await this.submit(p);
    if (submitted.status !== "submitted") return submitted;
    return (await this.settle([submitted])).get(submitted.intentId)!;
  }

  /**
   * The first half: guards, safety gate, sign, journal, broadcast; returns without waiting for a receipt. Several
   * submits in one block take consecutive nonces (see txlayer/nonce.ts for a refused one in the middle), and each
   * is simulated on the node's pending block while earlier ones are in flight. Dry-run returns the dry-run or
   * skipped outcome; a live send the guards, the gate or the node refused returns its outcome too.
   */
  async submit(p: SendParams): Promise<SendOutcome | Submitted> {
    const mode = this.opts.mode;
    if (mode.dryRun) {
      // No plannedGas: a dry run reports the measured estimate, not the bound a live send may run under.
      const prep = await prepareSend(mode.client, {
        executor: mode.executor,
        account: mode.account,
        action: p.minProfit === undefined ? p.action : withMinProfit(p.action, p.minProfit),
        minProfit: p.minProfit ?? 0n,
        expectedProfitWei: p.expectedProfitWei,
        fees: mode.fees,
        gasLimitMultiplierBps: mode.gasLimitMultiplierBps ?? DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
        l1FeeWei: p.l1FeeWei,
      });
      return prep.ok
        ? { status: "dry-run", profit: prep.send.simulation.profit, gas: prep.send.simulation.gas }
        : { status: "skipped", skip: prep.skip };
    }

    const gate = this.opts.gate;
    let approval: SendApproval | undefined;
    const approve = (send: PreparedSend): SkipReason | undefined => {
      if (!gate) return undefined;
      const decision = gate.mayI({ gasWorstCaseWei: send.worstCaseGasCostWei });
      if (!decision.ok) return decision.skip;
      approval = decision.approval;
      return undefined;
    };
    let submission: Submission;
    try {
      submission = await mode.sender.submit({ ...p, approve });
    } catch (err) {
      if (approval) gate?.recordNoSend(approval);
      throw err;
    }
    if (submission.status !== "sent") {
      if (approval) gate?.recordOutcome(submission, { approval });
      return submission;
    }
    if (approval) this.approvals.set(submission.intent.id, approval);
    return {
      status: "submitted",
      intentId: submission.intent.id,
      hash: submission.attempt.hash,
      nonce: submission.attempt.nonce,
    };
  }

  /**
   * The second half: follows all of `submitted` at once, block by block (one TxSender.onBlock per new head:
   * receipts, rebroadcasts, per-nonce replacement, nonce-gap filling; then the reorg tracker and the gate's clock),
   * until each resolves or maxWaitBlocks pass (then `failed` with `pending`: it stays journaled and tracked, and a
   * later settle of it picks it up). Outcomes by intent id. Each approved send is reported to the safety gate once,
   * as soon as it resolves (a later settle of a timed-out one does not report it again).
   */
  async settle(submitted: readonly Submitted[], opts: SettleOptions = {}): Promise<Map<number, SendOutcome>> {
    const mode = this.opts.mode;
    if (mode.dryRun)
      throw new TxLayerError("settle() needs a live pipeline: a dry-run submit never returns a submitted transaction.");
    const gate = this.opts.gate;
    return mode.sender.trackAll(
      submitted.map((s) => s.intentId),
      {
        pollIntervalMs: mode.pollIntervalMs,
        maxWaitBlocks: opts.maxWaitBlocks ?? mode.maxWaitBlocks,
        signal: opts.signal ?? mode.signal,
        onHead: (head) => this.checkHead(head),
        onResolved: (intentId, outcome) => {
          const approval = this.approvals.get(intentId);
          if (!approval) return;
          this.approvals.delete(intentId);
          // Gas paid is the receipt's; an unresolved transaction counts at its approved worst case.
          gate?.recordOutcome(outcome, { approval });
        },
      },
    );
  }

  /**
   * Upkeep at every new head, whether or not anything is being sent or settled (the keeper's loop calls it each
   * block): the sender's onBlock (receipts, rebroadcasts, replacement of stuck transactions, nonce gaps), then the
   * reorg tracker and the gate's clock. The safety gate is not asked: refusing new sends (daily cap, open breaker)
   * must not leave a stuck transaction unreplaced or a reorged receipt unnoticed; only the kill switch stops
   * replacements (TxContext.halted). Dry-run has nothing in flight: only the gate's clock runs.
   */
  async onBlock(head: bigint): Promise<void> {
    const mode = this.opts.mode;
    if (!mode.dryRun) await mode.sender.onBlock(head);
    await this.checkHead(head);
  }

  /** The reorg tracker and the gate's clock, once per head (settle's loop and onBlock may both see it). */
  private checkHead(head: bigint): Promise<void> {
    const run = this.checkTail.then(async () => {
      if (head <= this.checkedHead) return;
      const mode = this.opts.mode;
      if (!mode.dryRun) await mode.tracker?.check(head);
      this.opts.gate?.onBlock(head);
      this.checkedHead = head;
    });
    this.checkTail = run.catch(() => undefined);
    return run;
  }

  /**
   * Every transaction the journal holds unresolved (this run's, and what a previous run left and reconcile kept
   * pending), as Submitted, oldest first: what a keeper settles after a restart, or after a settle timed out.
   */
  inFlight(): Submitted[] {
    const mode = this.opts.mode;
    if (mode.dryRun) return [];
    const out: Submitted[] = [];
    for (const intent of mode.sender.ctx.journal.pendingIntents()) {
      const last = intent.attempts.filter((a) => a.state === "signed" || a.state === "broadcast").at(-1);
      if (intent.nonce !== undefined && last)
        out.push({ status: "submitted", intentId: intent.id, hash: last.hash, nonce: intent.nonce });
    }
    return out;
  }
}

/**
 * The keeper's ExecuteFn over the pipeline. The expected profit is priced in wei at the snapshot's feeds, so the
 * gas guard compares like with like; the on-chain floor is the candidate's own minProfit.
 */
export function createExecuteFn(pipeline: SendPipeline, params: { wethToken: Address }): ExecuteFn & BlockSender {
  const paramsOf = (candidate: Candidate, snapshot: Snapshot): SendParams => ({
    opportunityId: candidate.opportunity.id,
    action: candidate.action,
    blockSeen: snapshot.blockNumber,
    expectedProfitWei: profitInWei(snapshot, params.wethToken),
    minProfit: candidate.action.params.minProfit,
    plannedGas: candidate.opportunity.gasEstimate,
    ...(snapshot.l1Fee ? { l1FeeWei: opStackL1FeeUpperBound(unsignedTxBytes(candidate), snapshot.l1Fee) } : {}),
  });
  const execute = (candidate: Candidate, snapshot: Snapshot) => pipeline.send(paramsOf(candidate, snapshot));
  return Object.assign(execute, {
    submit: (candidate: Candidate, snapshot: Snapshot) => pipeline.submit(paramsOf(candidate, snapshot)),
    settle: (submitted: readonly Submitted[]) => pipeline.settle(submitted),
    onBlock: (head: bigint) => pipeline.onBlock(head),
  });
}

/**
 * A live pipeline on a throwaway chain (the demo, `keeper simulate` on a local fork): the production TxSender on an
 * in-memory journal, signing locally as `account`, without a safety gate. Close the journal when done.
 */
export function createLocalPipeline(params: {
  client: PublicClient<Transport, Chain>;
  executor: Address;
  account: LocalAccount;
  fees: FeeConfig;
  pollIntervalMs?: number;
}): { pipeline: SendPipeline; journal: Journal } {
  const journal = Journal.inMemory();
  const { client, account } = params;
  const nonces = new NonceManager({
    address: account.address,
    client,
    inFlight: () => journal.inFlightNonces(account.address),
  });
  const sender = new TxSender({
    client,
    account,
    journal,
    nonces,
    executor: params.executor,
    policy: { priorityFeePerGas: params.fees.priorityFeePerGas, maxFeeCapWei: params.fees.maxFeePerGasCap },
  });
  return {
    pipeline: new SendPipeline({ mode: { dryRun: false, sender, pollIntervalMs: params.pollIntervalMs ?? 20 } }),
    journal,
  };
}
