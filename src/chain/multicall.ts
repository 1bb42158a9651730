import type { Abi, Address, Chain, PublicClient, Transport } from "viem";
import { KeeperError, walkCause } from "../errors.js";

/** Canonical Multicall3 address on every major chain (the world deploys it there on a local chain too). */
export const MULTICALL3_ADDRESS: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** One read in a batch. `abi` may be a minimal fragment; results come back untyped. */
export interface ReadCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
}

/** A read's outcome: a failing call (a reverting token, a self-destructed pool) does not sink its batch. */
export type ReadResult<T = unknown> = { ok: true; value: T } | { ok: false; error: string };

export interface BatchedReadOptions {
  /** Pin every read to this block so a snapshot is consistent. */
  blockNumber?: bigint;
  /** Calls per aggregate3. One eth_call is capped at 2^24 gas; ~300 cold reads stay far below it. */
  chunkSize?: number;
  /** Chunks in flight at once. */
  concurrency?: number;
  /** Merges this read with the other reads of the same wave into shared aggregate3 requests (see ReadCoalescer). */
  coalescer?: ReadCoalescer;
}

/** A batched read failed as a whole (transport error, malformed response). */
export class BatchedReadError extends KeeperError {
  override name = "BatchedReadError";
  constructor(calls: number, chunk: number, cause: unknown) {
    super(`Batched read of ${calls} calls failed at chunk ${chunk}.`, {
      cause,
      metaMessages: ["The RPC may be rate-limiting or down; the keeper retries on the next block."],
    });
  }
}

/**
 * Reads many calls through Multicall3's aggregate3, `chunkSize` calls per eth_call, a few chunks in parallel.
 * Chunking is required, not an optimisation: one aggregate3 over thousands of cold reads exceeds the
 * per-call gas cap. Results keep the order of `calls`. With `options.coalescer`, the calls join its next wave
 * and share aggregate3 requests with the other readers' calls.
 */
export async function readBatched<T = unknown>(
  client: PublicClient<Transport, Chain>,
  calls: readonly ReadCall[],
  options: BatchedReadOptions = {},
): Promise<ReadResult<T>[]> {
  if (calls.length === 0) return [];
  if (options.coalescer) return options.coalescer.read<T>(calls, options);
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK);
  const chunks: ReadCall[][] = [];
  for (let i = 0; i < calls.length; i += chunkSize) chunks.push(calls.slice(i, i + chunkSize));
  const out: ReadResult<T>[][] = new Array(chunks.length);
  await forEachLimited(chunks.length, options.concurrency ?? 4, async (index) => {
    try {
      out[index] = await aggregate3<T>(client, chunks[index], options.blockNumber);
    } catch (cause) {
      throw new BatchedReadError(calls.length, index, cause);
    }
  });
  return out.flat();
}

const DEFAULT_CHUNK = 300;

/** Runs `task(0..count-1)`, at most `limit` at once; rejects with the first failure. */
async function forEachLimited(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), count) }, worker));
}

/**
 * One aggregate3 eth_call. Throws the transport error when the request itself failed. A chunk a node's eth_call gas
 * cap refuses (geth's RPCGasCap, a provider's limit: the request failed, not the calls) is halved until each half
 * fits; a single call the cap refuses is that call's failure.
 */
async function aggregate3<T>(
  client: PublicClient<Transport, Chain>,
  calls: readonly ReadCall[],
  blockNumber: bigint | undefined,
): Promise<ReadResult<T>[]> {
  const halves = async (): Promise<ReadResult<T>[]> => {
    const mid = calls.length >> 1;
    const [a, b] = await Promise.all([
      aggregate3<T>(client, calls.slice(0, mid), blockNumber),
      aggregate3<T>(client, calls.slice(mid), blockNumber),
    ]);
    return [...a, ...b];
  };
  let results: any[];
  try {
    results = (await client.multicall({
      contracts: calls as never,
      allowFailure: true,
      blockNumber,
      // batchSize counts calldata bytes in viem; 0 disables its own splitting: we chunk by calls.
      batchSize: 0,
    })) as any[];
  } catch (err) {
    // Before the transport check: geth words its cap as a -32000 error, which is otherwise a node's passing trouble.
    if (!isGasCapError(err)) throw err;
    if (calls.length > 1) return halves();
    return [{ ok: false, error: String((err as { shortMessage?: string }).shortMessage ?? err) }];
  }
  // With allowFailure, viem turns a failed request (timeout, 5xx, bad JSON) into a "failure" for every call
  // of the chunk. That is not a revert: a snapshot missing those reads would be wrong, so fail the read.
  if (calls.length > 1 && results.every((r: any) => r.status === "failure" && isGasCapError(r.error))) return halves();
  const transportError = results.find(
    (r: any) => r.status === "failure" && !isGasCapError(r.error) && isTransportError(r.error),
  );
  if (transportError) throw transportError.error;
  return results.map((r: any) =>
    r.status === "success"
      ? { ok: true, value: r.result as T }
      : { ok: false, error: String(r.error?.shortMessage ?? r.error) },
  );
}

/** Reads one caller queued for the next wave. */
interface QueuedRead {
  calls: readonly ReadCall[];
  blockNumber: bigint | undefined;
  chunkSize: number;
  /** Spare-room reads: granted in whole units of this many calls, only where the wave has room left (see readSpare). */
  unit?: number;
  resolve(results: ReadResult<any>[]): void;
  reject(err: unknown): void;
}

/** Other requests of the next wave with the same key, sent together by `send` (e.g. merged eth_getLogs). */
interface QueuedJoin {
  items: unknown[];
  send(items: unknown[]): Promise<void>;
}

/** What a coalescer sent so far. */
export interface CoalescerCounters {
  /** Waves flushed: rounds of requests that went out together. */
  waves: number;
  /** aggregate3 eth_calls sent. */
  calls: number;
  /** Reads merged into them (readBatched invocations). */
  reads: number;
  /** Other requests sent through `join` (one per key and wave). */
  joined: number;
}

/**
 * Merges the batched reads several readers make for one snapshot into as few aggregate3 requests as the chunk size
 * allows. Reads go out in waves: a wave is flushed one event-loop turn after a read is queued, and never while the
 * previous wave is in flight, so the readers whose previous round has just come back all queue their next round
 * (which depends on it) into the same wave instead of one request each. Results are split back to each caller in
 * order; a call's own failure stays its own (allowFailure); a failed request fails every caller with a call in it.
 *
 * One coalescer per snapshot: its reads are pinned to a block, and a coalescer that outlives its snapshot would hold
 * the next block's reads behind this one's.
 */
export class ReadCoalescer {
  private queue: QueuedRead[] = [];
  private joins = new Map<string, QueuedJoin>();
  private inFlight = false;
  private scheduled = false;
  private readonly count: CoalescerCounters = { waves: 0, calls: 0, reads: 0, joined: 0 };

  constructor(
    private readonly client: PublicClient<Transport, Chain>,
    private readonly options: { chunkSize?: number; concurrency?: number } = {},
  ) {}

  /** Counters since creation. */
  counters(): CoalescerCounters {
    return { ...this.count };
  }

  /** Queues `calls` for the next wave; resolves with their results in order. */
  read<T = unknown>(
    calls: readonly ReadCall[],
    options: Pick<BatchedReadOptions, "blockNumber" | "chunkSize"> = {},
  ): Promise<ReadResult<T>[]> {
    if (calls.length === 0) return Promise.resolve([]);
    return new Promise<ReadResult<T>[]>((resolve, reject) => {
      const chunkSize = Math.max(1, options.chunkSize ?? this.options.chunkSize ?? DEFAULT_CHUNK);
      this.queue.push({ calls, blockNumber: options.blockNumber, chunkSize, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Queues `calls` for the next wave as spare-room reads: they go only into the room the wave's other reads leave in
   * their last aggregate3 chunk, never into a chunk of their own. Granted in whole units of `unit` calls, in order:
   * resolves with the results of the calls granted (a prefix of `calls`, a multiple of `unit`; maybe none). For reads
   * that may turn out to be needed (an account's details in case it is under HF 1): free when they fit, and the
   * caller reads the ones it still needs in its next round.
   */
  readSpare<T = unknown>(
    calls: readonly ReadCall[],
    unit: number,
    options: Pick<BatchedReadOptions, "blockNumber" | "chunkSize"> = {},
  ): Promise<ReadResult<T>[]> {
    if (calls.length === 0) return Promise.resolve([]);
    return new Promise<ReadResult<T>[]>((resolve, reject) => {
      const chunkSize = Math.max(1, options.chunkSize ?? this.options.chunkSize ?? DEFAULT_CHUNK);
      this.queue.push({ calls, blockNumber: options.blockNumber, chunkSize, unit: Math.max(1, unit), resolve, reject });
      this.schedule();
    });
  }

  /**
   * Adds `item` to the next wave's request under `key`: every item queued under one key in one wave is handed to a
   * single `send` (the first one queued), which must settle each item itself. For requests other than eth_call.
   */
  join<I>(key: string, item: I, send: (items: I[]) => Promise<void>): void {
    const queued = this.joins.get(key);
    if (queued) queued.items.push(item);
    else this.joins.set(key, { items: [item], send: send as (items: unknown[]) => Promise<void> });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    // setImmediate, not a microtask: it runs after every continuation of the responses that just arrived.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const queue = this.queue;
    const joins = [...this.joins.values()];
    this.queue = [];
    this.joins = new Map();
    if (queue.length === 0 && joins.length === 0) return;
    this.inFlight = true;
    this.count.waves++;
    this.count.reads += queue.length;
    this.count.joined += joins.length;
    const groups = new Map<string, QueuedRead[]>();
    for (const q of queue) {
      const key = `${q.blockNumber ?? "latest"}:${q.chunkSize}`;
      const group = groups.get(key);
      if (group) group.push(q);
      else groups.set(key, [q]);
    }
    try {
      await Promise.all([
        ...joins.map((j) => j.send(j.items).catch(() => undefined)),
        ...[...groups.values()].map((g) => this.sendGroup(g)),
      ]);
    } finally {
      this.inFlight = false;
      if (this.queue.length > 0 || this.joins.size > 0) this.schedule();
    }
  }

  /** Sends one group's calls (same block, same chunk size) as consecutive chunks and splits the results back. */
  private async sendGroup(queued: QueuedRead[]): Promise<void> {
    const chunkSize = queued[0].chunkSize;
    // Spare-room reads fill what the others leave in their last chunk, in whole units, after every other read.
    const needed = queued.filter((q) => q.unit === undefined);
    const spare = queued.filter((q) => q.unit !== undefined);
    const mandatory = needed.reduce((n, q) => n + q.calls.length, 0);
    let room = Math.ceil(mandatory / chunkSize) * chunkSize - mandatory;
    const group: QueuedRead[] = [...needed];
    for (const q of spare) {
      const take = Math.min(q.calls.length, Math.floor(room / q.unit!) * q.unit!);
      room -= take;
      if (take === 0) q.resolve([]);
      else group.push({ ...q, calls: q.calls.slice(0, take) });
    }
    if (group.length === 0) return;
    const all = group.flatMap((q) => q.calls);
    const out: ReadResult<any>[] = new Array(all.length);
    const failed = new Map<number, { chunk: number; cause: unknown }>();
    // Caller k's calls are all[starts[k] .. starts[k] + calls.length).
    const starts: number[] = [];
    let offset = 0;
    for (const q of group) {
      starts.push(offset);
      offset += q.calls.length;
    }
    const chunks = Math.ceil(all.length / chunkSize);
    this.count.calls += chunks;
    await forEachLimited(chunks, this.options.concurrency ?? 4, async (index) => {
      const from = index * chunkSize;
      const slice = all.slice(from, from + chunkSize);
      try {
        const results = await aggregate3(this.client, slice, group[0].blockNumber);
        results.forEach((r, i) => (out[from + i] = r));
      } catch (cause) {
        group.forEach((q, k) => {
          const overlaps = starts[k] < from + slice.length && starts[k] + q.calls.length > from;
          if (overlaps && !failed.has(k)) failed.set(k, { chunk: index, cause });
        });
      }
    });
    group.forEach((q, k) => {
      const f = failed.get(k);
      if (f) q.reject(new BatchedReadError(q.calls.length, f.chunk, f.cause));
      else q.resolve(out.slice(starts[k], starts[k] + q.calls.length));
    });
  }
}

const TRANSPORT_ERRORS = new Set([
  "HttpRequestError",
  "TimeoutError",
  "RpcRequestError",
  "WebSocketRequestError",
  "SocketClosedError",
  "UnknownRpcError",
  "InternalRpcError",
  "LimitExceededRpcError",
  "ResourceUnavailableRpcError",
  "InvalidInputRpcError",
  "ParseRpcError",
]);

/** True when the error (or a cause of it) is about reaching the node, not about the call's own result. */
/** What nodes answer when an eth_call needs more gas than they allow it (wordings of geth, Erigon, Nethermind, EDR). */
const GAS_CAP_ERROR =
  /out of gas|gas required exceeds|exceeds (the )?(block )?gas limit|gas limit (reached|exceeded)|exceeds the configured cap|rpc gas ?cap/i;

function isGasCapError(err: unknown): boolean {
  return walkCause(err, (e) => e instanceof Error && GAS_CAP_ERROR.test(e.message)) !== undefined;
}

function isTransportError(err: unknown): boolean {
  return walkCause(err, (e) => e instanceof Error && TRANSPORT_ERRORS.has(e.name)) !== undefined;
}

/** Unwraps a result or throws a KeeperError naming what was being read. */
export function unwrap<T>(result: ReadResult<T>, what: string): T {
  if (!result.ok) throw new KeeperError(`Read of ${what} failed.`, { details: result.error });
  return result.value;
}
