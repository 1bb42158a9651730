import { skip } from "../../src/skip.js";
import { BroadcastRefusedError } from "../../src/txlayer/errors.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeeperError } from "../../src/errors.js";
import type { SendOutcome as ExecOutcome } from "../../src/executor/outcome.js";
import { createLogger } from "../../src/ops/logger.js";
import { BREAKER_STATE_VALUE, createMetrics, type KeeperMetrics } from "../../src/ops/metrics.js";
import {
  CircuitBreaker,
  DailyCaps,
  KillSwitch,
  killFileExists,
  SafetyConfigError,
  SafetyGate,
  utcDay,
} from "../../src/safety/index.js";

/** A JSON logger writing into memory (synchronously, so lines are there as soon as the call returns). */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: "debug", format: "json", secrets: [], destination });
  const records = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

/** A settable wall clock. */
function clock(iso: string) {
  let t = Date.parse(iso);
  return { now: () => t, set: (next: string) => void (t = Date.parse(next)), advance: (ms: number) => void (t += ms) };
}

async function gauge(metrics: KeeperMetrics, name: string): Promise<number | undefined> {
  const line = (await metrics.registry.metrics()).split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("KillSwitch", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kill-switch-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is engaged by the kill file at once, and released only by removing it", async () => {
    const file = join(dir, "KILL");
    const { logger, records } = capturedLogger();
    const metrics = createMetrics();
    const ks = new KillSwitch({ file, signal: false, logger, metrics });
    expect(ks.allowsSend()).toBe(true);

    writeFileSync(file, "");
    // No poll in between: allowsSend re-reads the file itself.
    expect(ks.allowsSend()).toBe(false);
    expect(ks.state().file).toMatchObject({ source: "file" });
    expect(ks.reason()).toContain(file);
    expect(await gauge(metrics, 'keeper_kill_switch_engaged{source="file"}')).toBe(1);
    expect(records().some((r) => r.msg === "kill switch engaged: sends stopped" && r.source === "file")).toBe(true);

    // An authenticated release cannot override the file.
    const result = ks.release("http");
    expect(result).toMatchObject({ released: false, engaged: true });
    expect(ks.allowsSend()).toBe(false);

    rmSync(file);
    expect(ks.allowsSend()).toBe(true);
    expect(await gauge(metrics, 'keeper_kill_switch_engaged{source="file"}')).toBe(0);
    ks.close();
  });

  it("logs a file engagement once, not once per block", () => {
    const file = join(dir, "KILL");
    const { logger, records } = capturedLogger();
    const ks = new KillSwitch({ file, signal: false, logger });
    writeFileSync(file, "");
    for (let i = 0; i < 5; i++) ks.poll();
    expect(records().filter((r) => r.msg === "kill switch engaged: sends stopped")).toHaveLength(1);
  });

  it("checks the file with one stat that throws, rather than answering false, when it cannot look", () => {
    const file = join(dir, "KILL");
    expect(killFileExists(file)).toBe(false);
    writeFileSync(file, "");
    expect(killFileExists(file)).toBe(true);
    // A path too long to look up is an error (ENAMETOOLONG), not "absent".
    expect(() => killFileExists(join(dir, "x".repeat(5_000)))).toThrow();
  });

  it("fails safe when the file cannot be checked", () => {
    const { logger } = capturedLogger();
    const ks = new KillSwitch({
      file: "/cannot/tell",
      signal: false,
      logger,
      fileExists: () => {
        throw new Error("EACCES");
      },
    });
    expect(ks.allowsSend()).toBe(false);
  });

  it("is engaged by SIGUSR2, which never toggles it back, and restores the handlers on close", async () => {
    const before = process.listeners("SIGUSR2");
    const { logger } = capturedLogger();
    const metrics = createMetrics();
    const ks = new KillSwitch({ signal: "SIGUSR2", logger, metrics });
    try {
      expect(process.listeners("SIGUSR2")).toHaveLength(before.length + 1);
      expect(ks.allowsSend()).toBe(true);

      process.kill(process.pid, "SIGUSR2");
      await until(() => !ks.allowsSend());
      expect(ks.state().latch).toMatchObject({ source: "signal", reason: "received SIGUSR2" });
      expect(await gauge(metrics, 'keeper_kill_switch_engaged{source="signal"}')).toBe(1);

      // A second signal (a nervous operator) keeps it engaged.
      process.kill(process.pid, "SIGUSR2");
      await new Promise((r) => setTimeout(r, 50));
      expect(ks.allowsSend()).toBe(false);

      // Only an authenticated release (here as the HTTP endpoint would call it) clears a signal.
      expect(ks.release("http")).toMatchObject({ released: true, engaged: false });
      expect(ks.allowsSend()).toBe(true);
      expect(await gauge(metrics, 'keeper_kill_switch_engaged{source="signal"}')).toBe(0);
    } finally {
      ks.close();
    }
    expect(process.listeners("SIGUSR2")).toEqual(before);
  });

  it("records source and reason of a programmatic engagement", () => {
    const { logger } = capturedLogger();
    const ks = new KillSwitch({ signal: false, logger, now: () => 42 });
    ks.engage("program", "signer balance below 0.01 ETH");
    expect(ks.allowsSend()).toBe(false);
    expect(ks.state()).toMatchObject({
      engaged: true,
      latch: { source: "program", reason: "signer balance below 0.01 ETH", sinceMs: 42 },
    });
    expect(ks.reason()).toBe("signer balance below 0.01 ETH (source: program)");
  });
});

describe("CircuitBreaker", () => {
  it("opens after K consecutive failures, half-opens after the cool-off, and closes on a good probe", async () => {
    const c = clock("2025-03-10T12:00:00Z");
    const { logger, records } = capturedLogger();
    const metrics = createMetrics();
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolOff: { ms: 60_000 }, logger, metrics, now: c.now });

    breaker.recordFailure("reverted: 45");
    breaker.recordFailure("reverted: 45");
    expect(breaker.acquire()).toBe(true);
    // A success in between resets the run: failures must be consecutive.
    breaker.recordSuccess();
    breaker.recordFailure("a");
    breaker.recordFailure("b");
    expect(breaker.snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 2 });
    breaker.recordFailure("send failed: nonce");
    expect(breaker.snapshot()).toMatchObject({
      state: "open",
      consecutiveFailures: 3,
      lastFailure: "send failed: nonce",
    });
    expect(breaker.acquire()).toBe(false);
    expect(breaker.reason()).toMatch(
      /^circuit breaker open after 3 failed sends \(last: send failed: nonce\); half-opens in 60 s$/,
    );
    expect(await gauge(metrics, "keeper_circuit_breaker_state")).toBe(BREAKER_STATE_VALUE.open);
    expect(records().some((r) => r.msg === "circuit breaker open: sends stopped" && r.level === 50)).toBe(true);

    c.advance(59_999);
    expect(breaker.acquire()).toBe(false);
    c.advance(1);
    expect(breaker.snapshot().state).toBe("half-open");
    expect(await gauge(metrics, "keeper_circuit_breaker_state")).toBe(BREAKER_STATE_VALUE["half-open"]);
    // Exactly one probe.
    expect(breaker.acquire()).toBe(true);
    expect(breaker.acquire()).toBe(false);
    expect(breaker.reason()).toContain("half-open");

    breaker.recordSuccess();
    expect(breaker.snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0, lastFailure: undefined });
    expect(breaker.acquire()).toBe(true);
    expect(breaker.acquire()).toBe(true);
    expect(await gauge(metrics, "keeper_circuit_breaker_state")).toBe(BREAKER_STATE_VALUE.closed);
  });

  it("re-opens for a fresh cool-off when the probe fails", () => {
    const c = clock("2025-03-10T12:00:00Z");
    const { logger } = capturedLogger();
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolOff: { ms: 1_000 }, logger, now: c.now });
    breaker.recordFailure("x");
    c.advance(1_000);
    expect(breaker.acquire()).toBe(true);
    breaker.recordFailure("probe reverted");
    expect(breaker.snapshot().state).toBe("open");
    c.advance(999);
    expect(breaker.acquire()).toBe(false);
    c.advance(1);
    expect(breaker.acquire()).toBe(true);
  });

  it("gives the probe back when the approved send did not happen", () => {
    const c = clock("2025-03-10T12:00:00Z");
    const { logger } = capturedLogger();
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolOff: { ms: 0 }, logger, now: c.now });
    breaker.recordFailure("x");
    expect(breaker.acquire()).toBe(true);
    expect(breaker.acquire()).toBe(false);
    breaker.recordNoSend();
    expect(breaker.acquire()).toBe(true);
  });

  it("counts a cool-off in blocks", () => {
    const { logger } = capturedLogger();
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolOff: { blocks: 5n }, logger });
    breaker.onBlock(100n);
    breaker.recordFailure("a");
    breaker.recordFailure("b");
    expect(breaker.reason()).toContain("half-opens in 5 blocks");
    breaker.onBlock(104n);
    expect(breaker.acquire()).toBe(false);
    breaker.onBlock(105n);
    expect(breaker.snapshot().state).toBe("half-open");
    expect(breaker.acquire()).toBe(true);
  });

  it("is closed by hand with reset", () => {
    const { logger } = capturedLogger();
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolOff: { ms: 3_600_000 }, logger });
    breaker.recordFailure("x");
    expect(breaker.acquire()).toBe(false);
    breaker.reset("operator");
    expect(breaker.snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    expect(breaker.acquire()).toBe(true);
  });

  it("refuses a threshold below 1 with a KeeperError", () => {
    const { logger } = capturedLogger();
    const make = () => new CircuitBreaker({ failureThreshold: 0, coolOff: { ms: 1 }, logger });
    expect(make).toThrow(SafetyConfigError);
    expect(make).toThrow(KeeperError);
  });
});

describe("DailyCaps", () => {
  const ETH = 10n ** 18n;

  it("blocks at the send limit and starts afresh at 00:00 UTC", async () => {
    const c = clock("2025-03-10T23:59:00Z");
    const { logger, records } = capturedLogger();
    const metrics = createMetrics();
    const caps = new DailyCaps({ maxGasWeiPerDay: ETH, maxSendsPerDay: 3, logger, metrics, now: c.now });
    // As the journal would after a restart: two sends already today.
    caps.init(ETH / 10n, 2);
    expect(caps.check(0n)).toEqual({ ok: true });
    caps.record(ETH / 10n);
    const refused = caps.check(0n);
    expect(refused).toEqual({
      ok: false,
      cap: "sends",
      reason: "daily send cap reached: 3 of 3 sends today (UTC 2025-03-10)",
    });
    expect(await gauge(metrics, 'keeper_daily_cap_used{cap="sends"}')).toBe(3);
    expect(await gauge(metrics, 'keeper_daily_cap_used{cap="gas_wei"}')).toBe(2e17);
    expect(await gauge(metrics, 'keeper_daily_cap_limit{cap="sends"}')).toBe(3);

    c.set("2025-03-10T23:59:59.999Z");
    expect(caps.check(0n).ok).toBe(false);
    c.set("2025-03-11T00:00:00.000Z");
    expect(caps.check(0n)).toEqual({ ok: true });
    expect(caps.usage()).toEqual({
      day: "2025-03-11",
      gasSpentWei: 0n,
      sends: 0,
      maxGasWeiPerDay: ETH,
      maxSendsPerDay: 3,
    });
    expect(await gauge(metrics, 'keeper_daily_cap_used{cap="sends"}')).toBe(0);
    expect(records().some((r) => r.msg === "new UTC day: daily caps reset" && r.previousDay === "2025-03-10")).toBe(
      true,
    );
  });

  it("blocks a send whose worst-case gas would cross the gas cap; the cap itself is reachable", () => {
    const c = clock("2025-03-10T08:00:00Z");
    const { logger } = capturedLogger();
    const caps = new DailyCaps({ maxGasWeiPerDay: 1_000n, maxSendsPerDay: 100, logger, now: c.now });
    caps.record(600n);
    expect(caps.check(400n)).toEqual({ ok: true });
    const refused = caps.check(401n);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.cap).toBe("gas_wei");
    expect(!refused.ok && refused.reason).toBe(
      "daily gas cap: 600 wei spent today (UTC 2025-03-10) + up to 401 wei would exceed 1000 wei",
    );
    expect(caps.check(-1n).ok).toBe(false);
  });

  it("does not hand out a new budget when the clock steps back over midnight", () => {
    const c = clock("2025-03-11T00:00:05Z");
    const { logger } = capturedLogger();
    const caps = new DailyCaps({ maxGasWeiPerDay: 1_000n, maxSendsPerDay: 1, logger, now: c.now });
    caps.record(10n);
    c.set("2025-03-10T23:59:58Z");
    expect(caps.check(0n).ok).toBe(false);
    expect(caps.usage().day).toBe("2025-03-11");
  });

  it("refuses non-positive caps", () => {
    const { logger } = capturedLogger();
    expect(() => new DailyCaps({ maxGasWeiPerDay: 0n, maxSendsPerDay: 1, logger })).toThrow(SafetyConfigError);
    expect(() => new DailyCaps({ maxGasWeiPerDay: 1n, maxSendsPerDay: 0, logger })).toThrow(SafetyConfigError);
  });

  it("names days in UTC whatever the local zone", () => {
    expect(utcDay(Date.parse("2025-03-10T23:30:00-05:00"))).toBe("2025-03-11");
  });
});

describe("SafetyGate", () => {
  function gate(options: { dryRun?: boolean; maxSends?: number; maxGasWei?: bigint; threshold?: number } = {}) {
    const c = clock("2025-03-10T12:00:00Z");
    const { logger, records } = capturedLogger();
    const metrics = createMetrics();
    const killSwitch = new KillSwitch({ signal: false, logger, metrics, now: c.now });
    const breaker = new CircuitBreaker({
      failureThreshold: options.threshold ?? 2,
      coolOff: { ms: 60_000 },
      logger,
      metrics,
      now: c.now,
    });
    const caps = new DailyCaps({
      maxGasWeiPerDay: options.maxGasWei ?? 10n ** 18n,
      maxSendsPerDay: options.maxSends ?? 10,
      logger,
      metrics,
      now: c.now,
    });
    const g = new SafetyGate({ dryRun: options.dryRun ?? false, killSwitch, breaker, caps, logger, metrics });
    return { g, c, killSwitch, breaker, caps, metrics, records };
  }
  const send = { gasWorstCaseWei: 1_000n };

  it("lets a send through when every gate agrees", () => {
    const { g } = gate();
    expect(g.mayI(send)).toMatchObject({
      ok: true,
      approval: { gasWorstCaseWei: send.gasWorstCaseWei, ticket: { probe: false } },
    });
  });

  it("refuses in dry-run, and puts the kill switch first", async () => {
    const { g, killSwitch, metrics } = gate({ dryRun: true });
    expect(g.mayI(send)).toEqual({
      ok: false,
      gate: "dry-run",
      skip: {
        code: "safety",
        message: "safety gate (dry-run): dry-run: sending is disabled (DRY_RUN)",
        deterministic: false,
      },
    });
    killSwitch.engage("program", "test");
    expect(g.mayI(send)).toMatchObject({
      ok: false,
      gate: "kill-switch",
      skip: { code: "safety", message: "safety gate (kill-switch): kill switch engaged: test (source: program)" },
    });
    expect(await gauge(metrics, "keeper_dry_run")).toBe(1);
    expect(await gauge(metrics, 'keeper_safety_refusals_total{gate="dry-run"}')).toBe(1);
    expect(await gauge(metrics, 'keeper_safety_refusals_total{gate="kill-switch"}')).toBe(1);
  });

  it("opens the breaker from reported outcomes and counts broadcast sends against the caps", () => {
    const { g, caps, breaker } = gate({ threshold: 2 });
    expect(g.mayI(send).ok).toBe(true);
    // Mined: the receipt's cost (gasUsed x effectiveGasPrice) is counted.
    g.recordOutcome({
      status: "mined",
      hash: `0x${"1".repeat(64)}`,
      blockNumber: 1n,
      gasUsed: 10n,
      effectiveGasPrice: 100n,
      profit: 1n,
      events: [],
    });
    expect(caps.usage()).toMatchObject({ sends: 1, gasSpentWei: 1_000n });

    expect(g.mayI(send).ok).toBe(true);
    // Refused by the node: a failure for the breaker, but nothing was broadcast or paid.
    g.recordOutcome({
      status: "failed",
      pending: false,
      error: new BroadcastRefusedError("insufficient-funds", "deterministic", "insufficient funds"),
    });
    expect(caps.usage()).toMatchObject({ sends: 1, gasSpentWei: 1_000n });

    expect(g.mayI(send).ok).toBe(true);
    // Reverted on chain: its receipt's cost.
    g.recordOutcome({
      status: "reverted",
      hash: `0x${"2".repeat(64)}`,
      gasUsed: 7n,
      effectiveGasPrice: 100n,
      error: new KeeperError("reverted: 45"),
    });
    expect(caps.usage()).toMatchObject({ sends: 2, gasSpentWei: 1_700n });
    expect(breaker.snapshot().state).toBe("open");
    const refused = g.mayI(send);
    expect(refused).toMatchObject({ ok: false, gate: "circuit-breaker" });
  });

  it("does not spend the half-open probe on a send the caps refuse", () => {
    const { g, c, caps, breaker } = gate({ threshold: 1, maxSends: 2 });
    expect(g.mayI(send).ok).toBe(true);
    g.recordSend({ outcome: "reverted", gasSpentWei: 5n, error: "reverted" });
    caps.record(0n); // a second send today: the send cap is now full
    c.advance(60_000);
    expect(g.mayI(send)).toMatchObject({ ok: false, gate: "daily-cap" });
    expect(breaker.snapshot()).toMatchObject({ state: "half-open", probeInFlight: false });
  });

  it("frees the probe when the approved candidate was not sent after all", () => {
    const { g, c } = gate({ threshold: 1 });
    g.mayI(send);
    g.recordSend({ outcome: "failed", error: "send failed" });
    c.advance(60_000);
    expect(g.mayI(send).ok).toBe(true);
    expect(g.mayI(send)).toMatchObject({ ok: false, gate: "circuit-breaker" });
    g.recordOutcome({ status: "skipped", skip: skip("simulation-reverted", "simulation reverted: 45") });
    expect(g.mayI(send).ok).toBe(true);
  });

  it("logs a refusal when the refusing gate changes, repeats only at debug", () => {
    const { g, killSwitch, records } = gate();
    killSwitch.engage("program", "maintenance");
    for (let i = 0; i < 4; i++) g.mayI(send);
    killSwitch.release("program");
    g.mayI(send);
    const refusals = records().filter((r) => r.msg === "safety gate: send refused");
    expect(refusals.filter((r) => r.level === 30)).toHaveLength(1);
    expect(refusals.filter((r) => r.level === 20)).toHaveLength(3);
    expect(refusals[0]).toMatchObject({ gate: "kill-switch", component: "safety-gate" });
    expect(records().at(-1)).toMatchObject({ msg: "safety gate: sends allowed", previouslyRefusedBy: "kill-switch" });
    expect(records().some((r) => r.msg === "safety gate ready")).toBe(true);
  });

  it("reports every state at once", () => {
    const { g } = gate({ dryRun: true });
    expect(g.state()).toMatchObject({
      dryRun: true,
      killSwitch: { engaged: false },
      breaker: { state: "closed", consecutiveFailures: 0 },
      caps: { day: "2025-03-10", sends: 0 },
    });
  });
});

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("SafetyGate with several sends in flight", () => {
  function gate(options: { maxSends?: number; maxGasWei?: bigint; threshold?: number } = {}) {
    const c = clock("2025-03-10T12:00:00Z");
    const { logger } = capturedLogger();
    const killSwitch = new KillSwitch({ signal: false, logger, now: c.now });
    const breaker = new CircuitBreaker({
      failureThreshold: options.threshold ?? 2,
      coolOff: { ms: 60_000 },
      logger,
      now: c.now,
    });
    const caps = new DailyCaps({
      maxGasWeiPerDay: options.maxGasWei ?? 10n ** 18n,
      maxSendsPerDay: options.maxSends ?? 10,
      logger,
      now: c.now,
    });
    return { g: new SafetyGate({ dryRun: false, killSwitch, breaker, caps, logger }), c, breaker, caps };
  }
  const send = { gasWorstCaseWei: 1_000n };
  const approve = (g: SafetyGate) => {
    const d = g.mayI(send);
    if (!d.ok) throw new Error(`refused: ${d.skip.message}`);
    return d.approval;
  };
  const mined = (gasUsed: bigint): ExecOutcome => ({
    status: "mined",
    hash: `0x${"1".repeat(64)}`,
    blockNumber: 1n,
    gasUsed,
    effectiveGasPrice: 1n,
    profit: 1n,
    events: [],
  });
  const reverted: ExecOutcome = {
    status: "reverted",
    hash: `0x${"2".repeat(64)}`,
    gasUsed: 7n,
    effectiveGasPrice: 1n,
    error: new KeeperError("reverted"),
  };

  it("approves several at once, counts the ones in flight against the caps, and accounts each exactly once", () => {
    const { g, caps } = gate({ maxSends: 3, maxGasWei: 10_000n });
    const [a, b, c] = [approve(g), approve(g), approve(g)];
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(g.inFlight()).toBe(3);
    expect(g.mayI(send)).toMatchObject({
      ok: false,
      gate: "daily-cap",
      skip: { message: expect.stringContaining("3 more in flight") },
    });
    g.recordOutcome(mined(10n), { approval: b });
    g.recordOutcome(mined(10n), { approval: b }); // a second report of the same send: ignored
    expect(caps.usage()).toMatchObject({ sends: 1, gasSpentWei: 10n });
    g.recordOutcome({ status: "failed", pending: true, error: new KeeperError("pending") }, { approval: a }); // at its worst case
    g.recordOutcome({ status: "failed", pending: false, error: new KeeperError("refused") }, { approval: c }); // never broadcast
    expect(caps.usage()).toMatchObject({ sends: 2, gasSpentWei: 1_010n });
    expect(g.inFlight()).toBe(0);
  });

  it("keeps the breaker's semantics: late results of sends approved before it opened neither close nor re-open it; half-open lets only the probe through", () => {
    const { g, c, breaker } = gate({ threshold: 2 });
    const [a, b, x, y] = [approve(g), approve(g), approve(g), approve(g)];
    g.recordOutcome(reverted, { approval: a });
    g.recordOutcome(reverted, { approval: b });
    expect(breaker.snapshot().state).toBe("open");
    g.recordOutcome(mined(1n), { approval: x }); // approved before it opened: does not close it
    expect(breaker.snapshot().state).toBe("open");
    c.advance(60_000);
    const probe = approve(g);
    expect(probe.ticket.probe).toBe(true);
    expect(g.mayI(send)).toMatchObject({ ok: false, gate: "circuit-breaker" }); // only the probe while half-open
    g.recordOutcome(reverted, { approval: y }); // a late failure: does not re-open under the probe
    expect(breaker.snapshot()).toMatchObject({ state: "half-open", probeInFlight: true });
    g.recordOutcome(mined(1n), { approval: probe });
    expect(breaker.snapshot().state).toBe("closed");
    expect(approve(g).ticket.probe).toBe(false);
    expect(approve(g).ticket.probe).toBe(false);
  });
});
