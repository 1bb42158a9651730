import type { Address, Hash } from "viem";

/** One liquidation the keeper completed, with the borrower's health factor read back from the protocol. */
export interface LiquidationRecord {
  protocol: "aave-v3" | "morpho-blue";
  borrower: Address;
  block: string;
  txHash: Hash;
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
}

/** One rebalance the keeper completed, with the pool's skew read back afterwards. */
export interface RebalanceRecord {
  protocol: "uniswap-v2" | "uniswap-v3";
  pool: string;
  address: Address;
  block: string;
  txHash: Hash;
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

/** An opportunity the keeper saw and left alone, and why (the first time each reason was seen for it). */
export interface SkipRecord {
  id: string;
  protocol: string;
  block: string;
  reason: string;
  context: Record<string, string>;
}

/**
 * The keeper's account of a run, also written by `--report <file>` as JSON: top-level arrays
 * `liquidations`, `rebalances` and `skipped` (all amounts as decimal strings in raw token units unless named Usd).
 */
export interface KeeperReport {
  chainId: number;
  fromBlock: string;
  toBlock: string;
  dryRun: boolean;
  liquidations: LiquidationRecord[];
  rebalances: RebalanceRecord[];
  skipped: SkipRecord[];
  /** Sends that were simulated but not mined as intended (reverted, dropped): should stay empty. */
  failures: { id: string; block: string; error: string; txHash?: Hash }[];
  /** In dry-run mode: what would have been sent. */
  dryRuns: { id: string; block: string; simulatedProfit: string; gas: string }[];
}

export function emptyReport(chainId: number, dryRun: boolean): KeeperReport {
  return { chainId, fromBlock: "", toBlock: "", dryRun, liquidations: [], rebalances: [], skipped: [], failures: [], dryRuns: [] };
}

/** JSON with bigints as strings. */
export function reportToJson(report: KeeperReport): string {
  return JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}
