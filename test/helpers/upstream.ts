import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAbiItem, type Address } from "viem";
import { createHttpClients, getNodeAccounts, resolveChain } from "../../src/chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import { deployWorld, worldToJson, type World } from "../../src/world/index.js";
import { DEV_ADDRESS_1, freePort } from "./node.js";

/** A `hardhat node` holding the world and our executor (keeper = dev account #1), for CLI-level tests. */
export interface Upstream {
  node: HardhatNode;
  dir: string;
  worldFile: string;
  world: World;
  executor: Address;
  clients: ReturnType<typeof createHttpClients>;
}

export async function startUpstream(
  options: { aaveBorrowers?: number; morphoBorrowers?: number } = {},
): Promise<Upstream> {
  const dir = mkdtempSync(join(tmpdir(), "keeper-upstream-"));
  const node = await startHardhatNode({ port: await freePort(), logFile: join(dir, "node.log") });
  const chain = await resolveChain(node.url);
  const [deployer] = await getNodeAccounts(node.url);
  const clients = createHttpClients({ chain, rpcUrl: node.url, account: deployer, pollingInterval: 20 });
  const world = await deployWorld(clients, {
    aaveBorrowers: options.aaveBorrowers ?? 0,
    morphoBorrowers: options.morphoBorrowers ?? 0,
  });
  const worldFile = join(dir, "world.json");
  writeFileSync(worldFile, worldToJson(world));
  const executor = await deployExecutor(clients, { keeper: DEV_ADDRESS_1, protocols: executorProtocols(world) });
  return { node, dir, worldFile, world, executor, clients };
}

export const liquidationCallEvent = parseAbiItem(
  "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
);

/** Nonces of every transaction `from` sent in blocks [from, to]: to check there is no gap and no duplicate. */
export async function noncesSentBy(
  clients: Upstream["clients"],
  sender: Address,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<number[]> {
  const out: number[] = [];
  for (let b = fromBlock; b <= toBlock; b++) {
    const block = await clients.public.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions)
      if (typeof tx !== "string" && tx.from.toLowerCase() === sender.toLowerCase()) out.push(tx.nonce);
  }
  return out;
}
