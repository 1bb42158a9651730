import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { ethers } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  parseEther,
  parseGwei,
  zeroAddress,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createHttpClients, resolveChain } from "../../src/chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import {
  deployExecutor,
  executorProtocols,
  parseExecutorEvents,
  withMinProfit,
  type ExecutorAction,
} from "../../src/executor/index.js";
import { DEFAULT_GAS_LIMIT_MULTIPLIER_BPS, prepareSend } from "../../src/txlayer/prepare.js";
import { RelayHttpError, sendBundle, submitUntilIncluded } from "../../src/executor/relay/index.js";
import { startFaultProxy } from "../../src/testing/faultProxy.js";
import { rpcCall } from "../../src/testing/http.js";
import { startLocalRelay, type LocalRelay } from "../../src/testing/localRelay.js";
import { createAaveBorrower, deployWorld, setPrice, syncPoolsToFeeds } from "../../src/world/index.js";
import { aavePoolAbi, erc20Abi } from "../helpers/abis.js";
import { DEV_ADDRESS_1, DEV_KEY_1, freePort } from "../helpers/node.js";

/**
 * Private submission end to end: transactions signed by the keeper's key travel as an eth_sendBundle through a
 * local Flashbots-style relay, which checks the auth signature and puts them into a real `hardhat node`.
 */
describe("bundles through the local relay into a hardhat node", () => {
  let node: HardhatNode;
  let relay: LocalRelay;
  let chain: Chain;
  let pub: PublicClient<Transport, Chain>;
  /** The relay's auth identity: a fresh key, distinct from the keeper's transaction key (DEV_KEY_1). */
  const authSigner = ethers.Wallet.createRandom();
  const keeperAccount = privateKeyToAccount(DEV_KEY_1);
  let keeperWallet: ReturnType<typeof createWalletClient<Transport, Chain, typeof keeperAccount>>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "relay-"));
    node = await startHardhatNode({ port: await freePort(), logFile: join(dir, "node.log") });
    relay = await startLocalRelay({ upstreamUrl: node.url, pollIntervalMs: 20 });
    chain = await resolveChain(node.url);
    pub = createPublicClient({ chain, transport: http(node.url), pollingInterval: 20 }) as PublicClient<
      Transport,
      Chain
    >;
    keeperWallet = createWalletClient({ chain, transport: http(node.url), account: keeperAccount });
  }, 120_000);
  afterAll(async () => {
    await relay?.close();
    await node?.stop();
  });

  /** An EIP-1559 transaction from the keeper's key, signed locally (never sent to the node directly). */
  async function signed(tx: { to: Address; value?: bigint; data?: Hex; gas?: bigint; nonce: number }): Promise<Hex> {
    return keeperWallet.signTransaction({
      chain,
      type: "eip1559",
      to: tx.to,
      value: tx.value ?? 0n,
      data: tx.data ?? "0x",
      gas: tx.gas ?? 21_000n,
      nonce: tx.nonce,
      maxFeePerGas: parseGwei("20"),
      maxPriorityFeePerGas: parseGwei("1"),
    });
  }
  const nonce = () => pub.getTransactionCount({ address: keeperAccount.address, blockTag: "pending" });

  it("two signed transfers sent as one bundle land together, in order, in the target block", async () => {
    const to = privateKeyToAccount(ethers.Wallet.createRandom().privateKey as Hex).address;
    const n = await nonce();
    const txs = [
      await signed({ to, value: parseEther("1"), nonce: n }),
      await signed({ to, value: parseEther("2"), nonce: n + 1 }),
    ];
    const start = await pub.getBlockNumber();

    const outcome = await submitUntilIncluded({
      relayUrl: relay.url,
      authSigner,
      signedTransactions: txs,
      client: pub,
      maxBlocks: 3,
      pollIntervalMs: 20,
    });

    if (outcome.status !== "included") throw new Error(`expected included, got ${outcome.status}`);
    expect(outcome.attempts).toHaveLength(1);
    expect(outcome.blockNumber).toBe(start + 1n);
    const block = await pub.getBlock({ blockNumber: outcome.blockNumber });
    expect(block.transactions).toHaveLength(2);
    const [r0, r1] = await Promise.all(block.transactions.map((hash) => pub.getTransactionReceipt({ hash })));
    expect([r0.status, r1.status]).toEqual(["success", "success"]);
    expect(block.transactions[0]).toBe(outcome.transactionHash);
    expect(await pub.getBalance({ address: to })).toBe(parseEther("3"));
    const recorded = relay.bundles.at(-1)!;
    expect(recorded).toMatchObject({
      status: "included",
      includedIn: outcome.blockNumber,
      signer: authSigner.address,
      txs,
    });
    expect(recorded.bundleHash).toBe(outcome.attempts[0].bundleHash);
    // The automine the relay switched off to build its block is back on.
    expect(await rpcCall<boolean>(node.url, "hardhat_getAutomine")).toBe(true);
  });

  it("a KeeperExecutor liquidation priced by the pipeline's guards (prepareSend) is signed and mined through the relay", async () => {
    const [deployer] = (await pub.request({ method: "eth_accounts" } as never)) as Address[];
    const ownerClients = createHttpClients({ chain, rpcUrl: node.url, account: deployer, pollingInterval: 20 });
    const world = await deployWorld(ownerClients, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const executor = await deployExecutor(ownerClients, { keeper: DEV_ADDRESS_1, protocols: executorProtocols(world) });
    const user = await createAaveBorrower(ownerClients, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 20_000n * 10n ** 8n,
      healthFactorBps: 10_500n,
    });
    await setPrice(ownerClients, world, "WETH", 2_790n * 10n ** 8n);
    await syncPoolsToFeeds(ownerClients, world);
    const reserve = await pub.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getReserveData",
      args: [world.tokens.USDC.address],
    });
    const debt = await pub.readContract({
      address: reserve.variableDebtTokenAddress,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [user],
    });
    const action: ExecutorAction = {
      kind: "liquidateAaveV2Flash",
      params: {
        aavePool: world.aave.pool,
        flashPair: world.uniswapV2.pairs.WETH_USDC.address,
        collateralAsset: world.tokens.WETH.address,
        debtAsset: world.tokens.USDC.address,
        user,
        debtToCover: debt, // Aave takes only its close factor; the flash swap returns the rest
        swapPair: zeroAddress,
        minProfit: 0n,
      },
    };
    const keeperClients = { public: pub, wallet: keeperWallet };
    const priced = await prepareSend(keeperClients.public, {
      executor,
      account: keeperWallet.account,
      action: withMinProfit(action, 1n),
      minProfit: 1n,
      fees: { priorityFeePerGas: parseGwei("1"), maxFeePerGasCap: parseGwei("100") },
      expectedProfitWei: (profit, token) => (token === world.tokens.WETH.address ? profit : 0n),
      gasLimitMultiplierBps: DEFAULT_GAS_LIMIT_MULTIPLIER_BPS,
    });
    if (!priced.ok) throw new Error(`expected a send, got a skip: ${priced.skip.code} ${priced.skip.message}`);
    const raw = await keeperWallet.signTransaction({
      chain,
      type: "eip1559",
      to: executor,
      data: priced.send.calldata,
      gas: priced.send.gasLimit,
      maxFeePerGas: priced.send.fees.maxFeePerGas,
      maxPriorityFeePerGas: priced.send.fees.maxPriorityFeePerGas,
      nonce: await nonce(),
    });

    const outcome = await submitUntilIncluded({
      relayUrl: relay.url,
      authSigner,
      signedTransactions: [raw],
      client: pub,
      maxBlocks: 3,
      pollIntervalMs: 20,
    });

    if (outcome.status !== "included") throw new Error(`expected included, got ${outcome.status}`);
    expect(outcome.receipt.status).toBe("success");
    const [event] = parseExecutorEvents(outcome.receipt.logs, executor);
    expect(event?.eventName).toBe("AaveLiquidatedWithV2Flash");
    if (event?.eventName !== "AaveLiquidatedWithV2Flash") return;
    expect(event.args.user).toBe(user);
    expect(event.args.profit).toBeGreaterThan(0n);
  }, 180_000);

  it("re-submits for the next block after a relay 5xx, and is included there", async () => {
    // The fault proxy stands in front of the relay: the first send gets a 503-class answer, then faults clear.
    const proxy = await startFaultProxy({ upstreamUrl: relay.url, seed: 7, faultRate: 1, kinds: ["http5xx"] });
    try {
      const to = privateKeyToAccount(ethers.Wallet.createRandom().privateKey as Hex).address;
      const tx = await signed({ to, value: 1n, nonce: await nonce() });
      const start = await pub.getBlockNumber();
      const outcome = await submitUntilIncluded({
        relayUrl: proxy.url,
        authSigner,
        signedTransactions: [tx],
        client: pub,
        maxBlocks: 3,
        pollIntervalMs: 20,
        onAttempt: (a) => {
          if (a.error) {
            proxy.setFaultRate(0);
            void rpcCall(node.url, "evm_mine"); // someone else's block: the missed target passes
          }
        },
      });
      if (outcome.status !== "included") throw new Error(`expected included, got ${outcome.status}`);
      expect(outcome.attempts.map((a) => a.blockNumber)).toEqual([start + 1n, start + 2n]);
      expect(outcome.attempts[0].error).toBeInstanceOf(RelayHttpError);
      expect(outcome.attempts[0].error?.retryable).toBe(true);
      expect(outcome.attempts[1].bundleHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(outcome.blockNumber).toBe(start + 2n);
      expect(proxy.counters()).toMatchObject({ requests: 2, passed: 1, faults: { http5xx: 1 } });
    } finally {
      await proxy.close();
    }
  });

  it("a bundle that cannot be mined (nonce gap) is never included: not-included after its window, nothing left in the mempool", async () => {
    const n = await nonce();
    const tx = await signed({ to: DEV_ADDRESS_1, value: 1n, nonce: n + 5 });
    const outcome = await submitUntilIncluded({
      relayUrl: relay.url,
      authSigner,
      signedTransactions: [tx],
      client: pub,
      maxBlocks: 2,
      pollIntervalMs: 20,
    });
    expect(outcome.status).toBe("not-included");
    expect(outcome.attempts).toHaveLength(2);
    expect(relay.bundles.slice(-2).map((b) => b.status)).toEqual(["failed", "failed"]);
    expect(await nonce()).toBe(n);
    expect(await rpcCall(node.url, "eth_getTransactionByHash", [keccak256(tx)])).toBeNull();
  });

  it("rejects a bad signature with 403: the bundle is not recorded and nothing reaches the chain; the key is not in the error", async () => {
    const n = await nonce();
    const blockBefore = await pub.getBlockNumber();
    const bundlesBefore = relay.bundles.length;
    const rejectedBefore = relay.rejectedSignatures;
    const tx = await signed({ to: DEV_ADDRESS_1, value: 1n, nonce: n });
    // A signer claiming another address than the one its key signs for: the recovered address does not match.
    const impostor = ethers.Wallet.createRandom();
    const lying = new Proxy(impostor, {
      get(target, prop) {
        if (prop === "address") return authSigner.address;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value; // private fields need the real `this`
      },
    });

    const err = await sendBundle({
      relayUrl: relay.url,
      authSigner: lying,
      signedTransactions: [tx],
      blockNumber: blockBefore + 1n,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayHttpError);
    expect((err as RelayHttpError).status).toBe(403);
    expect((err as RelayHttpError).retryable).toBe(false);
    for (const key of [impostor.privateKey, authSigner.privateKey]) {
      for (const text of [(err as Error).message, inspect(err, { depth: 10 }), JSON.stringify(err)]) {
        expect(text.toLowerCase()).not.toContain(key.slice(2).toLowerCase());
      }
    }
    // No signature header at all: 403 too.
    const bare = await fetch(relay.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_sendBundle",
        params: [{ txs: [tx], blockNumber: "0x1" }],
      }),
    });
    expect(bare.status).toBe(403);

    // submitUntilIncluded does not retry a request the relay will never accept.
    await expect(
      submitUntilIncluded({
        relayUrl: relay.url,
        authSigner: lying,
        signedTransactions: [tx],
        client: pub,
        maxBlocks: 3,
        pollIntervalMs: 20,
      }),
    ).rejects.toBeInstanceOf(RelayHttpError);

    await new Promise((r) => setTimeout(r, 200)); // give the relay's poller a chance to do something it should not
    expect(relay.bundles.length).toBe(bundlesBefore);
    expect(relay.rejectedSignatures).toBe(rejectedBefore + 3);
    expect(await pub.getBlockNumber()).toBe(blockBefore);
    expect(await nonce()).toBe(n);
  });
});
