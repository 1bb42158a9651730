/**
 * `npm run bench:scan`: one full scan of every Aave borrower, done the naive way (one eth_call per position,
 * sequential, then all at once with Promise.all) and by the keeper's Watcher (event discovery + batched
 * Multicall3 reads), side by side on the same `hardhat node` over HTTP, for 100, 1,000 and 10,000 borrowers.
 * Prints wall time (median of runs) and HTTP requests per scan, against the scan budget of ceil(N/250)+3 requests
 * per block (the watcher's rows; its first scan includes discovery, so it may exceed it).
 *
 *   npm run bench:scan -- [--sizes 100,1000,10000] [--runs 3] [--port 8645]
 */
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { resolveChain } from "../src/chain/clients.js";
import { startHardhatNode } from "../src/chain/hardhatNode.js";
import { aavePoolAbi } from "../src/protocols/aaveV3/abi.js";
import { Watcher } from "../src/watcher/watcher.js";
import { aaveBorrowerSpread, deployWorld, type World } from "../src/world/index.js";
import { openAaveBorrowers } from "../src/world/borrowers.js";
import { getPrices, setPrice } from "../src/world/actions.js";
import { machineLine, median, printTable } from "./machine.js";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "100,1000,10000" },
    runs: { type: "string", default: "3" },
    port: { type: "string", default: "8645" },
  },
});
const sizes = values.sizes!.split(",").map(Number);
const runs = Number(values.runs);

const node = await startHardhatNode({
  port: Number(values.port),
  logFile: "/tmp/imbalance-keeper-bench-scan-node.log",
});
try {
  const chain = await resolveChain(node.url);
  let requests = 0;
  // Counts every HTTP request the transport makes (a JSON-RPC batch would count once; we send none).
  const transport = http(node.url, { retryCount: 0, timeout: 120_000, onFetchRequest: () => void requests++ });
  const client = createPublicClient({ chain, transport, pollingInterval: 20 });
  const [deployer] = (await client.request({ method: "eth_accounts" } as never)) as Address[];
  const wallet = createWalletClient({ chain, transport, account: deployer, pollingInterval: 20 });
  const clients = { public: client as never, wallet: wallet as never };

  console.log(machineLine());
  console.log(`hardhat node ${node.url} (pid ${node.pid}), ${runs} run(s) per figure, medians\n`);
  const world: World = await deployWorld(clients, { aaveBorrowers: 0, morphoBorrowers: 0, seed: 1 });
  const rows: (string | number)[][] = [];
  let have = 0;
  for (const size of sizes) {
    const t0 = performance.now();
    const prices = await getPrices(clients, world);
    const added = await openAaveBorrowers(clients, world, aaveBorrowerSpread(size - have, 100 + size).slice(0), prices);
    world.borrowers.aave.push(...added);
    have = size;
    console.error(
      `world has ${have} Aave borrowers (+${added.length} in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const borrowers = world.borrowers.aave;

    const measure = async (label: string, fn: () => Promise<number>) => {
      const times: number[] = [];
      const reqs: number[] = [];
      let seen = 0;
      for (let i = 0; i < runs; i++) {
        requests = 0;
        const t = performance.now();
        try {
          seen = await fn();
        } catch (err) {
          // A method that cannot complete at this size is a result too (e.g. 10,000 parallel requests).
          const why =
            err instanceof Error
              ? ((err as { shortMessage?: string }).shortMessage ?? err.message.split("\n")[0])
              : String(err);
          console.error(`  ${label}: failed after ${requests} requests: ${why}`);
          return { label, ms: Number.NaN, requests, seen: 0, failed: why };
        }
        times.push(performance.now() - t);
        reqs.push(requests);
      }
      const m = { label, ms: median(times), requests: median(reqs), seen, failed: undefined as string | undefined };
      console.error(`  ${size} borrowers, ${label}: ${m.ms.toFixed(0)} ms, ${m.requests} requests`);
      return m;
    };
    const sequential = await measure("one eth_call per position, sequential", async () => {
      let n = 0;
      for (const b of borrowers) {
        await client.readContract({
          address: world.aave.pool,
          abi: aavePoolAbi,
          functionName: "getUserAccountData",
          args: [b],
        });
        n++;
      }
      return n;
    });
    const parallel = await measure("one eth_call per position, Promise.all", async () => {
      const r = await Promise.all(
        borrowers.map((b) =>
          client.readContract({
            address: world.aave.pool,
            abi: aavePoolAbi,
            functionName: "getUserAccountData",
            args: [b],
          }),
        ),
      );
      return r.length;
    });
    const watcher = await measure("Watcher: getLogs discovery + batched Multicall3", async () => {
      const w = new Watcher(client as never, world, { watch: new Set(["aave-v3"]), multicallChunk: 300 });
      const s = await w.snapshot();
      return s.aave!.accounts.length;
    });
    // The keeper's steady state: the next block after a 1% ETH move re-reads only the accounts it could have sunk.
    const incrementalMs: number[] = [];
    const incrementalReq: number[] = [];
    let incrementalRead = 0;
    for (let i = 0; i < runs; i++) {
      const w = new Watcher(client as never, world, { watch: new Set(["aave-v3"]), multicallChunk: 300 });
      await w.snapshot();
      const base = (await getPrices(clients, world)).WETH;
      await setPrice(clients, world, "WETH", (base * 99n) / 100n);
      requests = 0;
      const t = performance.now();
      const s = await w.snapshot();
      incrementalMs.push(performance.now() - t);
      incrementalReq.push(requests);
      incrementalRead = s.stats.aaveAccountsRead;
      await setPrice(clients, world, "WETH", base);
    }
    const incremental = {
      label: `Watcher, next block after a 1% ETH move (${incrementalRead} re-read)`,
      ms: median(incrementalMs),
      requests: median(incrementalReq),
      seen: borrowers.length,
      failed: undefined as string | undefined,
    };
    console.error(
      `  ${size} borrowers, ${incremental.label}: ${incremental.ms.toFixed(0)} ms, ${incremental.requests} requests`,
    );
    // A crash block: ETH -15%, every account re-read (a full refresh) and the details of those it sank.
    const crashMs: number[] = [];
    const crashReq: number[] = [];
    let sunk = 0;
    for (let i = 0; i < runs; i++) {
      const w = new Watcher(client as never, world, {
        watch: new Set(["aave-v3"]),
        multicallChunk: 300,
        fullRefreshBlocks: 1,
      });
      await w.snapshot();
      const base = (await getPrices(clients, world)).WETH;
      await setPrice(clients, world, "WETH", (base * 85n) / 100n);
      requests = 0;
      const t = performance.now();
      const s = await w.snapshot();
      crashMs.push(performance.now() - t);
      crashReq.push(requests);
      sunk = Object.keys(s.aave!.positions).length;
      await setPrice(clients, world, "WETH", base);
    }
    const crashed = {
      label: `Watcher, next block after a 15% ETH drop (all re-read, ${sunk} under HF 1)`,
      ms: median(crashMs),
      requests: median(crashReq),
      seen: borrowers.length,
      failed: undefined as string | undefined,
    };
    console.error(`  ${size} borrowers, ${crashed.label}: ${crashed.ms.toFixed(0)} ms, ${crashed.requests} requests`);
    // The scan budget: ceil(N / 250) + 3 JSON-RPC requests per block for N positions.
    const budget = Math.ceil(size / 250) + 3;
    for (const m of [sequential, parallel, watcher, incremental, crashed]) {
      const isWatcher = m.label.startsWith("Watcher");
      rows.push([
        size,
        m.label,
        m.seen,
        m.failed ? `failed: ${m.failed.slice(0, 30)}` : m.ms.toFixed(0),
        m.requests,
        isWatcher ? budget : "-",
        m.failed ? "-" : (sequential.ms / m.ms).toFixed(1),
      ]);
    }
  }
  console.log("");
  printTable(
    ["borrowers", "method", "positions read", "median ms", "HTTP requests", "budget", "speed-up vs sequential"],
    rows,
  );
} finally {
  await node.stop();
}
