import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { startFaultProxy } from "../../src/testing/faultProxy.js";
import { createAaveBorrower, setPrice, syncPoolsToFeeds } from "../../src/world/index.js";
import { aavePoolAbi } from "../helpers/abis.js";
import { DEV_ADDRESS_1, DEV_KEY_1, spawnCli } from "../helpers/node.js";
import { liquidationCallEvent, noncesSentBy, startUpstream, type Upstream } from "../helpers/upstream.js";

/** Restarts killed again once started: each start's reads meet the faults anew. */
const RESTARTS = 5;

/**
 * The operator's report: a keeper under a proxy failing 30% of its requests, SIGKILLed 12 s in, restarted: the new
 * process must get through its startup reads (chain id, executor, journal reconciliation, nonces) under the same
 * faults, however often it is killed and restarted, and in the end liquidate every position once.
 */
describe("restarts under injected RPC faults", () => {
  let up: Upstream;
  const runs: ReturnType<typeof spawnCli>[] = [];
  beforeAll(async () => {
    up = await startUpstream();
  }, 120_000);
  afterEach(() => {
    for (const run of runs.splice(0)) if (run.child.exitCode === null) run.child.kill("SIGKILL");
  });
  afterAll(async () => up?.node.stop());

  it("every restart under 30% faults starts (no exit), and the positions are liquidated once", async () => {
    const victims: Address[] = [];
    for (const usd of [20_000n, 45_000n, 70_000n]) {
      victims.push(
        await createAaveBorrower(up.clients, up.world, {
          collateral: "WETH",
          debt: "USDC",
          collateralUsd: usd * 10n ** 8n,
          healthFactorBps: 10_500n,
        }),
      );
    }
    const startBlock = await up.clients.public.getBlockNumber();
    await setPrice(up.clients, up.world, "WETH", 2_640n * 10n ** 8n);
    await syncPoolsToFeeds(up.clients, up.world);
    const ticker = setInterval(
      () => void up.clients.public.request({ method: "evm_mine", params: [] } as never).catch(() => {}),
      1_000,
    );
    const proxy = await startFaultProxy({ upstreamUrl: up.node.url, seed: 7, faultRate: 0.3, timeoutHoldMs: 1_500 });
    const report = join(up.dir, "restart-report.json");
    const start = () => {
      const run = spawnCli(
        [
          "run",
          "--rpc",
          proxy.url,
          "--deployment-file",
          up.worldFile,
          "--executor-address",
          up.executor,
          "--watch",
          "aave-v3,uniswap-v2",
          "--poll-interval-ms",
          "100",
          "--data-dir",
          join(up.dir, "restart-data"),
          "--ops-port",
          "off",
          "--report-file",
          report,
        ],
        { PRIVATE_KEY: DEV_KEY_1 },
      );
      runs.push(run);
      return run;
    };
    /** Until the keeper has processed a block after reconciling, or has exited (the bug). */
    const started = async (run: ReturnType<typeof spawnCli>): Promise<boolean> => {
      const deadline = Date.now() + 90_000;
      const ok = () => /"msg":"journal reconciled[^]*"msg":"block"/.test(run.output().stdout);
      while (Date.now() < deadline && run.child.exitCode === null && !ok())
        await new Promise((r) => setTimeout(r, 100));
      return ok() && run.child.exitCode === null;
    };
    const healthy = async () =>
      (
        await Promise.all(
          victims.map((v) =>
            up.clients.public.readContract({
              address: up.world.aave.pool,
              abi: aavePoolAbi,
              functionName: "getUserAccountData",
              args: [v],
            }),
          ),
        )
      ).every((d) => d[5] >= 10n ** 18n);

    try {
      const first = start();
      // The crash, under faults: 12 s in, or as soon as a transaction is sent, so that the restart finds it in
      // flight and its reconciliation has receipts and nonces to read through the faults.
      const crashAt = Date.now() + 12_000;
      while (Date.now() < crashAt && !/"msg":"tx sent"/.test(first.output().stdout))
        await new Promise((r) => setTimeout(r, 20));
      first.child.kill("SIGKILL");
      await first.exited;
      for (let i = 0; i < RESTARTS; i++) {
        const run = start();
        const ok = await started(run);
        if (!ok) console.log(run.output().stdout.slice(-2000), run.output().stderr.slice(-2000));
        expect(ok, `restart ${i + 1} under faults`).toBe(true);
        run.child.kill("SIGKILL");
        await run.exited;
      }
      const last = start();
      expect(await started(last)).toBe(true);
      const during = proxy.counters();
      proxy.setFaultRate(0);
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && !(await healthy())) await new Promise((r) => setTimeout(r, 500));
      last.child.kill("SIGTERM");
      expect(await last.exited).toBe(0);
      expect(await healthy()).toBe(true);
      const head = await up.clients.public.getBlockNumber();
      const events = await up.clients.public.getLogs({
        address: up.world.aave.pool,
        event: liquidationCallEvent,
        fromBlock: startBlock,
        toBlock: head,
      });
      for (const v of victims) expect(events.filter((e) => e.args.user === v)).toHaveLength(1);
      const nonces = await noncesSentBy(up.clients, DEV_ADDRESS_1, startBlock, head);
      const sorted = [...nonces].sort((a, b) => a - b);
      expect(sorted).toEqual(sorted.map((_, i) => sorted[0] + i));
      const faults = Object.values(during.faults).reduce((s, n) => s + n, 0);
      expect(faults / during.requests).toBeGreaterThanOrEqual(0.2);
      expect(JSON.parse(readFileSync(report, "utf8")).error).toBeUndefined();
      console.log(
        `restart test: ${RESTARTS + 2} starts under faults, ${during.requests} requests, ${faults} faults ` +
          `(${JSON.stringify(during.faults)}); ${victims.length} positions, ${nonces.length} sends, ${events.length} liquidations`,
      );
    } finally {
      clearInterval(ticker);
      await proxy.close();
    }
  }, 400_000);
});
