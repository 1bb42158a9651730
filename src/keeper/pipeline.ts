/**
 * The one send pipeline, whoever runs it (the demo, `keeper simulate`, dry-run and live):
 *   simulate -> guard (fee cap, gas within profit, safety gate) -> sign -> journal -> broadcast -> track.
 * Dry-run stops after the guards: nothing is signed, no nonce is used, nothing is journaled. Live sends go through
 * the journaled TxSender; the demo and `keeper simulate` run it on an in-memory journal.
 */
import type { Account, Address, Chain, LocalAccount, PublicClient, Transport } from "viem";
import { withMinProfit } from "../executor/actions.js";
import type { FeeConfig } from "../executor/fees.js";
import { Journal } from "../journal/journal.js";
import type { SendOutcome } from "../executor/outcome.js";
import type { SafetyGate } from "../safety/index.js";
import type { SkipReason } from "../skip.js";
import { DEFAULT_GAS_LIMIT_MULTIPLIER_BPS, prepareSend, type PreparedSend } from "../txlayer/prepare.js";
import type { ReorgTracker } from "../txlayer/reorg.js";
import { NonceManager } from "../txlayer/nonce.js";
import { TxSender, type SubmitParams } from "../txlayer/sender.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { ExecuteFn } from "./keeper.js";
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

/** See the module comment. */
export class SendPipeline {
  constructor(private readonly opts: { mode: DryRunMode | LiveMode; gate?: SafetyGate }) {}

  get dryRun(): boolean {
    return this.opts.mode.dryRun;
  }

  /** Runs one action through the pipeline. Chain and node conditions come back as outcomes, never thrown. */
  async send(p: SendParams): Promise<SendOutcome> {
    const mode = this.opts.mode;
    if (mode.dryRun) {
      const prep = await prepareSend(mode.client, {
        executor: mode.executor,
        account: mode.account,
        action: p.minProfit === undefined ? p.action : withMinProfit(p.action, p.minProfit),
        minProfit: p.minProfit ?? 0n,
        expectedProfitWei: p.expectedProfitWei,
        fees: mode.fees,
        gasLimitMultiplierBps: mode.gasLimitMultiplierBps ?? DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
      });
      return prep.ok ? { status: "dry-run", profit: prep.send.simulation.profit, gas: prep.send.simulation.gas } : { status: "skipped", skip: prep.skip };
    }

    const gate = this.opts.gate;
    let approved: PreparedSend | undefined;
    const approve = (send: PreparedSend): SkipReason | undefined => {
      if (!gate) return undefined;
      const decision = gate.mayI({ gasWorstCaseWei: send.worstCaseGasCostWei });
      if (!decision.ok) return decision.skip;
      approved = send;
      return undefined;
    };
    let outcome: SendOutcome;
    try {
      const submission = await mode.sender.submit({ ...p, approve });
      outcome =
        submission.status === "sent"
          ? await mode.sender.track(submission.intent.id, {
              pollIntervalMs: mode.pollIntervalMs,
              maxWaitBlocks: mode.maxWaitBlocks,
              signal: mode.signal,
              onHead: async (head) => {
                await mode.tracker?.check(head);
                gate?.onBlock(head);
              },
            })
          : submission;
    } catch (err) {
      if (approved) gate?.recordNoSend();
      throw err;
    }
    // Gas paid is the receipt's; an unresolved transaction counts at its approved worst case.
    if (approved) gate?.recordOutcome(outcome);
    return outcome;
  }
}

/**
 * The keeper's ExecuteFn over the pipeline. The expected profit is priced in wei at the snapshot's feeds, so the
 * gas guard compares like with like; the on-chain floor is the candidate's own minProfit.
 */
export function createExecuteFn(pipeline: SendPipeline, params: { wethToken: Address }): ExecuteFn {
  return (candidate, snapshot: Snapshot) =>
    pipeline.send({
      opportunityId: candidate.opportunity.id,
      action: candidate.action,
      blockSeen: snapshot.blockNumber,
      expectedProfitWei: profitInWei(snapshot, params.wethToken),
      minProfit: candidate.action.params.minProfit,
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
  const nonces = new NonceManager({ address: account.address, client, inFlight: () => journal.inFlightNonces(account.address) });
  const sender = new TxSender({
    client,
    account,
    journal,
    nonces,
    executor: params.executor,
    policy: { priorityFeePerGas: params.fees.priorityFeePerGas, maxFeeCapWei: params.fees.maxFeePerGasCap },
  });
  return { pipeline: new SendPipeline({ mode: { dryRun: false, sender, pollIntervalMs: params.pollIntervalMs ?? 20 } }), journal };
}
