import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { getAddress, parseAbi, parseEventLogs, type Abi, type Address, type Hex, type TransactionReceipt } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { readV3Pools, type V3PoolConfig } from "../../src/protocols/uniswapV3/read.js";
import { morphoLiquidationFromSeized, morphoLiquidationFromShares } from "../../src/risk/morpho/liquidation.js";
import { simulateV3Swap } from "../../src/risk/uniswapV3/simulate.js";
import { percentDiv, percentMul, percentMulCeil } from "../../src/risk/math/percentage.js";
import {
  AAVE_RESERVE_CONFIG,
  createAaveBorrower,
  createMorphoBorrower,
  deployWorld,
  setPrice,
  type TokenSymbol,
  type World,
} from "../../src/world/index.js";
import { send } from "../../src/world/tx.js";
import { aaveArtifacts } from "../../src/world/aave.js";
import { poolActorArtifact } from "../../src/world/uniswapV2.js";
import { v3FactoryArtifact } from "../../src/world/uniswapV3.js";
import {
  aaveOracleAbi,
  aavePoolAbi,
  erc20Abi,
  morphoAbi,
  morphoOracleAbi,
  v2PairAbi,
  v3PoolAbi,
} from "../helpers/abis.js";
import { leg, PoolKind, PoolModelSet, type SaleRoute } from "../helpers/routes.js";

/**
 * KeeperExecutor's routed liquidations against the real protocols (Uniswap V2/V3 from their npm builds, Aave V3
 * 1.19.3, Morpho Blue 1.0.0): collateral sold across V2 pairs and V3 pools of two fee tiers, split and through
 * WETH, Aave liquidations funded by Aave's, a V3 pool's and Morpho's flash loans, Morpho batches. Every outcome is
 * checked against the protocols' own formulas (src/risk), and the gas of each path is printed next to today's.
 */

const artifact = JSON.parse(
  readFileSync(new URL("../../artifacts/contracts/KeeperExecutor.sol/KeeperExecutor.json", import.meta.url), "utf8"),
) as { abi: Abi; bytecode: Hex };
const abi = artifact.abi;

const FlashSource = { AaveFlashLoan: 0, UniswapV3Flash: 1, MorphoFlashLoan: 2 } as const;
const { UniswapV2: V2, UniswapV3: V3 } = PoolKind;
const USD = 10n ** 8n;
/** Aave flash-loan premium set for these tests, bps (Aave V3 Ethereum's figure; the world deploys 0). */
const AAVE_PREMIUM_BPS = 5n;
const aaveFlashAbi = parseAbi([
  "function flashLoanSimple(address receiverAddress, address asset, uint256 amount, bytes params, uint16 referralCode)",
]);
const v3FeeAbi = parseAbi(["function fee() view returns (uint24)"]);
const allowanceAbi = parseAbi(["function allowance(address owner, address spender) view returns (uint256)"]);

const gasTable: { path: string; gasUsed: number }[] = [];
afterAll(() => {
  if (gasTable.length === 0) return;
  console.log("\nKeeperExecutor routed paths vs today's, gas (whole transaction, in-process Hardhat/EDR, cancun):");
  console.table(gasTable);
});

describe("KeeperExecutor routed liquidations on the real protocols", () => {
  let chain: InProcessChain;
  let world: World;
  let ownerW: InProcessChain["wallet"];
  let keeperW: InProcessChain["wallet"];
  let strangerW: InProcessChain["wallet"];
  let executor: Address;
  /** A WETH/USDC 0.05% V3 pool created by the test: the second V3 venue. */
  let pool500: V3PoolConfig;
  let pool3000: V3PoolConfig;

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
    executor = getAddress((await chain.public.waitForTransactionReceipt({ hash })).contractAddress!);
    await call(ownerW, "setKeeper", [keeperW.account.address]);
    pool3000 = { name: "WETH_USDC_3000", ...world.uniswapV3.pools.WETH_USDC_3000 };
    pool500 = await createV3Pool(500, 10);
    // One unit of each token already at the owner: every path's profit transfer then costs the same (no 0 -> non-0
    // storage write on the first one), so the gas figures compare paths, not test order.
    for (const t of Object.values(world.tokens))
      await send(chain, {
        address: t.address,
        abi: erc20Abi,
        functionName: "mint",
        args: [ownerW.account.address, 1n],
      });
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

  /** Simulates a call and returns the custom error (name and args) it reverts with. */
  async function revertOf(
    wallet: InProcessChain["wallet"],
    functionName: string,
    args: unknown[],
    address: Address = executor,
    extraAbi: Abi = [],
  ) {
    try {
      await chain.public.simulateContract({
        address,
        abi: [...extraAbi, ...abi],
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

  function eventsOf(receipt: TransactionReceipt, eventName: string): Record<string, any>[] {
    return (
      parseEventLogs({ abi, logs: receipt.logs, eventName } as never) as unknown as { args: Record<string, any> }[]
    ).map((l) => l.args);
  }

  const balanceOf = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
  /** What the owner received during the test (it starts with one unit of each token). */
  const ownerGain = async (token: Address) => (await balanceOf(token, ownerW.account.address)) - 1n;
  const tokens = () => world.tokens;
  const pairs = () => world.uniswapV2.pairs;

  /** Creates a WETH/USDC V3 pool of `fee` at the 0.3% pool's price, with 1/`divisor` of its active liquidity over
   *  about +-6%. */
  async function createV3Pool(fee: number, tickSpacing: number, divisor = 2n): Promise<V3PoolConfig> {
    const { WETH, USDC } = world.tokens;
    const factoryAbi = v3FactoryArtifact().abi;
    await send(chain, {
      address: world.uniswapV3.factory,
      abi: factoryAbi,
      functionName: "createPool",
      args: [WETH.address, USDC.address, fee],
    });
    const address = getAddress(
      (await chain.public.readContract({
        address: world.uniswapV3.factory,
        abi: factoryAbi,
        functionName: "getPool",
        args: [WETH.address, USDC.address, fee],
      })) as Address,
    );
    const [sqrtP, tick] = await chain.public.readContract({
      address: pool3000.address,
      abi: v3PoolAbi,
      functionName: "slot0",
    });
    const liquidity = await chain.public.readContract({
      address: pool3000.address,
      abi: v3PoolAbi,
      functionName: "liquidity",
    });
    await send(chain, {
      address,
      abi: parseAbi(["function initialize(uint160)"]),
      functionName: "initialize",
      args: [sqrtP],
    });
    const center = Math.round(tick / tickSpacing) * tickSpacing;
    await send(chain, {
      address: world.helpers.poolActor,
      abi: poolActorArtifact().abi,
      functionName: "mintV3",
      args: [address, center - 600, center + 600, liquidity / divisor, chain.wallet.account.address],
    });
    return { name: `WETH_USDC_${fee}`, address, token0: pool3000.token0, token1: pool3000.token1, fee, tickSpacing };
  }

  /** Model of every venue the routes use, read from the chain now. */
  const loadModel = () => PoolModelSet.load(chain, Object.values(pairs()), [pool3000, pool500]);

  /** The chain's pools must be exactly where the model's predictions put them. */
  async function expectPoolsMatch(model: PoolModelSet) {
    for (const p of Object.values(pairs())) {
      const m = model.get(p.address);
      const [r0, r1] = await chain.public.readContract({
        address: p.address,
        abi: v2PairAbi,
        functionName: "getReserves",
      });
      if (m.kind === "v2") expect([r0, r1], `reserves of ${p.address}`).toEqual([m.reserve0, m.reserve1]);
    }
    for (const p of [pool3000, pool500]) {
      const m = model.get(p.address);
      const [sqrtP, tick] = await chain.public.readContract({
        address: p.address,
        abi: v3PoolAbi,
        functionName: "slot0",
      });
      const liquidity = await chain.public.readContract({
        address: p.address,
        abi: v3PoolAbi,
        functionName: "liquidity",
      });
      if (m.kind === "v3")
        expect([sqrtP, tick, liquidity], `slot0 of ${p.name}`).toEqual([
          m.state.sqrtPriceX96,
          m.state.tick,
          m.state.liquidity,
        ]);
    }
  }

  async function expectNoHoldings() {
    for (const t of Object.values(tokens())) expect(await balanceOf(t.address, executor), t.symbol).toBe(0n);
  }

  /** No standing allowance from the executor to any protocol it paid through transferFrom. */
  async function expectNoAllowances() {
    for (const spender of [world.aave.pool, world.morpho.morpho]) {
      for (const t of Object.values(tokens())) {
        const allowance = await chain.public.readContract({
          address: t.address,
          abi: allowanceAbi,
          functionName: "allowance",
          args: [executor, spender],
        });
        expect(allowance, `${t.symbol} allowance to ${spender}`).toBe(0n);
      }
    }
  }

  // ---- Morpho ----

  async function underwaterMorphoBorrowers(n: number): Promise<Address[]> {
    const users: Address[] = [];
    for (let i = 0; i < n; i++) {
      users.push(
        await createMorphoBorrower(chain, world, {
          collateralUsd: BigInt(20_000 + 5_000 * i) * USD,
          healthFactorBps: 10_200n,
        }),
      );
    }
    await setPrice(chain, world, "WETH", 2_850n * USD); // HF ~0.97; the pools lag at $3,000
    return users;
  }

  const morphoPosition = (user: Address) =>
    chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "position",
      args: [world.morpho.marketId, user],
    });

  /** Morpho's borrow totals and oracle price now, to replay its liquidate arithmetic. */
  async function morphoContext() {
    const [, , totalBorrowAssets, totalBorrowShares] = await chain.public.readContract({
      address: world.morpho.morpho,
      abi: morphoAbi,
      functionName: "market",
      args: [world.morpho.marketId],
    });
    const collateralPrice = await chain.public.readContract({
      address: world.morpho.oracle,
      abi: morphoOracleAbi,
      functionName: "price",
    });
    return { market: { totalBorrowAssets, totalBorrowShares }, collateralPrice, lltv: world.morpho.marketParams.lltv };
  }

  const morphoItem = (borrower: Address, seizedAssets: bigint, route: SaleRoute, minProfit: bigint) => ({
    marketParams: world.morpho.marketParams,
    borrower,
    seizedAssets,
    repaidShares: 0n,
    route,
    minProfit,
  });

  /** Half on the V2 pair, 30% on the 0.3% pool, 20% on the 0.05% pool. */
  function splitWethRoute(amount: bigint, minAmountOut = 0n): SaleRoute {
    const { USDC } = tokens();
    const a = (amount * 5n) / 10n;
    const b = (amount * 3n) / 10n;
    return {
      legs: [
        leg(a, [V2, pairs().WETH_USDC.address, USDC.address]),
        leg(b, [V3, pool3000.address, USDC.address]),
        leg(amount - a - b, [V3, pool500.address, USDC.address]),
      ],
      minAmountOut,
    };
  }

  // ---- Aave ----

  async function enableAaveFlashLoans() {
    const cfg = aaveArtifacts.configurator().abi;
    await send(chain, {
      address: world.aave.configurator,
      abi: cfg,
      functionName: "updateFlashloanPremium",
      args: [AAVE_PREMIUM_BPS],
    });
    await send(chain, {
      address: world.aave.configurator,
      abi: cfg,
      functionName: "setReserveFlashLoaning",
      args: [tokens().USDC.address, true],
    });
  }

  async function aaveDebt(user: Address, asset: Address) {
    const reserve = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getReserveData",
      args: [asset],
    });
    return balanceOf(reserve.variableDebtTokenAddress, user);
  }
  const aTokenOf = async (asset: Address) =>
    (
      await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getReserveData",
        args: [asset],
      })
    ).aTokenAddress;

  /** Collateral Aave's LiquidationLogic sends the liquidator for `debtRepaid` (no balance cap), from its oracle. */
  async function aaveSeized(collateral: TokenSymbol, debt: TokenSymbol, debtRepaid: bigint): Promise<bigint> {
    const price = (s: TokenSymbol) =>
      chain.public.readContract({
        address: world.aave.oracle,
        abi: aaveOracleAbi,
        functionName: "getAssetPrice",
        args: [tokens()[s].address],
      });
    const [cp, dp] = [await price(collateral), await price(debt)];
    const base =
      (dp * debtRepaid * 10n ** BigInt(tokens()[collateral].decimals)) / (cp * 10n ** BigInt(tokens()[debt].decimals));
    const { liquidationBonus, liquidationProtocolFee } = AAVE_RESERVE_CONFIG[collateral];
    const max = percentMul(base, BigInt(liquidationBonus));
    return max - percentMul(max - percentDiv(max, BigInt(liquidationBonus)), BigInt(liquidationProtocolFee));
  }

  /** An Aave borrower at HF ~0.97 (close factor 50%): `debt / 2` is what Aave will take. */
  async function underwaterAaveBorrower(collateral: "WETH" | "WBTC") {
    const user =
      collateral === "WETH"
        ? await createAaveBorrower(chain, world, {
            collateral: "WETH",
            debt: "USDC",
            collateralUsd: 20_000n * USD,
            healthFactorBps: 10_500n,
          })
        : await createAaveBorrower(chain, world, {
            collateral: "WBTC",
            debt: "USDC",
            collateralUsd: 30_000n * USD,
            healthFactorBps: 10_800n,
          });
    await setPrice(chain, world, collateral, collateral === "WETH" ? 2_790n * USD : 54_000n * USD);
    const debtToCover = (await aaveDebt(user, tokens().USDC.address)) / 2n;
    return { user, debtToCover, seized: await aaveSeized(collateral, "USDC", debtToCover) };
  }

  const aaveItem = (
    user: Address,
    collateral: Address,
    debtToCover: bigint,
    source: number,
    lender: Address,
    route: SaleRoute,
    minProfit: bigint,
  ) => ({
    collateralAsset: collateral,
    debtAsset: tokens().USDC.address,
    user,
    debtToCover,
    source,
    lender,
    route,
    minProfit,
  });

  /** WBTC sold half on WBTC/USDC, half through WETH: WBTC/WETH (V2) then the 0.3% V3 pool. */
  function wbtcRoute(amount: bigint, minAmountOut = 0n): SaleRoute {
    const { USDC, WETH } = tokens();
    const a = amount / 2n;
    return {
      legs: [
        leg(a, [V2, pairs().WBTC_USDC.address, USDC.address]),
        leg(amount - a, [V2, pairs().WBTC_WETH.address, WETH.address], [V3, pool3000.address, USDC.address]),
      ],
      minAmountOut,
    };
  }

  /** Runs one routed Aave liquidation and checks it against Aave's formulas, the lender's fee and the model. */
  async function runAaveRouted(
    source: number,
    lender: Address,
    collateral: "WETH" | "WBTC",
    route: (seized: bigint) => SaleRoute,
    label: string,
  ) {
    const { USDC } = tokens();
    const { user, debtToCover, seized } = await underwaterAaveBorrower(collateral);
    const model = await loadModel();
    const { amountOut } = model.sellRoute(route(seized), tokens()[collateral].address, seized);
    const fee =
      source === FlashSource.AaveFlashLoan
        ? percentMulCeil(debtToCover, AAVE_PREMIUM_BPS)
        : source === FlashSource.UniswapV3Flash
          ? (debtToCover *
              BigInt(await chain.public.readContract({ address: lender, abi: v3FeeAbi, functionName: "fee" })) +
              999_999n) /
            1_000_000n
          : 0n;
    const aUsdc = await aTokenOf(USDC.address);
    const [aUsdcBefore, lenderBefore, debtBefore] = [
      await balanceOf(USDC.address, aUsdc),
      await balanceOf(USDC.address, lender),
      await aaveDebt(user, USDC.address),
    ];

    const item = aaveItem(
      user,
      tokens()[collateral].address,
      debtToCover,
      source,
      lender,
      route(seized),
      amountOut - debtToCover - fee,
    );
    const receipt = await call(keeperW, "liquidateAaveRouted", [item], label);
    const [ev] = eventsOf(receipt, "AaveLiquidatedRouted");
    const [aaveEv] = parseEventLogs({ abi: aavePoolAbi, logs: receipt.logs, eventName: "LiquidationCall" });

    expect(ev.source).toBe(source);
    expect(ev.debtRepaid).toBe(debtToCover);
    expect(aaveEv.args.debtToCover).toBe(debtToCover);
    expect(ev.collateralSeized).toBe(seized);
    expect(aaveEv.args.liquidatedCollateralAmount).toBe(seized);
    expect(await aaveDebt(user, USDC.address)).toBeLessThan(debtBefore - debtToCover + 1_000n); // + a block of interest
    expect(ev.debtFromRoute).toBe(amountOut);
    expect(ev.flashFee).toBe(fee);
    expect(ev.profit).toBe(amountOut - debtToCover - fee);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(await ownerGain(USDC.address)).toBe(ev.profit);
    // Aave's USDC: the repayment, plus the premium when Aave lent. A V3 pool keeps its fee; Morpho is whole.
    const aaveGain = (await balanceOf(USDC.address, aUsdc)) - aUsdcBefore;
    expect(aaveGain).toBe(debtToCover + (source === FlashSource.AaveFlashLoan ? fee : 0n));
    // A V3 lender keeps exactly its fee (routes never trade on it: it is locked during the flash); Morpho is whole.
    if (source !== FlashSource.AaveFlashLoan) expect((await balanceOf(USDC.address, lender)) - lenderBefore).toBe(fee);
    await expectPoolsMatch(model);
    await expectNoHoldings();
    await expectNoAllowances();
    return ev;
  }

  // --------------------------------------------------------------------------------------------------------
  // Morpho Blue
  // --------------------------------------------------------------------------------------------------------

  it("liquidateMorphoRouted: seized WETH split over V2, V3 0.3% and V3 0.05%; repayment as Morpho computes it; pools land where the swap math says", async () => {
    const { WETH, USDC } = tokens();
    const [user] = await underwaterMorphoBorrowers(1);
    const [, , collateral] = await morphoPosition(user);
    const seized = collateral / 2n;
    const ctx = await morphoContext();
    const { repaidAssets } = morphoLiquidationFromSeized({ ...ctx, seizedAssets: seized });
    const model = await loadModel();
    const { amountOut, legOut } = model.sellRoute(splitWethRoute(seized), WETH.address, seized);
    expect(legOut.every((x) => x > 0n)).toBe(true);

    const receipt = await call(
      keeperW,
      "liquidateMorphoRouted",
      [morphoItem(user, seized, splitWethRoute(seized, amountOut), 1n)],
      "liquidateMorphoRouted (3 legs: V2 + V3 0.3% + V3 0.05%)",
    );
    const [ev] = eventsOf(receipt, "MorphoLiquidatedRouted");
    expect(ev.marketId).toBe(world.morpho.marketId);
    expect(ev.seizedAssets).toBe(seized);
    expect(ev.repaidAssets).toBe(repaidAssets);
    expect(ev.loanFromRoute).toBe(amountOut);
    expect(ev.profit).toBe(amountOut - repaidAssets);
    expect(ev.profit).toBeGreaterThan(0n);
    expect((await morphoPosition(user))[2]).toBe(collateral - seized);
    expect(await ownerGain(USDC.address)).toBe(ev.profit);
    await expectPoolsMatch(model);
    await expectNoHoldings();
    await expectNoAllowances();
  });

  it("liquidateMorphoBatch: three liquidations with their own routes in one transaction; each repayment and sale as predicted in sequence", async () => {
    const { WETH, USDC } = tokens();
    const users = await underwaterMorphoBorrowers(3);
    const ctx = await morphoContext();
    const model = await loadModel();
    const items = [];
    const expected: { seized: bigint; repaid: bigint; out: bigint }[] = [];
    for (const [i, user] of users.entries()) {
      const seized = (await morphoPosition(user))[2] / 2n;
      const route =
        i === 0
          ? { legs: [leg(seized, [V2, pairs().WETH_USDC.address, USDC.address])], minAmountOut: 0n }
          : i === 1
            ? {
                legs: [
                  leg(seized / 2n, [V3, pool3000.address, USDC.address]),
                  leg(seized - seized / 2n, [V3, pool500.address, USDC.address]),
                ],
                minAmountOut: 0n,
              }
            : splitWethRoute(seized);
      const liq = morphoLiquidationFromSeized({ ...ctx, seizedAssets: seized });
      // Each liquidation shrinks the market's borrow totals before the next one.
      ctx.market = {
        totalBorrowAssets: ctx.market.totalBorrowAssets - liq.repaidAssets,
        totalBorrowShares: ctx.market.totalBorrowShares - liq.repaidShares,
      };
      const { amountOut } = model.sellRoute(route, WETH.address, seized);
      expected.push({ seized, repaid: liq.repaidAssets, out: amountOut });
      items.push(morphoItem(user, seized, { ...route, minAmountOut: amountOut }, 1n));
    }

    const { result } = await chain.public.simulateContract({
      address: executor,
      abi,
      functionName: "liquidateMorphoBatch",
      args: [items],
      account: keeperW.account,
    } as never);
    const receipt = await call(keeperW, "liquidateMorphoBatch", [items], "liquidateMorphoBatch (3 items, 1/2/3 legs)");
    const evs = eventsOf(receipt, "MorphoLiquidatedRouted");
    expect(evs.map((e) => [e.borrower, e.seizedAssets, e.repaidAssets, e.loanFromRoute])).toEqual(
      expected.map((x, i) => [users[i], x.seized, x.repaid, x.out]),
    );
    const total = expected.reduce((s, x) => s + x.out - x.repaid, 0n);
    expect(result).toBe(total);
    expect(await ownerGain(USDC.address)).toBe(total);
    await expectPoolsMatch(model);
    await expectNoHoldings();
  });

  it("a route returning less than its minAmountOut reverts RouteOutputTooLow with the figures; a route ending in the wrong token reverts InvalidRoute", async () => {
    const { WETH, USDC } = tokens();
    const [user] = await underwaterMorphoBorrowers(1);
    const seized = (await morphoPosition(user))[2] / 2n;
    const { amountOut } = (await loadModel()).sellRoute(splitWethRoute(seized), WETH.address, seized);
    expect(
      await revertOf(keeperW, "liquidateMorphoRouted", [
        morphoItem(user, seized, splitWethRoute(seized, amountOut + 1n), 0n),
      ]),
    ).toEqual({
      name: "RouteOutputTooLow",
      args: [amountOut, amountOut + 1n],
    });
    const wrong = { legs: [leg(seized, [V2, pairs().WBTC_WETH.address, tokens().WBTC.address])], minAmountOut: 0n };
    expect(await revertOf(keeperW, "liquidateMorphoRouted", [morphoItem(user, seized, wrong, 0n)])).toEqual({
      name: "InvalidRoute",
      args: [0n, USDC.address],
    });
  });

  it("liquidateMorphoRouted by shares: all borrow shares repaid, the seized amount (unknown in advance) split in the planned proportions", async () => {
    const { WETH } = tokens();
    const [user] = await underwaterMorphoBorrowers(1);
    const [, borrowShares, collateral] = await morphoPosition(user);
    const liq = morphoLiquidationFromShares({ ...(await morphoContext()), repaidShares: borrowShares });
    expect(liq.seizedAssets).toBeLessThan(collateral);
    const model = await loadModel();
    // Planned on a round guess (the whole collateral): the executor scales the legs to what Morpho actually sends.
    const { amountOut, legOut } = model.sellRoute(splitWethRoute(collateral), WETH.address, liq.seizedAssets);
    expect(legOut.every((x) => x > 0n)).toBe(true);
    const item = { ...morphoItem(user, 0n, splitWethRoute(collateral, amountOut), 1n), repaidShares: borrowShares };
    const receipt = await call(
      keeperW,
      "liquidateMorphoRouted",
      [item],
      "liquidateMorphoRouted (by shares, full, 3 legs)",
    );
    const [ev] = eventsOf(receipt, "MorphoLiquidatedRouted");
    expect([ev.seizedAssets, ev.repaidAssets, ev.loanFromRoute]).toEqual([
      liq.seizedAssets,
      liq.repaidAssets,
      amountOut,
    ]);
    expect(ev.profit).toBe(amountOut - liq.repaidAssets);
    const [, sharesAfter, collateralAfter] = await morphoPosition(user);
    expect([sharesAfter, collateralAfter]).toEqual([0n, collateral - liq.seizedAssets]);
    await expectPoolsMatch(model);
    await expectNoHoldings();
  });

  it("a V3 hop that cannot take its whole input (liquidity runs out) reverts PartialFill with what the pool would take", async () => {
    const { WETH, USDC } = tokens();
    const thin = await createV3Pool(10_000, 200, 10n ** 6n);
    const [user] = await underwaterMorphoBorrowers(1);
    const seized = (await morphoPosition(user))[2] / 2n;
    const [snap] = await readV3Pools(chain.public, [thin], { wordsEachSide: 4 });
    const sim = simulateV3Swap({
      state: snap.state,
      zeroForOne: WETH.address === thin.token0,
      amountSpecified: seized,
    });
    expect(sim.amountIn).toBeLessThan(seized);
    const route = { legs: [leg(seized, [V3, thin.address, USDC.address])], minAmountOut: 0n };
    expect(await revertOf(keeperW, "liquidateMorphoRouted", [morphoItem(user, seized, route, 0n)])).toEqual({
      name: "PartialFill",
      args: [thin.address, sim.amountIn, seized],
    });
  });

  // --------------------------------------------------------------------------------------------------------
  // Aave V3, one test per flash source
  // --------------------------------------------------------------------------------------------------------

  it("liquidateAaveRouted funded by Aave's flashLoanSimple: premium paid to Aave, seized WETH split over V2 and V3 0.05%", async () => {
    await enableAaveFlashLoans();
    const { USDC } = tokens();
    const route = (seized: bigint): SaleRoute => {
      const a = (seized * 6n) / 10n;
      return {
        legs: [
          leg(a, [V2, pairs().WETH_USDC.address, USDC.address]),
          leg(seized - a, [V3, pool500.address, USDC.address]),
        ],
        minAmountOut: 0n,
      };
    };
    await runAaveRouted(
      FlashSource.AaveFlashLoan,
      world.aave.pool,
      "WETH",
      route,
      "liquidateAaveRouted (Aave flashLoanSimple, V2 + V3 0.05%)",
    );
  });

  it("liquidateAaveRouted funded by a Uniswap V3 flash from the 0.3% pool: pool fee paid, WETH sold on V2 and the 0.05% pool", async () => {
    const { USDC } = tokens();
    const route = (seized: bigint): SaleRoute => {
      const a = (seized * 6n) / 10n;
      return {
        legs: [
          leg(a, [V2, pairs().WETH_USDC.address, USDC.address]),
          leg(seized - a, [V3, pool500.address, USDC.address]),
        ],
        minAmountOut: 0n,
      };
    };
    await runAaveRouted(
      FlashSource.UniswapV3Flash,
      pool3000.address,
      "WETH",
      route,
      "liquidateAaveRouted (V3 flash, V2 + V3 0.05%)",
    );
  });

  it("liquidateAaveRouted funded by Morpho's free flash loan: WBTC sold half direct, half WBTC->WETH->USDC (V2 then V3)", async () => {
    await runAaveRouted(
      FlashSource.MorphoFlashLoan,
      world.morpho.morpho,
      "WBTC",
      (s) => wbtcRoute(s),
      "liquidateAaveRouted (Morpho flash, WBTC 2 legs, 2-hop)",
    );
  });

  it("liquidateAaveRoutedBatch: two borrowers, one funded by Aave, one by Morpho, profits summed", async () => {
    await enableAaveFlashLoans();
    const { USDC, WETH, WBTC } = tokens();
    const a = await underwaterAaveBorrower("WETH");
    const b = await underwaterAaveBorrower("WBTC");
    // b's price move changes nothing for a (different collateral), so both predictions stand.
    const model = await loadModel();
    const routeA = splitWethRoute(a.seized);
    const outA = model.sellRoute(routeA, WETH.address, a.seized).amountOut;
    const outB = model.sellRoute(wbtcRoute(b.seized), WBTC.address, b.seized).amountOut;
    const premium = percentMulCeil(a.debtToCover, AAVE_PREMIUM_BPS);
    const items = [
      aaveItem(
        a.user,
        WETH.address,
        a.debtToCover,
        FlashSource.AaveFlashLoan,
        world.aave.pool,
        { ...routeA, minAmountOut: outA },
        1n,
      ),
      aaveItem(
        b.user,
        WBTC.address,
        b.debtToCover,
        FlashSource.MorphoFlashLoan,
        world.morpho.morpho,
        wbtcRoute(b.seized, outB),
        1n,
      ),
    ];
    const receipt = await call(
      keeperW,
      "liquidateAaveRoutedBatch",
      [items],
      "liquidateAaveRoutedBatch (2 items: Aave flash + Morpho flash)",
    );
    const evs = eventsOf(receipt, "AaveLiquidatedRouted");
    expect(evs.map((e) => [e.user, e.debtRepaid, e.collateralSeized, e.debtFromRoute, e.flashFee, e.profit])).toEqual([
      [a.user, a.debtToCover, a.seized, outA, premium, outA - a.debtToCover - premium],
      [b.user, b.debtToCover, b.seized, outB, 0n, outB - b.debtToCover],
    ]);
    expect(await ownerGain(USDC.address)).toBe(outA - a.debtToCover - premium + outB - b.debtToCover);
    await expectPoolsMatch(model);
    await expectNoHoldings();
  });

  it("an Aave route too thin to repay the loan reverts RouteOutputTooLow; minProfit above the profit reverts InsufficientProfit", async () => {
    const { USDC, WETH } = tokens();
    const { user, debtToCover, seized } = await underwaterAaveBorrower("WETH");
    const { amountOut } = (await loadModel()).sellRoute(splitWethRoute(seized), WETH.address, seized);
    const item = (min: bigint, minProfit: bigint) =>
      aaveItem(
        user,
        WETH.address,
        debtToCover,
        FlashSource.MorphoFlashLoan,
        world.morpho.morpho,
        splitWethRoute(seized, min),
        minProfit,
      );
    expect(await revertOf(keeperW, "liquidateAaveRouted", [item(amountOut + 1n, 0n)])).toEqual({
      name: "RouteOutputTooLow",
      args: [amountOut, amountOut + 1n],
    });
    const profit = amountOut - debtToCover;
    expect(await revertOf(keeperW, "liquidateAaveRouted", [item(0n, profit + 1n)])).toEqual({
      name: "InsufficientProfit",
      args: [profit, profit + 1n],
    });
    expect(await aaveDebt(user, USDC.address)).toBeGreaterThanOrEqual(debtToCover * 2n); // nothing happened
  });

  // --------------------------------------------------------------------------------------------------------
  // Guards
  // --------------------------------------------------------------------------------------------------------

  it("the new callbacks refuse any caller but the armed lender: an EOA, and Aave's pool lending to the executor on a stranger's initiative", async () => {
    await enableAaveFlashLoans();
    const who = getAddress(strangerW.account.address);
    expect(await revertOf(strangerW, "executeOperation", [tokens().USDC.address, 1n, 0n, executor, "0x"])).toEqual({
      name: "UnexpectedCallback",
      args: [who],
    });
    expect(await revertOf(strangerW, "uniswapV3FlashCallback", [1n, 0n, "0x"])).toEqual({
      name: "UnexpectedCallback",
      args: [who],
    });
    // A real flashLoanSimple naming the executor as receiver: Aave calls back, unarmed, so it is refused.
    expect(
      await revertOf(
        strangerW,
        "flashLoanSimple",
        [executor, tokens().USDC.address, 10n ** 6n, "0x", 0],
        world.aave.pool,
        aaveFlashAbi,
      ),
    ).toEqual({
      name: "UnexpectedCallback",
      args: [world.aave.pool],
    });
  });

  it("only the owner or the keeper can start a routed liquidation", async () => {
    const who = getAddress(strangerW.account.address);
    const route = splitWethRoute(1n);
    const m = morphoItem(who, 1n, route, 0n);
    const a = aaveItem(who, tokens().WETH.address, 1n, FlashSource.MorphoFlashLoan, world.morpho.morpho, route, 0n);
    for (const [fn, args] of [
      ["liquidateMorphoRouted", [m]],
      ["liquidateMorphoBatch", [[m]]],
      ["liquidateAaveRouted", [a]],
      ["liquidateAaveRoutedBatch", [[a]]],
    ] as const) {
      expect(await revertOf(strangerW, fn, [...args]), fn).toEqual({ name: "NotAuthorized", args: [who] });
    }
    expect(await revertOf(keeperW, "liquidateMorphoBatch", [[]])).toEqual({ name: "EmptyBatch", args: [] });
    expect(await revertOf(keeperW, "liquidateAaveRoutedBatch", [[]])).toEqual({ name: "EmptyBatch", args: [] });
  });

  // --------------------------------------------------------------------------------------------------------
  // Today's paths on the same states, for the gas comparison
  // --------------------------------------------------------------------------------------------------------

  it("baseline on the same states: today's liquidateAaveV2Flash, liquidateMorpho, liquidateAaveMorphoFlash next to their one-leg routed equivalents", async () => {
    const { WETH, USDC } = tokens();
    // Everyone opened at $3,000, then WETH to $2,790: Aave HF ~0.977 (50% close factor), Morpho HF ~0.95.
    const open = (collateral: "WETH") =>
      createAaveBorrower(chain, world, {
        collateral,
        debt: "USDC",
        collateralUsd: 20_000n * USD,
        healthFactorBps: 10_500n,
      });
    const aave = [await open("WETH"), await open("WETH"), await open("WETH")];
    const morpho: Address[] = [];
    for (let i = 0; i < 2; i++)
      morpho.push(await createMorphoBorrower(chain, world, { collateralUsd: 20_000n * USD, healthFactorBps: 10_200n }));
    await setPrice(chain, world, "WETH", 2_790n * USD);
    const half = async (user: Address) => (await aaveDebt(user, USDC.address)) / 2n;
    const v2Leg = (amount: bigint, out: bigint): SaleRoute => ({
      legs: [leg(amount, [V2, pairs().WETH_USDC.address, USDC.address])],
      minAmountOut: out,
    });

    await call(
      keeperW,
      "liquidateAaveV2Flash",
      [
        {
          flashPair: pairs().WETH_USDC.address,
          collateralAsset: WETH.address,
          debtAsset: USDC.address,
          user: aave[0],
          debtToCover: await half(aave[0]),
          swapPair: "0x0000000000000000000000000000000000000000",
          minProfit: 1n,
        },
      ],
      "today: liquidateAaveV2Flash (direct, 50% cap)",
    );

    const d1 = await half(aave[1]);
    await call(
      keeperW,
      "liquidateAaveMorphoFlash",
      [
        {
          collateralAsset: WETH.address,
          debtAsset: USDC.address,
          user: aave[1],
          debtToCover: d1,
          swapPair: pairs().WETH_USDC.address,
          minProfit: 1n,
        },
      ],
      "today: liquidateAaveMorphoFlash (one V2 pair)",
    );

    const d2 = await half(aave[2]);
    const seized2 = await aaveSeized("WETH", "USDC", d2);
    let model = await loadModel();
    const out2 = model.sellRoute(v2Leg(seized2, 0n), WETH.address, seized2).amountOut;
    const r2 = await call(
      keeperW,
      "liquidateAaveRouted",
      [aaveItem(aave[2], WETH.address, d2, FlashSource.MorphoFlashLoan, world.morpho.morpho, v2Leg(seized2, out2), 1n)],
      "liquidateAaveRouted (Morpho flash, 1 V2 leg: route overhead)",
    );
    expect(eventsOf(r2, "AaveLiquidatedRouted")[0].debtFromRoute).toBe(out2);
    await expectPoolsMatch(model);

    const s1 = (await morphoPosition(morpho[0]))[2] / 2n;
    await call(
      keeperW,
      "liquidateMorpho",
      [
        {
          marketParams: world.morpho.marketParams,
          borrower: morpho[0],
          seizedAssets: s1,
          swapPair: pairs().WETH_USDC.address,
          minProfit: 1n,
        },
      ],
      "today: liquidateMorpho (one V2 pair)",
    );
    const s2 = (await morphoPosition(morpho[1]))[2] / 2n;
    model = await loadModel();
    const out = model.sellRoute(v2Leg(s2, 0n), WETH.address, s2).amountOut;
    const receipt = await call(
      keeperW,
      "liquidateMorphoRouted",
      [morphoItem(morpho[1], s2, v2Leg(s2, out), 1n)],
      "liquidateMorphoRouted (1 V2 leg: route overhead)",
    );
    expect(eventsOf(receipt, "MorphoLiquidatedRouted")[0].loanFromRoute).toBe(out);
    await expectPoolsMatch(model);
    await expectNoHoldings();
  });
});
