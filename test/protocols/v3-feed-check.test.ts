/**
 * Inventory rebalances trade at the feeds' price, so the feeds are checked first: an answer older than its
 * heartbeat, or a price far from the pool's own 30-minute TWAP (Uniswap V3 `observe`, read in the watcher's
 * multicall), refuses the trade with a "price-check" skip. On the real Uniswap V3 pool of the world.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseAbi } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { meanTick, V3_TWAP_WINDOW_S } from "../../src/protocols/uniswapV3/read.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planBlock } from "../../src/strategy/index.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { deployWorld, setPrice, type World } from "../../src/world/index.js";

const USD8 = 10n ** 8n;
const poolAbi = parseAbi([
  "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)",
  "function observe(uint32[] secondsAgos) view returns (int56[] tickCumulatives, uint160[] secondsPerLiquidityCumulativeX128s)",
]);

describe("feed checks before an inventory rebalance of a V3 pool", () => {
  let chain: InProcessChain;
  let world: World;
  let watcher: Watcher;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    watcher = new Watcher(chain.public, world, { watch: new Set(["uniswap-v3"]) });
  });

  const advance = async (seconds: number) => {
    await chain.public.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
    await chain.public.request({ method: "evm_mine" as never, params: [] as never });
  };
  const pool = () => world.uniswapV3.pools.WETH_USDC_3000;
  const contextFor = (deployment: World = world) =>
    strategyContextFor(deployment, {
      minProfitUsd: 1n * USD8,
      priorityFeePerGas: 10n ** 9n,
      thresholdBps: 30n,
      toleranceBps: 1,
    });
  const v3Skip = async (deployment: World = world) => {
    const plan = planBlock(await watcher.snapshot(), contextFor(deployment));
    return plan.skipped.find((s) => s.id === `uniswap-v3:${pool().address}`)?.skip;
  };

  it("reads the pool's 30-minute mean tick as OracleLibrary does, once its observations reach back that far", async () => {
    const read = async () => (await watcher.snapshot()).v3Pools!.find((p) => p.address === pool().address)!;
    // Freshly initialised: observe(1800) reverts ("OLD"), and the snapshot says so by leaving it out.
    expect((await read()).twapTick).toBeUndefined();
    await advance(2 * V3_TWAP_WINDOW_S);
    const snap = await read();
    const [tickCumulatives] = await chain.public.readContract({
      address: pool().address,
      abi: poolAbi,
      functionName: "observe",
      args: [[V3_TWAP_WINDOW_S, 0]],
    });
    expect(snap.twapTick).toBe(meanTick([tickCumulatives[0], tickCumulatives[1]], V3_TWAP_WINDOW_S));
    // No trade for an hour: the mean is the current tick.
    const [, tick] = await chain.public.readContract({ address: pool().address, abi: poolAbi, functionName: "slot0" });
    expect(snap.twapTick).toBe(tick);
  });

  it("meanTick floors a negative mean towards minus infinity", () => {
    expect(meanTick([0n, -3601n], 1800)).toBe(-3);
    expect(meanTick([0n, -3600n], 1800)).toBe(-2);
    expect(meanTick([0n, 3601n], 1800)).toBe(2);
  });

  it("a feed far from the pool's TWAP refuses the trade; one within the bound passes the check", async () => {
    const weth = (await watcher.snapshot()).prices[world.tokens.WETH.address].usd8;
    // +40%: beyond the default 25% bound from the pool's mean price of the last 30 minutes.
    await setPrice(chain, world, "WETH", (weth * 140n) / 100n);
    const far = await v3Skip();
    expect(far?.code).toBe("price-check");
    expect(far?.message).toMatch(/30-minute TWAP is -?\d+ bps from the feeds' price, beyond the 2500 bps bound/);
    // +5%: the pool is skewed enough to rebalance, and the feed is trusted (the trade then waits for inventory).
    await setPrice(chain, world, "WETH", (weth * 105n) / 100n);
    const near = await v3Skip();
    expect(near?.code).toBe("no-funding");
    expect(near?.message).toMatch(/executor inventory/);
  });

  it("an answer older than the feed's heartbeat refuses the trade: the deployment's per-feed figure, else the default", async () => {
    await advance(700);
    // The WETH feed answered 700 s ago: fine under the 25-hour default, stale under a 600 s heartbeat.
    expect((await v3Skip())?.code).toBe("no-funding");
    const stale = await v3Skip({ ...world, feedMaxAgeS: { WETH: 600 } } as World);
    expect(stale?.code).toBe("price-check");
    expect(stale?.message).toMatch(/the WETH feed last answered \d+ s before this block, past its 600 s heartbeat/);
    await advance(90_001);
    expect((await v3Skip())?.message).toMatch(/past its 90000 s heartbeat/);
  });
});
