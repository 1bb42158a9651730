import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { DiscoverySyncStatus, withDiscoverySync } from "../../../src/ops/discoveryProgress.js";
import { createLogger } from "../../../src/ops/logger.js";
import { createMetrics } from "../../../src/ops/metrics.js";
import { healthFromMetrics, startOpsServer, type OpsServer } from "../../../src/ops/server.js";
import type { DiscoveryProgress } from "../../../src/protocols/discovery.js";
import { KillSwitch } from "../../../src/safety/index.js";

function captured() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger({ level: "info", format: "json", secrets: [], destination }), lines };
}

/** A progress report of an Aave sync over blocks 1..1000 with `done` of them read. */
const report = (done: bigint, elapsedMs: number): DiscoveryProgress => ({
  index: "aave-v3",
  fromBlock: 1n,
  toBlock: 1000n,
  doneBlocks: done,
  totalBlocks: 1000n,
  checkpoint: done,
  logs: Number(done / 100n),
  requests: Number(done / 100n),
  splits: 0,
  retries: 0,
  range: 100n,
  elapsedMs,
  etaMs: done > 0n ? (elapsedMs * Number(1000n - done)) / Number(done) : undefined,
  done: done === 1000n,
});

const servers: OpsServer[] = [];
const switches: KillSwitch[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const k of switches.splice(0)) k.close();
});

describe("discovery sync progress", () => {
  it("logs the first, then at most one line per interval, and the last; /health says syncing, then stale, then not", async () => {
    let now = 0;
    const { logger, lines } = captured();
    const sync = new DiscoverySyncStatus({ logger, logEveryMs: 10_000, now: () => now });
    const metrics = createMetrics({ now: () => now });
    const killSwitch = new KillSwitch({ signal: false, logger, metrics });
    switches.push(killSwitch);
    const server = await startOpsServer({
      port: 0,
      metrics,
      health: withDiscoverySync(healthFromMetrics(metrics), sync),
      killSwitch,
      maxLastBlockAgeSeconds: 30,
    });
    servers.push(server);
    const health = async () => {
      const res = await fetch(`${server.url}/health`);
      return { code: res.status, body: (await res.json()) as Record<string, any> };
    };

    sync.onProgress(report(100n, 1000));
    now = 5_000;
    sync.onProgress(report(200n, 5000));
    now = 11_000;
    sync.onProgress(report(400n, 11_000));
    expect(lines.map((l) => l.blocks)).toEqual(["100/1000", "400/1000"]);
    expect(lines[1]).toMatchObject({ msg: "discovery sync", index: "aave-v3", percent: 40, etaSeconds: 17 });

    let h = await health();
    expect(h.code).toBe(200);
    expect(h.body.status).toBe("syncing");
    expect(h.body.syncing.indexes[0]).toMatchObject({
      index: "aave-v3",
      doneBlocks: 400,
      totalBlocks: 1000,
      percent: 40,
    });

    now = 50_000;
    h = await health();
    expect(h.code).toBe(503);
    expect(h.body.problems[0]).toMatch(/aave-v3 discovery sync has made no progress for 39 s/);

    sync.onProgress(report(1000n, 50_000));
    expect(lines.at(-1)).toMatchObject({ msg: "discovery sync done", blocks: "1000/1000", seconds: 50 });
    h = await health();
    // Done syncing, no block processed yet: the usual answer.
    expect(h.body.status).toBe("starting");
    expect(h.body.syncing).toBeUndefined();
  });
});

describe("discovery sync for the dashboard", () => {
  it("keeps every index's last progress, finished syncs included", () => {
    const sync = new DiscoverySyncStatus({ now: () => 0 });
    expect(sync.indexes()).toEqual([]);
    sync.onProgress(report(400n, 4_000));
    expect(sync.indexes()).toEqual([
      {
        index: "aave-v3",
        done: false,
        doneBlocks: 400,
        totalBlocks: 1000,
        percent: 40,
        logs: 4,
        requests: 4,
        seconds: 4,
        etaSeconds: 6,
      },
    ]);
    sync.onProgress(report(1000n, 9_000));
    expect(sync.syncing()).toBeUndefined();
    expect(sync.indexes()).toMatchObject([
      { index: "aave-v3", done: true, percent: 100, seconds: 9, etaSeconds: null },
    ]);
  });
});
