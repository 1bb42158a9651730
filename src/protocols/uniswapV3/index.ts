/** Uniswap V3 pools: price, liquidity and nearby ticks each block; rebalanced from inventory, a V2 funding source. */
import type { ProtocolModule } from "../module.js";
import { findV3Rebalances } from "./detect.js";
import type { Address } from "viem";
import { readV3Pools, v3CenterWord, type V3PoolConfig, type V3PoolSnapshot } from "./read.js";
import { uniswapV3Actions } from "./readBack.js";
import { redetected } from "../../strategy/redetect.js";
import { referencePriceFromUsd } from "../../risk/math/rational.js";
import { v3SkewBps } from "../../risk/uniswapV3/price.js";
import { uniswapV3SectionSchema, type UniswapV3Section } from "./schema.js";

declare module "../../watcher/snapshot.js" {
  interface SnapshotSlices {
    v3Pools?: readonly V3PoolSnapshot[];
  }
}

export const uniswapV3Module: ProtocolModule<UniswapV3Section> = {
  name: "uniswap-v3",
  kind: "venue",
  section: "uniswapV3",
  schema: uniswapV3SectionSchema,
  // Also read when V2 is watched: a V3 pool flash-funds V2 rebalances.
  readWhen: (watch) => watch.has("uniswap-v3") || watch.has("uniswap-v2"),
  createReader: (deployment) => {
    if (!deployment.uniswapV3) return undefined;
    const pools: V3PoolConfig[] = Object.entries(deployment.uniswapV3.pools).map(([name, p]) => ({ name, ...p }));
    // The bitmap word each pool's tick sat in last block: its window is read with slot0, in the same wave, and is
    // only read again after slot0 when the tick has since left that word.
    const centers = new Map<Address, number>();
    return {
      read: async (client, at) => {
        const v3Pools = await readV3Pools(client, pools, {
          blockNumber: at.blockNumber,
          chunkSize: at.chunkSize,
          coalescer: at.coalescer,
          centers,
        });
        for (const p of v3Pools) centers.set(p.address, v3CenterWord(p.state.tick, p.tickSpacing));
        return { v3Pools };
      },
    };
  },
  positionsWatched: (s) => s.v3Pools?.length,
  // The skew detect measures: the pool's sqrt price against the feeds' (pools without both prices or liquidity left out).
  gauges: (s) =>
    s.v3Pools
      ? {
          skews: s.v3Pools.flatMap((pool) => {
            const p0 = s.prices[pool.token0];
            const p1 = s.prices[pool.token1];
            if (!p0 || !p1 || pool.state.liquidity === 0n) return [];
            const reference = referencePriceFromUsd({
              price0Usd: p0.usd8,
              decimals0: p0.decimals,
              price1Usd: p1.usd8,
              decimals1: p1.decimals,
            });
            return [{ pool: `${pool.name} (V3)`, bps: v3SkewBps(pool.state.sqrtPriceX96, reference) }];
          }),
        }
      : undefined,
  context: (d) => ({ v3Pools: d.uniswapV3 ? Object.values(d.uniswapV3.pools) : [] }),
  detect: findV3Rebalances,
  // After earlier actions of the block moved the pool: the same detector on the pool as they leave it.
  refine: (c, view, ctx) => {
    const pool = c.action.kind === "rebalanceV3" ? c.action.params.pool : undefined;
    return redetected(
      c,
      findV3Rebalances({ ...view, v3Pools: (view.v3Pools ?? []).filter((p) => p.address === pool) }, ctx),
    );
  },
  actions: uniswapV3Actions,
};
