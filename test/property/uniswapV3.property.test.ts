/**
 * Property test: simulateV3Swap / v3InputToReachPrice against the REAL UniswapV3Pool bytecode
 * (@uniswap/v3-core artifacts): the world's WETH/USDC 0.3% pool, plus pools created through the world's real
 * V3 factory at the other fee tiers (0.01% / spacing 1, 0.05% / 10, 1% / 200, the last with a full-range
 * position) holding random positions.
 *
 * Each case reads the pool with readV3Pools (slot0, liquidity, bitmap words, ticks), draws a random exact-input,
 * exact-output or to-limit swap (limits at a random target price, or the extreme MIN/MAX_SQRT_RATIO±1 where the
 * read window covers the whole tick range), simulates it, runs it through the PoolActor's swapV3, and compares
 * exactly with the pool's Swap event: amount0, amount1, sqrtPriceX96, liquidity and tick after. A swap our
 * simulation rejects (invalid limit) must revert on chain, and the reverse.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, parseAbi, parseEventLogs, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { readV3Pools, type V3PoolConfig } from "../../src/protocols/uniswapV3/read.js";
import {
  MAX_INT256,
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  simulateV3Swap,
  v3InputToReachPrice,
  type V3PoolState,
  type V3SwapResult,
} from "../../src/risk/index.js";
import { deployWorld, getPrices, type TokenInfo, type TokenSymbol, type World } from "../../src/world/index.js";
import { referencePrice, sqrtPriceX96 } from "../../src/world/prices.js";
import { poolActorArtifact } from "../../src/world/uniswapV2.js";
import { v3FactoryArtifact } from "../../src/world/uniswapV3.js";
import { Prng } from "../unit/risk/prng.js";
import { ethCall, sendOk } from "./chain.js";

const SEED = 0x03f3;
const WORLD_POOL_SWAPS = 80;
const EXTRA_POOL_SWAPS = 50;
/** Targets are drawn within this many tick spacings of the pool's starting tick, so prices stay bounded. */
const TARGET_SPACINGS = 600;

const poolAbi = parseAbi([
  "function initialize(uint160 sqrtPriceX96)",
  "function token0() view returns (address)",
  "event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)",
]);

interface PoolUnderTest {
  config: V3PoolConfig;
  startTick: number;
  /** readV3Pools window: wide enough that every initialized tick is read from any reachable price. */
  wordsEachSide: number;
  /** Extreme price limits are used only where the window covers the whole tick range (and gas allows). */
  extremeLimits: boolean;
}

/** Bitmap words each side that cover [MIN_TICK, MAX_TICK] from any tick. */
const fullCoverWords = (spacing: number) => Math.ceil((2 * MAX_TICK) / (spacing * 256)) + 1;

describe("Uniswap V3 swap simulation vs the real UniswapV3Pool (property)", () => {
  let chain: InProcessChain;
  let world: World;
  const pools: PoolUnderTest[] = [];

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const w = world.uniswapV3.pools.WETH_USDC_3000;
    const slot0Tick = (await readV3Pools(chain.public, [{ name: "w", ...w }], { wordsEachSide: 0 }))[0].state.tick;
    pools.push({
      config: { name: "world WETH/USDC 0.3%", ...w },
      startTick: slot0Tick,
      wordsEachSide: fullCoverWords(60),
      extremeLimits: true,
    });

    const prng = new Prng(SEED ^ 0xfee);
    const factoryAbi = v3FactoryArtifact().abi;
    const actorAbi = poolActorArtifact().abi;
    // The world enables the 0.01% tier itself (as governance did on mainnet).
    expect(
      await chain.public.readContract({
        address: world.uniswapV3.factory,
        abi: factoryAbi,
        functionName: "feeAmountTickSpacing",
        args: [100],
      }),
    ).toBe(1);
    const prices = await getPrices(chain, world);
    const extra: { a: TokenSymbol; b: TokenSymbol; fee: number; spacing: number; fullRange: boolean }[] = [
      { a: "WETH", b: "USDC", fee: 100, spacing: 1, fullRange: false },
      { a: "WBTC", b: "USDC", fee: 500, spacing: 10, fullRange: false },
      { a: "WBTC", b: "WETH", fee: 10_000, spacing: 200, fullRange: true },
    ];
    for (const e of extra) {
      const [ta, tb] = [world.tokens[e.a], world.tokens[e.b]];
      await sendOk(chain, chain.wallet, {
        address: world.uniswapV3.factory,
        abi: factoryAbi,
        functionName: "createPool",
        args: [ta.address, tb.address, e.fee],
      });
      const address = getAddress(
        (await chain.public.readContract({
          address: world.uniswapV3.factory,
          abi: factoryAbi,
          functionName: "getPool",
          args: [ta.address, tb.address, e.fee],
        })) as Address,
      );
      const token0 = getAddress(await chain.public.readContract({ address, abi: poolAbi, functionName: "token0" }));
      const [t0, t1]: TokenInfo[] = token0 === ta.address ? [ta, tb] : [tb, ta];
      const sqrtP = sqrtPriceX96(referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]));
      await sendOk(chain, chain.wallet, { address, abi: poolAbi, functionName: "initialize", args: [sqrtP] });
      const startTick = getTickAtSqrtRatio(sqrtP);
      // Liquidity of about $1M of token1 spread over a +-5% range, scaled by 1e-3 .. 10 per position.
      const amount1 = (10n ** 14n * 10n ** BigInt(t1.decimals)) / prices[t1.symbol];
      const lBase = ((amount1 << 96n) * 20n) / sqrtP;
      const center = Math.round(startTick / e.spacing) * e.spacing;
      for (let k = 0; k < 10; k++) {
        const lower = center + prng.int(-300, 300) * e.spacing;
        const upper = lower + prng.int(1, 400) * e.spacing;
        const liquidity = (lBase * prng.logBigint(0, 4)) / 1000n + 1n;
        await sendOk(chain, chain.wallet, {
          address: world.helpers.poolActor,
          abi: actorAbi,
          functionName: "mintV3",
          args: [address, lower, upper, liquidity, world.deployer],
        });
      }
      if (e.fullRange) {
        const maxT = Math.floor(MAX_TICK / e.spacing) * e.spacing;
        await sendOk(chain, chain.wallet, {
          address: world.helpers.poolActor,
          abi: actorAbi,
          functionName: "mintV3",
          args: [address, -maxT, maxT, lBase / 100n, world.deployer],
        });
      }
      pools.push({
        config: {
          name: `${t0.symbol}/${t1.symbol} ${e.fee / 10_000}%`,
          address,
          token0,
          token1: t1.address,
          fee: e.fee,
          tickSpacing: e.spacing,
        },
        startTick,
        wordsEachSide: e.fullRange ? fullCoverWords(e.spacing) : 8,
        extremeLimits: e.fullRange,
      });
    }
  });

  afterAll(async () => {
    await chain?.close();
  });

  async function readState(p: PoolUnderTest): Promise<V3PoolState> {
    const [snap] = await readV3Pools(chain.public, [p.config], { wordsEachSide: p.wordsEachSide });
    const s = snap.state;
    // The tick list is complete: every position adds +L at its lower tick and -L at its upper one, so the nets
    // sum to zero, and the active liquidity is the sum of the nets at or below the current tick.
    expect(
      s.ticks.reduce((acc, t) => acc + t.liquidityNet, 0n),
      `${p.config.name}: tick list incomplete`,
    ).toBe(0n);
    expect(
      s.ticks.filter((t) => t.tick <= s.tick).reduce((acc, t) => acc + t.liquidityNet, 0n),
      `${p.config.name}: active liquidity`,
    ).toBe(s.liquidity);
    return s;
  }

  type Mode = "exactIn" | "exactOut" | "toLimit" | "invalidLimit";

  async function runSwaps(p: PoolUnderTest, count: number, prng: Prng) {
    const stats: Record<Mode, number> & { crossed: number; reverted: number; extreme: number } = {
      exactIn: 0,
      exactOut: 0,
      toLimit: 0,
      invalidLimit: 0,
      crossed: 0,
      reverted: 0,
      extreme: 0,
    };
    const actorAbi = poolActorArtifact().abi;
    for (let i = 0; i < count; i++) {
      const state = await readState(p);
      const s = p.config.tickSpacing;
      const tt = Math.max(
        MIN_TICK + 1,
        Math.min(MAX_TICK - 1, p.startTick + prng.int(-TARGET_SPACINGS, TARGET_SPACINGS) * s + prng.int(0, s - 1)),
      );
      const target = getSqrtRatioAtTick(tt) + prng.bigint(0n, 1n << 40n);
      if (target === state.sqrtPriceX96) continue;
      const zeroForOne = target < state.sqrtPriceX96;
      const roll = prng.int(0, 99);
      const mode: Mode = roll < 5 ? "invalidLimit" : roll < 40 ? "exactIn" : roll < 75 ? "exactOut" : "toLimit";
      const toTarget = simulateV3Swap({ state, zeroForOne, amountSpecified: MAX_INT256, sqrtPriceLimitX96: target });
      const factor = (x: bigint) => {
        const v = (x * prng.logBigint(0, 5)) / 50_000n; // x * [2e-5, 2]
        return v > 0n ? v : 1n + prng.bigint(0n, 1000n);
      };
      let amountSpecified: bigint;
      let limit: bigint;
      if (mode === "toLimit") {
        amountSpecified = MAX_INT256;
        limit = target;
      } else if (mode === "invalidLimit") {
        amountSpecified = factor(toTarget.amountIn);
        // On the wrong side of the current price, or at it.
        const off = prng.chance(0.3) ? 0n : prng.bigint(1n, state.sqrtPriceX96 / 1000n);
        limit = zeroForOne ? state.sqrtPriceX96 + off : state.sqrtPriceX96 - off;
      } else {
        amountSpecified = mode === "exactIn" ? factor(toTarget.amountIn) : -factor(toTarget.amountOut);
        const extreme = p.extremeLimits && prng.chance(0.25);
        if (extreme) stats.extreme++;
        limit = extreme ? (zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n) : target;
      }
      stats[mode]++;
      const context = `${p.config.name} swap ${i} (seed ${SEED}): ${mode} zeroForOne=${zeroForOne} amount=${amountSpecified} limit=${limit} from sqrtP=${state.sqrtPriceX96} tick=${state.tick} L=${state.liquidity}`;

      let ours: V3SwapResult | { error: string };
      try {
        ours =
          mode === "toLimit"
            ? (() => {
                const r = v3InputToReachPrice(state, limit)!;
                expect(r.zeroForOne, context).toBe(zeroForOne);
                return r;
              })()
            : simulateV3Swap({ state, zeroForOne, amountSpecified, sqrtPriceLimitX96: limit });
      } catch (e) {
        ours = { error: String(e) };
      }
      const call = {
        address: world.helpers.poolActor,
        abi: actorAbi,
        functionName: "swapV3",
        args: [p.config.address, zeroForOne, amountSpecified, limit, world.helpers.poolActor],
      };
      const dry = await ethCall(chain, chain.wallet, call);
      if ("error" in ours || !dry.ok) {
        stats.reverted++;
        expect(
          { oursReverts: "error" in ours, chainReverts: !dry.ok },
          `${context}: ${"error" in ours ? ours.error : ""} ${dry.ok ? "" : dry.error}`,
        ).toEqual({ oursReverts: true, chainReverts: true });
        if (!dry.ok) expect(dry.error, context).toMatch(/SPL/);
        expect(mode, context).toBe("invalidLimit");
        continue;
      }
      const receipt = await sendOk(chain, chain.wallet, { ...call, gas: 15_000_000n });
      const [ev] = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "Swap" });
      expect(
        {
          amount0: ev.args.amount0,
          amount1: ev.args.amount1,
          sqrtPriceX96: ev.args.sqrtPriceX96,
          liquidity: ev.args.liquidity,
          tick: ev.args.tick,
        },
        context,
      ).toEqual({
        amount0: ours.amount0,
        amount1: ours.amount1,
        sqrtPriceX96: ours.sqrtPriceX96After,
        liquidity: ours.liquidityAfter,
        tick: ours.tickAfter,
      });
      if (ours.ticksCrossed > 0) stats.crossed++;
    }
    return stats;
  }

  it(`matches the world's WETH/USDC 0.3% pool exactly on ${WORLD_POOL_SWAPS} random swaps, crossing its ticks`, async () => {
    const stats = await runSwaps(pools[0], WORLD_POOL_SWAPS, new Prng(SEED));
    if (process.env.PROPERTY_VERBOSE) console.log(pools[0].config.name, stats);
    expect(stats.crossed).toBeGreaterThanOrEqual(8);
    expect(stats.exactIn).toBeGreaterThanOrEqual(8);
    expect(stats.exactOut).toBeGreaterThanOrEqual(8);
    expect(stats.toLimit).toBeGreaterThanOrEqual(5);
    expect(stats.extreme).toBeGreaterThanOrEqual(3);
  });

  it(`matches pools of the other fee tiers (0.01%, 0.05%, 1% + full range) on ${EXTRA_POOL_SWAPS} random swaps each`, async () => {
    for (let k = 1; k < pools.length; k++) {
      const stats = await runSwaps(pools[k], EXTRA_POOL_SWAPS, new Prng(SEED + k));
      if (process.env.PROPERTY_VERBOSE) console.log(pools[k].config.name, stats);
      expect(stats.crossed, pools[k].config.name).toBeGreaterThanOrEqual(5);
    }
  });
});
