import { getAddress, type Address, type Chain, type PublicClient, type Transport } from "viem";
import type { Deployment } from "../chain/deployment.js";
import { ReadCoalescer, readBatched } from "../chain/multicall.js";
import { OpStackFeeReader } from "../chain/opStackFees.js";
import { erc20BalanceAbi } from "../chain/erc20.js";
import type { TokenPrice } from "../protocols/feeds/read.js";
import { ReferencePriceReader, type PriceSourceConfig } from "../protocols/feeds/reference.js";
import type { DiscoveryOptions } from "../protocols/discovery.js";
import type { ProtocolModule, ProtocolReader } from "../protocols/module.js";
import { PROTOCOLS } from "../protocols/registry.js";
import { MarketEventReader } from "./marketEvents.js";
import { freezeSnapshot, type Snapshot } from "./snapshot.js";

/** A protocol name of the registry ("aave-v3", "morpho-blue", "uniswap-v2", "uniswap-v3"). */
export type WatchTarget = string;

export interface WatcherOptions {
  watch: ReadonlySet<WatchTarget>;
  /** Calls per aggregate3 chunk. */
  multicallChunk?: number;
  /** eth_getLogs block range per request. */
  logChunkBlocks?: bigint;
  /** Our executor contract, whose token balances (inventory) are read each block. */
  executor?: Address;
  /** Every Aave account is re-read at least this often, whatever the prices did (interest, aToken transfers). */
  fullRefreshBlocks?: number;
  /** First block of event discovery (default: the deployment's startBlock). */
  startBlock?: bigint;
  /**
   * How event discovery syncs a long history (concurrency, range), where it saves its index and checkpoint (a
   * DiscoveryStore beside the journal: a restart resumes there) and whom it tells of its progress.
   */
  discovery?: DiscoveryOptions;
  /** The protocol modules to read with (default: the registry). */
  protocols?: readonly ProtocolModule<any>[];
  /** Blocks of the order-flow window (default DEFAULT_ORDER_FLOW_WINDOW_BLOCKS). */
  orderFlowWindowBlocks?: number;
}

/**
 * Owns every read. Each protocol module's reader keeps its index up to date from events and reads its slice; the
 * watcher adds the feeds and the executor's inventory and freezes one Snapshot per block. Every read of a snapshot
 * goes through one ReadCoalescer: the readers' rounds that do not depend on each other share aggregate3 requests
 * (and one eth_getLogs), so a block costs about ceil(positions / 300) eth_calls plus one per dependent round.
 */
export class Watcher {
  private readonly readers: ProtocolReader[] = [];
  private readonly byName = new Map<string, ProtocolReader>();
  private readonly feeds: PriceSourceConfig[];
  /** Reference prices: the deployment's feeds, else Aave's oracle (units read once, kept across snapshots). */
  readonly prices: ReferencePriceReader;
  /** The L1 data fee's parameters, on OP-stack chains. */
  private readonly l1Fees = new OpStackFeeReader();
  /** Everyone's liquidations and the pools' swaps: the audit's and the order flow's input. */
  private readonly market: MarketEventReader;

  constructor(
    private readonly client: PublicClient<Transport, Chain>,
    deployment: Deployment,
    private readonly options: WatcherOptions,
  ) {
    const startBlock = options.startBlock ?? deployment.startBlock ?? 0n;
    for (const m of options.protocols ?? PROTOCOLS) {
      if (!m.readWhen(options.watch)) continue;
      const reader = m.createReader(deployment, {
        watched: options.watch.has(m.name),
        startBlock,
        logChunkBlocks: options.logChunkBlocks,
        fullRefreshBlocks: options.fullRefreshBlocks,
        discovery: options.discovery,
      });
      if (!reader) continue;
      this.readers.push(reader);
      this.byName.set(m.name, reader);
    }
    this.feeds = Object.values(deployment.tokens).map((t) => ({
      token: getAddress(t.address),
      symbol: t.symbol,
      decimals: t.decimals,
      feed: deployment.feeds[t.symbol],
      // Without a feed, the price the Aave pool itself liquidates at.
      oracle: deployment.aave?.oracle,
    }));
    this.prices = new ReferencePriceReader(this.feeds);
    this.market = new MarketEventReader(deployment, {
      windowBlocks: options.orderFlowWindowBlocks,
      liquidations: options.watch.has("aave-v3") || options.watch.has("morpho-blue"),
      swaps: options.watch.has("uniswap-v2") || options.watch.has("uniswap-v3"),
      executor: options.executor,
    });
  }

  /** The reader of a protocol, when one was created (for its own counters and tests). */
  readerFor(name: string): ProtocolReader | undefined {
    return this.byName.get(name);
  }

  /** Re-scan events from `block` on, after a reorg (the saved discovery checkpoints rewind too). */
  rewindTo(block: bigint): void {
    for (const r of this.readers) r.rewindTo?.(block);
    this.market.rewindTo(block);
  }

  /** Reads the world at `blockNumber` (default: the current head) into a frozen Snapshot. */
  async snapshot(blockNumber?: bigint): Promise<Snapshot> {
    const t0 = performance.now();
    const block = await this.client.getBlock(blockNumber === undefined ? { blockTag: "latest" } : { blockNumber });
    // One coalescer per snapshot: the feeds, the inventory and every reader's rounds share its waves of requests.
    const coalescer = new ReadCoalescer(this.client, { chunkSize: this.options.multicallChunk });
    const at = {
      blockNumber: block.number!,
      timestamp: block.timestamp,
      chunkSize: this.options.multicallChunk,
      coalescer,
    };
    const [reference, l1Fee, events, balances, ...slices] = await Promise.all([
      this.prices.read(this.client, at),
      this.l1Fees.read(this.client, at),
      this.market.read(this.client, at),
      this.options.executor
        ? readBatched<bigint>(
            this.client,
            this.feeds.map((f) => ({
              address: f.token,
              abi: erc20BalanceAbi,
              functionName: "balanceOf",
              args: [this.options.executor],
            })),
            at,
          )
        : Promise.resolve([]),
      ...this.readers.map((r) => r.read(this.client, at)),
    ]);
    const inventory: Record<Address, bigint> = {};
    balances.forEach((r, i) => {
      if (r.ok) inventory[this.feeds[i].token] = r.value;
    });
    const byToken: Record<Address, TokenPrice> = {};
    for (const p of reference.prices) byToken[p.token] = p;
    const merged = Object.assign({}, ...slices) as Partial<Snapshot>;
    const marketsById = new Map((merged.morpho?.markets ?? []).map((m) => [m.id.toLowerCase(), m.params] as const));
    const market = this.market.digest(events, block.number!, marketsById, (t) => byToken[t]);
    const stats: Record<string, number> = {};
    for (const r of this.readers)
      for (const [k, v] of Object.entries(r.stats?.() ?? {})) stats[k] = (stats[k] ?? 0) + v;
    return freezeSnapshot({
      ...merged,
      ...market,
      blockNumber: block.number!,
      blockHash: block.hash!,
      timestamp: block.timestamp,
      baseFeePerGas: block.baseFeePerGas ?? 0n,
      gasLimit: block.gasLimit,
      ...(l1Fee ? { l1Fee } : {}),
      prices: byToken,
      priceSkips: reference.skipped,
      inventory,
      stats: {
        borrowersWatched: 0,
        newBorrowers: 0,
        aaveAccountsRead: 0,
        morphoBorrowersWatched: 0,
        ...stats,
        readMs: performance.now() - t0,
      },
    });
  }
}
