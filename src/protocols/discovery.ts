import type { AbiEvent, Address, Chain, PublicClient, Transport } from "viem";
import { getLogsChunked } from "../chain/logs.js";
import { DEFAULT_SCAN_RANGE, scanLogs, type LogScanProgress } from "../chain/logScan.js";
import type { ReadCoalescer } from "../chain/multicall.js";
import type { DiscoveryStore } from "../journal/discoveryStore.js";

/** One discovery index's progress through its first sync (or a catch-up after downtime). */
export interface DiscoveryProgress extends LogScanProgress {
  /** The index ("aave-v3", "morpho-blue"). */
  index: string;
}

/** How the event indexes sync a long history, and where they save it. Every field is optional. */
export interface DiscoveryOptions {
  /** Where found items and the checkpoint are saved (none: in memory only, every start reads from the start block). */
  store?: DiscoveryStore;
  /** Requests in flight during a long sync (default DEFAULT_SCAN_CONCURRENCY). */
  concurrency?: number;
  /** Blocks per request to start a long sync with (default DEFAULT_SCAN_RANGE). */
  range?: bigint;
  /** Base backoff on rate limits and 5xx, in ms. */
  backoffMs?: number;
  onProgress?(progress: DiscoveryProgress): void;
}

/**
 * The scan position of one event index and its saved copy. A gap wider than `chunkBlocks` (the first sync, a
 * restart after downtime) is read by scanLogs, concurrently, checkpointing every range in block order; a gap of a
 * block or a few stays with the caller's cheap path (it shares the snapshot's eth_getLogs) and is saved after it.
 */
export class DiscoveryCursor {
  private scannedTo: bigint;
  private key?: string;

  constructor(
    /** "aave-v3" or "morpho-blue": the progress label and the start of the store key. */
    readonly index: string,
    /** The contract whose events are read: with the chain id, the rest of the store key. */
    private readonly contract: Address,
    private readonly fromBlock: bigint,
    private readonly chunkBlocks: bigint,
    private readonly options: DiscoveryOptions = {},
  ) {
    this.scannedTo = fromBlock - 1n;
  }

  /** Highest block scanned. */
  get lastScanned(): bigint {
    return this.scannedTo;
  }

  /**
   * On the first call: the items saved for this chain and contract (the caller adds them to its index) and the scan
   * resumes after their checkpoint. A checkpoint made from a later start block than ours is dropped (the blocks
   * between were never read). Later calls return nothing.
   */
  restore(client: PublicClient<Transport, Chain>): string[] {
    if (this.key !== undefined) return [];
    this.key = `${this.index}:${client.chain.id}:${this.contract.toLowerCase()}`;
    const store = this.options.store;
    const saved = store?.load(this.key);
    if (!store || !saved) return [];
    if (saved.fromBlock > this.fromBlock) {
      store.reset(this.key);
      return [];
    }
    if (saved.scannedTo > this.scannedTo) this.scannedTo = saved.scannedTo;
    return saved.items;
  }

  /** Whether (lastScanned, toBlock] is long enough for {@link sync} rather than the caller's one-request path. */
  isLong(toBlock: bigint): boolean {
    return toBlock - this.scannedTo > this.chunkBlocks;
  }

  /**
   * Reads `events` of `address` over (lastScanned, toBlock] with scanLogs; `found` turns each range's logs (block
   * order) into the new items, saved with the range's end as the checkpoint.
   */
  async sync(
    client: PublicClient<Transport, Chain>,
    params: { address: Address | Address[]; events: readonly AbiEvent[]; toBlock: bigint },
    found: (logs: unknown[]) => string[],
  ): Promise<void> {
    const range = this.options.range ?? (this.chunkBlocks > DEFAULT_SCAN_RANGE ? this.chunkBlocks : DEFAULT_SCAN_RANGE);
    await scanLogs(client, {
      address: params.address,
      events: params.events,
      fromBlock: this.scannedTo + 1n,
      toBlock: params.toBlock,
      concurrency: this.options.concurrency,
      range,
      backoffMs: this.options.backoffMs,
      onRange: ({ to, logs }) => this.advance(to, found(logs)),
      onProgress: this.options.onProgress && ((p) => this.options.onProgress!({ ...p, index: this.index })),
    });
  }

  /**
   * Reads `event` of `address` over (lastScanned, toBlock] and saves what `found` makes of the logs: a long gap through
   * {@link sync}, a short one (the steady state's block or few) as one chunked request that joins `coalescer`'s wave.
   */
  async read(
    client: PublicClient<Transport, Chain>,
    params: { address: Address; event: AbiEvent; toBlock: bigint; coalescer?: ReadCoalescer },
    found: (logs: unknown[]) => string[],
  ): Promise<void> {
    if (params.toBlock <= this.scannedTo) return;
    if (this.isLong(params.toBlock)) {
      await this.sync(client, { address: params.address, events: [params.event], toBlock: params.toBlock }, found);
      return;
    }
    const logs = await getLogsChunked(client, {
      address: params.address,
      event: params.event,
      fromBlock: this.scannedTo + 1n,
      toBlock: params.toBlock,
      chunkBlocks: this.chunkBlocks,
      coalescer: params.coalescer,
    });
    this.advance(params.toBlock, found(logs));
  }

  /** Marks (lastScanned, toBlock] scanned, saving `items` found there with the checkpoint. */
  advance(toBlock: bigint, items: readonly string[]): void {
    if (toBlock <= this.scannedTo) return;
    this.scannedTo = toBlock;
    if (this.options.store && this.key) this.options.store.save(this.key, this.fromBlock, toBlock, items);
  }

  /** Forgets blocks from `block` on, here and in the store, so they are scanned again (a reorg). */
  rewindTo(block: bigint): void {
    if (block - 1n < this.scannedTo) this.scannedTo = block - 1n;
    if (this.options.store && this.key) this.options.store.rewind(this.key, block);
  }
}
