/**
 * Exact-input routing split across paths. Paths may share a venue (WETH->USDC direct and WBTC->WETH->USDC
 * both use the WETH/USDC pool), so the allocation is greedy over equal chunks, each given to the path with
 * the best marginal output against the venue states the earlier chunks left. Chunks of one path then merge
 * into one leg, and the legs are re-quoted in execution order: on chain they run one after the other, and the
 * quoted total must be what that sequence pays, not the sum of the chunk quotes.
 */
import type { Address } from "viem";
import { RouteError } from "./errors.js";
import { applyPath, findPaths, quotePath, venueBook, type Path, type PathQuote, type VenueBook } from "./paths.js";
import type { Venue } from "./venue.js";

/** One leg: a path and the input it receives. */
export interface RouteLeg {
  path: Path;
  amountIn: bigint;
  /** Exact output when the legs run in order. */
  amountOut: bigint;
  /** Output of each hop of the leg. */
  hopOut: bigint[];
}

/** A split route. */
export interface Route {
  /** Legs in execution order. */
  legs: RouteLeg[];
  /** Input the legs take (the request minus `unrouted`). */
  amountIn: bigint;
  /** Sum of the legs' outputs, executed in order. */
  amountOut: bigint;
  /** Input no path could take in full (no path, pools drained, or V3 ticks unknown): 0 when all is routed. */
  unrouted: bigint;
  /** Every input venue (same order) in its state after the legs. */
  venuesAfter: Venue[];
}

/** Routing options. */
export interface RouteOptions {
  /** Tokens allowed as the middle of a two-hop path. */
  hubs?: readonly Address[];
  /** Equal chunks the input is allocated in (default 16). More is finer and slower. */
  slices?: number;
  /** 1 or 2 (default 2). */
  maxHops?: number;
}

/** Default number of chunks. */
export const DEFAULT_ROUTE_SLICES = 16;

/**
 * Quotes legs in order against fresh copies of `venues`: the exact amounts sequential execution yields. A leg
 * that cannot be filled completely is dropped and its input reported as unrouted.
 *
 * @param venues - Venue states before the first leg.
 * @param legs - Paths and inputs, in execution order.
 * @returns The route those legs make.
 */
export function quoteLegs(venues: readonly Venue[], legs: readonly { path: Path; amountIn: bigint }[]): Route {
  const book = venueBook(venues);
  const out: RouteLeg[] = [];
  let amountIn = 0n;
  let amountOut = 0n;
  let unrouted = 0n;
  for (const leg of legs) {
    const q = quotePath(book, leg.path, leg.amountIn);
    if (!q.complete) {
      unrouted += leg.amountIn;
      continue;
    }
    applyPath(book, q);
    out.push({ path: leg.path, amountIn: leg.amountIn, amountOut: q.amountOut, hopOut: q.hopOut });
    amountIn += leg.amountIn;
    amountOut += q.amountOut;
  }
  return {
    legs: out,
    amountIn,
    amountOut,
    unrouted,
    venuesAfter: venues.map((v) => book.get(v.address.toLowerCase())!),
  };
}

/**
 * The split of `amountIn` across every direct and hub path that maximises total output, greedily in
 * `slices` equal chunks (the last takes the remainder).
 *
 * @param venues - Venues and their states.
 * @param tokenIn - Token sold.
 * @param tokenOut - Token bought.
 * @param amountIn - Exact input (>= 0).
 * @param options - Hubs, slices, hop limit.
 * @returns Legs in execution order with exact outputs, the total, unrouted input and venue states after.
 */
export function bestRoute(
  venues: readonly Venue[],
  tokenIn: Address,
  tokenOut: Address,
  amountIn: bigint,
  options: RouteOptions = {},
): Route {
  const slices = options.slices ?? DEFAULT_ROUTE_SLICES;
  if (!Number.isInteger(slices) || slices < 1) throw new RouteError(`slices ${slices} must be a positive integer`);
  if (amountIn < 0n) throw new RouteError(`negative amountIn ${amountIn}`);
  const paths = findPaths(venues, tokenIn, tokenOut, { hubs: options.hubs ?? [], maxHops: options.maxHops ?? 2 });
  if (amountIn === 0n || paths.length === 0) return { ...quoteLegs(venues, []), unrouted: amountIn };

  const chunks = BigInt(slices) > amountIn ? amountIn : BigInt(slices);
  const chunk = amountIn / chunks;
  const allocated = new Array<bigint>(paths.length).fill(0n);
  const order: number[] = [];
  const book: VenueBook = venueBook(venues);
  for (let i = 0n; i < chunks; i++) {
    const size = i === chunks - 1n ? amountIn - chunk * (chunks - 1n) : chunk;
    const best = bestPathFor(book, paths, size);
    if (!best) continue;
    applyPath(book, best.quote);
    if (allocated[best.index] === 0n) order.push(best.index);
    allocated[best.index] += size;
  }
  const route = quoteLegs(
    venues,
    order.map((k) => ({ path: paths[k], amountIn: allocated[k] })),
  );
  // Chunks no path could take never reached a leg.
  return { ...route, unrouted: amountIn - route.amountIn };
}

/** The path whose complete quote of `size` pays the most (the first on ties), or undefined. */
function bestPathFor(
  book: VenueBook,
  paths: readonly Path[],
  size: bigint,
): { index: number; quote: PathQuote } | undefined {
  let best: { index: number; quote: PathQuote } | undefined;
  paths.forEach((path, index) => {
    const quote = quotePath(book, path, size);
    if (quote.complete && (!best || quote.amountOut > best.quote.amountOut)) best = { index, quote };
  });
  return best;
}
