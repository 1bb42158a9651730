import { createPublicClient, createWalletClient, custom, defineChain, type Address, type Chain } from "viem";
import type { ChainClients } from "./clients.js";
import { hardhatConfigPath, hardhatPackageDir } from "./hardhatLocate.js";
import { MULTICALL3_ADDRESS } from "./multicall.js";

/** An in-process Hardhat chain (EDR) with viem clients on it: what tests, the demo and `keeper simulate` run on. */
export interface InProcessChain extends ChainClients {
  /** Wallet clients for every funded account of the chain (index 0 is `wallet`). */
  accounts: ChainClients["wallet"][];
  /** The EIP-1193 provider, for raw requests. */
  provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
  close(): Promise<void>;
}

/** Hardhat's local chain as viem sees it, with Multicall3 at its canonical address (the world puts it there). */
export const localChain: Chain = defineChain({
  id: 31337,
  name: "Hardhat",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: ["http://127.0.0.1:8545"] } },
  contracts: { multicall3: { address: MULTICALL3_ADDRESS } },
});

/**
 * Hardhat's network manager, loaded on first use with the keeper's own config. Hardhat looks for its config from the
 * working directory up, and users run `keeper` from their ops folder: pointing HARDHAT_CONFIG at ours (unless the
 * caller set it) lets it load anywhere, and loading it lazily keeps commands that need no local chain free of it.
 */
async function hardhatNetwork(): Promise<typeof import("hardhat").network> {
  process.env.HARDHAT_CONFIG ??= hardhatConfigPath();
  hardhatPackageDir(); // a missing Hardhat is named, with the command that adds it
  return (await import("hardhat")).network;
}

/**
 * Starts a fresh in-process Hardhat network (chain id 31337, automine) and returns viem clients for it.
 * Each call is an independent chain, so tests can run side by side.
 */
export async function createInProcessChain(): Promise<InProcessChain> {
  const conn = await (await hardhatNetwork()).create();
  // No retries: there is no transport to fail in-process, and viem does not recognise the provider's revert (code 3
  // on a non-viem error) as final, so every revert would run four times with 2.1 s of backoff between.
  const transport = custom(conn.provider as never, { retryCount: 0 });
  const addresses = (await conn.provider.request({ method: "eth_accounts" })) as Address[];
  const publicClient = createPublicClient({ chain: localChain, transport, pollingInterval: 20 });
  // The node signs for its unlocked development accounts: no private key is handled here.
  const wallets = addresses.map((account) =>
    createWalletClient({ chain: localChain, transport, account, pollingInterval: 20 }),
  );
  return {
    public: publicClient as unknown as ChainClients["public"],
    wallet: wallets[0] as unknown as ChainClients["wallet"],
    accounts: wallets as unknown as ChainClients["wallet"][],
    provider: conn.provider as never,
    close: () => conn.close(),
  };
}
