/** Uniswap V2 pairs: reserves each block; rebalanced to the feeds, flash-funded from a V3 pool. */
import type { ProtocolModule } from "../module.js";
import { findV2Rebalances } from "./detect.js";
import { readV2Pairs, type V2PairConfig, type V2PairState } from "./read.js";
import { uniswapV2Actions } from "./readBack.js";
import { redetected } from "../../strategy/redetect.js";
import { referencePriceFromUsd } from "../../risk/math/rational.js";
import { v2SkewBps } from "../../risk/uniswapV2/rebalance.js";
import { uniswapV2SectionSchema, type UniswapV2Section } from "./schema.js";

declare module "../../watcher/snapshot.js" {
  interface SnapshotSlices {
    v2Pairs?: readonly V2PairState[];
  }
}

export const uniswapV2Module: ProtocolModule<UniswapV2Section> = {
  name: "uniswap-v2",
  kind: "venue",
  section: "uniswapV2",
  schema: uniswapV2SectionSchema,
  readWhen: (watch) => watch.has("uniswap-v2"),
  createReader: (deployment) => {
    if (!deployment.uniswapV2) return undefined;
    const pairs: V2PairConfig[] = Object.entries(deployment.uniswapV2.pairs).map(([name, p]) => ({
      name,
      address: p.address,
      token0: p.token0,
      token1: p.token1,
    }));
    return {
      read: async (client, at) => ({
        v2Pairs: await readV2Pairs(client, pairs, {
          blockNumber: at.blockNumber,
          chunkSize: at.chunkSize,
          coalescer: at.coalescer,
        }),
      }),
    };
  },
  positionsWatched: (s) => s.v2Pairs?.length,
  // The skew detect measures: the pair's spot price against the feeds' (pairs without both prices or reserves left out).
  gauges: (s) =>
    s.v2Pairs
      ? {
          skews: s.v2Pairs.flatMap((pair) => {
            const p0 = s.prices[pair.token0];
            const p1 = s.prices[pair.token1];
            if (!p0 || !p1 || pair.reserve0 === 0n || pair.reserve1 === 0n) return [];
            const reference = referencePriceFromUsd({
              price0Usd: p0.usd8,
              decimals0: p0.decimals,
              price1Usd: p1.usd8,
              decimals1: p1.decimals,
            });
            return [{ pool: `${pair.name} (V2)`, bps: v2SkewBps(pair, reference) }];
          }),
        }
      : undefined,
  context: (d) => ({
    v2Pairs: d.uniswapV2 ? Object.entries(d.uniswapV2.pairs).map(([name, v]) => ({ name, ...v })) : [],
  }),
  detect: findV2Rebalances,
  // After earlier actions of the block moved the pair or its funding pool: the same detector on them as they are.
  refine: (c, view, ctx) => {
    const pair = c.action.kind === "rebalanceV2" ? c.action.params.pair : undefined;
    return redetected(
      c,
      findV2Rebalances({ ...view, v2Pairs: (view.v2Pairs ?? []).filter((p) => p.address === pair) }, ctx),
    );
  },
  actions: uniswapV2Actions,
};
