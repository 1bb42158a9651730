/**
 * The keeper loop with fakes at the module boundary: a fake watcher hands out snapshots, a fake protocol module
 * detects what the test says and reads back what was mined, a fake ExecuteFn plays the send pipeline. No chain.
 */
import type { Address, Hash } from "viem";
import { describe, expect, it } from "vitest";
import type { ExecutorAction } from "../../../src/executor/actions.js";
import type { SendOutcome } from "../../../src/executor/outcome.js";
import { KeeperError } from "../../../src/errors.js";
import { Keeper, type KeeperEvent } from "../../../src/keeper/keeper.js";
import type { ProtocolModule } from "../../../src/protocols/module.js";
import type { Opportunity } from "../../../src/risk/opportunity.js";
import { skip } from "../../../src/skip.js";
import type { Candidate, StrategyContext } from "../../../src/strategy/types.js";
import type { Snapshot } from "../../../src/watcher/snapshot.js";
import type { Watcher } from "../../../src/watcher/watcher.js";

const WETH = "0x00000000000000000000000000000000000000e1" as Address;
const PAIR_A = "0x00000000000000000000000000000000000000a1" as Address;
const PAIR_B = "0x00000000000000000000000000000000000000b1" as Address;
const USD8 = 10n ** 8n;

function snapshotAt(block: bigint): Snapshot {
  return {
    blockNumber: block,
    blockHash: `0x${block.toString(16).padStart(64, "0")}` as Hash,
    timestamp: 1_000n + block,
    baseFeePerGas: 1n,
    gasLimit: 30_000_000n,
    prices: { [WETH]: { token: WETH, symbol: "WETH", decimals: 18, usd8: 3000n * USD8, updatedAt: 0n } },
    inventory: {},
    stats: { readMs: 0 },
  };
}

/** A candidate worth `usd` dollars acting on `pool` (a fake rebalance action: only its pool matters here). */
function candidate(id: string, usd: bigint, pool: Address): Candidate {
  const opportunity = {
    id,
    kind: "rebalance",
    protocol: "uniswap-v2",
    expectedProfit: { token: WETH, symbol: "WETH", decimals: 18, amount: (usd * 10n ** 18n) / 3000n },
    expectedProfitUsd: usd * USD8,
    gasEstimate: 100_000n,
    funding: { source: "none", feeUsd: 0n, includedInProfit: true },
    details: {},
  } as unknown as Opportunity;
  const action = { kind: "fakeTrade", params: { pool, minProfit: 1n } } as unknown as ExecutorAction;
  return { opportunity, action, context: { pool } };
}

interface Harness {
  keeper: Keeper;
  sent: string[][];
  events: KeeperEvent[];
  readBacks: string[];
}

/** One fake module owning "fakeTrade"; `detectAt(block)` says what it finds at each block. */
function harness(
  detectAt: (block: bigint) => Candidate[],
  execute: (c: Candidate, block: bigint) => SendOutcome,
): Harness {
  const sent: string[][] = [];
  const readBacks: string[] = [];
  const events: KeeperEvent[] = [];
  let block = 0n;
  const module: ProtocolModule = {
    name: "fake",
    kind: "venue",
    section: "fake",
    schema: undefined as never,
    readWhen: () => false,
    createReader: () => undefined,
    positionsWatched: () => undefined,
    context: () => ({}),
    detect: (s) => ({ candidates: detectAt(s.blockNumber), skipped: [] }),
    actions: {
      fakeTrade: {
        touched: (a) => [(a.params as unknown as { pool: Address }).pool],
        readBack: async (_client, { candidate: c, outcome }) => {
          readBacks.push(`${c.opportunity.id}@${outcome.blockNumber}`);
          return { rebalances: [] };
        },
      },
    },
  };
  const watcher = { snapshot: async (b?: bigint) => snapshotAt(b ?? ++block) } as unknown as Watcher;
  const strategy: StrategyContext = {
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
  const keeper = new Keeper({
    client: { chain: { id: 31337 } } as never,
    watcher,
    strategy,
    dryRun: false,
    cooldownBlocks: 3n,
    protocols: [module],
    onEvent: (e) => events.push(e),
    execute: async (c, s) => {
      (sent[Number(s.blockNumber)] ??= []).push(c.opportunity.id);
      return execute(c, s.blockNumber);
    },
  });
  return { keeper, sent, events, readBacks };
}

const mined = (block: bigint, profit = 1n): SendOutcome => ({
  status: "mined",
  hash: `0x${"ab".repeat(32)}` as Hash,
  blockNumber: block,
  gasUsed: 100_000n,
  effectiveGasPrice: 1n,
  profit,
  events: [],
});

describe("Keeper loop (fakes at the module boundary)", () => {
  it("sends the most profitable first and holds back a candidate whose pool was already moved this block", async () => {
    const h = harness(
      () => [
        candidate("small-on-A", 50n, PAIR_A),
        candidate("big-on-A", 500n, PAIR_A),
        candidate("on-B", 100n, PAIR_B),
      ],
      (_c, b) => mined(b),
    );
    await h.keeper.processBlock(1n);
    expect(h.sent[1]).toEqual(["big-on-A", "on-B"]);
    expect(h.readBacks).toEqual(["big-on-A@1", "on-B@1"]);
  });

  it("cools an opportunity down after a deterministic skip, and retries a transient one at the next block", async () => {
    const h = harness(
      () => [candidate("unprofitable", 100n, PAIR_A), candidate("rpc-flaky", 90n, PAIR_B)],
      (c) =>
        c.opportunity.id === "unprofitable"
          ? { status: "skipped", skip: skip("simulation-reverted", "InsufficientProfit(1, 2)") }
          : { status: "skipped", skip: skip("rpc-error", "timeout") },
    );
    for (let b = 1n; b <= 5n; b++) await h.keeper.processBlock(b);
    // Cooldown of 3 blocks: tried at 1, again at 4; the transient one every block.
    expect(h.sent.flat().filter((id) => id === "unprofitable")).toHaveLength(2);
    expect(h.sent.flat().filter((id) => id === "rpc-flaky")).toHaveLength(5);
    // Each (opportunity, code, wording) is reported once.
    expect(h.keeper.report.skipped.map((s) => `${s.id}:${s.code}`)).toEqual([
      "unprofitable:simulation-reverted",
      "rpc-flaky:rpc-error",
    ]);
  });

  it("records a reverted or refused send as a failure with its typed error's message, and cools it down", async () => {
    const h = harness(
      () => [candidate("doomed", 100n, PAIR_A)],
      (_c, b) => ({
        status: "reverted",
        hash: `0x${"cd".repeat(32)}` as Hash,
        blockNumber: b,
        gasUsed: 1n,
        error: new KeeperError("Mined rebalanceV2 reverted: K."),
      }),
    );
    await h.keeper.processBlock(1n);
    await h.keeper.processBlock(2n);
    expect(h.sent.flat()).toEqual(["doomed"]);
    expect(h.keeper.report.failures).toEqual([
      { id: "doomed", block: "1", error: "Mined rebalanceV2 reverted: K.", txHash: `0x${"cd".repeat(32)}` },
    ]);
  });

  it("adds mined profit at the planning block's price and emits block, send and outcome events in order", async () => {
    const h = harness(
      () => [candidate("ok", 100n, PAIR_A)],
      (_c, b) => mined(b, 10n ** 18n),
    );
    await h.keeper.processBlock(7n);
    expect(h.keeper.totalProfitUsd8).toBe(3000n * USD8);
    expect(h.events.map((e) => e.type)).toEqual(["block", "send", "outcome"]);
    expect(h.keeper.report.fromBlock).toBe("7");
  });

  it("keeps running through a failing block: the error is reported and the next head is processed", async () => {
    let calls = 0;
    const errors: number[] = [];
    const h = harness(
      () => [],
      () => mined(0n),
    );
    const failingWatcher = {
      snapshot: async (b?: bigint) => {
        if (calls++ === 0) throw new Error("HTTP 503");
        return snapshotAt(b ?? 1n);
      },
    } as unknown as Watcher;
    let head = 10n;
    const keeper = new Keeper({
      ...(h.keeper as unknown as { opts: ConstructorParameters<typeof Keeper>[0] }).opts,
      watcher: failingWatcher,
      client: { chain: { id: 31337 }, getBlockNumber: async () => head++ } as never,
      onError: (_e, n) => errors.push(n),
    });
    const ac = new AbortController();
    await keeper.run({ signal: ac.signal, pollIntervalMs: 1, maxBlocks: 1 });
    expect(errors).toEqual([1]);
    expect(keeper.report.toBlock).not.toBe("");
  });
});

describe("Keeper with several transactions in flight (submit, then settle)", () => {
  it("submits a block's sequence without waiting, leaves in-flight opportunities out of the next block, records outcomes when they settle", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const submitted: string[][] = [];
    let intent = 0;
    const h = harness(
      () => [candidate("on-A", 100n, PAIR_A), candidate("on-B", 90n, PAIR_B)],
      () => {
        throw new Error("execute() is not used when submit/settle exist");
      },
    );
    const opts = (h.keeper as unknown as { opts: ConstructorParameters<typeof Keeper>[0] }).opts;
    const execute = Object.assign(async () => mined(0n), {
      submit: async (c: Candidate, s: Snapshot) => {
        (submitted[Number(s.blockNumber)] ??= []).push(c.opportunity.id);
        return {
          status: "submitted" as const,
          intentId: ++intent,
          hash: `0x${"cd".repeat(32)}` as Hash,
          nonce: intent,
        };
      },
      settle: async (subs: readonly { intentId: number }[]) => {
        await gate;
        return new Map(subs.map((x) => [x.intentId, mined(5n)] as const));
      },
    });
    const keeper = new Keeper({ ...opts, execute, settleInBackground: true });
    await keeper.processBlock(5n);
    await keeper.processBlock(6n);
    // Both sent in block 5 without waiting; block 6 leaves them alone while they are in flight.
    expect(submitted[5]).toEqual(["on-A", "on-B"]);
    expect(submitted[6]).toBeUndefined();
    expect(keeper.report.failures).toEqual([]);
    release();
    await keeper.drain();
    expect(h.readBacks).toEqual(["on-A@5", "on-B@5"]);
    await keeper.processBlock(7n);
    expect(submitted[7]).toEqual(["on-A", "on-B"]);
  });
});
