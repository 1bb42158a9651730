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

/**
 * The protocols fixed in the executor at deployment (its constructor's immutables). zeroAddress for a protocol the
 * chain does not have: its entry points then revert ProtocolUnavailable (Aave, Morpho) or accept only allowlisted
 * venues (a Uniswap factory).
 */
export interface ExecutorProtocols {
  aavePool: Address;
  morpho: Address;
  uniswapV2Factory: Address;
  uniswapV3Factory: Address;
}

/** The deployment sections executorProtocols reads (a Deployment or a World has them). */
export interface ExecutorProtocolSource {
  aave?: { pool: Address } | undefined;
  morpho?: { morpho: Address } | undefined;
  uniswapV2?: { factory?: Address | undefined } | undefined;
  uniswapV3?: { factory?: Address | undefined } | undefined;
}

/** The executor's constructor protocols from a deployment file's sections (or a World); absent ones are zero. */
export function executorProtocols(d: ExecutorProtocolSource): ExecutorProtocols {
  return {
    aavePool: d.aave?.pool ?? zeroAddress,
    morpho: d.morpho?.morpho ?? zeroAddress,
    uniswapV2Factory: d.uniswapV2?.factory ?? zeroAddress,
    uniswapV3Factory: d.uniswapV3?.factory ?? zeroAddress,
  };
}

/** An owner-set cap on the inventory of `token` that inventory-funded rebalances may spend (token units). */
export interface ExecutorInventoryCap {
  token: Address;
  perTx: bigint;
  perDay: bigint;
}

/** Parameters of deployExecutor. */
export interface DeployExecutorParams {
  /** Aave pool, Morpho and Uniswap factories the executor will trust (see executorProtocols). */
  protocols: ExecutorProtocols;
  /** Receives all profit and alone may sweep and set the keeper. Default: the deploying account. */
  owner?: Address;
  /** Bot account allowed to start actions besides the owner; set right after deployment when given. */
  keeper?: Address;
  /**
   * Inventory caps to set right after deployment. Without a cap for a token, inventory-funded rebalances selling
   * it revert InventoryCapExceeded: set one for every token the executor is funded with for rebalancing.
   */
  inventoryCaps?: readonly ExecutorInventoryCap[];
  /** Venues outside the Uniswap factories to allowlist right after deployment (setTrustedPool). */
  trustedPools?: readonly Address[];
}

/**
 * Deploys KeeperExecutor from the compiled artifact with `protocols` as its immutables and, when given, sets the
 * keeper, the inventory caps and the trusted venues. Only the owner may do those, so asking for them with a foreign
 * owner is refused before anything is deployed. Returns the executor's address.
 */
export async function deployExecutor(clients: ExecutorClients, params: DeployExecutorParams): Promise<Address> {
  const deployer = clients.wallet.account.address;
  const owner = getAddress(params.owner ?? deployer);
  const ownerSetup = params.keeper !== undefined || !!params.inventoryCaps?.length || !!params.trustedPools?.length;
  if (ownerSetup && !isAddressEqual(owner, deployer)) {
    throw new ExecutorDeployError(
      `a keeper, inventory caps and trusted pools can only be set by the owner, and the deploying account ${deployer} is not the owner ${owner}`,
    );
  }
  const { aavePool, morpho, uniswapV2Factory, uniswapV3Factory } = params.protocols;
  if (isAddressEqual(owner, zeroAddress)) throw new ExecutorDeployError("the owner cannot be the zero address");
  const artifact = keeperExecutorArtifact();

  let address: Address;
  try {
    const hash = await clients.wallet.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: [owner, aavePool, morpho, uniswapV2Factory, uniswapV3Factory],
    });
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress)
      throw new Error(`deployment transaction ${hash} reverted`);
    address = getAddress(receipt.contractAddress);
  } catch (cause) {
    throw new ExecutorDeployError("deploy", cause);
  }

  if (params.keeper !== undefined) await ownerCall(clients, address, "setKeeper", [getAddress(params.keeper)]);
  for (const cap of params.inventoryCaps ?? [])
    await ownerCall(clients, address, "setInventoryCap", [getAddress(cap.token), cap.perTx, cap.perDay]);
  for (const pool of params.trustedPools ?? [])
    await ownerCall(clients, address, "setTrustedPool", [getAddress(pool), true]);
  return address;
}

/**
 * Sets the caps on inventory-funded rebalances of an executor the wallet owns (setInventoryCap per token). The
 * world and the demo call it where they fund the executor's inventory.
 */
export async function setInventoryCaps(
  clients: ExecutorClients,
  executor: Address,
  caps: readonly ExecutorInventoryCap[],
): Promise<void> {
  for (const cap of caps)
    await ownerCall(clients, executor, "setInventoryCap", [getAddress(cap.token), cap.perTx, cap.perDay]);
}

/** One owner transaction on the executor, waited for; a failure names the function and the executor. */
async function ownerCall(
  clients: ExecutorClients,
  address: Address,
  functionName: "setKeeper" | "setInventoryCap" | "setTrustedPool",
  args: readonly unknown[],
): Promise<void> {
  try {
    const hash = await clients.wallet.writeContract({
      address,
      abi: keeperExecutorArtifact().abi,
      functionName,
      args,
    });
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} transaction ${hash} reverted`);
  } catch (cause) {
    throw new ExecutorDeployError(`${functionName} on ${address}`, cause);
  }
}
