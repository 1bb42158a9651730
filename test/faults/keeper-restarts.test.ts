import { join } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { startFaultProxy } from "../../src/testing/faultProxy.js";
import { createAaveBorrower, setPrice, syncPoolsToFeeds } from "../../src/world/index.js";
import { aavePoolAbi } from "../helpers/abis.js";
import { DEV_ADDRESS_1, DEV_KEY_1, spawnCli } from "../helpers/node.js";
import { liquidationCallEvent, noncesSentBy, startUpstream, type Upstream } from "../helpers/upstream.js";

/**
 * The fault suite's hardest case: a cascade of 24 liquidations planned as a sequence of small batches, seen through a
 * proxy that breaks 30% of the keeper's requests, and the keeper SIGKILLed at three points of its send sequence
 * (after its first send, after the second send of the next run, and during the following start-up) then restarted
 * under the same faults. Once they clear: every position healthy, no nonce gap or reuse, no transaction reverted,
 * no run that died by itself, and the last run's report written.
 */
describe("the keeper killed and restarted under RPC faults", () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startUpstream();
  }, 120_000);
  afterAll(async () => up?.node.stop());

  it("24 liquidations, three SIGKILLs, restarts under 30% faults: each position liquidated, no gap, no crash, report written", async () => {
    const victims: Address[] = [];
    for (let i = 0; i < 24; i++) {
      victims.push(
        await createAaveBorrower(up.clients, up.world, {
          collateral: "WETH",
          debt: "USDC",
          collateralUsd: BigInt(10_000 + 1_000 * i) * 10n ** 8n,
          healthFactorBps: 10_500n,
        }),
      );
    }
    const startBlock = await up.clients.public.getBlockNumber();
    await setPrice(up.clients, up.world, "WETH", 2_640n * 10n ** 8n); // -12%: HF ~0.924
    await syncPoolsToFeeds(up.clients, up.world);

    const ticker = setInterval(
      () => void up.clients.public.request({ method: "evm_mine", params: [] } as never).catch(() => {}),
      1_000,
    );
    const proxy = await startFaultProxy({ upstreamUrl: up.node.url, seed: 77, faultRate: 0.3, timeoutHoldMs: 1_500 });
    const report = join(up.dir, "restarts-report.json");
    const dataDir = join(up.dir, "restarts-data");
    const start = () =>
      spawnCli(
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
          // Small batches (a few items each): the cascade goes out as a sequence of transactions to kill in.
          "--max-tx-gas-share-bps",
          "300",
          "--data-dir",
          dataDir,
          "--ops-port",
          "off",
          "--report-file",
          report,
        ],
        { PRIVATE_KEY: DEV_KEY_1 },
      );
    const sends = (run: ReturnType<typeof spawnCli>) =>
      run
        .output()
        .stdout.split("\n")
        .filter((l) => l.includes('"msg":"tx sent"')).length;
    const until = async (what: string, done: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const runs: ReturnType<typeof spawnCli>[] = [];
    /** SIGKILLs a run that must still be alive: one that exited on its own is a crash. */
    const kill = async (run: ReturnType<typeof spawnCli>) => {
      expect(run.child.exitCode, run.output().stderr.slice(-2000)).toBeNull();
      run.child.kill("SIGKILL");
      await run.exited;
    };
    const alive = (run: ReturnType<typeof spawnCli>) => run.child.exitCode === null;

    try {
      // 1: killed right after its first send.
      runs.push(start());
      await until("the first send", () => sends(runs[0]) >= 1 || !alive(runs[0]), 90_000);
      await kill(runs[0]);
      // 2: restarted under faults, killed after its second send.
      runs.push(start());
      await until("two more sends", () => sends(runs[1]) >= 2 || !alive(runs[1]), 90_000);
      await kill(runs[1]);
      // 3: killed during start-up (reconcile and the first reads, under faults).
      runs.push(start());
      await new Promise((r) => setTimeout(r, 2_500));
      await kill(runs[2]);
      // 4: restarted under faults, which then clear.
      runs.push(start());
      await new Promise((r) => setTimeout(r, 8_000));
      expect(alive(runs[3]), runs[3].output().stderr.slice(-2000)).toBe(true);
    } finally {
      proxy.setFaultRate(0);
    }
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
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !(await healthy())) await new Promise((r) => setTimeout(r, 500));
    const last = runs[3];
    last.child.kill("SIGTERM");
    const code = await last.exited;
    clearInterval(ticker);
    const counters = proxy.counters();
    await proxy.close();

    if (!(await healthy())) console.log(last.output().stdout.split("\n").slice(-40).join("\n"), last.output().stderr);
    expect(code).toBe(0);
    expect(await healthy()).toBe(true);
    const head = await up.clients.public.getBlockNumber();
    const events = await up.clients.public.getLogs({
      address: up.world.aave.pool,
      event: liquidationCallEvent,
      fromBlock: startBlock,
      toBlock: head,
    });
    for (const v of victims) expect(events.filter((e) => e.args.user === v).length).toBeGreaterThanOrEqual(1);
    // Every keeper transaction mined and succeeded, with consecutive nonces: nothing sent twice, no gap left.
    const nonces = await noncesSentBy(up.clients, DEV_ADDRESS_1, startBlock, head);
    const sorted = [...nonces].sort((a, b) => a - b);
    expect(sorted).toEqual(sorted.map((_, i) => sorted[0] + i));
    expect(await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1, blockTag: "pending" })).toBe(
      await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1 }),
    );
    let reverted = 0;
    for (let b = startBlock; b <= head; b++) {
      const block = await up.clients.public.getBlock({ blockNumber: b, includeTransactions: true });
      for (const tx of block.transactions)
        if (typeof tx !== "string" && tx.from.toLowerCase() === DEV_ADDRESS_1.toLowerCase())
          if ((await up.clients.public.getTransactionReceipt({ hash: tx.hash })).status !== "success") reverted++;
    }
    expect(reverted).toBe(0);
    expect(existsSync(report)).toBe(true);
    const r = JSON.parse(readFileSync(report, "utf8"));
    const faults = Object.values(counters.faults).reduce((s, n) => s + n, 0);
    console.log(
      `restart test: ${runs.length} runs, sends per run ${runs.map(sends).join("/")}, ${counters.requests} requests, ` +
        `${faults} faults; ${victims.length} positions, ${events.length} liquidations, ${nonces.length} keeper txs, ` +
        `${reverted} reverted; last report: ${r.liquidations.length} liquidations, ${r.failures.length} failures`,
    );
  }, 300_000);
});
