/** Safety gates between the keeper's decisions and the chain: kill switch, circuit breaker, daily caps. */
export {
  CircuitBreaker,
  type BreakerTicket,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CoolOff,
} from "./circuitBreaker.js";
export { DailyCaps, utcDay, type CapDecision, type DailyCapsOptions, type DailyCapsUsage } from "./dailyCaps.js";
export { SafetyConfigError } from "./errors.js";
export {
  SafetyGate,
  type PlannedSend,
  type SafetyDecision,
  type SafetyGateOptions,
  type SafetyState,
  type SendApproval,
  type SendResult,
} from "./gate.js";
export {
  KillSwitch,
  killFileExists,
  type KillEngagement,
  type KillSwitchOptions,
  type KillSwitchState,
  type LatchSource,
  type ReleaseBy,
  type ReleaseResult,
} from "./killSwitch.js";
export {
  BREAKER_STATE_VALUE,
  DAILY_CAPS,
  KILL_SOURCES,
  SAFETY_GATES,
  type BreakerState,
  type DailyCapName,
  type KillSource,
  type SafetyGateName,
  type SafetyMetrics,
} from "./metrics.js";
