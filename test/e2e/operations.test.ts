import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { createAaveBorrower, setPrice, syncPoolsToFeeds } from "../../src/world/index.js";
import { aavePoolAbi } from "../helpers/abis.js";
import { DEV_ADDRESS_1, DEV_KEY_1, freePort, spawnCli } from "../helpers/node.js";
import { startUpstream, type Upstream } from "../helpers/upstream.js";

const WAD = 10n ** 18n;

/** Operating the keeper: rehearsal on a fork, `simulate`, the metrics/health server and the kill switch. */
describe("operations", () => {
  let up: Upstream;
  let victim: Address;

  beforeAll(async () => {
    up = await startUpstream();
    victim = await createAaveBorrower(up.clients, up.world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 60_000n * 10n ** 8n,
      healthFactorBps: 10_500n,
    });
    await setPrice(up.clients, up.world, "WETH", 2_640n * 10n ** 8n);
    await syncPoolsToFeeds(up.clients, up.world);
  }, 120_000);
  afterAll(async () => up?.node.stop());

  const hfOf = async (who: Address) =>
    (
      await up.clients.public.readContract({
        address: up.world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [who],
      })
    )[5];

  it("run --fork-url rehearses on a local fork: it liquidates there, and the upstream is untouched", async () => {
    const headBefore = await up.clients.public.getBlockNumber();
    const nonceBefore = await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1 });
    const report = join(up.dir, "fork-report.json");
    const run = spawnCli(
      [
        "run",
        "--fork-url",
        up.node.url,
        "--deployment-file",
        up.worldFile,
        "--watch",
        "aave-v3,uniswap-v2",
        "--poll-interval-ms",
        "100",
        "--data-dir",
        join(up.dir, "fork-data"),
        "--ops-port",
        "off",
        "--report-file",
        report,
      ],
      {},
    );
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && !run.output().stdout.includes('"msg":"done"'))
      await new Promise((r) => setTimeout(r, 250));
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    const r = JSON.parse(readFileSync(report, "utf8"));
    expect(r.liquidations.map((l: { borrower: string }) => l.borrower)).toContain(victim);
    // upstream: no block, no nonce, no liquidation
    expect(await up.clients.public.getBlockNumber()).toBe(headBefore);
    expect(await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1 })).toBe(nonceBefore);
    expect(await hfOf(victim)).toBeLessThan(WAD);
  }, 150_000);

  it("simulate shows what a shock would earn, on a fork with arbitrageurs, sending nothing to the chain", async () => {
    const other = await createAaveBorrower(up.clients, up.world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 40_000n * 10n ** 8n,
      healthFactorBps: 12_000n,
    });
    const headBefore = await up.clients.public.getBlockNumber();
    const run = spawnCli([
      "simulate",
      "--rpc",
      up.node.url,
      "--deployment-file",
      up.worldFile,
      "--watch",
      "aave-v3,uniswap-v2",
      "--shock",
      "WETH=-20%",
      "--blocks",
      "3",
      "--arbitrage",
      "0.5",
      "--json",
    ]);
    expect(await run.exited).toBe(0);
    const r = JSON.parse(run.output().stdout);
    if (!r.liquidations.length)
      console.log(JSON.stringify(r.skipped, null, 1).slice(0, 3000), run.output().stderr.slice(-2000));
    const liquidated = r.liquidations.map((l: { borrower: string }) => l.borrower);
    expect(liquidated).toContain(other); // HF 1.2 * 0.8 * (2640 -> 2112) sinks it only in the scenario
    expect(await up.clients.public.getBlockNumber()).toBe(headBefore);
    expect(await hfOf(other)).toBeGreaterThan(WAD);
  }, 150_000);

  it("serves metrics and health, and its kill switch (HTTP with token, then file) stops sends at once", async () => {
    const port = await freePort();
    const token = "test-token-0123456789abcdef";
    const data = join(up.dir, "ops-data");
    mkdirSync(data, { recursive: true });
    const killFile = join(data, "KILL");
    const run = spawnCli(
      [
        "run",
        "--rpc",
        up.node.url,
        "--deployment-file",
        up.worldFile,
        "--executor-address",
        up.executor,
        "--watch",
        "aave-v3,uniswap-v2",
        "--poll-interval-ms",
        "100",
        "--data-dir",
        data,
        "--ops-port",
        String(port),
        "--kill-file",
        killFile,
      ],
      { PRIVATE_KEY: DEV_KEY_1, OPS_TOKEN: token },
    );
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    let health: Response | undefined;
    while (Date.now() < deadline) {
      health = await fetch(`${base}/health`).catch(() => undefined);
      if (health?.status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(health?.status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/keeper_blocks_processed_total/);
    expect(metrics).not.toContain(DEV_KEY_1.slice(2));
    expect(
      (await fetch(`${base}/kill`, { method: "POST", headers: { authorization: "Bearer wrong-token-0000000000" } }))
        .status,
    ).toBe(401);
    expect(
      (await fetch(`${base}/kill`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "test" }))
        .status,
    ).toBe(200);

    // With the switch engaged, a fresh underwater borrower is seen but not liquidated.
    const target = await createAaveBorrower(up.clients, up.world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 30_000n * 10n ** 8n,
      healthFactorBps: 10_400n,
    });
    await setPrice(up.clients, up.world, "WETH", 2_500n * 10n ** 8n);
    const seen = Date.now() + 30_000;
    while (Date.now() < seen && !run.output().stdout.includes("safety gate (kill"))
      await new Promise((r) => setTimeout(r, 250));
    expect(run.output().stdout).toContain("safety gate (kill");
    expect(await hfOf(target)).toBeLessThan(WAD);

    // Released over HTTP but the file now holds it: still no send. Removing the file lets it through.
    writeFileSync(killFile, "stop");
    expect(
      (await fetch(`${base}/unkill`, { method: "POST", headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(409);
    const { rmSync } = await import("node:fs");
    rmSync(killFile);
    expect(existsSync(killFile)).toBe(false);
    expect(
      (await fetch(`${base}/unkill`, { method: "POST", headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    await up.clients.public.request({ method: "evm_mine", params: [] } as never);
    const done = Date.now() + 60_000;
    while (Date.now() < done && (await hfOf(target)) < WAD) {
      await up.clients.public.request({ method: "evm_mine", params: [] } as never);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(await hfOf(target)).toBeGreaterThanOrEqual(WAD);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(run.output().stdout + run.output().stderr).not.toContain(token);
    await setPrice(up.clients, up.world, "WETH", 2_640n * 10n ** 8n);
  }, 200_000);
});
