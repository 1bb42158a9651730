/**
 * A rehearsal of `--chain ethereum` offline. The world (real Aave v3.6, Morpho Blue, Uniswap V2/V3) runs on a local
 * node; a relocating proxy shows it at Ethereum's addresses as the address-book packages give them (Aave's pool,
 * oracle and data provider, Morpho Blue, the Uniswap factories, WETH/USDC/WBTC) and as chain 1. The keeper, given
 * only `--chain ethereum` and the proxy's URL, builds its deployment from the packages, resolves the pairs and pools
 * through the factories, discovers the borrowers and the Morpho market from their events, plans, and simulates the
 * liquidations through our executor: every request addressed the way Ethereum addresses it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, type Address } from "viem";
import { packageDeployment } from "../../src/presets/packages.js";
import { startRelocatingProxy, type RelocatingProxy } from "../../src/testing/relocatingProxy.js";
import { createAaveBorrower, createMorphoBorrower, setPrice, syncPoolsToFeeds } from "../../src/world/index.js";
import { spawnCli } from "../helpers/node.js";
import { startUpstream, type Upstream } from "../helpers/upstream.js";

const USD8 = 10n ** 8n;

describe("rehearsal of a real-chain preset (--chain ethereum) on the local world", () => {
  let up: Upstream;
  let proxy: RelocatingProxy;
  let aaveVictim: Address;
  let morphoVictim: Address;
  const preset = packageDeployment("ethereum");

  beforeAll(async () => {
    up = await startUpstream();
    aaveVictim = await createAaveBorrower(up.clients, up.world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 60_000n * USD8,
      healthFactorBps: 10_500n,
    });
    morphoVictim = await createMorphoBorrower(up.clients, up.world, {
      collateralUsd: 40_000n * USD8,
      healthFactorBps: 10_400n,
    });
    await setPrice(up.clients, up.world, "WETH", 2_640n * USD8);
    await syncPoolsToFeeds(up.clients, up.world);
    const w = up.world;
    const relocate = new Map<Address, Address>([
      [preset.aave.pool, w.aave.pool],
      [preset.aave.oracle, w.aave.oracle],
      [preset.aave.dataProvider, w.aave.dataProvider],
      [preset.aave.addressesProvider, w.aave.addressesProvider],
      [preset.aave.aclManager, w.aave.aclManager],
      [preset.aave.configurator, w.aave.configurator],
      [preset.morpho.morpho, w.morpho.morpho],
      [preset.uniswapV2.factory, w.uniswapV2.factory],
      [preset.uniswapV3.factory, w.uniswapV3.factory],
      ...(["WETH", "USDC", "WBTC"] as const).map((s): [Address, Address] => {
        expect(preset.tokens[s].decimals).toBe(w.tokens[s].decimals);
        return [preset.tokens[s].address, w.tokens[s].address];
      }),
    ]);
    proxy = await startRelocatingProxy({ upstreamUrl: up.node.url, chainId: 1, relocate });
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    await up?.node.stop();
  });

  it("builds the deployment from the packages, finds the positions by events, and simulates their liquidations", async () => {
    const report = join(up.dir, "preset-report.json");
    const run = spawnCli(
      [
        "run",
        "--chain",
        "ethereum",
        "--rpc",
        proxy.url,
        "--dry-run",
        "--executor-address",
        up.executor,
        // The world's history starts at block 0, Ethereum's protocols millions of blocks later.
        "--start-block",
        "earliest",
        "--poll-interval-ms",
        "100",
        "--data-dir",
        join(up.dir, "preset-data"),
        "--ops-port",
        "off",
        "--report-file",
        report,
      ],
      {},
    );
    const deadline = Date.now() + 120_000;
    const simulated = () => (run.output().stdout.match(/"status":"dry-run"/g) ?? []).length;
    while (Date.now() < deadline && simulated() < 2 && run.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 250));
    run.child.kill("SIGTERM");
    const code = await run.exited;
    const out = run.output();
    expect(code, out.stderr.slice(-3000)).toBe(0);

    const r = JSON.parse(readFileSync(report, "utf8"));
    expect(r.chainId).toBe(1);
    expect(r.dryRun).toBe(true);
    const ids: string[] = r.dryRuns.map((d: { id: string }) => d.id);
    // The Aave borrower and the Morpho market's borrower, both found from events and simulated through the executor.
    expect(ids).toContain(`aave-v3:${getAddress(aaveVictim)}`);
    // Morpho's market id is a hash Morpho computed from the world's token addresses (the proxy cannot rewrite a
    // hash): the keeper takes it from the CreateMarket event, as it would on Ethereum.
    expect(ids).toContain(`morpho-blue:${up.world.morpho.marketId.slice(0, 10)}:${getAddress(morphoVictim)}`);
    for (const d of r.dryRuns) expect(BigInt(d.simulatedProfit)).toBeGreaterThan(0n);

    // The keeper never named a world address: every request went through the preset's.
    expect(out.stdout).not.toContain(up.world.aave.pool.toLowerCase().slice(2));
    expect(proxy.methods["eth_sendRawTransaction"]).toBeUndefined();
    expect(proxy.methods["eth_getLogs"]).toBeGreaterThan(0);
  }, 180_000);
});
