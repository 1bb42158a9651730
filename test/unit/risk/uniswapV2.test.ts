import { describe, expect, it } from "vitest";
import {
  compareRational,
  referencePriceFromUsd,
  RiskMathError,
  v2ArbitrageProfit,
  v2GetAmountIn,
  v2GetAmountOut,
  v2InputToReachPrice,
  v2MaxProfitTrade,
  v2MinAmountIn,
  v2RebalanceToReference,
  v2ReservesAfterSwap,
  v2SkewBps,
  v2SpotPrice,
  v2SwapSatisfiesK,
  type Rational,
} from "../../../src/risk/index.js";
import { Prng } from "./prng.js";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;
/** USDC (6 dec) per WETH (18 dec) at $3000: 3000e6 / 1e18. */
const REF_3000: Rational = referencePriceFromUsd({
  price0Usd: 3000n * 10n ** 8n,
  decimals0: 18,
  price1Usd: 10n ** 8n,
  decimals1: 6,
});

/** |a - b| / b in parts per million, as a float (test-only). */
function ppm(a: Rational, b: Rational): number {
  const diff = a.num * b.den - b.num * a.den;
  return (Number(diff < 0n ? -diff : diff) / Number(b.num * a.den)) * 1e6;
}

describe("getAmountOut / getAmountIn (UniswapV2Library)", () => {
  it("matches hand-computed values", () => {
    // 997 * 1000 * 1e6 / (1e6 * 1000 + 997 * 1000) = 996.006.. -> 996
    expect(v2GetAmountOut(1000n, 1_000_000n, 1_000_000n)).toBe(996n);
    // 1e6 * 996 * 1000 / (999004 * 997) = 999.99.. -> 999 + 1
    expect(v2GetAmountIn(996n, 1_000_000n, 1_000_000n)).toBe(1000n);
    expect(v2GetAmountIn(997n, 1_000_000n, 1_000_000n)).toBe(1001n);
    // 1 WETH into 100 WETH / 300,000 USDC: 997e18 * 300000e6 / (100e18 * 1000 + 997e18) = 2961474103.2
    expect(v2GetAmountOut(E18, 100n * E18, 300_000n * E6)).toBe(2_961_474_103n);
  });

  it("reverts like the library on bad input", () => {
    expect(() => v2GetAmountOut(0n, 1n, 1n)).toThrow(RiskMathError);
    expect(() => v2GetAmountOut(1n, 0n, 1n)).toThrow(RiskMathError);
    expect(() => v2GetAmountIn(0n, 1n, 1n)).toThrow(RiskMathError);
    expect(() => v2GetAmountIn(10n, 100n, 10n)).toThrow(RiskMathError);
  });

  it("returns the largest output the pair's K check accepts (seed 3)", () => {
    const prng = new Prng(3);
    for (let i = 0; i < 3000; i++) {
      const reserves = { reserveIn: prng.logBigint(3, 27), reserveOut: prng.logBigint(3, 27) };
      const amountIn = prng.logBigint(0, 27);
      const out = v2GetAmountOut(amountIn, reserves.reserveIn, reserves.reserveOut);
      expect(v2SwapSatisfiesK(amountIn, out, reserves)).toBe(true);
      expect(v2SwapSatisfiesK(amountIn, out + 1n, reserves)).toBe(false);
    }
  });

  it("getAmountIn and getAmountOut are inverse up to the library's +1 (seed 4)", () => {
    const prng = new Prng(4);
    for (let i = 0; i < 3000; i++) {
      const reserveIn = prng.logBigint(3, 27);
      const reserveOut = prng.logBigint(3, 27);
      const amountOut = prng.bigint(1n, reserveOut - 1n);
      const amountIn = v2GetAmountIn(amountOut, reserveIn, reserveOut);
      const min = v2MinAmountIn(amountOut, reserveIn, reserveOut);
      expect(v2GetAmountOut(amountIn, reserveIn, reserveOut)).toBeGreaterThanOrEqual(amountOut);
      expect(v2GetAmountOut(min, reserveIn, reserveOut)).toBeGreaterThanOrEqual(amountOut);
      if (min > 1n) expect(v2GetAmountOut(min - 1n, reserveIn, reserveOut)).toBeLessThan(amountOut);
      expect(amountIn - min === 0n || amountIn - min === 1n).toBe(true);
      // And the forward direction: the input needed for out(x) never exceeds x.
      const x = prng.logBigint(0, 27);
      const y = v2GetAmountOut(x, reserveIn, reserveOut);
      if (y > 0n) expect(v2MinAmountIn(y, reserveIn, reserveOut)).toBeLessThanOrEqual(x);
    }
  });
});

describe("spot price and skew", () => {
  it("measures the skew in bps against a USD-feed reference", () => {
    expect(v2SpotPrice({ reserve0: 100n * E18, reserve1: 300_000n * E6 })).toEqual({
      num: 300_000n * E6,
      den: 100n * E18,
    });
    expect(v2SkewBps({ reserve0: 100n * E18, reserve1: 300_000n * E6 }, REF_3000)).toBe(0n);
    expect(v2SkewBps({ reserve0: 100n * E18, reserve1: 310_000n * E6 }, REF_3000)).toBe(333n); // +3.33%
    expect(v2SkewBps({ reserve0: 100n * E18, reserve1: 270_000n * E6 }, REF_3000)).toBe(-1000n);
  });
});

describe("rebalancing to the reference", () => {
  it("returns null when the pair already sits on the reference", () => {
    expect(v2RebalanceToReference({ reserve0: 100n * E18, reserve1: 300_000n * E6 }, REF_3000)).toBeNull();
  });

  it("sells token0 when token0 is overpriced, landing on the reference (6 vs 18 decimals)", () => {
    const reserves = { reserve0: 100n * E18, reserve1: 310_000n * E6 };
    const t = v2RebalanceToReference(reserves, REF_3000)!;
    expect(t.zeroForOne).toBe(true);
    expect(t.profitToken).toBe("token1");
    // Real-valued root: 997x² + 1997·Ri·x + 1000·Ri·(Ri - Ro/t) = 0 -> x ~ 1.6555 WETH.
    expect(t.amountIn / 10n ** 14n).toBe(16_554n);
    expect(t.amountOut).toBe(v2GetAmountOut(t.amountIn, reserves.reserve0, reserves.reserve1));
    expect(ppm(v2SpotPrice(t.reservesAfter), REF_3000)).toBeLessThan(1e-3);
    expect(t.skewBpsBefore).toBe(333n);
    expect(t.skewBpsAfter).toBe(0n);
    // Sold ~1.6555 WETH (worth ~4966.5 USDC at 3000) for ~5033.5 USDC.
    expect(t.profit).toBeGreaterThan(60n * E6);
    expect(t.profit).toBe(t.amountOut - (t.amountIn * 3n + 10n ** 9n - 1n) / 10n ** 9n);
  });

  it("buys token0 when token0 is underpriced", () => {
    const reserves = { reserve0: 100n * E18, reserve1: 290_000n * E6 };
    const t = v2RebalanceToReference(reserves, REF_3000)!;
    expect(t.zeroForOne).toBe(false);
    expect(t.profitToken).toBe("token0");
    expect(ppm(v2SpotPrice(t.reservesAfter), REF_3000)).toBeLessThan(1e-3);
    expect(t.reservesAfter.reserve1).toBe(reserves.reserve1 + t.amountIn);
  });

  it.each([
    // fine output token: every input changes the output
    {
      name: "fine output",
      r: { reserveIn: 10_000n, reserveOut: 30_000n },
      target: { num: 27n, den: 10n },
      upTo: 3_000n,
    },
    // coarse output token: ~10,000 inputs share each output, the optimum is far from the root
    {
      name: "coarse output",
      r: { reserveIn: 2_000_000n, reserveOut: 200n },
      target: { num: 9n, den: 100_000n },
      upTo: 200_000n,
    },
  ])("picks the closest achievable price among all inputs ($name, exhaustive)", ({ r, target, upTo }) => {
    const dist = (x: bigint): Rational => {
      const out = v2GetAmountOut(x, r.reserveIn, r.reserveOut);
      const s = (r.reserveOut - out) * target.den - target.num * (r.reserveIn + x);
      return { num: s < 0n ? -s : s, den: (r.reserveIn + x) * target.den };
    };
    let best = 1n;
    for (let x = 2n; x < upTo; x++) {
      if (v2GetAmountOut(x, r.reserveIn, r.reserveOut) > 0n && compareRational(dist(x), dist(best)) < 0) best = x;
    }
    const chosen = v2InputToReachPrice(r, target);
    expect(compareRational(dist(chosen), dist(best))).toBe(0);
  });

  it("returns 0 when the price is already at or below the target", () => {
    expect(v2InputToReachPrice({ reserveIn: 100n, reserveOut: 100n }, { num: 1n, den: 1n })).toBe(0n);
    expect(v2InputToReachPrice({ reserveIn: 100n, reserveOut: 100n }, { num: 2n, den: 1n })).toBe(0n);
  });

  it("lands within 1 ppm of the reference on random pools, 6/8/18 decimals (seed 21)", () => {
    const prng = new Prng(21);
    const decimals = [6, 8, 18];
    for (let i = 0; i < 400; i++) {
      const d0 = decimals[prng.int(0, 2)]!;
      const d1 = decimals[prng.int(0, 2)]!;
      const reference = referencePriceFromUsd({
        price0Usd: prng.logBigint(6, 13),
        decimals0: d0,
        price1Usd: prng.logBigint(6, 13),
        decimals1: d1,
      });
      // Pool worth ~1e5..1e8 USD on token0's side, skewed by up to +-40%.
      const reserve0 = prng.logBigint(d0 + 1, d0 + 6);
      const skewPpm = BigInt(prng.int(-400_000, 400_000));
      const reserve1 = (reserve0 * reference.num * (1_000_000n + skewPpm)) / (reference.den * 1_000_000n);
      if (reserve1 < 10n ** 9n) continue;
      const reserves = { reserve0, reserve1 };
      const t = v2RebalanceToReference(reserves, reference);
      if (t === null) continue;
      expect(t.zeroForOne).toBe(compareRational(v2SpotPrice(reserves), reference) > 0);
      expect(ppm(v2SpotPrice(t.reservesAfter), reference)).toBeLessThan(1);
      // Moving to the reference is a good trade when the skew is larger than the fee.
      if (skewPpm > 10_000n || skewPpm < -10_000n) expect(t.profit).toBeGreaterThan(0n);
    }
  });
});

describe("profit", () => {
  it("values a swap at the reference in both tokens", () => {
    const p = v2ArbitrageProfit({
      reserveIn: 100n * E18,
      reserveOut: 310_000n * E6,
      amountIn: E18,
      referenceOutPerIn: REF_3000,
    });
    expect(p.amountOut).toBe(v2GetAmountOut(E18, 100n * E18, 310_000n * E6));
    expect(p.profitInOutputToken).toBe(p.amountOut - 3_000n * E6);
    expect(p.profitInInputToken).toBe((p.amountOut * 10n ** 9n) / 3n - E18);
    // A balanced pool loses the 0.3% fee and the price impact.
    const loss = v2ArbitrageProfit({
      reserveIn: 100n * E18,
      reserveOut: 300_000n * E6,
      amountIn: E18,
      referenceOutPerIn: REF_3000,
    });
    expect(loss.profitInOutputToken).toBeLessThan(-9n * E6);
  });

  it("finds the profit-maximising input, short of the reference (seed 33)", () => {
    const prng = new Prng(33);
    for (let i = 0; i < 200; i++) {
      const reserve0 = prng.logBigint(19, 23);
      const skew = BigInt(prng.int(-300_000, 300_000));
      const reserve1 = (reserve0 * REF_3000.num * (1_000_000n + skew)) / (REF_3000.den * 1_000_000n);
      const reserves = { reserve0, reserve1 };
      const best = v2MaxProfitTrade(reserves, REF_3000);
      if (skew > -3_000n && skew < 3_000n) {
        // Within the fee band nothing is profitable.
        expect(best).toBeNull();
        continue;
      }
      if (best === null) continue;
      const toRef = v2RebalanceToReference(reserves, REF_3000)!;
      expect(best.profit).toBeGreaterThanOrEqual(toRef.profit);
      expect(best.amountIn).toBeLessThanOrEqual(toRef.amountIn);
      const directed = best.zeroForOne
        ? { reserveIn: reserve0, reserveOut: reserve1, ref: REF_3000 }
        : { reserveIn: reserve1, reserveOut: reserve0, ref: { num: REF_3000.den, den: REF_3000.num } };
      const profitAt = (x: bigint): bigint =>
        v2ArbitrageProfit({
          reserveIn: directed.reserveIn,
          reserveOut: directed.reserveOut,
          amountIn: x,
          referenceOutPerIn: directed.ref,
        }).profitInOutputToken;
      // Nothing nearby (or 1% either side) does better by more than the 1-wei rounding of profit.
      for (const x of [
        best.amountIn - 1n,
        best.amountIn + 1n,
        (best.amountIn * 99n) / 100n,
        (best.amountIn * 101n) / 100n,
      ]) {
        if (x > 0n) expect(profitAt(x)).toBeLessThanOrEqual(best.profit + 1n);
      }
    }
  });

  it("applies the reserves update like the pair", () => {
    const after = v2ReservesAfterSwap(1000n, { reserveIn: 1_000_000n, reserveOut: 1_000_000n });
    expect(after).toEqual({ reserveIn: 1_001_000n, reserveOut: 999_004n, amountOut: 996n });
  });
});
