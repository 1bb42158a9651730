import type { Address } from "viem";
import type { ExecutorClients } from "../executor/deploy.js";
import { ExecutorRevertError } from "../executor/errors.js";
import type { FeeConfig } from "../executor/fees.js";
import { parseExecutorEvents, totalExecutorProfit } from "../executor/events.js";
import { executeAction, type ExecuteOutcome, type SkipReason } from "../executor/send.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { SendOutcome } from "../executor/outcome.js";
import { skip } from "../skip.js";
import type { ExecuteFn } from "./keeper.js";
import { profitInWei } from "./valuation.js";

/** Why the executor held back, in one line. */
export function describeSkip(skip: SkipReason): string {
  switch (skip.reason) {
    case "simulation-reverted":
      return `simulation reverted: ${skip.error.shortMessage}`;
    case "rpc-error":
      return `RPC error during ${skip.stage}: ${skip.error.shortMessage}`;
    case "below-min-profit":
      return `simulated profit ${skip.profit} below the floor ${skip.minProfit}`;
    case "fee-cap-below-base-fee":
      return `fee cap ${skip.maxFeePerGas} wei under the base fee ${skip.baseFeePerGas} wei`;
    case "gas-exceeds-profit":
      return `worst-case gas ${skip.worstCaseGasCostWei} wei exceeds expected profit ${skip.expectedProfitWei} wei`;
  }
}

/** Maps the executor's detailed outcome onto what the keeper loop acts on. */
export function toExecOutcome(o: ExecuteOutcome): SendOutcome {
  switch (o.status) {
    case "skipped": {
      const s = o.skip;
      const code = s.reason === "simulation-reverted" ? "simulation-reverted" : s.reason === "rpc-error" ? "rpc-error" : s.reason === "fee-cap-below-base-fee" ? "fee-cap" : "not-profitable";
      // Reverts and unprofitable simulations depend on state: wait for it to change. RPC trouble is transient.
      const deterministic = s.reason !== "rpc-error" && !(s.reason === "simulation-reverted" && !(s.error instanceof ExecutorRevertError));
      return { status: "skipped", skip: skip(code, describeSkip(s), { deterministic, ...("error" in s ? { error: s.error } : {}) }) };
    }
    case "dry-run":
      return { status: "dry-run", profit: o.simulation.profit, gas: o.simulation.gas };
    case "mined":
      return { status: "mined", hash: o.hash, blockNumber: o.receipt.blockNumber, gasUsed: o.receipt.gasUsed, effectiveGasPrice: o.receipt.effectiveGasPrice, profit: o.profit ?? 0n, events: o.event ? [o.event] : [] };
    case "reverted":
      return { status: "reverted", hash: o.hash, blockNumber: o.receipt.blockNumber, gasUsed: o.receipt.gasUsed, error: o.error };
    case "send-failed":
      return { status: "failed", pending: false, error: o.error };
    case "unconfirmed":
      return { status: "failed", hash: o.hash, pending: true, error: o.error };
  }
}

/**
 * The keeper's ExecuteFn over the real executor: simulate, price, send (or not, in dry-run). The expected
 * profit is converted to wei at the snapshot's feed prices so the gas guard compares like with like.
 */
export function createExecuteFn(params: {
  clients: ExecutorClients;
  executor: Address;
  dryRun: boolean;
  fees: FeeConfig;
  wethToken: Address;
  receiptTimeoutMs?: number;
}): ExecuteFn {
  return async (candidate, snapshot: Snapshot) => {
    const expectedProfitWei = profitInWei(snapshot, params.wethToken);
    const outcome = await executeAction(params.clients, {
      executor: params.executor,
      action: candidate.action,
      minProfit: candidate.action.params.minProfit,
      dryRun: params.dryRun,
      fees: params.fees,
      expectedProfitWei,
      receiptTimeoutMs: params.receiptTimeoutMs ?? 120_000,
    });
    const result = toExecOutcome(outcome);
    if (result.status === "mined" && candidate.action.kind === "liquidateAaveV2FlashBatch") {
      // executeAction reports the first event; a batch has one per item.
      const receipt = await params.clients.public.getTransactionReceipt({ hash: result.hash });
      const events = parseExecutorEvents(receipt.logs, params.executor);
      return { ...result, events, profit: totalExecutorProfit(events) ?? result.profit };
    }
    return result;
  };
}
