import { network } from "hardhat";
import type { WorldClients } from "../world/types.js";

/** An in-process Hardhat chain (EDR) with viem clients on it: what tests, the demo and `keeper simulate` run on. */
export interface InProcessChain extends WorldClients {
  /** Extra funded accounts of the chain (index 0 is `wallet`). */
  accounts: WorldClients["wallet"][];
  close(): Promise<void>;
}

/**
 * Starts a fresh in-process Hardhat network (chain id 31337, automine) and returns viem clients for it.
 * Each call is an independent chain, so tests can run side by side.
 */
export async function createInProcessChain(): Promise<InProcessChain> {
  const conn = await network.create();
  const publicClient = await conn.viem.getPublicClient({ pollingInterval: 20 } as never);
  const wallets = await conn.viem.getWalletClients({ pollingInterval: 20 } as never);
  return {
    public: publicClient as unknown as WorldClients["public"],
    wallet: wallets[0] as unknown as WorldClients["wallet"],
    accounts: wallets as unknown as WorldClients["wallet"][],
    close: () => conn.close(),
  };
}
