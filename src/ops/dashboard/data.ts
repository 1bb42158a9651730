/**
 * `/dashboard/data.json`: the recorder's samples (./state.ts) with the safety gate's state and discovery's progress,
 * as plain JSON numbers and strings for the page's charts. Read-only, and nothing secret: no key, no signer address,
 * no RPC URL (free text passes through the URL redaction and the keeper's secret redactor before it leaves).
 */
import { redactUrlsInText, type Redactor } from "../../redact.js";
import type { SafetyState } from "../../safety/gate.js";
import { SKIP_CODES } from "../../skip.js";
import { SEND_OUTCOMES } from "../metrics.js";
import { HEALTH_FACTOR_BUCKETS, type DashboardState } from "./state.js";

/** One index's discovery sync as the dashboard shows it (DiscoverySyncStatus.indexes() reports these). */
export interface DiscoverySyncEntry {
  index: string;
  done: boolean;
  doneBlocks: number;
  totalBlocks: number;
  percent: number;
  logs: number;
  requests: number;
  /** Time spent so far (the whole sync once done). */
  seconds: number;
  etaSeconds: number | null;
}

/** Where the data comes from, besides the recorder. */
export interface DashboardSources {
  state: DashboardState;
  /** The safety gate's state (kill switch, breaker, daily caps); absent when the keeper runs without one. */
  safety?: () => SafetyState;
  /** Discovery's long syncs, finished ones included (DiscoverySyncStatus.indexes). */
  discovery?: () => readonly DiscoverySyncEntry[];
  /** The keeper's secret redactor, applied to the whole answer. */
  redact?: Redactor;
  /** Wall clock in ms (tests pin it). */
  now?: () => number;
}

/** The JSON the page reads. Series are aligned on `blocks`; null where a pool had no reading at a block. */
export interface DashboardData {
  generatedAtMs: number;
  windowBlocks: number;
  head: { block: number; timestamp: number; ageSeconds: number; readMs: number } | null;
  blocks: number[];
  skews: { pool: string; bps: (number | null)[] }[];
  /** Net buying of each pool's base token over the order-flow window, USD, per block (null: no price or no pool). */
  orderFlow: { pool: string; usd: (number | null)[] }[];
  /** Per block and cumulative over the window, USD. */
  profitUsd: number[];
  gasUsd: number[];
  cumulativeProfitUsd: number[];
  cumulativeGasUsd: number[];
  underwater: number[];
  healthFactors: { buckets: readonly string[]; protocols: { protocol: string; counts: readonly number[] }[] };
  positionsWatched: Record<string, number>;
  /** Counts over the window, every known label present (0 when none). */
  sends: Record<string, number>;
  skips: Record<string, number>;
  totals: {
    blocks: number;
    sends: Record<string, number>;
    skips: Record<string, number>;
    profitUsd: number;
    gasUsd: number;
    gasEth: number;
  };
  recentSends: {
    block: number;
    protocol: string;
    kind: string;
    opportunity: string;
    items: number;
    outcome: string;
    profitUsd: number | null;
    gasUsed: number | null;
    txHash: string | null;
    reason: string | null;
  }[];
  safety: {
    dryRun: boolean;
    killSwitch: { engaged: boolean; source: string | null; reason: string | null; sinceMs: number | null };
    breaker: { state: string; consecutiveFailures: number; lastFailure: string | null };
    caps: {
      day: string;
      gasEth: { used: number; limit: number; remaining: number };
      sends: { used: number; limit: number; remaining: number };
    };
  } | null;
  discovery: DiscoverySyncEntry[];
}

const MAX_REASON_CHARS = 200;

/** Builds the page's data now. */
export function dashboardData(sources: DashboardSources): DashboardData {
  const { state } = sources;
  const samples = state.samples();
  const latest = state.latest();
  const now = (sources.now ?? Date.now)();
  const pools = [...new Set(samples.flatMap((s) => Object.keys(s.skews)))].sort();
  const profitUsd = samples.map((s) => usd(s.profitUsd8));
  const gasUsd = samples.map((s) => usd(s.gasUsd8));
  const totals = state.totals();
  const data: DashboardData = {
    generatedAtMs: now,
    windowBlocks: state.capacity,
    head: latest
      ? {
          block: Number(latest.blockNumber),
          timestamp: Number(latest.timestamp),
          ageSeconds: Math.max(0, Math.round(now / 1000 - Number(latest.timestamp))),
          readMs: Math.round(latest.stats.readMs),
        }
      : null,
    blocks: samples.map((s) => Number(s.block)),
    skews: pools.map((pool) => ({ pool, bps: samples.map((s) => s.skews[pool] ?? null) })),
    orderFlow: [...new Set(samples.flatMap((s) => Object.keys(s.flows)))].sort().map((pool) => ({
      pool,
      usd: samples.map((s) => (s.flows[pool] === undefined ? null : usd(s.flows[pool]))),
    })),
    profitUsd,
    gasUsd,
    cumulativeProfitUsd: cumulative(profitUsd),
    cumulativeGasUsd: cumulative(gasUsd),
    underwater: samples.map((s) => s.underwater),
    healthFactors: { buckets: HEALTH_FACTOR_BUCKETS, protocols: [...state.healthHistograms()] },
    positionsWatched: { ...state.positionsWatched() },
    sends: countAll(
      SEND_OUTCOMES,
      samples.map((s) => s.sends),
    ),
    skips: countAll(
      SKIP_CODES,
      samples.map((s) => s.skips),
    ),
    totals: {
      blocks: totals.blocks,
      sends: countAll(SEND_OUTCOMES, [totals.sends]),
      skips: countAll(SKIP_CODES, [totals.skips]),
      profitUsd: usd(totals.profitUsd8),
      gasUsd: usd(totals.gasUsd8),
      gasEth: eth(totals.gasWei),
    },
    recentSends: state.recentSends().map((s) => ({
      block: Number(s.block),
      protocol: s.protocol,
      kind: s.kind,
      opportunity: s.opportunity,
      items: s.items,
      outcome: s.outcome,
      profitUsd: s.profitUsd8 === undefined ? null : usd(s.profitUsd8),
      gasUsed: s.gasUsed === undefined ? null : Number(s.gasUsed),
      txHash: s.txHash ?? null,
      reason: text(s.reason),
    })),
    safety: sources.safety ? safetyView(sources.safety()) : null,
    discovery: sources.discovery ? [...sources.discovery()] : [],
  };
  return sources.redact ? sources.redact(data) : data;
}

function safetyView(s: SafetyState): NonNullable<DashboardData["safety"]> {
  const engagement = s.killSwitch.file ?? s.killSwitch.latch;
  const gasUsed = eth(s.caps.gasSpentWei);
  const gasLimit = eth(s.caps.maxGasWeiPerDay);
  return {
    dryRun: s.dryRun,
    killSwitch: {
      engaged: s.killSwitch.engaged,
      source: engagement?.source ?? null,
      reason: text(engagement?.reason),
      sinceMs: engagement?.sinceMs ?? null,
    },
    breaker: {
      state: s.breaker.state,
      consecutiveFailures: s.breaker.consecutiveFailures,
      lastFailure: text(s.breaker.lastFailure),
    },
    caps: {
      day: s.caps.day,
      gasEth: { used: gasUsed, limit: gasLimit, remaining: Math.max(0, gasLimit - gasUsed) },
      sends: {
        used: s.caps.sends,
        limit: s.caps.maxSendsPerDay,
        remaining: Math.max(0, s.caps.maxSendsPerDay - s.caps.sends),
      },
    },
  };
}

/** Free text fit for the page: one line, bounded, every URL cut to scheme and host. */
function text(value: string | undefined): string | null {
  if (!value) return null;
  return redactUrlsInText(value.split("\n")[0]).slice(0, MAX_REASON_CHARS);
}

function countAll(
  labels: readonly string[],
  counts: readonly Partial<Record<string, number>>[],
): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const c of counts) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + (v ?? 0);
  return out;
}

function cumulative(values: readonly number[]): number[] {
  let sum = 0;
  return values.map((v) => Math.round((sum += v) * 100) / 100);
}

/** USD with 8 decimals to a float rounded to cents, for display only (sums stay in bigint upstream). */
function usd(usd8: bigint): number {
  return Number(usd8 / 1_000_000n) / 100;
}

function eth(wei: bigint): number {
  return Number(wei / 10n ** 9n) / 1e9;
}
