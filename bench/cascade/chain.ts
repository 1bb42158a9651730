/**
 * The cascade bench's chain: a `hardhat node` over HTTP holding the world and our executor, the raw node controls
 * the scenario steers (automine, interval mining, snapshots), the deep-pool option and the crash itself.
 */
import { parseAbi, type Address, type Hex } from "viem";
import { createHttpClients, getNodeAccounts, resolveChain, type HttpClients } from "../../src/chain/clients.js";
import { freePort } from "../../src/chain/freePort.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import { deployExecutor, executorProtocols, setInventoryCaps } from "../../src/executor/deploy.js";
import { v2PairAbi } from "../../src/protocols/uniswapV2/abi.js";
import {
  deployWorld,
  getPrices,
  loadOwnArtifact,
  setPrice,
  syncPoolsToFeeds,
  type TokenSymbol,
  type V2PairName,
  type World,
} from "../../src/world/index.js";

/** A node with the world and the executor on it, and the accounts of every actor. */
export interface CascadeChain {
  node: HardhatNode;
  /** The world's deployer (node-signed): feeds, the crash, pool depth. */
  clients: HttpClients;
  world: World;
  executor: Address;
  /** The keeper's address (dev account #1; the keeper signs locally with its key). */
  keeper: Address;
  /** Node-signed accounts the arbitrageurs trade from, one per pool. */
  arbitrageurs: Address[];
  deployMs: number;
}

/** Tokens the executor is stocked with for V3 rebalances, as in the demo (test tokens mint freely). */
const INVENTORY: Record<"WETH" | "USDC", bigint> = { WETH: 700n * 10n ** 18n, USDC: 2_000_000n * 10n ** 6n };

const mintAbi = parseAbi(["function mint(address,uint256)"]);

/**
 * Starts a fresh node and deploys the world (`aave` + `morpho` borrowers), the executor (owner dev #2, keeper dev
 * #1) and its inventory. The node automines; the caller switches to interval mining for the measured part.
 */
export async function startCascadeChain(p: {
  aave: number;
  morpho: number;
  seed: number;
  logFile: string;
}): Promise<CascadeChain> {
  const node = await startHardhatNode({ port: await freePort(), logFile: p.logFile });
  try {
    const t0 = performance.now();
    const chain = await resolveChain(node.url);
    const accounts = await getNodeAccounts(node.url);
    const clients = createHttpClients({ chain, rpcUrl: node.url, account: accounts[0], pollingInterval: 20 });
    const world = await deployWorld(clients, { aaveBorrowers: p.aave, morphoBorrowers: p.morpho, seed: p.seed });
    const owner = createHttpClients({ chain, rpcUrl: node.url, account: accounts[2], pollingInterval: 20 });
    const executor = await deployExecutor(owner, { keeper: accounts[1], protocols: executorProtocols(world) });
    for (const symbol of ["WETH", "USDC"] as const) {
      const hash = await owner.wallet.writeContract({
        address: world.tokens[symbol].address,
        abi: mintAbi,
        functionName: "mint",
        args: [executor, INVENTORY[symbol]],
      });
      await owner.public.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    }
    // Inventory rebalances are refused until capped: the whole stock per transaction, ten times it per day.
    await setInventoryCaps(
      owner,
      executor,
      (["WETH", "USDC"] as const).map((s) => ({
        token: world.tokens[s].address,
        perTx: INVENTORY[s],
        perDay: INVENTORY[s] * 10n,
      })),
    );
    return {
      node,
      clients,
      world,
      executor,
      keeper: accounts[1],
      arbitrageurs: accounts.slice(3, 7),
      deployMs: performance.now() - t0,
    };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

async function rpc<T>(c: CascadeChain, method: string, params: unknown[] = []): Promise<T> {
  return (await c.clients.public.request({ method, params } as never)) as T;
}

/** Takes a node snapshot to return to (Hardhat consumes a snapshot on revert: take a new one after). */
export function takeSnapshot(c: CascadeChain): Promise<Hex> {
  return rpc<Hex>(c, "evm_snapshot");
}

/** Back to `id`, automining again. Interval mining must be off first, or a block could land mid-revert. */
export async function revertTo(c: CascadeChain, id: Hex): Promise<void> {
  const ok = await rpc<boolean>(c, "evm_revert", [id]);
  if (!ok) throw new Error(`evm_revert(${id}) refused: the snapshot was already used or never taken`);
  await rpc(c, "evm_setAutomine", [true]);
}

/** Automine off, one block every `ms`: transactions wait in the mempool like on a real chain. */
export async function startIntervalMining(c: CascadeChain, ms: number): Promise<void> {
  await rpc(c, "evm_setAutomine", [false]);
  await rpc(c, "evm_setIntervalMining", [ms]);
}

/** Stops interval mining and mines what is still pending, so nothing lands after the measurement. */
export async function stopIntervalMining(c: CascadeChain): Promise<void> {
  await rpc(c, "evm_setIntervalMining", [0]);
  await rpc(c, "evm_mine");
  await rpc(c, "evm_setAutomine", [true]);
}

/**
 * Makes every V2 pair `factor` times deeper at its current price: the PoolActor mints (factor - 1) times the
 * reserves into each pair (deployWorld has no depth option; this is the world's own liquidity path).
 */
export async function deepenV2Pairs(c: CascadeChain, factor: number): Promise<void> {
  if (!Number.isInteger(factor) || factor < 1)
    throw new Error(`--depth must be an integer of at least 1, got ${factor}`);
  const actor = loadOwnArtifact("contracts/test/PoolActor.sol", "PoolActor");
  const extra = BigInt(factor - 1);
  if (extra === 0n) return;
  for (const name of Object.keys(c.world.uniswapV2.pairs) as V2PairName[]) {
    const pair = c.world.uniswapV2.pairs[name].address;
    const [r0, r1] = await c.clients.public.readContract({
      address: pair,
      abi: v2PairAbi,
      functionName: "getReserves",
    });
    const hash = await c.clients.wallet.writeContract({
      address: c.world.helpers.poolActor,
      abi: actor.abi,
      functionName: "mintV2",
      args: [pair, r0 * extra, r1 * extra, c.clients.wallet.account.address],
    } as never);
    const receipt = await c.clients.public.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (receipt.status !== "success") throw new Error(`mintV2 on ${name} reverted (tx ${hash})`);
  }
}

/**
 * The crash: WETH's feed to `pct`% of its price, then the pools brought onto the new feeds (the rest of the
 * market re-pricing). Runs under automine; returns the last block of the crash and the feed prices after it.
 */
export async function crash(
  c: CascadeChain,
  pct: number,
): Promise<{ block: bigint; prices: Record<TokenSymbol, bigint> }> {
  const before = await getPrices(c.clients, c.world);
  await setPrice(c.clients, c.world, "WETH", (before.WETH * BigInt(Math.round(pct * 100))) / 10_000n);
  await syncPoolsToFeeds(c.clients, c.world);
  return {
    block: await c.clients.public.getBlockNumber({ cacheTime: 0 }),
    prices: await getPrices(c.clients, c.world),
  };
}
