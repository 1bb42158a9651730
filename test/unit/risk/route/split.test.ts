import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { v2GetAmountOut } from "../../../../src/risk/index.js";
import {
  bestRoute,
  findPaths,
  quoteExactIn,
  quoteLegs,
  venueBook,
  type Route,
  type Venue,
} from "../../../../src/risk/route/index.js";
import { Prng } from "../prng.js";
import { USDC, v2, v3, WBTC, WETH } from "./fixtures.js";

const E18 = 10n ** 18n;

/** Executes the legs hop by hop with quoteExactIn on fresh copies, as the chain would run them. */
function executeSequentially(venues: readonly Venue[], route: Route): { outs: bigint[]; after: Venue[] } {
  const book = venueBook(venues);
  const outs: bigint[] = [];
  for (const leg of route.legs) {
    let amount = leg.amountIn;
    for (const hop of leg.path) {
      const q = quoteExactIn(book.get(hop.venue.toLowerCase())!, hop.tokenIn, amount);
      expect(q.complete).toBe(true);
      book.set(hop.venue.toLowerCase(), q.after);
      amount = q.amountOut;
    }
    outs.push(amount);
  }
  return { outs, after: venues.map((v) => book.get(v.address.toLowerCase())!) };
}

describe("findPaths", () => {
  it("lists every direct venue, then every two-hop path through each hub", () => {
    const direct = v2(WBTC, E18, USDC, E18);
    const a = v2(WBTC, E18, WETH, E18);
    const b = v3(USDC, WETH, 0, 3000, 60, [{ tickLower: -600, tickUpper: 600, liquidity: E18 }]);
    const c = v2(USDC, E18, WETH, E18);
    const paths = findPaths([direct, a, b, c], WBTC, USDC, { hubs: [WETH, WBTC] });
    expect(paths.map((p) => p.map((h) => h.venue))).toEqual([
      [direct.address],
      [a.address, b.address],
      [a.address, c.address],
    ]);
    expect(paths[1]).toEqual([
      { venue: a.address, tokenIn: WBTC, tokenOut: WETH },
      { venue: b.address, tokenIn: WETH, tokenOut: USDC },
    ]);
    expect(findPaths([direct, a, b, c], WBTC, USDC, { hubs: [WETH], maxHops: 1 })).toHaveLength(1);
  });
});

describe("bestRoute", () => {
  it("splits across two equal V2 pools: more than one pool alone, equal to the closed form", () => {
    const rIn = 1_000n * E18;
    const rOut = 2_000_000n * E18;
    const pools = [v2(WETH, rIn, USDC, rOut), v2(WETH, rIn, USDC, rOut)];
    const x = 160n * E18;
    const route = bestRoute(pools, WETH, USDC, x);
    expect(route.legs).toHaveLength(2);
    expect(route.legs.map((l) => l.amountIn)).toEqual([x / 2n, x / 2n]);
    expect(route.amountOut).toBe(2n * v2GetAmountOut(x / 2n, rIn, rOut));
    const single = bestRoute(pools.slice(0, 1), WETH, USDC, x).amountOut;
    expect(single).toBe(v2GetAmountOut(x, rIn, rOut));
    expect(route.amountOut).toBeGreaterThan(single);
    // Real-valued closed form 2 * 997 (x/2) rOut / (1000 rIn + 997 x/2), within 2 wei.
    const half = x / 2n;
    const closedScaled = (2n * 997n * half * rOut * 10n ** 6n) / (1000n * rIn + 997n * half);
    const diff = closedScaled - route.amountOut * 10n ** 6n;
    expect(diff >= 0n && diff < 2n * 10n ** 6n).toBe(true);
  });

  it("prefers a two-hop path through a deep hub over a shallow direct pool, and splits between them", () => {
    // Prices: WBTC = 20 WETH, WETH = 3000 USDC (all 18 decimals here).
    const shallow = v2(WBTC, 100n * E18, USDC, 6_000_000n * E18);
    const wbtcWeth = v2(WBTC, 1_000n * E18, WETH, 20_000n * E18);
    const wethUsdc = v2(WETH, 100_000n * E18, USDC, 300_000_000n * E18);
    const venues = [shallow, wbtcWeth, wethUsdc];
    const amount = 10n * E18;
    const route = bestRoute(venues, WBTC, USDC, amount, { hubs: [WETH] });
    const directOnly = quoteExactIn(shallow, WBTC, amount).amountOut;
    expect(route.amountOut).toBeGreaterThan(directOnly);
    const twoHop = route.legs.find((l) => l.path.length === 2)!;
    expect(twoHop.amountIn).toBeGreaterThan(amount / 2n);
    // With a shallow but fairly priced direct pool, a little goes direct too, and the split beats either path.
    expect(route.legs).toHaveLength(2);
    const viaHubOnly = bestRoute([wbtcWeth, wethUsdc], WBTC, USDC, amount, { hubs: [WETH] }).amountOut;
    expect(route.amountOut).toBeGreaterThan(viaHubOnly);
    expect(route.unrouted).toBe(0n);
    // Without the hub only the direct pool is reachable.
    expect(bestRoute(venues, WBTC, USDC, amount).amountOut).toBe(directOnly);
  });

  it("reports what no path can take, and routes nothing when there is no path", () => {
    const thin = v3(USDC, WETH, 0, 3000, 60, [{ tickLower: -600, tickUpper: 600, liquidity: 10n ** 15n }]);
    const r = bestRoute([thin], WETH, USDC, 10n ** 20n, { slices: 4 });
    expect(r.unrouted).toBe(10n ** 20n);
    expect(r.legs).toEqual([]);
    expect(bestRoute([thin], WBTC, USDC, E18).unrouted).toBe(E18);
  });

  it("quotes exactly what executing the legs in order yields, with shared venues (random pools)", () => {
    const prng = new Prng(0x5917);
    let shared = 0;
    let multiLeg = 0;
    for (let i = 0; i < 60; i++) {
      const jitter = () => 800n + prng.bigint(0n, 400n); // price within +-20% of 1
      const depth = () => prng.logBigint(19, 23);
      const venues: Venue[] = [];
      const pairs: [Address, Address][] = [
        [WBTC, USDC],
        [WBTC, WETH],
        [USDC, WETH],
      ];
      for (const [a, b] of pairs) {
        for (let k = prng.int(0, 2); k > 0; k--) {
          const d = depth();
          venues.push(v2(a, d, b, (d * jitter()) / 1000n));
        }
        if (prng.chance(0.6)) {
          const tick = prng.int(-2000, 2000);
          const L = depth();
          venues.push(
            v3(a, b, tick, 3000, 60, [
              { tickLower: -3000, tickUpper: 3000, liquidity: L },
              {
                tickLower: Math.floor(tick / 60) * 60 - 120,
                tickUpper: Math.floor(tick / 60) * 60 + 180,
                liquidity: L * 3n,
              },
            ]),
          );
        }
      }
      const [tokenIn, tokenOut] = prng.chance(0.5) ? [WBTC, USDC] : [USDC, WBTC];
      const amountIn = prng.logBigint(17, 22);
      const route = bestRoute(venues, tokenIn, tokenOut, amountIn, { hubs: [WETH], slices: prng.int(1, 24) });
      expect(route.amountIn + route.unrouted).toBe(amountIn);
      const run = executeSequentially(venues, route);
      expect(run.outs).toEqual(route.legs.map((l) => l.amountOut));
      expect(run.outs.reduce((a, b) => a + b, 0n)).toBe(route.amountOut);
      expect(run.after).toEqual(route.venuesAfter);
      expect(quoteLegs(venues, route.legs).amountOut).toBe(route.amountOut);
      const venuesUsed = route.legs.flatMap((l) => l.path.map((h) => h.venue));
      if (new Set(venuesUsed).size < venuesUsed.length) shared++;
      if (route.legs.length > 1) multiLeg++;
    }
    expect(multiLeg).toBeGreaterThan(10);
    expect(shared).toBeGreaterThan(3);
  });
});
