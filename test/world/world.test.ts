import { beforeAll, describe, expect, it } from "vitest";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import {
  deployWorld,
  getPrices,
  MULTICALL3_ADDRESS,
  skewV2Pool,
  skewV3Pool,
  type TokenSymbol,
  type V2PairName,
  type World,
} from "../../src/world/index.js";
import { referencePrice, sqrtPriceX96 } from "../../src/world/prices.js";
import { aavePoolAbi, morphoAbi, morphoOracleAbi, v2PairAbi, v3PoolAbi } from "../helpers/abis.js";

const symbolOf = (world: World, address: string): TokenSymbol =>
  (Object.keys(world.tokens) as TokenSymbol[]).find((s) => world.tokens[s].address === address)!;

/** |a/b - c/d| / (c/d), in parts per billion. */
const relErrPpb = (a: bigint, b: bigint, c: bigint, d: bigint) => {
  const diff = a * d - c * b;
  return Number(((diff < 0n ? -diff : diff) * 1_000_000_000n) / (c * b));
};

describe("deployWorld", () => {
  let chain: InProcessChain;
  let world: World;
  let deployMs: number;

  beforeAll(async () => {
    chain = await createInProcessChain();
    const t0 = performance.now();
    world = await deployWorld(chain, { aaveBorrowers: 10, morphoBorrowers: 10, seed: 7 });
    deployMs = performance.now() - t0;
  });

  it("deploys all four protocols, six tokens and 10+10 borrowers quickly", () => {
    // The target is < 3 s on a quiet machine (bench:world measures it: ~0.9 s median). Test files run in
    // parallel on shared 2-core machines, so this only guards against a gross regression.
    expect(deployMs).toBeLessThan(10_000);
    expect(world.borrowers.aave).toHaveLength(10);
    expect(world.borrowers.morpho).toHaveLength(10);
    expect(new Set(world.borrowers.aave).size).toBe(10);
  });

  it("places Multicall3 at its canonical address", async () => {
    expect(world.multicall3).toBe(MULTICALL3_ADDRESS);
    const code = await chain.public.getCode({ address: MULTICALL3_ADDRESS });
    expect(code && code.length).toBeGreaterThan(100);
  });

  it("prices every V2 pair at the feeds' price (within 1 ppb)", async () => {
    const prices = await getPrices(chain, world);
    for (const name of Object.keys(world.uniswapV2.pairs) as V2PairName[]) {
      const pair = world.uniswapV2.pairs[name];
      const [r0, r1] = await chain.public.readContract({
        address: pair.address,
        abi: v2PairAbi,
        functionName: "getReserves",
      });
      const t0 = world.tokens[symbolOf(world, pair.token0)];
      const t1 = world.tokens[symbolOf(world, pair.token1)];
      const ref = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
      expect(relErrPpb(r1, r0, ref.num, ref.den)).toBeLessThanOrEqual(1);
    }
  });

  it("initialises every V3 pool exactly at the feeds' price, with in-range liquidity", async () => {
    const prices = await getPrices(chain, world);
    for (const pool of Object.values(world.uniswapV3.pools)) {
      const [sqrtP] = await chain.public.readContract({ address: pool.address, abi: v3PoolAbi, functionName: "slot0" });
      const t0 = world.tokens[symbolOf(world, pool.token0)];
      const t1 = world.tokens[symbolOf(world, pool.token1)];
      expect(sqrtP).toBe(sqrtPriceX96(referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol])));
      expect(
        await chain.public.readContract({ address: pool.address, abi: v3PoolAbi, functionName: "liquidity" }),
      ).toBeGreaterThan(0n);
    }
  });

  it("opens every Aave borrower as a real, healthy position with debt", async () => {
    for (const b of world.borrowers.aave) {
      const d = await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [b],
      });
      expect(d[1]).toBeGreaterThan(0n); // debt
      expect(d[5]).toBeGreaterThan(10n ** 18n); // HF > 1
      expect(d[5]).toBeLessThan(19n * 10n ** 17n);
    }
  });

  it("opens every Morpho borrower below LLTV in its market, each market priced from the same feeds", async () => {
    const prices = await getPrices(chain, world);
    expect(world.morpho.markets[0]).toEqual({ id: world.morpho.marketId, params: world.morpho.marketParams });
    const seen = new Set<string>();
    for (const { id, params } of world.morpho.markets) {
      const price = await chain.public.readContract({
        address: params.oracle,
        abi: morphoOracleAbi,
        functionName: "price",
      });
      // Loan units per collateral unit, scaled 1e36 (Morpho's ORACLE_PRICE_SCALE), from the two USD prices.
      const c = world.tokens[symbolOf(world, params.collateralToken)];
      const l = world.tokens[symbolOf(world, params.loanToken)];
      const ref = referencePrice(c, prices[c.symbol], l, prices[l.symbol]);
      expect(price).toBe((ref.num * 10n ** 36n) / ref.den);
      const m = await chain.public.readContract({
        address: world.morpho.morpho,
        abi: morphoAbi,
        functionName: "market",
        args: [id],
      });
      for (const b of world.borrowers.morpho) {
        const [, shares, collateral] = await chain.public.readContract({
          address: world.morpho.morpho,
          abi: morphoAbi,
          functionName: "position",
          args: [id, b],
        });
        if (collateral === 0n) continue;
        seen.add(b);
        const borrowed = (BigInt(shares) * (m[2] + 1n)) / (m[3] + 1_000_000n);
        const maxBorrow = (((BigInt(collateral) * price) / 10n ** 36n) * params.lltv) / 10n ** 18n;
        expect(borrowed).toBeGreaterThan(0n);
        expect(borrowed).toBeLessThan(maxBorrow);
      }
    }
    // Every borrower has its position in exactly one of the markets.
    expect(seen.size).toBe(world.borrowers.morpho.length);
  });

  it("skews a V2 pair by the requested bps with a real swap", async () => {
    const pair = world.uniswapV2.pairs.WETH_USDC;
    const before = await chain.public.readContract({
      address: pair.address,
      abi: v2PairAbi,
      functionName: "getReserves",
    });
    await skewV2Pool(chain, world, "WETH_USDC", 500);
    const after = await chain.public.readContract({
      address: pair.address,
      abi: v2PairAbi,
      functionName: "getReserves",
    });
    // price of token0 in token1 = r1/r0; moved up by 5.00% within 0.01 bp
    const movedBpsX100 = Number((after[1] * before[0] * 1_000_000n) / (after[0] * before[1])) - 1_000_000;
    expect(Math.abs(movedBpsX100 - 50_000)).toBeLessThanOrEqual(1);
    await skewV2Pool(chain, world, "WETH_USDC", -300);
    const back = await chain.public.readContract({
      address: pair.address,
      abi: v2PairAbi,
      functionName: "getReserves",
    });
    const moved2 = Number((back[1] * after[0] * 1_000_000n) / (back[0] * after[1])) - 1_000_000;
    expect(Math.abs(moved2 + 30_000)).toBeLessThanOrEqual(1);
  });

  it("skews the V3 pool onto the exact target sqrt price", async () => {
    const target = await skewV3Pool(chain, world, -300);
    const [sqrtP] = await chain.public.readContract({
      address: world.uniswapV3.pools.WETH_USDC_3000.address,
      abi: v3PoolAbi,
      functionName: "slot0",
    });
    expect(sqrtP).toBe(target);
  });
});

describe("deployWorld at scale", () => {
  it("deploys a world with 1,000 Aave borrowers, each a distinct real position", async () => {
    const chain = await createInProcessChain();
    const world = await deployWorld(chain, { aaveBorrowers: 1000, morphoBorrowers: 0, seed: 3 });
    expect(new Set(world.borrowers.aave).size).toBe(1000);
    // spot-check a spread of them on chain
    for (const b of world.borrowers.aave.filter((_, i) => i % 97 === 0)) {
      const d = await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [b],
      });
      expect(d[0]).toBeGreaterThan(0n);
      expect(d[1]).toBeGreaterThan(0n);
    }
    await chain.close();
  }, 300_000);

  it("is reproducible from its seed", async () => {
    const [a, b] = [await createInProcessChain(), await createInProcessChain()];
    const [wa, wb] = [
      await deployWorld(a, { aaveBorrowers: 5, morphoBorrowers: 5, seed: 11 }),
      await deployWorld(b, { aaveBorrowers: 5, morphoBorrowers: 5, seed: 11 }),
    ];
    const hf = async (c: InProcessChain, w: World) =>
      Promise.all(
        w.borrowers.aave.map(
          async (x) =>
            (
              await c.public.readContract({
                address: w.aave.pool,
                abi: aavePoolAbi,
                functionName: "getUserAccountData",
                args: [x],
              })
            )[5],
        ),
      );
    expect(await hf(a, wa)).toEqual(await hf(b, wb));
    expect(wa.borrowers).toEqual(wb.borrowers);
  });
});

describe("syncPoolsToFeeds", () => {
  it("brings every pool back onto the feeds after a price move", async () => {
    const chain = await createInProcessChain();
    const world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const { setPrice, syncPoolsToFeeds } = await import("../../src/world/index.js");
    await setPrice(chain, world, "WETH", 2_640n * 10n ** 8n);
    await syncPoolsToFeeds(chain, world);
    const prices = await getPrices(chain, world);
    for (const name of Object.keys(world.uniswapV2.pairs) as V2PairName[]) {
      const pair = world.uniswapV2.pairs[name];
      const [r0, r1] = await chain.public.readContract({
        address: pair.address,
        abi: v2PairAbi,
        functionName: "getReserves",
      });
      const ref = referencePrice(
        world.tokens[symbolOf(world, pair.token0)],
        prices[symbolOf(world, pair.token0)],
        world.tokens[symbolOf(world, pair.token1)],
        prices[symbolOf(world, pair.token1)],
      );
      expect(relErrPpb(r1, r0, ref.num, ref.den)).toBeLessThan(10_000); // within 0.1 bp
    }
    const pool = world.uniswapV3.pools.WETH_USDC_3000;
    const [sqrtP] = await chain.public.readContract({ address: pool.address, abi: v3PoolAbi, functionName: "slot0" });
    const t0 = world.tokens[symbolOf(world, pool.token0)];
    const t1 = world.tokens[symbolOf(world, pool.token1)];
    expect(sqrtP).toBe(sqrtPriceX96(referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol])));
  });
});
