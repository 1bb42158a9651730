import { getAddress, type Address, type Chain, type PublicClient, type Transport } from "viem";
import { getLogsChunked } from "../../chain/logs.js";
import type { ReadCoalescer } from "../../chain/multicall.js";
import { DiscoveryCursor, type DiscoveryOptions } from "../discovery.js";
import { aaveBorrowEvent, aavePoolAccountEvents, aTokenBalanceTransferEvent } from "./abi.js";

/**
 * The set of Aave borrowers, grown from `Borrow` events: a full scan from a start block once (concurrent, saved
 * range by range when `discovery.store` is given, resumed from there after a restart), then only the new blocks.
 * Accounts are never dropped (a repaid account may borrow again; reading it costs one call).
 */
export class AaveBorrowerIndex {
  readonly borrowers = new Set<Address>();
  private readonly cursor: DiscoveryCursor;

  constructor(
    private readonly pool: Address,
    fromBlock: bigint,
    private readonly chunkBlocks: bigint = 2_000n,
    discovery: DiscoveryOptions = {},
  ) {
    this.cursor = new DiscoveryCursor("aave-v3", pool, fromBlock, chunkBlocks, discovery);
  }

  /** Highest block already scanned. */
  get lastScannedBlock(): bigint {
    return this.cursor.lastScanned;
  }

  /**
   * Scans (lastScanned, toBlock]: returns the borrowers seen for the first time, and every account a pool event
   * named (borrow, withdraw, repay, collateral switch, eMode category switch, liquidation): their health changed without a price move.
   * With `coalescer`, the eth_getLogs joins its wave (and merges with the other readers' of the same range).
   */
  async update(
    client: PublicClient<Transport, Chain>,
    toBlock: bigint,
    aTokens: readonly Address[] = [],
    coalescer?: ReadCoalescer,
  ): Promise<{ fresh: Address[]; touched: Address[] }> {
    for (const b of this.cursor.restore(client)) this.borrowers.add(getAddress(b));
    if (toBlock <= this.cursor.lastScanned) return { fresh: [], touched: [] };
    if (this.cursor.isLong(toBlock)) {
      // A long history asks for `Borrow` alone: the other account events only mark accounts to re-read, and after a
      // gap this long every known account is re-read anyway (all are returned as touched).
      const fresh: Address[] = [];
      await this.cursor.sync(client, { address: this.pool, events: [aaveBorrowEvent], toBlock }, (logs) => {
        const found: Address[] = [];
        for (const log of logs as { args: { onBehalfOf: Address } }[]) {
          const who = getAddress(log.args.onBehalfOf);
          if (this.borrowers.has(who)) continue;
          this.borrowers.add(who);
          found.push(who);
        }
        fresh.push(...found);
        return found;
      });
      return { fresh, touched: [...this.borrowers] };
    }
    const logs = (await getLogsChunked(client, {
      address: [this.pool, ...aTokens],
      event: aaveBorrowEvent,
      events: [...aavePoolAccountEvents, aTokenBalanceTransferEvent],
      fromBlock: this.cursor.lastScanned + 1n,
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
    this.cursor.advance(toBlock, fresh);
    return { fresh, touched: [...touched] };
  }

  /**
   * Forgets blocks from `block` on (after a reorg) so they are scanned again, the saved checkpoint too; known
   * borrowers stay known.
   */
  rewindTo(block: bigint): void {
    this.cursor.rewindTo(block);
  }
}
