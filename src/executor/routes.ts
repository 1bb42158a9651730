/**
 * The routed liquidations' params as data (KeeperExecutor's route structs and the two routed liquidation structs),
 * field for field as Solidity declares them: uint -> bigint, address -> Address, enum -> number. The actions using
 * them are in ./actions.ts.
 */
import type { Address } from "viem";

/** KeeperMarketParams: Morpho Blue's market key, in the protocol's field order. */
export interface ExecutorMorphoMarketParams {
  loanToken: Address;
  collateralToken: Address;
  oracle: Address;
  irm: Address;
  lltv: bigint;
}

/** KeeperExecutor.PoolKind: the venue a route hop trades on (values are the Solidity enum's). */
export const PoolKind = { UniswapV2: 0, UniswapV3: 1 } as const;
export type PoolKind = (typeof PoolKind)[keyof typeof PoolKind];

/** KeeperExecutor.FlashSource: who lends the debt asset of a routed Aave liquidation (values are the Solidity enum's). */
export const FlashSource = { AaveFlashLoan: 0, UniswapV3Flash: 1, MorphoFlashLoan: 2 } as const;
export type FlashSource = (typeof FlashSource)[keyof typeof FlashSource];

/** KeeperExecutor.RouteHop: one exact-input swap of a route leg, selling the leg's current token on `pool`. */
export interface RouteHop {
  /** UniswapV2: a pair, priced by getAmountOut of its reserves at execution. UniswapV3: a pool of any fee tier,
   *  swapped with no price limit, which must take the whole input (else PartialFill). */
  kind: PoolKind;
  pool: Address;
  /** Token bought (the pool's other token); the next hop sells it. */
  tokenOut: Address;
}

/** KeeperExecutor.RouteLeg: a path of hops selling part of a route's input. */
export interface RouteLeg {
  /** Planned input of this leg; only the proportions between legs matter on chain (see SaleRoute). */
  amountIn: bigint;
  /** In order; the first sells the route's input token, the last must buy its output token (else InvalidRoute). */
  hops: RouteHop[];
}

/**
 * KeeperExecutor.SaleRoute: a sale split across venues and paths. The actual input (the collateral seized, known only
 * at execution) is split in the proportions of the legs' `amountIn`, the last leg taking the remainder; a leg that
 * gets zero is skipped.
 */
export interface SaleRoute {
  /** At least one (else InvalidRoute(0, tokenOut)). */
  legs: RouteLeg[];
  /** Least output of all legs together, in the route's output token (else RouteOutputTooLow(got, min)). */
  minAmountOut: bigint;
}

/** KeeperExecutor.MorphoRoutedLiquidation: Morpho Blue liquidation whose seized collateral is sold along a route. */
export interface MorphoRoutedLiquidationParams {
  /** Not sent: the executor uses the Morpho Blue fixed at its deployment. Kept for planning; must be that one. */
  morpho: Address;
  marketParams: ExecutorMorphoMarketParams;
  borrower: Address;
  /** Collateral to seize, or 0 when `repaidShares` is given: exactly one of the two is non-zero (Morpho's rule). */
  seizedAssets: bigint;
  /** Borrow shares to repay, or 0 when `seizedAssets` is given. */
  repaidShares: bigint;
  /** Sale of the seized collateral into the loan token. */
  route: SaleRoute;
  /** In loan-token units. */
  minProfit: bigint;
}

/**
 * KeeperExecutor.AaveRoutedLiquidation: Aave V3 liquidation funded by a flash loan of the debt asset from `lender`,
 * the seized collateral sold along a route back into the debt asset to repay the loan and its fee.
 */
export interface AaveRoutedLiquidationParams {
  /** Not sent: the executor liquidates on the Aave pool fixed at its deployment. Kept for planning and read-back;
   *  must be that pool. */
  aavePool: Address;
  collateralAsset: Address;
  /** Debt repaid, flash-borrowed, and the route's output token. */
  debtAsset: Address;
  user: Address;
  /** Flash-borrowed and offered to Aave; the whole loan and its fee are repaid even if Aave takes less. */
  debtToCover: bigint;
  source: FlashSource;
  /** The Aave pool, Uniswap V3 pool (which must not appear in the route) or Morpho Blue lending `debtToCover`. Only
   *  a Uniswap V3 lender is sent as is (and must be its factory's pool or allowlisted); for the Aave and Morpho
   *  sources the executor borrows from the pool / Morpho fixed at its deployment. */
  lender: Address;
  /** Sale of all the seized collateral into `debtAsset`. */
  route: SaleRoute;
  /** In `debtAsset` units, left after repaying the loan and its fee. */
  minProfit: bigint;
}

/**
 * KeeperExecutor.liquidateMorphoBatch's argument: several routed Morpho liquidations run in order in one transaction.
 * Only `items` go on chain, each with its own `minProfit` floor.
 */
export interface MorphoRoutedBatchParams {
  /** In execution order; all must share one loan token (the batch's profit token). */
  items: MorphoRoutedLiquidationParams[];
  /** Informational, not sent: the sum of the items' `minProfit` (see AaveLiquidationBatchParams.minProfit). */
  minProfit: bigint;
}

/**
 * KeeperExecutor.liquidateAaveRoutedBatch's argument: several routed Aave liquidations (any flash sources and routes)
 * run in order in one transaction. Only `items` go on chain, each with its own `minProfit` floor.
 */
export interface AaveRoutedBatchParams {
  /** In execution order; all must share one `debtAsset` (the batch's profit token). */
  items: AaveRoutedLiquidationParams[];
  /** Informational, not sent: the sum of the items' `minProfit` (see AaveLiquidationBatchParams.minProfit). */
  minProfit: bigint;
}
