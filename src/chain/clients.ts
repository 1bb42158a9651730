import {
  createPublicClient,
  createWalletClient,
  defineChain,
  fallback,
  http,
  RpcError,
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

/** One JSON-RPC request through one endpoint, for per-endpoint metrics. */
export interface RpcRequestEvent {
  /** The endpoint as it may be printed: scheme and host only (providers put API keys in the path). */
  endpoint: string;
  /** JSON-RPC method. */
  method: string;
  /** Whether the endpoint answered (a JSON-RPC error such as a revert is an answer). */
  ok: boolean;
}

/** Called once per request an endpoint answers or fails (ranking probes included). */
export type RpcRequestObserver = (event: RpcRequestEvent) => void;

/** `transport` with every request reported to `observe` under the redacted `url`. */
function observed(transport: Transport, url: string, observe: RpcRequestObserver | undefined): Transport {
  if (!observe) return transport;
  const endpoint = redactUrl(url);
  return ((options) => {
    const t = transport(options);
    const request = (async (args: { method: string; params?: unknown }, opts?: unknown) => {
      try {
        const result = await (t.request as (a: unknown, o?: unknown) => Promise<unknown>)(args, opts);
        observe({ endpoint, method: args.method, ok: true });
        return result;
      } catch (err) {
        // A JSON-RPC error (a revert, an unknown method) is an answer: the endpoint works. Only a request that got
        // no answer (refused, dropped, 5xx, 429, timeout, a garbled body) counts against it.
        observe({ endpoint, method: args.method, ok: err instanceof RpcError });
        throw err;
      }
    }) as typeof t.request;
    return { ...t, request };
  }) as Transport;
}

/**
 * The transport over `urls`: plain HTTP for one endpoint; for several, viem's `fallback` with ranking on, so the
 * fastest stable endpoint serves first, a failing one drops to the back and is probed again later (fallback's
 * ranking keeps pinging every endpoint). Each endpoint retries nothing itself there: the next endpoint is the retry.
 */
export function rpcTransport(urls: readonly string[], observe?: RpcRequestObserver): Transport {
  const unique = [...new Set(urls)];
  if (unique.length === 0) throw new KeeperError("No RPC endpoint given.", { metaMessages: ["Set RPC_URL (--rpc)."] });
  if (unique.length === 1) return observed(http(unique[0], { retryCount: 2, timeout: 30_000 }), unique[0], observe);
  return fallback(
    unique.map((url) => observed(http(url, { retryCount: 0, timeout: 30_000 }), url, observe)),
    {
      // The probe is eth_blockNumber, which every node serves (viem's default, net_listening, is missing on some).
      rank: {
        interval: 4_000,
        sampleCount: 10,
        timeout: 5_000,
        ping: ({ transport }) => transport.request({ method: "eth_blockNumber" }),
      },
      retryCount: 2,
    },
  );
}

/**
 * Public and wallet clients over HTTP for one account (a local signer, or an address the node unlocks). With
 * `rpcUrls`, reads and sends fail over between `rpcUrl` and them (see {@link rpcTransport}).
 */
export function createHttpClients(params: {
  chain: Chain;
  rpcUrl: string;
  /** More endpoints of the same chain (RPC_URLS). */
  rpcUrls?: readonly string[];
  account: Account | Address;
  pollingInterval?: number;
  /** Per-endpoint request outcomes, for metrics. */
  onRequest?: RpcRequestObserver;
}): HttpClients {
  const transport = rpcTransport([params.rpcUrl, ...(params.rpcUrls ?? [])], params.onRequest);
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
