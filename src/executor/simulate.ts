import type { Account, Address, BlockTag, Chain, PublicClient, Transport } from "viem";
import { keeperExecutorAbi } from "./abi.js";
import { actionCall, encodeAction, profitToken, type ExecutorAction } from "./actions.js";
import { decodeExecutorError, type ExecutorRevertError, type ExecutorRpcError } from "./errors.js";

/** Parameters of simulateAction. */
export interface SimulateActionParams {
  /** The KeeperExecutor. */
  executor: Address;
  /** Who would send it: the executor's owner or keeper (anyone else gets NotAuthorized). */
  account: Account | Address;
  action: ExecutorAction;
  /** Block to simulate on (post-state of that block); latest when omitted. */
  blockNumber?: bigint;
  /**
   * Block tag to simulate on when no blockNumber is given (default "latest"). "pending" makes the simulation see
   * the transactions the node holds in its mempool (Hardhat builds its pending block from it): what a second
   * transaction of the same block needs, so that it does not count on state an earlier one already changes.
   */
  blockTag?: BlockTag;
}

/** Outcome of simulateAction: what the call would return and cost, or why it would fail. */
export type SimulationResult =
  | {
      ok: true;
      /** The entry point's return value: profit paid to the owner, in `profitToken` units. */
      profit: bigint;
      /** Token the profit is paid in. */
      profitToken: Address;
      /** eth_estimateGas for the call (no margin added). */
      gas: bigint;
    }
  | { ok: false; error: ExecutorRevertError | ExecutorRpcError };

/**
 * Runs the action with eth_call (viem simulateContract) to read its profit, then eth_estimateGas for its gas,
 * both from `account` and on the same block. A revert, or any RPC failure, comes back as `{ ok: false }` with
 * the decoded error instead of being thrown: the keeper decides on it, it is not exceptional.
 */
export async function simulateAction(
  client: PublicClient<Transport, Chain>,
  params: SimulateActionParams,
): Promise<SimulationResult> {
  const { executor, account, action, blockNumber } = params;
  const at = blockNumber === undefined ? { blockTag: params.blockTag ?? ("latest" as const) } : { blockNumber };
  const { functionName, args } = actionCall(action);
  // The call (profit) and the estimate (gas) are independent reads of the same state: asked at once, the slower
  // of the two sets the latency instead of their sum (a 72-item batch is seconds of EVM time on a local node).
  const [call, estimate] = await Promise.allSettled([
    client.simulateContract({ address: executor, abi: keeperExecutorAbi(), functionName, args, account, ...at }),
    // eth_call does not meter gas for us; the estimate is what the send's gas limit is built on. Pinned to the
    // same block as the eth_call: some nodes (Hardhat) estimate on "pending" by default, which would price a
    // different state than the one the profit was read from.
    client.estimateGas({ to: executor, data: encodeAction(action), account, ...at }),
  ]);
  if (call.status === "rejected")
    return { ok: false, error: decodeExecutorError(call.reason, `Simulation of ${action.kind}`) };
  // A state change between the two requests (a new block) can make the estimate revert: report it the same way.
  if (estimate.status === "rejected")
    return { ok: false, error: decodeExecutorError(estimate.reason, `Gas estimate of ${action.kind}`) };
  const profit = call.value.result as bigint;
  const gas = estimate.value;
  return { ok: true, profit, profitToken: profitToken(action), gas };
}
