import type { AbiEvent, Address, Chain, PublicClient, Transport } from "viem";
import { KeeperError, walkCause } from "../errors.js";

/**
 * A long eth_getLogs history (the first discovery sync) read several ranges at a time with an adaptive range: it
 * starts large, is halved only when the node says the range or its result is too large, and grows back after
 * successes. Rate limits, 5xx and timeouts are retried on the same range after a jittered backoff (never split: a
 * smaller range is more requests into the same limit). Ranges are handed to `onRange` strictly in block order, so
 * whatever it checkpoints is always a contiguous prefix of the history.
 */

/** The first sync's concurrency: a setting (DISCOVERY_CONCURRENCY) belongs in src/config; this is its default. */
export const DEFAULT_SCAN_CONCURRENCY = 4;
/** Blocks per request to start with (and to grow back to): the common provider cap is 10,000 blocks. */
export const DEFAULT_SCAN_RANGE = 10_000n;
/** Attempts of one range on transient errors before the scan gives up (its checkpoint stays). */
const MAX_ATTEMPTS = 8;
/** Successes in a row before the range doubles again, up to the ceiling. */
const GROW_AFTER = 3;
/**
 * Successes in a row at the ceiling before the ceiling itself is tried again (doubled, up to the initial range). A
 * range error lowers the ceiling to the size that then works: a fixed provider cap costs one failed request per
 * PROBE_AFTER, and a dense stretch of history does not keep the range small for the rest of the scan.
 */
const PROBE_AFTER = 20;

/** How a failed eth_getLogs is handled: split the range, retry it later, or give up. */
export type LogsErrorKind = "range" | "transient" | "fatal";

// Messages of nodes and providers refusing a range or a result as too large (geth/Infura -32005 "query returned more
// than 10000 results", Infura -32602 "range 1000000 exceeds limit of 10000", Tenderly "range N is bigger than range
// limit 2000", Alchemy "Log response size exceeded", QuickNode -32614 "eth_getLogs is limited to a 10,000 range",
// "block range is bigger than maxBlockRange", "exceed maximum block range: 5000", "block range too large",
// Cloudflare "ranges over 10000 blocks are not supported", "query timeout exceeded": fewer blocks answer in time;
// and an answer larger than the client accepts).
const RANGE_PATTERNS = [
  /more than \d[\d,]* results/i,
  /range (limit|too (large|wide|big))|block range|exceeds? (the )?(max(imum)? )?(block )?range|range \d+ exceeds/i,
  /bigger than range/i,
  /limited to a [\d,]+ (block )?range|ranges over \d+/i,
  /response size|too many (logs|results|events)|max(imum)? results|result (set )?too large/i,
  /query timeout|statement timeout/i,
  // The client's own cap: viem's ResponseBodyTooLargeError (10 MiB by default), an HTTP 413 from a proxy.
  /body exceeded the size limit|ResponseBodyTooLarge|payload too large|entity too large/i,
];
// Rate limits in words (some come as JSON-RPC errors with HTTP 200, e.g. Infura's -32005 "request rate exceeded").
const RATE_PATTERN = /rate.?limit|rate exceeded|request rate|too many requests|capacity|throughput|compute units/i;
// A load-balanced backend behind the head the range ends at: another backend (or a moment later) will answer it.
const LAGGING_PATTERN = /beyond (the )?(current )?head|unknown block|header not found|after last accepted block/i;
// Transport failures worth another try: the node did not get to judge the range.
const TRANSIENT_PATTERN =
  /timed? ?out|timeout|took too long|fetch failed|socket|ECONNRESET|ECONNREFUSED|EPIPE|network|unexpected end|JSON|bad gateway|service unavailable|internal server error/i;

/** Every message and code of an error's cause chain, for the patterns above. */
function describe(err: unknown): { text: string; status?: number; codes: number[] } {
  const parts: string[] = [];
  const codes: number[] = [];
  let status: number | undefined;
  walkCause(err, (e) => {
    if (e && typeof e === "object") {
      const o = e as { message?: unknown; details?: unknown; status?: unknown; code?: unknown; name?: unknown };
      for (const v of [o.name, o.message, o.details]) if (typeof v === "string") parts.push(v);
      if (typeof o.status === "number") status ??= o.status;
      if (typeof o.code === "number") codes.push(o.code);
    } else if (typeof e === "string") parts.push(e);
    return false;
  });
  return { text: parts.join(" | "), status, codes };
}

/**
 * What to do about an eth_getLogs error: "transient" for rate limits (HTTP 429 or said in words), 5xx, timeouts and
 * dropped connections; "range" for a node refusing the range or the size of its answer (split it); else "fatal".
 * Rate limits are checked first: the old splitter matched "too many requests" as a size error and bisected on 429s.
 */
export function classifyLogsError(err: unknown): LogsErrorKind {
  const { text, status, codes } = describe(err);
  if (status === 429 || codes.includes(429) || RATE_PATTERN.test(text)) return "transient";
  if (LAGGING_PATTERN.test(text)) return "transient";
  if (RANGE_PATTERNS.some((p) => p.test(text))) return "range";
  // Infura's -32005 without a known message is its result-count limit; -32602 is a bad range more often than not.
  if (codes.includes(-32005)) return "range";
  if ((status !== undefined && status >= 500) || TRANSIENT_PATTERN.test(text)) return "transient";
  return "fatal";
}

/** Where a scan stands, after each request. */
export interface LogScanProgress {
  fromBlock: bigint;
  toBlock: bigint;
  /** Blocks of completed ranges (not necessarily contiguous). */
  doneBlocks: bigint;
  totalBlocks: bigint;
  /** Highest block of the contiguous completed prefix (fromBlock - 1 before the first). */
  checkpoint: bigint;
  logs: number;
  requests: number;
  /** Ranges halved on a range error, and retries after a transient one. */
  splits: number;
  retries: number;
  /** Current blocks per request. */
  range: bigint;
  elapsedMs: number;
  /** Estimated time left at the rate so far; undefined before the first completed range. */
  etaMs: number | undefined;
  done: boolean;
}

/** Options of {@link scanLogs}. */
export interface ScanLogsParams {
  address: Address | Address[];
  events: readonly AbiEvent[];
  fromBlock: bigint;
  toBlock: bigint;
  /** Requests in flight at once (default DEFAULT_SCAN_CONCURRENCY). */
  concurrency?: number;
  /** Blocks per request to start with and the most it grows back to (default DEFAULT_SCAN_RANGE). */
  range?: bigint;
  /** Base of the exponential backoff on transient errors, in ms (default 500; jittered, capped at 30 s). */
  backoffMs?: number;
  /** Each completed range, in block order: logs decoded with `events`. The scan waits for it (checkpoint here). */
  onRange(range: { from: bigint; to: bigint; logs: unknown[] }): void | Promise<void>;
  onProgress?(progress: LogScanProgress): void;
  /** Draws the jitter (tests pin it); default Math.random. */
  random?: () => number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Reads the logs of `events` over [fromBlock, toBlock] as described in the module comment; resolves once every
 * range was handed to `onRange`. Throws a KeeperError on a fatal error, a range error on a single block, or a range
 * still failing after MAX_ATTEMPTS transient errors (what was handed to onRange stays handed).
 */
export async function scanLogs(client: PublicClient<Transport, Chain>, params: ScanLogsParams): Promise<void> {
  const maxRange = params.range ?? DEFAULT_SCAN_RANGE;
  const concurrency = Math.max(1, params.concurrency ?? DEFAULT_SCAN_CONCURRENCY);
  const backoff = params.backoffMs ?? 500;
  const random = params.random ?? Math.random;
  const t0 = performance.now();
  let range = maxRange;
  let ceiling = maxRange;
  let streak = 0;
  let cursor = params.fromBlock;
  // Ranges given back after a range error, to be cut again with the smaller range; lowest first.
  const pending: { from: bigint; to: bigint }[] = [];
  const completed = new Map<bigint, { to: bigint; logs: unknown[] }>();
  let checkpoint = params.fromBlock - 1n;
  let delivering = Promise.resolve();
  let pausedUntil = 0;
  let failure: unknown;
  const stats = { doneBlocks: 0n, logs: 0, requests: 0, splits: 0, retries: 0 };
  const total = params.toBlock - params.fromBlock + 1n;

  const report = (done: boolean) => {
    if (!params.onProgress) return;
    const elapsedMs = performance.now() - t0;
    const left = total - stats.doneBlocks;
    params.onProgress({
      fromBlock: params.fromBlock,
      toBlock: params.toBlock,
      totalBlocks: total,
      checkpoint,
      range,
      elapsedMs,
      etaMs: stats.doneBlocks > 0n ? (elapsedMs * Number(left)) / Number(stats.doneBlocks) : undefined,
      done,
      ...stats,
    });
  };

  const take = (): { from: bigint; to: bigint } | undefined => {
    const head = pending[0];
    if (head) {
      const from = head.from;
      const to = from + range - 1n < head.to ? from + range - 1n : head.to;
      if (to === head.to) pending.shift();
      else head.from = to + 1n;
      return { from, to };
    }
    if (cursor > params.toBlock) return undefined;
    const from = cursor;
    const to = from + range - 1n < params.toBlock ? from + range - 1n : params.toBlock;
    cursor = to + 1n;
    return { from, to };
  };

  // Completed ranges go to onRange in block order, one at a time, as soon as the prefix reaches them.
  // A failing onRange (the store) stops the scan: its error is the scan's.
  const deliver = () => {
    delivering = delivering
      .then(async () => {
        for (let next = completed.get(checkpoint + 1n); next; next = completed.get(checkpoint + 1n)) {
          completed.delete(checkpoint + 1n);
          await params.onRange({ from: checkpoint + 1n, to: next.to, logs: next.logs });
          checkpoint = next.to;
        }
      })
      .catch((err: unknown) => {
        failure ??= err;
      });
    return delivering;
  };

  const fetchRange = async (from: bigint, to: bigint): Promise<unknown[]> =>
    (await client.getLogs({
      address: params.address,
      events: params.events,
      fromBlock: from,
      toBlock: to,
      strict: true,
    } as never)) as unknown[];

  const worker = async (): Promise<void> => {
    for (let job = take(); job && failure === undefined; job = take()) {
      for (let attempt = 1; ; attempt++) {
        const wait = pausedUntil - Date.now();
        if (wait > 0) await sleep(wait);
        if (failure !== undefined) return;
        stats.requests++;
        let logs: unknown[];
        try {
          logs = await fetchRange(job.from, job.to);
        } catch (err) {
          const kind = classifyLogsError(err);
          const size = job.to - job.from + 1n;
          if (kind === "range" && size > 1n) {
            // Give the range back, cut to half its size; other workers' ranges already taken stay as they are.
            const half = (size + 1n) / 2n;
            if (half < range) range = half;
            if (half < ceiling) ceiling = half;
            streak = 0;
            stats.splits++;
            pending.push({ from: job.from, to: job.to });
            pending.sort((a, b) => (a.from < b.from ? -1 : 1));
            report(false);
            break;
          }
          if (kind === "transient" && attempt < MAX_ATTEMPTS) {
            // Everyone waits: the limit is the node's, not this worker's. Full-range jitter spreads the retries.
            const delay = Math.min(30_000, backoff * 2 ** (attempt - 1)) * (0.5 + random() / 2);
            pausedUntil = Math.max(pausedUntil, Date.now() + delay);
            stats.retries++;
            report(false);
            continue;
          }
          failure = new KeeperError(
            `eth_getLogs over blocks ${job.from}-${job.to} failed${kind === "transient" ? ` ${attempt} times` : ""}.`,
            {
              cause: err,
              metaMessages: [
                kind === "range"
                  ? "The node refuses even a single block: check the address filter and the node's log limits."
                  : "The scan resumes from its last checkpoint on the next attempt; check the RPC endpoint and its limits.",
              ],
            },
          );
          return;
        }
        stats.doneBlocks += job.to - job.from + 1n;
        stats.logs += logs.length;
        completed.set(job.from, { to: job.to, logs });
        streak++;
        if (streak >= GROW_AFTER && range < ceiling) {
          range = range * 2n < ceiling ? range * 2n : ceiling;
          streak = 0;
        } else if (streak >= PROBE_AFTER && ceiling < maxRange) {
          ceiling = ceiling * 2n < maxRange ? ceiling * 2n : maxRange;
          range = ceiling;
          streak = 0;
        }
        await deliver();
        report(false);
        break;
      }
    }
  };

  // A worker that finds nothing to take while a split is pending must not exit while others can still give ranges
  // back: loop until the whole history is taken and settled.
  while (failure === undefined && (cursor <= params.toBlock || pending.length > 0)) {
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  await delivering;
  if (failure !== undefined) throw failure;
  report(true);
}
