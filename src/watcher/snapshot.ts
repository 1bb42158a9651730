import type { Address, Hash } from "viem";
import type { TokenPrice } from "../protocols/feeds/read.js";
import type { OpStackL1FeeParams } from "../risk/l1Fee.js";
import type { PriceSkip } from "../protocols/feeds/reference.js";
import type { PoolOrderFlow } from "../risk/orderFlow.js";
import type { MarketEvents } from "./marketEvents.js";

/**
 * Each protocol module's part of a snapshot. Empty here: every module adds its own field(s) from its folder
 * (declaration merging in src/protocols/<name>/index.ts), so a new protocol does not edit this file.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface SnapshotSlices {}

/** What every snapshot holds whatever the protocols. */
export interface SnapshotBase {
  readonly blockNumber: bigint;
  readonly blockHash: Hash;
  readonly timestamp: bigint;
  readonly baseFeePerGas: bigint;
  /** The block's gas limit: a transaction (a batch) is planned to use only a share of it. */
  readonly gasLimit: bigint;
  /** On an OP-stack chain (Base, Optimism): the L1 data fee's parameters, a cost of every transaction. */
  readonly l1Fee?: OpStackL1FeeParams;
  /** Reference USD prices (8 decimals) from the feeds, else the Aave oracle, by token address. */
  readonly prices: Readonly<Record<Address, TokenPrice>>;
  /** Tokens left without a reference price at this block (a reverting or missing source), each with why. */
  readonly priceSkips?: readonly PriceSkip[];
  /** The executor contract's token balances (its inventory), by token address; empty without an executor. */
  readonly inventory: Readonly<Record<Address, bigint>>;
  /** Everyone's liquidations on the watched lending protocols since the last snapshot (the audit's input). */
  readonly marketEvents?: MarketEvents;
  /** Each watched pool's order flow: net base-token buying per block and over the window (src/risk/orderFlow.ts). */
  readonly orderFlow?: readonly PoolOrderFlow[];
  /**
   * How the snapshot was read, for logs and metrics: `readMs`, plus the counters the protocol readers report
   * (borrowersWatched, newBorrowers, aaveAccountsRead, morphoBorrowersWatched...), summed by name.
   */
  readonly stats: { readonly readMs: number } & Readonly<Record<string, number>>;
}

/**
 * Everything the keeper knows at one block, read at that block: plain, immutable data. Risk functions take a
 * Snapshot and nothing else, so a decision can be replayed from a logged snapshot.
 */
export type Snapshot = SnapshotBase & Readonly<SnapshotSlices>;

/** Freezes a snapshot and its nested arrays/objects so no consumer can mutate shared state. */
export function freezeSnapshot(s: Snapshot): Snapshot {
  const deep = (o: unknown): void => {
    if (o && typeof o === "object" && !Object.isFrozen(o)) {
      Object.freeze(o);
      for (const v of Object.values(o)) deep(v);
    }
  };
  deep(s);
  return s;
}
