/**
 * Property test: src/risk's Uniswap V2 math against the REAL UniswapV2Pair bytecode (@uniswap/v2-core build) of
 * the world's three pairs (WETH/USDC, WBTC/USDC, WBTC/WETH: 18/6, 8/6 and 8/18 decimals).
 *
 * - getAmountOut is the pair's exact limit: after sending `amountIn`, pair.swap(v2GetAmountOut) succeeds and
 *   pays exactly that, pair.swap(out + 1) reverts with "UniswapV2: K"; v2SwapSatisfiesK agrees with the pair.
 * - v2MinAmountIn is the exact minimum: with one wei less in, the same output reverts with "UniswapV2: K".
 * - v2RebalanceToReference (feed reference after a random skew) and v2InputToReachPrice (random targets),
 *   executed on chain, land within 1 ppm of the target, and the reserves after equal the predicted ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAbi, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import {
  v2GetAmountIn,
  v2GetAmountOut,
  v2InputToReachPrice,
  v2MinAmountIn,
  v2RebalanceToReference,
  v2SwapSatisfiesK,
  type Rational,
} from "../../src/risk/index.js";
import {
  deployWorld,
  getPrices,
  skewV2Pool,
  type TokenInfo,
  type V2PairName,
  type World,
} from "../../src/world/index.js";
import { referencePrice } from "../../src/world/prices.js";
import { Prng } from "../unit/risk/prng.js";
import { callReverts, sendOk } from "./chain.js";

const SEED = 0x0f2;
const SWAPS = 150;
const MIN_IN_CHECKS = 40;
const REBALANCES = 45;
const TARGETS = 45;

const pairAbi = parseAbi([
  "function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)",
  "function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes data)",
  "function skim(address to)",
]);
const tokenAbi = parseAbi([
  "function balanceOf(address) view returns (uint256)",
  "function mint(address,uint256)",
  "function transfer(address,uint256) returns (bool)",
]);

const PAIRS: V2PairName[] = ["WETH_USDC", "WBTC_USDC", "WBTC_WETH"];

describe("Uniswap V2 risk math vs the real UniswapV2Pair (property)", () => {
  let chain: InProcessChain;
  let world: World;
  let trader: InProcessChain["wallet"];

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    trader = chain.accounts[2];
    for (const t of Object.values(world.tokens)) {
      await sendOk(chain, chain.wallet, {
        address: t.address,
        abi: tokenAbi,
        functionName: "mint",
        args: [trader.account.address, 10n ** 40n],
      });
    }
  });

  afterAll(async () => {
    await chain?.close();
  });

  const tokenOf = (address: Address): TokenInfo => Object.values(world.tokens).find((t) => t.address === address)!;
  const balanceOf = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: tokenAbi, functionName: "balanceOf", args: [who] });
  async function reserves(name: V2PairName): Promise<{ reserve0: bigint; reserve1: bigint }> {
    const [reserve0, reserve1] = await chain.public.readContract({
      address: world.uniswapV2.pairs[name].address,
      abi: pairAbi,
      functionName: "getReserves",
    });
    return { reserve0, reserve1 };
  }
  /** Directed view of a pair for a trade: token in/out and their reserves. */
  function directed(name: V2PairName, r: { reserve0: bigint; reserve1: bigint }, zeroForOne: boolean) {
    const p = world.uniswapV2.pairs[name];
    return zeroForOne
      ? { tokenIn: p.token0, tokenOut: p.token1, reserveIn: r.reserve0, reserveOut: r.reserve1 }
      : { tokenIn: p.token1, tokenOut: p.token0, reserveIn: r.reserve1, reserveOut: r.reserve0 };
  }
  const swapArgs = (zeroForOne: boolean, out: bigint) =>
    [zeroForOne ? 0n : out, zeroForOne ? out : 0n, trader.account.address, "0x"] as const;
  const transferIn = (name: V2PairName, token: Address, amount: bigint) =>
    sendOk(chain, trader, {
      address: token,
      abi: tokenAbi,
      functionName: "transfer",
      args: [world.uniswapV2.pairs[name].address, amount],
    });

  /** Sends `amountIn` and takes `out` through the real pair; checks the payout and the reserves after. */
  async function executeSwap(name: V2PairName, zeroForOne: boolean, amountIn: bigint, out: bigint, context: string) {
    const pair = world.uniswapV2.pairs[name].address;
    const before = await reserves(name);
    const d = directed(name, before, zeroForOne);
    await transferIn(name, d.tokenIn, amountIn);
    const balBefore = await balanceOf(d.tokenOut, trader.account.address);
    await sendOk(chain, trader, { address: pair, abi: pairAbi, functionName: "swap", args: swapArgs(zeroForOne, out) });
    expect((await balanceOf(d.tokenOut, trader.account.address)) - balBefore, context).toBe(out);
    const after = await reserves(name);
    expect(after, context).toEqual(
      zeroForOne
        ? { reserve0: before.reserve0 + amountIn, reserve1: before.reserve1 - out }
        : { reserve0: before.reserve0 - out, reserve1: before.reserve1 + amountIn },
    );
    return after;
  }

  it(`the pair pays exactly v2GetAmountOut and rejects one wei more, on ${SWAPS} random swaps`, async () => {
    const prng = new Prng(SEED);
    let zeroOut = 0;
    for (let i = 0; i < SWAPS; i++) {
      const name = PAIRS[prng.int(0, 2)];
      const zeroForOne = prng.chance(0.5);
      const d = directed(name, await reserves(name), zeroForOne);
      // From dust to 40% of the input reserve, log-uniform.
      const amountIn = 1n + (d.reserveIn * prng.logBigint(0, 10)) / 250_000_000_000n;
      const out = v2GetAmountOut(amountIn, d.reserveIn, d.reserveOut);
      const context = `swap ${i} (seed ${SEED}): ${name} zeroForOne=${zeroForOne} in=${amountIn} rIn=${d.reserveIn} rOut=${d.reserveOut}`;
      expect(v2SwapSatisfiesK(amountIn, out, d), context).toBe(true);
      expect(v2SwapSatisfiesK(amountIn, out + 1n, d), context).toBe(false);

      await transferIn(name, d.tokenIn, amountIn);
      const pair = world.uniswapV2.pairs[name].address;
      const reason = await callReverts(chain, trader, {
        address: pair,
        abi: pairAbi,
        functionName: "swap",
        args: swapArgs(zeroForOne, out + 1n),
      });
      expect(reason, context).toMatch(/UniswapV2: K/);
      if (out === 0n) {
        // Dust: nothing comes out. Take the input back so the next case starts from synced balances.
        zeroOut++;
        await sendOk(chain, trader, {
          address: pair,
          abi: pairAbi,
          functionName: "skim",
          args: [trader.account.address],
        });
        continue;
      }
      const balBefore = await balanceOf(d.tokenOut, trader.account.address);
      await sendOk(chain, trader, {
        address: pair,
        abi: pairAbi,
        functionName: "swap",
        args: swapArgs(zeroForOne, out),
      });
      expect((await balanceOf(d.tokenOut, trader.account.address)) - balBefore, context).toBe(out);
      const after = directed(name, await reserves(name), zeroForOne);
      expect({ reserveIn: after.reserveIn, reserveOut: after.reserveOut }, context).toEqual({
        reserveIn: d.reserveIn + amountIn,
        reserveOut: d.reserveOut - out,
      });
    }
    expect(zeroOut).toBeLessThan(SWAPS / 3);
  });

  it(`v2MinAmountIn is the pair's exact minimum input and v2GetAmountIn suffices, on ${MIN_IN_CHECKS} random outputs`, async () => {
    const prng = new Prng(SEED + 1);
    for (let i = 0; i < MIN_IN_CHECKS; i++) {
      const name = PAIRS[prng.int(0, 2)];
      const zeroForOne = prng.chance(0.5);
      const d = directed(name, await reserves(name), zeroForOne);
      const out = 1n + (d.reserveOut * prng.logBigint(0, 9)) / 50_000_000_000n; // up to ~20% of the reserve
      const minIn = v2MinAmountIn(out, d.reserveIn, d.reserveOut);
      const libIn = v2GetAmountIn(out, d.reserveIn, d.reserveOut);
      const context = `min-in ${i} (seed ${SEED + 1}): ${name} zeroForOne=${zeroForOne} out=${out}`;
      expect(libIn === minIn || libIn === minIn + 1n, context).toBe(true);
      expect(v2GetAmountOut(minIn, d.reserveIn, d.reserveOut), context).toBeGreaterThanOrEqual(out);
      const pair = world.uniswapV2.pairs[name].address;
      if (minIn > 1n) {
        await transferIn(name, d.tokenIn, minIn - 1n);
        const reason = await callReverts(chain, trader, {
          address: pair,
          abi: pairAbi,
          functionName: "swap",
          args: swapArgs(zeroForOne, out),
        });
        expect(reason, context).toMatch(/UniswapV2: K/);
        await transferIn(name, d.tokenIn, 1n); // now exactly minIn sits in the pair
      } else {
        await transferIn(name, d.tokenIn, minIn);
      }
      await sendOk(chain, trader, {
        address: pair,
        abi: pairAbi,
        functionName: "swap",
        args: swapArgs(zeroForOne, out),
      });
    }
  });

  /** |spot - target| / target <= 1e-6, spot = reserveOut / reserveIn in "out per in" raw units. */
  function expectWithinPpm(reserveOut: bigint, reserveIn: bigint, target: Rational, context: string) {
    const diff = reserveOut * target.den - target.num * reserveIn;
    const abs = diff < 0n ? -diff : diff;
    expect(
      abs * 1_000_000n <= target.num * reserveIn,
      `${context}: spot ${reserveOut}/${reserveIn} vs target ${target.num}/${target.den}`,
    ).toBe(true);
  }

  it(`v2RebalanceToReference brings a randomly skewed pair back to the feed price within 1 ppm (${REBALANCES} cases)`, async () => {
    const prng = new Prng(SEED + 2);
    for (let i = 0; i < REBALANCES; i++) {
      const name = PAIRS[i % 3];
      const bps = (prng.chance(0.5) ? 1 : -1) * prng.int(3, 2_500);
      await skewV2Pool(chain, world, name, bps);
      const p = world.uniswapV2.pairs[name];
      const prices = await getPrices(chain, world);
      const t0 = tokenOf(p.token0);
      const t1 = tokenOf(p.token1);
      const reference = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]); // token1 per token0
      const before = await reserves(name);
      const trade = v2RebalanceToReference(before, reference);
      const context = `rebalance ${i} (seed ${SEED + 2}): ${name} skew ${bps} bps`;
      expect(trade, context).not.toBeNull();
      const after = await executeSwap(name, trade!.zeroForOne, trade!.amountIn, trade!.amountOut, context);
      expect(after, context).toEqual(trade!.reservesAfter);
      expectWithinPpm(after.reserve1, after.reserve0, reference, context);
      expect(trade!.skewBpsAfter, context).toBe(0n);
    }
  });

  it(`v2InputToReachPrice lands on random target prices within 1 ppm (${TARGETS} cases)`, async () => {
    const prng = new Prng(SEED + 3);
    for (let i = 0; i < TARGETS; i++) {
      const name = PAIRS[prng.int(0, 2)];
      const zeroForOne = prng.chance(0.5);
      const d = directed(name, await reserves(name), zeroForOne);
      // Selling the in-token lowers out-per-in: target = spot * m, m in [0.5, 1 - 1e-6].
      const mPpm = BigInt(prng.int(500_000, 999_999));
      const target: Rational = { num: d.reserveOut * mPpm, den: d.reserveIn * 1_000_000n };
      const x = v2InputToReachPrice({ reserveIn: d.reserveIn, reserveOut: d.reserveOut }, target);
      const context = `target ${i} (seed ${SEED + 3}): ${name} zeroForOne=${zeroForOne} m=${mPpm}ppm`;
      expect(x, context).toBeGreaterThan(0n);
      const out = v2GetAmountOut(x, d.reserveIn, d.reserveOut);
      await executeSwap(name, zeroForOne, x, out, context);
      const a = directed(name, await reserves(name), zeroForOne);
      expectWithinPpm(a.reserveOut, a.reserveIn, target, context);
    }
  });
});
