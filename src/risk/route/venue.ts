/**
 * Swap venues as plain data (a Uniswap V2 pair or V3 pool with its state) and exact-input quotes that match
 * what the pool itself would pay, to the wei: V2 through UniswapV2Library.getAmountOut, V3 through the
 * swap-loop replay. A quote also returns the venue as the swap leaves it, so quotes can be chained.
 */
import type { Address } from "viem";
import { RouteError } from "./errors.js";
import { v2GetAmountOut } from "../uniswapV2/amounts.js";
import { simulateV3Swap, type V3SwapResult } from "../uniswapV3/simulate.js";
import { getSqrtRatioAtTick, MAX_TICK, MIN_TICK } from "../uniswapV3/tickMath.js";
import type { V3PoolState } from "../uniswapV3/types.js";

/** UniswapV2Pair stores reserves as uint112: a swap that would exceed it reverts with "UniswapV2: OVERFLOW". */
const MAX_UINT112: bigint = (1n << 112n) - 1n;

/** A Uniswap V2 pair: fixed 0.3% fee (the only fee UniswapV2Library knows). */
export interface V2Venue {
  kind: "v2";
  address: Address;
  token0: Address;
  token1: Address;
  reserve0: bigint;
  reserve1: bigint;
  /** Always 30 bps for UniswapV2Pair; present so a fork with another fee is rejected instead of mispriced. */
  feeBps?: 30;
}

/** A Uniswap V3 pool and the state a swap simulation needs. */
export interface V3Venue {
  kind: "v3";
  address: Address;
  token0: Address;
  token1: Address;
  /** `fee()`, hundredths of a bip; must equal `state.fee`. */
  fee: number;
  state: V3PoolState;
  /**
   * Ticks [lower, upper] whose initialization is known (readV3Pools reads a window of bitmap words around the
   * current tick, see {@link v3TickWindow}). A swap that would move the price outside is not quoted as
   * complete, because the pool may cross ticks the state does not list. Absent: the tick list is complete.
   */
  tickWindow?: { lower: number; upper: number };
}

export type Venue = V2Venue | V3Venue;

/**
 * Why a quote does not fill its whole input:
 * - "zero-output": the V2 pair would pay nothing, and UniswapV2Pair.swap reverts on a zero output;
 * - "overflow": the V2 reserve would exceed uint112;
 * - "out-of-liquidity": the V3 pool runs out of liquidity before the input is spent (the pool would take
 *   only `amountIn` and stop at the price bound);
 * - "ticks-unknown": the V3 swap would leave the known tick window (the filled part stops at its edge).
 */
export type IncompleteReason = "zero-output" | "overflow" | "out-of-liquidity" | "ticks-unknown";

/** An exact-input quote. */
export interface VenueQuote {
  /** Input the venue takes: the requested amount when `complete`, the part it can fill otherwise. */
  amountIn: bigint;
  /** Output paid for `amountIn`. */
  amountOut: bigint;
  /** True when the whole requested input is filled exactly as the pool would fill it. */
  complete: boolean;
  /** Set when `complete` is false. */
  reason?: IncompleteReason;
  /** The venue after the (filled part of the) swap. */
  after: Venue;
}

/** Case-insensitive address equality (checksummed and lower-case addresses both occur in configs). */
export function sameAddress(a: Address, b: Address): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The other token of a venue.
 *
 * @param venue - The venue.
 * @param token - One of its two tokens.
 * @returns The other token.
 */
export function otherToken(venue: Venue, token: Address): Address {
  if (sameAddress(token, venue.token0)) return venue.token1;
  if (sameAddress(token, venue.token1)) return venue.token0;
  throw new RouteError(`token ${token} is not in venue ${venue.address}`, {
    metaMessages: [`The venue holds ${venue.token0} and ${venue.token1}.`],
  });
}

/**
 * The tick window readV3Pools covers with `wordsEachSide` bitmap words around `tick`: the words
 * [w - k, w + k] where w is the word of the compressed tick.
 *
 * @param tick - Pool tick at read time.
 * @param tickSpacing - Pool tick spacing.
 * @param wordsEachSide - Words read each side (readV3Pools' default is 2).
 * @returns The first and last tick of the window.
 */
export function v3TickWindow(
  tick: number,
  tickSpacing: number,
  wordsEachSide: number,
): { lower: number; upper: number } {
  const word = Math.floor(Math.floor(tick / tickSpacing) / 256);
  return {
    lower: (word - wordsEachSide) * 256 * tickSpacing,
    upper: ((word + wordsEachSide) * 256 + 255) * tickSpacing,
  };
}

/**
 * How much `amountIn` of `tokenIn` buys on `venue`, exactly as the pool would pay it, and the venue after.
 * A zero input is a no-op. See {@link IncompleteReason} for partial fills.
 *
 * @param venue - Venue and its current state.
 * @param tokenIn - Token paid in (token0 or token1).
 * @param amountIn - Exact input (>= 0).
 * @returns The quote.
 */
export function quoteExactIn(venue: Venue, tokenIn: Address, amountIn: bigint): VenueQuote {
  otherToken(venue, tokenIn);
  if (amountIn < 0n) throw new RouteError(`negative amountIn ${amountIn} for venue ${venue.address}`);
  if (amountIn === 0n) return { amountIn: 0n, amountOut: 0n, complete: true, after: venue };
  const zeroForOne = sameAddress(tokenIn, venue.token0);
  return venue.kind === "v2" ? quoteV2(venue, zeroForOne, amountIn) : quoteV3(venue, zeroForOne, amountIn);
}

/**
 * The venue after swapping `amountIn` of `tokenIn` through it.
 *
 * @param venue - Venue and its current state.
 * @param tokenIn - Token paid in.
 * @param amountIn - Exact input.
 * @returns The venue after the swap; throws a RouteError when the swap cannot be filled completely.
 */
export function applyExactIn(venue: Venue, tokenIn: Address, amountIn: bigint): Venue {
  const quote = quoteExactIn(venue, tokenIn, amountIn);
  if (!quote.complete) {
    throw new RouteError(`venue ${venue.address} cannot fill ${amountIn} of ${tokenIn}: ${quote.reason}`, {
      metaMessages: [`It fills ${quote.amountIn}; quote a smaller amount or another venue.`],
    });
  }
  return quote.after;
}

function quoteV2(venue: V2Venue, zeroForOne: boolean, amountIn: bigint): VenueQuote {
  if (venue.feeBps !== undefined && venue.feeBps !== 30) {
    throw new RouteError(`V2 venue ${venue.address} has fee ${venue.feeBps} bps; only UniswapV2's 30 bps is modelled`);
  }
  const [reserveIn, reserveOut] = zeroForOne ? [venue.reserve0, venue.reserve1] : [venue.reserve1, venue.reserve0];
  const none = (reason: IncompleteReason): VenueQuote => ({
    amountIn: 0n,
    amountOut: 0n,
    complete: false,
    reason,
    after: venue,
  });
  if (reserveIn === 0n || reserveOut === 0n) return none("zero-output");
  if (reserveIn + amountIn > MAX_UINT112) return none("overflow");
  const amountOut = v2GetAmountOut(amountIn, reserveIn, reserveOut);
  if (amountOut === 0n) return none("zero-output");
  const after: V2Venue = zeroForOne
    ? { ...venue, reserve0: venue.reserve0 + amountIn, reserve1: venue.reserve1 - amountOut }
    : { ...venue, reserve0: venue.reserve0 - amountOut, reserve1: venue.reserve1 + amountIn };
  return { amountIn, amountOut, complete: true, after };
}

/** The price bound of the known tick window in the swap's direction, or undefined when it covers the range. */
function windowLimit(venue: V3Venue, zeroForOne: boolean): bigint | undefined {
  const w = venue.tickWindow;
  if (!w) return undefined;
  // Moving up to tick `upper` crosses only ticks <= upper; moving down to `lower` crosses only ticks >= lower.
  if (zeroForOne) return w.lower <= MIN_TICK ? undefined : getSqrtRatioAtTick(Math.min(w.lower, MAX_TICK));
  return w.upper >= MAX_TICK ? undefined : getSqrtRatioAtTick(Math.max(w.upper, MIN_TICK));
}

function quoteV3(venue: V3Venue, zeroForOne: boolean, amountIn: bigint): VenueQuote {
  if (venue.fee !== venue.state.fee) {
    throw new RouteError(`V3 venue ${venue.address}: fee ${venue.fee} differs from state.fee ${venue.state.fee}`);
  }
  const withResult = (r: V3SwapResult, complete: boolean, reason?: IncompleteReason): VenueQuote => ({
    amountIn: r.amountIn,
    amountOut: r.amountOut,
    complete,
    ...(reason ? { reason } : {}),
    after: { ...venue, state: r.stateAfter },
  });
  const limit = windowLimit(venue, zeroForOne);
  if (limit === undefined) {
    const r = simulateV3Swap({ state: venue.state, zeroForOne, amountSpecified: amountIn });
    return r.amountIn === amountIn ? withResult(r, true) : withResult(r, false, "out-of-liquidity");
  }
  const price = venue.state.sqrtPriceX96;
  if (zeroForOne ? limit >= price : limit <= price) {
    return { amountIn: 0n, amountOut: 0n, complete: false, reason: "ticks-unknown", after: venue };
  }
  const bounded = simulateV3Swap({
    state: venue.state,
    zeroForOne,
    amountSpecified: amountIn,
    sqrtPriceLimitX96: limit,
  });
  if (bounded.amountIn !== amountIn) return withResult(bounded, false, "ticks-unknown");
  // The pool swaps without our bound, and a step aimed at the bound rounds differently from one aimed at the
  // next tick, so the exact fill is the unbounded replay (identical up to the last step when it stays inside).
  const free = simulateV3Swap({ state: venue.state, zeroForOne, amountSpecified: amountIn });
  const inside = zeroForOne ? free.sqrtPriceX96After >= limit : free.sqrtPriceX96After <= limit;
  return inside && free.amountIn === amountIn ? withResult(free, true) : withResult(bounded, false, "ticks-unknown");
}
