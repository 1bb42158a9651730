import { getAddress, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { getLogsChunked } from "../../chain/logs.js";
import type { ReadCoalescer } from "../../chain/multicall.js";
import { aaveBorrowEvent, aavePoolAccountEvents, aTokenBalanceTransferEvent } from "./abi.js";

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

  /**
   * Scans (lastScanned, toBlock]: returns the borrowers seen for the first time, and every account a pool event
   * named (borrow, withdraw, repay, collateral switch, liquidation): their health changed without a price move.
   * With `coalescer`, the eth_getLogs joins its wave (and merges with the other readers' of the same range).
   */
  async update(
    client: PublicClient<Transport, Chain>,
    toBlock: bigint,
    aTokens: readonly Address[] = [],
    coalescer?: ReadCoalescer,
  ): Promise<{ fresh: Address[]; touched: Address[] }> {
    if (toBlock <= this.scannedTo) return { fresh: [], touched: [] };
    const logs = (await getLogsChunked(client, {
      address: [this.pool, ...aTokens],
      event: aaveBorrowEvent,
      events: [...aavePoolAccountEvents, aTokenBalanceTransferEvent],
      fromBlock: this.scannedTo + 1n,
      toBlock,
      chunkBlocks: this.chunkBlocks,
      coalescer,
    })) as unknown as { eventName: string; args: Record<string, Address> }[];
    const fresh: Address[] = [];
    const touched = new Set<Address>();
    for (const log of logs) {
      const raw =
        log.eventName === "Borrow" || log.eventName === "Supply"
          ? log.args.onBehalfOf
          : log.eventName === "BalanceTransfer"
            ? log.args.from
            : log.args.user;
      if (!raw) continue;
      const who = getAddress(raw);
      touched.add(who);
      if (log.eventName === "Borrow" && !this.borrowers.has(who)) {
        this.borrowers.add(who);
        fresh.push(who);
      }
    }
    this.scannedTo = toBlock;
    return { fresh, touched: [...touched] };
  }

  /** Forgets blocks from `block` on (after a reorg) so they are scanned again; known borrowers stay known. */
  rewindTo(block: bigint): void {
    if (block - 1n < this.scannedTo) this.scannedTo = block - 1n;
  }
}
