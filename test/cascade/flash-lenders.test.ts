/**
 * Flash lenders of the debt asset beyond a V2 pair and Morpho: a Uniswap V3 pool's `flash` (at its fee tier, the
 * pool itself left out of the sale's venues: it is locked while it lends) and Aave's own flashLoanSimple (at the
 * premium the keeper reads). The keeper sizes the liquidation net of each lender's fee, picks the one that nets most,
 * and the executor repays loan + fee inside the callback. On the real Aave V3 and Uniswap bytecode.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseEventLogs, type Hash } from "viem";
import { devAccount } from "../../src/chain/devAccounts.js";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { keeperExecutorAbi } from "../../src/executor/abi.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import { FlashSource } from "../../src/executor/routes.js";
import { createExecuteFn, createLocalPipeline } from "../../src/keeper/pipeline.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planSequence } from "../../src/strategy/sequence.js";
import type { Candidate } from "../../src/strategy/types.js";
import { Watcher } from "../../src/watcher/watcher.js";
import type { Snapshot } from "../../src/watcher/snapshot.js";
import { aaveArtifacts } from "../../src/world/aave.js";
import { send as sendTx } from "../../src/world/tx.js";
import { createAaveBorrower, deployWorld, setPrice, syncPoolsToFeeds, type World } from "../../src/world/index.js";

const USD8 = 10n ** 8n;

interface RoutedEvent {
  args: { user: string; source: number; flashFee: bigint; debtRepaid: bigint; profit: bigint };
}

describe("flash lenders: Uniswap V3 flash and Aave flashLoanSimple", () => {
  let chain: InProcessChain;
  let world: World;
  let executor: `0x${string}`;
  let watcher: Watcher;
  let strategy: ReturnType<typeof strategyContextFor>;
  let execute: ReturnType<typeof createExecuteFn>;
  const users: `0x${string}`[] = [];

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, keeperWallet, ownerWallet] = chain.accounts;
    executor = await deployExecutor(
      { public: chain.public, wallet: ownerWallet },
      { keeper: keeperWallet.account.address, protocols: executorProtocols(world) },
    );
    for (let i = 0; i < 2; i++)
      users.push(
        await createAaveBorrower(chain, world, {
          collateral: "WETH",
          debt: "USDC",
          collateralUsd: 200_000n * USD8,
          healthFactorBps: 10_400n,
        }),
      );
    await setPrice(chain, world, "WETH", 2_600n * USD8);
    await syncPoolsToFeeds(chain, world);
    watcher = new Watcher(chain.public, world, { watch: new Set(["aave-v3", "uniswap-v2", "uniswap-v3"]), executor });
    // No V2 flash pair and no Morpho in the strategy's routes: only a V3 pool or Aave itself can lend the USDC.
    strategy = {
      ...strategyContextFor(world, {
        minProfitUsd: 5n * USD8,
        priorityFeePerGas: 10n ** 9n,
        thresholdBps: 10_000n,
        toleranceBps: 1,
      }),
      v2Pairs: [],
      morpho: undefined,
    };
    const send = createLocalPipeline({
      client: chain.public,
      executor,
      account: devAccount(1),
      fees: { priorityFeePerGas: 10n ** 9n, maxFeePerGasCap: 500n * 10n ** 9n },
    });
    execute = createExecuteFn(send.pipeline, { wethToken: world.tokens.WETH.address });
  });

  /** The snapshot with one borrower only: both would otherwise go in one batch, and each test sends one. */
  const only = (snapshot: Snapshot, user: string): Snapshot => ({
    ...snapshot,
    aave: { ...snapshot.aave!, accounts: snapshot.aave!.accounts.filter((a) => a.user === user) },
  });
  const planned = (snapshot: Snapshot, user: string): Candidate | undefined =>
    planSequence(only(snapshot, user), strategy).transactions.find((t) => t.opportunity.id === `aave-v3:${user}`);

  async function sendAndReadEvent(candidate: Candidate, snapshot: Snapshot, user: string): Promise<RoutedEvent> {
    const outcome = await execute(candidate, snapshot);
    if (outcome.status !== "mined") throw new Error(`expected mined, got ${JSON.stringify(outcome.status)}`);
    const receipt = await chain.public.getTransactionReceipt({ hash: outcome.hash as Hash });
    expect(receipt.status).toBe("success");
    const events = parseEventLogs({
      abi: keeperExecutorAbi(),
      logs: receipt.logs,
      eventName: "AaveLiquidatedRouted",
    }) as unknown as RoutedEvent[];
    expect(events.map((e) => e.args.user.toLowerCase())).toEqual([user.toLowerCase()]);
    return events[0];
  }

  it("a V3 pool's flash is chosen when nothing cheaper lends: the pool is left out of the sale, loan + fee repaid", async () => {
    const snapshot = await watcher.snapshot();
    // The world's reserves come with flash loans disabled (as Aave's initReserves leaves them); without the V3 pool
    // nothing can fund it.
    expect(snapshot.aave!.reserves.find((r) => r.asset === world.tokens.USDC.address)?.flashLoanEnabled).toBe(false);
    const withoutV3 = { ...snapshot, v3Pools: [] };
    expect(planned(withoutV3, users[0])).toBeUndefined();
    expect(
      planSequence(only(withoutV3, users[0]), strategy).skipped.find((s) => s.id === `aave-v3:${users[0]}`)?.skip.code,
    ).toBe("no-funding");

    // The cheapest V3 pool holding USDC lends it (the world has several tiers: USDT/USDC 0.01% is the cheapest).
    const usdc = world.tokens.USDC.address;
    const pool = snapshot
      .v3Pools!.filter((p) => p.token0 === usdc || p.token1 === usdc)
      .sort((a, b) => a.fee - b.fee)[0]!;
    expect((pool.token0 === usdc ? pool.balance0 : pool.balance1) ?? 0n).toBeGreaterThan(0n);
    const tx = planned(snapshot, users[0])!;
    if (tx?.action.kind !== "liquidateAaveRouted")
      throw new Error(`expected liquidateAaveRouted, got ${tx?.action.kind}`);
    expect(tx.action.params.source).toBe(FlashSource.UniswapV3Flash);
    expect(tx.action.params.lender).toBe(pool.address);
    const hops = tx.action.params.route.legs.flatMap((l) => l.hops.map((h) => h.pool.toLowerCase()));
    expect(hops.length).toBeGreaterThan(0);
    expect(hops).not.toContain(pool.address.toLowerCase());

    const event = await sendAndReadEvent(tx, only(snapshot, users[0]), users[0]);
    expect(event.args.source).toBe(FlashSource.UniswapV3Flash);
    // UniswapV3Pool.flash: fee = mulDivRoundingUp(amount, fee, 1e6) on the amount lent.
    const amount = tx.action.params.debtToCover;
    expect(event.args.flashFee).toBe((amount * BigInt(pool.fee) + 999_999n) / 1_000_000n);
    expect(event.args.profit).toBeGreaterThanOrEqual(tx.action.params.minProfit);
  });

  it("Aave's flashLoanSimple wins over the dearer V3 pools once enabled: 5 bps with every venue left to the sale", async () => {
    // Governance enables flash loans for USDC at a 5 bps premium: the keeper reads both.
    const cfg = aaveArtifacts.configurator().abi;
    await sendTx(chain, {
      address: world.aave.configurator,
      abi: cfg,
      functionName: "updateFlashloanPremium",
      args: [5n],
    });
    await sendTx(chain, {
      address: world.aave.configurator,
      abi: cfg,
      functionName: "setReserveFlashLoaning",
      args: [world.tokens.USDC.address, true],
    });
    const read = await watcher.snapshot();
    expect(read.aave!.flashLoanPremiumBps).toBe(5n);
    // Without the pools that lend cheaper than 5 bps (the 0.01% tier), Aave is the cheapest lender.
    const snapshot = { ...read, v3Pools: read.v3Pools!.filter((p) => p.fee >= 500) };
    expect(snapshot.v3Pools.length).toBeGreaterThan(0);
    const tx = planned(snapshot, users[1])!;
    if (tx?.action.kind !== "liquidateAaveRouted")
      throw new Error(`expected liquidateAaveRouted, got ${tx?.action.kind}`);
    expect(tx.action.params.source).toBe(FlashSource.AaveFlashLoan);
    expect(tx.action.params.lender).toBe(world.aave.pool);

    const event = await sendAndReadEvent(tx, only(snapshot, users[1]), users[1]);
    expect(event.args.source).toBe(FlashSource.AaveFlashLoan);
    // The premium the pool charges, on the amount lent (Aave v3.6's percentMulCeil rounds it up).
    const premium = snapshot.aave!.flashLoanPremiumBps!;
    expect(event.args.flashFee).toBe((tx.action.params.debtToCover * premium + 9_999n) / 10_000n);
    expect(event.args.profit).toBeGreaterThanOrEqual(tx.action.params.minProfit);
  });
});
