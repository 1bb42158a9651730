import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseGwei, zeroAddress, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import {
  aaveV2FlashBatch,
  encodeAction,
  withMinProfit,
  deployExecutor,
  executorProtocols,
  ExecutorRevertError,
  parseExecutorEvents,
  profitToken,
  simulateAction,
  totalExecutorProfit,
  type AaveLiquidationParams,
  type ExecutorAction,
  type ExecutorClients,
} from "../../src/executor/index.js";
import { createAaveBorrower, deployWorld, getPrices, setPrice, type World } from "../../src/world/index.js";
import { referencePrice } from "../../src/world/prices.js";
import { send } from "../../src/world/tx.js";
import { poolActorArtifact } from "../../src/world/uniswapV2.js";
import { aavePoolAbi, erc20Abi, v2PairAbi } from "../helpers/abis.js";
import { sendThroughPipeline } from "../helpers/pipeline.js";
import { v2InputToPrice, v2Out, v2PriceAfter } from "../helpers/v2.js";

/**
 * A liquidateAaveV2FlashBatch action through the TypeScript side (simulateAction / the send pipeline, events) on an
 * in-process chain running the real Aave V3 and Uniswap V2: every assertion reads chain state back.
 */

const USD = 10n ** 8n;
const WAD = 10n ** 18n;
const FEES = { priorityFeePerGas: parseGwei("1"), maxFeePerGasCap: parseGwei("100") };

describe("liquidateAaveV2FlashBatch actions on the real protocols", () => {
  let chain: InProcessChain;
  let world: World;
  let owner: Address;
  let keeper: ExecutorClients;
  let executor: Address;

  beforeEach(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, ownerW, keeperW] = chain.accounts;
    owner = ownerW.account.address;
    executor = await deployExecutor(
      { public: chain.public, wallet: ownerW },
      { keeper: keeperW.account.address, protocols: executorProtocols(world) },
    );
    keeper = { public: chain.public, wallet: keeperW };
  });

  afterEach(async () => {
    await chain.close();
  });

  const balanceOf = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
  const healthFactor = async (user: Address) =>
    (
      await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
      })
    )[5];
  async function aaveDebt(user: Address): Promise<bigint> {
    const reserve = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getReserveData",
      args: [world.tokens.USDC.address],
    });
    return balanceOf(reserve.variableDebtTokenAddress, user);
  }

  /** Three WETH/USDC borrowers under water (HF ~0.97-0.99) after WETH drops from $3,000 to $2,790, the pair following. */
  async function underwaterBorrowers(): Promise<Address[]> {
    const users: Address[] = [];
    for (const [collateralUsd, healthFactorBps] of [
      [20_000n, 10_500n],
      [15_000n, 10_400n],
      [12_000n, 10_600n],
    ] as const) {
      users.push(
        await createAaveBorrower(chain, world, {
          collateral: "WETH",
          debt: "USDC",
          collateralUsd: collateralUsd * USD,
          healthFactorBps,
        }),
      );
    }
    await setPrice(chain, world, "WETH", 2_790n * USD);
    const pair = world.uniswapV2.pairs.WETH_USDC;
    const prices = await getPrices(chain, world);
    const t0 = Object.values(world.tokens).find((t) => t.address === pair.token0)!;
    const t1 = Object.values(world.tokens).find((t) => t.address === pair.token1)!;
    const ref = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
    const [r0, r1] = await chain.public.readContract({
      address: pair.address,
      abi: v2PairAbi,
      functionName: "getReserves",
    });
    const { zeroForOne, amountIn } = v2InputToPrice(r0, r1, (ref.num << 112n) / ref.den);
    await send(chain, {
      address: world.helpers.poolActor,
      abi: poolActorArtifact().abi,
      functionName: "swapV2",
      args: [pair.address, zeroForOne, amountIn, world.helpers.poolActor],
    });
    return users;
  }

  const item = (user: Address, debtToCover: bigint, minProfit = 0n): AaveLiquidationParams => ({
    aavePool: world.aave.pool,
    flashPair: world.uniswapV2.pairs.WETH_USDC.address,
    collateralAsset: world.tokens.WETH.address,
    debtAsset: world.tokens.USDC.address,
    user,
    debtToCover,
    swapPair: zeroAddress,
    minProfit,
  });

  const wethToWei = (profit: bigint, token: Address): bigint => (token === world.tokens.WETH.address ? profit : 0n);
  const execute = (action: ExecutorAction, minProfit: bigint) =>
    sendThroughPipeline(chain.public, {
      executor,
      accountIndex: 2,
      action,
      minProfit,
      fees: FEES,
      expectedProfitWei: wethToWei,
    });

  it("simulates a batch (total profit, in the shared collateral), executes it, and every item's event comes back", async () => {
    const { WETH } = world.tokens;
    const users = await underwaterBorrowers();
    const debts = await Promise.all(users.map(aaveDebt));
    const hfBefore = await Promise.all(users.map(healthFactor));
    for (const hf of hfBefore) expect(hf).toBeLessThan(WAD);
    const action = aaveV2FlashBatch(users.map((u, i) => item(u, debts[i]!)));
    expect(profitToken(action)).toBe(WETH.address);

    const sim = await simulateAction(chain.public, { executor, account: keeper.wallet.account, action });
    if (!sim.ok) throw sim.error;
    expect(sim.profitToken).toBe(WETH.address);
    expect(sim.profit).toBeGreaterThan(0n);

    // A total floor above the items' own (all 0): carried by the last item, and the batch still clears it.
    const floor = sim.profit / 10n;
    const ownerBefore = await balanceOf(WETH.address, owner);
    const { outcome, journal } = await execute(action, floor);
    if (outcome.status !== "mined") throw new Error(`expected mined, got ${outcome.status}`);
    // The calldata sent carries the floor on the last item.
    expect(journal.history(1)[0].calldata).toBe(encodeAction(withMinProfit(action, floor)));
    const sent = withMinProfit(action, floor);
    if (sent.kind !== "liquidateAaveV2FlashBatch") throw new Error("kind changed");
    expect(sent.params.items.map((i) => i.minProfit)).toEqual([0n, 0n, floor]);
    expect(sent.params.minProfit).toBe(floor);
    journal.close();

    const receipt = await chain.public.getTransactionReceipt({ hash: outcome.hash });
    const events = parseExecutorEvents(receipt.logs, executor);
    expect(outcome.events).toEqual(events);
    expect(outcome.profit).toBe(totalExecutorProfit(events));
    expect(events.map((e) => e.eventName)).toEqual([
      "AaveLiquidatedWithV2Flash",
      "AaveLiquidatedWithV2Flash",
      "AaveLiquidatedWithV2Flash",
    ]);
    expect(events.map((e) => (e.eventName === "AaveLiquidatedWithV2Flash" ? e.args.user : undefined))).toEqual(users);
    expect(events[2]!.args.profit).toBeGreaterThanOrEqual(floor);
    const total = totalExecutorProfit(events)!;
    expect((await balanceOf(WETH.address, owner)) - ownerBefore).toBe(total);
    // One more block of interest than the simulation saw: the same total to a few wei.
    const diff = total > sim.profit ? total - sim.profit : sim.profit - total;
    expect(diff).toBeLessThan(sim.profit / 10_000n + 1n);
    for (let i = 0; i < 3; i++) {
      expect(await healthFactor(users[i]!)).toBeGreaterThan(hfBefore[i]!);
      expect(await aaveDebt(users[i]!)).toBeLessThan(debts[i]!);
    }
    expect(await balanceOf(WETH.address, executor)).toBe(0n);
    expect(await balanceOf(world.tokens.USDC.address, executor)).toBe(0n);
  });

  it("a total floor the batch cannot reach is skipped with InsufficientProfit of the last item, nothing sent", async () => {
    const users = await underwaterBorrowers();
    const debts = await Promise.all(users.map(aaveDebt));
    const action = aaveV2FlashBatch(users.map((u, i) => item(u, debts[i]!)));
    const floor = 1_000n * WAD;

    const { outcome, journal } = await execute(action, floor);
    journal.close();

    if (outcome.status !== "skipped" || outcome.skip.code !== "simulation-reverted")
      throw new Error(`unexpected ${outcome.status}`);
    const err = outcome.skip.error;
    if (!(err instanceof ExecutorRevertError)) throw new Error(`expected a revert, got ${err}`);
    expect(err.errorName).toBe("InsufficientProfit");
    expect(err.args[1]).toBe(floor); // the last item carries the whole floor (the others' are 0)
    for (let i = 0; i < 3; i++) expect(await aaveDebt(users[i]!)).toBeGreaterThanOrEqual(debts[i]!);
  });

  it("an empty batch is decoded as the executor's EmptyBatch", async () => {
    const action: ExecutorAction = { kind: "liquidateAaveV2FlashBatch", params: { items: [], minProfit: 0n } };
    const sim = await simulateAction(chain.public, { executor, account: keeper.wallet.account, action });
    expect(sim.ok).toBe(false);
    if (sim.ok) return;
    expect(sim.error).toBeInstanceOf(ExecutorRevertError);
    expect((sim.error as ExecutorRevertError).errorName).toBe("EmptyBatch");
    expect((sim.error as ExecutorRevertError).source).toBe("executor");
    expect((sim.error as ExecutorRevertError).classification).toBe("deterministic");
  });
});
