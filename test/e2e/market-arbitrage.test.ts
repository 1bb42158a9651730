import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, type Address } from "viem";
import { createHttpClients, resolveChain } from "../../src/chain/clients.js";
import { startHardhatNode, type HardhatNode } from "../../src/chain/hardhatNode.js";
import {
  DEFAULT_PRICES,
  deployWorld,
  getPrices,
  setPrice,
  worldToJson,
  type TokenSymbol,
  type World,
} from "../../src/world/index.js";
import { referencePrice } from "../../src/world/prices.js";
import { v3PoolAbi } from "../helpers/abis.js";
import { freePort } from "../helpers/node.js";

const repo = join(import.meta.dirname, "..", "..");

/** Runs `npm run market -- ...` as a user does (tsx on scripts/market.ts), collecting its output. */
function market(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", join(repo, "scripts", "market.ts"), ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe("npm run market -- --arbitrage", () => {
  it("rejects bad values with exit code 2, naming the option", async () => {
    for (const [args, pattern] of [
      [["--arbitrage", "--strength", "1.5"], /Invalid --strength "1.5"/],
      [["--arbitrage", "--interval-ms", "-3"], /interval-ms/],
      [["--strength", "0.3"], /only applies to --arbitrage/],
    ] as const) {
      const run = market([...args]);
      expect(await run.exited, args.join(" ")).toBe(2);
      expect(run.output().stderr).toMatch(pattern);
    }
  }, 60_000);

  describe("against a hardhat node", () => {
    let node: HardhatNode;
    let world: World;
    let dir: string;
    let clients: ReturnType<typeof createHttpClients>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "market-"));
      node = await startHardhatNode({ port: await freePort(), logFile: join(dir, "node.log") });
      const chain = await resolveChain(node.url);
      const [deployer] = (await createPublicClient({ chain, transport: http(node.url) }).request({
        method: "eth_accounts",
      } as never)) as Address[];
      clients = createHttpClients({ chain, rpcUrl: node.url, account: deployer, pollingInterval: 20 });
      world = await deployWorld(clients, { aaveBorrowers: 0, morphoBorrowers: 0 });
      writeFileSync(join(dir, "world.json"), worldToJson(world));
    }, 120_000);
    afterAll(async () => node?.stop());

    it("moves the pools towards the feeds block after block and stops cleanly on SIGTERM", async () => {
      await setPrice(clients, world, "WETH", (DEFAULT_PRICES.WETH * 80n) / 100n);
      const run = market([
        "--arbitrage",
        "--strength",
        "0.5",
        "--interval-ms",
        "50",
        "--rpc",
        node.url,
        "--deployment-file",
        join(dir, "world.json"),
      ]);
      const pool = world.uniswapV3.pools.WETH_USDC_3000;
      const sym = (a: Address) =>
        (Object.keys(world.tokens) as TokenSymbol[]).find((s) => world.tokens[s].address === a)!;
      const prices = await getPrices(clients, world);
      const [t0, t1] = [world.tokens[sym(pool.token0)], world.tokens[sym(pool.token1)]];
      const ref = referencePrice(t0, prices[t0.symbol], t1, prices[t1.symbol]);
      // |price - ref| scaled by 2^192·ref.den: the gap in price terms, where the strength applies.
      const gap = async () => {
        const [sqrtP] = await clients.public.readContract({
          address: pool.address,
          abi: v3PoolAbi,
          functionName: "slot0",
        });
        const d = sqrtP * sqrtP * ref.den - ref.num * (1n << 192n);
        return d < 0n ? -d : d;
      };
      const start = await gap();
      // Each block of the market (mined here) makes the arbitrageurs close half of what is left.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (run.output().stdout.match(/WETH_USDC_3000/g) ?? []).length < 3) {
        await clients.public.request({ method: "hardhat_mine", params: ["0x1"] } as never);
        await new Promise((r) => setTimeout(r, 200));
      }
      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
      const { stdout } = run.output();
      expect((stdout.match(/WETH_USDC_3000/g) ?? []).length).toBeGreaterThanOrEqual(3);
      expect(stdout).toMatch(/arbitrageurs stopped after \d+ step/);
      // Three halvings at least: an eighth of the price gap or less remains (the floor of a sqrt price aside).
      expect((await gap()) * 8n <= start + start / 10n ** 9n).toBe(true);
    }, 120_000);
  });
});
