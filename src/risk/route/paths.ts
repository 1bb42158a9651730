/**
 * Candidate paths between two tokens (every direct venue, and every two-hop path through a hub token), and
 * exact quotes along a path against a book of venue states that swaps update as they are applied.
 */
import type { Address } from "viem";
import { RouteError } from "./errors.js";
import { otherToken, quoteExactIn, sameAddress, type IncompleteReason, type Venue } from "./venue.js";

/** One swap of a path. */
export interface Hop {
  venue: Address;
  tokenIn: Address;
  tokenOut: Address;
}

/** Hops executed in order, each paying its output into the next. */
export type Path = readonly Hop[];

/** Venue states by lower-cased address: the working copy that chunks and legs update. */
export type VenueBook = Map<string, Venue>;

/**
 * A book of the given venues (each stays unmodified: states are replaced, never mutated).
 *
 * @param venues - Venues; addresses must be distinct.
 * @returns The book.
 */
export function venueBook(venues: readonly Venue[]): VenueBook {
  const book: VenueBook = new Map();
  for (const v of venues) {
    const key = v.address.toLowerCase();
    if (book.has(key)) throw new RouteError(`venue ${v.address} is listed twice`);
    book.set(key, v);
  }
  return book;
}

/**
 * The venue a hop swaps through.
 *
 * @param book - Venue states.
 * @param address - Venue address.
 * @returns The venue's current state.
 */
export function bookVenue(book: VenueBook, address: Address): Venue {
  const v = book.get(address.toLowerCase());
  if (!v) throw new RouteError(`venue ${address} is not in the book`);
  return v;
}

const holds = (v: Venue, a: Address, b: Address): boolean =>
  (sameAddress(v.token0, a) && sameAddress(v.token1, b)) || (sameAddress(v.token0, b) && sameAddress(v.token1, a));

/**
 * Every direct venue from `tokenIn` to `tokenOut` and, with maxHops 2, every path tokenIn -> hub -> tokenOut
 * through two venues, for each hub other than the two tokens. Direct paths come first, in venue order.
 *
 * @param venues - Available venues.
 * @param tokenIn - Token sold.
 * @param tokenOut - Token bought.
 * @param options - Hub tokens (WETH typically) and the hop limit (1 or 2, default 2).
 * @returns The paths.
 */
export function findPaths(
  venues: readonly Venue[],
  tokenIn: Address,
  tokenOut: Address,
  options: { hubs?: readonly Address[]; maxHops?: number } = {},
): Path[] {
  const maxHops = options.maxHops ?? 2;
  if (maxHops !== 1 && maxHops !== 2) throw new RouteError(`maxHops ${maxHops} is not supported: use 1 or 2`);
  if (sameAddress(tokenIn, tokenOut)) throw new RouteError(`tokenIn and tokenOut are the same token ${tokenIn}`);
  const paths: Path[] = venues
    .filter((v) => holds(v, tokenIn, tokenOut))
    .map((v) => [{ venue: v.address, tokenIn, tokenOut }]);
  if (maxHops === 1) return paths;
  const seenHubs: Address[] = [];
  for (const hub of options.hubs ?? []) {
    if (sameAddress(hub, tokenIn) || sameAddress(hub, tokenOut) || seenHubs.some((h) => sameAddress(h, hub))) continue;
    seenHubs.push(hub);
    for (const first of venues.filter((v) => holds(v, tokenIn, hub))) {
      for (const second of venues.filter((v) => holds(v, hub, tokenOut))) {
        paths.push([
          { venue: first.address, tokenIn, tokenOut: hub },
          { venue: second.address, tokenIn: hub, tokenOut },
        ]);
      }
    }
  }
  return paths;
}

/** An exact quote along a path. */
export interface PathQuote {
  /** Final output (0 unless complete). */
  amountOut: bigint;
  /** Output of each hop, in order (the input of the next). */
  hopOut: bigint[];
  /** True when every hop fills its whole input. */
  complete: boolean;
  /** Why the first incomplete hop stopped. */
  reason?: IncompleteReason;
  /** Venue states after the path, to write into the book when the path is taken. */
  updates: Venue[];
}

/**
 * Quotes `amountIn` along `path` from the states in `book`, hop after hop (a later hop on a venue an earlier
 * hop touched sees its new state). The book is not modified; see {@link applyPath}.
 *
 * @param book - Venue states.
 * @param path - Hops.
 * @param amountIn - Input of the first hop.
 * @returns Output, per-hop outputs and the updated venues.
 */
export function quotePath(book: VenueBook, path: Path, amountIn: bigint): PathQuote {
  const scratch = new Map<string, Venue>();
  const hopOut: bigint[] = [];
  let amount = amountIn;
  for (const hop of path) {
    const key = hop.venue.toLowerCase();
    const venue = scratch.get(key) ?? bookVenue(book, hop.venue);
    if (!sameAddress(otherToken(venue, hop.tokenIn), hop.tokenOut)) {
      throw new RouteError(`hop ${hop.tokenIn} -> ${hop.tokenOut} does not match venue ${hop.venue}`);
    }
    const q = quoteExactIn(venue, hop.tokenIn, amount);
    if (!q.complete) return { amountOut: 0n, hopOut, complete: false, reason: q.reason!, updates: [] };
    scratch.set(key, q.after);
    hopOut.push(q.amountOut);
    amount = q.amountOut;
  }
  return { amountOut: amount, hopOut, complete: true, updates: [...scratch.values()] };
}

/**
 * Writes a complete path quote's venue states into the book.
 *
 * @param book - Venue states, modified in place.
 * @param quote - A complete quote from {@link quotePath} on this book.
 */
export function applyPath(book: VenueBook, quote: PathQuote): void {
  if (!quote.complete) throw new RouteError(`cannot apply an incomplete path quote (${quote.reason})`);
  for (const v of quote.updates) book.set(v.address.toLowerCase(), v);
}
