import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { Hash } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { KeeperError } from "../../../src/errors.js";
import { createLogger } from "../../../src/ops/logger.js";
import { createMetrics, observeKeeperEvent } from "../../../src/ops/metrics.js";
import { KillSwitch } from "../../../src/safety/index.js";
import {
  healthFromMetrics,
  OpsServerError,
  startOpsServer,
  type HealthStatus,
  type OpsServer,
} from "../../../src/ops/server.js";
import type { Snapshot } from "../../../src/watcher/snapshot.js";

const TOKEN = "3f9c1e7a5b2d4c6e8f0a1b2c3d4e5f60";

/**
 * A logger that knows no secret (so redaction cannot hide a leak: whatever the server logs is
 * written as is), at debug to include the per-request lines.
 */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: "debug", format: "json", secrets: [], destination }), lines };
}

const fresh: HealthStatus = { head: 10n, headAgeSeconds: 1, lastBlockAgeSeconds: 1 };

const servers: OpsServer[] = [];
const switches: KillSwitch[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const ks of switches.splice(0)) ks.close();
});

/** Starts a server on a free port; `health: "metrics"` reads the head from the metrics, as the keeper would wire it. */
async function start(
  options: { token?: string; health?: (() => HealthStatus) | "metrics"; file?: string; now?: () => number } = {},
) {
  const { logger, lines } = capturedLogger();
  const metrics = createMetrics({ now: options.now });
  const killSwitch = new KillSwitch({ file: options.file, signal: false, logger, metrics });
  switches.push(killSwitch);
  const server = await startOpsServer({
    port: 0,
    metrics,
    health: options.health === "metrics" ? healthFromMetrics(metrics) : (options.health ?? (() => fresh)),
    killSwitch,
    token: options.token,
    maxHeadAgeSeconds: 60,
    maxLastBlockAgeSeconds: 30,
    logger,
  });
  servers.push(server);
  const post = (path: string, init: { auth?: string; body?: string } = {}) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: init.auth === undefined ? {} : { authorization: init.auth },
      body: init.body,
    });
  return { server, metrics, killSwitch, lines, post };
}

function block(n: bigint, timestampSeconds: bigint): Snapshot {
  return {
    blockNumber: n,
    blockHash: `0x${"00".repeat(32)}` as Hash,
    timestamp: timestampSeconds,
    gasLimit: 30_000_000n,
    baseFeePerGas: 0n,
    prices: {},
    v2Pairs: [],
    v3Pools: [],
    inventory: {},
    morphoLiquidity: {},
    stats: { readMs: 5, borrowersWatched: 0, newBorrowers: 0, morphoBorrowersWatched: 4, aaveAccountsRead: 3 },
  };
}

describe("startOpsServer", () => {
  it("listens on 127.0.0.1 by default and serves /metrics as Prometheus text", async () => {
    const { server, metrics } = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    observeKeeperEvent(metrics, {
      type: "block",
      snapshot: block(7n, 0n),
      underwater: 0,
      skewedPools: 0,
      candidates: 0,
    });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("keeper_blocks_processed_total 1");
    expect(text).toContain("keeper_head_block 7");
  });

  it("answers 404 to unknown paths and 405 to the wrong method", async () => {
    const { server } = await start({ token: TOKEN });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const res = await fetch(`${server.url}/kill`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect((await fetch(`${server.url}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("refuses a token too short to be safe, without printing it", async () => {
    const { logger } = capturedLogger();
    const metrics = createMetrics();
    const killSwitch = new KillSwitch({ signal: false, logger });
    const attempt = startOpsServer({ port: 0, metrics, health: () => fresh, killSwitch, token: "short-secret" });
    await expect(attempt).rejects.toBeInstanceOf(OpsServerError);
    await expect(attempt).rejects.toBeInstanceOf(KeeperError);
    await expect(attempt).rejects.not.toThrow(/short-secret/);
  });

  it("reports a port in use as an OpsServerError", async () => {
    const { server, killSwitch, metrics } = await start();
    const port = Number(new URL(server.url).port);
    await expect(startOpsServer({ port, metrics, health: () => fresh, killSwitch })).rejects.toThrow(
      /cannot listen on 127\.0\.0\.1/,
    );
  });
});

describe("POST /kill and /unkill", () => {
  it("engages and releases the kill switch with the right token", async () => {
    const { killSwitch, post } = await start({ token: TOKEN });
    const kill = await post("/kill", {
      auth: `Bearer ${TOKEN}`,
      body: JSON.stringify({ reason: "bad oracle on WETH" }),
    });
    expect(kill.status).toBe(200);
    expect(await kill.json()).toEqual({ engaged: true, reason: "HTTP /kill: bad oracle on WETH" });
    expect(killSwitch.allowsSend()).toBe(false);
    expect(killSwitch.state().latch).toMatchObject({ source: "http", reason: "HTTP /kill: bad oracle on WETH" });

    const unkill = await post("/unkill", { auth: `bearer ${TOKEN}` });
    expect(unkill.status).toBe(200);
    expect(await unkill.json()).toEqual({ engaged: false, released: true });
    expect(killSwitch.allowsSend()).toBe(true);
  });

  it("answers 401 to a wrong, malformed or missing token, and changes nothing", async () => {
    const { killSwitch, post } = await start({ token: TOKEN });
    for (const auth of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      TOKEN,
      "Bearer ",
    ]) {
      const res = await post("/kill", { auth });
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="keeper-ops"');
      expect(killSwitch.allowsSend()).toBe(true);
    }
    killSwitch.engage("signal", "received SIGUSR2");
    expect((await post("/unkill", { auth: "Bearer wrong-token-wrong-token" })).status).toBe(401);
    expect(killSwitch.allowsSend()).toBe(false);
  });

  it("does not exist without a configured token (404), whatever is sent", async () => {
    for (const token of [undefined, ""]) {
      const { killSwitch, post } = await start({ token });
      expect((await post("/kill", { auth: `Bearer ${TOKEN}` })).status).toBe(404);
      expect((await post("/kill")).status).toBe(404);
      expect(killSwitch.allowsSend()).toBe(true);
      killSwitch.engage("signal", "received SIGUSR2");
      expect((await post("/unkill", { auth: `Bearer ${TOKEN}` })).status).toBe(404);
      expect(killSwitch.allowsSend()).toBe(false);
    }
  });

  it("cannot release a kill file (409): only removing the file does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ops-server-"));
    try {
      const file = join(dir, "KILL");
      const { killSwitch, post } = await start({ token: TOKEN, file });
      writeFileSync(file, "");
      const res = await post("/unkill", { auth: `Bearer ${TOKEN}` });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({
        engaged: true,
        reason: `kill file ${file} exists: remove it to resume`,
      });
      expect(killSwitch.allowsSend()).toBe(false);
      rmSync(file);
      expect(killSwitch.allowsSend()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("engages even with an oversized or garbled body, keeping the reason to one bounded line", async () => {
    const { killSwitch, post } = await start({ token: TOKEN });
    expect((await post("/kill", { auth: `Bearer ${TOKEN}`, body: "x".repeat(100_000) })).status).toBe(200);
    expect(killSwitch.state().latch!.reason.length).toBeLessThanOrEqual(220);
    expect((await post("/kill", { auth: `Bearer ${TOKEN}`, body: "{not json\nsecond line" })).status).toBe(200);
    expect(killSwitch.state().latch!.reason).toBe("HTTP /kill: {not json second line");
  });

  it("never writes the token to a log line", async () => {
    const { lines, killSwitch, post, server } = await start({ token: TOKEN });
    await post("/kill", { auth: `Bearer ${TOKEN}x` });
    await post("/kill", { auth: `Bearer ${TOKEN}`, body: JSON.stringify({ reason: `oops I pasted ${TOKEN}` }) });
    await post("/unkill", { auth: "Bearer nope" });
    await post("/unkill", { auth: `Bearer ${TOKEN}` });
    await fetch(`${server.url}/metrics?token=${TOKEN.slice(0, 8)}`);

    const text = lines.join("\n");
    expect(lines.length).toBeGreaterThan(5);
    expect(text).toContain("ops request refused: bad or missing bearer token");
    expect(text).toContain("kill switch engaged: sends stopped");
    expect(text).toContain("HTTP /kill: oops I pasted <redacted>");
    expect(text).not.toContain(TOKEN);
    // Not even a recognisable half of it.
    expect(text).not.toContain(TOKEN.slice(0, 16));
    expect(text).not.toContain(TOKEN.slice(16));
    expect(killSwitch.allowsSend()).toBe(true);
  });
});

describe("GET /health", () => {
  it("is 200 with the head while blocks are fresh, and 503 once the head is stale", async () => {
    let now = Date.parse("2025-03-10T12:00:00Z");
    const { server, metrics } = await start({ now: () => now, health: "metrics" });

    let res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "starting", head: null, problems: ["no block processed yet"] });

    observeKeeperEvent(metrics, {
      type: "block",
      snapshot: block(123n, BigInt(now / 1000 - 12)),
      underwater: 0,
      skewedPools: 0,
      candidates: 0,
    });
    res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: "ok", head: 123, headAgeSeconds: 12, lastBlockAgeSeconds: 0 });

    now += 29_000; // head 41 s old, last block 29 s ago: still fine
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    now += 20_000; // head 61 s old (max 60), last block 49 s ago (max 30)
    res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; problems: string[]; headAgeSeconds: number };
    expect(body.status).toBe("stale");
    expect(body.headAgeSeconds).toBe(61);
    expect(body.problems).toEqual([
      "head block is 61 s old (max 60 s)",
      "keeper loop has not completed a block for 49 s (max 30 s)",
    ]);
  });

  it("is 503 when the keeper loop has not completed a block recently, even with a fresh head", async () => {
    const { server } = await start({ health: () => ({ head: 5n, headAgeSeconds: 2, lastBlockAgeSeconds: 31 }) });
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "stale",
      problems: ["keeper loop has not completed a block for 31 s (max 30 s)"],
    });
  });

  it("is 503 when the health source throws", async () => {
    const { server } = await start({
      health: () => {
        throw new Error("watcher gone");
      },
    });
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "error", problems: ["health check failed: watcher gone"] });
  });
});
