/**
 * Discovery at scale on a real local chain (the world's Aave and Morpho, history lengthened with hardhat_mine): the
 * first sync saves its checkpoint range by range and a restart resumes there (counted eth_getLogs requests never
 * cover a block twice); a node's range error splits the range; a 429 is backed off and the same range retried; a
 * reorg rewind moves the saved checkpoint back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPublicClient,
  custom,
  hexToBigInt,
  HttpRequestError,
  ResponseBodyTooLargeError,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import { createInProcessChain, localChain, type InProcessChain } from "../src/chain/inProcess.js";
import { classifyLogsError, type LogScanProgress } from "../src/chain/logScan.js";
import { DiscoveryStore } from "../src/journal/discoveryStore.js";
import { AaveBorrowerIndex } from "../src/protocols/aaveV3/discover.js";
import type { DiscoveryProgress } from "../src/protocols/discovery.js";
import { MorphoBorrowerIndex } from "../src/protocols/morphoBlue/discover.js";
import { Watcher } from "../src/watcher/watcher.js";
import { createAaveBorrower, deployWorld, mine, type World } from "../src/world/index.js";

/** Blocks mined between the borrowers opened after the world: the history the first sync reads. */
const GAP = 15_000;
const RANGE = 4_000n;

interface GetLogsCall {
  from: bigint;
  to: bigint;
  at: number;
  /** The fault thrown instead of an answer. */
  fault?: string;
}

describe("discovery at scale", () => {
  let chain: InProcessChain;
  let world: World;
  let head: bigint;
  let dir: string;
  let calls: GetLogsCall[] = [];
  /** Decides a fault for one eth_getLogs call (undefined: answer it). */
  let fault: (call: GetLogsCall, n: number) => unknown = () => undefined;
  let client: PublicClient<Transport, Chain>;

  beforeAll(async () => {
    chain = await createInProcessChain();
    world = await deployWorld(chain, { aaveBorrowers: 2, morphoBorrowers: 2, seed: 5 });
    for (let i = 0; i < 3; i++) {
      await mine(chain, GAP);
      await createAaveBorrower(chain, world, {
        collateral: "WETH",
        debt: "USDC",
        collateralUsd: 10n ** 10n,
        healthFactorBps: 15_000n,
      });
    }
    await mine(chain, GAP);
    head = await chain.public.getBlockNumber();
    dir = mkdtempSync(join(tmpdir(), "discovery-test-"));
    // Every eth_getLogs is recorded (range, time) and may be answered with an injected fault instead.
    client = createPublicClient({
      chain: localChain,
      transport: custom(
        {
          request: async (args: { method: string; params?: unknown[] }) => {
            if (args.method === "eth_getLogs") {
              const p = args.params![0] as { fromBlock: Hex; toBlock: Hex };
              const call: GetLogsCall = { from: hexToBigInt(p.fromBlock), to: hexToBigInt(p.toBlock), at: Date.now() };
              calls.push(call);
              const err = fault(call, calls.length);
              if (err) {
                call.fault = String((err as Error).message ?? err);
                throw err;
              }
            }
            return chain.provider.request(args);
          },
        },
        { retryCount: 0 },
      ),
    }) as PublicClient<Transport, Chain>;
  }, 600_000);

  afterAll(async () => {
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const reset = () => {
    calls = [];
    fault = () => undefined;
  };
  const index = (
    store: DiscoveryStore,
    extra: { concurrency?: number; onProgress?(p: DiscoveryProgress): void } = {},
  ) =>
    new AaveBorrowerIndex(world.aave.pool, world.startBlock, 2_000n, { store, range: RANGE, backoffMs: 50, ...extra });
  const answered = () => calls.filter((c) => !c.fault);
  /** Blocks covered by more than one answered request. */
  const overlaps = () => {
    const sorted = answered().sort((a, b) => (a.from < b.from ? -1 : 1));
    return sorted.filter((c, i) => i > 0 && c.from <= sorted[i - 1].to).length;
  };

  it("classifies the nodes' range errors, rate limits and transport failures", () => {
    const rpc = (code: number, message: string) => Object.assign(new Error(message), { code });
    for (const e of [
      rpc(-32005, "query returned more than 10000 results"),
      rpc(-32602, "range 1000000 exceeds limit of 10000"),
      rpc(-32602, "invalid params: range 9009594 is bigger than range limit 2000"),
      rpc(-32614, "eth_getLogs is limited to a 10,000 range"),
      rpc(-32000, "block range is bigger than maxBlockRange"),
      rpc(-32000, "exceed maximum block range: 5000"),
      new Error("Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"),
      // viem's own cap on an answer (bench:scan's 1,000 borrowers on the v3.6 world: 22 MB of logs in one range).
      new ResponseBodyTooLargeError({ maxSize: 10_485_760, size: 22_258_263 }),
    ])
      expect(classifyLogsError(e), e.message).toBe("range");
    for (const e of [
      new HttpRequestError({ url: "http://x", status: 429, details: "Too Many Requests" }),
      rpc(-32005, "project ID request rate exceeded"),
      new HttpRequestError({ url: "http://x", status: 503, details: "Service Unavailable" }),
      new Error("The request took too long to respond."),
      rpc(-32000, "block range extends beyond current head block"),
    ])
      expect(classifyLogsError(e), e.message).toBe("transient");
    expect(classifyLogsError(rpc(-32601, "the method eth_getLogs does not exist"))).toBe("fatal");
  });

  it("a first sync interrupted mid-way resumes from its checkpoint after a restart: no range is read twice", async () => {
    reset();
    const store = DiscoveryStore.open(join(dir, "resume"));
    // One request at a time, and the 5th fails for good: four ranges are checkpointed.
    fault = (_c, n) =>
      n === 5 ? Object.assign(new Error("the method eth_getLogs does not exist"), { code: -32601 }) : undefined;
    const first = index(store, { concurrency: 1 });
    await expect(first.update(client, head)).rejects.toThrow(/eth_getLogs over blocks/);
    const key = `aave-v3:${localChain.id}:${world.aave.pool.toLowerCase()}`;
    const saved = store.load(key)!;
    expect(saved.scannedTo).toBe(world.startBlock - 1n + 4n * RANGE);
    const before = calls.length;
    store.close();

    // The restart: a new process (a new store connection, a new index) with no faults.
    fault = () => undefined;
    const reopened = DiscoveryStore.open(join(dir, "resume"));
    const progress: DiscoveryProgress[] = [];
    const second = index(reopened, { onProgress: (p) => progress.push(p) });
    const { fresh } = await second.update(client, head);
    const resumed = calls.slice(before);
    expect(resumed.length).toBe(Math.ceil(Number(head - saved.scannedTo) / Number(RANGE)));
    expect(resumed.every((c) => c.from > saved.scannedTo)).toBe(true);
    expect(overlaps()).toBe(0);
    expect(new Set(second.borrowers)).toEqual(new Set(world.borrowers.aave));
    // The borrowers of the checkpointed ranges came from the store, the rest from the resumed scan.
    expect(fresh.length).toBe(world.borrowers.aave.length - saved.items.length);
    expect(reopened.load(key)!.scannedTo).toBe(head);
    const last = progress.at(-1)!;
    expect(last.done).toBe(true);
    expect(last.doneBlocks).toBe(head - saved.scannedTo);
    expect(last.requests).toBe(resumed.length);

    // Once more, fully synced: nothing to read.
    const n = calls.length;
    const third = index(reopened);
    await third.update(client, head);
    expect(calls.length).toBe(n);
    expect(third.borrowers.size).toBe(world.borrowers.aave.length);
    reopened.close();
  });

  it("with ranges in flight at once, only the contiguous prefix of completed ranges is checkpointed", async () => {
    reset();
    const store = DiscoveryStore.inMemory();
    // Four ranges go out together; the second fails for good while the first, third and fourth complete.
    fault = (c) =>
      c.from === world.startBlock + RANGE
        ? Object.assign(new Error("the method eth_getLogs does not exist"), { code: -32601 })
        : undefined;
    await expect(index(store, { concurrency: 4 }).update(client, head)).rejects.toThrow(/eth_getLogs over blocks/);
    const done = answered().map((c) => c.from);
    expect(done).toContain(world.startBlock + 2n * RANGE);
    const key = `aave-v3:${localChain.id}:${world.aave.pool.toLowerCase()}`;
    expect(store.load(key)!.scannedTo).toBe(world.startBlock + RANGE - 1n);
  });

  it("a range the node refuses as too large is split, and the scan carries on at the smaller range", async () => {
    reset();
    const limit = RANGE / 4n;
    fault = (c) =>
      c.to - c.from + 1n > limit
        ? Object.assign(new Error(`range ${c.to - c.from + 1n} exceeds limit of ${limit}`), { code: -32602 })
        : undefined;
    const progress: LogScanProgress[] = [];
    const ix = index(DiscoveryStore.inMemory(), { onProgress: (p) => progress.push(p) });
    await ix.update(client, head);
    expect(new Set(ix.borrowers)).toEqual(new Set(world.borrowers.aave));
    const refused = calls.filter((c) => c.fault);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((c) => /exceeds limit/.test(c.fault!))).toBe(true);
    expect(answered().every((c) => c.to - c.from + 1n <= limit)).toBe(true);
    expect(overlaps()).toBe(0);
    expect(progress.at(-1)!.splits).toBe(refused.length);
    // Halving from RANGE reaches the limit in two splits per worker; the ceiling then holds it there (a probe back
    // up costs one refusal per 20 successes at most).
    const total = Number(head - world.startBlock + 1n);
    expect(refused.length).toBeLessThanOrEqual(4 * 2 + Math.ceil(total / Number(limit) / 20));
  });

  it("a 429 is backed off and the same range retried, never split", async () => {
    reset();
    fault = (_c, n) =>
      n <= 2 ? new HttpRequestError({ url: "http://node", status: 429, details: "Too Many Requests" }) : undefined;
    const progress: LogScanProgress[] = [];
    const ix = index(DiscoveryStore.inMemory(), { concurrency: 1, onProgress: (p) => progress.push(p) });
    await ix.update(client, head);
    expect(new Set(ix.borrowers)).toEqual(new Set(world.borrowers.aave));
    const [a, b, c] = calls;
    expect(a.fault).toMatch(/429|Too Many/);
    expect(b.fault).toMatch(/429|Too Many/);
    // The same range each time, at the full size, after a backoff (half of 50 ms at least, then of 100 ms).
    expect([b.from, b.to, c.from, c.to]).toEqual([a.from, a.to, a.from, a.to]);
    expect(a.to - a.from + 1n).toBe(RANGE);
    expect(b.at - a.at).toBeGreaterThanOrEqual(25);
    expect(c.at - b.at).toBeGreaterThanOrEqual(50);
    expect(progress.at(-1)!.splits).toBe(0);
    expect(progress.at(-1)!.retries).toBe(2);
    expect(answered().length).toBe(Math.ceil(Number(head - world.startBlock + 1n) / Number(RANGE)));
  });

  it("a reorg rewind moves the saved checkpoint back; the restart re-reads from there only", async () => {
    reset();
    const store = DiscoveryStore.inMemory();
    const ix = index(store);
    await ix.update(client, head);
    const key = `aave-v3:${localChain.id}:${world.aave.pool.toLowerCase()}`;
    expect(store.load(key)!.scannedTo).toBe(head);
    const reorgAt = head - 5n;
    ix.rewindTo(reorgAt);
    expect(ix.lastScannedBlock).toBe(reorgAt - 1n);
    expect(store.load(key)!.scannedTo).toBe(reorgAt - 1n);
    calls = [];
    const restarted = index(store);
    await restarted.update(client, head);
    expect(calls.map((c) => [c.from, c.to])).toEqual([[reorgAt, head]]);
    expect(restarted.borrowers.size).toBe(world.borrowers.aave.length);
  });

  it("Morpho's (market, borrower) pairs are saved and restored the same way", async () => {
    reset();
    const store = DiscoveryStore.inMemory();
    const markets = world.morpho.markets.map((m) => m.id);
    const opts = { store, range: RANGE, backoffMs: 50 };
    const first = new MorphoBorrowerIndex(world.morpho.morpho, markets, world.startBlock, 2_000n, opts);
    const fresh = await first.update(client, head);
    expect(fresh).toBe(world.borrowers.morpho.length);
    const n = calls.length;
    const second = new MorphoBorrowerIndex(world.morpho.morpho, markets, world.startBlock, 2_000n, opts);
    expect(await second.update(client, head)).toBe(0);
    expect(calls.length).toBe(n);
    expect(second.size).toBe(first.size);
  });

  it("a start block earlier than the saved one drops the checkpoint: the blocks between were never read", async () => {
    reset();
    const store = DiscoveryStore.inMemory();
    const late = new AaveBorrowerIndex(world.aave.pool, head - 10n * RANGE, 2_000n, { store, range: RANGE });
    await late.update(client, head);
    calls = [];
    const early = index(store);
    await early.update(client, head);
    expect(calls[0].from).toBe(world.startBlock);
    expect(early.borrowers.size).toBe(world.borrowers.aave.length);
  });

  it("through the Watcher: the first snapshot syncs the history with progress, a restarted watcher reads only new blocks", async () => {
    reset();
    const store = DiscoveryStore.inMemory();
    const progress: DiscoveryProgress[] = [];
    const make = () =>
      new Watcher(client, world, {
        watch: new Set(["aave-v3", "morpho-blue"]),
        discovery: { store, range: RANGE, onProgress: (p) => progress.push(p) },
      });
    const first = await make().snapshot(head);
    expect(first.stats.borrowersWatched).toBe(world.borrowers.aave.length);
    expect(first.stats.morphoBorrowersWatched).toBe(world.borrowers.morpho.length);
    const done = progress.filter((p) => p.done);
    expect(done.map((p) => p.index).sort()).toEqual(["aave-v3", "morpho-blue"]);
    for (const p of done) expect(p.doneBlocks).toBe(head - world.startBlock + 1n);

    await mine(chain, 1);
    calls = [];
    const restarted = await make().snapshot();
    expect(restarted.stats.borrowersWatched).toBe(world.borrowers.aave.length);
    // One shared eth_getLogs for the one new block, as in the steady state.
    expect(calls.map((c) => [c.from, c.to])).toEqual([[head + 1n, head + 1n]]);
  });
});
