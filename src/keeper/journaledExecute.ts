import type { Address, Chain, PublicClient, Transport } from "viem";
import { parseExecutorEvents, totalExecutorProfit } from "../executor/events.js";
import type { Journal } from "../journal/index.js";
import type { SafetyGate } from "../safety/index.js";
import type { ReorgTracker, TxSender } from "../txlayer/index.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { ExecOutcome, ExecuteFn } from "./keeper.js";
import { profitInWei } from "./valuation.js";

const FINAL = new Set(["mined", "reverted", "dropped", "abandoned", "reorged"]);

/**
 * The production ExecuteFn: every send goes through the safety gate (dry-run, kill switch, breaker, daily caps),
 * then the journaled TxSender (simulate, one nonce stream, journal before broadcast), and is tracked block by
 * block (replacement when stuck, reorg watch) until it resolves. One transaction is in flight at a time: the
 * next candidate waits, which keeps the nonce stream gap-free and the journal simple to reconcile.
 */
export function createJournaledExecuteFn(params: {
  client: PublicClient<Transport, Chain>;
  sender: TxSender;
  tracker: ReorgTracker;
  journal: Journal;
  gate: SafetyGate;
  executor: Address;
  wethToken: Address;
  priorityFeePerGas: bigint;
  /** Poll interval while a transaction is pending. */
  pollIntervalMs: number;
  /** Blocks to follow a pending transaction before handing control back (it stays journaled and tracked). */
  maxWaitBlocks?: number;
  signal?: AbortSignal;
}): ExecuteFn {
  const maxWait = BigInt(params.maxWaitBlocks ?? 30);
  return async (candidate, snapshot: Snapshot): Promise<ExecOutcome> => {
    const o = candidate.opportunity;
    const worst = ((o.gasEstimate * 12n) / 10n) * (2n * snapshot.baseFeePerGas + params.priorityFeePerGas);
    const decision = params.gate.mayI({ gasWorstCaseWei: worst });
    if (!decision.ok) return { status: "skipped", reason: `safety gate (${decision.gate}): ${decision.reason}`, deterministic: false };

    const expectedProfitWei = profitInWei(snapshot, params.wethToken);
    const r = await params.sender.submit({
      opportunityId: o.id,
      action: candidate.action,
      blockSeen: snapshot.blockNumber,
      expectedProfitWei,
      minProfit: candidate.action.params.minProfit,
    });
    switch (r.status) {
      case "skipped":
        params.gate.recordNoSend();
        return { status: "skipped", reason: r.reason, deterministic: r.classification === "deterministic" };
      case "already-active":
        params.gate.recordNoSend();
        return { status: "skipped", reason: `an earlier transaction for it (intent ${r.intent.id}) is still unresolved`, deterministic: false };
      case "send-failed":
        params.gate.recordSend({ outcome: "failed", error: r.reason });
        return { status: "reverted", error: `node refused the transaction: ${r.reason}` };
    }

    // Sent (or journaled and awaiting rebroadcast): follow it block by block until it resolves.
    const id = r.intent.id;
    let last = snapshot.blockNumber;
    const deadline = snapshot.blockNumber + maxWait;
    for (;;) {
      const intent = params.journal.intent(id)!;
      if (FINAL.has(intent.state)) return resolve(intent.state, intent, worst);
      if (params.signal?.aborted) break;
      const head = await params.client.getBlockNumber({ cacheTime: 0 }).catch(() => last);
      if (head > last) {
        last = head;
        await params.sender.onBlock(head);
        await params.tracker.check(head);
        params.gate.onBlock(head);
        if (head > deadline) break;
        continue;
      }
      await new Promise((res) => setTimeout(res, params.pollIntervalMs));
    }
    params.gate.recordSend({ outcome: "reverted", error: "still pending when the keeper moved on" });
    return { status: "reverted", error: `transaction still pending after ${maxWait} blocks; it stays journaled and tracked` };
  };

  async function resolve(state: string, intent: NonNullable<ReturnType<Journal["intent"]>>, worst: bigint): Promise<ExecOutcome> {
    const rc = intent.receipt;
    if (state === "mined" && rc) {
      const receipt = await params.client.getTransactionReceipt({ hash: rc.hash });
      const events = parseExecutorEvents(receipt.logs, params.executor);
      const event = events[0];
      params.gate.recordSend({ outcome: "mined", gasSpentWei: rc.gasUsed * rc.effectiveGasPrice });
      return {
        status: "mined",
        hash: rc.hash,
        blockNumber: rc.blockNumber,
        gasUsed: rc.gasUsed,
        profit: totalExecutorProfit(events) ?? 0n,
        eventArgs: (event?.args ?? {}) as Record<string, unknown>,
        events: events.map((e) => e.args as Record<string, unknown>),
      };
    }
    params.gate.recordSend({ outcome: state === "abandoned" ? "failed" : "reverted", gasSpentWei: rc ? rc.gasUsed * rc.effectiveGasPrice : worst, error: intent.reason });
    return { status: "reverted", hash: rc?.hash, error: `${state}: ${intent.reason ?? "no reason recorded"}` };
  }
}
