import { join } from "node:path";
import { tmpdir } from "node:os";
import { createPublicClient, http, type Address } from "viem";
import { createHttpClients, redactUrl, resolveChain, type HttpClients } from "../chain/clients.js";
import type { Deployment } from "../chain/deployment.js";
import { freePort } from "../chain/freePort.js";
import { startHardhatNode, type HardhatNode } from "../chain/hardhatNode.js";
import { KeeperError } from "../errors.js";
import {
  deployExecutor,
  executorProtocols,
  type ExecutorProtocolSource,
  type ExecutorProtocols,
} from "../executor/deploy.js";

/** A local Hardhat fork of some chain, with clients for its first development account. */
export interface LocalFork {
  node: HardhatNode;
  url: string;
  clients: HttpClients;
  /** The fork's funded development accounts (the node signs for them: no real key touches the fork). */
  accounts: Address[];
  forkBlock: bigint;
  /** The protocols of the deployment checkDeploymentOnFork accepted: what a rehearsal executor is built with. */
  protocols?: ExecutorProtocols;
  stop(): Promise<void>;
}

/**
 * Starts `hardhat node --fork <upstream>` on a free local port, pinned to `forkBlock` (default: the upstream's
 * head: Hardhat would otherwise fork 128 blocks behind it and miss recent state). Everything sent to the fork
 * stays on this machine; the upstream is only read.
 */
export async function startLocalFork(params: {
  upstreamUrl: string;
  forkBlock?: bigint;
  logFile?: string;
}): Promise<LocalFork> {
  const upstreamChain = await resolveChain(params.upstreamUrl);
  const head = await createPublicClient({ chain: upstreamChain, transport: http(params.upstreamUrl) }).getBlockNumber();
  const forkBlock = params.forkBlock ?? head;
  if (forkBlock > head) {
    throw new KeeperError(`Cannot fork at block ${forkBlock}: ${redactUrl(params.upstreamUrl)} is at ${head}.`, {
      metaMessages: ["Pass a --fork-block at or below the upstream's head, or leave it out to fork at the head."],
    });
  }
  const node = await startHardhatNode({
    port: await freePort(),
    logFile: params.logFile ?? join(tmpdir(), `imbalance-keeper-fork-${process.pid}.log`),
    fork: params.upstreamUrl,
    forkBlockNumber: forkBlock,
    timeoutMs: 120_000,
  });
  const chain = await resolveChain(node.url);
  const accounts = (await createPublicClient({ chain, transport: http(node.url) }).request({
    method: "eth_accounts",
  } as never)) as Address[];
  const clients = createHttpClients({ chain, rpcUrl: node.url, account: accounts[0], pollingInterval: 50 });
  return { node, url: node.url, clients, accounts, forkBlock, stop: () => node.stop() };
}

/**
 * Prepares a fork for a rehearsal: a fresh KeeperExecutor owned by the fork's development account #0, with
 * account #1 as its keeper, so the rehearsal neither needs nor touches the real keys or the real executor.
 */
export async function prepareForkExecutor(
  fork: LocalFork,
  deployment?: ExecutorProtocolSource,
): Promise<{ executor: Address; keeperClients: HttpClients }> {
  const protocols = deployment ? executorProtocols(deployment) : fork.protocols;
  if (!protocols) {
    throw new KeeperError("The fork's executor needs the deployment's protocol addresses.", {
      metaMessages: ["Call checkDeploymentOnFork(fork, deployment) first, or pass the deployment."],
    });
  }
  const executor = await deployExecutor(fork.clients, { keeper: fork.accounts[1], protocols });
  const keeperClients = createHttpClients({
    chain: fork.clients.public.chain,
    rpcUrl: fork.url,
    account: fork.accounts[1],
    pollingInterval: 50,
  });
  return { executor, keeperClients };
}

/** The deployment's addresses must hold code on the fork; a wrong file or chain is caught before anything runs. */
export async function checkDeploymentOnFork(fork: LocalFork, deployment: Deployment): Promise<void> {
  const targets: [string, Address | undefined][] = [
    ["multicall3", deployment.multicall3],
    ["aave.pool", deployment.aave?.pool],
    ["morpho.morpho", deployment.morpho?.morpho],
  ];
  for (const [name, address] of targets) {
    if (!address) continue;
    const code = await fork.clients.public.getCode({ address });
    if (!code || code === "0x") {
      throw new KeeperError(
        `The deployment's ${name} (${address}) has no code on the fork at block ${fork.forkBlock}.`,
        {
          metaMessages: [
            "Check DEPLOYMENT_FILE matches the forked chain, and that --fork-block is after its deployment.",
          ],
        },
      );
    }
  }
  // What prepareForkExecutor builds the rehearsal executor with.
  fork.protocols = executorProtocols(deployment);
}
