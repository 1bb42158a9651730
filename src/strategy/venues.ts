/**
 * The bridge between a snapshot and the routing library: every pool the snapshot holds as a venue to sell through,
 * a quoted route as the executor's SaleRoute, and the route's exact post-state as venue effects for the block
 * planner.
 */
import type { Address } from "viem";
import { PoolKind, type SaleRoute } from "../executor/routes.js";
import { v3TickWindow, type Route, type Venue } from "../risk/route/index.js";
import type { Snapshot } from "../watcher/snapshot.js";
import type { VenueEffect } from "./types.js";

/** Bitmap words each side of the current tick that readV3Pools reads: quotes never leave what was read. */
const V3_WORDS_EACH_SIDE = 2;

/** Every V2 pair and V3 pool of the snapshot as a routing venue (V3 quotes confined to the ticks actually read). */
export function venuesOf(snapshot: Snapshot): Venue[] {
  const v2: Venue[] = (snapshot.v2Pairs ?? []).map((p) => ({
    kind: "v2",
    address: p.address,
    token0: p.token0,
    token1: p.token1,
    reserve0: p.reserve0,
    reserve1: p.reserve1,
  }));
  const v3: Venue[] = (snapshot.v3Pools ?? []).map((p) => ({
    kind: "v3",
    address: p.address,
    token0: p.token0,
    token1: p.token1,
    fee: p.fee,
    state: p.state,
    tickWindow: v3TickWindow(p.state.tick, p.state.tickSpacing, V3_WORDS_EACH_SIDE),
  }));
  return [...v2, ...v3];
}

/** The executor's SaleRoute for a quoted route, with a floor on its total output. */
export function saleRouteOf(route: Route, venues: readonly Venue[], minAmountOut: bigint): SaleRoute {
  const kindOf = new Map(venues.map((v) => [v.address.toLowerCase(), v.kind]));
  return {
    legs: route.legs.map((leg) => ({
      amountIn: leg.amountIn,
      hops: leg.path.map((h) => ({
        kind: kindOf.get(h.venue.toLowerCase()) === "v3" ? PoolKind.UniswapV3 : PoolKind.UniswapV2,
        pool: h.venue,
        tokenOut: h.tokenOut,
      })),
    })),
    minAmountOut,
  };
}

/** Every venue a route trades on. */
export function routeVenues(route: Route): Address[] {
  return [...new Set(route.legs.flatMap((l) => l.path.map((h) => h.venue)))];
}

/** The state of every venue the route trades on after it ran (exact: the route's own quote). */
export function routeEffects(route: Route): VenueEffect[] {
  const used = new Set(routeVenues(route).map((a) => a.toLowerCase()));
  return route.venuesAfter
    .filter((v) => used.has(v.address.toLowerCase()))
    .map((v): VenueEffect =>
      v.kind === "v2"
        ? { kind: "v2", address: v.address, reserve0: v.reserve0, reserve1: v.reserve1 }
        : { kind: "v3", address: v.address, state: v.state },
    );
}

/** Number of hops after the first of a route: what its gas grows with beyond a one-pool sale. */
export function extraHops(route: Route): number {
  return route.legs.reduce((n, l) => n + l.path.length, 0) - 1;
}
