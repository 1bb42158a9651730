/**
 * The keeper's detect + execute path on an Aave v3.6 borrower in eMode, on the real protocols: the watcher reads the
 * borrower's category, planBlock sizes the liquidation at the category's bonus (not the reserve's), and the send
 * pipeline's transaction moves exactly the sized amounts, for the profit the plan expected.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, maxUint256, parseAbi, parseEventLogs, parseGwei, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { deployExecutor, executorProtocols } from "../../src/executor/index.js";
import { AaveBorrowerIndex } from "../../src/protocols/aaveV3/discover.js";
import { aaveLiquidationAmounts, findAaveReserve } from "../../src/risk/index.js";
import type { AaveLiquidationOpportunity } from "../../src/risk/opportunity.js";
import { MEASURED_GAS } from "../../src/strategy/context.js";
import { planBlock, type StrategyContext } from "../../src/strategy/index.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { deployWorld, setPrice, type World } from "../../src/world/index.js";
import { send } from "../../src/world/tx.js";
import { sendThroughPipeline } from "../helpers/pipeline.js";

const USD = 10n ** 8n;
// Id 7: a category of its own, whatever categories the world lists.
const EMODE = { id: 7, ltv: 9_000, liquidationThreshold: 9_300, liquidationBonus: 10_300 };

const poolAbi = parseAbi([
  "function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
  "function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)",
  "function setUserEMode(uint8 categoryId)",
  "function getUserAccountData(address) view returns (uint256, uint256, uint256, uint256, uint256, uint256)",
  "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
]);
const configuratorAbi = parseAbi([
  "function setEModeCategory(uint8 categoryId, uint16 ltv, uint16 liquidationThreshold, uint16 liquidationBonus, string label)",
  "function setAssetCollateralInEMode(address asset, uint8 categoryId, bool collateral)",
  "function setAssetBorrowableInEMode(address asset, uint8 categoryId, bool borrowable)",
]);
const tokenAbi = parseAbi(["function mint(address,uint256)", "function approve(address,uint256) returns (bool)"]);

function contextFor(world: World): StrategyContext {
  return {
    v2Pairs: Object.entries(world.uniswapV2.pairs).map(([name, p]) => ({ name, ...p })),
    v3Pools: Object.values(world.uniswapV3.pools),
    aavePool: world.aave.pool,
    wethToken: world.tokens.WETH.address,
    minProfitUsd: 1n * USD,
    priorityFeePerGas: 10n ** 9n,
    rebalanceThresholdBps: 30n,
    rebalanceToleranceBps: 1,
    maxTradeUsd: 0n,
    feedMaxAgeS: { default: 90_000n, byToken: {} },
    maxFeedTwapDeviationBps: 2_500n,
    v3Rebalance: true,
    gas: MEASURED_GAS,
  };
}

describe("keeper liquidates an Aave eMode borrower (detect + execute on the real v3.6 pool)", () => {
  let chain: InProcessChain;
  let world: World;
  let executor: Address;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, ownerW, keeperW] = chain.accounts;
    executor = await deployExecutor(
      { public: chain.public, wallet: ownerW },
      { keeper: keeperW.account.address, protocols: executorProtocols(world) },
    );
    const cfg = (functionName: string, args: readonly unknown[]) =>
      send(chain, { address: world.aave.configurator, abi: configuratorAbi, functionName, args });
    await cfg("setEModeCategory", [EMODE.id, EMODE.ltv, EMODE.liquidationThreshold, EMODE.liquidationBonus, "ETH-BTC"]);
    await cfg("setAssetCollateralInEMode", [world.tokens.WETH.address, EMODE.id, true]);
    await cfg("setAssetCollateralInEMode", [world.tokens.WBTC.address, EMODE.id, true]);
    await cfg("setAssetBorrowableInEMode", [world.tokens.USDC.address, EMODE.id, true]);
  });

  afterAll(async () => {
    await chain?.close();
  });

  it("sizes at the category's bonus, sends, and the pool moves exactly that for the planned profit", async () => {
    const { WETH, USDC } = world.tokens;
    const borrowerW = chain.accounts[3];
    const user = getAddress(borrowerW.account.address);
    const as = (address: Address, abi: any, functionName: string, args: readonly unknown[]) =>
      borrowerW
        .writeContract({ address, abi, functionName, args, gas: 3_000_000n } as never)
        .then((hash) => chain.public.waitForTransactionReceipt({ hash, pollingInterval: 10 }));
    // $50k of WETH in eMode backs $44.5k of USDC (LTV 90%; outside eMode 80% would refuse it): HF 1.045.
    const weth = (50_000n * USD * 10n ** 18n) / (3_000n * USD);
    await send(chain, { address: WETH.address, abi: tokenAbi, functionName: "mint", args: [user, weth] });
    await as(WETH.address, tokenAbi, "approve", [world.aave.pool, maxUint256]);
    await as(world.aave.pool, poolAbi, "setUserEMode", [EMODE.id]);
    await as(world.aave.pool, poolAbi, "supply", [WETH.address, weth, user, 0]);
    await as(world.aave.pool, poolAbi, "borrow", [USDC.address, 44_500n * 10n ** 6n, 2, 0, user]);
    // WETH -5%: HF 0.99, under 1 at the category's threshold (93%); the reserve's own (82.5%) was never in play.
    await setPrice(chain, world, "WETH", 2_850n * USD);

    const watcher = new Watcher(chain.public, world, { watch: new Set(["aave-v3", "uniswap-v2"]) });
    const snapshot = await watcher.snapshot();
    const position = snapshot.aave!.positions[user];
    expect(position?.eMode?.id).toBe(EMODE.id);
    expect(position?.eMode?.liquidationBonus).toBe(BigInt(EMODE.liquidationBonus));
    const plan = planBlock(snapshot, contextFor(world));
    const candidate = plan.selected.find((c) => c.opportunity.id === `aave-v3:${user}`);
    expect(candidate, JSON.stringify(plan.skipped.map((s) => s.skip.message))).toBeDefined();
    const o = candidate!.opportunity as AaveLiquidationOpportunity;

    // The plan's amounts are the eMode bonus's (3%), not the WETH reserve's own 5%.
    const reserves = snapshot.aave!.reserves;
    const account = snapshot.aave!.accounts.find((a) => a.user === user)!;
    const inputs = {
      debtReserve: findAaveReserve(reserves, USDC.address)!,
      collateralReserve: findAaveReserve(reserves, WETH.address)!,
      variableDebt: position!.reserves.find((r) => r.asset === USDC.address)!.variableDebt,
      stableDebt: 0n,
      userCollateralBalance: position!.reserves.find((r) => r.asset === WETH.address)!.aTokenBalance,
      healthFactor: account.healthFactor,
      totalDebtBase: account.totalDebtBase,
      totalCollateralBase: account.totalCollateralBase,
      debtToCover: o.details.debtRepaid!,
    };
    const inEMode = aaveLiquidationAmounts({ ...inputs, eMode: position!.eMode });
    const asIfNot = aaveLiquidationAmounts(inputs);
    expect(o.details.collateralSeized).toBe(inEMode.collateralSeized);
    expect(o.details.protocolFee).toBe(inEMode.protocolFee);
    expect(asIfNot.collateralSeized).toBeGreaterThan(inEMode.collateralSeized);

    // Executed through the keeper's send pipeline.
    const ethUsd = snapshot.prices[WETH.address]!.usd8;
    const { outcome, journal } = await sendThroughPipeline(chain.public, {
      executor,
      accountIndex: 2,
      action: candidate!.action,
      minProfit: (candidate!.action.params as { minProfit: bigint }).minProfit,
      fees: { priorityFeePerGas: parseGwei("1"), maxFeePerGasCap: parseGwei("100") },
      expectedProfitWei: (o.expectedProfitUsd * 10n ** 18n) / ethUsd,
    });
    journal.close();
    if (outcome.status !== "mined") throw new Error(`expected mined, got ${outcome.status}`);
    const receipt = await chain.public.getTransactionReceipt({ hash: outcome.hash });
    const [event] = parseEventLogs({ abi: poolAbi, logs: receipt.logs, eventName: "LiquidationCall" });
    // A partial (close factor 50%) liquidation is sent as sized: the pool repays and seizes exactly that.
    expect(event.args.user).toBe(user);
    expect(event.args.debtToCover).toBe(o.details.debtRepaid);
    expect(event.args.liquidatedCollateralAmount).toBe(o.details.collateralSeized);
    // The profit the executor reports is the planned one (one block of interest later: within 1 bp).
    const planned = o.expectedProfit.amount;
    const got = outcome.profit;
    console.log("eMode liquidation:", { action: candidate!.action.kind, planned, got, gasUsed: outcome.gasUsed });
    expect(got).toBeGreaterThan(0n);
    expect(got > planned ? got - planned : planned - got).toBeLessThanOrEqual(planned / 10_000n + 1n);
    const [, , , , , hfAfter] = await chain.public.readContract({
      address: world.aave.pool,
      abi: poolAbi,
      functionName: "getUserAccountData",
      args: [user],
    });
    expect(hfAfter).toBeGreaterThan(account.healthFactor);
  });

  it("discovery marks an account that switches eMode category for a re-read (UserEModeSet)", async () => {
    const { WETH, USDC } = world.tokens;
    const w = chain.accounts[4];
    const user = getAddress(w.account.address);
    const as = (address: Address, abi: any, functionName: string, args: readonly unknown[]) =>
      w
        .writeContract({ address, abi, functionName, args, gas: 3_000_000n } as never)
        .then((hash) => chain.public.waitForTransactionReceipt({ hash, pollingInterval: 10 }));
    await send(chain, { address: WETH.address, abi: tokenAbi, functionName: "mint", args: [user, 10n ** 18n] });
    await as(WETH.address, tokenAbi, "approve", [world.aave.pool, maxUint256]);
    await as(world.aave.pool, poolAbi, "supply", [WETH.address, 10n ** 18n, user, 0]);
    await as(world.aave.pool, poolAbi, "borrow", [USDC.address, 1_000n * 10n ** 6n, 2, 0, user]);
    const index = new AaveBorrowerIndex(world.aave.pool, 0n);
    await index.update(chain.public, await chain.public.getBlockNumber({ cacheTime: 0 }));
    expect(index.borrowers.has(user)).toBe(true);
    await as(world.aave.pool, poolAbi, "setUserEMode", [EMODE.id]);
    const { touched } = await index.update(chain.public, await chain.public.getBlockNumber({ cacheTime: 0 }));
    expect(touched).toEqual([user]);
  });
});
