import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { KeeperError } from "../errors.js";
import { redactUrl } from "../redact.js";
import { MULTICALL3_ADDRESS } from "./multicall.js";

/** The RPC endpoint could not be reached or did not answer like an Ethereum node. */
export class RpcUnreachableError extends KeeperError {
  override name = "RpcUnreachableError";
  constructor(url: string, cause: unknown) {
    super(`Cannot reach the JSON-RPC endpoint at ${redactUrl(url)}.`, {
      cause,
      metaMessages: [
        "Check the RPC URL (setting RPC_URL or --rpc) and that the node is running.",
        "For a local world: `npm run world` starts a Hardhat node on http://127.0.0.1:8545.",
      ],
    });
  }
}

export { redactUrl };

/**
 * Probes `rpcUrl` for its chain id and builds a viem Chain for it with Multicall3 at `multicall3`
 * (viem's `hardhat` chain has none, and batched reads need it).
 */
export async function resolveChain(rpcUrl: string, multicall3: Address = MULTICALL3_ADDRESS): Promise<Chain> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 1, timeout: 10_000 }) });
  let id: number;
  try {
    id = await probe.getChainId();
  } catch (cause) {
    throw new RpcUnreachableError(rpcUrl, cause);
  }
  return defineChain({
    id,
    name: id === 31337 ? "Hardhat" : `chain-${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    contracts: { multicall3: { address: multicall3 } },
  });
}

/** The two viem clients every chain action runs on: reads through `public`, writes through `wallet`. */
export interface ChainClients {
  public: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, Account>;
}

/** Clients over HTTP, from {@link createHttpClients}. */
export type HttpClients = ChainClients;

/** Public and wallet clients over HTTP for one account (a local signer, or an address the node unlocks). */
export function createHttpClients(params: {
  chain: Chain;
  rpcUrl: string;
  account: Account | Address;
  pollingInterval?: number;
}): HttpClients {
  const transport = http(params.rpcUrl, { retryCount: 2, timeout: 30_000 });
  const pollingInterval = params.pollingInterval ?? 250;
  return {
    public: createPublicClient({ chain: params.chain, transport, pollingInterval }) as PublicClient<Transport, Chain>,
    wallet: createWalletClient({
      chain: params.chain,
      transport,
      account: params.account,
      pollingInterval,
    }) as WalletClient<Transport, Chain, Account>,
  };
}

/** The accounts a development node (Hardhat, anvil) unlocks: it signs for them, so no key is handled here. */
export async function getNodeAccounts(rpcUrl: string): Promise<Address[]> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  return (await client.request({ method: "eth_accounts" } as never)) as Address[];
}
