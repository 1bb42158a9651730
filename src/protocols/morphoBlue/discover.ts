import { getAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import { getLogsChunked } from "../../chain/logs.js";
import type { ReadCoalescer } from "../../chain/multicall.js";
import { morphoBorrowEvent } from "./abi.js";

/**
 * (market, borrower) pairs grown from Morpho's `Borrow` events: one scan from the start block, then only new
 * blocks. Markets not in `markets` are ignored (the keeper only watches markets it can price and fund).
 */
export class MorphoBorrowerIndex {
  readonly borrowers = new Map<Hex, Set<Address>>();
  private scannedTo: bigint;

  constructor(
    private readonly morpho: Address,
    markets: readonly Hex[],
    fromBlock: bigint,
    private readonly chunkBlocks: bigint = 2_000n,
  ) {
    for (const m of markets) this.borrowers.set(m.toLowerCase() as Hex, new Set());
    this.scannedTo = fromBlock - 1n;
  }

  /** Number of (market, borrower) pairs known. */
  get size(): number {
    let n = 0;
    for (const s of this.borrowers.values()) n += s.size;
    return n;
  }

  /** Scans (lastScanned, toBlock]; returns how many pairs were new. With `coalescer`, the eth_getLogs joins its wave. */
  async update(client: PublicClient<Transport, Chain>, toBlock: bigint, coalescer?: ReadCoalescer): Promise<number> {
    if (toBlock <= this.scannedTo) return 0;
    const logs = await getLogsChunked(client, {
      address: this.morpho,
      event: morphoBorrowEvent,
      fromBlock: this.scannedTo + 1n,
      toBlock,
      chunkBlocks: this.chunkBlocks,
      coalescer,
    });
    let fresh = 0;
    for (const log of logs) {
      const set = this.borrowers.get(log.args.id.toLowerCase() as Hex);
      if (!set) continue;
      const who = getAddress(log.args.onBehalf);
      if (!set.has(who)) {
        set.add(who);
        fresh++;
      }
    }
    this.scannedTo = toBlock;
    return fresh;
  }

  rewindTo(block: bigint): void {
    if (block - 1n < this.scannedTo) this.scannedTo = block - 1n;
  }
}
