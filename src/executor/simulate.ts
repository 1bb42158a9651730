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
  /**
   * Run the call under this gas limit and skip eth_estimateGas: when the call succeeds, the action fits in `gas` on
   * that state, which is all a send needs to know. The estimate re-executes the call (a node's binary search runs it
   * several times): on a 72-item batch that is seconds, while the next transaction of the block waits.
   */
  gas?: bigint;
}

/** Outcome of simulateAction: what the call would return and cost, or why it would fail. */
export type SimulationResult =
  | {
      ok: true;
      /** The entry point's return value: profit paid to the owner, in `profitToken` units. */
      profit: bigint;
      /** Token the profit is paid in. */
      profitToken: Address;
      /** eth_estimateGas for the call (no margin added), or the `gas` it succeeded under (an upper bound). */
      gas: bigint;
      /** True when `gas` is the estimate; false when it is the bound the call was run under. */
      gasMeasured: boolean;
    }
  | { ok: false; error: ExecutorRevertError | ExecutorRpcError };

/**
 * Runs the action with eth_call (viem simulateContract) to read its profit, and eth_estimateGas for its gas (or
 * only the call, under a given gas limit: see `gas`), both from `account` and on the same block. A revert, or any RPC failure, comes back as `{ ok: false }` with
 * the decoded error instead of being thrown: the keeper decides on it, it is not exceptional.
 */
export async function simulateAction(
  client: PublicClient<Transport, Chain>,
  params: SimulateActionParams,
): Promise<SimulationResult> {
  const { executor, account, action, blockNumber } = params;
  const at = blockNumber === undefined ? { blockTag: params.blockTag ?? ("latest" as const) } : { blockNumber };
  const { functionName, args } = actionCall(action);
  if (params.gas !== undefined) {
    try {
      const { result } = await client.simulateContract({
        address: executor,
        abi: keeperExecutorAbi(),
        functionName,
        args,
        account,
        gas: params.gas,
        ...at,
      });
      return {
        ok: true,
        profit: result as bigint,
        profitToken: profitToken(action),
        gas: params.gas,
        gasMeasured: false,
      };
    } catch (err) {
      return { ok: false, error: decodeExecutorError(err, `Simulation of ${action.kind}`) };
    }
  }
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
  return { ok: true, profit, profitToken: profitToken(action), gas, gasMeasured: true };
}
