import type { Address, Chain, PublicClient, Transport } from "viem";
import { readBatched, unwrap, type BatchedReadOptions } from "../../chain/multicall.js";
import type { V3PoolState } from "../../risk/uniswapV3/types.js";
import { v3PoolAbi } from "./abi.js";

/** A watched V3 pool; fee and tick spacing are immutable, so they come from the deployment. */
export interface V3PoolConfig {
  name: string;
  address: Address;
  token0: Address;
  token1: Address;
  fee: number;
  tickSpacing: number;
}

export interface V3PoolSnapshot extends V3PoolConfig {
  state: V3PoolState;
}

/**
 * Reads each pool's price, active liquidity and the initialised ticks within `wordsEachSide` bitmap words of
 * the current tick (each word spans 256 tick spacings: +-2 words is +-30,720 ticks at spacing 60), in two
 * batched rounds: (1) slot0, liquidity and bitmap words of every pool; (2) liquidityNet of each set bit.
 */
export async function readV3Pools(
  client: PublicClient<Transport, Chain>,
  pools: readonly V3PoolConfig[],
  options: BatchedReadOptions & { wordsEachSide?: number } = {},
): Promise<V3PoolSnapshot[]> {
  if (pools.length === 0) return [];
  const k = options.wordsEachSide ?? 2;
  const head = await readBatched<any>(
    client,
    pools.flatMap((p) => [
      { address: p.address, abi: v3PoolAbi, functionName: "slot0" },
      { address: p.address, abi: v3PoolAbi, functionName: "liquidity" },
    ]),
    options,
  );
  const words = pools.map((p, i) => {
    const tick = Number(unwrap(head[2 * i], `slot0 of ${p.address}`)[1]);
    const compressed = Math.floor(tick / p.tickSpacing);
    const center = compressed >> 8;
    return Array.from({ length: 2 * k + 1 }, (_, j) => center - k + j);
  });
  const bitmaps = await readBatched<bigint>(
    client,
    pools.flatMap((p, i) => words[i].map((w) => ({ address: p.address, abi: v3PoolAbi, functionName: "tickBitmap", args: [w] }))),
    options,
  );
  const tickLists: number[][] = [];
  let cursor = 0;
  pools.forEach((p, i) => {
    const ticks: number[] = [];
    for (const w of words[i]) {
      const r = bitmaps[cursor++];
      let bits = r.ok ? r.value : 0n;
      for (let bit = 0; bits > 0n; bit++, bits >>= 1n) {
        if (bits & 1n) ticks.push((w * 256 + bit) * p.tickSpacing);
      }
    }
    tickLists.push(ticks);
  });
  const tickData = await readBatched<any>(
    client,
    pools.flatMap((p, i) => tickLists[i].map((t) => ({ address: p.address, abi: v3PoolAbi, functionName: "ticks", args: [t] }))),
    options,
  );
  cursor = 0;
  return pools.map((p, i) => {
    const slot0 = unwrap(head[2 * i], `slot0 of ${p.address}`);
    const ticks = tickLists[i].map((tick) => ({ tick, liquidityNet: BigInt(unwrap(tickData[cursor++], `tick ${tick}`)[1]) }));
    return {
      ...p,
      state: {
        sqrtPriceX96: slot0[0] as bigint,
        tick: Number(slot0[1]),
        liquidity: unwrap(head[2 * i + 1], `liquidity of ${p.address}`) as bigint,
        fee: p.fee,
        tickSpacing: p.tickSpacing,
        ticks: ticks.sort((a, b) => a.tick - b.tick),
      },
    };
  });
}
