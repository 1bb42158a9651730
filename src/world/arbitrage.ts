/**
 * CEX-DEX arbitrageurs for the local world: on each step they move every V2 pair and V3 pool a fraction of the
 * way from its price to the feeds' price, with real swaps through the PoolActor.
 *
 * The fraction is taken in price terms (token1 per token0), not sqrt-price: a step of strength s aims at
 * target = p + s·(ref - p), so the skew (p - ref)/ref becomes exactly (1 - s) of what it was, up to the integer
 * rounding of the swap. Strength 1 lands on the feed like syncPoolsToFeeds.
 */
import { parseEventLogs, type Address, type Hex } from "viem";
import { KeeperError } from "../errors.js";
import { v2PairAbi } from "../protocols/uniswapV2/abi.js";
import { invert, type Rational } from "../risk/math/rational.js";
import { v2GetAmountOut } from "../risk/uniswapV2/amounts.js";
import { v2InputToReachPrice, v2RebalanceToReference, v2SkewBps } from "../risk/uniswapV2/rebalance.js";
import { priceFromSqrtPriceX96, sqrtPriceX96FromPrice, v3SkewBps } from "../risk/uniswapV3/price.js";
import { getPrices } from "./actions.js";
import { referencePrice } from "./prices.js";
import { read, send } from "./tx.js";
import { poolActorArtifact } from "./uniswapV2.js";
import { v3PoolArtifact } from "./uniswapV3.js";
import type { TokenSymbol, V2PairName, World, WorldClients } from "./types.js";

/** Strength is applied in parts per million: finer than any skew a test or a market script asks for. */
const STRENGTH_SCALE = 1_000_000n;
/** Exact-input size of a V3 arbitrage swap: large enough that the price limit, not the amount, stops it. */
const V3_UNBOUNDED_INPUT = 10n ** 40n;

type V3PoolName = keyof World["uniswapV3"]["pools"];

/** An arbitrage option out of range: the message names the option and what it accepts. */
export class ArbitrageOptionError extends KeeperError {
  override name = "ArbitrageOptionError";
  constructor(option: string, value: unknown, expected: string) {
    super(`Invalid arbitrage ${option}: ${String(value)}.`, { metaMessages: [`Expected ${expected}.`] });
  }
}

/** What one step did to one pool. */
export interface PoolArbitrage {
  /** World name of the pool: a V2 pair name or a V3 pool name ("WETH_USDC_3000"). */
  pool: V2PairName | V3PoolName;
  protocol: "uniswap-v2" | "uniswap-v3";
  address: Address;
  /** Skew of the pool price (token1 per token0) against the feeds, bps truncated toward zero, before the swap. */
  skewBpsBefore: bigint;
  /** The same, read back from the chain after the swap (equal to before when nothing was done). */
  skewBpsAfter: bigint;
  /** Token paid in, or null when the pool was left alone. */
  tokenIn: TokenSymbol | null;
  /** Raw amount of `tokenIn` paid (fee included); 0n when nothing was done. */
  amountIn: bigint;
  /** The swap's transaction, or null when nothing was sent. */
  txHash: Hex | null;
}

export interface ArbitrageStepOptions {
  /** Fraction of the gap to the feed price closed, in price terms, 0..1. */
  strength: number;
}

/** Validates a strength and turns it into parts per million. */
export function strengthPpm(strength: number): bigint {
  if (typeof strength !== "number" || !Number.isFinite(strength) || strength < 0 || strength > 1) {
    throw new ArbitrageOptionError(
      "strength",
      strength,
      "a number from 0 to 1: the fraction of the gap to the feed price closed on each step (1 = onto the feed)",
    );
  }
  return BigInt(Math.round(strength * Number(STRENGTH_SCALE)));
}

/** p + s·(ref - p), exactly, with s in ppm: the intermediate price a step aims at. */
export function blendPrice(price: Rational, reference: Rational, ppm: bigint): Rational {
  return {
    num: reference.num * price.den * ppm + price.num * reference.den * (STRENGTH_SCALE - ppm),
    den: reference.den * price.den * STRENGTH_SCALE,
  };
}

function symbolOf(world: World, address: Address): TokenSymbol {
  const s = (Object.keys(world.tokens) as TokenSymbol[]).find((k) => world.tokens[k].address === address);
  if (!s)
    throw new KeeperError(`Token ${address} is not one of the world's tokens.`, {
      metaMessages: ["Check that world.json matches the chain."],
    });
  return s;
}

function referenceFor(world: World, prices: Record<TokenSymbol, bigint>, token0: Address, token1: Address): Rational {
  const t0 = world.tokens[symbolOf(world, token0)];
  const t1 = world.tokens[symbolOf(world, token1)];
  return referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
}

async function readReserves(clients: WorldClients, pair: Address): Promise<Reserves> {
  const [reserve0, reserve1] = await read<readonly [bigint, bigint, number]>(clients, {
    address: pair,
    abi: v2PairAbi,
    functionName: "getReserves",
  });
  return { reserve0, reserve1 };
}

type Reserves = { reserve0: bigint; reserve1: bigint };

function afterSwap(r: Reserves, zeroForOne: boolean, amountIn: bigint): Reserves {
  if (zeroForOne)
    return { reserve0: r.reserve0 + amountIn, reserve1: r.reserve1 - v2GetAmountOut(amountIn, r.reserve0, r.reserve1) };
  return { reserve0: r.reserve0 - v2GetAmountOut(amountIn, r.reserve1, r.reserve0), reserve1: r.reserve1 + amountIn };
}

/** True when the pair's price (reserve1/reserve0) is strictly closer to `ref` in `a` than in `b`. */
function closerToReference(a: Reserves, b: Reserves, ref: Rational): boolean {
  const gap = (r: Reserves) => {
    const g = r.reserve1 * ref.den - ref.num * r.reserve0;
    return g < 0n ? -g : g;
  };
  // |a1/a0 - n/d| < |b1/b0 - n/d|, both sides multiplied by a0·b0·d.
  return gap(a) * b.reserve0 < gap(b) * a.reserve0;
}

async function stepV2(
  clients: WorldClients,
  world: World,
  name: V2PairName,
  reference: Rational,
  ppm: bigint,
): Promise<PoolArbitrage> {
  const info = world.uniswapV2.pairs[name];
  const reserves = await readReserves(clients, info.address);
  const skewBpsBefore = v2SkewBps(reserves, reference);
  const idle: PoolArbitrage = {
    pool: name,
    protocol: "uniswap-v2",
    address: info.address,
    skewBpsBefore,
    skewBpsAfter: skewBpsBefore,
    tokenIn: null,
    amountIn: 0n,
    txHash: null,
  };
  // "At the feed" means no integer trade gets closer to it: then there is nothing to do at any strength.
  const full = ppm === 0n ? null : v2RebalanceToReference(reserves, reference);
  if (!full) return idle;
  const target = blendPrice({ num: reserves.reserve1, den: reserves.reserve0 }, reference, ppm);
  let amountIn = full.zeroForOne
    ? v2InputToReachPrice({ reserveIn: reserves.reserve0, reserveOut: reserves.reserve1 }, target)
    : v2InputToReachPrice({ reserveIn: reserves.reserve1, reserveOut: reserves.reserve0 }, invert(target));
  // A gap too small to split in integer amounts is closed at once, and so is a partial trade that rounding would
  // carry past the feed: every trade then gets strictly closer to the feed, and repeated steps end on it.
  if (amountIn === 0n || !closerToReference(afterSwap(reserves, full.zeroForOne, amountIn), reserves, reference))
    amountIn = full.amountIn;
  const receipt = await send(clients, {
    address: world.helpers.poolActor,
    abi: poolActorArtifact().abi,
    functionName: "swapV2",
    args: [info.address, full.zeroForOne, amountIn, world.helpers.poolActor],
  });
  return {
    ...idle,
    skewBpsAfter: v2SkewBps(await readReserves(clients, info.address), reference),
    tokenIn: symbolOf(world, full.zeroForOne ? info.token0 : info.token1),
    amountIn,
    txHash: receipt.transactionHash,
  };
}

async function readSqrtPrice(clients: WorldClients, pool: Address): Promise<bigint> {
  const [sqrtP] = await read<readonly [bigint, ...unknown[]]>(clients, {
    address: pool,
    abi: v3PoolArtifact().abi,
    functionName: "slot0",
  });
  return sqrtP;
}

async function stepV3(
  clients: WorldClients,
  world: World,
  name: V3PoolName,
  reference: Rational,
  ppm: bigint,
): Promise<PoolArbitrage> {
  const info = world.uniswapV3.pools[name];
  const sqrtP = await readSqrtPrice(clients, info.address);
  const skewBpsBefore = v3SkewBps(sqrtP, reference);
  const idle: PoolArbitrage = {
    pool: name,
    protocol: "uniswap-v3",
    address: info.address,
    skewBpsBefore,
    skewBpsAfter: skewBpsBefore,
    tokenIn: null,
    amountIn: 0n,
    txHash: null,
  };
  const onFeed = sqrtPriceX96FromPrice(reference);
  if (ppm === 0n || sqrtP === onFeed) return idle;
  let limit = sqrtPriceX96FromPrice(blendPrice(priceFromSqrtPriceX96(sqrtP), reference, ppm));
  // The floor of the blended sqrt can equal the current one when the gap is a few units: close it instead.
  if (limit === sqrtP) limit = onFeed;
  const zeroForOne = limit < sqrtP;
  const abi = v3PoolArtifact().abi;
  const receipt = await send(clients, {
    address: world.helpers.poolActor,
    abi: poolActorArtifact().abi,
    functionName: "swapV3",
    args: [info.address, zeroForOne, V3_UNBOUNDED_INPUT, limit, world.helpers.poolActor],
  });
  const [swap] = parseEventLogs({ abi, logs: receipt.logs, eventName: "Swap" }) as unknown as {
    args: { amount0: bigint; amount1: bigint };
  }[];
  return {
    ...idle,
    skewBpsAfter: v3SkewBps(await readSqrtPrice(clients, info.address), reference),
    tokenIn: symbolOf(world, zeroForOne ? info.token0 : info.token1),
    amountIn: swap ? (zeroForOne ? swap.args.amount0 : swap.args.amount1) : 0n,
    txHash: receipt.transactionHash,
  };
}

/**
 * One round of arbitrage: every V2 pair and V3 pool of the world moves `strength` of the way (in price terms) from their
 * price to the feeds' price, each with one real swap. Pools already on the feed are left alone (no transaction).
 *
 * @param clients - World clients; the wallet pays gas, the PoolActor mints the tokens swapped in.
 * @param world - The deployed world.
 * @param options - `strength` in [0, 1]: 1 lands on the feed, 0.5 halves every skew, 0 does nothing.
 * @returns One record per pool, in order: V2 pairs, then V3 pools.
 * @throws ArbitrageOptionError when the strength is outside [0, 1].
 */
export async function arbitrageStep(
  clients: WorldClients,
  world: World,
  options: ArbitrageStepOptions,
): Promise<PoolArbitrage[]> {
  const ppm = strengthPpm(options.strength);
  const prices = await getPrices(clients, world);
  const out: PoolArbitrage[] = [];
  for (const name of Object.keys(world.uniswapV2.pairs) as V2PairName[]) {
    const pair = world.uniswapV2.pairs[name];
    out.push(await stepV2(clients, world, name, referenceFor(world, prices, pair.token0, pair.token1), ppm));
  }
  for (const name of Object.keys(world.uniswapV3.pools) as V3PoolName[]) {
    const pool = world.uniswapV3.pools[name];
    out.push(await stepV3(clients, world, name, referenceFor(world, prices, pool.token0, pool.token1), ppm));
  }
  return out;
}

export interface RunArbitrageursOptions extends ArbitrageStepOptions {
  /** Stops the loop; a step already sending finishes first. */
  signal: AbortSignal;
  /** Act once every this many new blocks (integer >= 1, default 1). Blocks mined by our own swaps do not count. */
  everyBlock?: number;
  /** How often the block number is polled, ms (default 1000). */
  pollIntervalMs?: number;
  /** Told after each step: the block it reacted to and what it did per pool. */
  onStep?: (step: { block: bigint; pools: PoolArbitrage[] }) => void;
}

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Arbitrageurs that watch the chain: one arbitrageStep at start, then one each time `everyBlock` new blocks have
 * appeared (polling the block number), until the signal aborts. The blocks their own swaps mine are skipped, so on
 * an automining node they react to the rest of the market rather than to themselves.
 *
 * @param clients - World clients.
 * @param world - The deployed world.
 * @param options - Strength, abort signal, cadence and a step callback.
 * @returns How many steps ran, once aborted.
 * @throws ArbitrageOptionError for a strength, everyBlock or pollIntervalMs out of range; errors of a step
 *   (a node gone, a reverted swap) end the loop and reach the caller.
 */
export async function runArbitrageurs(
  clients: WorldClients,
  world: World,
  options: RunArbitrageursOptions,
): Promise<{ steps: number }> {
  strengthPpm(options.strength);
  const everyBlock = options.everyBlock ?? 1;
  if (!Number.isSafeInteger(everyBlock) || everyBlock < 1)
    throw new ArbitrageOptionError("everyBlock", everyBlock, "an integer of at least 1");
  const pollMs = options.pollIntervalMs ?? 1000;
  if (!Number.isFinite(pollMs) || pollMs <= 0)
    throw new ArbitrageOptionError("pollIntervalMs", pollMs, "a positive number of milliseconds");
  const { signal } = options;
  let steps = 0;
  let block = await clients.public.getBlockNumber({ cacheTime: 0 });
  while (!signal.aborted) {
    const pools = await arbitrageStep(clients, world, options);
    steps++;
    options.onStep?.({ block, pools });
    // Our own swaps are blocks too: count new blocks from after them (uncached, or viem hands back the number
    // from before the swaps).
    const seen = await clients.public.getBlockNumber({ cacheTime: 0 });
    for (;;) {
      await pause(pollMs, signal);
      if (signal.aborted) return { steps };
      block = await clients.public.getBlockNumber({ cacheTime: 0 });
      if (block >= seen + BigInt(everyBlock)) break;
    }
  }
  return { steps };
}
