/**
 * A command's output must arrive whole when it goes to a pipe (`keeper scan --json | jq`, or a supervisor reading
 * it): writes to a pipe are asynchronous, and a process that exits as soon as its work is done drops what the
 * pipe has not taken yet. The scan here is many times the size of a pipe's buffer.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, type Address } from "viem";
import { createHttpClients, resolveChain } from "../../src/chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import { DEFAULT_PRICES, deployWorld, setPrice, worldToJson, type World } from "../../src/world/index.js";
import { aavePoolAbi } from "../helpers/abis.js";
import { freePort, spawnCli } from "../helpers/node.js";

/** Linux's default pipe capacity: output beyond it is still queued in the process when its work ends. */
const PIPE_BUFFER_BYTES = 64 * 1024;

describe("keeper output through a pipe", () => {
  let node: HardhatNode;
  let world: World;
  let dir: string;
  const underwater: Address[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-output-"));
    node = await startHardhatNode({ port: await freePort(), logFile: join(dir, "node.log") });
    const chain = await resolveChain(node.url);
    const [deployer] = (await createPublicClient({ chain, transport: http(node.url) }).request({
      method: "eth_accounts",
    } as never)) as Address[];
    const clients = createHttpClients({ chain, rpcUrl: node.url, account: deployer, pollingInterval: 20 });
    world = await deployWorld(clients, { aaveBorrowers: 200, morphoBorrowers: 50 });
    writeFileSync(join(dir, "world.json"), worldToJson(world));
    // A crash deep enough to put most borrowers under water (not the ETH-correlated eMode ones, whose wstETH
    // follows ETH): each of those becomes an entry of the scan.
    await setPrice(clients, world, "WETH", DEFAULT_PRICES.WETH / 3n);
    await setPrice(clients, world, "WBTC", DEFAULT_PRICES.WBTC / 6n);
    await setPrice(clients, world, "GOV", DEFAULT_PRICES.GOV / 6n);
    for (const b of world.borrowers.aave) {
      const [, , , , , hf] = await clients.public.readContract({
        address: world.aave.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [b],
      });
      if (hf < 10n ** 18n) underwater.push(b);
    }
  }, 120_000);
  afterAll(async () => node?.stop());

  it("scan --json writes its whole report before exiting", async () => {
    const run = spawnCli(["scan", "--json", "--rpc", node.url, "--deployment-file", join(dir, "world.json")]);
    expect(await run.exited).toBe(0);
    const { stdout, stderr } = run.output();
    expect(stderr).toBe("");
    // The test means something only if the report is far larger than what the pipe holds at once.
    expect(Buffer.byteLength(stdout)).toBeGreaterThan(4 * PIPE_BUFFER_BYTES);
    const report = JSON.parse(stdout) as { selected: { id: string }[]; skipped: { id: string }[] };
    const ids = new Set([...report.selected, ...report.skipped].map((e) => e.id.toLowerCase()));
    expect(underwater.length).toBeGreaterThan(world.borrowers.aave.length / 2);
    for (const borrower of underwater) expect(ids).toContain(`aave-v3:${borrower.toLowerCase()}`);
  }, 60_000);
});
