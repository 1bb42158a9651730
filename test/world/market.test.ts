import { parseAbi, type Address } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { aggregatorAbi } from "../../src/protocols/feeds/read.js";
import { Watcher } from "../../src/watcher/watcher.js";
import {
  AAVE_EMODES,
  AAVE_RESERVE_CONFIG,
  aaveBorrowerKind,
  aaveBorrowerSpread,
  deployWorld,
  getExchangeRate,
  getPrices,
  MORPHO_MARKETS,
  RATE_UNIT,
  setExchangeRate,
  setPrice,
  syncPoolsToFeeds,
  worldFromJson,
  worldToJson,
  type TokenSymbol,
  type World,
} from "../../src/world/index.js";
import type { LocalFork } from "../../src/fork/fork.js";
import { applyScenario, parseScenario } from "../../src/world/shocks.js";
import { aaveOracleAbi, aavePoolAbi, erc20Abi, v3PoolAbi } from "../helpers/abis.js";

const dataProviderAbi = parseAbi([
  "function getReserveConfigurationData(address) view returns (uint256 decimals, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus, uint256 reserveFactor, bool usageAsCollateralEnabled, bool borrowingEnabled, bool stableBorrowRateEnabled, bool isActive, bool isFrozen)",
  "function getUserReserveData(address asset, address user) view returns (uint256 currentATokenBalance, uint256 currentStableDebt, uint256 currentVariableDebt, uint256 principalStableDebt, uint256 scaledVariableDebt, uint256 stableBorrowRate, uint256 liquidityRate, uint40 stableRateLastUpdated, bool usageAsCollateralEnabled)",
]);
const poolEModeAbi = parseAbi([
  "struct CollateralConfig { uint16 ltv; uint16 liquidationThreshold; uint16 liquidationBonus; }",
  "function getEModeCategoryCollateralConfig(uint8 id) view returns (CollateralConfig)",
  "function getEModeCategoryLabel(uint8 id) view returns (string)",
  "function getEModeCategoryCollateralBitmap(uint8 id) view returns (uint128)",
  "function getEModeCategoryBorrowableBitmap(uint8 id) view returns (uint128)",
  "function getUserEMode(address user) view returns (uint256)",
]);
const usdtAbi = parseAbi([
  "function approve(address,uint256)",
  "function allowance(address,address) view returns (uint256)",
  "error NonzeroToNonzeroApproval()",
]);

const SEED = 5;
const COUNT = 20;

/** The world shaped like a real market: six reserves, an eMode, three Morpho markets, borrowers of every kind. */
describe("market-shaped world", () => {
  let chain: InProcessChain;
  let world: World;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: COUNT, morphoBorrowers: 9, seed: SEED });
  });

  const userAssets = async (user: Address) => {
    const held: { symbol: TokenSymbol; supplied: bigint; borrowed: bigint }[] = [];
    for (const symbol of Object.keys(world.tokens) as TokenSymbol[]) {
      const r = await chain.public.readContract({
        address: world.aave.dataProvider,
        abi: dataProviderAbi,
        functionName: "getUserReserveData",
        args: [world.tokens[symbol].address, user],
      });
      if (r[0] > 0n || r[2] > 0n) held.push({ symbol, supplied: r[0], borrowed: r[2] });
    }
    return held;
  };
  const account = (user: Address) =>
    chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [user],
    });

  it("lists six reserves with the table's risk parameters and the ETH-correlated eMode", async () => {
    expect(Object.keys(world.tokens)).toHaveLength(6);
    for (const symbol of Object.keys(world.tokens) as TokenSymbol[]) {
      const c = await chain.public.readContract({
        address: world.aave.dataProvider,
        abi: dataProviderAbi,
        functionName: "getReserveConfigurationData",
        args: [world.tokens[symbol].address],
      });
      const want = AAVE_RESERVE_CONFIG[symbol];
      expect([c[1], c[2], c[3], c[4], c[6]]).toEqual([
        BigInt(want.ltv),
        BigInt(want.liquidationThreshold),
        BigInt(want.liquidationBonus),
        BigInt(want.reserveFactor),
        want.borrowing,
      ]);
    }
    const [e] = AAVE_EMODES;
    const cfg = await chain.public.readContract({
      address: world.aave.pool,
      abi: poolEModeAbi,
      functionName: "getEModeCategoryCollateralConfig",
      args: [e.id],
    });
    expect(cfg).toEqual({
      ltv: e.ltv,
      liquidationThreshold: e.liquidationThreshold,
      liquidationBonus: e.liquidationBonus,
    });
    const bitmapOf = async (symbols: TokenSymbol[]) => {
      let bits = 0n;
      for (const s of symbols) {
        const r = await chain.public.readContract({
          address: world.aave.pool,
          abi: aavePoolAbi,
          functionName: "getReserveData",
          args: [world.tokens[s].address],
        });
        bits |= 1n << BigInt(r.id);
      }
      return bits;
    };
    const read = (functionName: "getEModeCategoryCollateralBitmap" | "getEModeCategoryBorrowableBitmap") =>
      chain.public.readContract({ address: world.aave.pool, abi: poolEModeAbi, functionName, args: [e.id] });
    expect(await read("getEModeCategoryCollateralBitmap")).toBe(await bitmapOf(e.collateral));
    expect(await read("getEModeCategoryBorrowableBitmap")).toBe(await bitmapOf(e.borrowable));
    expect(world.aave.eModes.map((m) => m.label)).toEqual([e.label]);
  });

  it("prices wstETH through an adapter that answers only latestAnswer, which Aave and the keeper both read", async () => {
    const adapter = world.rateAdapters.wstETH!;
    expect(adapter.adapter).toBe(world.feeds.wstETH);
    await expect(
      chain.public.readContract({ address: world.feeds.wstETH, abi: aggregatorAbi, functionName: "latestRoundData" }),
    ).rejects.toThrow();
    const prices = await getPrices(chain, world);
    const rate = await getExchangeRate(chain, world, "wstETH");
    expect(prices.wstETH).toBe((prices.WETH * rate) / RATE_UNIT);
    const aavePrice = () =>
      chain.public.readContract({
        address: world.aave.oracle,
        abi: aaveOracleAbi,
        functionName: "getAssetPrice",
        args: [world.tokens.wstETH.address],
      });
    expect(await aavePrice()).toBe(prices.wstETH);

    const watcher = new Watcher(chain.public, world, { watch: new Set(["uniswap-v2"]) });
    const before = await watcher.snapshot();
    expect(before.priceSkips ?? []).toEqual([]);
    const baseRound = await chain.public.readContract({
      address: world.feeds.WETH,
      abi: aggregatorAbi,
      functionName: "latestRoundData",
    });
    // The adapter's answer is as old as its base feed's round: not the block's time.
    expect(before.prices[world.tokens.wstETH.address]).toMatchObject({ usd8: prices.wstETH, updatedAt: baseRound[3] });

    // A 3% depeg of the rate and a WETH move: Aave's oracle and the keeper follow both.
    await setExchangeRate(chain, world, "wstETH", (rate * 97n) / 100n);
    await setPrice(chain, world, "WETH", 2_900n * 10n ** 8n);
    const moved = (2_900n * 10n ** 8n * ((rate * 97n) / 100n)) / RATE_UNIT;
    expect(await aavePrice()).toBe(moved);
    const after = await watcher.snapshot();
    expect(after.prices[world.tokens.wstETH.address]!.usd8).toBe(moved);
    expect(after.prices[world.tokens.wstETH.address]!.updatedAt).toBeGreaterThan(baseRound[3]);
    // setPrice on a rate-priced token sets the rate that gives that price.
    await setPrice(chain, world, "wstETH", 3_480n * 10n ** 8n);
    expect((await getPrices(chain, world)).wstETH).toBe(3_480n * 10n ** 8n);
    await setPrice(chain, world, "WETH", 3_000n * 10n ** 8n);
    await setExchangeRate(chain, world, "wstETH", rate);
  });

  it("has a USDT that returns nothing and refuses a nonzero-to-nonzero approval", async () => {
    const [, other] = chain.accounts;
    const usdt = world.tokens.USDT.address;
    const call = await chain.public.call({
      to: usdt,
      data: "0x095ea7b3" + other.account.address.slice(2).padStart(64, "0") + "1".padStart(64, "0"),
      account: other.account.address,
    } as never);
    expect(call.data ?? "0x").toBe("0x");
    await other.writeContract({ address: usdt, abi: usdtAbi, functionName: "approve", args: [world.aave.pool, 5n] });
    await expect(
      chain.public.simulateContract({
        address: usdt,
        abi: usdtAbi,
        functionName: "approve",
        args: [world.aave.pool, 6n],
        account: other.account,
      }),
    ).rejects.toThrow(/NonzeroToNonzeroApproval/);
  });

  it("opens every kind of Aave borrower: multi-asset, eMode, small and near-dust", async () => {
    const specs = aaveBorrowerSpread(COUNT, SEED);
    for (const [i, user] of world.borrowers.aave.entries()) {
      const kind = aaveBorrowerKind(i);
      const held = await userAssets(user);
      const [collateral, debt, , , , hf] = await account(user);
      const eMode = await chain.public.readContract({
        address: world.aave.pool,
        abi: poolEModeAbi,
        functionName: "getUserEMode",
        args: [user],
      });
      expect(hf).toBeGreaterThan(10n ** 18n);
      expect(eMode).toBe(BigInt(specs[i]!.eModeCategory ?? 0));
      const supplied = held.filter((h) => h.supplied > 0n).map((h) => h.symbol);
      const borrowed = held.filter((h) => h.borrowed > 0n).map((h) => h.symbol);
      if (kind === "multi") {
        expect(supplied.length).toBeGreaterThanOrEqual(2);
        expect(borrowed.length).toBeGreaterThanOrEqual(2);
      }
      if (kind === "emode") {
        expect([supplied, borrowed, eMode]).toEqual([["wstETH"], ["WETH"], 1n]);
        expect(hf).toBeLessThan(11n * 10n ** 17n);
      }
      if (kind === "small") expect(collateral).toBeLessThan(2_000n * 10n ** 8n);
      if (kind === "dust") expect(debt).toBeLessThan(2_600n * 10n ** 8n);
    }
    const kinds = world.borrowers.aave.map((_, i) => aaveBorrowerKind(i));
    expect(new Set(kinds)).toEqual(new Set(["simple", "multi", "emode", "small", "dust"]));
  });

  it("spreads Morpho borrowers over three markets of different tokens and LLTVs", async () => {
    expect(world.morpho.markets).toHaveLength(MORPHO_MARKETS.length);
    const shapes = world.morpho.markets.map(
      (m) => `${m.params.collateralToken}/${m.params.loanToken}/${m.params.lltv}`,
    );
    expect(new Set(shapes).size).toBe(3);
    expect(new Set(world.morpho.markets.map((m) => m.params.lltv)).size).toBeGreaterThanOrEqual(2);
    const snapshot = await new Watcher(chain.public, world, { watch: new Set(["morpho-blue"]) }).snapshot();
    for (const m of world.morpho.markets) {
      const read = snapshot.morpho!.markets.find((x) => x.id === m.id)!;
      expect(read.price).toBeGreaterThan(0n);
      expect(read.positions.length).toBe(3);
    }
  });

  it("round-trips through world JSON with every token, feed, pool and market", () => {
    const back = worldFromJson(worldToJson(world));
    expect(back).toEqual(world);
  });

  it("plays a scenario: an ETH move, a wstETH depeg through its rate, and a skew of a V3 pool by name", async () => {
    const before = await getPrices(chain, world);
    const rate = await getExchangeRate(chain, world, "wstETH");
    const scenario = parseScenario(["WETH=-10%", "wstETH=-12%"], ["wstETH_WETH_100=25"], before);
    expect(scenario.v3Skews).toEqual({ wstETH_WETH_100: 25 });
    const pool = world.uniswapV3.pools.wstETH_WETH_100;
    const slot0 = async () =>
      (await chain.public.readContract({ address: pool.address, abi: v3PoolAbi, functionName: "slot0" }))[0];
    const sqrtBefore = await slot0();
    // The world's own clients stand for a fork's: its feeds are settable already and its PoolActor swaps.
    const fork = {
      clients: chain,
      accounts: [chain.wallet.account.address],
      url: "in-process",
    } as unknown as LocalFork;
    await applyScenario(fork, world, scenario);
    const after = await getPrices(chain, world);
    expect(after.WETH).toBe((before.WETH * 90n) / 100n);
    // The final wstETH price is the one asked (the rate is rounded down: at most one unit under).
    const want = (before.wstETH * 88n) / 100n;
    expect(after.wstETH <= want && after.wstETH >= want - 1n).toBe(true);
    expect(await getExchangeRate(chain, world, "wstETH")).toBeLessThan(rate);
    // +25 bps of token0's price in token1: sqrt moves by sqrt(1.0025).
    const moved = await slot0();
    expect(Number((moved * 1_000_000n) / sqrtBefore) / 1e6).toBeCloseTo(Math.sqrt(1.0025), 5);
    await setPrice(chain, world, "WETH", before.WETH);
    await setExchangeRate(chain, world, "wstETH", rate);
    await syncPoolsToFeeds(chain, world);
  });

  it("a wstETH rate drop makes the eMode borrower liquidatable: the keeper sees it and Aave liquidates it at the eMode bonus", async () => {
    const i = world.borrowers.aave.findIndex((_, k) => aaveBorrowerKind(k) === "emode");
    const user = world.borrowers.aave[i]!;
    const [, , , , , hf] = await account(user);
    const rate = await getExchangeRate(chain, world, "wstETH");
    // Collateral is wstETH, debt WETH: HF moves with the rate alone. Take it 1% under 1.
    await setExchangeRate(chain, world, "wstETH", (rate * 10n ** 18n * 99n) / (hf * 100n));
    const [, debtBase, , , , hfAfter] = await account(user);
    expect(hfAfter).toBeLessThan(10n ** 18n);

    const snapshot = await new Watcher(chain.public, world, { watch: new Set(["aave-v3"]) }).snapshot();
    expect(snapshot.aave!.accounts.find((a) => a.user === user)?.healthFactor).toBe(hfAfter);
    expect(Object.keys(snapshot.aave!.positions)).toContain(user);

    const [liquidator] = chain.accounts;
    const weth = world.tokens.WETH;
    const wsteth = world.tokens.wstETH;
    const prices = await getPrices(chain, world);
    const repay = (((debtBase / 2n) * 10n ** 18n) / prices.WETH) as bigint;
    await liquidator.writeContract({
      address: weth.address,
      abi: erc20Abi,
      functionName: "mint",
      args: [liquidator.account.address, repay],
    });
    await liquidator.writeContract({
      address: weth.address,
      abi: erc20Abi,
      functionName: "approve",
      args: [world.aave.pool, repay],
    });
    const balance = () =>
      chain.public.readContract({
        address: wsteth.address,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [liquidator.account.address],
      });
    const before = await balance();
    await liquidator.writeContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "liquidationCall",
      args: [wsteth.address, weth.address, user, repay, false],
    });
    const seized = (await balance()) - before;
    // Seized value = repaid value x the eMode bonus (1%), minus nothing else (the protocol fee is on the bonus).
    const seizedUsd = (seized * prices.wstETH) / 10n ** 18n;
    const repaidUsd = (repay * prices.WETH) / 10n ** 18n;
    const bonus = BigInt(AAVE_EMODES[0]!.liquidationBonus);
    const fee = BigInt(AAVE_RESERVE_CONFIG.wstETH.liquidationProtocolFee);
    // Liquidator's share: repaid x (1 + (bonus - 1) x (1 - fee)).
    const expected = (repaidUsd * (10_000n * 10_000n + (bonus - 10_000n) * (10_000n - fee))) / 10n ** 8n;
    expect(Number(seizedUsd - expected)).toBeLessThanOrEqual(2);
    expect(Number(expected - seizedUsd)).toBeLessThanOrEqual(2);
  });
});
