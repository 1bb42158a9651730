import type { Address, Hash } from "viem";
import type { AaveState } from "../protocols/aaveV3/read.js";
import type { TokenPrice } from "../protocols/feeds/read.js";
import type { MorphoState } from "../protocols/morphoBlue/read.js";
import type { V2PairState } from "../protocols/uniswapV2/read.js";
import type { V3PoolSnapshot } from "../protocols/uniswapV3/read.js";

/**
 * Everything the keeper knows at one block, read at that block: plain, immutable data. Risk functions take a
 * Snapshot and nothing else, so a decision can be replayed from a logged snapshot.
 */
export interface Snapshot {
  readonly blockNumber: bigint;
  readonly blockHash: Hash;
  readonly timestamp: bigint;
  readonly baseFeePerGas: bigint;
  /** Reference USD prices (8 decimals) from the feeds, by token address. */
  readonly prices: Readonly<Record<Address, TokenPrice>>;
  readonly aave?: AaveState;
  readonly morpho?: MorphoState;
  readonly v2Pairs: readonly V2PairState[];
  readonly v3Pools: readonly V3PoolSnapshot[];
  /** The executor contract's token balances (its inventory), by token address; empty without an executor. */
  readonly inventory: Readonly<Record<Address, bigint>>;
  /** Tokens Morpho Blue holds, by address: what its fee-free flashLoan can lend. Empty without Morpho. */
  readonly morphoLiquidity: Readonly<Record<Address, bigint>>;
  /** How the snapshot was read: for logs and metrics. */
  readonly stats: {
    readonly readMs: number;
    readonly borrowersWatched: number;
    readonly newBorrowers: number;
    readonly morphoBorrowersWatched: number;
    /** Aave accounts actually re-read this block (the others kept a reading that cannot have crossed HF 1.05). */
    readonly aaveAccountsRead: number;
  };
}

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
