/**
 * Caps on what the keeper may spend per UTC day: gas (wei) and number of transactions. They bound
 * the damage of a bug that makes the keeper send in a loop, whatever each send looks like on its
 * own. The counts are what the caller reports (sends and their gas), so after a restart the
 * journal replays today's totals through {@link DailyCaps.init}; the day turns at 00:00 UTC.
 */
import type { Logger } from "pino";
import type { DailyCapName, SafetyMetrics } from "./metrics.js";
import { SafetyConfigError } from "./errors.js";

/** Options of {@link DailyCaps}. */
export interface DailyCapsOptions {
  /** Most wei the keeper may spend on gas per UTC day (worst case of the next send included). */
  maxGasWeiPerDay: bigint;
  /** Most transactions the keeper may send per UTC day. */
  maxSendsPerDay: number;
  logger: Logger;
  metrics?: SafetyMetrics;
  /** Wall clock in ms; default Date.now. Tests inject one to cross midnight. */
  now?: () => number;
}

/** Today's usage and limits. */
export interface DailyCapsUsage {
  /** The UTC day counted, YYYY-MM-DD. */
  readonly day: string;
  readonly gasSpentWei: bigint;
  readonly sends: number;
  readonly maxGasWeiPerDay: bigint;
  readonly maxSendsPerDay: number;
}

/** Whether a send fits. */
export type CapDecision =
  { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly cap: DailyCapName };

/** The UTC calendar day of a timestamp in ms, YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Per-UTC-day caps on gas spent and sends. */
export class DailyCaps {
  private readonly log: Logger;
  private readonly now: () => number;
  private day: string;
  private gasSpentWei = 0n;
  private sends = 0;
  /** Caps already reported as reached today, so the log says it once, not once per block. */
  private reported = new Set<DailyCapName>();

  constructor(private readonly opts: DailyCapsOptions) {
    if (opts.maxGasWeiPerDay <= 0n)
      throw new SafetyConfigError(`The daily gas cap must be positive, got ${opts.maxGasWeiPerDay} wei.`);
    if (!Number.isSafeInteger(opts.maxSendsPerDay) || opts.maxSendsPerDay < 1) {
      throw new SafetyConfigError(`The daily send cap must be a positive integer, got ${opts.maxSendsPerDay}.`);
    }
    this.log = opts.logger.child({ component: "daily-caps" });
    this.now = opts.now ?? Date.now;
    this.day = utcDay(this.now());
    opts.metrics?.dailyCapLimit.set({ cap: "gas_wei" }, Number(opts.maxGasWeiPerDay));
    opts.metrics?.dailyCapLimit.set({ cap: "sends" }, opts.maxSendsPerDay);
    this.publish();
  }

  /** Sets today's totals, e.g. from the journal on restart. Replaces (does not add to) what was counted. */
  init(gasSpentToday: bigint, sendsToday: number): void {
    if (gasSpentToday < 0n || !Number.isSafeInteger(sendsToday) || sendsToday < 0) {
      throw new SafetyConfigError(
        `Daily caps cannot start from negative totals (${gasSpentToday} wei, ${sendsToday} sends).`,
      );
    }
    this.roll();
    this.gasSpentWei = gasSpentToday;
    this.sends = sendsToday;
    this.reported.clear();
    this.log.info(
      { day: this.day, gasSpentWei: gasSpentToday.toString(), sends: sendsToday },
      "daily caps initialised",
    );
    this.publish();
  }

  /**
   * Whether a send costing at most `plannedGasWei` fits in what is left today, and if not, why. `inFlight`: sends
   * approved earlier and not yet recorded (several transactions in flight), counted at their worst case.
   */
  check(plannedGasWei: bigint, inFlight: { sends: number; gasWei: bigint } = { sends: 0, gasWei: 0n }): CapDecision {
    this.roll();
    const o = this.opts;
    // A negative worst case is a caller's bug; refusing is the safe reading of it.
    if (plannedGasWei < 0n) return this.refuse("gas_wei", `daily gas cap: invalid planned gas ${plannedGasWei} wei`);
    const pending = inFlight.sends > 0 ? ` (${inFlight.sends} more in flight)` : "";
    if (this.sends + inFlight.sends + 1 > o.maxSendsPerDay) {
      return this.refuse(
        "sends",
        `daily send cap reached: ${this.sends} of ${o.maxSendsPerDay} sends today (UTC ${this.day})${pending}`,
      );
    }
    if (this.gasSpentWei + inFlight.gasWei + plannedGasWei > o.maxGasWeiPerDay) {
      return this.refuse(
        "gas_wei",
        `daily gas cap: ${this.gasSpentWei} wei spent today (UTC ${this.day})${inFlight.sends > 0 ? ` + up to ${inFlight.gasWei} wei in flight` : ""} + up to ${plannedGasWei} wei would exceed ${o.maxGasWeiPerDay} wei`,
      );
    }
    return { ok: true };
  }

  /** Counts a send that went out (mined or reverted: both paid gas) and the gas it cost. */
  record(gasSpentWei: bigint, sends = 1): void {
    if (gasSpentWei < 0n || sends < 0)
      throw new SafetyConfigError("Daily caps cannot record a negative gas cost or send count.");
    this.roll();
    this.gasSpentWei += gasSpentWei;
    this.sends += sends;
    this.publish();
  }

  /** Today's usage (rolls over first if the day has changed). */
  usage(): DailyCapsUsage {
    this.roll();
    return {
      day: this.day,
      gasSpentWei: this.gasSpentWei,
      sends: this.sends,
      maxGasWeiPerDay: this.opts.maxGasWeiPerDay,
      maxSendsPerDay: this.opts.maxSendsPerDay,
    };
  }

  /** Starts a new count when the UTC day has changed since the last call. */
  private roll(): void {
    const today = utcDay(this.now());
    // Forward only (YYYY-MM-DD compares as text): a clock stepped back over midnight must not
    // hand out a second day's budget.
    if (today <= this.day) return;
    this.log.info(
      { previousDay: this.day, day: today, gasSpentWei: this.gasSpentWei.toString(), sends: this.sends },
      "new UTC day: daily caps reset",
    );
    this.day = today;
    this.gasSpentWei = 0n;
    this.sends = 0;
    this.reported.clear();
    this.publish();
  }

  private refuse(cap: DailyCapName, reason: string): CapDecision {
    if (!this.reported.has(cap)) {
      this.reported.add(cap);
      this.log.warn({ cap, day: this.day }, reason);
    }
    return { ok: false, reason, cap };
  }

  private publish(): void {
    this.opts.metrics?.dailyCapUsed.set({ cap: "gas_wei" }, Number(this.gasSpentWei));
    this.opts.metrics?.dailyCapUsed.set({ cap: "sends" }, this.sends);
  }
}
