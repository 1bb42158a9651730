/**
 * Prometheus metrics of the keeper: what it watches, what it finds, what it sends and what that
 * costs, plus the state of its safety gates. Everything lives in one registry owned by
 * {@link createMetrics} (never prom-client's global one), so tests and several keepers in one
 * process cannot collide, and `/metrics` shows exactly the keeper's series.
 *
 * Label values are always drawn from the closed lists below, never from free text (reasons, errors,
 * addresses): each distinct label value is a time series kept forever by Prometheus, so raw
 * strings would grow cardinality without bound.
 */
import { MISS_CAUSES } from "../journal/missed.js";
import { PROTOCOL_NAMES, PROTOCOLS } from "../protocols/registry.js";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Address } from "viem";
import { walkCause } from "../errors.js";
import { redactUrl } from "../redact.js";
import { decodeExecutorError, ExecutorRpcError } from "../executor/errors.js";
import type { SendOutcome } from "../executor/outcome.js";
import type { KeeperEvent } from "../keeper/keeper.js";
import { SKIP_CODES } from "../skip.js";
import type { Snapshot } from "../watcher/snapshot.js";
import {
  BREAKER_STATE_VALUE,
  DAILY_CAPS,
  KILL_SOURCES,
  SAFETY_GATES,
  type BreakerState,
  type DailyCapName,
  type KillSource,
  type SafetyGateName,
} from "../safety/metrics.js";

/** Protocols a position or an opportunity can belong to; anything else is reported as "unknown". */
export const METRIC_PROTOCOLS: readonly string[] = [...PROTOCOL_NAMES, "reference-prices", "unknown"];
export type MetricProtocol = string;

/** What happened to a candidate handed to the executor, as a bounded label (see {@link sendOutcomeLabel}). */
export const SEND_OUTCOMES = ["mined", "reverted", "skipped", "dry-run", "failed", "pending"] as const;
export type SendOutcomeLabel = (typeof SEND_OUTCOMES)[number];

/** RPC failure kinds, as the executor's ExecutorRpcError names them; anything else is "unknown". */
export const RPC_ERROR_KINDS = [
  "timeout",
  "rate-limited",
  "server-error",
  "network",
  "nonce",
  "fee-too-low",
  "insufficient-funds",
  "rejected",
  "unknown",
] as const;
export type RpcErrorKind = (typeof RPC_ERROR_KINDS)[number];

// The safety vocabulary lives with the safety gate (src/safety, on the send path below ops); re-exported here.
export { BREAKER_STATE_VALUE, DAILY_CAPS, KILL_SOURCES, SAFETY_GATES };
export type { BreakerState, DailyCapName, KillSource, SafetyGateName };

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Wall clock in ms; tests inject one. Default Date.now. */
  now?: () => number;
  /**
   * The chain's wrapped native token (WETH), whose feed price turns gas wei into USD. Without it,
   * a token whose feed symbol is WETH or ETH is used; if none, gas is not valued in USD.
   */
  nativeToken?: Address;
  /** Also collect prom-client's process metrics (CPU, memory, event loop lag) into the registry. */
  processMetrics?: boolean;
}

/** The keeper's metrics: one registry and typed handles on every series in it. */
export interface KeeperMetrics {
  readonly registry: Registry;
  readonly blocksProcessed: Counter;
  readonly headBlock: Gauge;
  /** Wall clock minus the head block's timestamp, computed at scrape time so a stalled loop shows a growing age. */
  readonly headAgeSeconds: Gauge;
  /** Seconds since the keeper loop last reported a block, computed at scrape time. */
  readonly lastBlockAgeSeconds: Gauge;
  readonly positionsWatched: Gauge<"protocol">;
  readonly opportunitiesFound: Counter<"kind" | "protocol">;
  readonly skipped: Counter<"reason">;
  readonly sends: Counter<"outcome">;
  readonly gasSpentWei: Counter;
  readonly gasSpentUsd: Counter;
  readonly profitUsd: Counter<"protocol">;
  readonly rpcErrors: Counter<"kind">;
  /** JSON-RPC requests per endpoint (scheme and host only), ranking probes included. */
  readonly rpcEndpointRequests: Counter<"endpoint">;
  /** Failed JSON-RPC requests per endpoint: a failover endpoint that keeps failing shows here. */
  readonly rpcEndpointErrors: Counter<"endpoint">;
  readonly snapshotReadSeconds: Histogram;
  readonly killSwitchEngaged: Gauge<"source">;
  readonly circuitBreakerState: Gauge;
  readonly circuitBreakerConsecutiveFailures: Gauge;
  readonly dailyCapUsed: Gauge<"cap">;
  readonly dailyCapLimit: Gauge<"cap">;
  readonly dryRun: Gauge;
  readonly safetyRefusals: Counter<"gate">;
  /** Liquidations another liquidator won, by protocol and by why we did not (src/keeper/audit.ts). */
  readonly missedLiquidations: Counter<"protocol" | "cause">;
  /** Each watched pool's net base-token buying in USD, this block and over the order-flow window. */
  readonly orderFlowUsd: Gauge<"protocol" | "pool" | "window">;
}

/** The last head the keeper reported, for health checks. */
export interface HeadProgress {
  readonly block: bigint;
  /** The block's timestamp, in seconds. */
  readonly timestamp: bigint;
  /** When the keeper reported it (wall clock, ms). */
  readonly seenAtMs: number;
}

/** What observeKeeperEvent remembers between events: kept outside the public handles so callers cannot corrupt it. */
interface ObservedState {
  readonly now: () => number;
  readonly nativeToken: Address | undefined;
  head: HeadProgress | undefined;
  /** The snapshot of the block being worked on: its prices value profits and gas, its base fee estimates gas paid. */
  snapshot: Snapshot | undefined;
}

const observed = new WeakMap<KeeperMetrics, ObservedState>();

/** Snapshot read times: from a warm local node (~10 ms) to a slow remote one reading thousands of borrowers. */
const READ_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Creates the keeper's registry with every series registered. Labelled series whose label set is
 * known up front (send outcomes, skip classes, gates...) are initialised at 0, so a rate() or an
 * alert on them works before the first event rather than seeing "no data".
 */
export function createMetrics(options: MetricsOptions = {}): KeeperMetrics {
  const registry = new Registry();
  const now = options.now ?? Date.now;
  const reg = { registers: [registry] };

  // Declared before the gauges whose collect() reads it.
  const state: ObservedState = { now, nativeToken: options.nativeToken, head: undefined, snapshot: undefined };

  const metrics: KeeperMetrics = {
    registry,
    blocksProcessed: new Counter({
      name: "keeper_blocks_processed_total",
      help: "Blocks the keeper loop has processed.",
      ...reg,
    }),
    headBlock: new Gauge({ name: "keeper_head_block", help: "Number of the last block the keeper processed.", ...reg }),
    headAgeSeconds: new Gauge({
      name: "keeper_head_age_seconds",
      help: "Seconds between now and the timestamp of the last block the keeper processed (0 until the first block).",
      ...reg,
      collect() {
        if (state.head) this.set(Math.max(0, state.now() / 1000 - Number(state.head.timestamp)));
      },
    }),
    lastBlockAgeSeconds: new Gauge({
      name: "keeper_last_block_age_seconds",
      help: "Seconds since the keeper loop last reported a processed block (0 until the first block).",
      ...reg,
      collect() {
        if (state.head) this.set(Math.max(0, (state.now() - state.head.seenAtMs) / 1000));
      },
    }),
    positionsWatched: new Gauge({
      name: "keeper_positions_watched",
      help: "Positions (borrowers, pools) watched in the last snapshot, by protocol.",
      labelNames: ["protocol"] as const,
      ...reg,
    }),
    opportunitiesFound: new Counter({
      name: "keeper_opportunities_found_total",
      help: "Opportunities that passed the strategy and were handed to the executor, by kind and protocol.",
      labelNames: ["kind", "protocol"] as const,
      ...reg,
    }),
    skipped: new Counter({
      name: "keeper_skipped_total",
      help: "Opportunities left alone, by skip code (distinct skips as the keeper reports them, not one per block).",
      labelNames: ["reason"] as const,
      ...reg,
    }),
    sends: new Counter({
      name: "keeper_sends_total",
      help: "Candidates handed to the executor, by outcome.",
      labelNames: ["outcome"] as const,
      ...reg,
    }),
    gasSpentWei: new Counter({
      name: "keeper_gas_spent_wei_total",
      help: "Gas paid by mined transactions, in wei (receipt gasUsed x effectiveGasPrice).",
      ...reg,
    }),
    gasSpentUsd: new Counter({
      name: "keeper_gas_spent_usd_total",
      help: "keeper_gas_spent_wei_total valued at the native token's feed price, in USD.",
      ...reg,
    }),
    profitUsd: new Counter({
      name: "keeper_profit_usd_total",
      help: "Profit paid to the owner by mined transactions, valued at feed prices, in USD, by protocol.",
      labelNames: ["protocol"] as const,
      ...reg,
    }),
    rpcErrors: new Counter({
      name: "keeper_rpc_errors_total",
      help: "RPC failures (simulation, fee reads, sends), by kind.",
      labelNames: ["kind"] as const,
      ...reg,
    }),
    rpcEndpointRequests: new Counter({
      name: "keeper_rpc_endpoint_requests_total",
      help: "JSON-RPC requests sent to each endpoint (labelled by scheme and host only).",
      labelNames: ["endpoint"] as const,
      ...reg,
    }),
    rpcEndpointErrors: new Counter({
      name: "keeper_rpc_endpoint_errors_total",
      help: "JSON-RPC requests that failed at each endpoint (labelled by scheme and host only).",
      labelNames: ["endpoint"] as const,
      ...reg,
    }),
    snapshotReadSeconds: new Histogram({
      name: "keeper_snapshot_read_seconds",
      help: "Time to read one block's snapshot from the node.",
      buckets: READ_BUCKETS_SECONDS,
      ...reg,
    }),
    killSwitchEngaged: new Gauge({
      name: "keeper_kill_switch_engaged",
      help: "1 while the kill switch is engaged by this source (file, signal, http, program), else 0.",
      labelNames: ["source"] as const,
      ...reg,
    }),
    circuitBreakerState: new Gauge({
      name: "keeper_circuit_breaker_state",
      help: "Circuit breaker state: 0 closed (sending), 1 half-open (one probe allowed), 2 open (not sending).",
      ...reg,
    }),
    circuitBreakerConsecutiveFailures: new Gauge({
      name: "keeper_circuit_breaker_consecutive_failures",
      help: "Failed sends in a row, as the circuit breaker counts them.",
      ...reg,
    }),
    dailyCapUsed: new Gauge({
      name: "keeper_daily_cap_used",
      help: "Usage of each daily cap so far this UTC day (gas_wei: wei spent; sends: transactions sent).",
      labelNames: ["cap"] as const,
      ...reg,
    }),
    dailyCapLimit: new Gauge({
      name: "keeper_daily_cap_limit",
      help: "Limit of each daily cap per UTC day.",
      labelNames: ["cap"] as const,
      ...reg,
    }),
    dryRun: new Gauge({ name: "keeper_dry_run", help: "1 when the keeper only simulates (DRY_RUN), else 0.", ...reg }),
    safetyRefusals: new Counter({
      name: "keeper_safety_refusals_total",
      help: "Sends refused by a safety gate, by gate.",
      labelNames: ["gate"] as const,
      ...reg,
    }),
    missedLiquidations: new Counter({
      name: "keeper_missed_liquidations_total",
      help: "Liquidations on a watched protocol won by another liquidator, by why the keeper did not take them (not-seen, skipped, dry-run, too-late, reverted).",
      labelNames: ["protocol", "cause"] as const,
      ...reg,
    }),
    orderFlowUsd: new Gauge({
      name: "keeper_order_flow_usd",
      help: "Net USD of a watched pool's base token (token0) bought by traders: window=block for the last block, window=rolling over ORDER_FLOW_WINDOW_BLOCKS. Negative: selling.",
      labelNames: ["protocol", "pool", "window"] as const,
      ...reg,
    }),
  };

  for (const outcome of SEND_OUTCOMES) metrics.sends.inc({ outcome }, 0);
  for (const reason of SKIP_CODES) metrics.skipped.inc({ reason }, 0);
  for (const kind of RPC_ERROR_KINDS) metrics.rpcErrors.inc({ kind }, 0);
  for (const gate of SAFETY_GATES) metrics.safetyRefusals.inc({ gate }, 0);
  for (const source of KILL_SOURCES) metrics.killSwitchEngaged.set({ source }, 0);
  for (const protocol of ["aave-v3", "morpho-blue"])
    for (const cause of MISS_CAUSES) metrics.missedLiquidations.inc({ protocol, cause }, 0);

  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  observed.set(metrics, state);
  return metrics;
}

/** The last head the keeper reported through {@link observeKeeperEvent}, if any. */
export function headProgress(metrics: KeeperMetrics): HeadProgress | undefined {
  return observed.get(metrics)?.head;
}

/** The wall clock the metrics were created with (ms), so health checks agree with the gauges. */
export function metricsClock(metrics: KeeperMetrics): () => number {
  return observed.get(metrics)?.now ?? Date.now;
}

/**
 * Maps one of the keeper's events onto the metrics. Meant to be called from the keeper's `onEvent`
 * alongside the logger. Odd input does not throw (an unknown protocol, status or reason is counted
 * under "unknown"/"other"), since a metrics bug must not stop the keeper; only metrics not made by
 * {@link createMetrics} are refused, a wiring mistake that shows at the first block.
 */
export function observeKeeperEvent(metrics: KeeperMetrics, event: KeeperEvent): void {
  const state = observed.get(metrics);
  if (!state) throw new TypeError("observeKeeperEvent: metrics were not made by createMetrics");
  switch (event.type) {
    case "block": {
      const s = event.snapshot;
      state.snapshot = s;
      state.head = { block: s.blockNumber, timestamp: s.timestamp, seenAtMs: state.now() };
      metrics.blocksProcessed.inc();
      metrics.headBlock.set(Number(s.blockNumber));
      metrics.snapshotReadSeconds.observe(s.stats.readMs / 1000);
      // Only protocols the snapshot holds: an unwatched protocol has no series rather than a misleading 0.
      for (const m of PROTOCOLS) {
        const n = m.positionsWatched(s);
        if (n !== undefined) metrics.positionsWatched.set({ protocol: m.name }, n);
      }
      for (const f of s.orderFlow ?? []) {
        if (f.blockUsd8 === undefined || f.windowUsd8 === undefined) continue;
        metrics.orderFlowUsd.set({ protocol: f.protocol, pool: f.name, window: "block" }, usd8ToNumber(f.blockUsd8));
        metrics.orderFlowUsd.set({ protocol: f.protocol, pool: f.name, window: "rolling" }, usd8ToNumber(f.windowUsd8));
      }
      return;
    }
    case "skip":
      metrics.skipped.inc({ reason: event.skip.code });
      return;
    case "send": {
      const o = event.candidate.opportunity;
      metrics.opportunitiesFound.inc({ kind: o.kind, protocol: protocolLabel(o.protocol) });
      return;
    }
    case "outcome":
      observeOutcome(metrics, state, event.candidate.opportunity, event.outcome);
      return;
  }
}

function observeOutcome(
  metrics: KeeperMetrics,
  state: ObservedState,
  opportunity: { protocol: string; expectedProfit: { token: Address; decimals: number } },
  outcome: SendOutcome,
): void {
  metrics.sends.inc({ outcome: sendOutcomeLabel(outcome) });
  const rpcKind = rpcErrorKindOf(outcome);
  if (rpcKind) metrics.rpcErrors.inc({ kind: rpcKind });
  if (outcome.status !== "mined") return;

  const gasWei = outcome.gasUsed * outcome.effectiveGasPrice;
  if (gasWei > 0n) {
    metrics.gasSpentWei.inc(Number(gasWei));
    const native = nativePrice(state);
    if (native) metrics.gasSpentUsd.inc(usd8ToNumber((gasWei * native.usd8) / 10n ** BigInt(native.decimals)));
  }
  // The executor cannot lose money (it reverts below minProfit), and a counter cannot go down:
  // a zero or missing profit adds nothing rather than throwing.
  const price = state.snapshot?.prices[opportunity.expectedProfit.token];
  if (price && outcome.profit > 0n) {
    const usd8 = (outcome.profit * price.usd8) / 10n ** BigInt(price.decimals);
    metrics.profitUsd.inc({ protocol: protocolLabel(opportunity.protocol) }, usd8ToNumber(usd8));
  }
}

/** Counts one liquidation another liquidator won (the audit's onMiss). */
export function recordMissedLiquidation(metrics: KeeperMetrics, miss: { protocol: string; cause: string }): void {
  metrics.missedLiquidations.inc({ protocol: protocolLabel(miss.protocol), cause: miss.cause });
}

/**
 * The label of an outcome: its status, except that a failure which may still be mined (no answer in time; it
 * stays journaled and tracked) is "pending" rather than "failed".
 */
export function sendOutcomeLabel(outcome: SendOutcome): SendOutcomeLabel {
  return outcome.status === "failed" && outcome.pending ? "pending" : outcome.status;
}

/** The kind of the RPC failure behind an outcome (anywhere in its error's cause chain), if any. */
export function rpcErrorKindOf(outcome: SendOutcome): RpcErrorKind | undefined {
  const err =
    outcome.status === "skipped"
      ? outcome.skip.error
      : outcome.status === "reverted" || outcome.status === "failed"
        ? outcome.error
        : undefined;
  const rpc = walkCause(err, (e): e is ExecutorRpcError => e instanceof ExecutorRpcError);
  return rpc ? rpcKindLabel(rpc.kind) : undefined;
}

/**
 * The kind of any failure as an RPC failure: the typed ExecutorRpcError in its cause chain, else the same
 * classification of the raw error (HTTP status, viem's error types); "unknown" when neither says.
 */
export function rpcKindOfError(err: unknown): RpcErrorKind {
  const typed = walkCause(err, (e): e is ExecutorRpcError => e instanceof ExecutorRpcError);
  if (typed) return rpcKindLabel(typed.kind);
  const decoded = decodeExecutorError(err);
  return decoded instanceof ExecutorRpcError ? rpcKindLabel(decoded.kind) : "unknown";
}

/** Counts an RPC failure seen outside keeper events (the watcher's reads, for instance). */
export function recordRpcError(metrics: KeeperMetrics, kind: string): void {
  metrics.rpcErrors.inc({ kind: rpcKindLabel(kind) });
}

function rpcKindLabel(kind: string): RpcErrorKind {
  return (RPC_ERROR_KINDS as readonly string[]).includes(kind) ? (kind as RpcErrorKind) : "unknown";
}

function protocolLabel(protocol: string): MetricProtocol {
  return METRIC_PROTOCOLS.includes(protocol) ? protocol : "unknown";
}

function nativePrice(state: ObservedState): { usd8: bigint; decimals: number } | undefined {
  const prices = state.snapshot?.prices;
  if (!prices) return undefined;
  if (state.nativeToken) return prices[state.nativeToken];
  return Object.values(prices).find((p) => p.symbol === "WETH" || p.symbol === "ETH");
}

/** USD with 8 decimals to a float, for Prometheus (which stores doubles anyway). */
function usd8ToNumber(usd8: bigint): number {
  return Number(usd8) / 1e8;
}

/** An endpoint's metric label: its scheme and host, nothing of the path, query or user info (API keys live there). */
export function endpointLabel(url: string): string {
  try {
    const u = new URL(url);
    if (u.host) return `${u.protocol}//${u.host}`;
  } catch {
    // Falls through to the redacted form.
  }
  return redactUrl(url);
}

/**
 * Counts one request of an endpoint (createHttpClients' onRequest). The label is reduced to scheme and host here,
 * so that a caller passing a raw URL still never puts an API key into /metrics.
 */
export function observeRpcRequest(metrics: KeeperMetrics, event: { endpoint: string; ok: boolean }): void {
  const endpoint = endpointLabel(event.endpoint);
  metrics.rpcEndpointRequests.inc({ endpoint });
  if (!event.ok) metrics.rpcEndpointErrors.inc({ endpoint });
}
