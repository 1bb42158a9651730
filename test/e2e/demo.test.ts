import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo, type DemoResult } from "../../src/demo/demo.js";
import { getPrices } from "../../src/world/index.js";
import { referencePrice } from "../../src/world/prices.js";
import { aavePoolAbi, erc20Abi, v2PairAbi } from "../helpers/abis.js";

/**
 * The `npm start` scenario, asserted on chain state: the keeper alone liquidates the sunk Aave positions and
 * rebalances the skewed V2 pair through KeeperExecutor, and leaves healthy and dust positions alone.
 */
describe("the demo scenario on the real protocols", () => {
  let demo: DemoResult;
  const lines: string[] = [];

  beforeAll(async () => {
    demo = await runDemo({ keepOpen: true, print: (l) => lines.push(l) });
  }, 300_000);
  afterAll(async () => demo?.chain.close());

  it("passes its own checks and narrates what it did", () => {
    expect(demo.problems).toEqual([]);
    expect(lines.some((l) => l.includes("done") && l.includes("profit"))).toBe(true);
  });

  it("liquidated the big underwater borrower: its HF, read back from Aave, is above 1 or its debt gone", async () => {
    const { chain, world, stage, report } = demo;
    const l = report.liquidations.find((x) => x.borrower === stage.whale);
    expect(l).toBeDefined();
    expect(Number(l!.healthFactorBefore)).toBeLessThan(1);
    const d = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [stage.whale],
    });
    expect(d[5]).toBeGreaterThan(10n ** 18n);
    for (const x of report.liquidations) expect(BigInt(x.profit)).toBeGreaterThan(0n);
  });

  it("never touched the healthy borrower", async () => {
    const { chain, world, stage, report } = demo;
    expect(report.liquidations.map((l) => l.borrower)).not.toContain(stage.safe);
    const d = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [stage.safe],
    });
    expect(d[1]).toBeGreaterThan(0n); // still owes its debt
    expect(d[5]).toBeGreaterThan(10n ** 18n);
  });

  it("skipped the dust borrower because its liquidation would not pay for its gas, and left it on chain", async () => {
    const { chain, world, stage, report } = demo;
    const skip = report.skipped.find((s) => s.id === `aave-v3:${stage.dust}`);
    expect(skip?.reason).toMatch(/gas cost exceeds gross profit/);
    expect(report.liquidations.map((l) => l.borrower)).not.toContain(stage.dust);
    const d = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [stage.dust],
    });
    expect(d[5]).toBeLessThan(10n ** 18n); // still underwater: nobody liquidated it
  });

  it("brought the skewed V2 WETH/USDC pair within 1 bp of the feeds' price", async () => {
    const { chain, world, report } = demo;
    const r = report.rebalances.find((x) => x.address === world.uniswapV2.pairs.WETH_USDC.address);
    expect(r).toBeDefined();
    expect(Math.abs(Number(r!.skewBpsBefore))).toBeGreaterThan(100);
    const pair = world.uniswapV2.pairs.WETH_USDC;
    // at the rebalance's own block: later liquidations flash-swap through the same pair and move it again
    const [r0, r1] = await chain.public.readContract({
      address: pair.address,
      abi: v2PairAbi,
      functionName: "getReserves",
      blockNumber: BigInt(r!.block),
    });
    const prices = await getPrices(chain, world);
    const t0 = pair.token0 === world.tokens.WETH.address ? world.tokens.WETH : world.tokens.USDC;
    const t1 = pair.token1 === world.tokens.WETH.address ? world.tokens.WETH : world.tokens.USDC;
    const ref = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
    const devPpm = Number(((r1 * ref.den - ref.num * r0) * 1_000_000n) / (ref.num * r0));
    expect(Math.abs(devPpm)).toBeLessThanOrEqual(100); // 100 ppm = 1 bp
  });

  it("paid every profit to the owner, and the executor never ended with less inventory than it was given", async () => {
    const { chain, world, executor, owner, report } = demo;
    const sum = (asset: string) =>
      [...report.liquidations, ...report.rebalances]
        .filter((x) => x.profitAsset === asset)
        .reduce((s, x) => s + BigInt(x.profit), 0n);
    const balance = (token: `0x${string}`, who: `0x${string}`) =>
      chain.public.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
    expect(await balance(world.tokens.WETH.address, owner)).toBe(sum("WETH"));
    expect(await balance(world.tokens.USDC.address, owner)).toBe(sum("USDC"));
    // inventory given by the demo: 700 WETH + 2,000,000 USDC; V3 rebalances in inventory mode keep the input's
    // value at the target price in the contract, so the inventory's value can only grow
    expect(await balance(world.tokens.WBTC.address, executor)).toBe(0n);
  });

  it("liquidated Aave borrowers sharing a flash pair in one batch transaction", () => {
    const batched = demo.report.liquidations.filter((l) => l.batch);
    expect(batched.length).toBeGreaterThanOrEqual(2);
    expect(new Set(batched.map((l) => l.txHash)).size).toBeLessThan(batched.length);
    for (const l of batched) expect(Number(l.healthFactorBefore)).toBeLessThan(1);
  });

  it("liquidated on Morpho Blue through the callback, and rebalanced the V3 pool in slices onto the reference", async () => {
    const { report, world } = demo;
    const morpho = report.liquidations.filter((l) => l.protocol === "morpho-blue");
    expect(morpho.length).toBeGreaterThan(0);
    for (const l of morpho) {
      expect(Number(l.healthFactorBefore)).toBeLessThan(1);
      expect(l.profitAsset).toBe("USDC");
    }
    const v3 = report.rebalances.filter((r) => r.address === world.uniswapV3.pools.WETH_USDC_3000.address);
    expect(v3.length).toBeGreaterThanOrEqual(2);
    expect(v3.some((r) => r.slice)).toBe(true);
    expect(new Set(v3.map((r) => r.block)).size).toBe(v3.length); // one slice per block
    expect(Math.abs(Number(v3[v3.length - 1].skewBpsAfter))).toBeLessThanOrEqual(1);
  });
});
