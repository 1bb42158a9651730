import type { Address } from "viem";
import type { ExecutorAction } from "../executor/actions.js";
import type { Opportunity } from "../risk/opportunity.js";
import type { V3PoolState } from "../risk/uniswapV3/types.js";
import type { SkipReason } from "../skip.js";

/** A call of our KeeperExecutor contract, params named exactly as its Solidity structs. */
export type PlannedAction = ExecutorAction;

/** What a detector found: the opportunity (for ranking and reports) and the call that would take it. */
export interface Candidate {
  opportunity: Opportunity;
  action: PlannedAction;
  /** Human-readable context for the keeper's account of what it saw. */
  context: Record<string, string>;
  /** For a batch: the candidates it is made of, in execution order (so a failed batch can be cut in two). */
  members?: readonly Candidate[];
  /**
   * The exact state of every venue the action trades on after it runs, on the snapshot it was sized on (a routed
   * sale knows it from its quote). The block planner writes it into its working copy before sizing the next action.
   */
  effects?: readonly VenueEffect[];
}

/**
 * A venue's state after an action, exactly as the protocol's math says it will be: what the block planner writes
 * into its working copy of the snapshot before sizing the next action.
 */
export type VenueEffect =
  | { kind: "v2"; address: Address; reserve0: bigint; reserve1: bigint }
  | { kind: "v3"; address: Address; state: V3PoolState };

/** An opportunity seen but not pursued, with why. */
export interface Skip {
  id: string;
  /** The opportunity's protocol; "reference-prices" for a token left without a price at the block (no opportunity
   *  that needs it can be valued). */
  protocol: Opportunity["protocol"] | "reference-prices";
  skip: SkipReason;
  context: Record<string, string>;
}

/** Routing and thresholds a detector needs beyond the snapshot: all plain data. */
export interface StrategyContext {
  /** Where liquidity can be borrowed: V2 pairs by address, with their tokens. */
  v2Pairs: readonly { name: string; address: Address; token0: Address; token1: Address }[];
  /** V3 pools that can fund a V2 rebalance by flash swap. */
  v3Pools: readonly { address: Address; token0: Address; token1: Address; fee: number }[];
  aavePool?: Address;
  /** Morpho Blue, whose fee-free flashLoan can fund an Aave liquidation when that nets more than a V2 flash swap. */
  morpho?: Address;
  /** Native-token price source for gas (the WETH feed). */
  wethToken: Address;
  minProfitUsd: bigint;
  priorityFeePerGas: bigint;
  rebalanceThresholdBps: bigint;
  rebalanceToleranceBps: number;
  /** Largest rebalance input per transaction, USD 8 decimals (0 = no limit); larger trades go in slices over blocks. */
  maxTradeUsd: bigint;
  /**
   * A rebalance waits while the order-flow window's net flow against it is worth more than this (USD, 8 decimals;
   * 0 = never: the flow is only noted in the decision). ORDER_FLOW_MAX_AGAINST_USD.
   */
  orderFlowMaxAgainstUsd?: bigint;
  /**
   * Oldest feed answer an inventory rebalance may trade on, in seconds before the snapshot's block: per token (the
   * feed's heartbeat from the deployment), else `default`. A trade funded from inventory is only as right as its
   * target price; flash-funded trades are not affected (their profit is checked on chain in tokens).
   */
  feedMaxAgeS: { default: bigint; byToken: Readonly<Record<Address, bigint>> };
  /** Largest distance, in bps, between the feeds' price and a V3 pool's 30-minute TWAP for an inventory rebalance
   *  of that pool (0: no check). Catches a broken or manipulated feed; wide enough to let a real crash be traded. */
  maxFeedTwapDeviationBps: bigint;
  /** Whether V3 pools are rebalanced (they are always read when V2 is, as a funding source). */
  v3Rebalance: boolean;
  /** Gas figures measured on the executor's paths (test/contracts), used before simulation refines them. */
  gas: {
    aaveV2Flash: bigint;
    aaveV2FlashBatchItem: bigint;
    aaveMorphoFlash: bigint;
    rebalanceV2Inventory: bigint;
    rebalanceV2V3Flash: bigint;
    morphoLiquidation: bigint;
    rebalanceV3Inventory: bigint;
  };
}

export const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";
