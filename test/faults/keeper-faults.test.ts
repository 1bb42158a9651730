import { join } from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { startFaultProxy } from "../../src/testing/faultProxy.js";
import { createAaveBorrower, setPrice, syncPoolsToFeeds } from "../../src/world/index.js";
import { aavePoolAbi } from "../helpers/abis.js";
import { DEV_ADDRESS_1, DEV_KEY_1, spawnCli } from "../helpers/node.js";
import { liquidationCallEvent, noncesSentBy, startUpstream, type Upstream } from "../helpers/upstream.js";

/**
 * A crash scenario seen through a JSON-RPC proxy that breaks >= 20% of the keeper's requests (timeouts, dropped
 * connections, 429, 5xx, malformed JSON, stale block numbers). Once the faults clear, every profitable position
 * must be liquidated exactly once, with no nonce gap.
 */
describe("the keeper under injected RPC faults", () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startUpstream();
  }, 120_000);
  afterAll(async () => up?.node.stop());

  it("liquidates every profitable position once faults clear, with no duplicate and no nonce gap", async () => {
    const victims: Address[] = [];
    for (const usd of [20_000n, 35_000n, 50_000n, 80_000n]) {
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
    await setPrice(up.clients, up.world, "WETH", 2_640n * 10n ** 8n); // -12%: HF ~0.924, full liquidation
    await syncPoolsToFeeds(up.clients, up.world);

    // A chain makes blocks on its own; the node only mines on transactions, so tick it like a 1 s chain.
    const ticker = setInterval(
      () => void up.clients.public.request({ method: "evm_mine", params: [] } as never).catch(() => {}),
      1_000,
    );
    const proxy = await startFaultProxy({ upstreamUrl: up.node.url, seed: 2026, faultRate: 0.3, timeoutHoldMs: 1_500 });
    const report = join(up.dir, "faults-report.json");
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
        join(up.dir, "faults-data"),
        "--ops-port",
        "off",
        "--report-file",
        report,
      ],
      { PRIVATE_KEY: DEV_KEY_1 },
    );
    await new Promise((r) => setTimeout(r, 12_000)); // the crash, under faults
    const during = proxy.counters();
    proxy.setFaultRate(0); // faults clear
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
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && !(await healthy())) await new Promise((r) => setTimeout(r, 500));
    run.child.kill("SIGTERM");
    const code = await run.exited;
    clearInterval(ticker);
    const after = proxy.counters();
    await proxy.close();

    if (!(await healthy()))
      console.log(run.output().stdout.split("\n").slice(-40).join("\n"), run.output().stderr.slice(-3000));
    expect(code).toBe(0);
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
    expect(sorted).toEqual(sorted.map((_, i) => sorted[0] + i)); // consecutive: no gap, no reuse
    expect(await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1, blockTag: "pending" })).toBe(
      await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1 }),
    );
    const faultsDuring = Object.values(during.faults).reduce((s, n) => s + n, 0);
    expect(faultsDuring / during.requests).toBeGreaterThanOrEqual(0.2);
    const r = JSON.parse(readFileSync(report, "utf8"));
    console.log(
      `fault test: ${during.requests} requests under faults, ${faultsDuring} faults (${JSON.stringify(during.faults)}), ` +
        `${after.requests} requests in all; ${victims.length} opportunities, ${nonces.length} sends, ` +
        `${events.length - victims.length} duplicates, ${r.liquidations.length} liquidations reported, ${r.failures.length} failures`,
    );
  }, 200_000);
});
