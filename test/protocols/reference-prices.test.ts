import { beforeAll, describe, expect, it } from "vitest";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import type { Deployment } from "../../src/chain/deployment.js";
import { aggregatorAbi } from "../../src/protocols/feeds/read.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planBlock } from "../../src/strategy/index.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { deployWorld, setPrice, type World } from "../../src/world/index.js";
import { ratioPriceAdapter } from "../../src/world/tokens.js";
import { deploy } from "../../src/world/tx.js";
import { aaveOracleAbi } from "../helpers/abis.js";

const WATCH = new Set(["uniswap-v2"]);

/** Reference prices: Chainlink feeds where listed, Aave's oracle otherwise, skips for what cannot be priced. */
describe("reference prices", () => {
  let chain: InProcessChain;
  let world: World;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0, seed: 2 });
  }, 120_000);

  const oraclePrice = (token: `0x${string}`, blockNumber: bigint) =>
    chain.public.readContract({
      address: world.aave.oracle,
      abi: aaveOracleAbi,
      functionName: "getAssetPrice",
      args: [token],
      blockNumber,
    });

  it("prices tokens without a feed at the Aave oracle, keeps the feeds as overrides, and reads units once", async () => {
    const deployment = { ...world, feeds: { USDC: world.feeds.USDC } } as unknown as Deployment;
    const watcher = new Watcher(chain.public, deployment, { watch: WATCH });
    await setPrice(chain, world, "WETH", 2_777n * 10n ** 8n);
    const s = await watcher.snapshot();
    expect(s.priceSkips).toEqual([]);
    for (const symbol of ["WETH", "WBTC"] as const) {
      const token = world.tokens[symbol].address;
      expect(s.prices[token].usd8).toBe(await oraclePrice(token, s.blockNumber));
      expect(s.prices[token].updatedAt).toBe(s.timestamp);
    }
    const usdc = world.tokens.USDC.address;
    const round = await chain.public.readContract({
      address: world.feeds.USDC,
      abi: aggregatorAbi,
      functionName: "latestRoundData",
      blockNumber: s.blockNumber,
    });
    expect(s.prices[usdc].usd8).toBe(round[1]);
    expect(s.prices[usdc].updatedAt).toBe(round[3]);
    // One feed's decimals() and one oracle's BASE_CURRENCY_UNIT(), on the first snapshot only.
    expect(watcher.prices.unitReads).toBe(2);
    await setPrice(chain, world, "WETH", 2_500n * 10n ** 8n);
    const next = await watcher.snapshot();
    expect(watcher.prices.unitReads).toBe(2);
    expect(next.prices[world.tokens.WETH.address].usd8).toBe(
      await oraclePrice(world.tokens.WETH.address, next.blockNumber),
    );
    expect(next.prices[world.tokens.WETH.address].usd8).not.toBe(s.prices[world.tokens.WETH.address].usd8);
  });

  it("turns a reverting feed, a reverting oracle and a missing source into skips with reasons, not a failed read", async () => {
    // WBTC's "feed" is the Aave pool (no latestRoundData); FOO is no Aave reserve, so the oracle reverts on it.
    const foo = { address: world.helpers.poolActor, symbol: "FOO", decimals: 18 };
    const deployment = {
      ...world,
      tokens: { ...world.tokens, FOO: foo },
      feeds: { ...world.feeds, WBTC: world.aave.pool },
    } as unknown as Deployment;
    const s = await new Watcher(chain.public, deployment, { watch: WATCH }).snapshot();
    expect(s.prices[world.tokens.WETH.address]).toBeDefined();
    expect(s.prices[world.tokens.WBTC.address]).toBeUndefined();
    expect(s.prices[foo.address]).toBeUndefined();
    const bySymbol = Object.fromEntries((s.priceSkips ?? []).map((k) => [k.symbol, k]));
    expect(Object.keys(bySymbol).sort()).toEqual(["FOO", "WBTC"]);
    expect(bySymbol.WBTC.source).toBe("feed");
    expect(bySymbol.WBTC.skip.code).toBe("price-check");
    expect(bySymbol.WBTC.skip.message).toContain("decimals()");
    expect(bySymbol.FOO.source).toBe("aave-oracle");
    expect(bySymbol.FOO.skip.message).toContain("reverted");
    // The plan carries them as skips (logged, counted, in the decision log) like any opportunity left out.
    const plan = planBlock(
      s,
      strategyContextFor(deployment, {
        minProfitUsd: 10n ** 8n,
        priorityFeePerGas: 10n ** 9n,
        thresholdBps: 30n,
        toleranceBps: 1,
      }),
    );
    const priceSkips = plan.skipped.filter((k) => k.protocol === "reference-prices");
    expect(priceSkips.map((k) => [k.id, k.context.symbol, k.skip.code])).toEqual([
      [`price:${world.tokens.WBTC.address}`, "WBTC", "price-check"],
      [`price:${foo.address}`, "FOO", "price-check"],
    ]);

    const { aave: _aave, ...withoutAave } = deployment as unknown as Record<string, unknown>;
    const bare = { ...withoutAave, feeds: {} } as unknown as Deployment;
    const t = await new Watcher(chain.public, bare, { watch: WATCH }).snapshot();
    expect(Object.keys(t.prices)).toHaveLength(0);
    expect(t.priceSkips!.map((k) => k.source)).toEqual(Object.keys(bare.tokens).map(() => "none"));
  });

  it("reads an adapter that answers only latestAnswer, dated by its base feed; without the base's round, no price", async () => {
    const s = await new Watcher(chain.public, world, { watch: WATCH }).snapshot();
    const wsteth = s.prices[world.tokens.wstETH.address]!;
    const base = await chain.public.readContract({
      address: world.feeds.WETH,
      abi: aggregatorAbi,
      functionName: "latestRoundData",
      blockNumber: s.blockNumber,
    });
    expect(wsteth.usd8).toBe(await oraclePrice(world.tokens.wstETH.address, s.blockNumber));
    expect(wsteth.updatedAt).toBe(base[3]);

    // An adapter over the wstETH adapter: its base answers, but has no round to date the answer by.
    const stacked = await deploy(chain, ratioPriceAdapter(), [world.feeds.wstETH, 18, 10n ** 18n, "stacked"]);
    const deployment = { ...world, feeds: { ...world.feeds, wstETH: stacked } } as unknown as Deployment;
    const t = await new Watcher(chain.public, deployment, { watch: WATCH }).snapshot();
    expect(t.prices[world.tokens.wstETH.address]).toBeUndefined();
    const skip = t.priceSkips!.find((k) => k.symbol === "wstETH")!;
    expect(skip.skip.code).toBe("price-check");
    expect(skip.skip.message).toContain(`base feed ${world.feeds.wstETH}`);
  });
});
