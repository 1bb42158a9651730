import type { AbiEvent, Address, Chain, Log, PublicClient, Transport } from "viem";
import { KeeperError } from "../errors.js";

/**
 * eth_getLogs over [fromBlock, toBlock] in ranges of `chunkBlocks`, because providers cap the range (and the
 * result size) of one request. A range the node refuses as too large is split in two and retried.
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
  },
): Promise<Log<bigint, number, false, E, true>[]> {
  const chunk = params.chunkBlocks ?? 2_000n;
  const out: Log<bigint, number, false, E, true>[] = [];
  const fetchRange = async (from: bigint, to: bigint): Promise<void> => {
    try {
      const logs = params.events
        ? await client.getLogs({ address: params.address, events: params.events, fromBlock: from, toBlock: to, strict: true } as never)
        : await client.getLogs({ address: params.address, event: params.event, fromBlock: from, toBlock: to, strict: true });
      out.push(...(logs as Log<bigint, number, false, E, true>[]));
    } catch (cause) {
      if (to > from && /range|too many|limit|exceed/i.test(String((cause as Error).message))) {
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
