import { getAddress, type Abi, type Address, type Hex, type TransactionReceipt } from "viem";
import { KeeperError } from "../errors.js";
import type { Artifact } from "../chain/artifacts.js";
import { linkBytecode } from "./artifacts.js";
import type { WorldClients } from "./types.js";

/** A world transaction that did not succeed: names the step so a broken deployment is easy to place. */
export class WorldTxError extends KeeperError {
  override name = "WorldTxError";
  constructor(step: string, cause?: unknown) {
    super(`World deployment step failed: ${step}.`, { cause });
  }
}

async function confirm(clients: WorldClients, hash: Hex, step: string): Promise<TransactionReceipt> {
  const receipt = await clients.public.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== "success") throw new WorldTxError(`${step} reverted (tx ${hash})`);
  return receipt;
}

/** Deploys `artifact` (linking `libraries` first) and waits for it; returns the new address. */
export async function deploy(
  clients: WorldClients,
  artifact: Artifact,
  args: readonly unknown[] = [],
  libraries: Record<string, Address> = {},
): Promise<Address> {
  const step = `deploy ${artifact.contractName}`;
  let hash: Hex;
  try {
    hash = await clients.wallet.deployContract({
      abi: artifact.abi,
      bytecode: linkBytecode(artifact, libraries),
      args: args as unknown[],
    } as never);
  } catch (cause) {
    throw new WorldTxError(step, cause);
  }
  const receipt = await confirm(clients, hash, step);
  if (!receipt.contractAddress) throw new WorldTxError(`${step}: no contract address in receipt`);
  return getAddress(receipt.contractAddress);
}

/** Sends one contract call and waits for its receipt; reverts become a WorldTxError naming the call. */
export async function send(
  clients: WorldClients,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; gas?: bigint },
): Promise<TransactionReceipt> {
  const step = `${call.functionName} on ${call.address}`;
  let hash: Hex;
  try {
    hash = await clients.wallet.writeContract(call as never);
  } catch (cause) {
    throw new WorldTxError(step, cause);
  }
  return confirm(clients, hash, step);
}

/** A read through the public client, typed loosely: world code reads from artifact ABIs. */
export async function read<T>(
  clients: WorldClients,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] },
): Promise<T> {
  return (await clients.public.readContract(call as never)) as T;
}
