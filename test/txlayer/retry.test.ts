import { describe, expect, it } from "vitest";
import { RetryPolicy, seededRandom } from "../../src/txlayer/retry.js";

/** The retry policy is pure: time, blocks and the state fingerprint all come from the caller. */
describe("RetryPolicy", () => {
  const base = { opportunityId: "aave-v3:0x1", block: 100n, now: 0 };

  it("does not retry a deterministic failure until the state fingerprint changes", () => {
    const p = new RetryPolicy({ maxConsecutiveFailures: 10 });
    const d = p.recordFailure({ ...base, classification: "deterministic", reason: "HEALTH_FACTOR_NOT_BELOW_THRESHOLD", fingerprint: "debt=1,coll=2" });
    expect(d).toEqual({ retry: "when-state-changes", fingerprint: "debt=1,coll=2", failures: 1 });
    // Same state, however much later: still no.
    expect(p.canAttempt({ ...base, fingerprint: "debt=1,coll=2", block: 10_000n, now: 10 ** 9 })).toMatchObject({ allowed: false, reason: expect.stringMatching(/state unchanged/) });
    // The position moved: allowed at once.
    expect(p.canAttempt({ ...base, fingerprint: "debt=1,coll=3" })).toEqual({ allowed: true });
    expect(p.canAttempt({ ...base, fingerprint: "debt=1,coll=2" })).toEqual({ allowed: true }); // the block is lifted, not remembered
  });

  it("backs off transient failures exponentially, with seeded jitter, capped", () => {
    const p = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5, maxConsecutiveFailures: 100, seed: 42 });
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const d = p.recordFailure({ ...base, classification: "transient", reason: "429", fingerprint: "f", now: 0 });
      if (d.retry !== "after") throw new Error(d.retry);
      delays.push(d.delayMs);
    }
    const ceilings = [100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000];
    delays.forEach((d, i) => {
      expect(d).toBeLessThanOrEqual(ceilings[i]);
      expect(d).toBeGreaterThanOrEqual(ceilings[i] / 2); // half fixed, half random
    });
    // Seeded: the same seed gives the same delays; another seed other ones.
    const again = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5, maxConsecutiveFailures: 100, seed: 42 });
    const other = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5, maxConsecutiveFailures: 100, seed: 7 });
    const run = (q: RetryPolicy) => Array.from({ length: 8 }, () => q.recordFailure({ ...base, classification: "transient", reason: "x", fingerprint: "f" })).map((d) => (d.retry === "after" ? d.delayMs : -1));
    expect(run(again)).toEqual(delays);
    expect(run(other)).not.toEqual(delays);
  });

  it("gates a transient retry on time, not on state", () => {
    const p = new RetryPolicy({ baseDelayMs: 1_000, jitter: 0, maxConsecutiveFailures: 100 });
    const d = p.recordFailure({ ...base, classification: "transient", reason: "ECONNRESET", fingerprint: "f", now: 5_000 });
    expect(d).toEqual({ retry: "after", at: 6_000, delayMs: 1_000, failures: 1 });
    expect(p.canAttempt({ ...base, fingerprint: "other", now: 5_999 }).allowed).toBe(false);
    expect(p.canAttempt({ ...base, fingerprint: "f", now: 6_000 }).allowed).toBe(true);
  });

  it("cools an opportunity down for M blocks after N failures in a row, logging why, then starts afresh", () => {
    const logged: { message: string; context: Record<string, string> }[] = [];
    const p = new RetryPolicy({ maxConsecutiveFailures: 3, cooldownBlocks: 10n, jitter: 0 }, (message, context) => logged.push({ message, context }));
    p.recordFailure({ ...base, classification: "transient", reason: "timeout", fingerprint: "a" });
    p.recordFailure({ ...base, classification: "deterministic", reason: "InsufficientProfit(1, 2)", fingerprint: "a" });
    const d = p.recordFailure({ ...base, classification: "deterministic", reason: "InsufficientProfit(1, 3)", fingerprint: "b", block: 120n });
    expect(d).toEqual({ retry: "cooldown", untilBlock: 130n, failures: 3, reason: "3 failures in a row, the last: InsufficientProfit(1, 3)" });
    expect(logged).toEqual([{ message: "opportunity cooled down", context: { opportunityId: base.opportunityId, untilBlock: "130", reason: d.retry === "cooldown" ? d.reason : "" } }]);
    expect(p.canAttempt({ ...base, fingerprint: "new state", block: 129n, now: 10 ** 9 })).toMatchObject({ allowed: false, reason: expect.stringMatching(/cooling down until block 130/) });
    expect(p.canAttempt({ ...base, fingerprint: "new state", block: 130n })).toEqual({ allowed: true });
    // Afresh: one more failure is not a cooldown.
    expect(p.recordFailure({ ...base, classification: "transient", reason: "x", fingerprint: "c", block: 131n }).retry).toBe("after");
  });

  it("forgets an opportunity's failures once it succeeds; opportunities are independent", () => {
    const p = new RetryPolicy({ maxConsecutiveFailures: 2 });
    p.recordFailure({ ...base, classification: "deterministic", reason: "r", fingerprint: "a" });
    p.recordFailure({ ...base, opportunityId: "other", classification: "deterministic", reason: "r", fingerprint: "a" });
    p.recordSuccess(base.opportunityId);
    expect(p.canAttempt({ ...base, fingerprint: "a" })).toEqual({ allowed: true });
    expect(p.canAttempt({ ...base, opportunityId: "other", fingerprint: "a" }).allowed).toBe(false);
    expect(p.recordFailure({ ...base, classification: "deterministic", reason: "r", fingerprint: "a" }).retry).toBe("when-state-changes");
  });

  it("seededRandom is deterministic and uniform enough", () => {
    const r = seededRandom(1);
    const xs = Array.from({ length: 10_000 }, r);
    expect(seededRandom(1)()).toBe(xs[0]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.02);
  });
});
