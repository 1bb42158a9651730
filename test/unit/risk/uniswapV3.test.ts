import { describe, expect, it } from "vitest";
import {
  computeSwapStep,
  getAmount0Delta,
  getAmount1Delta,
  getNextSqrtPriceFromAmount0RoundingUp,
  getNextSqrtPriceFromInput,
  getNextSqrtPriceFromOutput,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  MAX_SQRT_RATIO,
  MAX_TICK,
  MAX_UINT256,
  MIN_SQRT_RATIO,
  MIN_TICK,
  nextInitializedTickWithinOneWord,
  priceFromSqrtPriceX96,
  referencePriceFromUsd,
  RiskMathError,
  simulateV3Swap,
  sqrtPriceX96FromPrice,
  v3InputToReachPrice,
  v3MaxProfitTrade,
  v3RebalanceToReference,
  v3SkewBps,
  type V3PoolState,
} from "../../../src/risk/index.js";
import { Prng } from "./prng.js";
import { poolAtTick, poolFromPositions, referenceNextTick } from "./v3pool.js";

const Q96 = 1n << 96n;
const E18 = 10n ** 18n;
/** encodePriceSqrt(reserve1, reserve0) of the Uniswap test suite: floor(sqrt(r1/r0) * 2^96). */
const encodePriceSqrt = (reserve1: bigint, reserve0: bigint): bigint =>
  sqrtPriceX96FromPrice({ num: reserve1, den: reserve0 });

describe("TickMath", () => {
  it("hits the contract's constants at the bounds and 2^96 at tick 0", () => {
    expect(getSqrtRatioAtTick(MIN_TICK)).toBe(MIN_SQRT_RATIO);
    expect(getSqrtRatioAtTick(MAX_TICK)).toBe(MAX_SQRT_RATIO);
    expect(getSqrtRatioAtTick(0)).toBe(Q96);
    expect(() => getSqrtRatioAtTick(MAX_TICK + 1)).toThrow(RiskMathError);
    expect(() => getSqrtRatioAtTick(MIN_TICK - 1)).toThrow(RiskMathError);
  });

  it("agrees with sqrt(1.0001^tick) * 2^96 to 1e-10 relative on random ticks (seed 2)", () => {
    const prng = new Prng(2);
    for (let i = 0; i < 500; i++) {
      const tick = prng.int(-200_000, 200_000);
      const expected = Math.sqrt(1.0001 ** tick) * 2 ** 96;
      const actual = Number(getSqrtRatioAtTick(tick));
      // Float pow loses ~|tick| ulps, hence the loose bound; exactness is checked at the bounds.
      expect(Math.abs(actual - expected) / expected).toBeLessThan(1e-10);
    }
  });

  it("getTickAtSqrtRatio inverts at the bounds and at every tick's price", () => {
    expect(getTickAtSqrtRatio(MIN_SQRT_RATIO)).toBe(MIN_TICK);
    expect(getTickAtSqrtRatio(MAX_SQRT_RATIO - 1n)).toBe(MAX_TICK - 1);
    expect(getTickAtSqrtRatio(Q96)).toBe(0);
    expect(getTickAtSqrtRatio(Q96 - 1n)).toBe(-1);
    expect(() => getTickAtSqrtRatio(MIN_SQRT_RATIO - 1n)).toThrow(RiskMathError);
    expect(() => getTickAtSqrtRatio(MAX_SQRT_RATIO)).toThrow(RiskMathError);
    for (const tick of [MIN_TICK, MIN_TICK + 1, -100_000, -1, 0, 1, 50, 100_000, MAX_TICK - 1]) {
      const p = getSqrtRatioAtTick(tick);
      expect(getTickAtSqrtRatio(p)).toBe(tick);
      if (tick > MIN_TICK) expect(getTickAtSqrtRatio(p - 1n)).toBe(tick - 1);
    }
  });

  it("getTickAtSqrtRatio returns the greatest tick at or below any price (seed 6)", () => {
    const prng = new Prng(6);
    for (let i = 0; i < 1500; i++) {
      // Spread over the whole range of exponents.
      const bits = BigInt(prng.int(33, 159));
      const p = prng.bigint(1n << (bits - 1n), 1n << bits);
      if (p < MIN_SQRT_RATIO || p >= MAX_SQRT_RATIO) continue;
      const tick = getTickAtSqrtRatio(p);
      expect(getSqrtRatioAtTick(tick)).toBeLessThanOrEqual(p);
      if (tick < MAX_TICK) expect(getSqrtRatioAtTick(tick + 1)).toBeGreaterThan(p);
    }
  });
});

describe("SqrtPriceMath (values from the v3-core test suite)", () => {
  const price1 = encodePriceSqrt(1n, 1n);
  const price121 = encodePriceSqrt(121n, 100n);

  it("getAmount0Delta / getAmount1Delta for 1 -> 1.21 with 1e18 liquidity", () => {
    expect(getAmount0Delta(price1, price121, E18, true)).toBe(90909090909090910n);
    expect(getAmount0Delta(price1, price121, E18, false)).toBe(90909090909090909n);
    expect(getAmount1Delta(price1, price121, E18, true)).toBe(100000000000000000n);
    expect(getAmount1Delta(price1, price121, E18, false)).toBe(99999999999999999n);
    // Order of bounds does not matter; equal bounds give zero.
    expect(getAmount0Delta(price121, price1, E18, true)).toBe(90909090909090910n);
    expect(getAmount1Delta(price1, price1, E18, true)).toBe(0n);
  });

  it("getNextSqrtPriceFromInput for 0.1 of each token", () => {
    expect(getNextSqrtPriceFromInput(price1, E18, E18 / 10n, false)).toBe(87150978765690771352898345369n);
    expect(getNextSqrtPriceFromInput(price1, E18, E18 / 10n, true)).toBe(72025602285694852357767227579n);
    expect(getNextSqrtPriceFromInput(price1, 1n, MAX_UINT256 / 2n, true)).toBe(1n);
    expect(getNextSqrtPriceFromInput(price1, E18, 0n, true)).toBe(price1);
    expect(() => getNextSqrtPriceFromInput(0n, 1n, 1n, true)).toThrow(RiskMathError);
    expect(() => getNextSqrtPriceFromInput(1n, 0n, 1n, true)).toThrow(RiskMathError);
  });

  it("getNextSqrtPriceFromOutput for 0.1 of each token and reverts when draining", () => {
    expect(getNextSqrtPriceFromOutput(price1, E18, E18 / 10n, false)).toBe(88031291682515930659493278152n);
    expect(getNextSqrtPriceFromOutput(price1, E18, E18 / 10n, true)).toBe(71305346262837903834189555302n);
    // Output of all the token1 the range holds: 2^96 * L / 2^96 = L.
    expect(() => getNextSqrtPriceFromOutput(Q96, 1n, 1n, true)).toThrow(RiskMathError);
    expect(() => getNextSqrtPriceFromOutput(20282409603651670423947251286016n, 1024n, 4n, false)).toThrow(
      RiskMathError,
    );
  });

  it("takes the contract's fallback formula when amount * sqrtP overflows 256 bits", () => {
    const sqrtP = 1055959187926535055822788452393096222182535202214n;
    const liquidity = 321658950877856805192962030861004602933n;
    const amount = 39797686948994670591975508119327n; // amount * sqrtP > 2^256
    // divRoundingUp(L << 96, (L << 96) / sqrtP + amount), computed offline
    expect(getNextSqrtPriceFromAmount0RoundingUp(sqrtP, liquidity, amount, true)).toBe(
      640349969759911309921622861680548374n,
    );
    // The exact formula mulDivRoundingUp(L << 96, sqrtP, (L << 96) + amount * sqrtP) would give
    // 640349969759911309921622861680533252: the branch changes the result.
  });
});

describe("SwapMath.computeSwapStep (values from the v3-core test suite)", () => {
  it("exact amount in capped at the price target, one for zero", () => {
    const target = encodePriceSqrt(101n, 100n);
    const r = computeSwapStep(encodePriceSqrt(1n, 1n), target, 2n * E18, E18, 600);
    expect(r).toEqual({
      sqrtRatioNextX96: target,
      amountIn: 9975124224178055n,
      amountOut: 9925619580021728n,
      feeAmount: 5988667735148n,
    });
  });

  it("exact amount out capped at the price target, one for zero", () => {
    const target = encodePriceSqrt(101n, 100n);
    const r = computeSwapStep(encodePriceSqrt(1n, 1n), target, 2n * E18, -E18, 600);
    expect(r).toEqual({
      sqrtRatioNextX96: target,
      amountIn: 9975124224178055n,
      amountOut: 9925619580021728n,
      feeAmount: 5988667735148n,
    });
  });

  it("exact amount in fully spent, one for zero", () => {
    const target = encodePriceSqrt(1000n, 100n);
    const r = computeSwapStep(encodePriceSqrt(1n, 1n), target, 2n * E18, E18, 600);
    expect(r.amountIn).toBe(999400000000000000n);
    expect(r.feeAmount).toBe(600000000000000n);
    expect(r.amountOut).toBe(666399946655997866n);
    expect(r.amountIn + r.feeAmount).toBe(E18);
    expect(r.sqrtRatioNextX96).toBeLessThan(target);
  });

  it("exact amount out fully received, one for zero", () => {
    const r = computeSwapStep(encodePriceSqrt(1n, 1n), encodePriceSqrt(10000n, 100n), 2n * E18, -E18, 600);
    expect(r.amountIn).toBe(2000000000000000000n);
    expect(r.feeAmount).toBe(1200720432259356n);
    expect(r.amountOut).toBe(E18);
  });

  it("caps the output at the desired amount out", () => {
    const r = computeSwapStep(
      417332158212080721273783715441582n,
      1452870262520218020823638996n,
      159344665391607089467575320103n,
      -1n,
      1,
    );
    expect(r).toEqual({
      sqrtRatioNextX96: 417332158212080721273783715441581n,
      amountIn: 1n,
      amountOut: 1n,
      feeAmount: 1n,
    });
  });

  it("uses a partial input amount to reach a target price of 1", () => {
    const r = computeSwapStep(2n, 1n, 1n, 3915081100057732413702495386755767n, 1);
    expect(r).toEqual({
      sqrtRatioNextX96: 1n,
      amountIn: 39614081257132168796771975168n,
      amountOut: 0n,
      feeAmount: 39614120871253040049813n,
    });
  });

  it("takes the entire input as fee when it cannot move the price", () => {
    const r = computeSwapStep(2413n, 79887613182836312n, 1985041575832132834610021537970n, 10n, 1872);
    expect(r).toEqual({ sqrtRatioNextX96: 2413n, amountIn: 0n, amountOut: 0n, feeAmount: 10n });
  });

  it("handles intermediate insufficient liquidity in exact output steps", () => {
    const sqrtP = 20282409603651670423947251286016n;
    const up = computeSwapStep(sqrtP, (sqrtP * 11n) / 10n, 1024n, -4n, 3000);
    expect(up).toEqual({ sqrtRatioNextX96: (sqrtP * 11n) / 10n, amountIn: 26215n, amountOut: 0n, feeAmount: 79n });
    const down = computeSwapStep(sqrtP, (sqrtP * 9n) / 10n, 1024n, -263000n, 3000);
    expect(down).toEqual({ sqrtRatioNextX96: (sqrtP * 9n) / 10n, amountIn: 1n, amountOut: 26214n, feeAmount: 1n });
  });
});

describe("nextInitializedTickWithinOneWord", () => {
  it("matches a real bitmap on random tick sets (seed 8)", () => {
    const prng = new Prng(8);
    for (let round = 0; round < 60; round++) {
      const spacing = [1, 10, 60, 200][prng.int(0, 3)]!;
      const set = new Set<number>();
      const count = prng.int(0, 40);
      for (let i = 0; i < count; i++) set.add(prng.int(-2000, 2000) * spacing);
      const sorted = [...set].sort((a, b) => a - b);
      const ticks = sorted.map((tick) => ({ tick, liquidityNet: 1n }));
      for (let i = 0; i < 100; i++) {
        const tick = prng.int(-2100 * spacing, 2100 * spacing);
        for (const lte of [true, false]) {
          const got = nextInitializedTickWithinOneWord(ticks, tick, spacing, lte);
          expect({ tickNext: got.tickNext, initialized: got.initialized }).toEqual(
            referenceNextTick(sorted, tick, spacing, lte),
          );
        }
      }
    }
  });
});

const FEE = 3000;
const SPACING = 60;
/** Three overlapping ranges around tick 0. */
function samplePool(tick = 0): V3PoolState {
  return poolAtTick(tick, {
    fee: FEE,
    tickSpacing: SPACING,
    positions: [
      { tickLower: -887220, tickUpper: 887220, liquidity: 10n ** 18n },
      { tickLower: -6000, tickUpper: 6000, liquidity: 5n * 10n ** 18n },
      { tickLower: 1200, tickUpper: 3000, liquidity: 20n * 10n ** 18n },
      { tickLower: -3000, tickUpper: -1200, liquidity: 2n * 10n ** 18n },
    ],
  });
}

describe("simulateV3Swap", () => {
  it("equals a single computeSwapStep when no tick is crossed", () => {
    const pool = samplePool();
    const r = simulateV3Swap({ state: pool, zeroForOne: true, amountSpecified: 10n ** 15n });
    const step = computeSwapStep(pool.sqrtPriceX96, getSqrtRatioAtTick(-1200), pool.liquidity, 10n ** 15n, FEE);
    expect(r.amountIn).toBe(10n ** 15n);
    expect(r.amountOut).toBe(step.amountOut);
    expect(r.sqrtPriceX96After).toBe(step.sqrtRatioNextX96);
    expect(r.amount0).toBe(10n ** 15n);
    expect(r.amount1).toBe(-step.amountOut);
    expect(r.tickAfter).toBe(getTickAtSqrtRatio(step.sqrtRatioNextX96));
    expect(r.ticksCrossed).toBe(0);
  });

  it("crosses initialized ticks and updates liquidity like the pool", () => {
    const pool = samplePool();
    expect(pool.liquidity).toBe(6n * E18);
    // Up through 1200 (+20e18), 3000 (-20e18), stopping inside (3000, 6000).
    const limit = getSqrtRatioAtTick(4000);
    const up = simulateV3Swap({
      state: pool,
      zeroForOne: false,
      amountSpecified: 10n ** 30n,
      sqrtPriceLimitX96: limit,
    });
    expect(up.sqrtPriceX96After).toBe(limit);
    expect(up.ticksCrossed).toBe(2);
    expect(up.liquidityAfter).toBe(6n * E18);
    expect(up.tickAfter).toBe(4000);
    // Token1 needed = sum over ranges of L * (sqrtB - sqrtA) / 2^96, each rounded up, plus fee.
    const legs: [number, number, bigint][] = [
      [0, 1200, 6n * E18],
      [1200, 3000, 26n * E18],
      [3000, 4000, 6n * E18],
    ];
    let expectedIn = 0n;
    for (const [a, b, l] of legs) {
      const inLeg = getAmount1Delta(getSqrtRatioAtTick(a), getSqrtRatioAtTick(b), l, true);
      // Word edges at 256 * 60 = 15360 ticks: no extra steps in this range.
      expectedIn += inLeg + (inLeg * 3000n + 997_000n - 1n) / 997_000n;
    }
    expect(up.amountIn).toBe(expectedIn);

    // Down through -1200 (+2e18 when crossing down, since liquidityNet there is -2e18).
    const down = simulateV3Swap({
      state: pool,
      zeroForOne: true,
      amountSpecified: 10n ** 30n,
      sqrtPriceLimitX96: getSqrtRatioAtTick(-2000),
    });
    expect(down.ticksCrossed).toBe(1);
    expect(down.liquidityAfter).toBe(8n * E18);
    expect(down.tickAfter).toBe(-2000);
  });

  it("sets tick = tickNext - 1 when a downward swap stops exactly on a crossed tick", () => {
    const pool = samplePool();
    const target = getSqrtRatioAtTick(-1200);
    const exactIn = v3InputToReachPrice(pool, target)!;
    // Replaying with that exact input (no limit) stops on the tick, after crossing it.
    const replay = simulateV3Swap({ state: pool, zeroForOne: true, amountSpecified: exactIn.amountIn });
    expect(replay.sqrtPriceX96After).toBe(target);
    expect(replay.tickAfter).toBe(-1201);
    expect(replay.ticksCrossed).toBe(1);
    expect(replay.liquidityAfter).toBe(8n * E18);
    // A limit equal to the tick's price crosses it too: the pool compares with the tick's price,
    // not with the limit.
    expect(exactIn.ticksCrossed).toBe(1);
    expect(exactIn.tickAfter).toBe(-1201);
    expect(exactIn.liquidityAfter).toBe(8n * E18);
  });

  it("handles exact output swaps across ticks and matches an exact input replay", () => {
    const pool = samplePool();
    const out = simulateV3Swap({ state: pool, zeroForOne: false, amountSpecified: -(3n * E18) });
    expect(out.amountOut).toBe(3n * E18);
    expect(out.amount0).toBe(-(3n * E18));
    const replay = simulateV3Swap({ state: pool, zeroForOne: false, amountSpecified: out.amountIn });
    expect(replay.amountOut).toBeGreaterThanOrEqual(3n * E18);
  });

  it("steps word by word through empty ranges with tick spacing 1", () => {
    const pool = poolAtTick(0, {
      fee: 500,
      tickSpacing: 1,
      positions: [{ tickLower: -5000, tickUpper: 5000, liquidity: E18 }],
    });
    // 1000 ticks down crosses 3 word edges (-256, -512, -768): 4 separately rounded steps.
    const limit = getSqrtRatioAtTick(-1000);
    const r = simulateV3Swap({ state: pool, zeroForOne: true, amountSpecified: 10n ** 30n, sqrtPriceLimitX96: limit });
    let expected = 0n;
    const edges = [0, -256, -512, -768, -1000];
    for (let i = 0; i + 1 < edges.length; i++) {
      const leg = getAmount0Delta(getSqrtRatioAtTick(edges[i + 1]!), getSqrtRatioAtTick(edges[i]!), E18, true);
      expected += leg + (leg * 500n + 999_500n - 1n) / 999_500n;
    }
    expect(r.amountIn).toBe(expected);
    expect(r.tickAfter).toBe(-1000);
    // Plus one empty step: starting exactly on tick 0, the pool first "moves" to tick 0's own price.
    expect(r.steps).toBe(5);
  });

  it("stops when liquidity runs out at the price limit", () => {
    const pool = poolAtTick(0, {
      fee: FEE,
      tickSpacing: SPACING,
      positions: [{ tickLower: -600, tickUpper: 600, liquidity: E18 }],
    });
    const r = simulateV3Swap({
      state: pool,
      zeroForOne: true,
      amountSpecified: 10n ** 30n,
      sqrtPriceLimitX96: getSqrtRatioAtTick(-1200),
    });
    expect(r.sqrtPriceX96After).toBe(getSqrtRatioAtTick(-1200));
    expect(r.liquidityAfter).toBe(0n);
    expect(r.amountIn).toBe(
      simulateV3Swap({
        state: pool,
        zeroForOne: true,
        amountSpecified: 10n ** 30n,
        sqrtPriceLimitX96: getSqrtRatioAtTick(-600),
      }).amountIn,
    );
  });

  it("rejects the pool's invalid inputs", () => {
    const pool = samplePool();
    expect(() => simulateV3Swap({ state: pool, zeroForOne: true, amountSpecified: 0n })).toThrow(RiskMathError);
    expect(() =>
      simulateV3Swap({ state: pool, zeroForOne: true, amountSpecified: 1n, sqrtPriceLimitX96: pool.sqrtPriceX96 + 1n }),
    ).toThrow(RiskMathError);
    expect(() =>
      simulateV3Swap({ state: pool, zeroForOne: false, amountSpecified: 1n, sqrtPriceLimitX96: MAX_SQRT_RATIO }),
    ).toThrow(RiskMathError);
    expect(() =>
      simulateV3Swap({
        state: { ...pool, ticks: [{ tick: 7, liquidityNet: 1n }] },
        zeroForOne: true,
        amountSpecified: 1n,
      }),
    ).toThrow(RiskMathError);
  });

  it("is monotonic and lands exactly on limits on random pools (seed 12)", () => {
    const prng = new Prng(12);
    let limitsChecked = 0;
    for (let round = 0; round < 40; round++) {
      const spacing = [1, 10, 60, 200][prng.int(0, 3)]!;
      const fee = [100, 500, 3000, 10000][prng.int(0, 3)]!;
      const positions = Array.from({ length: prng.int(1, 8) }, () => {
        const a = prng.int(-3000, 3000) * spacing;
        const w = prng.int(1, 1500) * spacing;
        return {
          tickLower: Math.max(a, -887200),
          tickUpper: Math.min(a + w, 887200),
          liquidity: prng.logBigint(10, 22),
        };
      }).filter((p) => p.tickLower < p.tickUpper && p.tickLower % spacing === 0 && p.tickUpper % spacing === 0);
      if (positions.length === 0) continue;
      const pool = poolAtTick(prng.int(-2000, 2000) * spacing + prng.int(0, spacing - 1), {
        fee,
        tickSpacing: spacing,
        positions,
      });
      const zeroForOne = prng.chance(0.5);

      // Monotonic in the input: more in -> at least as much out, price moves at least as far.
      const amounts = [prng.logBigint(3, 20), prng.logBigint(3, 20), prng.logBigint(3, 20)].sort((a, b) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      let prev: { out: bigint; price: bigint } | null = null;
      for (const amount of amounts) {
        const r = simulateV3Swap({ state: pool, zeroForOne, amountSpecified: amount });
        expect(r.amountIn).toBeLessThanOrEqual(amount);
        if (prev) {
          expect(r.amountOut).toBeGreaterThanOrEqual(prev.out);
          if (zeroForOne) expect(r.sqrtPriceX96After).toBeLessThanOrEqual(prev.price);
          else expect(r.sqrtPriceX96After).toBeGreaterThanOrEqual(prev.price);
        }
        prev = { out: r.amountOut, price: r.sqrtPriceX96After };
        // The pool's tick is consistent with its price.
        const tickOfPrice = getTickAtSqrtRatio(r.sqrtPriceX96After);
        expect(r.tickAfter === tickOfPrice || r.tickAfter === tickOfPrice - 1).toBe(true);
      }

      // A swap with a limit and a huge amount stops exactly on the limit. Replayed without the
      // limit, that input reaches the target (fee rounding may push a few wei further), and one
      // wei less does not reach it.
      const targetTick = pool.tick + (zeroForOne ? -1 : 1) * prng.int(1, 5000);
      if (targetTick <= MIN_TICK || targetTick >= MAX_TICK) continue;
      const target = getSqrtRatioAtTick(targetTick) + (zeroForOne ? 1n : -1n) * prng.bigint(0n, 1000n);
      if ((zeroForOne && target >= pool.sqrtPriceX96) || (!zeroForOne && target <= pool.sqrtPriceX96)) continue;
      const reach = v3InputToReachPrice(pool, target)!;
      limitsChecked++;
      expect(reach.zeroForOne).toBe(zeroForOne);
      expect(reach.sqrtPriceX96After).toBe(target);
      if (reach.amountIn > 0n) {
        const replay = simulateV3Swap({ state: pool, zeroForOne, amountSpecified: reach.amountIn });
        const reached = zeroForOne ? replay.sqrtPriceX96After <= target : replay.sqrtPriceX96After >= target;
        // Without a limit the swap ends when the input is spent, which can be at the edge of an
        // empty range the limited swap crossed for free.
        if (!reached) expect(v3InputToReachPrice(replay.stateAfter, target)!.amountIn).toBe(0n);
        expect(replay.amountOut).toBeGreaterThanOrEqual(reach.amountOut);
        const limited = simulateV3Swap({
          state: pool,
          zeroForOne,
          amountSpecified: reach.amountIn,
          sqrtPriceLimitX96: target,
        });
        expect(limited.amountIn).toBe(reach.amountIn);
        expect(limited.amountOut).toBe(reach.amountOut);
        if (limited.sqrtPriceX96After !== target)
          expect(v3InputToReachPrice(limited.stateAfter, target)!.amountIn).toBe(0n);
        // One wei less cannot reach it.
        if (reach.amountIn > 1n) {
          const short = simulateV3Swap({ state: pool, zeroForOne, amountSpecified: reach.amountIn - 1n });
          if (zeroForOne) expect(short.sqrtPriceX96After).toBeGreaterThan(target);
          else expect(short.sqrtPriceX96After).toBeLessThan(target);
        }
      }
      // Chaining: the state after a swap is a valid starting point.
      const first = simulateV3Swap({ state: pool, zeroForOne, amountSpecified: amounts[0]! });
      if (first.sqrtPriceX96After !== (zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n)) {
        const second = simulateV3Swap({ state: first.stateAfter, zeroForOne, amountSpecified: amounts[0]! });
        expect(second.amountOut).toBeLessThanOrEqual(first.amountOut + 1n);
      }
    }
    expect(limitsChecked).toBeGreaterThan(20);
  });
});

describe("prices, skew and rebalancing", () => {
  /** USDC (6) per WETH (18) at $3000, as token1 per token0. */
  const ref = referencePriceFromUsd({
    price0Usd: 3000n * 10n ** 8n,
    decimals0: 18,
    price1Usd: 10n ** 8n,
    decimals1: 6,
  });

  it("converts a reference price to sqrtPriceX96 and back", () => {
    const sqrtP = sqrtPriceX96FromPrice(ref);
    // sqrt(3e-9) * 2^96 = 4339505179874779489431521.78...
    expect(sqrtP).toBe(4339505179874779489431521n);
    const back = priceFromSqrtPriceX96(sqrtP);
    expect(back.num * ref.den).toBeLessThanOrEqual(ref.num * back.den);
    expect(v3SkewBps(sqrtP, ref)).toBe(0n);
    expect(v3SkewBps(sqrtPriceX96FromPrice({ num: ref.num * 101n, den: ref.den * 100n }), ref)).toBe(99n); // 0.99999.. % truncated
    expect(getTickAtSqrtRatio(sqrtP)).toBe(-196_257); // log_1.0001(3e-9) = -196256.9
  });

  it("rebalances onto the reference and prices the trade", () => {
    const tick = getTickAtSqrtRatio(sqrtPriceX96FromPrice({ num: ref.num * 105n, den: ref.den * 100n })); // ~5% rich
    const pool = poolAtTick(tick, {
      fee: FEE,
      tickSpacing: SPACING,
      positions: [{ tickLower: -199_980, tickUpper: -192_000, liquidity: 10n ** 17n }],
    });
    const t = v3RebalanceToReference(pool, ref)!;
    expect(t.zeroForOne).toBe(true);
    expect(t.sqrtPriceX96After).toBe(sqrtPriceX96FromPrice(ref));
    expect(t.skewBpsBefore).toBeGreaterThan(480n);
    expect(t.skewBpsAfter).toBe(0n);
    expect(t.profitToken).toBe("token1");
    expect(t.profit).toBe(t.amountOut - (t.amountIn * ref.num + ref.den - 1n) / ref.den);
    expect(t.profit).toBeGreaterThan(0n);

    const best = v3MaxProfitTrade(pool, ref)!;
    expect(best.zeroForOne).toBe(true);
    expect(best.amountIn).toBeLessThan(t.amountIn);
    expect(best.profit).toBeGreaterThanOrEqual(t.profit);
    // Stops where price * (1 - 0.3%) = reference.
    expect(best.sqrtPriceX96After).toBe(sqrtPriceX96FromPrice({ num: ref.num * 1_000_000n, den: ref.den * 997_000n }));
    // 1% less or more input does worse.
    for (const amount of [(best.amountIn * 99n) / 100n, (best.amountIn * 101n) / 100n]) {
      const r = simulateV3Swap({ state: pool, zeroForOne: true, amountSpecified: amount });
      expect(r.amountOut - (r.amountIn * ref.num + ref.den - 1n) / ref.den).toBeLessThanOrEqual(best.profit);
    }
  });

  it("buys token0 when it is cheap, and does nothing inside the fee band", () => {
    const cheapTick = getTickAtSqrtRatio(sqrtPriceX96FromPrice({ num: ref.num * 95n, den: ref.den * 100n }));
    const pool = poolAtTick(cheapTick, {
      fee: FEE,
      tickSpacing: SPACING,
      positions: [{ tickLower: -199_980, tickUpper: -192_000, liquidity: 10n ** 17n }],
    });
    const t = v3MaxProfitTrade(pool, ref)!;
    expect(t.zeroForOne).toBe(false);
    expect(t.profitToken).toBe("token0");
    expect(t.profit).toBeGreaterThan(0n);

    const nearTick = getTickAtSqrtRatio(sqrtPriceX96FromPrice({ num: ref.num * 1001n, den: ref.den * 1000n }));
    const near = poolAtTick(nearTick, {
      fee: FEE,
      tickSpacing: SPACING,
      positions: [{ tickLower: -199_980, tickUpper: -192_000, liquidity: 10n ** 17n }],
    });
    expect(v3MaxProfitTrade(near, ref)).toBeNull();
    expect(v3RebalanceToReference(near, ref)!.profit).toBeLessThan(0n);
  });
});

// Keep the pool helper honest: liquidity at the current tick is the sum of covering positions.
describe("test helper", () => {
  it("builds the pool's liquidity and liquidityNet", () => {
    const pool = poolFromPositions({
      sqrtPriceX96: Q96,
      fee: FEE,
      tickSpacing: SPACING,
      positions: [
        { tickLower: -60, tickUpper: 60, liquidity: 5n },
        { tickLower: 0, tickUpper: 120, liquidity: 7n },
        { tickLower: 60, tickUpper: 120, liquidity: 1n },
      ],
    });
    expect(pool.liquidity).toBe(12n);
    expect(pool.ticks).toEqual([
      { tick: -60, liquidityNet: 5n },
      { tick: 0, liquidityNet: 7n },
      { tick: 60, liquidityNet: -4n },
      { tick: 120, liquidityNet: -8n },
    ]);
  });
});
