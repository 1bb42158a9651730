/**
 * The keeper on the market-shaped world: after a market move it plans, simulates and sends liquidations of the new
 * kinds of positions (a USDT debt, several collaterals and several debts, an ETH-correlated eMode position after a
 * wstETH depeg, a near-dust position, the wstETH/WETH and WBTC/USDT Morpho markets) through its executor, routing the seized collateral through the world's pools.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { devAccount } from "../../src/chain/devAccounts.js";
import { createInProcessChain, type InProcessChain } from "../../src/chain/inProcess.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import { createExecuteFn, createLocalPipeline } from "../../src/keeper/pipeline.js";
import { strategyContextFor } from "../../src/strategy/context.js";
import { planSequence } from "../../src/strategy/sequence.js";
import { Watcher } from "../../src/watcher/watcher.js";
import {
  createAaveBorrower,
  createMorphoBorrower,
  deployWorld,
  getPrices,
  setPrice,
  syncPoolsToFeeds,
  type World,
} from "../../src/world/index.js";
import { aavePoolAbi, morphoAbi } from "../helpers/abis.js";

const USD = 10n ** 8n;

describe("the keeper on the market-shaped world", () => {
  let chain: InProcessChain;
  let world: World;
  let executor: Address;
  const aave: Record<string, Address> = {};
  const morpho: Record<string, { user: Address; market: number }> = {};

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 0, morphoBorrowers: 0 });
    const [, keeperWallet, ownerWallet] = chain.accounts;
    executor = await deployExecutor(
      { public: chain.public, wallet: ownerWallet },
      { keeper: keeperWallet.account.address, protocols: executorProtocols(world) },
    );
    aave.usdtDebt = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDT",
      collateralUsd: 100_000n * USD,
      healthFactorBps: 10_400n,
    });
    aave.multi = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      collateralUsd: 90_000n * USD,
      moreCollateral: [{ symbol: "WBTC", usd: 60_000n * USD }],
      debt: "USDC",
      moreDebt: [{ symbol: "USDT", shareBps: 4_000n }],
      healthFactorBps: 10_600n,
    });
    aave.eMode = await createAaveBorrower(chain, world, {
      collateral: "wstETH",
      debt: "WETH",
      collateralUsd: 80_000n * USD,
      // The least HF the category's 93% LTV lets it borrow at (LT 95%): a 3% depeg sinks it.
      healthFactorBps: 10_250n,
      eModeCategory: 1,
    });
    aave.nearDust = await createAaveBorrower(chain, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 2_400n * USD,
      healthFactorBps: 10_400n,
    });
    morpho.wstETH = {
      user: await createMorphoBorrower(chain, world, {
        collateralUsd: 100_000n * USD,
        healthFactorBps: 10_200n,
        market: 1,
      }),
      market: 1,
    };
    morpho.WBTC = {
      user: await createMorphoBorrower(chain, world, {
        collateralUsd: 100_000n * USD,
        healthFactorBps: 10_300n,
        market: 2,
      }),
      market: 2,
    };
    // ETH and BTC -8% (wstETH follows ETH) and a 3% wstETH depeg on top; the rest of the market realigns the pools.
    const p = await getPrices(chain, world);
    await setPrice(chain, world, "WETH", (p.WETH * 92n) / 100n);
    await setPrice(chain, world, "WBTC", (p.WBTC * 92n) / 100n);
    await setPrice(chain, world, "wstETH", (p.wstETH * 92n * 97n) / 10_000n);
    await syncPoolsToFeeds(chain, world);
  });

  const aaveDebt = async (user: Address) =>
    (
      await chain.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
      })
    )[1];
  const morphoShares = async (user: Address, market: number) =>
    (
      await chain.public.readContract({
        address: world.morpho.morpho,
        abi: morphoAbi,
        functionName: "position",
        args: [world.morpho.markets[market]!.id, user],
      })
    )[1];

  it("liquidates every one of them at a profit, routing the seized collateral through the world's pools", async () => {
    const watcher = new Watcher(chain.public, world, {
      watch: new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]),
      executor,
    });
    const strategy = strategyContextFor(world, {
      minProfitUsd: 1n * USD,
      priorityFeePerGas: 10n ** 9n,
      thresholdBps: 10_000n,
      toleranceBps: 1,
    });
    const send = createLocalPipeline({
      client: chain.public,
      executor,
      account: devAccount(1),
      fees: { priorityFeePerGas: 10n ** 9n, maxFeePerGasCap: 500n * 10n ** 9n },
    });
    const execute = createExecuteFn(send.pipeline, { wethToken: world.tokens.WETH.address });
    const before = {
      aave: Object.fromEntries(await Promise.all(Object.entries(aave).map(async ([k, u]) => [k, await aaveDebt(u)]))),
      morpho: Object.fromEntries(
        await Promise.all(Object.entries(morpho).map(async ([k, m]) => [k, await morphoShares(m.user, m.market)])),
      ),
    };
    const snapshot = await watcher.snapshot();
    for (const u of Object.values(aave)) expect(Object.keys(snapshot.aave!.positions)).toContain(u);
    const plan = planSequence(snapshot, strategy);
    const ids = plan.transactions.map((t) => t.opportunity.id.toLowerCase());
    // Every Aave member's notes: the eMode borrower is sized in its category, the multi-asset one says why its pair.
    const contexts = plan.transactions.flatMap((t) => [t, ...(t.members ?? [])]).map((c) => c.context);
    const noteOf = (u: Address) => contexts.find((c) => c.borrower === u);
    expect(noteOf(aave.eMode)?.eMode).toBe("ETH correlated (1)");
    expect(noteOf(aave.multi)?.choice).toMatch(/^chose \w+\/\w+ nets \$[\d.]+ at a [\d.]+% bonus; over /);
    const mined: string[] = [];
    for (const t of plan.transactions) {
      const out = await execute(t, snapshot);
      expect(
        out.status,
        `${t.opportunity.id}: ${JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? `${v}` : v))}`,
      ).toBe("mined");
      expect(t.netProfitUsd).toBeGreaterThan(0n);
      mined.push(t.opportunity.id.toLowerCase());
    }
    for (const [k, u] of Object.entries(aave)) {
      expect(
        ids.some((id) => id.includes(u.toLowerCase())),
        k,
      ).toBe(true);
      expect(await aaveDebt(u), k).toBeLessThan(before.aave[k] as bigint);
    }
    for (const [k, m] of Object.entries(morpho)) {
      expect(
        ids.some((id) => id.includes(m.user.toLowerCase().slice(2))),
        k,
      ).toBe(true);
      expect(await morphoShares(m.user, m.market), k).toBeLessThan(before.morpho[k] as bigint);
    }
    expect(mined.length).toBe(plan.transactions.length);
  });
});
