import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getAddress, parseGwei, toFunctionSelector, zeroAddress, type Abi, type Address } from "viem";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { devAccount } from "../../src/chain/devAccounts.js";
import {
  deployExecutor,
  executorProtocols,
  ExecutorRevertError,
  Funding,
  profitToken,
  simulateAction,
  type ExecutorAction,
  type ExecutorClients,
  type SendOutcome,
} from "../../src/executor/index.js";
import { Journal } from "../../src/journal/journal.js";
import { SendPipeline } from "../../src/keeper/pipeline.js";
import { gasLimitFor, NonceManager, TxSender, type ExpectedProfitWei } from "../../src/txlayer/index.js";
import {
  createAaveBorrower,
  deployWorld,
  getPrices,
  setPrice,
  skewV2Pool,
  type V2PairInfo,
  type World,
} from "../../src/world/index.js";
import { referencePrice } from "../../src/world/prices.js";
import { settableAggregator } from "../../src/world/tokens.js";
import { send } from "../../src/world/tx.js";
import { poolActorArtifact } from "../../src/world/uniswapV2.js";
import { aavePoolAbi, erc20Abi, v2PairAbi } from "../helpers/abis.js";
import { v2InputToPrice, v2Out, v2PriceAfter } from "../helpers/v2.js";

/**
 * The send pipeline (SendPipeline over the journaled TxSender) / simulateAction against the real protocols (Aave V3, Uniswap V2/V3 from their npm builds) on an
 * in-process Hardhat chain: every assertion reads chain state back.
 */

const USD = 10n ** 8n;
const WAD = 10n ** 18n;

/** Generous but sane fee policy for a local chain (base fee is a few gwei at most). */
const FEES = { priorityFeePerGas: parseGwei("1"), maxFeePerGasCap: parseGwei("100") };

describe("executor actions on the real protocols", () => {
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

  // ---------------------------------------------------------------------------------------------------------
  // helpers
  // ---------------------------------------------------------------------------------------------------------

  const balanceOf = (token: Address, who: Address) =>
    chain.public.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
  const reserves = async (pair: Address) => {
    const [r0, r1] = await chain.public.readContract({ address: pair, abi: v2PairAbi, functionName: "getReserves" });
    return [r0, r1] as const;
  };
  const healthFactor = async (user: Address) =>
    (
      await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
      })
    )[5];
  async function aaveDebt(user: Address, asset: Address): Promise<bigint> {
    const reserve = await chain.public.readContract({
      address: world.aave.pool,
      abi: aavePoolAbi,
      functionName: "getReserveData",
      args: [asset],
    });
    return balanceOf(reserve.variableDebtTokenAddress, user);
  }
  const nonceOf = (who: Address) => chain.public.getTransactionCount({ address: who, blockTag: "pending" });
  const ethOf = (who: Address) => chain.public.getBalance({ address: who });

  /** Price of the pair's token0 in token1 (raw units, X112) implied by the feeds. */
  async function feedPriceX112(pair: V2PairInfo): Promise<bigint> {
    const prices = await getPrices(chain, world);
    const t0 = Object.values(world.tokens).find((t) => t.address === pair.token0)!;
    const t1 = Object.values(world.tokens).find((t) => t.address === pair.token1)!;
    const r = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
    return (r.num << 112n) / r.den;
  }

  /** Moves a V2 pair's price to `target` with a real swap by the world's PoolActor ("the market"). */
  async function moveV2To(pair: Address, target: bigint): Promise<void> {
    const [r0, r1] = await reserves(pair);
    const { zeroForOne, amountIn } = v2InputToPrice(r0, r1, target);
    await send(chain, {
      address: world.helpers.poolActor,
      abi: poolActorArtifact().abi,
      functionName: "swapV2",
      args: [pair, zeroForOne, amountIn, world.helpers.poolActor],
    });
  }

  /** A WETH-collateral / USDC-debt Aave borrower pushed under water (HF ~0.98) with the V2 pair following the feed. */
  async function underwaterAaveBorrower(): Promise<Address> {
    const user = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 20_000n * USD,
      healthFactorBps: 10_500n,
    });
    await setPrice(chain, world, "WETH", 2_790n * USD);
    await moveV2To(world.uniswapV2.pairs.WETH_USDC.address, await feedPriceX112(world.uniswapV2.pairs.WETH_USDC));
    return user;
  }

  /** Liquidation of `user`'s USDC debt with a WETH/USDC flash swap, repaid in the seized WETH. */
  function aaveV2Flash(user: Address, debtToCover: bigint, minProfit = 0n): ExecutorAction {
    return {
      kind: "liquidateAaveV2Flash",
      params: {
        aavePool: world.aave.pool,
        flashPair: world.uniswapV2.pairs.WETH_USDC.address,
        collateralAsset: world.tokens.WETH.address,
        debtAsset: world.tokens.USDC.address,
        user,
        debtToCover,
        swapPair: zeroAddress,
        minProfit,
      },
    };
  }

  /** Profits paid in WETH are already wei; anything else is not priced here (worth nothing to the guard). */
  const wethToWei = (profit: bigint, token: Address): bigint => (token === world.tokens.WETH.address ? profit : 0n);

  interface SendOptions {
    minProfit?: bigint;
    dryRun?: boolean;
    fees?: typeof FEES;
    expectedProfitWei?: ExpectedProfitWei;
    gasLimitMultiplierBps?: bigint;
    /** Development account index of the sender (the keeper is #2). */
    account?: number;
  }

  /** Runs `action` through the one send pipeline, as the keeper does; returns the outcome and the journal. */
  async function execute(
    action: ExecutorAction,
    o: SendOptions = {},
  ): Promise<{ outcome: SendOutcome; journal: Journal }> {
    const account = devAccount(o.account ?? 2);
    const fees = o.fees ?? FEES;
    const journal = Journal.inMemory();
    journals.push(journal);
    const pipeline = o.dryRun
      ? new SendPipeline({
          mode: {
            dryRun: true,
            client: chain.public,
            executor,
            account,
            fees,
            gasLimitMultiplierBps: o.gasLimitMultiplierBps,
          },
        })
      : new SendPipeline({
          mode: {
            dryRun: false,
            pollIntervalMs: 10,
            sender: new TxSender({
              client: chain.public,
              account,
              journal,
              nonces: new NonceManager({
                address: account.address,
                client: chain.public,
                inFlight: () => journal.inFlightNonces(account.address),
              }),
              executor,
              policy: {
                priorityFeePerGas: fees.priorityFeePerGas,
                maxFeeCapWei: fees.maxFeePerGasCap,
                ...(o.gasLimitMultiplierBps ? { gasLimitMultiplierBps: o.gasLimitMultiplierBps } : {}),
              },
            }),
          },
        });
    const outcome = await pipeline.send({
      opportunityId: `test:${action.kind}`,
      action,
      blockSeen: await chain.public.getBlockNumber({ cacheTime: 0 }),
      expectedProfitWei: o.expectedProfitWei ?? wethToWei,
      minProfit: o.minProfit ?? 1n,
    });
    return { outcome, journal };
  }
  const journals: Journal[] = [];
  afterEach(() => {
    for (const j of journals.splice(0)) j.close();
  });

  // ---------------------------------------------------------------------------------------------------------
  // Aave liquidation through a V2 flash swap
  // ---------------------------------------------------------------------------------------------------------

  it("simulates, then executes an Aave liquidation via V2 flash: WETH profit to the owner, the borrower's HF restored upward", async () => {
    const { WETH, USDC } = world.tokens;
    const user = await underwaterAaveBorrower();
    const hfBefore = await healthFactor(user);
    expect(hfBefore).toBeLessThan(WAD);
    const debtBefore = await aaveDebt(user, USDC.address);
    const action = aaveV2Flash(user, debtBefore); // Aave takes only its 50% close factor; the rest goes back

    const sim = await simulateAction(chain.public, { executor, account: keeper.wallet.account, action });
    if (!sim.ok) throw sim.error;
    expect(sim.profitToken).toBe(WETH.address);
    expect(sim.profit).toBeGreaterThan(0n);
    expect(sim.gas).toBeGreaterThan(300_000n);
    expect(sim.gas).toBeLessThan(700_000n);

    const ownerWethBefore = await balanceOf(WETH.address, owner);
    const ownerEthBefore = await ethOf(owner);
    const keeperEthBefore = await ethOf(keeper.wallet.account.address);
    const { outcome, journal } = await execute(action);
    if (outcome.status !== "mined")
      throw new Error(
        `expected mined, got ${outcome.status}: ${JSON.stringify(outcome, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`,
      );

    // What was sent (as journaled before broadcast): the simulated call with the keeper's floor, an explicit 1.2x
    // gas limit and capped EIP-1559 fees.
    const [intent] = journal.history(1);
    const [attempt] = journal.attempts(intent.id);
    expect(intent.state).toBe("mined");
    // (its own simulation: the floor of 1 makes the calldata a non-zero byte longer than `sim`'s, a few gas more)
    expect(attempt.gasLimit).toBe(gasLimitFor(intent.simulation!.gas, 12_000n));
    expect(intent.simulation!.gas - sim.gas).toBeLessThan(100n);
    const tx = await chain.public.getTransaction({ hash: outcome.hash });
    const baseFeeSeen = (await chain.public.getBlock({ blockNumber: tx.blockNumber! - 1n })).baseFeePerGas!;
    expect(attempt.maxFeePerGas).toBe(2n * baseFeeSeen + FEES.priorityFeePerGas);
    expect(tx.from.toLowerCase()).toBe(keeper.wallet.account.address.toLowerCase());
    expect(tx.input).toBe(intent.calldata);
    expect(tx.gas).toBe(attempt.gasLimit);
    expect(tx.maxFeePerGas).toBe(attempt.maxFeePerGas);
    expect(tx.maxPriorityFeePerGas).toBe(FEES.priorityFeePerGas);

    // The receipt summary and the decoded event match the chain.
    const receipt = await chain.public.getTransactionReceipt({ hash: outcome.hash });
    expect(outcome).toMatchObject({
      blockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      effectiveGasPrice: receipt.effectiveGasPrice,
    });
    expect(outcome.gasUsed).toBeLessThan(attempt.gasLimit);
    expect(outcome.events).toHaveLength(1);
    const event = outcome.events[0];
    expect(event.eventName).toBe("AaveLiquidatedWithV2Flash");
    if (event.eventName !== "AaveLiquidatedWithV2Flash") return;
    const ev = event.args;
    expect(ev.user).toBe(user);
    expect(ev.profit).toBe(outcome.profit);
    expect(ev.profit).toBe(ev.collateralSeized - ev.collateralToPair);
    // One more block of interest than the simulation saw: the same profit to a few wei.
    expect(ev.profit - sim.profit).toBeLessThan(sim.profit / 10_000n + 1n);
    expect(sim.profit - ev.profit).toBeLessThan(sim.profit / 10_000n + 1n);

    // Chain state: the owner got exactly the profit, the keeper paid exactly the gas, the executor keeps nothing.
    expect((await balanceOf(WETH.address, owner)) - ownerWethBefore).toBe(ev.profit);
    expect(await ethOf(owner)).toBe(ownerEthBefore);
    expect(keeperEthBefore - (await ethOf(keeper.wallet.account.address))).toBe(
      outcome.gasUsed * outcome.effectiveGasPrice,
    );
    expect(await balanceOf(WETH.address, executor)).toBe(0n);
    expect(await balanceOf(USDC.address, executor)).toBe(0n);

    // The borrower: about half the debt repaid, health factor up.
    const debtAfter = await aaveDebt(user, USDC.address);
    expect(debtAfter).toBeLessThan(debtBefore - ev.debtRepaid + 1_000n);
    expect(ev.debtRepaid * 2n).toBeGreaterThan((debtBefore * 999n) / 1000n);
    expect(await healthFactor(user)).toBeGreaterThan(hfBefore);
  });

  it("dry-run simulates and prices the action but sends nothing: nonce, balances and the position unchanged", async () => {
    const { WETH, USDC } = world.tokens;
    const user = await underwaterAaveBorrower();
    const debtBefore = await aaveDebt(user, USDC.address);
    const keeperAddress = keeper.wallet.account.address;
    const nonceBefore = await nonceOf(keeperAddress);
    const ethBefore = await ethOf(keeperAddress);
    const blockBefore = await chain.public.getBlockNumber();

    const action = aaveV2Flash(user, debtBefore, 1n);
    const { outcome, journal } = await execute(action, { dryRun: true });

    expect(outcome.status).toBe("dry-run");
    if (outcome.status !== "dry-run") return;
    // What the keeper's own simulation of the same call says.
    const sim = await simulateAction(chain.public, { executor, account: keeper.wallet.account, action });
    if (!sim.ok) throw sim.error;
    expect(outcome.profit).toBe(sim.profit);
    expect(outcome.gas).toBe(sim.gas);
    expect(journal.history(10)).toEqual([]); // nothing journaled, nothing signed

    expect(await nonceOf(keeperAddress)).toBe(nonceBefore);
    expect(await ethOf(keeperAddress)).toBe(ethBefore);
    expect(await chain.public.getBlockNumber()).toBe(blockBefore);
    expect(await balanceOf(WETH.address, owner)).toBe(0n);
    expect(await aaveDebt(user, USDC.address)).toBe(debtBefore);
    expect(await healthFactor(user)).toBeLessThan(WAD);
  });

  it("skips an action whose profit is under the floor: InsufficientProfit(got, min) decoded from the simulation, nothing sent", async () => {
    const user = await underwaterAaveBorrower();
    const action = aaveV2Flash(user, await aaveDebt(user, world.tokens.USDC.address), 0n);
    const sim = await simulateAction(chain.public, { executor, account: keeper.wallet.account, action });
    if (!sim.ok) throw sim.error;
    const nonceBefore = await nonceOf(keeper.wallet.account.address);
    const floor = 1_000n * WAD; // 1,000 WETH from a ~$10k liquidation: not happening

    const { outcome } = await execute(action, { minProfit: floor });

    expect(outcome.status).toBe("skipped");
    if (outcome.status !== "skipped") return;
    expect(outcome.skip).toMatchObject({ code: "simulation-reverted", deterministic: true });
    const err = outcome.skip.error;
    if (!(err instanceof ExecutorRevertError)) throw new Error(`expected a revert, got ${err}`);
    expect(err.classification).toBe("deterministic");
    expect(err.source).toBe("executor");
    expect(err.errorName).toBe("InsufficientProfit");
    // The contract reports what the liquidation would have paid (the same state as the plain simulation) and the
    // floor the keeper wrote into the call.
    expect(err.args).toEqual([sim.profit, floor]);
    expect(err.shortMessage).toContain("InsufficientProfit");
    expect(await nonceOf(keeper.wallet.account.address)).toBe(nonceBefore);
    expect(await healthFactor(user)).toBeLessThan(WAD);
  });

  it("skips the liquidation of a healthy position with Aave's own reason decoded (v3.6 custom error HealthFactorNotBelowThreshold)", async () => {
    const user = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 20_000n * USD,
      healthFactorBps: 15_000n,
    });
    expect(await healthFactor(user)).toBeGreaterThan(WAD);
    const debt = await aaveDebt(user, world.tokens.USDC.address);
    const nonceBefore = await nonceOf(keeper.wallet.account.address);

    const { outcome } = await execute(aaveV2Flash(user, debt / 2n));

    expect(outcome.status).toBe("skipped");
    if (outcome.status !== "skipped" || outcome.skip.code !== "simulation-reverted")
      throw new Error(`unexpected ${outcome.status}`);
    const err = outcome.skip.error;
    if (!(err instanceof ExecutorRevertError)) throw new Error(`expected a revert, got ${err}`);
    expect(err.source).toBe("aave");
    // Aave v3.6 reverts with custom errors, not v3.0's numeric reason strings ("45").
    expect(err.reason).toBeUndefined();
    expect(err.errorName).toBe("HealthFactorNotBelowThreshold");
    expect(err.data).toBe(toFunctionSelector("HealthFactorNotBelowThreshold()"));
    expect(err.classification).toBe("deterministic");
    expect(await nonceOf(keeper.wallet.account.address)).toBe(nonceBefore);
    expect(await aaveDebt(user, world.tokens.USDC.address)).toBeGreaterThanOrEqual(debt);
  });

  it("skips an account that is neither owner nor keeper: NotAuthorized(caller)", async () => {
    const user = await underwaterAaveBorrower();
    const stranger = chain.accounts[3];
    const { outcome } = await execute(aaveV2Flash(user, 1_000n * 10n ** 6n), { account: 3 });
    if (outcome.status !== "skipped" || outcome.skip.code !== "simulation-reverted")
      throw new Error(`unexpected ${outcome.status}`);
    expect(outcome.skip.error).toMatchObject({
      errorName: "NotAuthorized",
      args: [getAddress(stranger.account.address)],
    });
  });

  it("the gas guard skips an action whose worst-case gas cost exceeds its profit (absurd priority fee)", async () => {
    const { USDC } = world.tokens;
    const user = await underwaterAaveBorrower();
    const debtBefore = await aaveDebt(user, USDC.address);
    const keeperAddress = keeper.wallet.account.address;
    const nonceBefore = await nonceOf(keeperAddress);
    const ethBefore = await ethOf(keeperAddress);
    const fees = { priorityFeePerGas: parseGwei("1000000"), maxFeePerGasCap: parseGwei("10000000") }; // 1M gwei tip

    const { outcome, journal } = await execute(aaveV2Flash(user, debtBefore), { fees });

    expect(outcome.status).toBe("skipped");
    if (outcome.status !== "skipped") return;
    expect(outcome.skip).toMatchObject({ code: "not-profitable", deterministic: true });
    // The action itself was fine: profitable on chain (journaled simulation), just not worth that gas price.
    const [intent] = journal.history(1);
    expect(intent.state).toBe("abandoned");
    expect(intent.simulation!.profit).toBeGreaterThan(0n);
    expect(gasLimitFor(intent.simulation!.gas, 12_000n) * fees.priorityFeePerGas).toBeGreaterThan(
      intent.simulation!.profit,
    );
    expect(journal.attempts(intent.id)).toEqual([]);

    expect(await nonceOf(keeperAddress)).toBe(nonceBefore);
    expect(await ethOf(keeperAddress)).toBe(ethBefore);
    expect(await aaveDebt(user, USDC.address)).toBe(debtBefore);

    // The same action at sane fees goes through: the guard, not the action, stopped it.
    const sane = await execute(aaveV2Flash(user, debtBefore));
    expect(sane.outcome.status).toBe("mined");
  });

  it("a transaction mined after the state changed is reported reverted, with the reason replayed at its block", async () => {
    const { USDC } = world.tokens;
    const user = await underwaterAaveBorrower();
    const debt = await aaveDebt(user, USDC.address);
    const keeperAddress = keeper.wallet.account.address;

    // Hold blocks: the price recovery (higher tip) and the liquidation will share the next block, recovery first.
    await chain.provider.request({ method: "evm_setAutomine", params: [false] });
    await chain.wallet.writeContract({
      address: world.feeds.WETH,
      abi: settableAggregator().abi as Abi,
      functionName: "setAnswer",
      args: [3_500n * USD],
      gas: 100_000n,
      maxFeePerGas: parseGwei("500"),
      maxPriorityFeePerGas: parseGwei("200"),
    } as never);
    const nonceBefore = await nonceOf(keeperAddress);
    const pending = execute(aaveV2Flash(user, debt));
    // Mine once the keeper's transaction is in the mempool (its pending nonce moved).
    for (let i = 0; i < 500 && (await nonceOf(keeperAddress)) === nonceBefore; i++)
      await new Promise((r) => setTimeout(r, 10));
    await chain.provider.request({ method: "evm_mine", params: [] });
    await chain.provider.request({ method: "evm_setAutomine", params: [true] });
    const { outcome } = await pending;

    expect(outcome.status).toBe("reverted");
    if (outcome.status !== "reverted") return;
    const receipt = await chain.public.getTransactionReceipt({ hash: outcome.hash! });
    expect(receipt.status).toBe("reverted");
    expect(outcome).toMatchObject({
      blockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      effectiveGasPrice: receipt.effectiveGasPrice,
    });
    expect(outcome.error).toBeInstanceOf(ExecutorRevertError);
    if (!(outcome.error instanceof ExecutorRevertError)) return;
    expect(outcome.error.errorName).toBe("HealthFactorNotBelowThreshold");
    expect(await healthFactor(user)).toBeGreaterThan(WAD);
    expect(await aaveDebt(user, USDC.address)).toBeGreaterThanOrEqual(debt);
    expect(await nonceOf(keeperAddress)).toBe(nonceBefore + 1); // sent and paid for, once
  });

  it("a transaction that runs out of gas is reported reverted (OutOfGas), though the automining node threw on send", async () => {
    const { USDC } = world.tokens;
    const user = await underwaterAaveBorrower();
    const debt = await aaveDebt(user, USDC.address);
    const keeperAddress = keeper.wallet.account.address;
    const nonceBefore = await nonceOf(keeperAddress);
    const ethBefore = await ethOf(keeperAddress);

    // Half the estimate: the node mines it, it fails, and Hardhat's eth_sendTransaction throws with its hash.
    const { outcome, journal } = await execute(aaveV2Flash(user, debt), { gasLimitMultiplierBps: 5_000n });

    expect(outcome.status).toBe("reverted");
    if (outcome.status !== "reverted") return;
    expect(outcome.error).toMatchObject({ errorName: "OutOfGas", classification: "deterministic" });
    const receipt = await chain.public.getTransactionReceipt({ hash: outcome.hash! });
    expect(receipt.status).toBe("reverted");
    // An inner call starved of gas reverts the whole transaction with 1/64 of the gas left: the receipt alone
    // cannot tell, the replays with and without the limit do.
    const [attempt] = journal.attempts(journal.history(1)[0].id);
    expect(receipt.gasUsed).toBeLessThanOrEqual(attempt.gasLimit);
    expect((outcome.error as ExecutorRevertError).description).toMatch(/gas/);
    expect(await nonceOf(keeperAddress)).toBe(nonceBefore + 1);
    expect(ethBefore - (await ethOf(keeperAddress))).toBe(receipt.gasUsed * receipt.effectiveGasPrice);
    expect(await aaveDebt(user, USDC.address)).toBeGreaterThanOrEqual(debt); // nothing was liquidated
  });

  // ---------------------------------------------------------------------------------------------------------
  // Uniswap V2 rebalance
  // ---------------------------------------------------------------------------------------------------------

  it("executes a V2 rebalance funded by a V3 flash: the pair lands within tolerance of the feed price, profit to the owner", async () => {
    const pair = world.uniswapV2.pairs.WETH_USDC;
    const target = await feedPriceX112(pair);
    await skewV2Pool(chain, world, "WETH_USDC", 300); // the market pushes token0 3% dearer than the feeds
    const [r0, r1] = await reserves(pair.address);
    const skewedBps = Number((((r1 << 112n) / r0 - target) * 10_000n) / target);
    expect(skewedBps).toBeGreaterThanOrEqual(290);
    const { zeroForOne, amountIn } = v2InputToPrice(r0, r1, target);
    const toleranceBps = 5;
    const action: ExecutorAction = {
      kind: "rebalanceV2",
      params: {
        pair: pair.address,
        zeroForOne,
        amountIn,
        targetPriceX112: target,
        toleranceBps,
        funding: Funding.V3Flash,
        fundingPool: world.uniswapV3.pools.WETH_USDC_3000.address,
        minProfit: 0n,
      },
      tokens: { token0: pair.token0, token1: pair.token1 },
    };
    const tokenOut = profitToken(action);
    expect(tokenOut).toBe(zeroForOne ? pair.token1 : pair.token0);
    const ownerBefore = await balanceOf(tokenOut, owner);

    // Profit is in USDC or WETH depending on the direction: price it for the guard at the feed (USDC: 1/3000 WETH).
    const toWei = (profit: bigint, token: Address) =>
      token === world.tokens.WETH.address ? profit : (profit * 10n ** 12n) / 3_000n;
    const { outcome } = await execute(action, { expectedProfitWei: toWei });
    if (outcome.status !== "mined") throw new Error(`expected mined, got ${outcome.status}`);

    const [a0, a1] = await reserves(pair.address);
    const price = (a1 << 112n) / a0;
    const diff = price > target ? price - target : target - price;
    expect(diff * 10_000n).toBeLessThanOrEqual(target * BigInt(toleranceBps));
    expect(outcome.events[0]?.eventName).toBe("V2Rebalanced");
    if (outcome.events[0]?.eventName !== "V2Rebalanced") return;
    const ev = outcome.events[0].args;
    expect(ev.pair).toBe(pair.address);
    expect(ev.funding).toBe(Funding.V3Flash);
    expect(ev.amountIn).toBe(amountIn);
    expect(ev.priceX112).toBe(price);
    expect(ev.profit).toBeGreaterThan(0n);
    expect(ev.profit).toBe(ev.amountOut - ev.fundingCost);
    expect((await balanceOf(tokenOut, owner)) - ownerBefore).toBe(ev.profit);
    expect(await balanceOf(pair.token0, executor)).toBe(0n);
    expect(await balanceOf(pair.token1, executor)).toBe(0n);
  });
});
