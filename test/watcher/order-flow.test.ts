/**
 * Order flow on the world's real pools: a directional trader (the world's PoolActor) buys WETH_USDC's token0 block
 * after block, then sells once, and trades the V3 pool. Each snapshot's per-block and window figures equal what
 * the swaps moved in the pools (the reserves' and balances' changes, to the unit), the Swap logs ride the discovery
 * readers' eth_getLogs (one request per snapshot in the steady state), and a rebalance against the flow says so in
 * its decision, or waits with ORDER_FLOW_MAX_AGAINST_USD.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, custom, type Chain, type PublicClient, type Transport } from "viem";
import { createInProcessChain, localChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { createMetrics, observeKeeperEvent } from "../../src/ops/metrics.js";
import { findV2Rebalances } from "../../src/protocols/uniswapV2/detect.js";
import { flowUsd8 } from "../../src/risk/orderFlow.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import type { Snapshot } from "../../src/watcher/snapshot.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { deployWorld, mine, skewV2Pool, skewV3Pool, type World } from "../../src/world/index.js";

const USD8 = 10n ** 8n;
const WINDOW = 4;

describe("order flow from the pools' Swap events", () => {
  let chain: InProcessChain;
  let world: World;
  let client: PublicClient<Transport, Chain>;
  let watcher: Watcher;
  let getLogs = 0;
  const snapshots: Snapshot[] = [];

  const pair = () => world.uniswapV2.pairs.WETH_USDC;
  const pairOf = (s: Snapshot) => s.v2Pairs!.find((p) => p.address === pair().address)!;
  const flowOf = (s: Snapshot, pool: string) => s.orderFlow!.find((f) => f.pool === pool)!;
  /** Snapshot of the head, counting its eth_getLogs requests. */
  const snap = async () => {
    const before = getLogs;
    const s = await watcher.snapshot(await chain.public.getBlockNumber({ cacheTime: 0 }));
    snapshots.push(s);
    return { s, requests: getLogs - before };
  };

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 2, morphoBorrowers: 2 });
    client = createPublicClient({
      chain: localChain,
      transport: custom({
        request: async (args: { method: string; params?: unknown[] }) => {
          if (args.method === "eth_getLogs") getLogs++;
          return chain.public.request(args as never);
        },
      }),
    }) as PublicClient<Transport, Chain>;
    watcher = new Watcher(client, world, {
      watch: new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]),
      orderFlowWindowBlocks: WINDOW,
    });
    await snap();
  });

  it("per block and over the window, the figures equal the reserves the trader's swaps moved", async () => {
    const bases: bigint[] = [];
    for (const bps of [40, 25, 30, -20]) {
      await skewV2Pool(chain, world, "WETH_USDC", bps);
      const prev = pairOf(snapshots[snapshots.length - 1]);
      const { s, requests } = await snap();
      // Discovery (Aave, Morpho borrowers and markets) and the market events share one eth_getLogs.
      expect(requests).toBe(1);
      const moved = prev.reserve0 - pairOf(s).reserve0;
      expect(moved > 0n).toBe(bps > 0);
      bases.push(moved);
      const f = flowOf(s, pair().address);
      expect(f.block).toMatchObject({ base: moved, swaps: 1 });
      const inWindow = bases.slice(-WINDOW);
      expect(f.window.base).toBe(inWindow.reduce((a, b) => a + b, 0n));
      expect(f.window.bought).toBe(inWindow.filter((b) => b > 0n).reduce((a, b) => a + b, 0n));
      expect(f.window.sold).toBe(-inWindow.filter((b) => b < 0n).reduce((a, b) => a + b, 0n));
      const price = s.prices[pair().token0];
      expect(f.blockUsd8).toBe(flowUsd8(moved, price.decimals, price.usd8));
      // The other pools saw nothing.
      expect(flowOf(s, world.uniswapV2.pairs.WBTC_USDC.address).window.swaps).toBe(0);
    }
    // The trader pauses: the first buys leave the window block by block.
    await mine(chain, 2);
    const { s } = await snap();
    const f = flowOf(s, pair().address);
    expect(f.block.swaps).toBe(0);
    expect(f.window.base).toBe(bases[2] + bases[3]);
  });

  it("a V3 swap counts with the pool's token0 balance change, sign included", async () => {
    const pool = world.uniswapV3.pools.WETH_USDC_3000.address;
    const before = snapshots[snapshots.length - 1].v3Pools!.find((p) => p.address === pool)!;
    await skewV3Pool(chain, world, -30);
    const { s, requests } = await snap();
    expect(requests).toBe(1);
    const after = s.v3Pools!.find((p) => p.address === pool)!;
    const f = flowOf(s, pool);
    // Token0 sold into the pool: its balance rose by what the traders sold.
    expect(f.block.base).toBe(-(after.balance0! - before.balance0!));
    expect(f.block.base < 0n).toBe(true);
    expect(f.window.base).toBe(f.block.base);
    // The gauge per pool: this block's and the window's USD.
    const metrics = createMetrics();
    observeKeeperEvent(metrics, { type: "block", snapshot: s, underwater: 0, skewedPools: 0, candidates: 0 });
    const text = await metrics.registry.getSingleMetricAsString("keeper_order_flow_usd");
    expect(text).toContain(
      `keeper_order_flow_usd{protocol="uniswap-v3",pool="WETH_USDC_3000",window="block"} ${Number(f.blockUsd8!) / 1e8}`,
    );
    const v2 = flowOf(s, pair().address);
    expect(text).toContain(
      `keeper_order_flow_usd{protocol="uniswap-v2",pool="WETH_USDC",window="rolling"} ${Number(v2.windowUsd8!) / 1e8}`,
    );
  });

  it("a rebalance against the window's flow says so, and waits above ORDER_FLOW_MAX_AGAINST_USD", async () => {
    // The trader keeps buying token0: the pair's price rises above the feeds, the rebalance would sell token0.
    await skewV2Pool(chain, world, "WETH_USDC", 60);
    const { s } = await snap();
    const f = flowOf(s, pair().address);
    expect(f.window.base).toBeGreaterThan(0n);
    const ctx = (max: bigint) =>
      strategyContextFor(world, {
        minProfitUsd: 0n,
        priorityFeePerGas: 10n ** 9n,
        thresholdBps: 10n,
        toleranceBps: 1,
        orderFlowMaxAgainstUsd: max,
      });
    const id = `uniswap-v2:${pair().address}`;
    const noted = findV2Rebalances(s, ctx(0n));
    const seen = [
      ...noted.candidates.map((c) => c.context),
      ...noted.skipped.filter((x) => x.id === id).map((x) => x.context),
    ];
    expect(seen[0]?.orderFlow).toMatch(/^against: traders bought \$[\d,]+\.\d\d of \w+ net over the last 4 blocks/);
    const waits = findV2Rebalances(s, ctx(f.windowUsd8! - 1n));
    const refused = waits.skipped.find((x) => x.id === id)!;
    expect(refused.skip.code).toBe("order-flow");
    expect(refused.skip.deterministic).toBe(false);
    expect(waits.candidates.find((c) => c.opportunity.id === id)).toBeUndefined();
    // At the window's own worth the limit is not exceeded.
    expect(findV2Rebalances(s, ctx(f.windowUsd8!)).skipped.find((x) => x.skip.code === "order-flow")).toBeUndefined();
  });
});
