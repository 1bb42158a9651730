import { join } from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { startFaultProxy } from "../../src/testing/faultProxy.js";
import { createAaveBorrower, setPrice, syncPoolsToFeeds } from "../../src/world/index.js";
import { allHealthy, keeperRunArgs, keeperSends, startTicker, waitFor } from "../helpers/faults.js";
import { DEV_ADDRESS_1, DEV_KEY_1, spawnCli } from "../helpers/node.js";
import { liquidationCallEvent, startUpstream, type Upstream } from "../helpers/upstream.js";

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

    const stopTicker = startTicker(up);
    const proxy = await startFaultProxy({ upstreamUrl: up.node.url, seed: 2026, faultRate: 0.3, timeoutHoldMs: 1_500 });
    const report = join(up.dir, "faults-report.json");
    const run = spawnCli(keeperRunArgs(up, { rpc: proxy.url, dataDir: "faults-data", reportFile: report }), {
      PRIVATE_KEY: DEV_KEY_1,
    });
    await new Promise((r) => setTimeout(r, 12_000)); // the crash, under faults
    const during = proxy.counters();
    proxy.setFaultRate(0); // faults clear
    await waitFor(() => allHealthy(up, victims), 90_000);
    run.child.kill("SIGTERM");
    const code = await run.exited;
    stopTicker();
    const after = proxy.counters();
    await proxy.close();

    const healthy = await allHealthy(up, victims);
    if (!healthy) console.log(run.output().stdout.split("\n").slice(-40).join("\n"), run.output().stderr.slice(-3000));
    expect(code).toBe(0);
    expect(healthy).toBe(true);
    const sent = await keeperSends(up, startBlock);
    const head = sent.head;
    const events = await up.clients.public.getLogs({
      address: up.world.aave.pool,
      event: liquidationCallEvent,
      fromBlock: startBlock,
      toBlock: head,
    });
    for (const v of victims) expect(events.filter((e) => e.args.user === v)).toHaveLength(1);
    expect(sent.consecutive).toBe(true); // no gap, no reuse
    expect(sent.reverted).toBe(0);
    expect(await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1, blockTag: "pending" })).toBe(
      await up.clients.public.getTransactionCount({ address: DEV_ADDRESS_1 }),
    );
    const faultsDuring = Object.values(during.faults).reduce((s, n) => s + n, 0);
    expect(faultsDuring / during.requests).toBeGreaterThanOrEqual(0.2);
    const r = JSON.parse(readFileSync(report, "utf8"));
    console.log(
      `fault test: ${during.requests} requests under faults, ${faultsDuring} faults (${JSON.stringify(during.faults)}), ` +
        `${after.requests} requests in all; ${victims.length} opportunities, ${sent.nonces.length} sends, ` +
        `${events.length - victims.length} duplicates, ${r.liquidations.length} liquidations reported, ${r.failures.length} failures`,
    );
  }, 200_000);
});
