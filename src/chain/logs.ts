import {
  formatLog,
  numberToHex,
  parseEventLogs,
  toEventSelector,
  type AbiEvent,
  type Address,
  type Chain,
  type Hex,
  type Log,
  type PublicClient,
  type RpcLog,
  type Transport,
} from "viem";
import { KeeperError } from "../errors.js";
import { classifyLogsError } from "./logScan.js";
import type { ReadCoalescer } from "./multicall.js";

/**
 * eth_getLogs over [fromBlock, toBlock] in ranges of `chunkBlocks`, one at a time, because providers cap the range
 * (and the result size) of one request: the steady state's path (a block or a few). A long history goes through
 * scanLogs (./logScan.ts) instead. A range the node refuses as too large is split in two and retried; any other
 * error (a 429, a 5xx) is thrown for the caller's backoff. With a
 * `coalescer`, each range joins its next wave and shares one eth_getLogs with the other readers' ranges.
 */
export async function getLogsChunked<E extends AbiEvent>(
  client: PublicClient<Transport, Chain>,
  params: {
    address: Address | Address[];
    event: E;
    /** Several events at once (their decoded logs come back with `eventName`); `event` names the request in errors. */
    events?: readonly AbiEvent[];
    fromBlock: bigint;
    toBlock: bigint;
    chunkBlocks?: bigint;
    /** Merges each range with the other readers' ranges of the same wave (see getLogsMerged). */
    coalescer?: ReadCoalescer;
  },
): Promise<Log<bigint, number, false, E, true>[]> {
  const chunk = params.chunkBlocks ?? 2_000n;
  const out: Log<bigint, number, false, E, true>[] = [];
  const fetchRange = async (from: bigint, to: bigint): Promise<void> => {
    try {
      const logs = params.coalescer
        ? await getLogsMerged(client, params.coalescer, {
            address: params.address,
            events: params.events ?? [params.event],
            fromBlock: from,
            toBlock: to,
          })
        : params.events
          ? await client.getLogs({
              address: params.address,
              events: params.events,
              fromBlock: from,
              toBlock: to,
              strict: true,
            } as never)
          : await client.getLogs({
              address: params.address,
              event: params.event,
              fromBlock: from,
              toBlock: to,
              strict: true,
            });
      out.push(...(logs as Log<bigint, number, false, E, true>[]));
    } catch (cause) {
      // Only the node's range and size errors split: a rate limit or a 5xx split would be more requests into it.
      if (to > from && classifyLogsError(cause) === "range") {
        const mid = (from + to) / 2n;
        await fetchRange(from, mid);
        await fetchRange(mid + 1n, to);
        return;
      }
      throw new KeeperError(`eth_getLogs for ${params.event.name} over blocks ${from}-${to} failed.`, {
        cause,
        metaMessages: ["Lower LOG_CHUNK_BLOCKS if your provider limits block ranges."],
      });
    }
  };
  for (let from = params.fromBlock; from <= params.toBlock; from += chunk) {
    const to = from + chunk - 1n < params.toBlock ? from + chunk - 1n : params.toBlock;
    await fetchRange(from, to);
  }
  return out;
}

/** One reader's share of a merged eth_getLogs. */
interface LogPart {
  addresses: Address[];
  events: readonly AbiEvent[];
  resolve(logs: unknown[]): void;
  reject(err: unknown): void;
}

/**
 * The logs of `events` emitted by `address` over one block range, fetched in the coalescer's next wave with one
 * eth_getLogs for every reader asking for the same range (all their addresses, all their event topics). Each
 * reader gets back, decoded with its own events, only the logs of its addresses and topics: what its own request
 * would have returned. A failed request fails every reader of it.
 */
export function getLogsMerged(
  client: PublicClient<Transport, Chain>,
  coalescer: ReadCoalescer,
  params: { address: Address | Address[]; events: readonly AbiEvent[]; fromBlock: bigint; toBlock: bigint },
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const part: LogPart = {
      addresses: (Array.isArray(params.address) ? params.address : [params.address]).map(
        (a) => a.toLowerCase() as Address,
      ),
      events: params.events,
      resolve,
      reject,
    };
    coalescer.join(`eth_getLogs:${params.fromBlock}:${params.toBlock}`, part, (parts) =>
      sendMergedLogs(client, parts, params.fromBlock, params.toBlock),
    );
  });
}

async function sendMergedLogs(
  client: PublicClient<Transport, Chain>,
  parts: LogPart[],
  fromBlock: bigint,
  toBlock: bigint,
): Promise<void> {
  const selectorsOf = (p: LogPart) => new Set(p.events.map((e) => toEventSelector(e)));
  const addresses = [...new Set(parts.flatMap((p) => p.addresses))];
  const topics = [...new Set(parts.flatMap((p) => [...selectorsOf(p)]))];
  let raw: Log[];
  try {
    const rpc = (await client.request({
      method: "eth_getLogs",
      params: [
        { address: addresses, topics: [topics], fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock) },
      ],
    } as never)) as RpcLog[];
    raw = rpc.map((l) => formatLog(l));
  } catch (err) {
    for (const p of parts) p.reject(err);
    return;
  }
  for (const p of parts) {
    const own = new Set(p.addresses);
    const selectors = selectorsOf(p);
    const mine = raw.filter((l) => own.has(l.address.toLowerCase() as Address) && selectors.has(l.topics[0] as Hex));
    try {
      p.resolve(parseEventLogs({ abi: p.events as AbiEvent[], logs: mine, strict: true }));
    } catch (err) {
      p.reject(err);
    }
  }
}
