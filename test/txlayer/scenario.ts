/**
 * Shared set-up of the transaction-layer tests: the real protocols (deployWorld) and the KeeperExecutor on an
 * in-process Hardhat chain, a keeper signing locally with dev key #1, underwater Aave borrowers to liquidate, and
 * the raw node controls (automine, base fee, snapshots) the tests steer inclusion with.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, custom, numberToHex, zeroAddress, type Address, type Hex, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createInProcessChain, localChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import type { ExecutorAction } from "../../src/executor/actions.js";
import { Journal } from "../../src/journal/journal.js";
import { NonceManager } from "../../src/txlayer/nonce.js";
import { TxSender, type TxSenderOptions } from "../../src/txlayer/sender.js";
import { createAaveBorrower, deployWorld, setPrice, syncPoolsToFeeds, type World } from "../../src/world/index.js";
import { aavePoolAbi, erc20Abi } from "../helpers/abis.js";
import { DEV_KEY_1 } from "../helpers/node.js";

export const USD = 10n ** 8n;
export const GWEI = 10n ** 9n;

export interface Scenario {
  chain: InProcessChain;
  world: World;
  executor: Address;
  /** The executor's owner (node-signed dev account #2): receives profits, may also call the executor. */
  owner: InProcessChain["wallet"];
  /** The keeper: dev account #1, signing locally as the keeper bot does. */
  keeper: LocalAccount;
}

/** World (no seeded borrowers) + executor whose keeper is dev account #1. */
export async function createScenario(): Promise<Scenario> {
  const chain = await createInProcessChain();
  const world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
  const keeper = privateKeyToAccount(DEV_KEY_1);
  const owner = chain.accounts[2];
  const executor = await deployExecutor(
    { public: chain.public, wallet: owner },
    { keeper: keeper.address, protocols: executorProtocols(world) },
  );
  return { chain, world, executor, owner, keeper };
}

/** A raw JSON-RPC request to the node. */
export function rpc<T = unknown>(s: Scenario, method: string, params: unknown[] = []): Promise<T> {
  return s.chain.provider.request({ method, params }) as Promise<T>;
}

export const setAutomine = (s: Scenario, on: boolean) => rpc(s, "evm_setAutomine", [on]);
export const snapshot = (s: Scenario) => rpc<string>(s, "evm_snapshot");
export const revertTo = (s: Scenario, id: string) => rpc<boolean>(s, "evm_revert", [id]);

/** Mines one block whose base fee is `baseFee`: transactions with a lower maxFeePerGas stay in the mempool. */
export async function mineWithBaseFee(s: Scenario, baseFee: bigint): Promise<bigint> {
  await rpc(s, "hardhat_setNextBlockBaseFeePerGas", [numberToHex(baseFee)]);
  await rpc(s, "evm_mine");
  return s.chain.public.getBlockNumber({ cacheTime: 0 });
}

/** A WETH-collateral / USDC-debt Aave borrower opened at HF 1.05, then sunk to ~0.98 by WETH falling 7%; the pools follow. */
export async function underwaterBorrower(s: Scenario, collateralUsd = 60_000n * USD): Promise<Address> {
  await setPrice(s.chain, s.world, "WETH", 3_000n * USD);
  await syncPoolsToFeeds(s.chain, s.world);
  const user = await createAaveBorrower(s.chain, s.world, {
    collateral: "WETH",
    debt: "USDC",
    collateralUsd,
    healthFactorBps: 10_500n,
  });
  await setPrice(s.chain, s.world, "WETH", 2_790n * USD);
  await syncPoolsToFeeds(s.chain, s.world);
  return user;
}

/** Liquidation of `user`'s whole USDC debt (Aave takes its close factor) through a WETH/USDC V2 flash swap. */
export async function liquidation(s: Scenario, user: Address): Promise<ExecutorAction> {
  return {
    kind: "liquidateAaveV2Flash",
    params: {
      aavePool: s.world.aave.pool,
      flashPair: s.world.uniswapV2.pairs.WETH_USDC.address,
      collateralAsset: s.world.tokens.WETH.address,
      debtAsset: s.world.tokens.USDC.address,
      user,
      debtToCover: await usdcDebt(s, user),
      swapPair: zeroAddress,
      minProfit: 1n,
    },
  };
}

/** Profits paid in WETH are wei already. */
export const wethToWei = (s: Scenario) => (profit: bigint, token: Address) =>
  token === s.world.tokens.WETH.address ? profit : 0n;

export async function usdcDebt(s: Scenario, user: Address): Promise<bigint> {
  const reserve = await s.chain.public.readContract({
    address: s.world.aave.pool,
    abi: aavePoolAbi,
    functionName: "getReserveData",
    args: [s.world.tokens.USDC.address],
  });
  return s.chain.public.readContract({
    address: reserve.variableDebtTokenAddress,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [user],
  });
}

export async function healthFactor(s: Scenario, user: Address): Promise<bigint> {
  return (
    await s.chain.public.readContract({
      address: s.world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [user],
    })
  )[5];
}

/** Aave LiquidationCall events for `user` on the canonical chain: how many times it was liquidated. */
export async function liquidationsOf(s: Scenario, user: Address): Promise<number> {
  const event = aavePoolAbi.find((x) => x.type === "event" && x.name === "LiquidationCall")!;
  const logs = await s.chain.public.getLogs({
    address: s.world.aave.pool,
    event: event as never,
    args: { user } as never,
    fromBlock: 0n,
    toBlock: "latest",
  });
  return logs.length;
}

export const nonceOf = (s: Scenario, who: Address, blockTag: "latest" | "pending" = "latest") =>
  s.chain.public.getTransactionCount({ address: who, blockTag });

/** A fresh journal in its own temporary directory. */
export function tempJournal(prefix = "journal-"): { dir: string; journal: Journal } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, journal: Journal.open(dir) };
}

/** A nonce manager over the journal and a sender for the keeper, with a test-friendly policy. */
export function keeperSender(
  s: Scenario,
  journal: Journal,
  overrides: Partial<Omit<TxSenderOptions, "policy">> & { policy?: Partial<TxSenderOptions["policy"]> } = {},
): { sender: TxSender; nonces: NonceManager } {
  const client = overrides.client ?? s.chain.public;
  const nonces =
    overrides.nonces ??
    new NonceManager({ address: s.keeper.address, client, inFlight: () => journal.inFlightNonces(s.keeper.address) });
  const sender = new TxSender({
    client,
    account: s.keeper,
    journal,
    nonces,
    executor: s.executor,
    beforeBroadcast: overrides.beforeBroadcast,
    onEvent: overrides.onEvent,
    policy: { priorityFeePerGas: 1n * GWEI, maxFeeCapWei: 500n * GWEI, stuckBlocks: 3, ...overrides.policy },
  });
  return { sender, nonces };
}

/** The head, uncached. */
export const head = (s: Scenario) => s.chain.public.getBlockNumber({ cacheTime: 0 });

export type { Hex };

/** A transport to the scenario's node that loses the first eth_sendRawTransaction (reset before the node saw it). */
export function losesFirstSend(s: Scenario) {
  let sends = 0;
  return createPublicClient({
    chain: localChain,
    pollingInterval: 20,
    transport: custom(
      {
        request: async (args: { method: string; params?: unknown }) => {
          if (args.method === "eth_sendRawTransaction" && sends++ === 0)
            throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
          return s.chain.provider.request(args as { method: string; params?: unknown[] });
        },
      },
      { retryCount: 0 },
    ),
  });
}
