/**
 * Order-flow imbalance of the watched pools, from their `Swap` events: the net amount of each pool's base token
 * (its token0) that traders bought, per block and over a rolling window of blocks, valued in USD at the snapshot's
 * reference price. Positive: buy pressure (the pool's price of token0 in token1 is being pushed up); negative:
 * sell pressure. Pure: the watcher keeps the history and hands it in.
 */
import type { Address } from "viem";

/** One swap on a pool, signed from the traders' side: `base` > 0 when they took token0 out of the pool. */
export interface PoolSwap {
  pool: Address;
  block: bigint;
  logIndex: number;
  /** Token0 bought by the trader (out of the pool) minus token0 sold to it, raw units. */
  base: bigint;
  /** Token1 sold to the pool minus token1 bought from it, raw units (> 0 when base > 0). */
  quote: bigint;
}

/** A Uniswap V2 `Swap`'s amounts as a signed swap: the pair pays out amount0Out and takes amount0In. */
export function v2Swap(
  pool: Address,
  block: bigint,
  logIndex: number,
  a: { amount0In: bigint; amount1In: bigint; amount0Out: bigint; amount1Out: bigint },
): PoolSwap {
  return { pool, block, logIndex, base: a.amount0Out - a.amount0In, quote: a.amount1In - a.amount1Out };
}

/** A Uniswap V3 `Swap`'s amounts (signed from the pool's side: > 0 is what it received) as a signed swap. */
export function v3Swap(
  pool: Address,
  block: bigint,
  logIndex: number,
  a: { amount0: bigint; amount1: bigint },
): PoolSwap {
  return { pool, block, logIndex, base: -a.amount0, quote: a.amount1 };
}

/** Net flow of one pool over some blocks. */
export interface FlowSum {
  /** Signed token0 bought by traders, raw units. */
  base: bigint;
  /** Token0 bought and sold (each side summed on its own), raw units. */
  bought: bigint;
  sold: bigint;
  swaps: number;
}

/** The swaps of `pool` in [fromBlock, toBlock], summed. */
export function sumFlow(swaps: readonly PoolSwap[], pool: Address, fromBlock: bigint, toBlock: bigint): FlowSum {
  const out: FlowSum = { base: 0n, bought: 0n, sold: 0n, swaps: 0 };
  const key = pool.toLowerCase();
  for (const s of swaps) {
    if (s.pool.toLowerCase() !== key || s.block < fromBlock || s.block > toBlock) continue;
    out.base += s.base;
    if (s.base > 0n) out.bought += s.base;
    else out.sold -= s.base;
    out.swaps++;
  }
  return out;
}

/** A signed raw amount valued at a USD price (8 decimals), rounded toward zero: the same figure either sign. */
export function flowUsd8(amount: bigint, decimals: number, usd8: bigint): bigint {
  const abs = amount < 0n ? -amount : amount;
  const v = (abs * usd8) / 10n ** BigInt(decimals);
  return amount < 0n ? -v : v;
}

/** What a snapshot says of one pool's flow. */
export interface PoolOrderFlow {
  protocol: "uniswap-v2" | "uniswap-v3";
  pool: Address;
  name: string;
  /** The base token (token0): `blockBase`/`windowBase` are its raw units. */
  base: Address;
  block: FlowSum;
  /** The window's blocks: [blockNumber - windowBlocks + 1, blockNumber]. */
  windowBlocks: number;
  window: FlowSum;
  /** USD (8 decimals) at the snapshot's reference price of the base token; undefined without a price. */
  blockUsd8?: bigint;
  windowUsd8?: bigint;
}

/**
 * The flows of `pools` at `block` from `history` (every swap of at least the last `windowBlocks` blocks), valued
 * at `usd8Of(token)`.
 */
export function poolOrderFlows(
  history: readonly PoolSwap[],
  pools: readonly { protocol: PoolOrderFlow["protocol"]; address: Address; name: string; token0: Address }[],
  block: bigint,
  windowBlocks: number,
  priceOf: (token: Address) => { usd8: bigint; decimals: number } | undefined,
): PoolOrderFlow[] {
  return pools.map((p) => {
    const one = sumFlow(history, p.address, block, block);
    const window = sumFlow(history, p.address, block - BigInt(windowBlocks) + 1n, block);
    const price = priceOf(p.token0);
    return {
      protocol: p.protocol,
      pool: p.address,
      name: p.name,
      base: p.token0,
      block: one,
      windowBlocks,
      window,
      ...(price
        ? {
            blockUsd8: flowUsd8(one.base, price.decimals, price.usd8),
            windowUsd8: flowUsd8(window.base, price.decimals, price.usd8),
          }
        : {}),
    };
  });
}

/** How the window's flow stands to a trade on the pool: it pushes the price the same way, the other way, or neither. */
export type FlowSide = "with" | "against" | "flat";

/**
 * The window's flow seen from a rebalance that sells token0 (`zeroForOne`) or buys it: `with` when traders push the
 * price the same way as the rebalance (they sell token0 too), `against` when they keep pushing it away from the
 * reference (the skew's own cause, still at work), `flat` when the window nets to nothing.
 */
export function flowSide(flow: PoolOrderFlow, zeroForOne: boolean): FlowSide {
  if (flow.window.base === 0n) return "flat";
  const tradersSell = flow.window.base < 0n;
  return tradersSell === zeroForOne ? "with" : "against";
}

/** What the order flow says about one rebalance: a note for its decision, and a refusal when the flow is too strong. */
export interface FlowVerdict {
  side: FlowSide;
  /** For the decision log: the window's flow and how it stands to the trade. */
  note: string;
  /** Set when the window's flow against the trade exceeds the limit: why the rebalance waits. */
  refuse?: string;
}

const usd = (usd8: bigint): string => {
  const abs = usd8 < 0n ? -usd8 : usd8;
  return `$${(abs / 10n ** 8n).toLocaleString("en-US")}.${((abs % 10n ** 8n) / 10n ** 6n).toString().padStart(2, "0")}`;
};

/**
 * The order flow's word on a rebalance that sells token0 (`zeroForOne`) or buys it. The window's flow against the
 * trade (traders still pushing the pool away from the reference) worth more than `maxAgainstUsd8` (USD, 8
 * decimals; 0 or undefined: never) refuses it: a market that keeps moving one way is where a reference feed lags
 * (its deviation threshold and heartbeat), and a rebalance to a lagging reference buys at a price already left.
 */
export function flowVerdict(
  flow: PoolOrderFlow,
  zeroForOne: boolean,
  symbol: string,
  maxAgainstUsd8?: bigint,
): FlowVerdict {
  const side = flowSide(flow, zeroForOne);
  const w = flow.window;
  const worth = flow.windowUsd8 !== undefined ? usd(flow.windowUsd8) : `${w.base < 0n ? -w.base : w.base} raw units`;
  const over = `over the last ${flow.windowBlocks} blocks (${w.swaps} swaps)`;
  if (side === "flat") return { side, note: `flat ${over}` };
  const verb = w.base > 0n ? "bought" : "sold";
  const note =
    side === "with"
      ? `with: traders ${verb} ${worth} of ${symbol} net ${over}, pushing the pool the same way as this rebalance`
      : `against: traders ${verb} ${worth} of ${symbol} net ${over}, pushing the pool away from the reference`;
  const against = flow.windowUsd8 === undefined ? 0n : flow.windowUsd8 < 0n ? -flow.windowUsd8 : flow.windowUsd8;
  if (side === "against" && maxAgainstUsd8 !== undefined && maxAgainstUsd8 > 0n && against > maxAgainstUsd8)
    return {
      side,
      note,
      refuse: `order flow against the rebalance: traders ${verb} ${worth} of ${symbol} net ${over}, above ORDER_FLOW_MAX_AGAINST_USD ${usd(maxAgainstUsd8)}; the reference may lag a market still moving`,
    };
  return { side, note };
}
