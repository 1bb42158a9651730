/**
 * Arbitrageurs on the world's real pools: every assertion reads the price back from the chain and compares it with
 * the exact target (rationals and floor square roots), within the rounding that integer swap amounts allow.
 */
import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import type { Rational } from "../../src/risk/math/rational.js";
import { v2RebalanceToReference } from "../../src/risk/uniswapV2/rebalance.js";
import { sqrtPriceX96FromPrice } from "../../src/risk/uniswapV3/price.js";
import { getNextSqrtPriceFromInput } from "../../src/risk/uniswapV3/sqrtPriceMath.js";
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO } from "../../src/risk/uniswapV3/tickMath.js";
import {
  ArbitrageOptionError,
  arbitrageStep,
  DEFAULT_PRICES,
  deployWorld,
  getPrices,
  runArbitrageurs,
  setPrice,
  V3_LIQUIDITY_SHAPES,
  v3StartPositions,
  type PoolArbitrage,
  type TokenSymbol,
  type V2PairName,
  type V3PoolName,
  type World,
} from "../../src/world/index.js";
import { referencePrice } from "../../src/world/prices.js";
import { poolActorArtifact } from "../../src/world/uniswapV2.js";
import { v2PairAbi, v3PoolAbi } from "../helpers/abis.js";

type PoolName = V2PairName | V3PoolName;

/** A pool's exact state and the feeds' reference, token1 per token0 in raw units. */
type PoolState =
  | { kind: "v2"; name: PoolName; reserve0: bigint; reserve1: bigint; ref: Rational }
  | { kind: "v3"; name: PoolName; sqrtP: bigint; ref: Rational };

const symbolOf = (world: World, address: Address): TokenSymbol =>
  (Object.keys(world.tokens) as TokenSymbol[]).find((s) => world.tokens[s].address === address)!;

async function readPools(chain: InProcessChain, world: World): Promise<PoolState[]> {
  const prices = await getPrices(chain, world);
  const ref = (t0: Address, t1: Address) => {
    const [a, b] = [world.tokens[symbolOf(world, t0)], world.tokens[symbolOf(world, t1)]];
    return referencePrice(a, prices[a.symbol], b, prices[b.symbol]);
  };
  const out: PoolState[] = [];
  for (const name of Object.keys(world.uniswapV2.pairs) as V2PairName[]) {
    const p = world.uniswapV2.pairs[name];
    const [reserve0, reserve1] = await chain.public.readContract({
      address: p.address,
      abi: v2PairAbi,
      functionName: "getReserves",
    });
    out.push({ kind: "v2", name, reserve0, reserve1, ref: ref(p.token0, p.token1) });
  }
  for (const name of Object.keys(world.uniswapV3.pools) as V3PoolName[]) {
    const pool = world.uniswapV3.pools[name];
    const [sqrtP] = await chain.public.readContract({ address: pool.address, abi: v3PoolAbi, functionName: "slot0" });
    out.push({ kind: "v3", name, sqrtP, ref: ref(pool.token0, pool.token1) });
  }
  return out;
}

/** Already on the feed: no integer V2 trade gets closer, or the V3 sqrt price is the floor of the reference's. */
const onFeed = (s: PoolState): boolean =>
  s.kind === "v2"
    ? v2RebalanceToReference({ reserve0: s.reserve0, reserve1: s.reserve1 }, s.ref) === null
    : s.sqrtP === sqrtPriceX96FromPrice(s.ref);

const priceOf = (s: PoolState): Rational =>
  s.kind === "v2" ? { num: s.reserve1, den: s.reserve0 } : { num: s.sqrtP * s.sqrtP, den: 1n << 192n };

/** p + (sNum/sDen)·(ref - p), exactly. */
const blend = (p: Rational, ref: Rational, sNum: bigint, sDen: bigint): Rational => ({
  num: sNum * ref.num * p.den + (sDen - sNum) * p.num * ref.den,
  den: sDen * ref.den * p.den,
});

/** |price - target| / target as a float, for messages and step bounds only (assertions stay exact). */
const relGap = (p: Rational, t: Rational) =>
  Math.abs(Number(((p.num * t.den - t.num * p.den) * 10n ** 18n) / (t.num * p.den)) / 1e18);

/**
 * A V2 pair's price within integer rounding of `target`: one more or less input unit moves the price by about
 * 1/reserveIn (the input reserve) plus 1/reserveOut (one output unit), so the closest reachable price lies within
 * 2/r0 + 2/r1 of any target, relatively. Exactly: |r1·Td - Tn·r0| / (r0·Tn) <= 2(r0 + r1) / (r0·r1).
 */
function expectV2Near(s: Extract<PoolState, { kind: "v2" }>, target: Rational): void {
  const diff = s.reserve1 * target.den - target.num * s.reserve0;
  const abs = diff < 0n ? -diff : diff;
  expect(
    abs * s.reserve1 <= 2n * (s.reserve0 + s.reserve1) * target.num,
    `${s.name}: off target by ${relGap(priceOf(s), target)}`,
  ).toBe(true);
}

/** On the feed: no integer V2 trade gets closer; the V3 sqrt price is the floor of the reference's. */
function expectOnFeed(states: PoolState[]): void {
  for (const s of states) {
    if (s.kind === "v2") {
      expect(v2RebalanceToReference({ reserve0: s.reserve0, reserve1: s.reserve1 }, s.ref), s.name).toBeNull();
      expectV2Near(s, s.ref);
    } else {
      expect(s.sqrtP, s.name).toBe(sqrtPriceX96FromPrice(s.ref));
    }
  }
}

/**
 * A world whose pools are off the feeds, ETH -12% and BTC +10% (WBTC/WETH then 25% off), except those of tokens that
 * move together (wstETH follows ETH through its rate; USDT/USDC): those stay on the feed.
 */
async function skewedWorld(): Promise<{ chain: InProcessChain; world: World }> {
  const chain = await createInProcessChain();
  const world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
  await setPrice(chain, world, "WETH", (DEFAULT_PRICES.WETH * 88n) / 100n);
  await setPrice(chain, world, "WBTC", (DEFAULT_PRICES.WBTC * 110n) / 100n);
  return { chain, world };
}

describe("arbitrageStep", () => {
  it("leaves every pool at (1 - s) of its gap to the feed, in price terms, within rounding", async () => {
    const { chain, world } = await skewedWorld();
    const before = await readPools(chain, world);
    const steps = await arbitrageStep(chain, world, { strength: 0.3 });
    const after = await readPools(chain, world);
    for (const [i, b] of before.entries()) {
      const a = after[i];
      const step = steps[i];
      expect(step.pool).toBe(b.name);
      if (onFeed(b)) {
        expect(step.txHash, b.name).toBeNull();
        continue;
      }
      expect(step.txHash, b.name).not.toBeNull();
      expect(step.amountIn, b.name).toBeGreaterThan(0n);
      // 0.3 of the gap closed: target = p + 3/10·(ref - p).
      const target = blend(priceOf(b), b.ref, 3n, 10n);
      if (a.kind === "v2") expectV2Near(a, target);
      // The pool stops exactly at the limit: the floor sqrt of the blended price.
      else expect(a.sqrtP, b.name).toBe(sqrtPriceX96FromPrice(target));
      // The reported skews are the ones read back, and the gap shrank to 70% (bps truncation aside).
      expect(Math.abs(Number(step.skewBpsAfter) - 0.7 * Number(step.skewBpsBefore)), b.name).toBeLessThanOrEqual(2);
    }
    await chain.close();
  });

  it("at strength 1 lands on the feed, and a second step on pools at the feed sends nothing", async () => {
    const { chain, world } = await skewedWorld();
    const before = await readPools(chain, world);
    expect(before.filter((s) => !onFeed(s)).length).toBeGreaterThanOrEqual(7);
    const first = await arbitrageStep(chain, world, { strength: 1 });
    for (const [i, p] of first.entries()) expect(p.txHash !== null, p.pool).toBe(!onFeed(before[i]!));
    expectOnFeed(await readPools(chain, world));

    const block = await chain.public.getBlockNumber();
    const second = await arbitrageStep(chain, world, { strength: 0.5 });
    expect(await chain.public.getBlockNumber()).toBe(block);
    for (const p of second)
      expect(p, p.pool).toMatchObject({ txHash: null, amountIn: 0n, tokenIn: null, skewBpsAfter: p.skewBpsBefore });
    await chain.close();
  });

  it("repeated steps converge onto the feed, every trade strictly closer, within the steps the rounding allows", async () => {
    const { chain, world } = await skewedWorld();
    const strength = 0.9;
    let states = await readPools(chain, world);
    // Steps until the gap g0 shrinks, by (1 - s) a step, below one rounding unit u of the pool, plus the dust step.
    const bound = Math.max(
      ...states.map((s) => {
        const u = s.kind === "v2" ? 2 / Number(s.reserve0) + 2 / Number(s.reserve1) : 2 / Number(s.sqrtP);
        return Math.ceil(Math.log(relGap(priceOf(s), s.ref) / u) / Math.log(1 / (1 - strength))) + 2;
      }),
    );
    let steps = 0;
    for (;;) {
      const did: PoolArbitrage[] = await arbitrageStep(chain, world, { strength });
      const next = await readPools(chain, world);
      for (const [i, p] of did.entries()) {
        if (p.txHash === null) continue;
        expect(
          relGap(priceOf(next[i]), next[i].ref) <= relGap(priceOf(states[i]), states[i].ref),
          `${p.pool} step ${steps}`,
        ).toBe(true);
      }
      states = next;
      if (did.every((p) => p.txHash === null)) break;
      steps++;
      expect(steps, "steps before convergence").toBeLessThanOrEqual(bound);
    }
    expectOnFeed(states);
    await chain.close();
  }, 120_000);

  it("rejects a strength outside [0, 1] before sending anything", async () => {
    const chain = await createInProcessChain();
    const world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    for (const strength of [1.5, -0.1, Number.NaN]) {
      await expect(arbitrageStep(chain, world, { strength })).rejects.toBeInstanceOf(ArbitrageOptionError);
    }
    await expect(
      runArbitrageurs(chain, world, { strength: 0.5, everyBlock: 0, signal: new AbortController().signal }),
    ).rejects.toThrow(/everyBlock/);
    await chain.close();
  });
});

describe("wide V3 liquidity", () => {
  it("after ETH -20% the pool still quotes $1M within the impact its placed liquidity bounds", async () => {
    const chain = await createInProcessChain();
    const world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const pool = world.uniswapV3.pools.WETH_USDC_3000;
    await setPrice(chain, world, "WETH", (DEFAULT_PRICES.WETH * 80n) / 100n);
    await arbitrageStep(chain, world, { strength: 1 });

    // The liquidity placed at deployment, recomputed: the positions whose range holds the new price.
    const token0 = world.tokens[symbolOf(world, pool.token0)];
    const token1 = world.tokens[symbolOf(world, pool.token1)];
    const { positions } = v3StartPositions({ token0, token1, prices: DEFAULT_PRICES, shape: V3_LIQUIDITY_SHAPES.wide });
    const [sqrtP0, tick] = await chain.public.readContract({
      address: pool.address,
      abi: v3PoolAbi,
      functionName: "slot0",
    });
    const active = positions.filter((p) => p.tickLower <= tick && tick < p.tickUpper);
    const placed = active.reduce((acc, p) => acc + p.liquidity, 0n);
    expect(await chain.public.readContract({ address: pool.address, abi: v3PoolAbi, functionName: "liquidity" })).toBe(
      placed,
    );
    expect(active.length, "layers still holding the price after -20%").toBeGreaterThan(1);

    // Buy the dip with $1M of USDC. The price moves back towards the start, inside every active range and into
    // the narrower layers, so liquidity along the way is at least `placed`: with constant `placed` and no fee the
    // move would be larger. That constant-liquidity move is the bound.
    const usdcIn = 1_000_000n * 10n ** 6n;
    const zeroForOne = token0.symbol === "USDC";
    const bound = getNextSqrtPriceFromInput(sqrtP0, placed, usdcIn, zeroForOne);
    await chain.wallet.writeContract({
      address: world.helpers.poolActor,
      abi: poolActorArtifact().abi,
      functionName: "swapV3",
      args: [
        pool.address,
        zeroForOne,
        usdcIn,
        zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n,
        world.helpers.poolActor,
      ],
    } as never);
    const [sqrtP1] = await chain.public.readContract({ address: pool.address, abi: v3PoolAbi, functionName: "slot0" });
    // ETH's price rises by (sqrtP1/sqrtP0)^2 when WETH is token0, by (sqrtP0/sqrtP1)^2 otherwise.
    const ethImpact = (a: bigint) =>
      (zeroForOne
        ? Number((sqrtP0 * sqrtP0 * 10n ** 12n) / (a * a))
        : Number((a * a * 10n ** 12n) / (sqrtP0 * sqrtP0))) /
        1e12 -
      1;
    expect(ethImpact(sqrtP1)).toBeGreaterThan(0);
    expect(ethImpact(sqrtP1), `impact ${ethImpact(sqrtP1)} vs bound ${ethImpact(bound)}`).toBeLessThan(
      ethImpact(bound),
    );
    await chain.close();
  });
});

describe("runArbitrageurs", () => {
  it("steps on each new block of the market, not on the blocks of its own swaps, until aborted", async () => {
    const chain = await createInProcessChain();
    const world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const controller = new AbortController();
    const steps: { block: bigint; pools: PoolArbitrage[] }[] = [];
    const waitSteps = async (n: number) => {
      while (steps.length < n) await new Promise((r) => setTimeout(r, 10));
    };
    const loop = runArbitrageurs(chain, world, {
      strength: 0.5,
      pollIntervalMs: 10,
      signal: controller.signal,
      onStep: (s) => steps.push(s),
    });

    await waitSteps(1); // the step at start: the pools sit on the feeds
    expect(steps[0].pools.every((p) => p.txHash === null)).toBe(true);

    await setPrice(chain, world, "WETH", (DEFAULT_PRICES.WETH * 90n) / 100n); // a market block
    await waitSteps(2);
    const moved = steps[1].pools.filter((p) => p.txHash !== null).map((p) => p.pool);
    // Every pool pricing WETH against a token that did not move with it (wstETH moves with WETH, through its rate).
    const pools = [...Object.entries(world.uniswapV2.pairs), ...Object.entries(world.uniswapV3.pools)];
    const withWeth = pools
      .filter(([, p]) => {
        const symbols = [symbolOf(world, p.token0), symbolOf(world, p.token1)];
        return symbols.includes("WETH") && !symbols.includes("wstETH");
      })
      .map(([name]) => name);
    expect(moved.sort()).toEqual(withWeth.sort());
    expect(moved).toEqual(expect.arrayContaining(["WBTC_WETH", "WETH_USDC", "WETH_USDC_3000"]));
    const afterFirst = await readPools(chain, world);

    // Its own swaps mined blocks; with no other block it does not act again.
    await new Promise((r) => setTimeout(r, 150));
    expect(steps).toHaveLength(2);

    await chain.public.request({ method: "hardhat_mine", params: ["0x1"] } as never);
    await waitSteps(3);
    const afterSecond = await readPools(chain, world);
    for (const [i, s] of afterFirst.entries()) {
      if (s.kind === "v3") {
        const v3 = afterSecond[i] as Extract<PoolState, { kind: "v3" }>;
        expect(v3.sqrtP).toBe(sqrtPriceX96FromPrice(blend(priceOf(s), s.ref, 1n, 2n)));
      }
    }
    controller.abort();
    expect(await loop).toEqual({ steps: 3 });
    await chain.close();
  }, 60_000);
});
