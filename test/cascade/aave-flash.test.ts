/**
 * Aave's own flashLoanSimple as a funding source, chosen when nothing cheaper can lend the debt asset: the keeper
 * reads the pool's premium, sizes the liquidation net of it, sells the collateral over a route and the executor
 * repays loan + premium inside executeOperation. On the real Aave V3 and Uniswap bytecode.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseEventLogs } from "viem";
import { devAccount } from "../../src/chain/devAccounts.js";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { keeperExecutorAbi } from "../../src/executor/abi.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import { FlashSource } from "../../src/executor/routes.js";
import { Keeper } from "../../src/keeper/keeper.js";
import { createExecuteFn, createLocalPipeline } from "../../src/keeper/pipeline.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planSequence } from "../../src/strategy/sequence.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { aaveArtifacts } from "../../src/world/aave.js";
import { send as sendTx } from "../../src/world/tx.js";
import { createAaveBorrower, deployWorld, setPrice, syncPoolsToFeeds, type World } from "../../src/world/index.js";

const USD8 = 10n ** 8n;

describe("Aave flashLoanSimple funding", () => {
  let chain: InProcessChain;
  let world: World;
  let executor: `0x${string}`;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, keeperWallet, ownerWallet] = chain.accounts;
    executor = await deployExecutor(
      { public: chain.public, wallet: ownerWallet },
      { keeper: keeperWallet.account.address, protocols: executorProtocols(world) },
    );
  });

  it("is chosen when neither a V2 flash pair nor Morpho can lend the debt asset, and pays loan + premium", async () => {
    const user = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 200_000n * USD8,
      healthFactorBps: 10_400n,
    });
    await setPrice(chain, world, "WETH", 2_600n * USD8);
    await syncPoolsToFeeds(chain, world);
    const watcher = new Watcher(chain.public, world, {
      watch: new Set(["aave-v3", "uniswap-v2", "uniswap-v3"]),
      executor,
    });
    // No flash pair and no Morpho in the strategy's routes: only Aave can lend the USDC.
    const strategy = {
      ...strategyContextFor(world, {
        minProfitUsd: 5n * USD8,
        priorityFeePerGas: 10n ** 9n,
        thresholdBps: 10_000n,
        toleranceBps: 1,
      }),
      v2Pairs: [],
      morpho: undefined,
    };
    // The world's reserves come with flash loans disabled, as Aave's initReserves leaves them: nothing can fund it.
    const before = planSequence(await watcher.snapshot(), strategy);
    expect(before.transactions.find((t) => t.opportunity.id === `aave-v3:${user}`)).toBeUndefined();
    expect(before.skipped.find((s) => s.id === `aave-v3:${user}`)?.skip.code).toBe("no-funding");
    // Governance enables them for USDC at a 5 bps premium: the keeper reads both and can use the pool's own loan.
    const cfg = aaveArtifacts.configurator().abi;
    await sendTx(chain, {
      address: world.aave.configurator,
      abi: cfg,
      functionName: "updateFlashloanPremiumTotal",
      args: [5n],
    });
    await sendTx(chain, {
      address: world.aave.configurator,
      abi: cfg,
      functionName: "setReserveFlashLoaning",
      args: [world.tokens.USDC.address, true],
    });
    const snapshot = await watcher.snapshot();
    expect(snapshot.aave!.flashLoanPremiumBps).toBe(5n);
    const plan = planSequence(snapshot, strategy);
    const tx = plan.transactions.find((t) => t.opportunity.id === `aave-v3:${user}`)!;
    expect(tx.action.kind).toBe("liquidateAaveRouted");
    if (tx.action.kind !== "liquidateAaveRouted") throw new Error("unreachable");
    expect(tx.action.params.source).toBe(FlashSource.AaveFlashLoan);
    expect(tx.action.params.lender).toBe(world.aave.pool);

    const send = createLocalPipeline({
      client: chain.public,
      executor,
      account: devAccount(1),
      fees: { priorityFeePerGas: 10n ** 9n, maxFeePerGasCap: 500n * 10n ** 9n },
    });
    const keeper = new Keeper({
      client: chain.public,
      watcher,
      strategy,
      execute: createExecuteFn(send.pipeline, { wethToken: world.tokens.WETH.address }),
      dryRun: false,
    });
    await keeper.processBlock(snapshot.blockNumber);
    expect(keeper.report.failures).toEqual([]);
    const [liq] = keeper.report.liquidations;
    expect(liq.borrower).toBe(user);
    const receipt = await chain.public.getTransactionReceipt({ hash: liq.txHash });
    const [event] = parseEventLogs({
      abi: keeperExecutorAbi(),
      logs: receipt.logs,
      eventName: "AaveLiquidatedRouted",
    }) as unknown as { args: { source: number; flashFee: bigint; debtRepaid: bigint; profit: bigint } }[];
    expect(event.args.source).toBe(FlashSource.AaveFlashLoan);
    // The premium the pool charges, on the amount lent (Aave's percentMul rounds half up).
    const premium = snapshot.aave!.flashLoanPremiumBps!;
    expect(event.args.flashFee).toBe((tx.action.params.debtToCover * premium + 5_000n) / 10_000n);
    expect(event.args.profit).toBeGreaterThanOrEqual(tx.action.params.minProfit);
  });
});
