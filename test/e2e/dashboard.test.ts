/**
 * The ops dashboard as an operator sees it: `keeper run` against a local world with an ops server, a price shock so
 * that it liquidates, rebalances and skips, then the page in headless Chromium: the DOM after the charts drew (each
 * chart says how many points it plotted) and a screenshot into test-output/ (gitignored) to look at.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAaveBorrower, createMorphoBorrower, getPrices, setPrice, skewV2Pool } from "../../src/world/index.js";
import { DEV_ADDRESS_1, DEV_KEY_1, freePort, spawnCli } from "../helpers/node.js";
import { startUpstream, type Upstream } from "../helpers/upstream.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const OUTPUT = join(import.meta.dirname, "..", "..", "test-output");
const CHARTS = ["chart-skew", "chart-flow", "chart-hf", "chart-pnl", "chart-sends", "chart-skips"] as const;
const SCREEN = { width: 1280, height: 2400 };

if (!haveChromium) console.warn(`dashboard e2e skipped: ${CHROMIUM} is missing (apt install chromium)`);

interface DashboardJson {
  blocks: number[];
  skews: { pool: string; bps: (number | null)[] }[];
  orderFlow: { pool: string; usd: (number | null)[] }[];
  healthFactors: { buckets: string[]; protocols: { protocol: string; counts: number[] }[] };
  sends: Record<string, number>;
  skips: Record<string, number>;
  totals: { profitUsd: number; gasUsd: number; sends: Record<string, number> };
  recentSends: { outcome: string }[];
  safety: { killSwitch: { engaged: boolean } } | null;
}

/** Headless Chromium on `url`; resolves with its stdout and how long the whole run took. */
function chromium(args: string[], url: string, profile: string): Promise<{ stdout: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) =>
    execFile(
      CHROMIUM,
      [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=8000",
        ...args,
        url,
      ],
      { timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`chromium failed: ${err.message}\n${stderr.slice(-2000)}`))
          : resolve({ stdout, ms: performance.now() - t0 }),
    ),
  );
}

/** The data-* attributes of the element with `id` in a dumped DOM. */
function attributesOf(dom: string, id: string): Record<string, string> {
  const tag = new RegExp(`<[a-z]+\\b[^>]*\\bid="${id}"[^>]*>`).exec(dom)?.[0] ?? "";
  return Object.fromEntries([...tag.matchAll(/\bdata-([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

describe.skipIf(!haveChromium)("the ops dashboard (needs Chromium: apt install chromium)", () => {
  let up: Upstream;
  let run: ReturnType<typeof spawnCli>;
  let base: string;
  let stopMining = false;
  let mining: Promise<void> = Promise.resolve();

  const mineEvery = (ms: number) => {
    stopMining = false;
    mining = (async () => {
      while (!stopMining) {
        await up.clients.public.request({ method: "evm_mine", params: [] } as never);
        await new Promise((r) => setTimeout(r, ms));
      }
    })();
  };
  const data = async (): Promise<DashboardJson> => (await fetch(`${base}/dashboard/data.json`)).json();

  beforeAll(async () => {
    up = await startUpstream({ aaveBorrowers: 8, morphoBorrowers: 8 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    run = spawnCli(
      [
        "run",
        "--rpc",
        up.node.url,
        "--deployment-file",
        up.worldFile,
        "--executor-address",
        up.executor,
        "--poll-interval-ms",
        "100",
        "--data-dir",
        join(up.dir, "dashboard-data"),
        "--ops-port",
        String(port),
      ],
      { PRIVATE_KEY: DEV_KEY_1 },
    );
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const health = await fetch(`${base}/health`).catch(() => undefined);
      if (health?.status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 240_000);

  afterAll(async () => {
    stopMining = true;
    await mining;
    if (run && run.child.exitCode === null) {
      run.child.kill("SIGTERM");
      await run.exited;
    }
    await up?.node.stop();
  });

  it("charts a shock: skews, health factors, liquidations, skips, profit and gas; headless Chromium draws them", async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    // Calm blocks first, then borrowers at the edge and a WETH drop of a quarter that the pools do not follow.
    mineEvery(300);
    await new Promise((r) => setTimeout(r, 2_000));
    await createAaveBorrower(up.clients, up.world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 40_000n * 10n ** 8n,
      healthFactorBps: 11_000n,
    });
    await createMorphoBorrower(up.clients, up.world, { collateralUsd: 30_000n * 10n ** 8n, healthFactorBps: 11_000n });
    // A trader buys WBTC on its V2 pair: the order-flow chart has something to show.
    await skewV2Pool(up.clients, up.world, "WBTC_USDC", 150);
    const weth = (await getPrices(up.clients, up.world)).WETH;
    await setPrice(up.clients, up.world, "WETH", (weth * 3n) / 4n);

    let d = await data();
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      d = await data();
      const skips = Object.values(d.skips).reduce((a, b) => a + b, 0);
      if ((d.totals.sends.mined ?? 0) >= 2 && skips > 0 && d.blocks.length >= 12) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Stop the chain (and so the keeper's window) so that the page and data.json below see the same data.
    stopMining = true;
    await mining;
    await new Promise((r) => setTimeout(r, 1_500));
    d = await data();

    expect(d.totals.sends.mined).toBeGreaterThanOrEqual(2);
    expect(d.totals.profitUsd).toBeGreaterThan(0);
    expect(d.totals.gasUsd).toBeGreaterThan(0);
    expect(Object.values(d.skips).some((n) => n > 0)).toBe(true);
    expect(d.healthFactors.protocols.map((p) => p.protocol).sort()).toEqual(["aave-v3", "morpho-blue"]);
    expect(d.skews.length).toBeGreaterThan(0);
    // The shock shows as skew: some pool was off the feeds by more than the rebalance threshold at some block.
    expect(Math.max(...d.skews.flatMap((s) => s.bps.map((b) => Math.abs(b ?? 0))))).toBeGreaterThan(30);
    const text = JSON.stringify(d);
    expect(text).not.toContain(DEV_KEY_1.slice(2));
    expect(text.toLowerCase()).not.toContain(DEV_ADDRESS_1.toLowerCase());
    expect(text).not.toContain(up.node.url);

    // The page: every chart drew, as many points as data.json holds.
    mkdirSync(OUTPUT, { recursive: true });
    const profile = mkdtempSync(join(tmpdir(), "keeper-chromium-"));
    const dump = await chromium(["--dump-dom"], `${base}/dashboard/`, profile);
    const body = attributesOf(dump.stdout, "page");
    expect(Number(body.rendered)).toBeGreaterThanOrEqual(1);
    expect(Number(body.head)).toBe(d.blocks[d.blocks.length - 1]);
    const points = Object.fromEntries(CHARTS.map((id) => [id, Number(attributesOf(dump.stdout, id).points)]));
    const nonNull = d.skews.reduce((n, s) => n + s.bps.filter((b) => b !== null).length, 0);
    expect(points["chart-skew"]).toBe(nonNull);
    const flowPoints = d.orderFlow.reduce((n, f) => n + f.usd.filter((u) => u !== null).length, 0);
    expect(flowPoints).toBeGreaterThan(0);
    const wbtcFlow = d.orderFlow.find((f) => f.pool === "WBTC_USDC (V2)")!;
    expect(Math.max(...wbtcFlow.usd.map((u) => u ?? 0))).toBeGreaterThan(0);
    expect(points["chart-flow"]).toBe(flowPoints);
    expect(points["chart-hf"]).toBe(d.healthFactors.buckets.length * 2);
    expect(points["chart-pnl"]).toBe(2 * d.blocks.length);
    expect(points["chart-sends"]).toBe(Object.keys(d.sends).length);
    expect(points["chart-skips"]).toBe(Object.values(d.skips).filter((n) => n > 0).length);
    for (const id of CHARTS) expect(dump.stdout, id).toMatch(new RegExp(`id="${id}"[^>]*>\\s*<div class="uplot`));
    expect(dump.stdout).toMatch(/class="pill mined"/);

    const png = join(OUTPUT, "dashboard.png");
    const shot = await chromium(
      [`--screenshot=${png}`, `--window-size=${SCREEN.width},${SCREEN.height}`],
      `${base}/dashboard/`,
      profile,
    );
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([SCREEN.width, SCREEN.height]);
    // A blank page of that size compresses to a few kilobytes; charts, text and a table do not.
    expect(statSync(png).size).toBeGreaterThan(50_000);

    // What one visit costs on the server: the page, its four files and the data, one after the other.
    const t0 = performance.now();
    for (const path of ["", "app.css", "uplot.css", "uplot.js", "app.js", "data.json"])
      await (await fetch(`${base}/dashboard/${path}`)).arrayBuffer();
    const serveMs = performance.now() - t0;
    console.info(
      `dashboard: ${d.blocks.length} blocks, points ${JSON.stringify(points)}, page load (in the page) ${body["load-ms"]} ms, ` +
        `chromium --dump-dom ${Math.round(dump.ms)} ms, --screenshot ${Math.round(shot.ms)} ms, six requests ${serveMs.toFixed(1)} ms, ` +
        `screenshot ${statSync(png).size} bytes, sends ${JSON.stringify(d.totals.sends)}, profit $${d.totals.profitUsd}, gas $${d.totals.gasUsd}`,
    );
  }, 300_000);
});
