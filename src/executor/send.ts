import { isHex, type Address, type Hex, type TransactionReceipt } from "viem";
import { KeeperError } from "../errors.js";
import { encodeAction, withMinProfit, type ExecutorAction } from "./actions.js";
import type { ExecutorClients } from "./deploy.js";
import { decodeExecutorError, ExecutorRevertError, ExecutorRpcError } from "./errors.js";
import { parseExecutorEvents, type ExecutorEvent } from "./events.js";
import { FeeConfigError, gasCostWei, gasWithinProfit, getExecutorFees, type Eip1559Fees, type FeeConfig } from "./fees.js";
import { simulateAction, type SimulationResult } from "./simulate.js";

/** Gas limit = estimate * 12_000 / 10_000: eth_estimateGas is exact for the simulated state, and a few storage
 *  slots turning from zero to non-zero (or a longer path in a pool) by the time the transaction lands cost more. */
export const DEFAULT_GAS_LIMIT_MULTIPLIER_BPS = 12_000n;

/** Parameters of executeAction. */
export interface ExecuteActionParams {
  /** The KeeperExecutor; the wallet's account must be its owner or keeper. */
  executor: Address;
  action: ExecutorAction;
  /**
   * Least profit worth sending for, in the action's profit-token units. The action's on-chain `minProfit` is
   * raised to it (never lowered), so the contract itself reverts if the profit has shrunk by inclusion time.
   */
  minProfit: bigint;
  /** Simulate and price, but never send. */
  dryRun: boolean;
  /** Tip and fee ceiling (wei per gas). */
  fees: FeeConfig;
  /**
   * Expected profit in wei, for the gas guard: a number the caller priced, or a function pricing the simulated
   * profit (raw units of `token`) in wei. When omitted the gas guard cannot run and is skipped.
   */
  expectedProfitWei?: bigint | ((profit: bigint, token: Address) => bigint);
  /** How long to wait for the receipt once sent. */
  receiptTimeoutMs: number;
  /** Gas limit over the estimate, in bps (default 12_000: x1.2). */
  gasLimitMultiplierBps?: bigint;
}

/** The transaction executeAction sends (or, in dry-run, would send). */
export interface PreparedExecutorTx {
  from: Address;
  to: Address;
  data: Hex;
  /** The action as sent: `minProfit` raised to the keeper's floor. */
  action: ExecutorAction;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  /** Base fee the fees were derived from. */
  baseFeePerGas: bigint;
  /** gas * maxFeePerGas: the most this transaction can cost. */
  worstCaseGasCostWei: bigint;
}

/** What a mined executor transaction used and paid. */
export interface ExecutorReceiptSummary {
  blockNumber: bigint;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  /** gasUsed * effectiveGasPrice. */
  gasCostWei: bigint;
}

/** Why executeAction did not send. */
export type SkipReason =
  /** The simulation reverted (state-dependent: InsufficientProfit, Aave's "45", "UniswapV2: K"...). */
  | { reason: "simulation-reverted"; error: ExecutorRevertError }
  /** The node could not be asked (simulation or fee read); `error.classification` says whether to retry. */
  | { reason: "rpc-error"; stage: "simulate" | "fees"; error: ExecutorRpcError }
  /** Simulated profit under the keeper's floor. */
  | { reason: "below-min-profit"; profit: bigint; minProfit: bigint }
  /** The fee ceiling is under the current base fee: the transaction could not be included now. */
  | { reason: "fee-cap-below-base-fee"; maxFeePerGas: bigint; baseFeePerGas: bigint }
  /** Worst-case gas cost above the expected profit. */
  | { reason: "gas-exceeds-profit"; worstCaseGasCostWei: bigint; expectedProfitWei: bigint };

/** Result of executeAction, by `status`. Only "mined", "reverted" and "unconfirmed" sent a transaction. */
export type ExecuteOutcome =
  | { status: "skipped"; skip: SkipReason; simulation: SimulationResult }
  | { status: "dry-run"; simulation: Extract<SimulationResult, { ok: true }>; tx: PreparedExecutorTx; expectedProfitWei?: bigint }
  | {
      status: "mined";
      hash: Hex;
      tx: PreparedExecutorTx;
      receipt: ExecutorReceiptSummary;
      /** The executor's action event, when found in the receipt (it always is for a successful action). */
      event: ExecutorEvent | undefined;
      /** Profit the event reports as paid to the owner. */
      profit: bigint | undefined;
      simulation: Extract<SimulationResult, { ok: true }>;
    }
  | { status: "reverted"; hash: Hex; tx: PreparedExecutorTx; receipt: ExecutorReceiptSummary; error: ExecutorRevertError | ExecutorRpcError }
  /** The node refused the transaction (nothing was mined): nonce, funds, fee too low, RPC down. */
  | { status: "send-failed"; tx: PreparedExecutorTx; error: ExecutorRevertError | ExecutorRpcError }
  /** Sent, but no receipt within receiptTimeoutMs: it may still be mined; do not resend blindly (same nonce). */
  | { status: "unconfirmed"; hash: Hex; tx: PreparedExecutorTx; error: ExecutorRpcError };

export type ExecuteStatus = ExecuteOutcome["status"];

/**
 * Executes one action through the KeeperExecutor, refusing anything that could lose money:
 *  1. simulates it (eth_call + estimateGas) with its `minProfit` raised to `params.minProfit`; a revert or a
 *     profit under the floor skips it;
 *  2. prices it: EIP-1559 fees from the latest base fee, gas limit = estimate * 1.2; a fee ceiling under the
 *     base fee, or a worst-case gas cost above the expected profit in wei, skips it;
 *  3. in dry-run, stops there and reports what it would send;
 *  4. sends with the explicit gas limit and fees, waits for the receipt, and decodes the executor's event (profit
 *     and amounts) or, for a mined revert, the reason (replayed with eth_call at the receipt's block).
 * Reverts, chain and RPC failures come back as outcomes, never as exceptions; only a configuration mistake (an
 * invalid fee policy or gas multiplier, contracts not built) throws, as a KeeperError.
 */
export async function executeAction(clients: ExecutorClients, params: ExecuteActionParams): Promise<ExecuteOutcome> {
  const multiplier = params.gasLimitMultiplierBps ?? DEFAULT_GAS_LIMIT_MULTIPLIER_BPS;
  if (multiplier <= 0n) throw new KeeperError(`Invalid gasLimitMultiplierBps: ${multiplier}.`, { metaMessages: ["Expected a positive number of bps (12000 = x1.2)."] });
  const account = clients.wallet.account;
  const action = withMinProfit(params.action, params.minProfit);

  const simulation = await simulateAction(clients.public, { executor: params.executor, account, action });
  if (!simulation.ok) {
    const skip: SkipReason =
      simulation.error instanceof ExecutorRevertError
        ? { reason: "simulation-reverted", error: simulation.error }
        : { reason: "rpc-error", stage: "simulate", error: simulation.error };
    return { status: "skipped", skip, simulation };
  }
  // The contract already enforces minProfit; this keeps the guarantee even for a contract that returned less.
  if (simulation.profit < params.minProfit) {
    return { status: "skipped", skip: { reason: "below-min-profit", profit: simulation.profit, minProfit: params.minProfit }, simulation };
  }

  let fees: Eip1559Fees;
  try {
    fees = await getExecutorFees(clients.public, params.fees);
  } catch (err) {
    // An unusable fee policy (or a chain without EIP-1559) is a configuration mistake, not a chain condition.
    if (err instanceof FeeConfigError) throw err;
    const error = decodeExecutorError(err, "Fee read");
    if (error instanceof ExecutorRpcError) return { status: "skipped", skip: { reason: "rpc-error", stage: "fees", error }, simulation };
    throw err; // a block read cannot revert; unreachable in practice
  }
  if (fees.maxFeePerGas < fees.baseFeePerGas) {
    return {
      status: "skipped",
      skip: { reason: "fee-cap-below-base-fee", maxFeePerGas: fees.maxFeePerGas, baseFeePerGas: fees.baseFeePerGas },
      simulation,
    };
  }

  const gas = (simulation.gas * multiplier + 9_999n) / 10_000n;
  const tx: PreparedExecutorTx = {
    from: account.address,
    to: params.executor,
    data: encodeAction(action),
    action,
    gas,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    baseFeePerGas: fees.baseFeePerGas,
    worstCaseGasCostWei: gasCostWei(gas, fees),
  };

  const expectedProfitWei =
    typeof params.expectedProfitWei === "function"
      ? params.expectedProfitWei(simulation.profit, simulation.profitToken)
      : params.expectedProfitWei;
  if (expectedProfitWei !== undefined && !gasWithinProfit({ gasLimit: gas, maxFeePerGas: fees.maxFeePerGas, expectedProfitWei })) {
    return {
      status: "skipped",
      skip: { reason: "gas-exceeds-profit", worstCaseGasCostWei: tx.worstCaseGasCostWei, expectedProfitWei },
      simulation,
    };
  }

  if (params.dryRun) {
    return expectedProfitWei === undefined ? { status: "dry-run", simulation, tx } : { status: "dry-run", simulation, tx, expectedProfitWei };
  }

  let hash: Hex;
  try {
    hash = await clients.wallet.sendTransaction({
      account,
      chain: clients.wallet.chain,
      to: tx.to,
      data: tx.data,
      gas: tx.gas,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    });
  } catch (err) {
    // Hardhat's automining node throws for a transaction that reverts, yet has mined it: the error carries the
    // hash. Such a transaction was sent and paid for, so it is reported as mined-and-reverted, not as refused.
    const minedHash = minedTransactionHashOf(err);
    if (minedHash === undefined) return { status: "send-failed", tx, error: decodeExecutorError(err, `Sending ${action.kind}`) };
    hash = minedHash;
  }

  let receipt: TransactionReceipt;
  try {
    receipt = await clients.public.waitForTransactionReceipt({ hash, timeout: params.receiptTimeoutMs });
  } catch (err) {
    const error = decodeExecutorError(err, `Waiting for ${action.kind}`);
    const rpcError = error instanceof ExecutorRpcError ? error : new ExecutorRpcError("unknown", "transient", err);
    return { status: "unconfirmed", hash, tx, error: rpcError };
  }
  const summary: ExecutorReceiptSummary = {
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    effectiveGasPrice: receipt.effectiveGasPrice,
    gasCostWei: receipt.gasUsed * receipt.effectiveGasPrice,
  };

  if (receipt.status === "success") {
    const event = parseExecutorEvents(receipt.logs, params.executor)[0];
    return { status: "mined", hash, tx, receipt: summary, event, profit: event?.args.profit, simulation };
  }
  return { status: "reverted", hash, tx, receipt: summary, error: await revertReason(clients, tx, receipt) };
}

/**
 * Why a mined transaction reverted. Receipts carry no reason, so the call is replayed with eth_call on the
 * post-state of its block: that state already holds whatever made it fail (the transactions ordered before it),
 * so it usually reverts the same way. The replay runs with the node's default gas allowance first, so that a
 * state reason is found whatever the limit; if that passes, a replay under the transaction's own limit tells
 * whether the limit was the problem - an inner call starved of gas (EIP-150 keeps 1/64 back) makes the
 * transaction revert without using all of its gas, so the receipt alone cannot say.
 */
async function revertReason(
  clients: ExecutorClients,
  tx: PreparedExecutorTx,
  receipt: TransactionReceipt,
): Promise<ExecutorRevertError | ExecutorRpcError> {
  const context = `Mined ${tx.action.kind} (${receipt.transactionHash})`;
  const replay = async (gas?: bigint): Promise<ExecutorRevertError | ExecutorRpcError | undefined> => {
    try {
      await clients.public.call({ account: tx.from, to: tx.to, data: tx.data, blockNumber: receipt.blockNumber, ...(gas === undefined ? {} : { gas }) });
      return undefined;
    } catch (err) {
      return decodeExecutorError(err, context);
    }
  };
  const outOfGas = (description: string) =>
    new ExecutorRevertError(
      { errorName: "OutOfGas", args: [receipt.gasUsed, tx.gas], source: "unknown", data: "0x", description },
      { context },
    );

  if (receipt.gasUsed >= tx.gas) return outOfGas("the transaction used its whole gas limit");
  const unlimited = await replay();
  if (unlimited !== undefined) return unlimited;
  const limited = await replay(tx.gas);
  if (limited instanceof ExecutorRevertError) {
    return outOfGas(`the call succeeds with more gas but reverts (${limited.errorName}) under its limit of ${tx.gas}`);
  }
  if (limited !== undefined) return limited;
  // Both replays passed: what failed depended on the transaction's exact position inside its block.
  return new ExecutorRevertError(
    {
      errorName: "UnknownRevert",
      args: [],
      source: "unknown",
      data: "0x",
      description: `replaying the call on block ${receipt.blockNumber}'s post-state succeeds; the revert depended on ordering within the block`,
    },
    { context },
  );
}

/** The hash Hardhat attaches to the error of a mined-but-reverted transaction (`transactionHash` on its cause). */
function minedTransactionHashOf(err: unknown): Hex | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 32; depth++) {
    const h = (e as { transactionHash?: unknown }).transactionHash;
    if (typeof h === "string" && isHex(h) && h.length === 66) return h;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}
