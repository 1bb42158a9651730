import {
  getAddress,
  isAddressEqual,
  zeroAddress,
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { KeeperError } from "../errors.js";
import { keeperExecutorArtifact } from "./abi.js";

/** A public client for reads and receipts, and a wallet client that signs (the deployer). */
export interface ExecutorClients {
  public: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, Account>;
}

/** Deployment of the executor failed; `step` says where. */
export class ExecutorDeployError extends KeeperError {
  override name = "ExecutorDeployError";
  constructor(step: string, cause?: unknown) {
    super(`KeeperExecutor deployment failed: ${step}.`, { cause });
  }
}

/** Parameters of deployExecutor. */
export interface DeployExecutorParams {
  /** Receives all profit and alone may sweep and set the keeper. Default: the deploying account. */
  owner?: Address;
  /** Bot account allowed to start actions besides the owner; set right after deployment when given. */
  keeper?: Address;
}

/**
 * Deploys KeeperExecutor from the compiled artifact and, when `keeper` is given, calls setKeeper. Only the owner
 * may set the keeper, so a keeper with a foreign owner is refused before anything is deployed.
 * Returns the executor's address.
 */
export async function deployExecutor(clients: ExecutorClients, params: DeployExecutorParams = {}): Promise<Address> {
  const deployer = clients.wallet.account.address;
  const owner = getAddress(params.owner ?? deployer);
  if (params.keeper !== undefined && !isAddressEqual(owner, deployer)) {
    throw new ExecutorDeployError(
      `a keeper can only be set by the owner, and the deploying account ${deployer} is not the owner ${owner}`,
    );
  }
  if (isAddressEqual(owner, zeroAddress)) throw new ExecutorDeployError("the owner cannot be the zero address");
  const artifact = keeperExecutorArtifact();

  let address: Address;
  try {
    const hash = await clients.wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [owner] });
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress)
      throw new Error(`deployment transaction ${hash} reverted`);
    address = getAddress(receipt.contractAddress);
  } catch (cause) {
    throw new ExecutorDeployError("deploy", cause);
  }

  if (params.keeper !== undefined) {
    try {
      const hash = await clients.wallet.writeContract({
        address,
        abi: artifact.abi,
        functionName: "setKeeper",
        args: [getAddress(params.keeper)],
      });
      const receipt = await clients.public.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`setKeeper transaction ${hash} reverted`);
    } catch (cause) {
      throw new ExecutorDeployError(`setKeeper on ${address}`, cause);
    }
  }
  return address;
}
