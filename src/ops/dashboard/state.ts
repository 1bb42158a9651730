/**
 * The dashboard's memory: the last N blocks the keeper processed, one sample each, built from the keeper's own
 * events (the block's snapshot and plan, then each send's outcome). Pure and in memory: nothing is read from the
 * chain or the journal, nothing survives a restart, and the size is bounded whatever the run's length.
 *
 * Wiring (src/cli/run.ts): `const dashboard = new DashboardState({ blocks })`, and `dashboard.onEvent(e)` in the
 * keeper's onEvent. What the page gets is built from it by ./data.ts.
 */
import type { Address } from "viem";
import type { SendOutcome } from "../../executor/outcome.js";
import type { KeeperEvent } from "../../keeper/keeper.js";
import type { ProtocolModule } from "../../protocols/module.js";
import { PROTOCOLS } from "../../protocols/registry.js";
import type { SkipCode } from "../../skip.js";
import type { Candidate } from "../../strategy/types.js";
import type { Snapshot } from "../../watcher/snapshot.js";
import { sendOutcomeLabel, type SendOutcomeLabel } from "../metrics.js";
import { Ring } from "./ring.js";

const WAD = 10n ** 18n;

/**
 * Upper edges of the health-factor buckets, in bps of a health factor (10,000 = 1.0); the last bucket is open.
 * Fine just above 1, where a price move turns a position into a liquidation, coarse beyond.
 */
export const HEALTH_FACTOR_EDGES_BPS: readonly bigint[] = [
  10_000n,
  10_500n,
  11_000n,
  12_500n,
  15_000n,
  20_000n,
  30_000n,
];

/** The bucket labels, one more than the edges, short enough to sit under a narrow bar: "<1", "1–1.05", ..., "≥3". */
export const HEALTH_FACTOR_BUCKETS: readonly string[] = HEALTH_FACTOR_EDGES_BPS.map((edge, i) =>
  i === 0 ? `<${bpsText(edge)}` : `${bpsText(HEALTH_FACTOR_EDGES_BPS[i - 1])}–${bpsText(edge)}`,
).concat(`≥${bpsText(HEALTH_FACTOR_EDGES_BPS[HEALTH_FACTOR_EDGES_BPS.length - 1])}`);

/** Default number of blocks kept (DASHBOARD_BLOCKS). */
export const DEFAULT_DASHBOARD_BLOCKS = 300;
/** Sends kept for the table of recent ones. */
const RECENT_SENDS = 25;

/** What the keeper saw and did at one block. */
export interface BlockSample {
  readonly block: bigint;
  /** The block's timestamp, in seconds. */
  readonly timestamp: bigint;
  /** Each watched pool's skew against the feeds, signed bps, by pool label ("WETH/USDC (V2)"). */
  readonly skews: Readonly<Record<string, number>>;
  /**
   * Each watched pool's order flow over the rolling window: net USD (8 decimals) of its base token (token0) that
   * traders bought (positive) or sold, by pool label as in `skews`. Pools without a price for their base token are
   * absent.
   */
  readonly flows: Readonly<Record<string, bigint>>;
  readonly underwater: number;
  readonly candidates: number;
  /** Opportunities left alone at this block (the plan's skips, then the pipeline's), by code. */
  readonly skips: Partial<Record<SkipCode, number>>;
  /** Outcomes of the sends planned at this block, by label (filled in as they resolve). */
  readonly sends: Partial<Record<SendOutcomeLabel, number>>;
  /** Profit of the mined sends planned at this block, USD with 8 decimals (at the feeds of the latest block). */
  profitUsd8: bigint;
  /** Gas they paid, in wei and in USD with 8 decimals. */
  gasWei: bigint;
  gasUsd8: bigint;
}

/** One send, for the table of recent ones. No key, no signer: the opportunity, its outcome and its transaction. */
export interface RecentSend {
  readonly block: bigint;
  readonly protocol: string;
  readonly kind: string;
  /** The opportunity id, addresses shortened (0x1234…abcd). */
  readonly opportunity: string;
  /** Items of a batch (1 for a single action). */
  readonly items: number;
  readonly outcome: SendOutcomeLabel;
  readonly profitUsd8?: bigint;
  readonly gasUsed?: bigint;
  readonly txHash?: string;
  /** Why it was not mined (skip or error message), unredacted: ./data.ts redacts it. */
  readonly reason?: string;
}

/** Health factors of one lending protocol's positions at the latest block. */
export interface HealthHistogram {
  readonly protocol: string;
  /** Positions per bucket of {@link HEALTH_FACTOR_BUCKETS}. */
  readonly counts: readonly number[];
}

/** Since the keeper started (not bounded by the window). */
export interface DashboardTotals {
  blocks: number;
  sends: Partial<Record<SendOutcomeLabel, number>>;
  skips: Partial<Record<SkipCode, number>>;
  profitUsd8: bigint;
  gasWei: bigint;
  gasUsd8: bigint;
}

/** Options of {@link DashboardState}. */
export interface DashboardStateOptions {
  /** Blocks kept (default {@link DEFAULT_DASHBOARD_BLOCKS}). */
  blocks?: number;
  /** Protocol modules whose gauges are charted (default: the registry). */
  protocols?: readonly ProtocolModule<any>[];
  /** The wrapped native token, whose feed values gas in USD (else a feed with symbol WETH or ETH). */
  nativeToken?: Address;
}

/** The recorder: feed it every keeper event; read samples, the latest histograms, recent sends and totals. */
export class DashboardState {
  private readonly ring: Ring<BlockSample>;
  private readonly sendsRing = new Ring<RecentSend>(RECENT_SENDS);
  private readonly protocols: readonly ProtocolModule<any>[];
  private histograms: HealthHistogram[] = [];
  private positions: Record<string, number> = {};
  private snapshot: Snapshot | undefined;
  private readonly totalsSoFar: DashboardTotals = {
    blocks: 0,
    sends: {},
    skips: {},
    profitUsd8: 0n,
    gasWei: 0n,
    gasUsd8: 0n,
  };

  constructor(private readonly opts: DashboardStateOptions = {}) {
    this.ring = new Ring(opts.blocks ?? DEFAULT_DASHBOARD_BLOCKS);
    this.protocols = opts.protocols ?? PROTOCOLS;
  }

  /** Blocks kept at most. */
  get capacity(): number {
    return this.ring.capacity;
  }

  /** The keeper's onEvent. Never throws on odd input: the dashboard must not stop the keeper. */
  onEvent(e: KeeperEvent): void {
    switch (e.type) {
      case "block":
        this.onBlock(e.snapshot, e.underwater, e.candidates, e.skipped ?? []);
        return;
      case "outcome":
        this.onOutcome(e.block, e.candidate, e.outcome);
        return;
      default:
        return;
    }
  }

  /** The samples kept, oldest first. */
  samples(): BlockSample[] {
    return this.ring.toArray();
  }

  /** The latest block's snapshot, if any (its number, time, prices and read stats). */
  latest(): Snapshot | undefined {
    return this.snapshot;
  }

  /** Health-factor histograms of every lending protocol with data at the latest block. */
  healthHistograms(): readonly HealthHistogram[] {
    return this.histograms;
  }

  /** Positions or pools watched at the latest block, by protocol. */
  positionsWatched(): Readonly<Record<string, number>> {
    return this.positions;
  }

  /** The most recent sends, newest first. */
  recentSends(): RecentSend[] {
    return this.sendsRing.toArray().reverse();
  }

  totals(): Readonly<DashboardTotals> {
    return this.totalsSoFar;
  }

  private onBlock(
    snapshot: Snapshot,
    underwater: number,
    candidates: number,
    skipped: readonly { skip: { code: SkipCode } }[],
  ): void {
    this.snapshot = snapshot;
    const skews: Record<string, number> = {};
    const histograms: HealthHistogram[] = [];
    const positions: Record<string, number> = {};
    for (const m of this.protocols) {
      const watched = m.positionsWatched(snapshot);
      if (watched !== undefined) positions[m.name] = watched;
      const g = m.gauges?.(snapshot);
      if (!g) continue;
      if (g.healthFactors) histograms.push({ protocol: m.name, counts: bucketHealthFactors(g.healthFactors) });
      for (const s of g.skews ?? []) skews[s.pool] = Number(s.bps);
    }
    this.histograms = histograms;
    this.positions = positions;
    const flows: Record<string, bigint> = {};
    for (const f of snapshot.orderFlow ?? [])
      if (f.windowUsd8 !== undefined) flows[`${f.name} (${f.protocol === "uniswap-v2" ? "V2" : "V3"})`] = f.windowUsd8;
    const skips: Partial<Record<SkipCode, number>> = {};
    for (const s of skipped) {
      skips[s.skip.code] = (skips[s.skip.code] ?? 0) + 1;
      this.totalsSoFar.skips[s.skip.code] = (this.totalsSoFar.skips[s.skip.code] ?? 0) + 1;
    }
    this.totalsSoFar.blocks++;
    this.ring.push({
      block: snapshot.blockNumber,
      timestamp: snapshot.timestamp,
      skews,
      flows,
      underwater,
      candidates,
      skips,
      sends: {},
      profitUsd8: 0n,
      gasWei: 0n,
      gasUsd8: 0n,
    });
  }

  private onOutcome(block: bigint, candidate: Candidate, outcome: SendOutcome): void {
    // Sends settled in the background resolve a block or more later: they count where they were planned.
    const sample = this.ring.findLast((s) => s.block === block) ?? this.ring.last();
    const label = sendOutcomeLabel(outcome);
    const t = this.totalsSoFar;
    t.sends[label] = (t.sends[label] ?? 0) + 1;
    if (sample) sample.sends[label] = (sample.sends[label] ?? 0) + 1;
    if (outcome.status === "skipped") {
      t.skips[outcome.skip.code] = (t.skips[outcome.skip.code] ?? 0) + 1;
      if (sample) sample.skips[outcome.skip.code] = (sample.skips[outcome.skip.code] ?? 0) + 1;
    }
    let profitUsd8: bigint | undefined;
    let gasUsed: bigint | undefined;
    if (outcome.status === "mined") {
      gasUsed = outcome.gasUsed;
      const gasWei = outcome.gasUsed * outcome.effectiveGasPrice;
      const gasUsd8 = this.weiToUsd8(gasWei);
      const token = candidate.opportunity.expectedProfit.token;
      const price = this.snapshot?.prices[token];
      profitUsd8 = price ? (outcome.profit * price.usd8) / 10n ** BigInt(price.decimals) : 0n;
      t.profitUsd8 += profitUsd8;
      t.gasWei += gasWei;
      t.gasUsd8 += gasUsd8;
      if (sample) {
        sample.profitUsd8 += profitUsd8;
        sample.gasWei += gasWei;
        sample.gasUsd8 += gasUsd8;
      }
    } else if (outcome.status === "reverted") gasUsed = outcome.gasUsed;
    const o = candidate.opportunity;
    this.sendsRing.push({
      block,
      protocol: o.protocol,
      kind: o.kind,
      opportunity: shortenAddresses(o.id),
      items: candidate.members?.length ?? 1,
      outcome: label,
      ...(profitUsd8 !== undefined ? { profitUsd8 } : {}),
      ...(gasUsed !== undefined ? { gasUsed } : {}),
      ...("hash" in outcome && outcome.hash ? { txHash: outcome.hash } : {}),
      ...(outcome.status === "skipped"
        ? { reason: outcome.skip.message }
        : outcome.status === "reverted" || outcome.status === "failed"
          ? { reason: outcome.error.shortMessage }
          : {}),
    });
  }

  private weiToUsd8(wei: bigint): bigint {
    const prices = this.snapshot?.prices;
    if (!prices || wei === 0n) return 0n;
    const native = this.opts.nativeToken
      ? prices[this.opts.nativeToken]
      : Object.values(prices).find((p) => p.symbol === "WETH" || p.symbol === "ETH");
    return native ? (wei * native.usd8) / 10n ** BigInt(native.decimals) : 0n;
  }
}

/** Positions per bucket of {@link HEALTH_FACTOR_BUCKETS} (health factors in wad). */
export function bucketHealthFactors(healthFactors: readonly bigint[]): number[] {
  const counts = new Array<number>(HEALTH_FACTOR_EDGES_BPS.length + 1).fill(0);
  for (const hf of healthFactors) {
    const bps = (hf * 10_000n) / WAD;
    let i = HEALTH_FACTOR_EDGES_BPS.findIndex((edge) => bps < edge);
    if (i === -1) i = HEALTH_FACTOR_EDGES_BPS.length;
    counts[i]++;
  }
  return counts;
}

/** `0x` + 40 hex digits shortened to 0x1234…abcd: enough to tell positions apart in a table. */
export function shortenAddresses(text: string): string {
  return text.replace(/0x([0-9a-fA-F]{4})[0-9a-fA-F]{32}([0-9a-fA-F]{4})(?![0-9a-fA-F])/g, "0x$1…$2");
}

function bpsText(bps: bigint): string {
  return String(Number(bps) / 10_000);
}
