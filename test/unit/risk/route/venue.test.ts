import { describe, expect, it } from "vitest";
import { simulateV3Swap, v2GetAmountOut } from "../../../../src/risk/index.js";
import {
  applyExactIn,
  quoteExactIn,
  RouteError,
  v3TickWindow,
  type V3Venue,
} from "../../../../src/risk/route/index.js";
import { USDC, v2, v3, WBTC, WETH } from "./fixtures.js";

const E18 = 10n ** 18n;

describe("quoteExactIn / applyExactIn", () => {
  it("V2: pays UniswapV2Library.getAmountOut and moves the reserves by in and out", () => {
    const pair = v2(WETH, 1_000n * E18, USDC, 2_000_000n * 10n ** 6n);
    const inWeth = 3n * E18;
    const q = quoteExactIn(pair, WETH, inWeth);
    const [rIn, rOut] = pair.token0 === WETH ? [pair.reserve0, pair.reserve1] : [pair.reserve1, pair.reserve0];
    expect(q.complete).toBe(true);
    expect(q.amountOut).toBe(v2GetAmountOut(inWeth, rIn, rOut));
    const after = applyExactIn(pair, WETH, inWeth);
    expect(after).toEqual(q.after);
    if (after.kind !== "v2") throw new Error("kind");
    expect(after.reserve0 + after.reserve1).toBe(pair.reserve0 + pair.reserve1 + inWeth - q.amountOut);
    // The other direction on the state after.
    const back = quoteExactIn(after, USDC, q.amountOut);
    expect(back.amountOut).toBeLessThan(inWeth);
  });

  it("V2: a dust input that buys nothing is reported, since the pair reverts on a zero output", () => {
    const pair = v2(WETH, 1_000n * E18, USDC, 2_000_000n * 10n ** 6n);
    const q = quoteExactIn(pair, WETH, 1n);
    expect(q).toMatchObject({ complete: false, reason: "zero-output", amountIn: 0n, amountOut: 0n });
    expect(() => applyExactIn(pair, WETH, 1n)).toThrow(RouteError);
    expect(() => quoteExactIn(pair, WBTC, 1n)).toThrow(RouteError);
  });

  it("V3: equals simulateV3Swap with no price limit, in both directions", () => {
    const pool = v3(WETH, USDC, 0, 3000, 60, [
      { tickLower: -600, tickUpper: 600, liquidity: 10n ** 20n },
      { tickLower: -1200, tickUpper: 1200, liquidity: 10n ** 19n },
    ]);
    for (const [token, zeroForOne] of [
      [WETH, true],
      [USDC, false],
    ] as const) {
      const amount = E18;
      const q = quoteExactIn(pool, token, amount);
      const sim = simulateV3Swap({ state: pool.state, zeroForOne, amountSpecified: amount });
      expect(q.complete).toBe(true);
      expect(q.amountOut).toBe(sim.amountOut);
      expect((q.after as V3Venue).state).toEqual(sim.stateAfter);
    }
  });

  it("V3: runs out of liquidity -> partial fill at the price bound, flagged out-of-liquidity", () => {
    const pool = v3(WETH, USDC, 0, 3000, 60, [{ tickLower: -600, tickUpper: 600, liquidity: 10n ** 18n }]);
    const q = quoteExactIn(pool, WETH, 10n ** 30n);
    expect(q.complete).toBe(false);
    expect(q.reason).toBe("out-of-liquidity");
    expect(q.amountIn).toBeLessThan(10n ** 30n);
    expect(q.amountIn).toBeGreaterThan(0n);
  });

  it("V3: a swap leaving the known tick window is not promised; inside it the quote is exact", () => {
    // Ticks every 60 from -24000 to 24000; the window knows one bitmap word each side of the current one.
    const positions = Array.from({ length: 400 }, (_, i) => ({
      tickLower: -24_000 + 60 * i,
      tickUpper: 60 + 60 * i,
      liquidity: 10n ** 18n,
    }));
    const full = v3(WETH, USDC, 0, 3000, 60, positions);
    expect(v3TickWindow(full.state.tick, 60, 0)).toEqual({ lower: 0, upper: 255 * 60 });
    expect(v3TickWindow(-1, 60, 1)).toEqual({ lower: -512 * 60, upper: 255 * 60 });
    const windowed: V3Venue = { ...full, tickWindow: v3TickWindow(full.state.tick, 60, 1) };
    const small = 10n ** 16n;
    const inside = quoteExactIn(windowed, WETH, small);
    const reference = quoteExactIn(full, WETH, small);
    expect(inside.complete).toBe(true);
    expect(inside.amountOut).toBe(reference.amountOut);
    expect((inside.after as V3Venue).state).toEqual((reference.after as V3Venue).state);
    expect((inside.after as V3Venue).tickWindow).toEqual(windowed.tickWindow);
    // Large enough to go far past tick -15360 on the full pool.
    const big = 10n ** 24n;
    const all = quoteExactIn(full, WETH, big);
    const part = quoteExactIn(windowed, WETH, big);
    expect(part.complete).toBe(false);
    expect(part.reason).toBe("ticks-unknown");
    expect((part.after as V3Venue).state.sqrtPriceX96).toBeGreaterThan((all.after as V3Venue).state.sqrtPriceX96);
    expect(part.amountIn).toBeGreaterThan(0n);
    expect(part.amountIn).toBeLessThan(big);
    // From the window's edge nothing more can be filled.
    expect(quoteExactIn(part.after, WETH, small)).toMatchObject({
      complete: false,
      amountIn: 0n,
      reason: "ticks-unknown",
    });
  });
});
