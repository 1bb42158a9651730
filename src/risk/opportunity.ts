/**
 * The keeper's unit of work: a liquidation or a pool rebalance, with its expected profit and
 * costs, as one discriminated union so ranking and execution can switch on `kind`/`protocol`.
 */
import type { Address, Hex } from "viem";

/** What the keeper does. */
export type OpportunityKind = "liquidation" | "rebalance";
/** Where it does it. */
export type OpportunityProtocol = "aave-v3" | "morpho-blue" | "uniswap-v2" | "uniswap-v3";

/** An amount of a named token. */
export interface TokenAmount {
  token: Address;
  symbol: string;
  decimals: number;
  /** Raw units; negative for a loss. */
  amount: bigint;
}

/** How the trade's capital is borrowed, and what that costs. */
export interface FundingCost {
  /** e.g. "uniswap-v2 flash swap", "morpho flash loan", "none". */
  source: string;
  /** Cost in USD, 8 decimals. */
  feeUsd: bigint;
  /**
   * True when `expectedProfit` is already net of this fee (a V2 flash swap's 0.3% is inside the
   * amount repaid); it is then reported, not subtracted a second time.
   */
  includedInProfit: boolean;
}

interface OpportunityBase {
  /** Stable identifier (e.g. protocol:market:user), used to de-duplicate across scans. */
  id: string;
  /** Gross expected profit in the token the executor ends up holding, before gas. */
  expectedProfit: TokenAmount;
  /** `expectedProfit` valued in USD, 8 decimals. */
  expectedProfitUsd: bigint;
  /** Gas units the execution is expected to use. */
  gasEstimate: bigint;
  /** Capital cost. */
  funding: FundingCost;
}

/** Aave V3 `liquidationCall`. */
export interface AaveLiquidationOpportunity extends OpportunityBase {
  kind: "liquidation";
  protocol: "aave-v3";
  details: {
    user: Address;
    debtAsset: Address;
    collateralAsset: Address;
    /** `liquidationCall`'s debtToCover, as sent (a full close carries a margin for interest accrued meanwhile). */
    debtToCover: bigint;
    /** What it repays at the snapshot's balances; debtToCover when absent. */
    debtRepaid?: bigint;
    collateralSeized: bigint;
    protocolFee: bigint;
    healthFactor: bigint;
  };
}

/** Morpho Blue `liquidate`. */
export interface MorphoLiquidationOpportunity extends OpportunityBase {
  kind: "liquidation";
  protocol: "morpho-blue";
  details: {
    marketId: Hex;
    borrower: Address;
    /** `liquidate` arguments: exactly one of seizedAssets / repaidShares is non-zero. */
    args: { seizedAssets: bigint; repaidShares: bigint };
    seizedAssets: bigint;
    repaidShares: bigint;
    repaidAssets: bigint;
  };
}

/** Uniswap V2 swap towards the reference price. */
export interface V2RebalanceOpportunity extends OpportunityBase {
  kind: "rebalance";
  protocol: "uniswap-v2";
  details: { pair: Address; zeroForOne: boolean; amountIn: bigint; amountOut: bigint };
}

/** Uniswap V3 swap towards the reference price. */
export interface V3RebalanceOpportunity extends OpportunityBase {
  kind: "rebalance";
  protocol: "uniswap-v3";
  details: { pool: Address; zeroForOne: boolean; amountIn: bigint; amountOut: bigint; sqrtPriceLimitX96: bigint };
}

/** Any opportunity the keeper can rank and execute. */
export type Opportunity =
  AaveLiquidationOpportunity | MorphoLiquidationOpportunity | V2RebalanceOpportunity | V3RebalanceOpportunity;
