/**
 * Stops sending after K failed sends in a row. A run of failures usually means something outside
 * any one opportunity is wrong (the node, the nonce, the signer's funds, a contract change), and
 * each further attempt costs gas or rate limit for nothing. After a cool-off the breaker lets one
 * send through (half-open) to probe: success closes it, failure opens it for another cool-off.
 *
 *   closed --K failures--> open --cool-off--> half-open --success--> closed
 *                            ^                    |
 *                            +------failure-------+
 *
 * Several sends in flight: each approval ({@link CircuitBreaker.take}) carries a ticket naming the breaker's epoch
 * (bumped each time it opens) and whether it is the probe. While half-open only the probe is let through, and only
 * its result closes or re-opens the breaker; results of sends approved before the breaker last opened ("stale"
 * tickets) arrive later and change nothing: a late success must not close an open breaker, a late failure must
 * not re-open it under a probe that is still out.
 */
import type { Logger } from "pino";
import { BREAKER_STATE_VALUE, type BreakerState, type SafetyMetrics } from "./metrics.js";
import { SafetyConfigError } from "./errors.js";

/** How long the breaker stays open: wall-clock time, or blocks (which follow the chain, not the clock). */
export type CoolOff = { readonly ms: number } | { readonly blocks: bigint };

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** K: consecutive failed sends that open the breaker; at least 1. */
  failureThreshold: number;
  coolOff: CoolOff;
  logger: Logger;
  metrics?: SafetyMetrics;
  /** Wall clock in ms; default Date.now. */
  now?: () => number;
}

/** What the breaker looks like now. */
export interface CircuitBreakerSnapshot {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** Why it opened (the last failure), while open or half-open. */
  readonly lastFailure: string | undefined;
  /** When it opened, while open or half-open. */
  readonly openedAtMs: number | undefined;
  readonly openedAtBlock: bigint | undefined;
  /** Whether the half-open probe has been handed out and its result is awaited. */
  readonly probeInFlight: boolean;
}

/** What {@link CircuitBreaker.take} handed out: pass it back with the send's result. */
export interface BreakerTicket {
  /** The half-open probe. */
  readonly probe: boolean;
  /** The breaker's epoch when approved (bumped each time it opens). */
  readonly epoch: number;
}

/** A consecutive-failure circuit breaker for transaction sends. */
export class CircuitBreaker {
  private readonly log: Logger;
  private readonly now: () => number;
  private current: BreakerState = "closed";
  private failures = 0;
  private lastFailure: string | undefined;
  private openedAtMs: number | undefined;
  private openedAtBlock: bigint | undefined;
  private block: bigint | undefined;
  private probeInFlight = false;
  /** Bumped each time the breaker opens: tickets from an earlier epoch are stale. */
  private epoch = 0;

  constructor(private readonly opts: CircuitBreakerOptions) {
    if (!Number.isSafeInteger(opts.failureThreshold) || opts.failureThreshold < 1) {
      throw new SafetyConfigError(
        `The circuit breaker threshold must be a positive integer, got ${opts.failureThreshold}.`,
      );
    }
    const c = opts.coolOff;
    if ("ms" in c ? !(Number.isFinite(c.ms) && c.ms >= 0) : c.blocks < 0n) {
      throw new SafetyConfigError("The circuit breaker cool-off must be a non-negative number of ms or blocks.");
    }
    this.log = opts.logger.child({ component: "circuit-breaker" });
    this.now = opts.now ?? Date.now;
    this.publish();
  }

  /** Feeds the chain's head, for a cool-off counted in blocks. */
  onBlock(block: bigint): void {
    this.block = block;
    // Opened before any block was seen: the cool-off starts from the first block seen.
    if (this.current === "open" && this.openedAtBlock === undefined) this.openedAtBlock = block;
    this.refresh();
  }

  /** Whether a send would be allowed now, without taking the half-open probe (for reporting). */
  allowsSend(): boolean {
    this.refresh();
    return this.current === "closed" || (this.current === "half-open" && !this.probeInFlight);
  }

  /**
   * Asks to send: true when closed; when half-open, true once (the probe) until its result is
   * reported with {@link recordSuccess}, {@link recordFailure} or {@link recordNoSend}.
   */
  acquire(): boolean {
    return this.take() !== undefined;
  }

  /** {@link acquire} with a ticket for the send's result (several sends in flight); undefined when refused. */
  take(): BreakerTicket | undefined {
    if (!this.allowsSend()) return undefined;
    const probe = this.current === "half-open";
    if (probe) {
      this.probeInFlight = true;
      this.log.info("circuit breaker half-open: letting one probe send through");
    }
    return { probe, epoch: this.epoch };
  }

  /** A result for a send approved before the breaker last opened (not the probe): it changes nothing. */
  private stale(ticket: BreakerTicket | undefined, what: string): boolean {
    if (ticket === undefined || ticket.probe || ticket.epoch === this.epoch) return false;
    this.log.info(
      { state: this.current, result: what },
      "result of a send approved before the breaker opened: ignored",
    );
    return true;
  }

  /** A send succeeded (mined, not reverted): closes the breaker and clears the failure count. */
  recordSuccess(ticket?: BreakerTicket): void {
    if (this.stale(ticket, "success")) return;
    const was = this.current;
    this.failures = 0;
    this.probeInFlight = false;
    if (was !== "closed") this.close("probe send succeeded");
    this.publish();
  }

  /** A send failed (reverted on chain, or the node refused it): counts towards K, or re-opens a half-open breaker. */
  recordFailure(reason: string, ticket?: BreakerTicket): void {
    if (this.stale(ticket, reason)) return;
    this.refresh();
    this.failures++;
    this.lastFailure = reason;
    if (this.current === "half-open") {
      this.probeInFlight = false;
      this.open(`probe send failed: ${reason}`);
    } else if (this.current === "closed" && this.failures >= this.opts.failureThreshold) {
      this.open(`${this.failures} failed sends in a row, last: ${reason}`);
    } else {
      this.log.info(
        { consecutiveFailures: this.failures, threshold: this.opts.failureThreshold, reason },
        "send failed",
      );
    }
    this.publish();
  }

  /** The send allowed by {@link acquire} did not happen (simulation said no, dry-run...): the probe slot is free again. */
  recordNoSend(ticket?: BreakerTicket): void {
    if (ticket === undefined || ticket.probe) this.probeInFlight = false;
  }

  /** Closes the breaker by hand (an operator, after fixing the cause). */
  reset(by: string): void {
    this.failures = 0;
    this.probeInFlight = false;
    if (this.current !== "closed") this.close(`reset by ${by}`);
    this.publish();
  }

  /** The current state (an open breaker whose cool-off is over reads as half-open). */
  snapshot(): CircuitBreakerSnapshot {
    this.refresh();
    return {
      state: this.current,
      consecutiveFailures: this.failures,
      lastFailure: this.current === "closed" ? undefined : this.lastFailure,
      openedAtMs: this.openedAtMs,
      openedAtBlock: this.openedAtBlock,
      probeInFlight: this.probeInFlight,
    };
  }

  /** The reason to give when a send is refused. */
  reason(): string {
    const s = this.snapshot();
    if (s.state === "half-open") return "circuit breaker half-open: the probe send's result is awaited";
    return `circuit breaker open after ${s.consecutiveFailures} failed sends (last: ${s.lastFailure ?? "?"}); ${this.coolOffLeft()}`;
  }

  /** Open -> half-open once the cool-off is over. */
  private refresh(): void {
    if (this.current !== "open") return;
    const c = this.opts.coolOff;
    const over =
      "ms" in c
        ? this.now() - (this.openedAtMs ?? 0) >= c.ms
        : this.block !== undefined && this.openedAtBlock !== undefined && this.block - this.openedAtBlock >= c.blocks;
    if (!over) return;
    this.current = "half-open";
    this.probeInFlight = false;
    this.log.warn({ consecutiveFailures: this.failures }, "circuit breaker cool-off over: half-open");
    this.publish();
  }

  private open(why: string): void {
    this.current = "open";
    this.epoch++;
    this.openedAtMs = this.now();
    this.openedAtBlock = this.block;
    this.log.error(
      { consecutiveFailures: this.failures, coolOff: describeCoolOff(this.opts.coolOff), why },
      "circuit breaker open: sends stopped",
    );
  }

  private close(why: string): void {
    this.current = "closed";
    this.openedAtMs = undefined;
    this.openedAtBlock = undefined;
    this.lastFailure = undefined;
    this.log.warn({ why }, "circuit breaker closed: sends allowed");
  }

  private coolOffLeft(): string {
    const c = this.opts.coolOff;
    if ("ms" in c)
      return `half-opens in ${Math.max(0, Math.ceil((c.ms - (this.now() - (this.openedAtMs ?? 0))) / 1000))} s`;
    if (this.block === undefined || this.openedAtBlock === undefined)
      return `half-opens ${c.blocks} blocks after the next block`;
    const left = c.blocks - (this.block - this.openedAtBlock);
    return `half-opens in ${left > 0n ? left : 0n} blocks`;
  }

  private publish(): void {
    this.opts.metrics?.circuitBreakerState.set(BREAKER_STATE_VALUE[this.current]);
    this.opts.metrics?.circuitBreakerConsecutiveFailures.set(this.failures);
  }
}

function describeCoolOff(c: CoolOff): string {
  return "ms" in c ? `${c.ms} ms` : `${c.blocks} blocks`;
}
