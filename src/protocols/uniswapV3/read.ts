import type { Address, Chain, PublicClient, Transport } from "viem";
import { readBatched, unwrap, type BatchedReadOptions, type ReadResult } from "../../chain/multicall.js";
import type { V3PoolState } from "../../risk/uniswapV3/types.js";
import { erc20BalanceAbi } from "../../chain/erc20.js";
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
  /** The pool's balances of token0 and token1: the most its `flash` can lend. Absent when not read (or a token's
   *  balanceOf reverted). */
  balance0?: bigint;
  balance1?: bigint;
  /**
   * The pool's time-weighted average tick over the last {@link V3_TWAP_WINDOW_S} seconds (`observe`, floored as
   * Uniswap's OracleLibrary does). Absent when the pool's observations do not reach that far back (a fresh pool,
   * or an observation cardinality of 1).
   */
  twapTick?: number;
}

/** The TWAP window the watcher reads: 30 minutes, the usual window of Uniswap V3 oracles. */
export const V3_TWAP_WINDOW_S = 1800;

/** OracleLibrary.consult's mean tick: the difference of the two cumulatives over the window, floored. */
export function meanTick(tickCumulatives: readonly [bigint, bigint], windowS: number): number {
  const delta = tickCumulatives[1] - tickCumulatives[0];
  const w = BigInt(windowS);
  let tick = delta / w;
  if (delta < 0n && delta % w !== 0n) tick -= 1n;
  return Number(tick);
}

/** The tick bitmap word holding `tick`: the centre of the window readV3Pools reads. */
export function v3CenterWord(tick: number, tickSpacing: number): number {
  return Math.floor(tick / tickSpacing) >> 8;
}

/**
 * Reads each pool's price, active liquidity and the initialised ticks within `wordsEachSide` bitmap words of
 * the current tick (each word spans 256 tick spacings: +-2 words is +-30,720 ticks at spacing 60), in two
 * batched rounds: (1) slot0, liquidity, bitmap words, the 30-minute TWAP and token balances of every pool;
 * (2) liquidityNet of each set bit.
 * The bitmap words depend on slot0's tick: with `centers` (each pool's centre word last block) they are read with
 * slot0 and kept when the tick is still in that word; otherwise they take a round of their own. A pool any of
 * whose reads failed is left out of the result (the others are returned).
 */
export async function readV3Pools(
  client: PublicClient<Transport, Chain>,
  pools: readonly V3PoolConfig[],
  options: BatchedReadOptions & { wordsEachSide?: number; centers?: ReadonlyMap<Address, number> } = {},
): Promise<V3PoolSnapshot[]> {
  if (pools.length === 0) return [];
  const k = options.wordsEachSide ?? 2;
  const windowOf = (center: number) => Array.from({ length: 2 * k + 1 }, (_, j) => center - k + j);
  const bitmapCalls = (p: V3PoolConfig, words: readonly number[]) =>
    words.map((w) => ({ address: p.address, abi: v3PoolAbi, functionName: "tickBitmap", args: [w] }));
  const guessed = pools.map((p) => {
    const c = options.centers?.get(p.address);
    return c === undefined ? undefined : windowOf(c);
  });
  const head = await readBatched<any>(
    client,
    [
      ...pools.flatMap((p) => [
        { address: p.address, abi: v3PoolAbi, functionName: "slot0" },
        { address: p.address, abi: v3PoolAbi, functionName: "liquidity" },
      ]),
      ...pools.flatMap((p, i) => bitmapCalls(p, guessed[i] ?? [])),
      ...pools.map((p) => ({
        address: p.address,
        abi: v3PoolAbi,
        functionName: "observe",
        args: [[V3_TWAP_WINDOW_S, 0]],
      })),
      ...pools.flatMap((p) =>
        [p.token0, p.token1].map((t) => ({
          address: t,
          abi: erc20BalanceAbi,
          functionName: "balanceOf",
          args: [p.address],
        })),
      ),
    ],
    options,
  );
  // A pool any of whose reads failed (slot0, liquidity, a bitmap word, a tick) is left out of this block: priced on
  // a partial tick list it would be mispriced, and one broken pool must not sink the others' read.
  const readable = pools.map((_, i) => head[2 * i].ok && head[2 * i + 1].ok);
  const words = pools.map((p, i) =>
    readable[i] ? windowOf(v3CenterWord(Number(unwrap(head[2 * i], `slot0 of ${p.address}`)[1]), p.tickSpacing)) : [],
  );
  // Bitmap results by pool: the guessed window when it was right, else a second round.
  const byPool: ReadResult<bigint>[][] = [];
  let guessCursor = 2 * pools.length;
  const missing: number[] = [];
  pools.forEach((_, i) => {
    const g = guessed[i];
    const results = head.slice(guessCursor, guessCursor + (g?.length ?? 0)) as ReadResult<bigint>[];
    guessCursor += g?.length ?? 0;
    if (g && g[0] === words[i][0]) byPool[i] = results;
    else missing.push(i);
  });
  if (missing.length > 0) {
    const res = await readBatched<bigint>(
      client,
      missing.flatMap((i) => bitmapCalls(pools[i], words[i])),
      options,
    );
    let c = 0;
    for (const i of missing) {
      byPool[i] = res.slice(c, c + words[i].length);
      c += words[i].length;
    }
  }
  const observeAt = guessCursor;
  const balanceAt = observeAt + pools.length;
  const balance = (j: number): bigint | undefined => {
    const r = head[balanceAt + j] as ReadResult<bigint>;
    return r.ok ? r.value : undefined;
  };
  const twapTick = (i: number): number | undefined => {
    const r = head[observeAt + i] as ReadResult<readonly [readonly bigint[], readonly bigint[]]>;
    return r.ok ? meanTick([r.value[0][0], r.value[0][1]], V3_TWAP_WINDOW_S) : undefined;
  };
  const bitmaps = byPool.flat();
  const tickLists: number[][] = [];
  let cursor = 0;
  pools.forEach((p, i) => {
    const ticks: number[] = [];
    for (const w of words[i]) {
      const r = bitmaps[cursor++];
      if (!r.ok) readable[i] = false;
      let bits = r.ok ? r.value : 0n;
      for (let bit = 0; bits > 0n; bit++, bits >>= 1n) {
        if (bits & 1n) ticks.push((w * 256 + bit) * p.tickSpacing);
      }
    }
    tickLists.push(ticks);
  });
  const tickData = await readBatched<any>(
    client,
    pools.flatMap((p, i) =>
      tickLists[i].map((t) => ({ address: p.address, abi: v3PoolAbi, functionName: "ticks", args: [t] })),
    ),
    options,
  );
  cursor = 0;
  const tickRows = tickLists.map((list, i) =>
    list.map((tick) => {
      const r = tickData[cursor++];
      if (!r.ok) readable[i] = false;
      return { tick, liquidityNet: r.ok ? BigInt(r.value[1]) : 0n };
    }),
  );
  return pools.flatMap((p, i) => {
    if (!readable[i]) return [];
    const slot0 = unwrap(head[2 * i], `slot0 of ${p.address}`);
    const ticks = tickRows[i];
    return {
      ...p,
      balance0: balance(2 * i),
      balance1: balance(2 * i + 1),
      twapTick: twapTick(i),
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
