/**
 * planSequence and the keeper's bisection with fake modules: what is folded into a batch, what waits, what a failed
 * batch becomes. No chain: the module boundary is the test's.
 */
import type { Address, Hash } from "viem";
import { describe, expect, it } from "vitest";
import type { ExecutorAction } from "../../../src/executor/actions.js";
import type { SendOutcome } from "../../../src/executor/outcome.js";
import { Keeper } from "../../../src/keeper/keeper.js";
import type { ProtocolModule } from "../../../src/protocols/module.js";
import type { Opportunity } from "../../../src/risk/opportunity.js";
import { skip } from "../../../src/skip.js";
import { maxTxGasFor, planSequence, TX_GAS_CAP } from "../../../src/strategy/sequence.js";
import type { Candidate, Skip, StrategyContext } from "../../../src/strategy/types.js";
import type { Snapshot } from "../../../src/watcher/snapshot.js";
import type { Watcher } from "../../../src/watcher/watcher.js";

const WETH = "0x00000000000000000000000000000000000000e1" as Address;
const POOL_A = "0x00000000000000000000000000000000000000a1" as Address;
const POOL_B = "0x00000000000000000000000000000000000000b1" as Address;
const USD8 = 10n ** 8n;

const snapshot = (gasLimit = 30_000_000n): Snapshot => ({
  blockNumber: 1n,
  blockHash: `0x${"00".repeat(32)}` as Hash,
  timestamp: 1n,
  baseFeePerGas: 0n,
  gasLimit,
  prices: { [WETH]: { token: WETH, symbol: "WETH", decimals: 18, usd8: 3000n * USD8, updatedAt: 0n } },
  inventory: {},
  stats: { readMs: 0 },
});

type FakeParams = { pool: Address; ids: string[]; minProfit: bigint };

function single(id: string, usd: bigint, pool: Address, gas = 200_000n): Candidate {
  const opportunity = {
    id,
    kind: "liquidation",
    protocol: "fake",
    expectedProfit: { token: WETH, symbol: "WETH", decimals: 18, amount: usd },
    expectedProfitUsd: usd * USD8,
    gasEstimate: gas,
    funding: { source: "none", feeUsd: 0n, includedInProfit: true },
    details: {},
  } as unknown as Opportunity;
  return {
    opportunity,
    action: { kind: "fakeLiquidate", params: { pool, ids: [id], minProfit: 1n } } as unknown as ExecutorAction,
    context: {},
  };
}

function batch(members: readonly Candidate[]): Candidate {
  if (members.length === 1) return members[0];
  const p = (c: Candidate) => c.action.params as unknown as FakeParams;
  return {
    ...members[0],
    opportunity: {
      ...members[0].opportunity,
      id: members.map((m) => m.opportunity.id).join("+"),
      gasEstimate: 100_000n + 100_000n * BigInt(members.length),
    },
    action: {
      kind: "fakeLiquidate",
      params: { pool: p(members[0]).pool, ids: members.flatMap((m) => p(m).ids), minProfit: 1n },
    } as unknown as ExecutorAction,
    members,
  };
}

/** A fake lending module: each liquidation on a pool moves it; same-pool liquidations batch. */
function fakeModule(
  found: Candidate[],
  opts: { refine?: (c: Candidate) => Candidate | undefined } = {},
): ProtocolModule {
  return {
    name: "fake",
    kind: "lending",
    section: "fake",
    schema: undefined as never,
    readWhen: () => false,
    createReader: () => undefined,
    positionsWatched: () => undefined,
    context: () => ({}),
    detect: () => ({ candidates: found, skipped: [] }),
    refine: (c) =>
      opts.refine?.(c) ??
      ({
        id: c.opportunity.id,
        protocol: "fake",
        skip: skip("not-profitable", "pool moved"),
        context: {},
      } as unknown as Skip),
    merge: (into, next, _ctx, maxGas) => {
      const a = into.action.params as unknown as FakeParams;
      const b = next.action.params as unknown as FakeParams;
      if (a.pool !== b.pool) return undefined;
      const m = batch([...(into.members ?? [into]), next]);
      return m.opportunity.gasEstimate <= maxGas ? m : undefined;
    },
    actions: {
      fakeLiquidate: {
        touched: (a) => [(a.params as unknown as FakeParams).pool],
        readBack: async () => ({}),
        apply: (c) => [
          { kind: "v2", address: (c.action.params as unknown as FakeParams).pool, reserve0: 1n, reserve1: 1n },
        ],
        split: (c) => {
          const m = c.members;
          if (!m || m.length < 2) return undefined;
          const h = Math.ceil(m.length / 2);
          return [batch(m.slice(0, h)), batch(m.slice(h))];
        },
      },
    },
  };
}

const ctx: StrategyContext = {
  v2Pairs: [],
  v3Pools: [],
  wethToken: WETH,
  minProfitUsd: 1n * USD8,
  priorityFeePerGas: 0n,
  rebalanceThresholdBps: 0n,
  rebalanceToleranceBps: 0,
  maxTradeUsd: 0n,
  feedMaxAgeS: { default: 90_000n, byToken: {} },
  maxFeedTwapDeviationBps: 2_500n,
  v3Rebalance: false,
  gas: {
    aaveV2Flash: 0n,
    aaveV2FlashBatchItem: 0n,
    aaveMorphoFlash: 0n,
    rebalanceV2Inventory: 0n,
    rebalanceV2V3Flash: 0n,
    morphoLiquidation: 0n,
    rebalanceV3Inventory: 0n,
  },
};

describe("planSequence", () => {
  it("bounds one transaction by 2^24 gas (less the x1.2 gas-limit margin) and by the share of the block gas limit", () => {
    expect(maxTxGasFor(snapshot(20_000_000n))).toBe(10_000_000n);
    expect(maxTxGasFor(snapshot(60_000_000n))).toBe((TX_GAS_CAP * 10_000n) / 12_000n);
    expect(maxTxGasFor(snapshot(40_000_000n), 2_500n)).toBe(10_000_000n);
  });

  it("re-sizes a candidate whose pool an earlier action moved, and folds it into that action's batch", () => {
    const found = [single("a1", 100n, POOL_A), single("a2", 90n, POOL_A), single("b1", 80n, POOL_B)];
    const plan = planSequence(snapshot(), ctx, [
      fakeModule(found, { refine: (c) => ({ ...c, context: { refined: "yes" } }) }),
    ]);
    expect(plan.transactions.map((t) => t.opportunity.id)).toEqual(["a1+a2", "b1"]);
    expect(plan.transactions[0].members?.[1].context.refined).toBe("yes");
  });

  it("never lets a batch grow past the gas bound: the rest starts a new transaction", () => {
    // 30 items on one pool; a batch costs 100k + 100k per item; the bound is half of a 3M block: 1.5M -> 14 items.
    const found = Array.from({ length: 30 }, (_, i) => single(`p${i}`, 100n - BigInt(i), POOL_A));
    const plan = planSequence(snapshot(3_000_000n), ctx, [fakeModule(found, { refine: (c) => c })]);
    expect(plan.maxTxGas).toBe(1_500_000n);
    expect(plan.transactions.map((t) => t.members?.length ?? 1)).toEqual([14, 14, 2]);
    for (const t of plan.transactions) expect(t.opportunity.gasEstimate).toBeLessThanOrEqual(plan.maxTxGas);
  });

  it("skips (without cooling down) a candidate that no longer pays once earlier actions moved its pool", () => {
    const found = [single("a1", 100n, POOL_A), single("a2", 90n, POOL_A)];
    const plan = planSequence(snapshot(), ctx, [fakeModule(found)]);
    expect(plan.transactions.map((t) => t.opportunity.id)).toEqual(["a1"]);
    const s = plan.skipped.find((x) => x.id === "a2")!;
    expect(s.skip.message).toMatch(/after earlier actions of this block/);
    expect(s.skip.deterministic).toBe(false);
  });
});

describe("Keeper: a batch whose simulation fails is bisected, never blocking its members", () => {
  it.each(["simulation-reverted", "gas-cap"] as const)(
    "sends every good member and skips only the bad one (%s)",
    async (code) => {
      const found = Array.from({ length: 8 }, (_, i) => single(i === 5 ? "bad" : `ok${i}`, 100n - BigInt(i), POOL_A));
      const module = fakeModule(found, { refine: (c) => c });
      const sends: string[] = [];
      const keeper = new Keeper({
        client: { chain: { id: 31337 } } as never,
        watcher: { snapshot: async () => snapshot() } as unknown as Watcher,
        strategy: ctx,
        dryRun: false,
        protocols: [module],
        execute: async (c): Promise<SendOutcome> => {
          const ids = (c.action.params as unknown as FakeParams).ids;
          if (ids.includes("bad"))
            return { status: "skipped", skip: skip(code, "simulation reverted: InsufficientProfit") };
          sends.push(ids.join("+"));
          return {
            status: "mined",
            hash: `0x${"ab".repeat(32)}` as Hash,
            blockNumber: 1n,
            gasUsed: 1n,
            effectiveGasPrice: 1n,
            profit: 1n,
            events: [],
          };
        },
      });
      await keeper.processBlock(1n);
      // 8 in one batch -> halves of 4: the first mines; the second (with "bad") is cut to 2 + 2, then 1 + 1.
      expect(sends).toEqual(["ok0+ok1+ok2+ok3", "ok4", "ok6+ok7"]);
      expect(keeper.report.skipped.map((s) => s.id)).toEqual(["bad"]);
    },
  );
});
