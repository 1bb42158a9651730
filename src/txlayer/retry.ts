/**
 * Retry by reason, as a pure policy (no I/O, no clock of its own: the caller passes `now` and the block):
 *  - deterministic failures (a revert: position healthy, InsufficientProfit; a refusal that will repeat) are not
 *    retried until the state fingerprint the caller computes for the opportunity changes - the same call on the
 *    same state fails the same way;
 *  - transient failures (timeout, 429, 5xx, connection reset) are retried after an exponential backoff with
 *    jitter (seeded, so tests are reproducible), capped;
 *  - an opportunity failing `maxConsecutiveFailures` times in a row, whatever the kind, is cooled down for
 *    `cooldownBlocks` blocks and the reason is logged: something about it is wrong that neither rule catches.
 */
import type { ErrorClassification } from "../executor/errors.js";
import { seededRandom } from "../prng.js";

export { seededRandom };

export interface RetryConfig {
  /** First transient backoff. Default 500 ms. */
  baseDelayMs: number;
  /** Backoff ceiling. Default 30 s. */
  maxDelayMs: number;
  /** Fraction of each delay that is random (0: none, 1: full jitter). Default 0.5. */
  jitter: number;
  /** Failures in a row that trigger a cooldown. Default 3. */
  maxConsecutiveFailures: number;
  /** Length of the cooldown in blocks. Default 20. */
  cooldownBlocks: bigint;
  /** Seed of the jitter's generator. Default 1. */
  seed: number;
}

export const DEFAULT_RETRY_CONFIG: RetryConfig = { baseDelayMs: 500, maxDelayMs: 30_000, jitter: 0.5, maxConsecutiveFailures: 3, cooldownBlocks: 20n, seed: 1 };

/** One failure of an opportunity. */
export interface FailureInput {
  opportunityId: string;
  classification: ErrorClassification;
  reason: string;
  /** The caller's digest of the state the failure depends on (e.g. the borrower's debt/collateral, the pool's reserves). */
  fingerprint: string;
  block: bigint;
  /** ms */
  now: number;
}

/** When the opportunity may be tried again. */
export type RetryDecision =
  | { retry: "when-state-changes"; fingerprint: string; failures: number }
  | { retry: "after"; at: number; delayMs: number; failures: number }
  | { retry: "cooldown"; untilBlock: bigint; failures: number; reason: string };

/** Whether an attempt is allowed now. */
export type RetryGate = { allowed: true } | { allowed: false; reason: string };

interface OpportunityState {
  consecutive: number;
  transientInRow: number;
  blockedFingerprint?: string;
  notBefore?: number;
  cooldownUntil?: bigint;
  lastReason: string;
}

/** See the module comment. One instance per keeper; state is per opportunity id. */
export class RetryPolicy {
  readonly config: RetryConfig;
  private readonly random: () => number;
  private readonly state = new Map<string, OpportunityState>();

  constructor(config: Partial<RetryConfig> = {}, private readonly log: (message: string, context: Record<string, string>) => void = () => {}) {
    this.config = { ...DEFAULT_RETRY_CONFIG, ...config };
    this.random = seededRandom(this.config.seed);
  }

  /**
   * Delay before transient retry number `n` (1 = first retry): min(max, base * 2^(n-1)), of which the `jitter`
   * fraction is drawn at random, so many keepers (or opportunities) failing together do not retry in lockstep.
   */
  backoffDelay(n: number): number {
    const exp = Math.min(this.config.maxDelayMs, this.config.baseDelayMs * 2 ** Math.max(0, n - 1));
    const fixed = exp * (1 - this.config.jitter);
    return Math.round(fixed + this.random() * exp * this.config.jitter);
  }

  /** Records a failure and says when to try again. */
  recordFailure(f: FailureInput): RetryDecision {
    const s = this.state.get(f.opportunityId) ?? { consecutive: 0, transientInRow: 0, lastReason: "" };
    s.consecutive++;
    s.lastReason = f.reason;
    if (s.consecutive >= this.config.maxConsecutiveFailures) {
      const untilBlock = f.block + this.config.cooldownBlocks;
      const reason = `${s.consecutive} failures in a row, the last: ${f.reason}`;
      this.log("opportunity cooled down", { opportunityId: f.opportunityId, untilBlock: untilBlock.toString(), reason });
      const failures = s.consecutive;
      // The cooldown replaces the other gates; after it, the opportunity starts afresh.
      this.state.set(f.opportunityId, { consecutive: 0, transientInRow: 0, cooldownUntil: untilBlock, lastReason: reason });
      return { retry: "cooldown", untilBlock, failures, reason };
    }
    if (f.classification === "deterministic") {
      s.blockedFingerprint = f.fingerprint;
      s.notBefore = undefined;
      s.transientInRow = 0;
      this.state.set(f.opportunityId, s);
      return { retry: "when-state-changes", fingerprint: f.fingerprint, failures: s.consecutive };
    }
    s.transientInRow++;
    s.blockedFingerprint = undefined;
    const delayMs = this.backoffDelay(s.transientInRow);
    s.notBefore = f.now + delayMs;
    this.state.set(f.opportunityId, s);
    return { retry: "after", at: s.notBefore, delayMs, failures: s.consecutive };
  }

  /** The opportunity succeeded (its transaction was sent and mined): forget its failures. */
  recordSuccess(opportunityId: string): void {
    this.state.delete(opportunityId);
  }

  /** Whether the opportunity may be attempted at this block, time and state. */
  canAttempt(c: { opportunityId: string; fingerprint: string; block: bigint; now: number }): RetryGate {
    const s = this.state.get(c.opportunityId);
    if (!s) return { allowed: true };
    if (s.cooldownUntil !== undefined) {
      if (c.block < s.cooldownUntil) return { allowed: false, reason: `cooling down until block ${s.cooldownUntil}: ${s.lastReason}` };
      s.cooldownUntil = undefined;
    }
    if (s.blockedFingerprint !== undefined) {
      if (s.blockedFingerprint === c.fingerprint) return { allowed: false, reason: `state unchanged since a deterministic failure: ${s.lastReason}` };
      s.blockedFingerprint = undefined;
    }
    if (s.notBefore !== undefined && c.now < s.notBefore) return { allowed: false, reason: `backing off until ${s.notBefore} after: ${s.lastReason}` };
    return { allowed: true };
  }
}
