import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Address, type TransactionReceipt } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import {
  aaveRoutedBatch,
  deployExecutor,
  executorProtocols,
  encodeAction,
  ExecutorRevertError,
  FlashSource,
  morphoRoutedBatch,
  parseExecutorEvents,
  PoolKind,
  profitToken,
  simulateAction,
  totalExecutorProfit,
  withMinProfit,
  type ActionOf,
  type AaveRoutedLiquidationParams,
  type ExecutorAction,
  type ExecutorEvent,
  type MorphoRoutedLiquidationParams,
  type RouteLeg,
  type SaleRoute,
  type SimulationResult,
} from "../../src/executor/index.js";
import { percentMulCeil } from "../../src/risk/math/percentage.js";
import { deployWorld, type World } from "../../src/world/index.js";
import { AAVE_PREMIUM_BPS, routedWorld, type RoutedWorld } from "../helpers/routedWorld.js";

/**
 * The routed liquidation actions through the TypeScript side (actions as data, simulateAction, parseExecutorEvents,
 * decoded reverts) on an in-process chain running the real Uniswap V2/V3, Aave V3 and Morpho Blue: what the
 * simulation promises is what the transaction pays, read back from the executor's events and the owner's balance.
 */

const { UniswapV2: V2, UniswapV3: V3 } = PoolKind;

describe("routed liquidation actions on the real protocols", () => {
  let chain: InProcessChain;
  let world: World;
  let rw: RoutedWorld;
  let owner: Address;
  let keeperW: InProcessChain["wallet"];
  let executor: Address;

  beforeEach(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, ownerW, kw] = chain.accounts;
    keeperW = kw;
    owner = ownerW.account.address;
    executor = await deployExecutor(
      { public: chain.public, wallet: ownerW },
      { keeper: keeperW.account.address, protocols: executorProtocols(world) },
    );
    rw = routedWorld(chain, world);
  });

  afterEach(async () => {
    await chain.close();
  });

  const tokens = () => world.tokens;
  const pairs = () => world.uniswapV2.pairs;
  const leg = (amountIn: bigint, ...hops: [PoolKind, Address, Address][]): RouteLeg => ({
    amountIn,
    hops: hops.map(([kind, pool, tokenOut]) => ({ kind, pool, tokenOut })),
  });

  /** WETH sold 60% on the V2 pair, 40% on the 0.3% V3 pool. */
  const wethRoute = (amount: bigint, minAmountOut = 0n): SaleRoute => {
    const { USDC } = tokens();
    const a = (amount * 6n) / 10n;
    return {
      legs: [
        leg(a, [V2, pairs().WETH_USDC.address, USDC.address]),
        leg(amount - a, [V3, rw.pool3000.address, USDC.address]),
      ],
      minAmountOut,
    };
  };
  /** WETH sold on the V2 pair only (for a V3 flash from the 0.3% pool, which is locked during the loan). */
  const wethV2Route = (amount: bigint, minAmountOut = 0n): SaleRoute => ({
    legs: [leg(amount, [V2, pairs().WETH_USDC.address, tokens().USDC.address])],
    minAmountOut,
  });
  /** WBTC sold half on WBTC/USDC, half WBTC -> WETH (V2) -> USDC (V3 0.3%). */
  const wbtcRoute = (amount: bigint, minAmountOut = 0n): SaleRoute => {
    const { USDC, WETH } = tokens();
    const a = amount / 2n;
    return {
      legs: [
        leg(a, [V2, pairs().WBTC_USDC.address, USDC.address]),
        leg(amount - a, [V2, pairs().WBTC_WETH.address, WETH.address], [V3, rw.pool3000.address, USDC.address]),
      ],
      minAmountOut,
    };
  };

  const morphoItem = (
    borrower: Address,
    seizedAssets: bigint,
    route: SaleRoute,
    minProfit = 0n,
  ): MorphoRoutedLiquidationParams => ({
    morpho: world.morpho.morpho,
    marketParams: world.morpho.marketParams,
    borrower,
    seizedAssets,
    repaidShares: 0n,
    route,
    minProfit,
  });
  const aaveItem = (
    user: Address,
    collateral: "WETH" | "WBTC",
    debtToCover: bigint,
    source: FlashSource,
    lender: Address,
    route: SaleRoute,
    minProfit = 0n,
  ): AaveRoutedLiquidationParams => ({
    aavePool: world.aave.pool,
    collateralAsset: tokens()[collateral].address,
    debtAsset: tokens().USDC.address,
    user,
    debtToCover,
    source,
    lender,
    route,
    minProfit,
  });

  const simulate = (action: ExecutorAction): Promise<SimulationResult> =>
    simulateAction(chain.public, { executor, account: keeperW.account, action });
  async function simulateOk(action: ExecutorAction): Promise<bigint> {
    const sim = await simulate(action);
    if (!sim.ok) throw sim.error;
    expect(sim.profitToken).toBe(profitToken(action));
    expect(sim.gas).toBeGreaterThan(0n);
    return sim.profit;
  }
  /** Sends the action's calldata (encodeAction) from the keeper's wallet and returns the mined receipt. */
  async function sendAction(action: ExecutorAction): Promise<TransactionReceipt> {
    const hash = await keeperW.sendTransaction({ to: executor, data: encodeAction(action) });
    const receipt = await chain.public.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }
  async function expectRevert(action: ExecutorAction): Promise<ExecutorRevertError> {
    const sim = await simulate(action);
    if (sim.ok) throw new Error(`${action.kind} did not revert (profit ${sim.profit})`);
    expect(sim.error).toBeInstanceOf(ExecutorRevertError);
    const err = sim.error as ExecutorRevertError;
    expect(err.source).toBe("executor");
    expect(err.classification).toBe("deterministic");
    return err;
  }
  const ownerUsdc = () => rw.balanceOf(tokens().USDC.address, owner);
  type EventOf<N extends ExecutorEvent["eventName"]> = Extract<ExecutorEvent, { eventName: N }>;
  const only = <N extends ExecutorEvent["eventName"]>(events: ExecutorEvent[], name: N): EventOf<N>[] => {
    expect(events.map((e) => e.eventName)).toEqual(events.map(() => name));
    return events as EventOf<N>[];
  };

  it("liquidateMorphoRouted: the simulated profit is what the event reports and the owner receives; the route returns what the pools' math says", async () => {
    const { WETH, USDC } = tokens();
    const [user] = await rw.underwaterMorphoBorrowers(1);
    const seized = (await rw.morphoPosition(user!))[2] / 2n;
    const { amountOut } = (await rw.loadModel()).sellRoute(wethRoute(seized), WETH.address, seized);
    const repaidAssets = await rw.morphoRepaid(seized);
    const action: ActionOf<"liquidateMorphoRouted"> = {
      kind: "liquidateMorphoRouted",
      params: morphoItem(user!, seized, wethRoute(seized, amountOut), 1n),
    };
    expect(profitToken(action)).toBe(USDC.address);

    const simulated = await simulateOk(action);
    const before = await ownerUsdc();
    const receipt = await sendAction(action);
    const [ev] = only(parseExecutorEvents(receipt.logs, executor), "MorphoLiquidatedRouted");
    expect(ev!.args).toEqual({
      marketId: world.morpho.marketId,
      borrower: user,
      seizedAssets: seized,
      repaidAssets,
      loanFromRoute: amountOut,
      profit: amountOut - repaidAssets,
    });
    expect(ev!.args.profit).toBe(simulated);
    expect((await ownerUsdc()) - before).toBe(simulated);
    expect(simulated).toBeGreaterThan(0n);
  });

  it("liquidateMorphoBatch: morphoRoutedBatch sums the floors, withMinProfit puts a total floor on the last item, one event per item, total as simulated", async () => {
    const { WETH } = tokens();
    const users = await rw.underwaterMorphoBorrowers(2);
    const seized = await Promise.all(users.map(async (u) => (await rw.morphoPosition(u))[2] / 2n));
    const model = await rw.loadModel();
    const outs = [
      model.sellRoute(wethRoute(seized[0]!), WETH.address, seized[0]!).amountOut,
      model.sellRoute(wethV2Route(seized[1]!), WETH.address, seized[1]!).amountOut,
    ];
    const action = morphoRoutedBatch([
      morphoItem(users[0]!, seized[0]!, wethRoute(seized[0]!, outs[0]), 1n),
      morphoItem(users[1]!, seized[1]!, wethV2Route(seized[1]!, outs[1]), 2n),
    ]);
    expect(action.params.minProfit).toBe(3n);

    const simulated = await simulateOk(action);
    expect(withMinProfit(action, 3n)).toBe(action);
    // A total floor the batch pays: only the last item's floor is raised, by what the floors lack (2 + simulated - 3)
    // - more than the last item alone earns, so it reverts with that item's own profit and its raised floor.
    const tooHigh = await expectRevert(withMinProfit(action, simulated));
    expect(withMinProfit(action, simulated).params.items.map((i) => i.minProfit)).toEqual([1n, simulated - 1n]);
    expect(tooHigh.errorName).toBe("InsufficientProfit");
    expect(tooHigh.args[1]).toBe(simulated - 1n);
    const lastProfit = tooHigh.args[0] as bigint;
    expect(lastProfit).toBeLessThan(simulated);
    // The floor that makes the last item's floor exactly its profit (1 + lastProfit in total) goes through.
    const floored = withMinProfit(action, 1n + lastProfit);
    expect(floored.params.items.map((i) => i.minProfit)).toEqual([1n, lastProfit]);
    expect(floored.params.minProfit).toBe(1n + lastProfit);

    const before = await ownerUsdc();
    const receipt = await sendAction(floored);
    const events = only(parseExecutorEvents(receipt.logs, executor), "MorphoLiquidatedRouted");
    expect(events.map((e) => [e.args.borrower, e.args.seizedAssets, e.args.loanFromRoute])).toEqual([
      [users[0], seized[0], outs[0]],
      [users[1], seized[1], outs[1]],
    ]);
    expect(totalExecutorProfit(events)).toBe(simulated);
    expect(events[1]!.args.profit).toBe(lastProfit);
    expect((await ownerUsdc()) - before).toBe(simulated);
  });

  it("liquidateAaveRouted from each flash source (Aave, Uniswap V3, Morpho): simulation = event profit = owner's gain; fee and route output as predicted", async () => {
    await rw.enableAaveFlashLoans();
    const { USDC } = tokens();
    const borrowers = await rw.underwaterAaveBorrowers(["WETH", "WETH", "WBTC"]);
    const cases: {
      source: FlashSource;
      lender: Address;
      route: (s: bigint, min?: bigint) => SaleRoute;
      fee: (debt: bigint) => bigint;
    }[] = [
      {
        source: FlashSource.AaveFlashLoan,
        lender: world.aave.pool,
        route: wethRoute,
        fee: (d) => percentMulCeil(d, AAVE_PREMIUM_BPS),
      },
      // The pool's 0.3% fee, rounded up as UniswapV3Pool.flash does.
      {
        source: FlashSource.UniswapV3Flash,
        lender: rw.pool3000.address,
        route: wethV2Route,
        fee: (d) => (d * 3_000n + 999_999n) / 1_000_000n,
      },
      { source: FlashSource.MorphoFlashLoan, lender: world.morpho.morpho, route: wbtcRoute, fee: () => 0n },
    ];
    for (const [i, c] of cases.entries()) {
      const b = borrowers[i]!;
      const { amountOut } = (await rw.loadModel()).sellRoute(
        c.route(b.seized),
        tokens()[b.collateral].address,
        b.seized,
      );
      const action: ExecutorAction = {
        kind: "liquidateAaveRouted",
        params: aaveItem(b.user, b.collateral, b.debtToCover, c.source, c.lender, c.route(b.seized, amountOut), 1n),
      };
      expect(profitToken(action)).toBe(USDC.address);
      const simulated = await simulateOk(action);
      const before = await ownerUsdc();
      const receipt = await sendAction(action);
      const [ev] = only(parseExecutorEvents(receipt.logs, executor), "AaveLiquidatedRouted");
      const fee = c.fee(b.debtToCover);
      expect(ev!.args, `source ${c.source}`).toEqual({
        user: b.user,
        collateralAsset: tokens()[b.collateral].address,
        debtAsset: USDC.address,
        source: c.source,
        debtRepaid: b.debtToCover,
        collateralSeized: b.seized,
        debtFromRoute: amountOut,
        flashFee: fee,
        profit: amountOut - b.debtToCover - fee,
      });
      expect(ev!.args.profit).toBe(simulated);
      expect(simulated).toBeGreaterThan(0n);
      expect(totalExecutorProfit([ev!])).toBe(simulated);
      expect((await ownerUsdc()) - before).toBe(simulated);
    }
  });

  it("liquidateAaveRoutedBatch: two flash sources in one transaction, profits summed as simulated; withMinProfit raises the last floor only", async () => {
    await rw.enableAaveFlashLoans();
    const { WETH, WBTC } = tokens();
    const [a, b] = await rw.underwaterAaveBorrowers(["WETH", "WBTC"]);
    const model = await rw.loadModel();
    const outA = model.sellRoute(wethRoute(a!.seized), WETH.address, a!.seized).amountOut;
    const outB = model.sellRoute(wbtcRoute(b!.seized), WBTC.address, b!.seized).amountOut;
    const action = aaveRoutedBatch([
      aaveItem(
        a!.user,
        "WETH",
        a!.debtToCover,
        FlashSource.AaveFlashLoan,
        world.aave.pool,
        wethRoute(a!.seized, outA),
        5n,
      ),
      aaveItem(
        b!.user,
        "WBTC",
        b!.debtToCover,
        FlashSource.MorphoFlashLoan,
        world.morpho.morpho,
        wbtcRoute(b!.seized, outB),
        7n,
      ),
    ]);
    expect(action.params.minProfit).toBe(12n);
    const simulated = await simulateOk(action);
    const premium = percentMulCeil(a!.debtToCover, AAVE_PREMIUM_BPS);
    const profits = [outA - a!.debtToCover - premium, outB - b!.debtToCover];
    expect(simulated).toBe(profits[0]! + profits[1]!);

    const floor = profits[0]! + 7n; // what item 0 pays plus item 1's own floor: only item 1's floor moves
    const floored = withMinProfit(action, floor);
    expect(floored.params.items.map((i) => i.minProfit)).toEqual([5n, floor - 5n]);
    const before = await ownerUsdc();
    const receipt = await sendAction(floored);
    const events = only(parseExecutorEvents(receipt.logs, executor), "AaveLiquidatedRouted");
    expect(events.map((e) => [e.args.user, e.args.source, e.args.flashFee, e.args.profit])).toEqual([
      [a!.user, FlashSource.AaveFlashLoan, premium, profits[0]],
      [b!.user, FlashSource.MorphoFlashLoan, 0n, profits[1]],
    ]);
    expect(totalExecutorProfit(events)).toBe(simulated);
    expect((await ownerUsdc()) - before).toBe(simulated);
  });

  it("a minAmountOut above what the route returns decodes as RouteOutputTooLow(got, min), for Morpho and Aave, single and batched", async () => {
    const { WETH } = tokens();
    const [m] = await rw.underwaterMorphoBorrowers(1);
    const [a] = await rw.underwaterAaveBorrowers(["WETH"]);
    const seized = (await rw.morphoPosition(m!))[2] / 2n;
    const morphoOut = (await rw.loadModel()).sellRoute(wethRoute(seized), WETH.address, seized).amountOut;
    const aaveOut = (await rw.loadModel()).sellRoute(wethRoute(a!.seized), WETH.address, a!.seized).amountOut;
    const morpho = morphoItem(m!, seized, wethRoute(seized, morphoOut + 1n));
    const aave = aaveItem(
      a!.user,
      "WETH",
      a!.debtToCover,
      FlashSource.MorphoFlashLoan,
      world.morpho.morpho,
      wethRoute(a!.seized, aaveOut + 1n),
    );

    for (const [action, got] of [
      [{ kind: "liquidateMorphoRouted", params: morpho }, morphoOut],
      [morphoRoutedBatch([morpho]), morphoOut],
      [{ kind: "liquidateAaveRouted", params: aave }, aaveOut],
      [aaveRoutedBatch([aave]), aaveOut],
    ] as [ExecutorAction, bigint][]) {
      const err = await expectRevert(action);
      expect([err.errorName, err.args], action.kind).toEqual(["RouteOutputTooLow", [got, got + 1n]]);
      expect(err.description).toMatch(/minAmountOut/);
      expect(err.message).toContain(`RouteOutputTooLow(${got}, ${got + 1n})`);
    }
    // At exactly what the route returns, the same Morpho liquidation goes through.
    expect(
      (await simulate({ kind: "liquidateMorphoRouted", params: { ...morpho, route: wethRoute(seized, morphoOut) } }))
        .ok,
    ).toBe(true);
  });
});
