/**
 * Rebalances in the block planner's sequence: each carries its pools' exact end state, and one planned after an
 * earlier action of the block moved its pool is re-sized on that state (the detector run again on the working copy)
 * instead of waiting for the next block. Both then mine in the same block, on the real Uniswap V2/V3 bytecode.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseAbi } from "viem";
import { devAccount } from "../../src/chain/devAccounts.js";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { deployExecutor, executorProtocols, setInventoryCaps } from "../../src/executor/deploy.js";
import { createExecuteFn, createLocalPipeline } from "../../src/keeper/pipeline.js";
import { findV2Rebalances } from "../../src/protocols/uniswapV2/detect.js";
import { findV3Rebalances } from "../../src/protocols/uniswapV3/detect.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planSequence } from "../../src/strategy/sequence.js";
import type { Candidate } from "../../src/strategy/types.js";
import { WorkingSnapshot } from "../../src/strategy/working.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { deployWorld, skewV2Pool, skewV3Pool, type World } from "../../src/world/index.js";

const USD8 = 10n ** 8n;

describe("rebalances in one block's sequence", () => {
  let chain: InProcessChain;
  let world: World;
  let executor: `0x${string}`;
  let watcher: Watcher;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, keeperWallet, ownerWallet] = chain.accounts;
    const clients = { public: chain.public, wallet: ownerWallet };
    executor = await deployExecutor(clients, {
      keeper: keeperWallet.account.address,
      protocols: executorProtocols(world),
    });
    const stock = [
      [world.tokens.WETH.address, 5_000n * 10n ** 18n],
      [world.tokens.USDC.address, 20_000_000n * 10n ** 6n],
    ] as const;
    for (const [token, amount] of stock) {
      const hash = await ownerWallet.writeContract({
        address: token,
        abi: parseAbi(["function mint(address,uint256)"]),
        functionName: "mint",
        args: [executor, amount],
      });
      await chain.public.waitForTransactionReceipt({ hash });
    }
    await setInventoryCaps(
      clients,
      executor,
      stock.map(([token, amount]) => ({ token, perTx: amount, perDay: amount })),
    );
    watcher = new Watcher(chain.public, world, { watch: new Set(["uniswap-v2", "uniswap-v3"]), executor });
  });

  it("the V2 rebalance's flash swap moves the V3 pool; the V3 rebalance after it is re-sized on that state, and both mine in one block", async () => {
    // WETH 4% dear on the V2 pair and 3% cheap on the V3 pool: the V2 rebalance buys WETH on V3 (its flash source)
    // and sells it on V2; the V3 rebalance buys WETH on V3 from inventory. Both raise the V3 price, so whichever is
    // planned second trades on a pool the first one moved.
    await skewV2Pool(chain, world, "WETH_USDC", 400);
    await skewV3Pool(chain, world, -300);
    const ctx = strategyContextFor(world, {
      minProfitUsd: 1n * USD8,
      priorityFeePerGas: 10n ** 9n,
      thresholdBps: 30n,
      toleranceBps: 5,
    });
    const snapshot = await watcher.snapshot();
    const plan = planSequence(snapshot, ctx);
    const kinds = plan.transactions.map((t) => t.action.kind);
    expect([...kinds].sort()).toEqual(["rebalanceV2", "rebalanceV3"]);
    expect(plan.skipped.filter((s) => /waits for the next block/.test(s.skip.message))).toEqual([]);

    // The second is exactly what its detector finds on the state the first leaves.
    const [first, second] = plan.transactions;
    const working = new WorkingSnapshot(snapshot);
    working.apply(first.effects!);
    const view = working.view();
    const again = second.action.kind === "rebalanceV3" ? findV3Rebalances(view, ctx) : findV2Rebalances(view, ctx);
    const expected = again.candidates.find((c: Candidate) => c.opportunity.id === second.opportunity.id)!;
    expect(second.action.params).toEqual(expected.action.params);
    expect(second.opportunity.expectedProfit).toEqual(expected.opportunity.expectedProfit);
    expect(second.effects).toEqual(expected.effects);
    // Priced on the block's snapshot instead, it would have counted on the V3 state before the first trade.
    const alone =
      second.action.kind === "rebalanceV3" ? findV3Rebalances(snapshot, ctx) : findV2Rebalances(snapshot, ctx);
    const unrefined = alone.candidates.find((c: Candidate) => c.opportunity.id === second.opportunity.id)!;
    expect(second.opportunity.expectedProfit.amount).not.toBe(unrefined.opportunity.expectedProfit.amount);

    // Sent in order on the same block: both mine, each within its tolerance of the reference.
    await chain.public.request({ method: "evm_setAutomine" as never, params: [false] as never });
    const { pipeline, journal } = createLocalPipeline({
      client: chain.public,
      executor,
      account: devAccount(1),
      fees: { priorityFeePerGas: 10n ** 9n, maxFeePerGasCap: 500n * 10n ** 9n },
    });
    const sender = createExecuteFn(pipeline, { wethToken: world.tokens.WETH.address });
    const submitted = [];
    for (const t of plan.transactions) {
      const s = await sender.submit(t, snapshot);
      if (s.status !== "submitted") throw new Error(`${t.action.kind}: ${JSON.stringify(s)}`);
      submitted.push(s);
    }
    await chain.public.request({ method: "evm_mine" as never, params: [] as never });
    await chain.public.request({ method: "evm_setAutomine" as never, params: [true] as never });
    const receipts = await Promise.all(submitted.map((s) => chain.public.getTransactionReceipt({ hash: s.hash })));
    expect(receipts.map((r) => r.status)).toEqual(["success", "success"]);
    expect(receipts[0].blockNumber).toBe(receipts[1].blockNumber);
    const after = await watcher.snapshot();
    expect(planSequence(after, ctx).transactions).toEqual([]);
    journal.close();
  });
});
