import { getAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import type { ReadCoalescer } from "../../chain/multicall.js";
import { DiscoveryCursor, type DiscoveryOptions } from "../discovery.js";
import { morphoBorrowEvent } from "./abi.js";

/**
 * (market, borrower) pairs grown from Morpho's `Borrow` events: one scan from the start block (concurrent, saved
 * range by range when `discovery.store` is given, resumed from there after a restart), then only new blocks.
 * Only the markets in `markets` (and those added by {@link watch}) are watched: the keeper only reads markets it can
 * price and fund. Pairs of other markets are kept aside (and saved), so a market watched later, e.g. found by
 * CreateMarket discovery in the same block as its first borrow, needs no rescan.
 */
export class MorphoBorrowerIndex {
  readonly borrowers = new Map<Hex, Set<Address>>();
  /** Pairs of markets not watched (yet), by market. */
  private readonly unwatched = new Map<Hex, Set<Address>>();
  private readonly cursor: DiscoveryCursor;

  constructor(
    private readonly morpho: Address,
    markets: readonly Hex[],
    fromBlock: bigint,
    chunkBlocks: bigint = 2_000n,
    discovery: DiscoveryOptions = {},
  ) {
    for (const m of markets) this.borrowers.set(m.toLowerCase() as Hex, new Set());
    this.cursor = new DiscoveryCursor("morpho-blue", morpho, fromBlock, chunkBlocks, discovery);
  }

  /** Highest block already scanned. */
  get lastScannedBlock(): bigint {
    return this.cursor.lastScanned;
  }

  /** Adds one (market, borrower) pair; true when it is new and its market watched. */
  private add(market: Hex, borrower: Address): boolean {
    const id = market.toLowerCase() as Hex;
    const set = this.borrowers.get(id);
    if (!set) {
      const aside = this.unwatched.get(id) ?? new Set<Address>();
      aside.add(borrower);
      this.unwatched.set(id, aside);
      return false;
    }
    if (set.has(borrower)) return false;
    set.add(borrower);
    return true;
  }

  /** Starts watching markets, with the borrowers already seen there. */
  watch(markets: readonly Hex[]): void {
    for (const m of markets) {
      const id = m.toLowerCase() as Hex;
      if (this.borrowers.has(id)) continue;
      this.borrowers.set(id, this.unwatched.get(id) ?? new Set());
      this.unwatched.delete(id);
    }
  }

  /** Number of (market, borrower) pairs known. */
  get size(): number {
    let n = 0;
    for (const s of this.borrowers.values()) n += s.size;
    return n;
  }

  /** Scans (lastScanned, toBlock]; returns how many pairs were new. With `coalescer`, the eth_getLogs joins its wave. */
  async update(client: PublicClient<Transport, Chain>, toBlock: bigint, coalescer?: ReadCoalescer): Promise<number> {
    for (const item of this.cursor.restore(client)) {
      const [market, who] = item.split(":") as [Hex, Address];
      this.add(market, getAddress(who));
    }
    if (toBlock <= this.cursor.lastScanned) return 0;
    let fresh = 0;
    // Every pair of a range is saved (items "marketId:borrower"), the watched markets' pairs also indexed.
    const found = (logs: readonly { args: { id: Hex; onBehalf: Address } }[]): string[] => {
      const items = new Set<string>();
      for (const log of logs) {
        const who = getAddress(log.args.onBehalf);
        items.add(`${log.args.id.toLowerCase()}:${who}`);
        if (this.add(log.args.id, who)) fresh++;
      }
      return [...items];
    };
    await this.cursor.read(client, { address: this.morpho, event: morphoBorrowEvent, toBlock, coalescer }, (logs) =>
      found(logs as { args: { id: Hex; onBehalf: Address } }[]),
    );
    return fresh;
  }

  /** Forgets blocks from `block` on (a reorg), the saved checkpoint too; known pairs stay known. */
  rewindTo(block: bigint): void {
    this.cursor.rewindTo(block);
  }
}
