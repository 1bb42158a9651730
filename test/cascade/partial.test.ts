/**
 * Impact-aware partial liquidations on the real protocols: a position too big for the pools' depth is not
 * liquidated in full (that would lose money to impact) but in the size that nets most, and the keeper keeps going
 * block after block as arbitrageurs bring the pools back, until nothing nets more than gas plus the floor.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { devAccount } from "../../src/chain/devAccounts.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import { Keeper } from "../../src/keeper/keeper.js";
import { createExecuteFn, createLocalPipeline } from "../../src/keeper/pipeline.js";
import { findAaveReserve } from "../../src/risk/aave/account.js";
import { aaveLiquidationCandidates } from "../../src/risk/aave/best.js";
import { sizeAaveLiquidation } from "../../src/risk/route/index.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planSequence } from "../../src/strategy/sequence.js";
import { venuesOf } from "../../src/strategy/venues.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { arbitrageStep } from "../../src/world/arbitrage.js";
import {
  createAaveBorrower,
  deployWorld,
  mine,
  setPrice,
  syncPoolsToFeeds,
  type World,
} from "../../src/world/index.js";

const USD8 = 10n ** 8n;

describe("cascade: partial liquidations sized by depth, continued over blocks", () => {
  let chain: InProcessChain;
  let world: World;
  let keeper: Keeper;
  let watcher: Watcher;
  let whale: `0x${string}`;
  const strategy = () =>
    strategyContextFor(world, {
      minProfitUsd: 5n * USD8,
      priorityFeePerGas: 10n ** 9n,
      thresholdBps: 10_000n,
      toleranceBps: 1,
    });

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, keeperWallet, ownerWallet] = chain.accounts;
    const executor = await deployExecutor(
      { public: chain.public, wallet: ownerWallet },
      { keeper: keeperWallet.account.address, protocols: executorProtocols(world) },
    );
    // $12M of WETH against USDC: more than the world's $10M-a-side WETH/USDC pair and its V3 pool absorb at a profit.
    whale = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 12_000_000n * USD8,
      healthFactorBps: 10_400n,
    });
    watcher = new Watcher(chain.public, world, {
      watch: new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]),
      executor,
    });
    const send = createLocalPipeline({
      client: chain.public,
      executor,
      account: devAccount(1),
      fees: { priorityFeePerGas: 10n ** 9n, maxFeePerGasCap: 500n * 10n ** 9n },
    });
    keeper = new Keeper({
      client: chain.public,
      watcher,
      strategy: strategy(),
      execute: createExecuteFn(send.pipeline, { wethToken: world.tokens.WETH.address }),
      dryRun: false,
    });
    // ETH -16.7%: the whale sinks below HF 0.95 (100% close factor); the pools follow the feeds.
    await setPrice(chain, world, "WETH", 2_500n * USD8);
    await syncPoolsToFeeds(chain, world);
  });

  it("the full-size liquidation would lose money to impact; a partial one that nets more than gas + floor is sent", async () => {
    const snapshot = await watcher.snapshot();
    const aave = snapshot.aave!;
    const position = aave.positions[whale];
    const [c] = aaveLiquidationCandidates(position, aave.reserves);
    const debt = position.reserves.find((r) => r.asset === c.debtAsset)!;
    const coll = position.reserves.find((r) => r.asset === c.collateralAsset)!;
    const sized = sizeAaveLiquidation({
      liquidation: {
        debtReserve: findAaveReserve(aave.reserves, c.debtAsset)!,
        collateralReserve: findAaveReserve(aave.reserves, c.collateralAsset)!,
        variableDebt: debt.variableDebt,
        stableDebt: debt.stableDebt,
        userCollateralBalance: coll.aTokenBalance,
        healthFactor: c.healthFactor,
      },
      venues: venuesOf(snapshot),
      funding: { kind: "free" },
      route: { hubs: [world.tokens.WETH.address] },
    })!;
    expect(sized.fullSizeProfitDebtUnits ?? -1n).toBeLessThan(0n);
    expect(sized.debtToCover).toBeLessThan(sized.maxDebtToCover);
    expect(sized.profitDebtUnits).toBeGreaterThan(0n);

    const plan = planSequence(snapshot, strategy());
    const tx = plan.transactions.find((t) => t.opportunity.id === `aave-v3:${whale}`)!;
    expect(tx.context.size).toMatch(/^partial/);
    expect(tx.netProfitUsd).toBeGreaterThan(strategy().minProfitUsd);

    await keeper.processBlock(snapshot.blockNumber);
    const [first] = keeper.report.liquidations;
    expect(first.borrower).toBe(whale);
    expect(BigInt(first.debtRepaid)).toBeLessThan(c.debtToRepay);
    expect(BigInt(first.profit)).toBeGreaterThan(0n);
    expect(keeper.report.failures).toEqual([]);
  });

  it("keeps liquidating block after block as arbitrageurs restore the pools, until nothing nets more than gas + floor", async () => {
    const blocksWithLiquidations = new Set(keeper.report.liquidations.map((l) => l.block));
    for (let i = 0; i < 12; i++) {
      await arbitrageStep(chain, world, { strength: 1 });
      await mine(chain, 1);
      const before = keeper.report.liquidations.length;
      const snapshot = await keeper.processBlock();
      const plan = planSequence(snapshot, strategy());
      const stillWorthIt = plan.transactions.some((t) => t.opportunity.id === `aave-v3:${whale}`);
      if (keeper.report.liquidations.length > before)
        blocksWithLiquidations.add(keeper.report.liquidations.at(-1)!.block);
      // Never a stall: a block where a liquidation of the whale still nets more than gas + floor is a block it is sent.
      else expect(stillWorthIt, `block ${snapshot.blockNumber}: a profitable liquidation was left unsent`).toBe(false);
      if (!stillWorthIt && keeper.report.liquidations.length === before) break;
    }
    expect(blocksWithLiquidations.size).toBeGreaterThanOrEqual(2);
    expect(keeper.report.failures).toEqual([]);
    const final = planSequence(await watcher.snapshot(), strategy());
    expect(final.transactions.filter((t) => t.opportunity.kind === "liquidation")).toEqual([]);
  });
});
