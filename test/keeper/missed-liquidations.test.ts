/**
 * The missed-liquidation audit on the real protocols: a competitor account liquidates directly on Aave's pool and
 * on Morpho Blue, before the keeper. Once while the keeper skips the position (a MIN_PROFIT floor no liquidation
 * clears), once in the very block the position becomes liquidatable (the keeper never reads it under HF 1). The
 * audit's rows say who won, with what, how many blocks after our first sighting, and why we did not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxUint256, type Address, type Hash } from "viem";
import { devAccount } from "../../src/chain/devAccounts.js";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { formatAudit, summariseMisses } from "../../src/cli/audit.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import { Journal } from "../../src/journal/index.js";
import { MissedLiquidationAudit } from "../../src/keeper/audit.js";
import { DecisionLog } from "../../src/keeper/decisionLog.js";
import { Keeper, type KeeperEvent } from "../../src/keeper/keeper.js";
import { createExecuteFn, createLocalPipeline } from "../../src/keeper/pipeline.js";
import { createMetrics, recordMissedLiquidation } from "../../src/ops/metrics.js";
import { skip } from "../../src/skip.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { Watcher } from "../../src/watcher/watcher.js";
import {
  createAaveBorrower,
  createMorphoBorrower,
  deployWorld,
  getPrices,
  minOpenHealthFactorBps,
  mine,
  setPrice,
  syncPoolsToFeeds,
  type World,
} from "../../src/world/index.js";
import { settableAggregator } from "../../src/world/tokens.js";
import { aavePoolAbi, erc20Abi, morphoAbi } from "../helpers/abis.js";

const USD8 = 10n ** 8n;

describe("missed-liquidation audit: a competitor liquidates before the keeper", () => {
  let chain: InProcessChain;
  let world: World;
  let keeper: Keeper;
  let journal: Journal;
  let audit: MissedLiquidationAudit;
  const metrics = createMetrics();
  /** Blocks at which the keeper's log first had each subject (the block event of the snapshot that skipped it). */
  const skippedAt = new Map<string, bigint>();

  const competitor = () => chain.accounts[3];
  const wait = (hash: Hash) => chain.public.waitForTransactionReceipt({ hash });

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    journal = Journal.inMemory();
    const decisions = new DecisionLog({ journal });
    audit = new MissedLiquidationAudit({
      journal,
      client: chain.public,
      onMiss: (m) => recordMissedLiquidation(metrics, m),
    });
    keeper = new Keeper({
      client: chain.public,
      watcher: new Watcher(chain.public, world, {
        watch: new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]),
      }),
      // A floor no liquidation clears: every underwater position is skipped as not profitable.
      strategy: strategyContextFor(world, {
        minProfitUsd: 10n ** 12n * USD8,
        priorityFeePerGas: 10n ** 9n,
        thresholdBps: 10_000n,
        toleranceBps: 1,
      }),
      execute: async () => ({ status: "skipped", skip: skip("other", "nothing is sent in this test") }),
      dryRun: true,
      onEvent: (e: KeeperEvent) => {
        decisions.onEvent(e);
        audit.onEvent(e);
        if (e.type === "block")
          for (const s of e.skipped ?? [])
            if (!skippedAt.has(s.id) && s.skip.code === "not-profitable") skippedAt.set(s.id, e.snapshot.blockNumber);
      },
    });
    // The competitor holds the debt tokens and has approved both protocols.
    const c = competitor();
    for (const spender of [world.aave.pool, world.morpho.morpho]) {
      await wait(
        await c.writeContract({
          address: world.tokens.USDC.address,
          abi: erc20Abi,
          functionName: "mint",
          args: [c.account.address, 10n ** 15n],
        } as never),
      );
      await wait(
        await c.writeContract({
          address: world.tokens.USDC.address,
          abi: erc20Abi,
          functionName: "approve",
          args: [spender, maxUint256],
        } as never),
      );
    }
  });

  afterAll(() => journal?.close());

  const head = () => chain.public.getBlockNumber({ cacheTime: 0 });

  it("an Aave position the keeper skipped for three blocks: cause skipped [not-profitable], 3+ blocks late", async () => {
    const borrower = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 100_000n * USD8,
      healthFactorBps: minOpenHealthFactorBps("WETH"),
    });
    await keeper.processBlock(await head());
    // WETH falls until the borrower's HF is about 0.97; the pools follow the feed.
    const { WETH } = await getPrices(chain, world);
    await setPrice(chain, world, "WETH", (WETH * 9_700n) / minOpenHealthFactorBps("WETH"));
    await syncPoolsToFeeds(chain, world);
    for (let i = 0; i < 3; i++) {
      await keeper.processBlock(await head());
      await mine(chain, 1);
    }
    const firstSkip = skippedAt.get(`aave-v3:${borrower}`);
    expect(firstSkip).toBeDefined();

    const c = competitor();
    const receipt = await wait(
      await c.writeContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "liquidationCall",
        args: [world.tokens.WETH.address, world.tokens.USDC.address, borrower, maxUint256, false],
      } as never),
    );
    expect(receipt.status).toBe("success");
    await keeper.processBlock(receipt.blockNumber);
    await audit.idle();

    const [miss] = journal.missed().filter((m) => m.borrower === borrower.toLowerCase());
    expect(miss).toMatchObject({
      protocol: "aave-v3",
      block: receipt.blockNumber,
      txHash: receipt.transactionHash,
      liquidator: c.account.address.toLowerCase(),
      sender: c.account.address.toLowerCase(),
      debtAsset: world.tokens.USDC.address.toLowerCase(),
      collateralAsset: world.tokens.WETH.address.toLowerCase(),
      cause: "skipped",
      code: "not-profitable",
      firstSeenBlock: firstSkip,
      blocksLate: receipt.blockNumber - firstSkip!,
    });
    expect(miss.blocksLate).toBeGreaterThanOrEqual(3n);
    expect(miss.debtRepaid).toBeGreaterThan(0n);
    expect(miss.collateralSeized).toBeGreaterThan(0n);
    expect(miss.detail).toContain("not-profitable");
  });

  it("a Morpho position liquidated in the block its price fell: cause not-seen, no block gap", async () => {
    const borrower = await createMorphoBorrower(chain, world, {
      collateralUsd: 50_000n * USD8,
      healthFactorBps: 10_300n,
    });
    await keeper.processBlock(await head());
    const [, borrowShares] = await chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "position",
      args: [world.morpho.marketId, borrower],
    });
    const c = competitor();
    // The feed update and the liquidation share one block: no snapshot of ours ever has the position under LLTV.
    await chain.public.request({ method: "evm_setAutomine", params: [false] } as never);
    const price = (await chain.public.readContract({
      address: world.feeds[symbolOf(world, world.morpho.marketParams.collateralToken)],
      abi: settableAggregator().abi,
      functionName: "latestAnswer",
    })) as bigint;
    await chain.accounts[0].writeContract({
      address: world.feeds[symbolOf(world, world.morpho.marketParams.collateralToken)],
      abi: settableAggregator().abi,
      functionName: "setAnswer",
      args: [(price * 90n) / 100n],
      gas: 200_000n,
    } as never);
    const hash = await c.writeContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "liquidate",
      args: [world.morpho.marketParams, borrower, 0n, borrowShares / 2n, "0x"],
      gas: 1_000_000n,
    } as never);
    await mine(chain, 1);
    await chain.public.request({ method: "evm_setAutomine", params: [true] } as never);
    const receipt = await wait(hash);
    expect(receipt.status).toBe("success");
    await keeper.processBlock(receipt.blockNumber);
    await audit.idle();

    const [miss] = journal.missed().filter((m) => m.borrower === borrower.toLowerCase());
    expect(miss).toMatchObject({
      protocol: "morpho-blue",
      block: receipt.blockNumber,
      liquidator: c.account.address.toLowerCase(),
      sender: c.account.address.toLowerCase(),
      market: world.morpho.marketId.toLowerCase(),
      debtAsset: world.morpho.marketParams.loanToken.toLowerCase(),
      collateralAsset: world.morpho.marketParams.collateralToken.toLowerCase(),
      cause: "not-seen",
    });
    expect(miss.firstSeenBlock).toBeUndefined();
    expect(miss.blocksLate).toBeUndefined();
    expect(miss.debtRepaid).toBeGreaterThan(0n);
  });

  it("summarises by cause with the median gap, counts the metric, and a block read twice records nothing new", async () => {
    const all = journal.missed();
    expect(all).toHaveLength(2);
    const s = summariseMisses(all);
    expect(s.byCause).toMatchObject({ skipped: 1, "not-seen": 1, "too-late": 0 });
    expect(s.medianBlocksLate).toBe(Number(all.find((m) => m.cause === "skipped")!.blocksLate));
    expect(formatAudit(s)).toMatch(/2 liquidation\(s\) won by others; median \d+ block/);
    const text = await metrics.registry.getSingleMetricAsString("keeper_missed_liquidations_total");
    expect(text).toContain('keeper_missed_liquidations_total{protocol="aave-v3",cause="skipped"} 1');
    expect(text).toContain('keeper_missed_liquidations_total{protocol="morpho-blue",cause="not-seen"} 1');
    // The same snapshot audited again (a restart re-reading a block) adds no row and no count.
    const again = await new Watcher(chain.public, world, { watch: new Set(["aave-v3", "morpho-blue"]) }).snapshot(
      all[1].block,
    );
    await audit.audit(again);
    expect(journal.missed()).toHaveLength(2);
    expect(await metrics.registry.getSingleMetricAsString("keeper_missed_liquidations_total")).toBe(text);
  });
});

function symbolOf(world: World, token: Address): keyof World["feeds"] {
  return (Object.keys(world.tokens) as (keyof World["tokens"])[]).find((s) => world.tokens[s].address === token)!;
}

describe("missed-liquidation audit: the keeper sends, a competitor paying more priority lands first", () => {
  it("records the competitor's liquidation as too-late, one block after our sighting", async () => {
    const chain = await createInProcessChain();
    const world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, keeperWallet, ownerWallet, c] = chain.accounts;
    const executor = await deployExecutor(
      { public: chain.public, wallet: ownerWallet },
      { keeper: keeperWallet.account.address, protocols: executorProtocols(world) },
    );
    const send = createLocalPipeline({
      client: chain.public,
      executor,
      account: devAccount(1),
      fees: { priorityFeePerGas: 10n ** 9n, maxFeePerGasCap: 500n * 10n ** 9n },
    });
    const journal = send.journal;
    const decisions = new DecisionLog({ journal });
    const audit = new MissedLiquidationAudit({ journal, executor, client: chain.public });
    const sentAt: bigint[] = [];
    const sentKinds: string[] = [];
    const keeper = new Keeper({
      client: chain.public,
      watcher: new Watcher(chain.public, world, {
        watch: new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]),
        executor,
      }),
      strategy: strategyContextFor(world, {
        minProfitUsd: 5n * USD8,
        priorityFeePerGas: 10n ** 9n,
        thresholdBps: 10_000n,
        toleranceBps: 1,
      }),
      execute: createExecuteFn(send.pipeline, { wethToken: world.tokens.WETH.address }),
      dryRun: false,
      settleInBackground: true,
      onEvent: (e: KeeperEvent) => {
        decisions.onEvent(e);
        audit.onEvent(e);
        if (e.type === "send") {
          sentAt.push(e.block);
          sentKinds.push(e.candidate.action.kind);
        }
      },
    });
    const wait = (hash: Hash) => chain.public.waitForTransactionReceipt({ hash });
    for (const [fn, args] of [
      ["mint", [c.account.address, 10n ** 15n]],
      ["approve", [world.aave.pool, maxUint256]],
    ] as const)
      await wait(
        await c.writeContract({ address: world.tokens.USDC.address, abi: erc20Abi, functionName: fn, args } as never),
      );
    const borrower = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 100_000n * USD8,
      healthFactorBps: minOpenHealthFactorBps("WETH"),
    });
    const { WETH } = await getPrices(chain, world);
    await setPrice(chain, world, "WETH", (WETH * 9_700n) / minOpenHealthFactorBps("WETH"));
    await syncPoolsToFeeds(chain, world);

    // Blocks are mined by hand from here: the keeper's liquidation waits in the mempool with the competitor's.
    await chain.public.request({ method: "evm_setAutomine", params: [false] } as never);
    try {
      const seen = await chain.public.getBlockNumber({ cacheTime: 0 });
      await keeper.processBlock(seen);
      expect(sentAt).toEqual([seen]);
      const hash = await c.writeContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "liquidationCall",
        args: [world.tokens.WETH.address, world.tokens.USDC.address, borrower, maxUint256, false],
        gas: 2_000_000n,
        maxPriorityFeePerGas: 100n * 10n ** 9n,
        maxFeePerGas: 1_000n * 10n ** 9n,
      } as never);
      await mine(chain, 1);
      await chain.public.request({ method: "evm_setAutomine", params: [true] } as never);
      const receipt = await wait(hash);
      expect(receipt.status).toBe("success");
      // Ours is in the same block, after the competitor's (it paid less priority).
      const block = await chain.public.getBlock({ blockNumber: receipt.blockNumber });
      expect(block.transactions.length).toBe(2);
      expect(block.transactions[0]).toBe(receipt.transactionHash);

      await keeper.processBlock(receipt.blockNumber);
      await keeper.drain();
      await audit.idle();
      const [miss] = journal.missed();
      expect(miss).toMatchObject({
        protocol: "aave-v3",
        block: receipt.blockNumber,
        borrower: borrower.toLowerCase(),
        liquidator: c.account.address.toLowerCase(),
        cause: "too-late",
        code: sentKinds[0],
        firstSeenBlock: seen,
        blocksLate: receipt.blockNumber - seen,
      });
      expect(journal.missed()).toHaveLength(1);
      // Our send reverted in the competitor's block (nothing left to liquidate at a profit): logged under that block.
      decisions.flush();
      const ours = journal.decisionsFor(borrower, { limit: 100 }).find((d) => d.kind === "outcome");
      expect(ours).toMatchObject({ block: receipt.blockNumber, code: "reverted" });
    } finally {
      await chain.public.request({ method: "evm_setAutomine", params: [true] } as never);
    }
  });
});
