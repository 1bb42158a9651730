import { register as globalRegistry } from "prom-client";
import type { Address, Hash } from "viem";
import { describe, expect, it } from "vitest";
import { KeeperError } from "../../../src/errors.js";
import { ExecutorRevertError, ExecutorRpcError, type SendOutcome } from "../../../src/executor/index.js";
import type { KeeperEvent } from "../../../src/keeper/keeper.js";
import {
  createMetrics,
  headProgress,
  observeKeeperEvent,
  recordRpcError,
  rpcErrorKindOf,
  rpcKindOfError,
  sendOutcomeLabel,
  type KeeperMetrics,
} from "../../../src/ops/metrics.js";
import { skip as skipReason } from "../../../src/skip.js";
import { BroadcastRefusedError, TxUnresolvedError } from "../../../src/txlayer/errors.js";
import type { Candidate } from "../../../src/strategy/index.js";
import type { Snapshot } from "../../../src/watcher/snapshot.js";

const rpcError = (kind: ConstructorParameters<typeof ExecutorRpcError>[0]) =>
  new ExecutorRpcError(kind, "transient", new Error(kind));
const revert = new ExecutorRevertError({
  errorName: "InsufficientProfit",
  args: [1n, 2n],
  source: "executor",
  data: "0x",
});

const WETH: Address = "0x00000000000000000000000000000000000000e1";
const USDC: Address = "0x00000000000000000000000000000000000000c1";
const USER: Address = "0x0000000000000000000000000000000000000a11";
const HASH: Hash = `0x${"ab".repeat(32)}`;
const GWEI = 10n ** 9n;

/** A snapshot at `block`, with WETH at $2000, USDC at $1, a 10 gwei base fee, 3 Aave and 4 Morpho borrowers. */
function snapshot(block: bigint, timestampSeconds: bigint, readMs = 250): Snapshot {
  return {
    blockNumber: block,
    blockHash: HASH,
    timestamp: timestampSeconds,
    gasLimit: 30_000_000n,
    baseFeePerGas: 10n * GWEI,
    prices: {
      [WETH]: { token: WETH, symbol: "WETH", decimals: 18, usd8: 2000n * 10n ** 8n, updatedAt: 0n },
      [USDC]: { token: USDC, symbol: "USDC", decimals: 6, usd8: 10n ** 8n, updatedAt: 0n },
    },
    aave: { accounts: [{}, {}, {}] } as unknown as Snapshot["aave"],
    morpho: { morpho: USER, markets: [] },
    v2Pairs: [{}, {}] as unknown as Snapshot["v2Pairs"],
    v3Pools: [{}] as unknown as Snapshot["v3Pools"],
    inventory: {},
    morphoLiquidity: {},
    stats: { readMs, borrowersWatched: 3, newBorrowers: 0, morphoBorrowersWatched: 4, aaveAccountsRead: 3 },
  };
}

/** An Aave liquidation paying its profit in USDC. Only the fields metrics read are meaningful. */
function aaveCandidate(): Candidate {
  return {
    opportunity: {
      id: `aave-v3:${USER}`,
      kind: "liquidation",
      protocol: "aave-v3",
      expectedProfit: { token: USDC, symbol: "USDC", decimals: 6, amount: 50_000_000n },
      expectedProfitUsd: 50n * 10n ** 8n,
      gasEstimate: 300_000n,
      funding: { source: "none", feeUsd: 0n, includedInProfit: true },
      details: {
        user: USER,
        debtAsset: USDC,
        collateralAsset: USDC,
        debtToCover: 0n,
        collateralSeized: 0n,
        protocolFee: 0n,
        healthFactor: 0n,
      },
    },
    action: { kind: "liquidateAaveV2Flash" } as unknown as Candidate["action"],
    context: {},
  };
}

const outcome = (candidate: Candidate, o: SendOutcome): KeeperEvent => ({
  type: "outcome",
  block: 100n,
  candidate,
  outcome: o,
});

/** The value of one series in the exposition text, e.g. series(text, 'keeper_sends_total{outcome="mined"}'). */
function series(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("createMetrics", () => {
  it("uses its own registry, so two keepers (or tests) never collide and the global one stays empty", async () => {
    const a = createMetrics();
    const b = createMetrics();
    expect(a.registry).not.toBe(b.registry);
    expect(a.registry).not.toBe(globalRegistry);
    expect(await globalRegistry.metrics()).not.toContain("keeper_");
    const text = await a.registry.metrics();
    for (const name of [
      "keeper_blocks_processed_total",
      "keeper_head_block",
      "keeper_head_age_seconds",
      "keeper_positions_watched",
      "keeper_opportunities_found_total",
      "keeper_skipped_total",
      "keeper_sends_total",
      "keeper_gas_spent_wei_total",
      "keeper_gas_spent_usd_total",
      "keeper_profit_usd_total",
      "keeper_rpc_errors_total",
      "keeper_snapshot_read_seconds",
      "keeper_kill_switch_engaged",
      "keeper_circuit_breaker_state",
      "keeper_daily_cap_used",
      "keeper_daily_cap_limit",
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it("starts every bounded label at 0, so alerts see a series before the first event", async () => {
    const text = await createMetrics().registry.metrics();
    for (const outcome of ["mined", "reverted", "skipped", "dry-run", "failed", "pending"]) {
      expect(series(text, `keeper_sends_total{outcome="${outcome}"}`)).toBe(0);
    }
    expect(series(text, 'keeper_skipped_total{reason="not-profitable"}')).toBe(0);
    expect(series(text, 'keeper_kill_switch_engaged{source="file"}')).toBe(0);
  });
});

describe("observeKeeperEvent", () => {
  function feed(metrics: KeeperMetrics, events: KeeperEvent[]): void {
    for (const e of events) observeKeeperEvent(metrics, e);
  }

  it("puts a block's head, read time and watched positions into the metrics text", async () => {
    let now = 1_700_000_030_000;
    const metrics = createMetrics({ now: () => now });
    feed(metrics, [
      { type: "block", snapshot: snapshot(123n, 1_700_000_000n, 250), underwater: 1, skewedPools: 0, candidates: 1 },
    ]);

    let text = await metrics.registry.metrics();
    expect(series(text, "keeper_blocks_processed_total")).toBe(1);
    expect(series(text, "keeper_head_block")).toBe(123);
    expect(series(text, "keeper_head_age_seconds")).toBe(30);
    expect(series(text, "keeper_last_block_age_seconds")).toBe(0);
    expect(series(text, 'keeper_positions_watched{protocol="aave-v3"}')).toBe(3);
    expect(series(text, 'keeper_positions_watched{protocol="uniswap-v2"}')).toBe(2);
    expect(series(text, 'keeper_positions_watched{protocol="uniswap-v3"}')).toBe(1);
    expect(series(text, 'keeper_positions_watched{protocol="morpho-blue"}')).toBe(4);
    expect(series(text, "keeper_snapshot_read_seconds_count")).toBe(1);
    expect(series(text, "keeper_snapshot_read_seconds_sum")).toBeCloseTo(0.25);
    expect(series(text, 'keeper_snapshot_read_seconds_bucket{le="0.1"}')).toBe(0);
    expect(series(text, 'keeper_snapshot_read_seconds_bucket{le="0.25"}')).toBe(1);
    expect(headProgress(metrics)).toEqual({ block: 123n, timestamp: 1_700_000_000n, seenAtMs: 1_700_000_030_000 });

    // No new block for 90 s: the ages grow at scrape time, which is what a stalled keeper looks like.
    now += 90_000;
    text = await metrics.registry.metrics();
    expect(series(text, "keeper_head_age_seconds")).toBe(120);
    expect(series(text, "keeper_last_block_age_seconds")).toBe(90);
  });

  it("counts opportunities, send outcomes, gas and profit after a mined liquidation", async () => {
    const metrics = createMetrics({ now: () => 1_700_000_000_000, nativeToken: WETH });
    const c = aaveCandidate();
    feed(metrics, [
      { type: "block", snapshot: snapshot(100n, 1_700_000_000n), underwater: 1, skewedPools: 0, candidates: 1 },
      { type: "send", block: 100n, candidate: c },
      // 300k gas at an effective 10 gwei = 0.003 ETH = $6; 50 USDC profit = $50.
      outcome(c, {
        status: "mined",
        hash: HASH,
        blockNumber: 101n,
        gasUsed: 300_000n,
        effectiveGasPrice: 10n ** 10n,
        profit: 50_000_000n,
        events: [],
      }),
    ]);
    const text = await metrics.registry.metrics();
    expect(series(text, 'keeper_opportunities_found_total{kind="liquidation",protocol="aave-v3"}')).toBe(1);
    expect(series(text, 'keeper_sends_total{outcome="mined"}')).toBe(1);
    expect(series(text, "keeper_gas_spent_wei_total")).toBe(3e15);
    expect(series(text, "keeper_gas_spent_usd_total")).toBeCloseTo(6);
    expect(series(text, 'keeper_profit_usd_total{protocol="aave-v3"}')).toBeCloseTo(50);
  });

  it("counts the receipt's gas cost (gasUsed x effectiveGasPrice), whatever the block's base fee", async () => {
    const metrics = createMetrics();
    const c = aaveCandidate();
    feed(metrics, [
      { type: "block", snapshot: snapshot(100n, 1n), underwater: 0, skewedPools: 0, candidates: 1 },
      outcome(c, {
        status: "mined",
        hash: HASH,
        blockNumber: 101n,
        gasUsed: 300_000n,
        effectiveGasPrice: 14_000_000_000n,
        profit: 0n,
        events: [],
      }),
    ]);
    const text = await metrics.registry.metrics();
    expect(series(text, "keeper_gas_spent_wei_total")).toBe(4.2e15);
    // Found by its WETH symbol without a nativeToken option: 0.0042 ETH at $2000.
    expect(series(text, "keeper_gas_spent_usd_total")).toBeCloseTo(8.4);
    // Zero profit adds nothing (a counter cannot go down, and must not throw).
    expect(series(text, 'keeper_profit_usd_total{protocol="aave-v3"}')).toBeUndefined();
  });

  it("tells failed sends from reverts, and counts RPC errors by the kind the executor names", async () => {
    const metrics = createMetrics();
    const c = aaveCandidate();
    feed(metrics, [
      outcome(c, {
        status: "failed",
        pending: false,
        error: new BroadcastRefusedError("nonce-too-low", "transient", "nonce too low", rpcError("nonce")),
      }),
      outcome(c, { status: "reverted", hash: HASH, error: revert }),
      outcome(c, { status: "failed", hash: HASH, pending: false, error: rpcError("timeout") }),
      outcome(c, {
        status: "skipped",
        skip: skipReason("rpc-error", "RPC error during simulate", { error: rpcError("rate-limited") }),
      }),
      outcome(c, { status: "skipped", skip: skipReason("not-profitable", "simulated profit 1 below the floor 2") }),
      outcome(c, { status: "dry-run", profit: 1n, gas: 2n }),
    ]);
    recordRpcError(metrics, "server-error");
    recordRpcError(metrics, "something new");
    const text = await metrics.registry.metrics();
    expect(series(text, 'keeper_sends_total{outcome="failed"}')).toBe(2);
    expect(series(text, 'keeper_sends_total{outcome="reverted"}')).toBe(1);
    expect(series(text, 'keeper_sends_total{outcome="skipped"}')).toBe(2);
    expect(series(text, 'keeper_sends_total{outcome="dry-run"}')).toBe(1);
    expect(series(text, 'keeper_sends_total{outcome="mined"}')).toBe(0);
    expect(series(text, 'keeper_rpc_errors_total{kind="nonce"}')).toBe(1);
    expect(series(text, 'keeper_rpc_errors_total{kind="timeout"}')).toBe(1);
    expect(series(text, 'keeper_rpc_errors_total{kind="rate-limited"}')).toBe(1);
    expect(series(text, 'keeper_rpc_errors_total{kind="server-error"}')).toBe(1);
    expect(series(text, 'keeper_rpc_errors_total{kind="unknown"}')).toBe(1);
    expect(series(text, "keeper_gas_spent_wei_total")).toBe(0);
  });

  it("counts skips by their code, never by raw reason text", async () => {
    const metrics = createMetrics();
    const skip = (code: Parameters<typeof skipReason>[0], message: string): KeeperEvent => ({
      type: "skip",
      block: 1n,
      id: "x",
      protocol: "aave-v3",
      skip: skipReason(code, message),
      context: {},
    });
    feed(metrics, [
      skip("not-profitable", "net profit $0.10 below minimum $1.00"),
      skip("not-profitable", "net profit $0.20 below minimum $1.00"),
      skip("safety", "kill switch engaged: kill file /tmp/KILL exists (source: file)"),
      skip("other", "a reason nobody has written yet 0xdeadbeef"),
    ]);
    const text = await metrics.registry.metrics();
    expect(series(text, 'keeper_skipped_total{reason="not-profitable"}')).toBe(2);
    expect(series(text, 'keeper_skipped_total{reason="safety"}')).toBe(1);
    expect(series(text, 'keeper_skipped_total{reason="other"}')).toBe(1);
    expect(text).not.toContain("0xdeadbeef");
    expect(text).not.toContain("$0.10");
  });
});

describe("sendOutcomeLabel / rpcErrorKindOf", () => {
  it("labels every outcome by its status, a failure that may still be mined as pending", () => {
    const labels = (
      [
        { status: "mined", hash: HASH, blockNumber: 1n, gasUsed: 1n, effectiveGasPrice: 1n, profit: 1n, events: [] },
        { status: "dry-run", profit: 1n, gas: 1n },
        { status: "skipped", skip: skipReason("other", "r") },
        { status: "reverted", hash: HASH, error: revert },
        { status: "failed", pending: false, error: rpcError("nonce") },
        { status: "failed", hash: HASH, pending: true, error: new TxUnresolvedError("pending", "no receipt yet") },
      ] satisfies SendOutcome[]
    ).map(sendOutcomeLabel);
    expect(labels).toEqual(["mined", "dry-run", "skipped", "reverted", "failed", "pending"]);
  });

  it("finds the typed RPC error anywhere in the cause chain, and nothing in other errors", () => {
    const wrapped = new KeeperError("outer", {
      cause: new BroadcastRefusedError("rejected", "deterministic", "no", rpcError("server-error")),
    });
    expect(rpcErrorKindOf({ status: "failed", pending: false, error: wrapped })).toBe("server-error");
    expect(rpcErrorKindOf({ status: "reverted", hash: HASH, error: revert })).toBeUndefined();
    expect(rpcErrorKindOf({ status: "skipped", skip: skipReason("other", "no error") })).toBeUndefined();
    expect(rpcKindOfError(new Error("plain"))).toBe("unknown");
    expect(rpcKindOfError(new KeeperError("outer", { cause: rpcError("timeout") }))).toBe("timeout");
  });
});
