import { pino } from "pino";
import type { Address, Hash } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { KeeperError } from "../../../src/errors.js";
import type { KeeperEvent } from "../../../src/keeper/keeper.js";
import { dashboardData } from "../../../src/ops/dashboard/data.js";
import { Ring } from "../../../src/ops/dashboard/ring.js";
import {
  bucketHealthFactors,
  DashboardState,
  HEALTH_FACTOR_BUCKETS,
  shortenAddresses,
} from "../../../src/ops/dashboard/state.js";
import { createMetrics } from "../../../src/ops/metrics.js";
import { startOpsServer, type OpsServer } from "../../../src/ops/server.js";
import type { ProtocolModule } from "../../../src/protocols/module.js";
import { aaveV3Module } from "../../../src/protocols/aaveV3/index.js";
import { createRedactor } from "../../../src/redact.js";
import { CircuitBreaker, DailyCaps, KillSwitch, SafetyGate } from "../../../src/safety/index.js";
import { skip } from "../../../src/skip.js";
import type { Candidate } from "../../../src/strategy/types.js";
import type { Snapshot } from "../../../src/watcher/snapshot.js";

const WAD = 10n ** 18n;
const logger = pino({ level: "silent" });
const WETH = "0x00000000000000000000000000000000000000e1" as Address;
const USDC = "0x00000000000000000000000000000000000000c1" as Address;
const BORROWER = "0x1234567890abcdef1234567890abcdef12345678" as Address;

/** Stand-ins for a lending module and a venue: gauges straight from fields of the test snapshot. */
type TestSnapshot = Snapshot & { hfs?: bigint[]; skew?: Record<string, bigint> };
const lending = {
  name: "lend",
  kind: "lending",
  positionsWatched: (s: TestSnapshot) => s.hfs?.length,
  gauges: (s: TestSnapshot) => (s.hfs ? { healthFactors: s.hfs } : undefined),
} as unknown as ProtocolModule;
const venue = {
  name: "venue",
  kind: "venue",
  positionsWatched: (s: TestSnapshot) => (s.skew ? Object.keys(s.skew).length : undefined),
  gauges: (s: TestSnapshot) =>
    s.skew ? { skews: Object.entries(s.skew).map(([pool, bps]) => ({ pool, bps })) } : undefined,
} as unknown as ProtocolModule;

function snapshot(block: bigint, extra: Partial<TestSnapshot> = {}): TestSnapshot {
  return {
    blockNumber: block,
    blockHash: `0x${block.toString(16).padStart(64, "0")}` as Hash,
    timestamp: 1_700_000_000n + block * 12n,
    baseFeePerGas: 10n ** 9n,
    gasLimit: 30_000_000n,
    prices: {
      [WETH]: { token: WETH, symbol: "WETH", decimals: 18, usd8: 2_000n * 10n ** 8n, updatedAt: 0n },
      [USDC]: { token: USDC, symbol: "USDC", decimals: 6, usd8: 10n ** 8n, updatedAt: 0n },
    },
    inventory: {},
    stats: { readMs: 42 },
    ...extra,
  } as TestSnapshot;
}

function blockEvent(s: Snapshot, skipped: { code: Parameters<typeof skip>[0] }[] = []): KeeperEvent {
  return {
    type: "block",
    snapshot: s,
    underwater: 0,
    skewedPools: 0,
    candidates: 0,
    skipped: skipped.map((x, i) => ({ id: `o${i}`, protocol: "aave-v3", skip: skip(x.code, "why"), context: {} })),
  };
}

function candidate(id = `aave-v3:${BORROWER}`): Candidate {
  return {
    opportunity: { id, protocol: "aave-v3", kind: "liquidation", expectedProfit: { token: USDC, decimals: 6 } },
    action: { kind: "liquidateAave" },
    context: {},
  } as unknown as Candidate;
}

function mined(block: bigint, profitUsdc: bigint, gasUsed: bigint): KeeperEvent {
  return {
    type: "outcome",
    block,
    candidate: candidate(),
    outcome: {
      status: "mined",
      hash: `0x${"ab".repeat(32)}` as Hash,
      blockNumber: block + 1n,
      gasUsed,
      effectiveGasPrice: 2n * 10n ** 9n,
      profit: profitUsdc * 10n ** 6n,
      events: [],
    },
  };
}

describe("Ring", () => {
  it("keeps the newest items, oldest first, and hands back what it drops", () => {
    const r = new Ring<number>(3);
    expect([r.push(1), r.push(2), r.push(3)]).toEqual([undefined, undefined, undefined]);
    expect(r.push(4)).toBe(1);
    expect(r.toArray()).toEqual([2, 3, 4]);
    expect(r.last()).toBe(4);
    expect(r.findLast((x) => x < 4)).toBe(3);
    expect(r.size).toBe(3);
    expect(() => new Ring(0)).toThrow(RangeError);
  });
});

describe("DashboardState", () => {
  it("keeps only the last N blocks, with each pool's skew aligned on them", () => {
    const state = new DashboardState({ blocks: 4, protocols: [lending, venue] });
    for (let b = 1n; b <= 6n; b++)
      state.onEvent(blockEvent(snapshot(b, { skew: b === 5n ? { A: 40n } : { A: 10n * b, B: -5n } })));
    const data = dashboardData({ state });
    expect(data.blocks).toEqual([3, 4, 5, 6]);
    expect(data.windowBlocks).toBe(4);
    expect(data.skews).toEqual([
      { pool: "A", bps: [30, 40, 40, 60] },
      { pool: "B", bps: [-5, -5, null, -5] },
    ]);
    expect(data.totals.blocks).toBe(6);
    expect(data.head).toMatchObject({ block: 6, readMs: 42 });
  });

  it("buckets health factors of the latest block per lending protocol", () => {
    const state = new DashboardState({ protocols: [lending, venue] });
    state.onEvent(blockEvent(snapshot(1n, { hfs: [WAD] })));
    const hfs = [(WAD * 99n) / 100n, WAD, (WAD * 104n) / 100n, (WAD * 3n) / 2n, 10n * WAD, 2n ** 256n - 1n];
    state.onEvent(blockEvent(snapshot(2n, { hfs })));
    const [h] = dashboardData({ state }).healthFactors.protocols;
    expect(h.protocol).toBe("lend");
    expect(h.counts).toEqual(bucketHealthFactors(hfs));
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(hfs.length);
    // Below 1, 1.00-1.05 (twice), 1.50-2.00 (1.5 is the edge: it opens the next bucket), ≥ 3 (twice).
    expect(h.counts).toEqual([1, 2, 0, 0, 0, 1, 0, 2]);
    expect(HEALTH_FACTOR_BUCKETS).toHaveLength(8);
    expect(dashboardData({ state }).positionsWatched).toEqual({ lend: hfs.length });
  });

  it("charts the Aave module's positions with debt only", () => {
    const state = new DashboardState({ protocols: [aaveV3Module] });
    const account = (healthFactor: bigint, totalDebtBase: bigint) => ({
      user: BORROWER,
      totalCollateralBase: 1n,
      totalDebtBase,
      currentLiquidationThreshold: 8_000n,
      healthFactor,
    });
    const aave = {
      pool: WETH,
      reserves: [],
      positions: {},
      accounts: [account(WAD / 2n, 1n), account(2n ** 256n - 1n, 0n)],
    };
    state.onEvent(blockEvent(snapshot(1n, { aave } as Partial<TestSnapshot>)));
    expect(state.healthHistograms()).toEqual([{ protocol: "aave-v3", counts: [1, 0, 0, 0, 0, 0, 0, 0] }]);
  });

  it("counts skips of the plan and of the pipeline, per block and in total", () => {
    const state = new DashboardState({ blocks: 2, protocols: [] });
    state.onEvent(blockEvent(snapshot(1n), [{ code: "not-profitable" }, { code: "not-profitable" }]));
    state.onEvent(blockEvent(snapshot(2n), [{ code: "no-funding" }]));
    state.onEvent({
      type: "outcome",
      block: 2n,
      candidate: candidate(),
      outcome: { status: "skipped", skip: skip("safety", "kill switch") },
    });
    state.onEvent(blockEvent(snapshot(3n)));
    const data = dashboardData({ state });
    expect(data.skips).toMatchObject({ "not-profitable": 0, "no-funding": 1, safety: 1, cooldown: 0 });
    expect(data.totals.skips).toMatchObject({ "not-profitable": 2, "no-funding": 1, safety: 1 });
    expect(data.sends.skipped).toBe(1);
  });

  it("values mined sends at the feeds: profit in the profit token, gas in the native token; a late outcome counts where it was planned", () => {
    const state = new DashboardState({ blocks: 10, protocols: [], nativeToken: WETH });
    state.onEvent(blockEvent(snapshot(1n)));
    state.onEvent(blockEvent(snapshot(2n)));
    state.onEvent(mined(1n, 25n, 300_000n)); // settled in the background during block 2
    state.onEvent(mined(2n, 10n, 200_000n));
    const data = dashboardData({ state });
    // gas: 300,000 x 2 gwei = 0.0006 ETH = $1.20 at $2,000; 200,000 x 2 gwei = $0.80
    expect(data.profitUsd).toEqual([25, 10]);
    expect(data.gasUsd).toEqual([1.2, 0.8]);
    expect(data.cumulativeProfitUsd).toEqual([25, 35]);
    expect(data.cumulativeGasUsd).toEqual([1.2, 2]);
    expect(data.totals).toMatchObject({ profitUsd: 35, gasUsd: 2, gasEth: 0.001 });
    expect(data.sends).toMatchObject({ mined: 2, reverted: 0 });
    const [newest] = data.recentSends;
    expect(newest).toMatchObject({ block: 2, outcome: "mined", profitUsd: 10, gasUsed: 200_000, kind: "liquidation" });
    expect(newest.opportunity).toBe("aave-v3:0x1234…5678");
  });

  it("keeps the recent sends bounded, newest first", () => {
    const state = new DashboardState({ protocols: [] });
    state.onEvent(blockEvent(snapshot(1n)));
    for (let i = 0; i < 40; i++) state.onEvent(mined(1n, BigInt(i), 1n));
    const sends = state.recentSends();
    expect(sends.length).toBeLessThan(40);
    expect(sends[0].profitUsd8).toBe(39n * 10n ** 8n);
  });
});

describe("dashboardData", () => {
  it("leaves no RPC URL, key or secret in free text", () => {
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    const state = new DashboardState({ protocols: [] });
    state.onEvent(blockEvent(snapshot(1n)));
    state.onEvent({
      type: "outcome",
      block: 1n,
      candidate: candidate(),
      outcome: {
        status: "failed",
        pending: false,
        error: new KeeperError(`request to https://eth.example.com/v2/SECRETAPIKEY failed (${key})`),
      },
    });
    const text = JSON.stringify(dashboardData({ state, redact: createRedactor([key]) }));
    expect(text).toContain("https://eth.example.com/***");
    expect(text).not.toContain("SECRETAPIKEY");
    expect(text).not.toContain(key.slice(2));
  });

  it("reports the safety gate: kill switch, breaker and what the daily caps leave", () => {
    const killSwitch = new KillSwitch({ signal: false, logger });
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolOff: { ms: 1000 }, logger });
    const caps = new DailyCaps({ maxGasWeiPerDay: 5n * 10n ** 17n, maxSendsPerDay: 10, logger });
    caps.init(10n ** 17n, 4);
    const gate = new SafetyGate({ dryRun: false, killSwitch, breaker, caps, logger });
    killSwitch.engage("http", "HTTP /kill: maintenance");
    const data = dashboardData({ state: new DashboardState(), safety: () => gate.state() });
    killSwitch.close();
    expect(data.safety).toMatchObject({
      dryRun: false,
      killSwitch: { engaged: true, source: "http", reason: "HTTP /kill: maintenance" },
      breaker: { state: "closed", consecutiveFailures: 0 },
      caps: { gasEth: { used: 0.1, limit: 0.5, remaining: 0.4 }, sends: { used: 4, limit: 10, remaining: 6 } },
    });
  });
});

describe("the /dashboard routes", () => {
  const servers: OpsServer[] = [];
  const switches: KillSwitch[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const k of switches.splice(0)) k.close();
  });
  async function start(withDashboard: boolean) {
    const killSwitch = new KillSwitch({ signal: false, logger });
    switches.push(killSwitch);
    const state = new DashboardState({ protocols: [venue] });
    state.onEvent(blockEvent(snapshot(7n, { skew: { A: 12n } })));
    const server = await startOpsServer({
      port: 0,
      metrics: createMetrics(),
      health: () => ({ head: undefined, headAgeSeconds: undefined, lastBlockAgeSeconds: undefined }),
      killSwitch,
      ...(withDashboard ? { dashboard: { state } } : {}),
    });
    servers.push(server);
    return server.url;
  }

  it("serves the page, its script and style, uPlot from its package and the data", async () => {
    const url = await start(true);
    const redirect = await fetch(`${url}/dashboard`, { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(new URL(redirect.headers.get("location")!, `${url}/dashboard`).pathname).toBe("/dashboard/");
    const page = await fetch(`${url}/dashboard/`);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    for (const asset of ["uplot.js", "uplot.css", "app.js", "app.css"]) {
      expect(html).toContain(`"${asset}"`);
      const res = await fetch(`${url}/dashboard/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(500);
    }
    expect(await (await fetch(`${url}/dashboard/uplot.js`)).text()).toContain("uPlot");
    const data = await (await fetch(`${url}/dashboard/data.json`)).json();
    expect(data).toMatchObject({ blocks: [7], skews: [{ pool: "A", bps: [12] }] });
    expect((await fetch(`${url}/dashboard/data.json`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${url}/dashboard/../package.json`)).status).toBe(404);
  });

  it("does not exist without a dashboard", async () => {
    const url = await start(false);
    expect((await fetch(`${url}/dashboard/`)).status).toBe(404);
    expect((await fetch(`${url}/dashboard/data.json`)).status).toBe(404);
  });
});

it("shortens addresses", () => {
  expect(shortenAddresses(`morpho-blue:0xabcdef0123:${BORROWER}`)).toBe("morpho-blue:0xabcdef0123:0x1234…5678");
});
