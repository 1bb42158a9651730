/**
 * `npm run bench:discovery`: Aave borrower discovery over a long history on a local `hardhat node` (the world, then
 * `--blocks` empty blocks mined in bulk with borrowers opened at points spread over them). Side by side, on the
 * same node in the same run: the old scan (one 2,000-block eth_getLogs at a time, every pool account event), the
 * new first sync (concurrent, adaptive range, checkpointed in a DiscoveryStore), a restart after a sync cut off
 * half-way (resumes from the checkpoint), a restart after a complete sync, and both scans again through a fault
 * proxy answering a share of the requests with 429s, 5xx and timeouts. HTTP requests are counted on the wire.
 *
 *   npm run bench:discovery -- [--blocks 1000000] [--borrowers 20] [--fault-rate 0.1] [--concurrency 4]
 *                              [--range 10000] [--port 8646]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, http, numberToHex, type Address, type Chain } from "viem";
import type { PublicClient, Transport } from "viem";
import { resolveChain } from "../src/chain/clients.js";
import { startHardhatNode } from "../src/chain/hardhatNode.js";
import { getLogsChunked } from "../src/chain/logs.js";
import { DiscoveryStore } from "../src/journal/discoveryStore.js";
import { aaveBorrowEvent, aavePoolAccountEvents } from "../src/protocols/aaveV3/abi.js";
import { AaveBorrowerIndex } from "../src/protocols/aaveV3/discover.js";
import { startFaultProxy } from "../src/testing/faultProxy.js";
import { aaveBorrowerSpread, createAaveBorrower, deployWorld, type World } from "../src/world/index.js";
import { machineLine, printTable } from "./machine.js";

const { values } = parseArgs({
  options: {
    blocks: { type: "string", default: "1000000" },
    borrowers: { type: "string", default: "20" },
    "fault-rate": { type: "string", default: "0.1" },
    concurrency: { type: "string", default: "4" },
    range: { type: "string", default: "10000" },
    port: { type: "string", default: "8646" },
  },
});
const blocks = Number(values.blocks);
const borrowers = Number(values.borrowers);
const faultRate = Number(values["fault-rate"]);
const concurrency = Number(values.concurrency);
const range = BigInt(values.range!);
/** The keeper's own transport settings (src/chain/clients.ts), with a shorter timeout to keep the fault run short. */
const RETRY_COUNT = 2;
const TIMEOUT_MS = 2_000;

const node = await startHardhatNode({
  port: Number(values.port),
  logFile: "/tmp/imbalance-keeper-bench-discovery-node.log",
});
const dir = mkdtempSync(join(tmpdir(), "bench-discovery-"));
try {
  const chain = await resolveChain(node.url);
  let requests = 0;
  const clientFor = (url: string, retryCount = RETRY_COUNT): PublicClient<Transport, Chain> =>
    createPublicClient({
      chain,
      transport: http(url, { retryCount, timeout: TIMEOUT_MS, onFetchRequest: () => void requests++ }),
    }) as PublicClient<Transport, Chain>;
  const client = clientFor(node.url);
  const setup = createPublicClient({ chain, transport: http(node.url, { timeout: 120_000 }), pollingInterval: 20 });
  const [deployer] = (await setup.request({ method: "eth_accounts" } as never)) as Address[];
  const wallet = createWalletClient({ chain, transport: http(node.url), account: deployer, pollingInterval: 20 });
  const clients = { public: setup as never, wallet: wallet as never };

  console.log(machineLine());
  const t0 = performance.now();
  const world: World = await deployWorld(clients, { aaveBorrowers: 0, morphoBorrowers: 0, seed: 1 });
  const specs = aaveBorrowerSpread(borrowers, 7);
  const step = Math.floor(blocks / borrowers);
  for (const spec of specs) {
    await setup.request({ method: "hardhat_mine", params: [numberToHex(step)] } as never);
    await createAaveBorrower(clients, world, spec);
  }
  const head = await setup.getBlockNumber();
  const history = head - world.startBlock + 1n;
  console.log(
    `hardhat node ${node.url}: ${history} blocks of history, ${borrowers} Aave borrowers opened every ${step} blocks (built in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `new sync: concurrency ${concurrency}, range ${range} (adaptive); transport retryCount ${RETRY_COUNT}, timeout ${TIMEOUT_MS} ms\n`,
  );

  const rows: (string | number)[][] = [];
  const measure = async (label: string, fn: () => Promise<number>): Promise<void> => {
    requests = 0;
    const t = performance.now();
    let found: number | string;
    try {
      found = await fn();
    } catch (err) {
      found = `failed: ${(err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 60)}`;
    }
    const s = (performance.now() - t) / 1000;
    console.error(`  ${label}: ${requests} requests, ${s.toFixed(2)} s, ${found}`);
    rows.push([label, requests, s.toFixed(2), found]);
  };
  /** The old index's first update: every pool account event, 2,000 blocks per request, one request at a time. */
  const oldScan = (c: PublicClient<Transport, Chain>) => async () => {
    const logs = (await getLogsChunked(c, {
      address: world.aave.pool,
      event: aaveBorrowEvent,
      events: aavePoolAccountEvents,
      fromBlock: world.startBlock,
      toBlock: head,
      chunkBlocks: 2_000n,
    })) as unknown as { eventName: string; args: { onBehalfOf?: Address } }[];
    return new Set(logs.filter((l) => l.eventName === "Borrow").map((l) => l.args.onBehalfOf)).size;
  };
  const newSync =
    (c: PublicClient<Transport, Chain>, store: DiscoveryStore, to = head) =>
    async () => {
      const ix = new AaveBorrowerIndex(world.aave.pool, world.startBlock, 2_000n, { store, concurrency, range });
      await ix.update(c, to);
      return ix.borrowers.size;
    };

  await measure("old: one 2,000-block request at a time", oldScan(client));
  const store = DiscoveryStore.open(join(dir, "full"));
  await measure("new: first sync", newSync(client, store));
  await measure("new: restart after a complete sync", newSync(client, store));
  const half = DiscoveryStore.open(join(dir, "half"));
  await newSync(client, half, world.startBlock + history / 2n)();
  await measure("new: restart after a sync cut off half-way", newSync(client, half));

  const proxy = await startFaultProxy({
    upstreamUrl: node.url,
    seed: 11,
    faultRate,
    kinds: ["http429", "http5xx", "timeout"],
    timeoutHoldMs: TIMEOUT_MS + 500,
  });
  try {
    const faulty = clientFor(proxy.url);
    const before = proxy.counters();
    await measure(`old, ${faultRate * 100}% faults (429/5xx/timeout)`, oldScan(faulty));
    const mid = proxy.counters();
    await measure(
      `new: first sync, ${faultRate * 100}% faults`,
      newSync(faulty, DiscoveryStore.open(join(dir, "faulty"))),
    );
    // Without viem's transport retries: what each scan does about a fault on its own.
    const bare = clientFor(proxy.url, 0);
    await measure(`old, ${faultRate * 100}% faults, no transport retries`, oldScan(bare));
    await measure(
      `new: first sync, ${faultRate * 100}% faults, no transport retries`,
      newSync(bare, DiscoveryStore.open(join(dir, "bare"))),
    );
    const after = proxy.counters();
    const faults = (a: typeof before, b: typeof before) =>
      Object.entries(b.faults)
        .map(([k, v]) => [k, v - a.faults[k as keyof typeof a.faults]] as const)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
    console.error(
      `  faults injected: first old run ${faults(before, mid)}; the three runs after ${faults(mid, after)}`,
    );
  } finally {
    await proxy.close();
  }
  console.log("");
  printTable(["scan", "HTTP requests", "seconds", "borrowers found"], rows);
  console.log(`\n(${borrowers} borrowers exist; requests counted per HTTP attempt, viem's own retries included)`);
} finally {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
