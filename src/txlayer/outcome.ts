/**
 * The track half's last step: what a resolved intent means as a SendOutcome. A success carries every executor event
 * of its receipt (one per item of a batch) and their summed profit; a mined revert carries its reason, replayed at
 * the receipt's block since receipts hold none; a cancel, a drop or a reorg carries a TxUnresolvedError.
 */
import type { Address, Chain, Hex, PublicClient, Transport } from "viem";
import { decodeExecutorError, ExecutorRevertError, type ExecutorRpcError } from "../executor/errors.js";
import { parseExecutorEvents, totalExecutorProfit } from "../executor/events.js";
import type { SendOutcome } from "../executor/outcome.js";
import type { IntentRecord, ReceiptRecord } from "../journal/types.js";
import { TxUnresolvedError } from "./errors.js";

/** The SendOutcome of an intent in a final state (mined, reverted, dropped, abandoned, reorged). */
export async function outcomeOfIntent(
  client: PublicClient<Transport, Chain>,
  intent: IntentRecord,
  gasLimit: bigint,
): Promise<SendOutcome> {
  const rc = intent.receipt;
  if (intent.state === "mined" && rc) {
    const receipt = await client.getTransactionReceipt({ hash: rc.hash });
    const events = parseExecutorEvents(receipt.logs, intent.to);
    return {
      status: "mined",
      hash: rc.hash,
      blockNumber: rc.blockNumber,
      gasUsed: rc.gasUsed,
      effectiveGasPrice: rc.effectiveGasPrice,
      profit: totalExecutorProfit(events) ?? 0n,
      events,
    };
  }
  if (intent.state === "reverted" && rc) {
    const error = await revertReason(
      client,
      { from: intent.from, to: intent.to, data: intent.calldata, gas: gasLimit, kind: intent.actionKind },
      rc,
    );
    return {
      status: "reverted",
      hash: rc.hash,
      blockNumber: rc.blockNumber,
      gasUsed: rc.gasUsed,
      effectiveGasPrice: rc.effectiveGasPrice,
      error,
    };
  }
  const state =
    intent.state === "dropped" || intent.state === "abandoned" || intent.state === "reorged" ? intent.state : "pending";
  const error = new TxUnresolvedError(state, intent.reason ?? "no reason recorded");
  return rc
    ? {
        status: "reverted",
        hash: rc.hash,
        blockNumber: rc.blockNumber,
        gasUsed: rc.gasUsed,
        effectiveGasPrice: rc.effectiveGasPrice,
        error,
      }
    : { status: "reverted", error };
}

/** The call a mined transaction made. */
interface SentCall {
  from: Address;
  to: Address;
  data: Hex;
  gas: bigint;
  /** The action's kind, for messages. */
  kind: string;
}

/**
 * Why a mined transaction reverted. Receipts carry no reason, so the call is replayed with eth_call on the
 * post-state of its block: that state already holds whatever made it fail (the transactions ordered before it),
 * so it usually reverts the same way. The replay runs with the node's default gas allowance first, so that a
 * state reason is found whatever the limit; if that passes, a replay under the transaction's own limit tells
 * whether the limit was the problem - an inner call starved of gas (EIP-150 keeps 1/64 back) makes the
 * transaction revert without using all of its gas, so the receipt alone cannot say.
 */
export async function revertReason(
  client: PublicClient<Transport, Chain>,
  tx: SentCall,
  receipt: Pick<ReceiptRecord, "hash" | "blockNumber" | "gasUsed">,
): Promise<ExecutorRevertError | ExecutorRpcError> {
  const context = `Mined ${tx.kind} (${receipt.hash})`;
  const replay = async (gas?: bigint): Promise<ExecutorRevertError | ExecutorRpcError | undefined> => {
    try {
      await client.call({
        account: tx.from,
        to: tx.to,
        data: tx.data,
        blockNumber: receipt.blockNumber,
        ...(gas === undefined ? {} : { gas }),
      });
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
