/**
 * Reads that hold on real chains: one broken venue or price source costs its own slice of the snapshot for the block,
 * never the whole protocol's read. On the world's real Uniswap V3 and Morpho Blue, with a deployment naming a
 * "pool" that is not one and a Morpho market whose oracle reverts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planBlock } from "../../src/strategy/index.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { createMorphoBorrower, deployWorld, setPrice, type World } from "../../src/world/index.js";

const USD8 = 10n ** 8n;

describe("a broken venue or oracle costs only its own slice of the snapshot", () => {
  let chain: InProcessChain;
  let world: World;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
  });

  it("a V3 'pool' whose slot0 reverts is left out; the real pool is read", async () => {
    const real = world.uniswapV3.pools.WETH_USDC_3000;
    // The WETH token as a pool: every pool read on it reverts.
    const broken = { ...real, address: world.tokens.WETH.address };
    const deployment = { ...world, uniswapV3: { ...world.uniswapV3, pools: { WETH_USDC_3000: real, BROKEN: broken } } };
    const snapshot = await new Watcher(chain.public, deployment as unknown as World, {
      watch: new Set(["uniswap-v3"]),
    }).snapshot();
    expect(snapshot.v3Pools!.map((p) => p.address)).toEqual([real.address]);
    expect(snapshot.v3Pools![0].state.ticks.length).toBeGreaterThan(0);
  });

  it("a Morpho market whose oracle reverts is read without a price: its positions get a price-check skip, the rest of Morpho is read", async () => {
    const market = world.morpho.markets[0];
    const borrower = await createMorphoBorrower(chain, world, {
      collateralUsd: 20_000n * USD8,
      healthFactorBps: 10_300n,
    });
    await setPrice(chain, world, "WETH", 2_700n * USD8);
    // The same market, but its oracle named as an address whose price() reverts (the loan token).
    const broken = { ...market, params: { ...market.params, oracle: market.params.loanToken } };
    const deployment = { ...world, morpho: { ...world.morpho, markets: [broken, ...world.morpho.markets.slice(1)] } };
    const watcher = new Watcher(chain.public, deployment as World, { watch: new Set(["morpho-blue", "uniswap-v2"]) });
    const snapshot = await watcher.snapshot();
    const read = snapshot.morpho!.markets.find((m) => m.id === market.id)!;
    expect(read.price).toBeUndefined();
    // The revert of price() on a contract that has no such function: no data, so viem's "reverted" without a reason.
    expect(read.priceError).toMatch(/revert/i);
    expect(read.positions.map((p) => p.borrower)).toContain(borrower);
    const plan = planBlock(
      snapshot,
      strategyContextFor(deployment as World, {
        minProfitUsd: 1n * USD8,
        priorityFeePerGas: 10n ** 9n,
        thresholdBps: 30n,
        toleranceBps: 1,
      }),
    );
    const skip = plan.skipped.find((s) => s.id === `morpho-blue:${market.id.slice(0, 10)}:oracle`);
    expect(skip?.skip.code).toBe("price-check");
    expect(skip?.skip.message).toMatch(/oracle .* did not answer/);
    // With its real oracle, the same position is priced and liquidatable.
    const healthy = await new Watcher(chain.public, world, {
      watch: new Set(["morpho-blue", "uniswap-v2"]),
    }).snapshot();
    const priced = healthy.morpho!.markets.find((m) => m.id === market.id)!;
    expect(priced.price).toBeGreaterThan(0n);
  });
});
