/**
 * The keeper as an operator gets it: `npm pack`, installed into an empty folder, run from another folder holding
 * only a `.env` and the deployment file. The installed package is compiled JavaScript: no TypeScript loader, no
 * sources, no Hardhat (an optional peer that only the local-chain commands need).
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, type Address } from "viem";
import { createHttpClients, resolveChain } from "../../src/chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import { deployExecutor, executorProtocols } from "../../src/executor/deploy.js";
import { DEFAULT_PRICES, deployWorld, setPrice, worldToJson } from "../../src/world/index.js";
import { DEV_ADDRESS_1, freePort } from "../helpers/node.js";

const run = promisify(execFile);
const repo = join(import.meta.dirname, "..", "..");
const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };

/** `npm pack` of this checkout (its prepack builds contracts and dist/), then an install of the tarball. */
async function packAndInstall(dir: string): Promise<{ prefix: string; packMs: number; installMs: number }> {
  const t0 = performance.now();
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: repo,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf("["))) as { filename: string }[];
  const t1 = performance.now();
  const prefix = join(dir, "install");
  mkdirSync(prefix);
  writeFileSync(join(prefix, "package.json"), JSON.stringify({ name: "keeper-ops", private: true }));
  // The registry is reachable, but everything the keeper needs is normally in the local cache already.
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, filename)], {
    cwd: prefix,
    env,
  });
  return { prefix, packMs: t1 - t0, installMs: performance.now() - t1 };
}

describe("the packaged keeper", () => {
  let node: HardhatNode;
  let dir: string;
  let prefix: string;
  let ops: string;

  /** Runs the installed `keeper` bin from the operator's folder, as a user's shell would. */
  function keeper(args: string[]) {
    const child = spawn(join(prefix, "node_modules", ".bin", "keeper"), args, {
      cwd: ops,
      env: { ...env, LOG_FORMAT: "json" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-pack-"));
    ops = join(dir, "ops");
    mkdirSync(ops);
    const chainReady = (async () => {
      node = await startHardhatNode({ port: await freePort(), logFile: join(dir, "node.log") });
      const chain = await resolveChain(node.url);
      const [deployer] = (await createPublicClient({ chain, transport: http(node.url) }).request({
        method: "eth_accounts",
      } as never)) as Address[];
      const clients = createHttpClients({ chain, rpcUrl: node.url, account: deployer, pollingInterval: 20 });
      const world = await deployWorld(clients, { aaveBorrowers: 5, morphoBorrowers: 5 });
      const executor = await deployExecutor(clients, { keeper: DEV_ADDRESS_1, protocols: executorProtocols(world) });
      // Under water, so that scan and run have something to plan.
      await setPrice(clients, world, "WETH", DEFAULT_PRICES.WETH / 2n);
      writeFileSync(join(ops, "world.json"), worldToJson(world));
      // Relative paths: both resolve against the folder the keeper runs in.
      writeFileSync(
        join(ops, ".env"),
        [
          `RPC_URL=${node.url}`,
          "DEPLOYMENT_FILE=world.json",
          `EXECUTOR_ADDRESS=${executor}`,
          "DATA_DIR=data",
          "OPS_PORT=off",
          "POLL_INTERVAL_MS=100",
        ].join("\n") + "\n",
      );
    })();
    const installed = packAndInstall(dir);
    await chainReady;
    const timings = await installed;
    prefix = timings.prefix;
    console.info(
      `npm pack ${(timings.packMs / 1000).toFixed(1)} s, npm install of the tarball ${(timings.installMs / 1000).toFixed(1)} s`,
    );
  }, 600_000);
  afterAll(async () => node?.stop());

  it("installs compiled JavaScript with its contract artifacts, and no TypeScript loader or Hardhat", () => {
    const pkg = join(prefix, "node_modules", "imbalance-keeper");
    expect(existsSync(join(pkg, "dist", "cli", "main.js"))).toBe(true);
    expect(existsSync(join(pkg, "artifacts", "contracts", "KeeperExecutor.sol", "KeeperExecutor.json"))).toBe(true);
    expect(existsSync(join(pkg, "src"))).toBe(false);
    // The ops dashboard: its page from the package's static/, uPlot from its own installed package.
    for (const file of ["index.html", "app.js", "app.css"])
      expect(existsSync(join(pkg, "static", "dashboard", file)), file).toBe(true);
    expect(existsSync(join(prefix, "node_modules", "uplot", "dist", "uPlot.iife.min.js"))).toBe(true);
    const installed = readdirSync(join(prefix, "node_modules"));
    expect(installed).not.toContain("tsx");
    expect(installed).not.toContain("hardhat");
  });

  it("keeper --help", async () => {
    const k = keeper(["--help"]);
    expect(await k.exited).toBe(0);
    expect(k.output().stdout).toMatch(/^keeper <command> \[options\]/);
  });

  it("keeper scan reads .env from the working directory and plans on the chain", async () => {
    const k = keeper(["scan", "--json"]);
    expect(await k.exited).toBe(0);
    const report = JSON.parse(k.output().stdout) as { block: string; selected: { id: string }[] };
    expect(BigInt(report.block)).toBeGreaterThan(0n);
    expect(report.selected.length).toBeGreaterThan(0);
  }, 60_000);

  it("keeper run --dry-run simulates, keeps its data in DATA_DIR under the working directory, and stops on SIGTERM", async () => {
    const k = keeper(["run", "--dry-run"]);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !/"msg":"dry-run"/.test(k.output().stdout)) {
      await new Promise((r) => setTimeout(r, 200));
    }
    k.child.kill("SIGTERM");
    expect(await k.exited).toBe(0);
    const { stdout, stderr } = k.output();
    expect(stdout).toMatch(/"msg":"dry-run"/);
    expect(stdout).not.toMatch(/"msg":"done"/);
    expect(stderr).not.toMatch(/Error/);
    expect(readdirSync(join(ops, "data")).length).toBeGreaterThan(0);
  }, 90_000);

  it("a local-chain command says how to add Hardhat", async () => {
    const k = keeper(["demo"]);
    expect(await k.exited).toBe(2);
    expect(k.output().stderr).toMatch(/npm install hardhat/);
  });
});
