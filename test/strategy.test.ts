import { beforeAll, describe, expect, it } from "vitest";
import { FlashSource } from "../src/executor/routes.js";
import { createInProcessChain, type InProcessChain } from "../src/chain/inProcess.js";
import { MEASURED_GAS } from "../src/strategy/context.js";
import { planBlock, type StrategyContext } from "../src/strategy/index.js";
import { Watcher } from "../src/watcher/watcher.js";
import { createAaveBorrower, deployWorld, setPrice, skewV2Pool, type World } from "../src/world/index.js";

function contextFor(world: World, overrides: Partial<StrategyContext> = {}): StrategyContext {
  return {
    v2Pairs: Object.entries(world.uniswapV2.pairs).map(([name, p]) => ({ name, ...p })),
    v3Pools: Object.values(world.uniswapV3.pools),
    aavePool: world.aave.pool,
    wethToken: world.tokens.WETH.address,
    minProfitUsd: 1n * 10n ** 8n,
    priorityFeePerGas: 10n ** 9n,
    rebalanceThresholdBps: 30n,
    rebalanceToleranceBps: 1,
    maxTradeUsd: 0n,
    feedMaxAgeS: { default: 90_000n, byToken: {} },
    maxFeedTwapDeviationBps: 2_500n,
    v3Rebalance: true,
    gas: MEASURED_GAS,
    ...overrides,
  };
}

describe("planBlock on snapshots of the real protocols", () => {
  let chain: InProcessChain;
  let world: World;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
  });

  it("finds nothing in a calm world", async () => {
    const w = new Watcher(chain.public, world, { watch: new Set(["aave-v3", "uniswap-v2"]) });
    const plan = planBlock(await w.snapshot(), contextFor(world));
    expect(plan.selected).toHaveLength(0);
  });

  it("plans a profitable liquidation for an underwater borrower and skips a dust one for gas", async () => {
    const big = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 50_000n * 10n ** 8n,
      healthFactorBps: 10_400n,
    });
    // v3.6 closes a position under $2,000 in full (v3.0 took half): $20 of collateral earns what $40 did, under gas.
    const dust = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 20n * 10n ** 8n,
      healthFactorBps: 10_400n,
    });
    const healthy = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 50_000n * 10n ** 8n,
      healthFactorBps: 16_000n,
    });
    await setPrice(chain, world, "WETH", 2_850n * 10n ** 8n);
    const w = new Watcher(chain.public, world, { watch: new Set(["aave-v3", "uniswap-v2"]) });
    const plan = planBlock(await w.snapshot(), contextFor(world));
    const ids = plan.selected.map((c) => c.opportunity.id);
    expect(ids).toContain(`aave-v3:${big}`);
    expect(ids).not.toContain(`aave-v3:${healthy}`);
    expect(ids).not.toContain(`aave-v3:${dust}`);
    const dustSkip = plan.skipped.find((s) => s.id === `aave-v3:${dust}`);
    expect(dustSkip?.skip.message).toMatch(/gas cost exceeds gross profit|below minimum/);
    const liq = plan.selected.find((c) => c.opportunity.id === `aave-v3:${big}`)!;
    // The pools still price WETH at 3,000 while the feed says 2,850: a V3 flash of the USDC with the whole seizure
    // sold on the V2 pair nets more, at the feed's prices, than a V2 flash swap that keeps the bonus in WETH.
    expect(liq.action.kind).toBe("liquidateAaveRouted");
    if (liq.action.kind !== "liquidateAaveRouted") return;
    expect(liq.action.params.source).toBe(FlashSource.UniswapV3Flash);
    expect(liq.netProfitUsd).toBeGreaterThan(0n);
    await setPrice(chain, world, "WETH", 3_000n * 10n ** 8n);
  });

  it("plans a V3-funded rebalance of a skewed V2 pair, sized to land on the reference", async () => {
    await skewV2Pool(chain, world, "WETH_USDC", 400);
    const w = new Watcher(chain.public, world, { watch: new Set(["uniswap-v2"]) });
    const plan = planBlock(await w.snapshot(), contextFor(world));
    const reb = plan.selected.find((c) => c.opportunity.protocol === "uniswap-v2");
    expect(reb).toBeDefined();
    expect(reb!.action.kind).toBe("rebalanceV2");
    expect(Math.abs(Number(reb!.context.skewAfterBps))).toBeLessThanOrEqual(1);
    expect(reb!.opportunity.expectedProfitUsd).toBeGreaterThan(100n * 10n ** 8n);
  });
});
