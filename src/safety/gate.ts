/**
 * One question before every transaction: may I send? The gate asks, in order, the kill switch
 * (the operator's word comes first), dry-run, the daily caps, and last the circuit breaker, because
 * asking a half-open breaker hands out its single probe: that must only happen for a send that
 * every other gate lets through. Its answer is logged when it changes (not once per candidate)
 * and counted in `keeper_safety_refusals_total{gate}`.
 *
 * The caller reports what happened after an approval ({@link SafetyGate.recordSend},
 * {@link SafetyGate.recordOutcome} or {@link SafetyGate.recordNoSend}), which feeds the breaker and
 * the caps. Several approvals may await their results (several transactions in flight): each is a
 * {@link SendApproval} handle, reported once (a second report of the same approval is ignored);
 * without a handle the oldest outstanding approval is meant. Approvals in flight count against the
 * daily caps at their worst case until reported.
 */
import type { Logger } from "pino";
import type { SendOutcome } from "../executor/outcome.js";
import { skip, type SkipReason } from "../skip.js";
import type { SafetyGateName, SafetyMetrics } from "./metrics.js";
import type { BreakerTicket, CircuitBreaker, CircuitBreakerSnapshot } from "./circuitBreaker.js";
import type { DailyCaps, DailyCapsUsage } from "./dailyCaps.js";
import type { KillSwitch, KillSwitchState } from "./killSwitch.js";

/** What the gate needs to know about a send. */
export interface PlannedSend {
  /** The most the transaction can cost: gas limit x max fee per gas. */
  readonly gasWorstCaseWei: bigint;
}

/**
 * The gate's answer. A refusal is a SkipReason with code "safety" (not deterministic: the switch or the cap lifts
 * without the chain changing); `gate` names the refusing gate, for metrics and programs.
 */
export type SafetyDecision =
  | { readonly ok: true; readonly approval: SendApproval }
  | { readonly ok: false; readonly gate: SafetyGateName; readonly skip: SkipReason };

/** One approved send awaiting its result; pass it back to recordOutcome / recordSend / recordNoSend. */
export interface SendApproval {
  readonly id: number;
  /** The worst case approved: what the caps count until the real cost is known. */
  readonly gasWorstCaseWei: bigint;
  readonly ticket: BreakerTicket;
}

/** What became of an approved send. */
export interface SendResult {
  /**
   * mined: included and succeeded. reverted: broadcast and failed (reverted on chain, or no receipt in
   * time: it may have been mined, so it is counted as sent). failed: never broadcast (the node refused).
   */
  readonly outcome: "mined" | "reverted" | "failed";
  /** Gas actually paid (receipt gasUsed x effectiveGasPrice); default the approved worst case, to stay on the safe side. */
  readonly gasSpentWei?: bigint;
  /** For the breaker's log, on failure. */
  readonly error?: string;
}

/** Options of {@link SafetyGate}. */
export interface SafetyGateOptions {
  /** DRY_RUN: never send. */
  dryRun: boolean;
  killSwitch: KillSwitch;
  breaker: CircuitBreaker;
  caps: DailyCaps;
  logger: Logger;
  metrics?: SafetyMetrics;
}

/** Every safety state at once, for logs, `/health`-style views and tests. */
export interface SafetyState {
  readonly dryRun: boolean;
  readonly killSwitch: KillSwitchState;
  readonly breaker: CircuitBreakerSnapshot;
  readonly caps: DailyCapsUsage;
}

/** Dry-run, kill switch, circuit breaker and daily caps behind one question. */
export class SafetyGate {
  private readonly log: Logger;
  /** Approvals whose result is not reported yet, oldest first (Map keeps insertion order). */
  private readonly outstanding = new Map<number, SendApproval>();
  private nextApproval = 1;
  /** The gate that refused last (undefined: the last answer was yes), to log changes only. */
  private lastRefusal: SafetyGateName | undefined | null = null;

  constructor(private readonly opts: SafetyGateOptions) {
    this.log = opts.logger.child({ component: "safety-gate" });
    opts.metrics?.dryRun.set(opts.dryRun ? 1 : 0);
    this.log.info(toLoggable(this.state()), "safety gate ready");
  }

  /** Call once per block: re-reads the kill file, advances a block-counted breaker cool-off. */
  onBlock(block: bigint): void {
    this.opts.killSwitch.poll();
    this.opts.breaker.onBlock(block);
  }

  /**
   * Why the operator stopped the keeper (the kill switch, re-read now), or undefined. Upkeep of transactions already
   * in flight asks this instead of {@link mayI}: the daily caps, the breaker and dry-run do not stop a stuck
   * transaction from being replaced, the kill switch does (a cancel still goes out).
   */
  haltReason(): string | undefined {
    const k = this.opts.killSwitch;
    return k.allowsSend() ? undefined : (k.reason() ?? "kill switch engaged");
  }

  /** May a transaction costing at most `send.gasWorstCaseWei` be sent now? */
  mayI(send: PlannedSend): SafetyDecision {
    const { killSwitch, dryRun, caps, breaker } = this.opts;
    if (!killSwitch.allowsSend())
      return this.refuse("kill-switch", `kill switch engaged: ${killSwitch.reason() ?? "?"}`);
    if (dryRun) return this.refuse("dry-run", "dry-run: sending is disabled (DRY_RUN)");
    let inFlightGas = 0n;
    for (const a of this.outstanding.values()) inFlightGas += a.gasWorstCaseWei;
    const cap = caps.check(send.gasWorstCaseWei, { sends: this.outstanding.size, gasWei: inFlightGas });
    if (!cap.ok) return this.refuse("daily-cap", cap.reason);
    // Last: for a half-open breaker this takes the one probe.
    const ticket = breaker.take();
    if (!ticket) return this.refuse("circuit-breaker", breaker.reason());
    const approval: SendApproval = { id: this.nextApproval++, gasWorstCaseWei: send.gasWorstCaseWei, ticket };
    this.outstanding.set(approval.id, approval);
    if (this.lastRefusal !== undefined) {
      this.log.info({ previouslyRefusedBy: this.lastRefusal ?? undefined }, "safety gate: sends allowed");
      this.lastRefusal = undefined;
    }
    return { ok: true, approval };
  }

  /** Approvals awaiting their result. */
  inFlight(): number {
    return this.outstanding.size;
  }

  /**
   * Reports what became of an approved send (default: the oldest outstanding one): feeds the breaker and the daily
   * caps. An approval already reported is ignored: each send is accounted exactly once.
   */
  recordSend(result: SendResult, approval?: SendApproval): void {
    const a = this.take(approval);
    if (approval && !a) return;
    const gas = result.gasSpentWei ?? a?.gasWorstCaseWei ?? 0n;
    if (result.outcome === "mined") this.opts.breaker.recordSuccess(a?.ticket);
    else this.opts.breaker.recordFailure(result.error ?? result.outcome, a?.ticket);
    // A transaction the node refused was never broadcast: it cost nothing and is no send.
    if (result.outcome !== "failed") this.opts.caps.record(gas, 1);
  }

  /** The approved send did not go out (simulation said no, nothing to do): frees a half-open probe. */
  recordNoSend(approval?: SendApproval): void {
    const a = this.take(approval);
    if (approval && !a) return;
    this.opts.breaker.recordNoSend(a?.ticket);
  }

  /** Removes and returns the approval (the given one if still outstanding, else the oldest). */
  private take(approval: SendApproval | undefined): SendApproval | undefined {
    const a = approval ? this.outstanding.get(approval.id) : this.outstanding.values().next().value;
    if (a) this.outstanding.delete(a.id);
    return a;
  }

  /**
   * {@link recordSend} / {@link recordNoSend} from the send pipeline's outcome of an approved send. A failure the
   * node answered (`pending` false) was never broadcast; one still pending may be mined, so it counts as sent.
   */
  recordOutcome(outcome: SendOutcome, opts: { approval?: SendApproval; gasSpentWei?: bigint } = {}): void {
    const { approval, gasSpentWei } = opts;
    switch (outcome.status) {
      case "mined":
        this.recordSend(
          { outcome: "mined", gasSpentWei: gasSpentWei ?? outcome.gasUsed * outcome.effectiveGasPrice },
          approval,
        );
        return;
      case "reverted":
        this.recordSend(
          {
            outcome: "reverted",
            gasSpentWei:
              gasSpentWei ??
              (outcome.gasUsed !== undefined && outcome.effectiveGasPrice !== undefined
                ? outcome.gasUsed * outcome.effectiveGasPrice
                : undefined),
            error: outcome.error.shortMessage,
          },
          approval,
        );
        return;
      case "failed":
        this.recordSend(
          { outcome: outcome.pending ? "reverted" : "failed", gasSpentWei, error: outcome.error.shortMessage },
          approval,
        );
        return;
      case "skipped":
      case "dry-run":
        this.recordNoSend(approval);
        return;
    }
  }

  /** Every safety state now. */
  state(): SafetyState {
    return {
      dryRun: this.opts.dryRun,
      killSwitch: this.opts.killSwitch.state(),
      breaker: this.opts.breaker.snapshot(),
      caps: this.opts.caps.usage(),
    };
  }

  private refuse(gate: SafetyGateName, reason: string): SafetyDecision {
    this.opts.metrics?.safetyRefusals.inc({ gate });
    // Once per change of refusing gate at info; repeats (every candidate of every block) at debug.
    if (this.lastRefusal !== gate) this.log.info({ gate, reason }, "safety gate: send refused");
    else this.log.debug({ gate, reason }, "safety gate: send refused");
    this.lastRefusal = gate;
    return { ok: false, gate, skip: skip("safety", `safety gate (${gate}): ${reason}`) };
  }
}

/** The state with bigints as strings, for a JSON log line. */
function toLoggable(s: SafetyState): Record<string, unknown> {
  return JSON.parse(JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<
    string,
    unknown
  >;
}
