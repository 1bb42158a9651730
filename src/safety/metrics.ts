/**
 * The safety vocabulary (gate names, kill-switch sources, breaker states, daily caps) and the series the safety
 * classes publish. Safety sits on the send path, below ops, so it owns these names and states the gauges it needs
 * as a port; ops/metrics.ts builds the series from the same names, and its KeeperMetrics satisfies the port.
 */
import type { Counter, Gauge } from "prom-client";

/** The safety gates that can refuse a send (see SafetyGate). */
export const SAFETY_GATES = ["kill-switch", "dry-run", "circuit-breaker", "daily-cap"] as const;
export type SafetyGateName = (typeof SAFETY_GATES)[number];

/** Who can engage the kill switch. */
export const KILL_SOURCES = ["file", "signal", "http", "program"] as const;
export type KillSource = (typeof KILL_SOURCES)[number];

/** Circuit breaker states and the number the gauge shows for each (higher is worse). */
export const BREAKER_STATE_VALUE = { closed: 0, "half-open": 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATE_VALUE;

/** The daily caps tracked by DailyCaps. */
export const DAILY_CAPS = ["gas_wei", "sends"] as const;
export type DailyCapName = (typeof DAILY_CAPS)[number];

/** The series the kill switch, breaker, caps and gate write to (a subset of the keeper's metrics). */
export interface SafetyMetrics {
  readonly killSwitchEngaged: Gauge<"source">;
  readonly circuitBreakerState: Gauge;
  readonly circuitBreakerConsecutiveFailures: Gauge;
  readonly dailyCapUsed: Gauge<"cap">;
  readonly dailyCapLimit: Gauge<"cap">;
  readonly dryRun: Gauge;
  readonly safetyRefusals: Counter<"gate">;
}
