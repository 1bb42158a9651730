import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  getAddress,
  maxUint256,
  parseAbi,
  parseEventLogs,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import {
  createAaveBorrower,
  createMorphoBorrower,
  deployWorld,
  getPrices,
  setPrice,
  skewV3Pool,
  type TokenInfo,
  type TokenSymbol,
  type V2PairInfo,
  type World,
} from "../../src/world/index.js";
import { loadUniswapV2Artifact } from "../../src/chain/artifacts.js";
import { referencePrice } from "../../src/world/prices.js";
import { deploy, send } from "../../src/world/tx.js";
import { poolActorArtifact } from "../../src/world/uniswapV2.js";

/**
 * KeeperExecutor against the real protocols of the world (Uniswap V2/V3 from their npm builds, Aave V3 1.19.3,
 * Morpho Blue 1.0.0): every action's happy path, its guards, and the gas each path costs.
 */

const artifact = JSON.parse(
  readFileSync(new URL("../../artifacts/contracts/KeeperExecutor.sol/KeeperExecutor.json", import.meta.url), "utf8"),
) as { abi: Abi; bytecode: Hex };
const abi = artifact.abi;

const erc20Abi = parseAbi(["function balanceOf(address) view returns (uint256)", "function mint(address,uint256)"]);
const aavePoolAbi = parseAbi([
  "function getUserAccountData(address) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)",
  "struct ReserveData { uint256 configuration; uint128 liquidityIndex; uint128 currentLiquidityRate; uint128 variableBorrowIndex; uint128 currentVariableBorrowRate; uint128 currentStableBorrowRate; uint40 lastUpdateTimestamp; uint16 id; address aTokenAddress; address stableDebtTokenAddress; address variableDebtTokenAddress; address interestRateStrategyAddress; uint128 accruedToTreasury; uint128 unbacked; uint128 isolationModeTotalDebt; }",
  "function getReserveData(address) view returns (ReserveData)",
  "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
]);
const morphoAbi = parseAbi([
  "function position(bytes32 id, address user) view returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral)",
]);
const v2PairAbi = parseAbi([
  "function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)",
  "function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes data)",
]);
const v3PoolAbi = parseAbi([
  "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)",
]);

const Funding = { Inventory: 0, V3Flash: 1, V2Flash: 2 } as const;
const USD = 10n ** 8n;
const Q112 = 1n << 112n;

// ------------------------------------------------------------------------------------------------------------
// Uniswap V2 arithmetic (UniswapV2Library's formulas) used to aim the trades
// ------------------------------------------------------------------------------------------------------------

const v2Out = (amountIn: bigint, rIn: bigint, rOut: bigint) =>
  (amountIn * 997n * rOut) / (rIn * 1000n + amountIn * 997n);

function v2PriceAfter(r0: bigint, r1: bigint, zeroForOne: boolean, x: bigint): bigint {
  if (zeroForOne) return ((r1 - v2Out(x, r0, r1)) << 112n) / (r0 + x);
  return ((r1 + x) << 112n) / (r0 - v2Out(x, r1, r0));
}

/** Smallest input that takes the pair's price (reserve1/reserve0, X112) to `target` or past it. */
function v2InputToPrice(r0: bigint, r1: bigint, target: bigint): { zeroForOne: boolean; amountIn: bigint } {
  const zeroForOne = (r1 << 112n) / r0 > target;
  let lo = 0n;
  let hi = (zeroForOne ? r0 : r1) * 4n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    const p = v2PriceAfter(r0, r1, zeroForOne, mid);
    if (zeroForOne ? p <= target : p >= target) hi = mid;
    else lo = mid;
  }
  return { zeroForOne, amountIn: hi };
}

const relBps = (got: bigint, target: bigint) =>
  Number(((got > target ? got - target : target - got) * 1_000_000n) / target) / 100;

// ------------------------------------------------------------------------------------------------------------
// Gas record, printed once at the end
// ------------------------------------------------------------------------------------------------------------

const gasTable: { path: string; gasUsed: number }[] = [];

afterAll(() => {
  if (gasTable.length === 0) return;
  console.log("\nKeeperExecutor gas (whole transaction, in-process Hardhat/EDR, cancun, optimizer 200 runs):");
  console.table(gasTable);
});

describe("KeeperExecutor on the real protocols", () => {
  let chain: InProcessChain;
  let world: World;
  let ownerW: InProcessChain["wallet"];
  let keeperW: InProcessChain["wallet"];
  let strangerW: InProcessChain["wallet"];
  let executor: Address;

  beforeEach(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    [, ownerW, keeperW, strangerW] = chain.accounts;
    const hash = await chain.wallet.deployContract({
      abi,
      bytecode: artifact.bytecode,
      args: [
        ownerW.account.address,
        world.aave.pool,
        world.morpho.morpho,
        world.uniswapV2.factory,
        world.uniswapV3.factory,
      ],
    } as never);
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    executor = getAddress(receipt.contractAddress!);
    await call(ownerW, "setKeeper", [keeperW.account.address]);
  });

  afterEach(async () => {
    await chain.close();
  });

  // --------------------------------------------------------------------------------------------------------
  // helpers
  // --------------------------------------------------------------------------------------------------------

  async function call(
    wallet: InProcessChain["wallet"],
    functionName: string,
    args: unknown[],
    gasLabel?: string,
  ): Promise<TransactionReceipt> {
    const hash = await wallet.writeContract({ address: executor, abi, functionName, args } as never);
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    if (gasLabel) gasTable.push({ path: gasLabel, gasUsed: Number(receipt.gasUsed) });
    return receipt;
  }

  /** Simulates the call and returns the decoded custom error (name and args) it reverts with. */
  async function revertOf(wallet: InProcessChain["wallet"], functionName: string, args: unknown[]) {
    try {
      await chain.public.simulateContract({
        address: executor,
        abi,
        functionName,
        args,
        account: wallet.account,
      } as never);
    } catch (e) {
      const reverted = (e as { walk: (f: (x: unknown) => boolean) => unknown }).walk(
        (x) => (x as Error)?.name === "ContractFunctionRevertedError",
      ) as { data?: { errorName: string; args?: readonly unknown[] } } | null;
      if (!reverted?.data) throw new Error(`no decoded custom error in: ${String(e)}`);
      return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
    throw new Error(`${functionName} did not revert`);
  }

  function eventOf(receipt: TransactionReceipt, eventName: string): Record<string, any> {
    const [log] = parseEventLogs({ abi, logs: receipt.logs, eventName } as never) as unknown as {
      args: Record<string, any>;
    }[];
    expect(log, `event ${eventName}`).toBeDefined();
    return log.args;
  }

  const balanceOf = (token: Address, who: Address, blockNumber?: bigint) =>
    chain.public.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who], blockNumber });
  const mint = (token: Address, to: Address, amount: bigint) =>
    send(chain, { address: token, abi: erc20Abi as Abi, functionName: "mint", args: [to, amount] });
  const reserves = async (pair: Address) => {
    const [r0, r1] = await chain.public.readContract({ address: pair, abi: v2PairAbi, functionName: "getReserves" });
    return [r0, r1] as const;
  };
  const sqrtPriceOf = async (pool: Address) =>
    (await chain.public.readContract({ address: pool, abi: v3PoolAbi, functionName: "slot0" }))[0];
  const tokenAt = (address: Address): TokenInfo => Object.values(world.tokens).find((t) => t.address === address)!;

  /** Price of the pair's token0 in token1 (raw units, X112) implied by the feeds. */
  async function feedPriceX112(pair: V2PairInfo): Promise<bigint> {
    const prices = await getPrices(chain, world);
    const t0 = tokenAt(pair.token0);
    const t1 = tokenAt(pair.token1);
    const r = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
    return (r.num << 112n) / r.den;
  }

  /** Moves a V2 pair's price to `targetX112` with a real swap by the world's PoolActor ("the market"). */
  async function moveV2To(pair: Address, targetX112: bigint) {
    const [r0, r1] = await reserves(pair);
    const { zeroForOne, amountIn } = v2InputToPrice(r0, r1, targetX112);
    await send(chain, {
      address: world.helpers.poolActor,
      abi: poolActorArtifact().abi,
      functionName: "swapV2",
      args: [pair, zeroForOne, amountIn, world.helpers.poolActor],
    });
  }

  /** Moves a pair's price by `bps` from where it is (positive: token0 dearer). */
  async function skewV2(pair: Address, bps: bigint) {
    const [r0, r1] = await reserves(pair);
    await moveV2To(pair, (((r1 << 112n) / r0) * (10_000n + bps)) / 10_000n);
  }

  async function aaveDebt(user: Address, asset: Address, blockNumber?: bigint) {
    const reserve = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getReserveData",
      args: [asset],
    });
    return balanceOf(reserve.variableDebtTokenAddress, user, blockNumber);
  }
  const healthFactor = async (user: Address) =>
    (
      await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
      })
    )[5];

  /** A second, independent Uniswap V2 deployment with a WETH/USDC pair at the feed price, `depth` times deeper
   *  than the world's: a flash source. */
  async function secondWethUsdcPair(depth: bigint): Promise<Address> {
    const factoryArt = loadUniswapV2Artifact("UniswapV2Factory");
    const factory = await deploy(chain, factoryArt, [chain.wallet.account.address]);
    const { WETH, USDC } = world.tokens;
    await send(chain, {
      address: factory,
      abi: factoryArt.abi,
      functionName: "createPair",
      args: [WETH.address, USDC.address],
    });
    const pair = getAddress(
      (await chain.public.readContract({
        address: factory,
        abi: factoryArt.abi,
        functionName: "getPair",
        args: [WETH.address, USDC.address],
      })) as Address,
    );
    const [r0, r1] = await reserves(world.uniswapV2.pairs.WETH_USDC.address);
    await send(chain, {
      address: world.helpers.poolActor,
      abi: poolActorArtifact().abi,
      functionName: "mintV2",
      args: [pair, r0 * depth, r1 * depth, chain.wallet.account.address],
    });
    // Not the executor's factory's pair: the owner must admit it.
    await call(ownerW, "setTrustedPool", [pair, true]);
    return pair;
  }

  async function expectNoHoldings(tokens: Address[]) {
    for (const t of tokens) expect(await balanceOf(t, executor)).toBe(0n);
  }

  /** An Aave WETH-collateral / USDC-debt borrower pushed under water, with the V2 pair following the feed. */
  async function underwaterAaveBorrower(wethPrice: bigint) {
    const user = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 20_000n * USD,
      healthFactorBps: 10_500n,
    });
    await setPrice(chain, world, "WETH", wethPrice);
    await moveV2To(world.uniswapV2.pairs.WETH_USDC.address, await feedPriceX112(world.uniswapV2.pairs.WETH_USDC));
    return user;
  }

  function aaveV2Params(user: Address, debtToCover: bigint, minProfit: bigint) {
    return {
      flashPair: world.uniswapV2.pairs.WETH_USDC.address,
      collateralAsset: world.tokens.WETH.address,
      debtAsset: world.tokens.USDC.address,
      user,
      debtToCover,
      swapPair: zeroAddress,
      minProfit,
    };
  }

  // --------------------------------------------------------------------------------------------------------
  // Aave V3
  // --------------------------------------------------------------------------------------------------------

  it("Aave via V2 flash swap: Aave caps at the 50% close factor, the unused debt goes back, profit in WETH reaches the owner", async () => {
    const { WETH, USDC } = world.tokens;
    const user = await underwaterAaveBorrower(2_790n * USD); // HF ~0.977: close factor 50%
    const hfBefore = await healthFactor(user);
    expect(hfBefore).toBeLessThan(10n ** 18n);
    const debtBefore = await aaveDebt(user, USDC.address);
    const ownerWethBefore = await balanceOf(WETH.address, ownerW.account.address);

    // Offer the whole debt: Aave takes only half; the executor must hand the rest back to the pair.
    const receipt = await call(
      keeperW,
      "liquidateAaveV2Flash",
      [aaveV2Params(user, debtBefore, 1n)],
      "liquidateAaveV2Flash (50% cap, unused returned)",
    );
    const ev = eventOf(receipt, "AaveLiquidatedWithV2Flash");
    const [aaveEv] = parseEventLogs({ abi: aavePoolAbi, logs: receipt.logs, eventName: "LiquidationCall" });

    expect(aaveEv.args.liquidator).toBe(executor);
    expect(ev.debtRepaid).toBe(aaveEv.args.debtToCover);
    expect(ev.collateralSeized).toBe(aaveEv.args.liquidatedCollateralAmount);
    expect(relBps(ev.debtRepaid * 2n, debtBefore)).toBeLessThan(10); // ~50% of the debt
    const debtAfter = await aaveDebt(user, USDC.address, receipt.blockNumber);
    expect(debtAfter).toBeLessThan(debtBefore - ev.debtRepaid + 1_000n); // + at most a block of interest
    expect(debtAfter).toBeGreaterThanOrEqual(debtBefore - ev.debtRepaid);
    expect(await healthFactor(user)).toBeGreaterThan(hfBefore);

    expect(ev.profit).toBeGreaterThan(0n);
    expect(ev.profit).toBe(ev.collateralSeized - ev.collateralToPair);
    expect((await balanceOf(WETH.address, ownerW.account.address)) - ownerWethBefore).toBe(ev.profit);
    await expectNoHoldings([WETH.address, USDC.address]);
  });

  it("Aave via V2 flash swap: exact debt below HF 0.95 (100% close factor), nothing handed back", async () => {
    const { WETH, USDC } = world.tokens;
    const user = await underwaterAaveBorrower(2_550n * USD); // HF ~0.89
    const debtBefore = await aaveDebt(user, USDC.address);
    const receipt = await call(
      keeperW,
      "liquidateAaveV2Flash",
      [aaveV2Params(user, debtBefore, 1n)],
      "liquidateAaveV2Flash (direct, all used)",
    );
    const ev = eventOf(receipt, "AaveLiquidatedWithV2Flash");
    expect(ev.debtRepaid).toBe(debtBefore);
    // Only the interest of the block between the read and the liquidation can remain.
    expect(await aaveDebt(user, USDC.address, receipt.blockNumber)).toBeLessThan(1_000n);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(WETH.address, ownerW.account.address)).toBe(ev.profit);
    await expectNoHoldings([WETH.address, USDC.address]);
  });

  it("Aave via V2 flash swap through a swap pair: WBTC collateral sold on WBTC/WETH to repay the WETH/USDC flash pair", async () => {
    const { WETH, USDC, WBTC } = world.tokens;
    const user = await createAaveBorrower(chain, world, {
      collateral: "WBTC",
      debt: "USDC",
      collateralUsd: 30_000n * USD,
      healthFactorBps: 10_800n,
    });
    await setPrice(chain, world, "WBTC", 54_000n * USD); // HF ~0.97
    await moveV2To(world.uniswapV2.pairs.WBTC_WETH.address, await feedPriceX112(world.uniswapV2.pairs.WBTC_WETH));
    const debtBefore = await aaveDebt(user, USDC.address);
    const params = {
      ...aaveV2Params(user, debtBefore / 2n, 1n),
      collateralAsset: WBTC.address,
      swapPair: world.uniswapV2.pairs.WBTC_WETH.address,
    };
    const receipt = await call(keeperW, "liquidateAaveV2Flash", [params], "liquidateAaveV2Flash (via swapPair)");
    const ev = eventOf(receipt, "AaveLiquidatedWithV2Flash");
    expect(ev.debtRepaid).toBe(debtBefore / 2n);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(WBTC.address, ownerW.account.address)).toBe(ev.profit);
    await expectNoHoldings([WETH.address, USDC.address, WBTC.address]);
  });

  it("Aave via Morpho flash loan: seized WETH sold on V2 repays Morpho, profit in USDC", async () => {
    const { WETH, USDC } = world.tokens;
    const user = await underwaterAaveBorrower(2_790n * USD);
    const debtBefore = await aaveDebt(user, USDC.address);
    const morphoUsdcBefore = await balanceOf(USDC.address, world.morpho.morpho);
    const params = {
      collateralAsset: WETH.address,
      debtAsset: USDC.address,
      user,
      debtToCover: debtBefore,
      swapPair: world.uniswapV2.pairs.WETH_USDC.address,
      minProfit: 1n,
    };
    const receipt = await call(keeperW, "liquidateAaveMorphoFlash", [params], "liquidateAaveMorphoFlash");
    const ev = eventOf(receipt, "AaveLiquidatedWithMorphoFlash");
    expect(ev.debtRepaid).toBeLessThan(debtBefore); // close factor
    expect(await aaveDebt(user, USDC.address, receipt.blockNumber)).toBeLessThan(debtBefore - ev.debtRepaid + 1_000n);
    expect(ev.profit).toBe(ev.debtFromSwap - ev.debtRepaid);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(USDC.address, ownerW.account.address)).toBe(ev.profit);
    expect(await balanceOf(USDC.address, world.morpho.morpho)).toBe(morphoUsdcBefore); // flash loan repaid in full
    await expectNoHoldings([WETH.address, USDC.address]);
  });

  // --------------------------------------------------------------------------------------------------------
  // Morpho Blue
  // --------------------------------------------------------------------------------------------------------

  async function underwaterMorphoBorrower(wethPrice: bigint) {
    const user = await createMorphoBorrower(chain, world, { collateralUsd: 20_000n * USD, healthFactorBps: 10_200n });
    await setPrice(chain, world, "WETH", wethPrice);
    return user;
  }
  const morphoPosition = (user: Address, blockNumber?: bigint) =>
    chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "position",
      args: [world.morpho.marketId, user],
      blockNumber,
    });
  const morphoParams = (user: Address, seizedAssets: bigint, minProfit: bigint) => ({
    marketParams: world.morpho.marketParams,
    borrower: user,
    seizedAssets,
    swapPair: world.uniswapV2.pairs.WETH_USDC.address,
    minProfit,
  });

  it("Morpho liquidation via callback: collateral sold inside onMorphoLiquidate, repayment pulled, profit in USDC", async () => {
    const { WETH, USDC } = world.tokens;
    const user = await underwaterMorphoBorrower(2_850n * USD); // HF ~0.97
    await moveV2To(world.uniswapV2.pairs.WETH_USDC.address, await feedPriceX112(world.uniswapV2.pairs.WETH_USDC));
    const [, sharesBefore, collateralBefore] = await morphoPosition(user);
    const seized = collateralBefore / 2n;

    const receipt = await call(keeperW, "liquidateMorpho", [morphoParams(user, seized, 1n)], "liquidateMorpho");
    const ev = eventOf(receipt, "MorphoLiquidated");
    const [, sharesAfter, collateralAfter] = await morphoPosition(user, receipt.blockNumber);

    expect(ev.marketId).toBe(world.morpho.marketId);
    expect(ev.seizedAssets).toBe(seized);
    expect(collateralAfter).toBe(collateralBefore - seized);
    expect(sharesAfter).toBeLessThan(sharesBefore);
    expect(ev.profit).toBe(ev.loanFromSwap - ev.repaidAssets);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(USDC.address, ownerW.account.address)).toBe(ev.profit);
    await expectNoHoldings([WETH.address, USDC.address]);
  });

  it("Morpho liquidation that would eat into inventory (pool 12% under the oracle) reverts BalanceDecreased", async () => {
    const { USDC } = world.tokens;
    const user = await underwaterMorphoBorrower(2_850n * USD);
    await moveV2To(world.uniswapV2.pairs.WETH_USDC.address, await feedPriceX112(world.uniswapV2.pairs.WETH_USDC));
    await skewV2(
      world.uniswapV2.pairs.WETH_USDC.address,
      world.uniswapV2.pairs.WETH_USDC.token0 === world.tokens.WETH.address ? -1_200n : 1_360n,
    );
    await mint(USDC.address, executor, 100_000n * 10n ** 6n); // inventory Morpho could pull the shortfall from
    const [, , collateral] = await morphoPosition(user);
    const err = await revertOf(keeperW, "liquidateMorpho", [morphoParams(user, collateral / 2n, 0n)]);
    expect(err.name).toBe("BalanceDecreased");
    expect(err.args[0]).toBe(USDC.address);
    expect(err.args[1]).toBe(100_000n * 10n ** 6n);
    expect(err.args[2] as bigint).toBeLessThan(100_000n * 10n ** 6n);
  });

  // --------------------------------------------------------------------------------------------------------
  // Uniswap V2 rebalance
  // --------------------------------------------------------------------------------------------------------

  /** Skews WETH/USDC V2 by +3% (token0 dearer) and returns what it takes to bring it back to the feed price. */
  async function skewedV2() {
    const pair = world.uniswapV2.pairs.WETH_USDC;
    const target = await feedPriceX112(pair);
    await skewV2(pair.address, 300n);
    const [r0, r1] = await reserves(pair.address);
    const { zeroForOne, amountIn } = v2InputToPrice(r0, r1, target);
    const tokenIn = zeroForOne ? pair.token0 : pair.token1;
    const tokenOut = zeroForOne ? pair.token1 : pair.token0;
    return { pair, target, zeroForOne, amountIn, tokenIn, tokenOut };
  }

  const v2Params = (
    s: Awaited<ReturnType<typeof skewedV2>>,
    funding: number,
    fundingPool: Address,
    minProfit: bigint,
    amountIn = s.amountIn,
  ) => ({
    pair: s.pair.address,
    zeroForOne: s.zeroForOne,
    amountIn,
    targetPriceX112: s.target,
    toleranceBps: 5,
    funding,
    fundingPool,
    minProfit,
  });

  async function expectV2Landed(s: Awaited<ReturnType<typeof skewedV2>>, ev: Record<string, any>) {
    const [r0, r1] = await reserves(s.pair.address);
    const price = (r1 << 112n) / r0;
    expect(ev.priceX112).toBe(price);
    expect(relBps(price, s.target)).toBeLessThanOrEqual(0.05); // the input was solved for the target
  }

  it("V2 rebalance funded by a V3 exact-output flash: lands on the target, profit in the output token", async () => {
    const s = await skewedV2();
    const receipt = await call(
      keeperW,
      "rebalanceV2",
      [v2Params(s, Funding.V3Flash, world.uniswapV3.pools.WETH_USDC_3000.address, 1n)],
      "rebalanceV2 (V3Flash)",
    );
    const ev = eventOf(receipt, "V2Rebalanced");
    await expectV2Landed(s, ev);
    expect(ev.amountIn).toBe(s.amountIn);
    expect(ev.profit).toBe(ev.amountOut - ev.fundingCost);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(s.tokenOut, ownerW.account.address)).toBe(ev.profit);
    await expectNoHoldings([s.tokenIn, s.tokenOut]);
  });

  it("V2 rebalance funded by a flash swap from another V2 pair: lands on the target, profit in the output token", async () => {
    const funding = await secondWethUsdcPair(5n);
    const s = await skewedV2();
    const receipt = await call(
      keeperW,
      "rebalanceV2",
      [v2Params(s, Funding.V2Flash, funding, 1n)],
      "rebalanceV2 (V2Flash)",
    );
    const ev = eventOf(receipt, "V2Rebalanced");
    await expectV2Landed(s, ev);
    expect(ev.profit).toBe(ev.amountOut - ev.fundingCost);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(s.tokenOut, ownerW.account.address)).toBe(ev.profit);
    await expectNoHoldings([s.tokenIn, s.tokenOut]);
  });

  it("V2 rebalance from inventory: spends amountIn, keeps the input's value at the target price, surplus to the owner", async () => {
    const s = await skewedV2();
    await mint(s.tokenIn, executor, s.amountIn);
    await call(ownerW, "setInventoryCap", [s.tokenIn, s.amountIn, s.amountIn]);
    const receipt = await call(
      keeperW,
      "rebalanceV2",
      [v2Params(s, Funding.Inventory, zeroAddress, 1n)],
      "rebalanceV2 (Inventory)",
    );
    const ev = eventOf(receipt, "V2Rebalanced");
    await expectV2Landed(s, ev);
    const inputValue = s.zeroForOne
      ? (s.amountIn * s.target + Q112 - 1n) / Q112
      : (s.amountIn * Q112 + s.target - 1n) / s.target;
    expect(ev.profit).toBe(ev.amountOut - inputValue);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(s.tokenIn, executor)).toBe(0n);
    expect(await balanceOf(s.tokenOut, executor)).toBe(inputValue);
    expect(await balanceOf(s.tokenOut, ownerW.account.address)).toBe(ev.profit);
  });

  it("V2 rebalance with too small an input reverts PriceOutOfTolerance", async () => {
    const s = await skewedV2();
    const err = await revertOf(keeperW, "rebalanceV2", [
      v2Params(s, Funding.V3Flash, world.uniswapV3.pools.WETH_USDC_3000.address, 0n, s.amountIn / 2n),
    ]);
    expect(err.name).toBe("PriceOutOfTolerance");
    expect(err.args[1]).toBe(s.target);
  });

  // --------------------------------------------------------------------------------------------------------
  // Uniswap V3 rebalance
  // --------------------------------------------------------------------------------------------------------

  /** Skews the V3 pool `bps` up and quotes the input that brings it back (a PoolActor swap simulated to the limit). */
  async function skewedV3(bps = 200) {
    const pool = world.uniswapV3.pools.WETH_USDC_3000;
    const target = await sqrtPriceOf(pool.address);
    await skewV3Pool(chain, world, bps);
    const zeroForOne = true; // token0 got dearer: sell token0
    const { result } = await chain.public.simulateContract({
      address: world.helpers.poolActor,
      abi: poolActorArtifact().abi,
      functionName: "swapV3",
      args: [pool.address, zeroForOne, 10n ** 40n, target, world.helpers.poolActor],
      account: chain.wallet.account,
    } as never);
    const needed = (result as readonly [bigint, bigint])[0];
    return { pool, target, zeroForOne, needed, tokenIn: pool.token0, tokenOut: pool.token1 };
  }

  const v3Params = (
    s: Awaited<ReturnType<typeof skewedV3>>,
    amountIn: bigint,
    funding: number,
    fundingPool: Address,
    minProfit: bigint,
  ) => ({
    pool: s.pool.address,
    zeroForOne: s.zeroForOne,
    amountIn,
    sqrtPriceLimitX96: s.target,
    toleranceBps: 1,
    funding,
    fundingPool,
    minProfit,
  });

  it("V3 rebalance from inventory: stops exactly on the target sqrtPrice, uses only what is needed", async () => {
    const s = await skewedV3();
    await mint(s.tokenIn, executor, s.needed * 2n);
    await call(ownerW, "setInventoryCap", [s.tokenIn, s.needed * 2n, s.needed * 2n]);
    const receipt = await call(
      keeperW,
      "rebalanceV3",
      [v3Params(s, s.needed * 2n, Funding.Inventory, zeroAddress, 1n)],
      "rebalanceV3 (Inventory)",
    );
    const ev = eventOf(receipt, "V3Rebalanced");
    expect(await sqrtPriceOf(s.pool.address)).toBe(s.target);
    expect(ev.sqrtPriceX96).toBe(s.target);
    expect(ev.amountIn).toBe(s.needed);
    expect(await balanceOf(s.tokenIn, executor)).toBe(s.needed);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(s.tokenOut, ownerW.account.address)).toBe(ev.profit);
    expect(await balanceOf(s.tokenOut, executor)).toBe(ev.amountOut - ev.profit);
  });

  it("V3 rebalance funded by a V2 flash swap: lands on the target, the unused 1% goes back to the pair", async () => {
    // The V3 pool's concentrated liquidity needs ~$3M to move 4%: only a deep V2 pair can fund that at a profit.
    const funding = await secondWethUsdcPair(100n);
    const s = await skewedV3(400);
    const borrowed = (s.needed * 101n) / 100n;
    const receipt = await call(
      keeperW,
      "rebalanceV3",
      [v3Params(s, borrowed, Funding.V2Flash, funding, 1n)],
      "rebalanceV3 (V2Flash)",
    );
    const ev = eventOf(receipt, "V3Rebalanced");
    expect(await sqrtPriceOf(s.pool.address)).toBe(s.target);
    expect(ev.amountIn).toBe(s.needed);
    expect(ev.profit).toBe(ev.amountOut - ev.fundingCost);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await balanceOf(s.tokenOut, ownerW.account.address)).toBe(ev.profit);
    await expectNoHoldings([s.tokenIn, s.tokenOut]);
  });

  // --------------------------------------------------------------------------------------------------------
  // Guards
  // --------------------------------------------------------------------------------------------------------

  it("an unprofitable liquidation (minProfit above what it makes) reverts InsufficientProfit with the figures", async () => {
    const { USDC } = world.tokens;
    const user = await underwaterAaveBorrower(2_790n * USD);
    const debt = await aaveDebt(user, USDC.address);
    const min = 10n ** 30n;
    const err = await revertOf(keeperW, "liquidateAaveV2Flash", [aaveV2Params(user, debt, min)]);
    expect(err.name).toBe("InsufficientProfit");
    expect(err.args[0] as bigint).toBeGreaterThan(0n);
    expect(err.args[1]).toBe(min);
    expect(await aaveDebt(user, USDC.address)).toBeGreaterThanOrEqual(debt); // nothing happened
  });

  it("callbacks called directly by an EOA revert UnexpectedCallback", async () => {
    const who = getAddress(strangerW.account.address);
    const data = "0x0000000000000000000000000000000000000000000000000000000000000000";
    for (const [fn, args] of [
      ["uniswapV2Call", [executor, 1n, 0n, data]],
      ["uniswapV3SwapCallback", [1n, -1n, data]],
      ["onMorphoLiquidate", [1n, data]],
      ["onMorphoFlashLoan", [1n, data]],
    ] as const) {
      const err = await revertOf(strangerW, fn, [...args]);
      expect(err, fn).toEqual({ name: "UnexpectedCallback", args: [who] });
    }
    // The keeper itself gets no further: callbacks are not entry points.
    expect(await revertOf(keeperW, "uniswapV2Call", [executor, 1n, 0n, data])).toEqual({
      name: "UnexpectedCallback",
      args: [getAddress(keeperW.account.address)],
    });
  });

  it("a real V2 pair flash-swapping into the executor on a stranger's behalf is refused (UnexpectedCallback from the pair)", async () => {
    const pair = world.uniswapV2.pairs.WETH_USDC.address;
    try {
      await chain.public.simulateContract({
        address: pair,
        abi: [...v2PairAbi, ...abi],
        functionName: "swap",
        args: [1000n, 0n, executor, "0x01"],
        account: strangerW.account,
      } as never);
      throw new Error("did not revert");
    } catch (e) {
      const reverted = (e as { walk: (f: (x: unknown) => boolean) => any }).walk(
        (x) => (x as Error)?.name === "ContractFunctionRevertedError",
      );
      expect(reverted?.data?.errorName).toBe("UnexpectedCallback");
      expect(reverted?.data?.args).toEqual([pair]);
    }
  });

  it("only the owner or the keeper can act; only the owner can sweep and set the keeper", async () => {
    const who = getAddress(strangerW.account.address);
    const user = await underwaterMorphoBorrower(2_850n * USD);
    expect(await revertOf(strangerW, "liquidateMorpho", [morphoParams(user, 1n, 0n)])).toEqual({
      name: "NotAuthorized",
      args: [who],
    });
    expect(await revertOf(strangerW, "liquidateAaveV2Flash", [aaveV2Params(user, 1n, 0n)])).toEqual({
      name: "NotAuthorized",
      args: [who],
    });
    expect(await revertOf(strangerW, "setKeeper", [who])).toEqual({ name: "NotAuthorized", args: [who] });
    expect(await revertOf(keeperW, "sweep", [world.tokens.USDC.address, 1n])).toEqual({
      name: "NotAuthorized",
      args: [getAddress(keeperW.account.address)],
    });
    expect(await revertOf(keeperW, "setKeeper", [keeperW.account.address])).toEqual({
      name: "NotAuthorized",
      args: [getAddress(keeperW.account.address)],
    });

    // The owner can act too, and sweeps inventory to itself.
    await mint(world.tokens.USDC.address, executor, 123n);
    await call(ownerW, "sweep", [world.tokens.USDC.address, 123n]);
    expect(await balanceOf(world.tokens.USDC.address, ownerW.account.address)).toBe(123n);
    // Removing the keeper locks it out.
    await call(ownerW, "setKeeper", [zeroAddress]);
    expect(await revertOf(keeperW, "liquidateMorpho", [morphoParams(user, 1n, 0n)])).toEqual({
      name: "NotAuthorized",
      args: [getAddress(keeperW.account.address)],
    });
  });
});
