/**
 * What a protocol (or venue) brings to the keeper. The watcher, the strategy, the keeper and the metrics loop over
 * the registry (./registry.ts) and never switch on a protocol or an action kind: everything specific to Aave,
 * Morpho, Uniswap V2 or V3 sits in its folder behind this interface.
 *
 * A folder has two layers: its reads (abi, schema, discover, read: the chain layer) and its decisions (detect,
 * readBack, this module object: the strategy layer). The layer lint (.dependency-cruiser.cjs) checks both.
 */
import type { Address, Chain, PublicClient, Transport } from "viem";
import type { z } from "zod";
import type { Deployment } from "../chain/deployment.js";
import type { ReadCoalescer } from "../chain/multicall.js";
import type { DiscoveryOptions } from "./discovery.js";
import type { ExecutorAction } from "../executor/actions.js";
import type { SendOutcome } from "../executor/outcome.js";
import type { Candidate, Skip, StrategyContext, VenueEffect } from "../strategy/types.js";
import type { Snapshot, SnapshotSlices } from "../watcher/snapshot.js";

export type ReadClient = PublicClient<Transport, Chain>;

/** Where and how a reader reads one block. */
export interface ReadAt {
  blockNumber: bigint;
  timestamp: bigint;
  /** Calls per aggregate3 chunk. */
  chunkSize?: number;
  /**
   * The snapshot's read coalescer: readers pass it on to every readBatched / getLogsChunked so that their reads of
   * one wave share requests with the other readers' (one per snapshot, created by the watcher).
   */
  coalescer?: ReadCoalescer;
}

/** Options the watcher hands every reader it creates. */
export interface ReaderOptions {
  /** Whether this protocol itself is watched (a reader may also be created because another one needs its data). */
  watched: boolean;
  /** First block of event discovery. */
  startBlock: bigint;
  /** eth_getLogs block range per request. */
  logChunkBlocks?: bigint;
  /** Every account is re-read at least this often (interest, transfers), in blocks. */
  fullRefreshBlocks?: number;
  /** How event discovery syncs a long history and where it saves its index (see DiscoveryCursor). */
  discovery?: DiscoveryOptions;
}

/** Keeps a protocol's index (from events) and reads its slice of the snapshot at a block. */
export interface ProtocolReader {
  /** Discovery up to `at.blockNumber`, then batched reads pinned to that block. */
  read(client: ReadClient, at: ReadAt): Promise<Partial<SnapshotSlices>>;
  /** Forget what was discovered from `block` on (a reorg). */
  rewindTo?(block: bigint): void;
  /** Counters for the snapshot's stats (positions watched, read, newly found). */
  stats?(): Record<string, number>;
}

/** One liquidation the keeper completed, with the borrower's health factor read back from the protocol. */
export interface LiquidationRecord {
  protocol: string;
  borrower: Address;
  block: string;
  txHash: `0x${string}`;
  healthFactorBefore: string;
  healthFactorAfter: string;
  debtAsset: string;
  debtRepaid: string;
  collateralAsset: string;
  collateralSeized: string;
  /** Token the profit is paid in (collateral for Aave via V2 flash swap, loan token for Morpho). */
  profitAsset: string;
  profit: string;
  profitUsd: string;
  gasUsed: string;
  /** Set when the liquidation was one item of a batch transaction ("2/3"); gasUsed is then the batch's share. */
  batch?: string;
  /** The borrower's eMode category, when it had one ("ETH correlated (1)"). */
  eMode?: string;
  /** Why this collateral and debt, when the borrower had several pairs to choose from. */
  choice?: string;
}

/** One rebalance the keeper completed, with the pool's skew read back afterwards. */
export interface RebalanceRecord {
  protocol: string;
  pool: string;
  address: Address;
  block: string;
  txHash: `0x${string}`;
  skewBpsBefore: string;
  skewBpsAfter: string;
  amountIn: string;
  amountOut: string;
  profitAsset: string;
  profit: string;
  profitUsd: string;
  gasUsed: string;
  /** Set when the trade was one slice of a larger rebalance (size limit). */
  slice?: string;
}

/** What a module reads back after one of its actions was mined: the report's records. */
export interface ReadBackRecords {
  liquidations?: LiquidationRecord[];
  rebalances?: RebalanceRecord[];
}

/** What a module needs to read an outcome back. */
export interface ReadBackParams {
  candidate: Candidate;
  outcome: Extract<SendOutcome, { status: "mined" }>;
  /** The snapshot the action was planned on. */
  snapshot: Snapshot;
}

/** The executor actions a module owns, by kind. */
export type { VenueEffect } from "../strategy/types.js";

export interface ActionHandler {
  /** Addresses whose state the action changes: the pools it trades on, the markets it touches. */
  touched(action: ExecutorAction): Address[];
  /**
   * The exact state of every venue the action trades on after it runs on `snapshot` (pure). Without it, the planner
   * treats what the action touches as unknown for the rest of the block (later candidates on it wait a block).
   */
  apply?(candidate: Candidate, snapshot: Snapshot): VenueEffect[];
  /**
   * A batch that failed simulation, cut in two (each half re-simulated on its own, so one bad member never blocks
   * the others); undefined when it cannot be cut (a single action).
   */
  split?(candidate: Candidate, snapshot: Snapshot, ctx: StrategyContext): [Candidate, Candidate] | undefined;
  /** Reads the chain after the action was mined and describes it for the report. */
  readBack(client: ReadClient, params: ReadBackParams): Promise<ReadBackRecords>;
}

/** Candidates and skips one detector found at one snapshot. */
export interface Detection {
  candidates: Candidate[];
  skipped: Skip[];
}

/**
 * What a protocol shows on the ops dashboard at one snapshot: the health factors of its positions (lending, wad; 2^256-1
 * without debt) or the skew of each of its pools against the feeds (venues, signed bps). Plain values, read from the
 * snapshot alone.
 */
export interface ProtocolGauges {
  healthFactors?: readonly bigint[];
  skews?: readonly { pool: string; bps: bigint }[];
}

/** See the module comment. `S` is the type of the module's deployment section. */
export interface ProtocolModule<S = unknown> {
  /** Protocol id: WATCH value, opportunity protocol, metric label ("aave-v3"). */
  name: string;
  /** A lending market (positions to liquidate) or a trading venue (pools to rebalance, routes to sell through). */
  kind: "lending" | "venue";
  /** Key of its section in the deployment file ("aave"), validated by `schema`. */
  section: string;
  schema: z.ZodType<S, z.ZodTypeDef, unknown>;
  /** Whether a reader is needed for this set of watched protocols (a funding source is read for others too). */
  readWhen(watch: ReadonlySet<string>): boolean;
  /** The reader for this deployment's section; undefined when the deployment has none. */
  createReader(deployment: Deployment, options: ReaderOptions): ProtocolReader | undefined;
  /** Positions past their liquidation threshold at a snapshot (lending modules), for the block's summary. */
  atRisk?(snapshot: Snapshot): number;
  /** Positions or pools watched at a snapshot, for metrics; undefined when the snapshot holds none of its data. */
  positionsWatched(snapshot: Snapshot): number | undefined;
  /** Health factors or pool skews at a snapshot, for the ops dashboard; undefined when the snapshot holds none of its data. */
  gauges?(snapshot: Snapshot): ProtocolGauges | undefined;
  /** What the strategy context gets from this protocol's deployment section (routes, pools, contracts). */
  context(deployment: Deployment): Partial<StrategyContext>;
  /** Candidates and skips at a snapshot. */
  detect(snapshot: Snapshot, ctx: StrategyContext): Detection;
  /**
   * After ranking: merge this protocol's selected candidates (batches); others are returned untouched. Optional.
   * The one-at-a-time planner uses it; the block sequence planner uses `merge`.
   */
  combine?(snapshot: Snapshot, ctx: StrategyContext, selected: readonly Candidate[]): Candidate[];
  /**
   * The candidate re-sized on a working snapshot that earlier actions of the block have moved: the same position or
   * pool, detected again (the size that nets most now, or a skip saying why nothing does).
   */
  refine?(candidate: Candidate, snapshot: Snapshot, ctx: StrategyContext): Candidate | Skip;
  /**
   * `next` folded into `into` (a transaction planned just before it) as one batch transaction, when the executor has
   * a batch entry point for both and the result stays under `maxGas`; undefined otherwise.
   */
  merge?(into: Candidate, next: Candidate, ctx: StrategyContext, maxGas: bigint): Candidate | undefined;
  /**
   * Candidates with the same key can share a batch transaction: the planner sequences them next to each other (the
   * group where its best member ranks), so that nothing touching the same pools sits between them.
   */
  batchKey?(candidate: Candidate): string | undefined;
  /** The executor actions it owns. */
  actions: Readonly<Record<string, ActionHandler>>;
}
