/** Uniswap V3 pools: price, liquidity and nearby ticks each block; rebalanced from inventory, a V2 funding source. */
import type { ProtocolModule } from "../module.js";
import { findV3Rebalances } from "./detect.js";
import { readV3Pools, type V3PoolConfig, type V3PoolSnapshot } from "./read.js";
import { uniswapV3Actions } from "./readBack.js";
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
    return { read: async (client, at) => ({ v3Pools: await readV3Pools(client, pools, { blockNumber: at.blockNumber, chunkSize: at.chunkSize }) }) };
  },
  positionsWatched: (s) => s.v3Pools?.length,
  context: (d) => ({ v3Pools: d.uniswapV3 ? Object.values(d.uniswapV3.pools) : [] }),
  detect: findV3Rebalances,
  actions: uniswapV3Actions,
};
