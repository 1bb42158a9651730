/**
 * Small helpers shared by the property tests: raw dev-node RPCs (snapshot/revert, pinned timestamps) and a
 * transaction sender that works from any of the chain's unlocked accounts.
 */
import {
  decodeFunctionResult,
  encodeFunctionData,
  numberToHex,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import type { InProcessChain } from "../../src/chain/inProcess.js";

type Wallet = InProcessChain["wallet"];

export async function rpc<T = unknown>(chain: InProcessChain, method: string, params: unknown[] = []): Promise<T> {
  return (await chain.provider.request({ method, params })) as T;
}

export const snapshot = (chain: InProcessChain) => rpc<Hex>(chain, "evm_snapshot");

export async function revertTo(chain: InProcessChain, id: Hex): Promise<void> {
  const ok = await rpc<boolean>(chain, "evm_revert", [id]);
  if (!ok) throw new Error(`evm_revert(${id}) failed`);
}

/** The next block (mined or holding the next transaction) gets timestamp `t`. */
export const setNextTimestamp = (chain: InProcessChain, t: bigint) =>
  rpc(chain, "evm_setNextBlockTimestamp", [numberToHex(t)]);

export const mineBlock = (chain: InProcessChain) => rpc(chain, "evm_mine");

export async function latestTimestamp(chain: InProcessChain): Promise<bigint> {
  return (await chain.public.getBlock({ blockTag: "latest" })).timestamp;
}

/**
 * Sends a contract call from `from` and returns its receipt (status included: callers assert it). A fixed gas
 * limit skips estimation, so the transaction runs exactly once, in the block (and at the timestamp) it lands in.
 */
export async function sendTx(
  chain: InProcessChain,
  from: Wallet,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; gas?: bigint },
): Promise<TransactionReceipt> {
  const hash = await from.writeContract({ gas: 8_000_000n, ...call } as never);
  return chain.public.waitForTransactionReceipt({ hash, pollingInterval: 10 });
}

/** Like sendTx, but throws when the transaction reverted. */
export async function sendOk(
  chain: InProcessChain,
  from: Wallet,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; gas?: bigint },
): Promise<TransactionReceipt> {
  const receipt = await sendTx(chain, from, call);
  if (receipt.status !== "success")
    throw new Error(`${call.functionName} on ${call.address} reverted (tx ${receipt.transactionHash})`);
  return receipt;
}

/**
 * A raw eth_call at the latest block, straight to the node: viem's simulateContract retries a reverting call
 * with backoff (about 1 s each), which the property tests cannot afford hundreds of times.
 */
export async function ethCall(
  chain: InProcessChain,
  from: Wallet,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] },
): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
  const data = encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args } as never);
  try {
    const raw = (await chain.provider.request({
      method: "eth_call",
      params: [{ from: from.account.address, to: call.address, data, gas: numberToHex(15_000_000n) }, "latest"],
    })) as Hex;
    return {
      ok: true,
      result: decodeFunctionResult({ abi: call.abi, functionName: call.functionName, data: raw } as never),
    };
  } catch (e) {
    return { ok: false, error: String((e as Error).message ?? e) };
  }
}

/** The revert reason of an eth_call that must fail (throws when it does not). */
export async function callReverts(
  chain: InProcessChain,
  from: Wallet,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] },
): Promise<string> {
  const r = await ethCall(chain, from, call);
  if (r.ok) throw new Error(`expected ${call.functionName} on ${call.address} to revert, it succeeded`);
  return r.error;
}
