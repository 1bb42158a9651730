import { getAddress, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { getLogsChunked } from "../../chain/logs.js";
import { aaveBorrowEvent } from "./abi.js";

/**
 * The set of Aave borrowers, grown from `Borrow` events: a full scan from a start block once, then only the
 * new blocks. Accounts are never dropped (a repaid account may borrow again; reading it costs one call).
 */
export class AaveBorrowerIndex {
  readonly borrowers = new Set<Address>();
  private scannedTo: bigint;

  constructor(
    private readonly pool: Address,
    fromBlock: bigint,
    private readonly chunkBlocks: bigint = 2_000n,
  ) {
    this.scannedTo = fromBlock - 1n;
  }

  /** Highest block already scanned. */
  get lastScannedBlock(): bigint {
    return this.scannedTo;
  }

  /** Scans (lastScanned, toBlock] and returns the borrowers seen for the first time. */
  async update(client: PublicClient<Transport, Chain>, toBlock: bigint): Promise<Address[]> {
    if (toBlock <= this.scannedTo) return [];
    const logs = await getLogsChunked(client, {
      address: this.pool,
      event: aaveBorrowEvent,
      fromBlock: this.scannedTo + 1n,
      toBlock,
      chunkBlocks: this.chunkBlocks,
    });
    const fresh: Address[] = [];
    for (const log of logs) {
      const who = getAddress(log.args.onBehalfOf);
      if (!this.borrowers.has(who)) {
        this.borrowers.add(who);
        fresh.push(who);
      }
    }
    this.scannedTo = toBlock;
    return fresh;
  }

  /** Forgets blocks from `block` on (after a reorg) so they are scanned again; known borrowers stay known. */
  rewindTo(block: bigint): void {
    if (block - 1n < this.scannedTo) this.scannedTo = block - 1n;
  }
}
