import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClients, getNodeAccounts, resolveChain } from "../../src/chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import { createMetrics, endpointLabel, observeRpcRequest } from "../../src/ops/metrics.js";
import { startFaultProxy, type FaultProxy } from "../../src/testing/faultProxy.js";
import { Watcher } from "../../src/watcher/watcher.js";
import { deployWorld, type World } from "../../src/world/index.js";
import { freePort } from "../helpers/node.js";

const WATCH = new Set(["aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"]);

/** RPC_URLS: a dead endpoint next to a healthy one, through the keeper's own clients. */
describe("RPC failover", () => {
  let node: HardhatNode;
  let proxy: FaultProxy;
  let world: World;
  let account: Address;

  beforeAll(async () => {
    node = await startHardhatNode({
      port: await freePort(),
      logFile: join(mkdtempSync(join(tmpdir(), "failover-")), "node.log"),
    });
    const chain = await resolveChain(node.url);
    [account] = await getNodeAccounts(node.url);
    const deployer = createHttpClients({ chain, rpcUrl: node.url, account, pollingInterval: 50 });
    world = await deployWorld(deployer, { aaveBorrowers: 4, morphoBorrowers: 2, seed: 9 });
    // Every request to the proxy fails: half answer 5xx, half lose their connection.
    proxy = await startFaultProxy({ upstreamUrl: node.url, seed: 4, faultRate: 1, kinds: ["http5xx", "drop"] });
  }, 180_000);
  afterAll(async () => {
    await proxy?.close();
    await node?.stop();
  });

  it("reads every snapshot through the healthy endpoint and counts the failing one's errors per endpoint", async () => {
    const metrics = createMetrics();
    // The failing endpoint comes first, as RPC_URL, with an API key in its path that must never reach /metrics.
    const failing = `${proxy.url}/v2/failover-test-api-key`;
    const chain = await resolveChain(node.url);
    const clients = createHttpClients({
      chain,
      rpcUrl: failing,
      rpcUrls: [node.url],
      account,
      onRequest: (e) => observeRpcRequest(metrics, e),
    });
    const direct = new Watcher(createHttpClients({ chain, rpcUrl: node.url, account }).public, world, { watch: WATCH });
    const watcher = new Watcher(clients.public, world, { watch: WATCH });
    for (let i = 0; i < 3; i++) {
      const s = await watcher.snapshot();
      const expected = await direct.snapshot();
      expect(s.blockNumber).toBe(expected.blockNumber);
      expect(s.aave!.accounts.map((a) => [a.user, a.healthFactor])).toEqual(
        expected.aave!.accounts.map((a) => [a.user, a.healthFactor]),
      );
      expect(s.v2Pairs!.map((p) => p.reserve0)).toEqual(expected.v2Pairs!.map((p) => p.reserve0));
      expect(s.aave!.accounts).toHaveLength(world.borrowers.aave.length);
    }

    const text = await metrics.registry.metrics();
    expect(text).not.toContain("failover-test-api-key");
    const values = async (name: string) =>
      Object.fromEntries(
        (await metrics.registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels.endpoint, v.value]),
      );
    const requests = await values("keeper_rpc_endpoint_requests_total");
    const errors = await values("keeper_rpc_endpoint_errors_total");
    const bad = endpointLabel(proxy.url);
    const good = endpointLabel(node.url);
    expect(bad).not.toBe(good);
    const seen = proxy.counters();
    expect(seen.passed).toBe(0);
    // Every request that reached the failing endpoint failed, and the client saw each of them.
    expect(errors[bad]).toBe(requests[bad]);
    expect(errors[bad]).toBe(seen.requests);
    expect(errors[bad]).toBeGreaterThan(0);
    expect(errors[good] ?? 0).toBe(0);
    expect(requests[good]).toBeGreaterThan(0);
  }, 120_000);
});
