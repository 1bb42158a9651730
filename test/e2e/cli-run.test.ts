import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, type Address } from "viem";
import { createHttpClients, resolveChain } from "../../src/chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import { DiscoveryStore } from "../../src/journal/discoveryStore.js";
import {
  createAaveBorrower,
  deployWorld,
  setPrice,
  syncPoolsToFeeds,
  worldToJson,
  type World,
} from "../../src/world/index.js";
import { aavePoolAbi } from "../helpers/abis.js";
import { DEV_ADDRESS_1, DEV_KEY_1, freePort, spawnCli } from "../helpers/node.js";

/** `keeper run` as a user runs it: a separate process, against a `hardhat node` holding the world. */
describe("keeper run against a hardhat node over HTTP", () => {
  let node: HardhatNode;
  let world: World;
  let executor: Address;
  let dir: string;
  let clients: ReturnType<typeof createHttpClients>;
  /** Set by the liquidation test, explained by the next one. */
  let liquidated: { borrower: Address; txHash: string; block: string } | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-run-"));
    node = await startHardhatNode({ port: await freePort(), logFile: join(dir, "node.log") });
    const chain = await resolveChain(node.url);
    const [deployer] = (await createPublicClient({ chain, transport: http(node.url) }).request({
      method: "eth_accounts",
    } as never)) as Address[];
    clients = createHttpClients({ chain, rpcUrl: node.url, account: deployer, pollingInterval: 20 });
    world = await deployWorld(clients, { aaveBorrowers: 5, morphoBorrowers: 0 });
    writeFileSync(join(dir, "world.json"), worldToJson(world));
    executor = await deployExecutor(clients, { keeper: DEV_ADDRESS_1, protocols: executorProtocols(world) });
  }, 120_000);
  afterAll(async () => node?.stop());

  it("rejects a bad setting with exit code 2, naming it, without echoing the private key", async () => {
    const badKey = `0x${"ab".repeat(31)}`; // 31 bytes: invalid
    const run = spawnCli(["run", "--rpc", node.url, "--min-profit-usd", "abc", "--executor-address", executor], {
      PRIVATE_KEY: badKey,
    });
    expect(await run.exited).toBe(2);
    const { stderr, stdout } = run.output();
    expect(stderr).toMatch(/MIN_PROFIT_USD/);
    expect(stderr).toMatch(/PRIVATE_KEY/);
    expect(stderr + stdout).not.toContain("abababab");
  });

  it("says clearly when the RPC is unreachable", async () => {
    const run = spawnCli(
      [
        "run",
        "--rpc",
        "http://127.0.0.1:1",
        "--executor-address",
        executor,
        "--deployment-file",
        join(dir, "world.json"),
      ],
      // A refused connection may be a node restarting: it is retried, here for 2 s instead of the default minute.
      { PRIVATE_KEY: DEV_KEY_1, STARTUP_RETRY_S: "2" },
    );
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toMatch(/Cannot reach the JSON-RPC endpoint/);
    expect(run.output().stderr).toMatch(/Could not read the chain id: .* kept failing for 2 s/);
  });

  it("liquidates an underwater borrower on its own, writes its report, and never logs the key", async () => {
    const victim = await createAaveBorrower(clients, world, {
      collateral: "WETH",
      debt: "USDC",
      collateralUsd: 60_000n * 10n ** 8n,
      healthFactorBps: 10_500n,
    });
    await setPrice(clients, world, "WETH", 2_700n * 10n ** 8n);
    await syncPoolsToFeeds(clients, world);
    const report = join(dir, "report.json");
    const run = spawnCli(
      [
        "run",
        "--rpc",
        node.url,
        "--deployment-file",
        join(dir, "world.json"),
        "--executor-address",
        executor,
        "--watch",
        "aave-v3,uniswap-v2",
        "--report-file",
        report,
        "--poll-interval-ms",
        "100",
        "--data-dir",
        join(dir, "data"),
        "--ops-port",
        "off",
      ],
      { PRIVATE_KEY: DEV_KEY_1 },
    );
    const deadline = Date.now() + 90_000;
    let hf = 0n;
    while (Date.now() < deadline) {
      hf = (
        await clients.public.readContract({
          address: world.aave.pool,
          abi: aavePoolAbi,
          functionName: "getUserAccountData",
          args: [victim],
        })
      )[5];
      if (hf >= 10n ** 18n) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(hf).toBeGreaterThanOrEqual(10n ** 18n);
    const r = JSON.parse(readFileSync(report, "utf8"));
    expect(r.liquidations.map((l: { borrower: string }) => l.borrower)).toContain(victim);
    liquidated = r.liquidations.find((l: { borrower: string }) => l.borrower === victim);
    const { stdout, stderr } = run.output();
    expect(stdout).toMatch(/"msg":"done"/);
    expect(stdout + stderr).not.toContain(DEV_KEY_1.slice(2));
    // Discovery's index was saved beside the journal: a restart resumes from its checkpoint.
    const store = DiscoveryStore.open(join(dir, "data"));
    const saved = store.load(`aave-v3:${clients.public.chain.id}:${world.aave.pool.toLowerCase()}`);
    store.close();
    expect(saved?.items.map((a) => a.toLowerCase())).toContain(victim.toLowerCase());
    expect(saved!.scannedTo).toBeGreaterThan(world.startBlock);
  }, 120_000);

  it("keeper explain tells, block by block, what the keeper saw, sent and got about the borrower", async () => {
    expect(liquidated).toBeDefined();
    const { borrower, txHash, block } = liquidated!;
    const data = join(dir, "data");
    const run = spawnCli(["explain", borrower, "--data-dir", data]);
    expect(await run.exited).toBe(0);
    const out = run.output().stdout;
    // Seen under a health factor below 1, in a block, then sent, then mined in the receipt's block with its hash.
    const seen = /block (\d+)\n(?: {2}.*\n)*? {2}seen [^\n]*healthFactor (\d+\.\d+)/.exec(out);
    expect(seen, out).not.toBeNull();
    expect(Number(seen![2])).toBeLessThan(1);
    expect(out).toMatch(/ {2}sent \[\w+\] /);
    expect(out).toContain(`block ${block}\n`);
    expect(out).toMatch(new RegExp(`outcome \\[mined\\] .*mined in block ${block}, tx ${txHash}`));
    expect(BigInt(seen![1])).toBeLessThanOrEqual(BigInt(block));

    // The transaction itself: its intent, its transaction and receipt from the journal, then the decisions.
    const tx = spawnCli(["explain", txHash, "--data-dir", data]);
    expect(await tx.exited).toBe(0);
    expect(tx.output().stdout).toMatch(new RegExp(`receipt ${txHash}: success in block ${block}`));
    expect(tx.output().stdout).toMatch(/intent \d+: \w+ for aave-v3/);

    const unknown = "0x000000000000000000000000000000000000dEaD";
    const none = spawnCli(["explain", unknown, "--data-dir", data]);
    expect(await none.exited).toBe(0);
    expect(none.output().stdout).toMatch(
      new RegExp(`nothing recorded about ${unknown} \\(the keeper records decisions since block \\d+\\)`),
    );
  }, 60_000);
});
