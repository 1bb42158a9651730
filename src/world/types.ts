import type { Address, Hex } from "viem";
import type { ChainClients } from "../chain/clients.js";
import type { MorphoMarketParams } from "../protocols/morphoBlue/types.js";

/** The two viem clients every world action runs on: the chain's client pair. */
export type WorldClients = ChainClients;

export type { MorphoMarketParams };

export type TokenSymbol = "WETH" | "USDC" | "WBTC";

export interface TokenInfo {
  address: Address;
  symbol: TokenSymbol;
  decimals: number;
}

export type V2PairName = "WETH_USDC" | "WBTC_USDC" | "WBTC_WETH";

export interface V2PairInfo {
  address: Address;
  token0: Address;
  token1: Address;
}

export interface V3PoolInfo {
  address: Address;
  token0: Address;
  token1: Address;
  fee: number;
  tickSpacing: number;
}

/** Everything `deployWorld` put on chain: plain data, safe to JSON-serialise (bigints as strings). */
export interface World {
  chainId: number;
  deployer: Address;
  /** First block holding world contracts: where event discovery starts. */
  startBlock: bigint;
  tokens: Record<TokenSymbol, TokenInfo>;
  /** Chainlink-style USD feeds, 8 decimals, settable (SettableAggregator). */
  feeds: Record<TokenSymbol, Address>;
  multicall3: Address;
  uniswapV2: { factory: Address; pairs: Record<V2PairName, V2PairInfo> };
  uniswapV3: { factory: Address; pools: { WETH_USDC_3000: V3PoolInfo } };
  aave: {
    addressesProvider: Address;
    aclManager: Address;
    pool: Address;
    configurator: Address;
    oracle: Address;
    dataProvider: Address;
  };
  morpho: {
    morpho: Address;
    oracle: Address;
    marketId: Hex;
    marketParams: MorphoMarketParams;
    /** The deployment format's list of markets (here the one market above). */
    markets: { id: Hex; params: MorphoMarketParams }[];
  };
  /** Test-only helper contracts: the market participant that swaps and adds liquidity, and the borrower factory. */
  helpers: { poolActor: Address; positionFactory: Address };
  borrowers: { aave: Address[]; morpho: Address[] };
}

export interface DeployWorldOptions {
  /** Aave V3 borrowers to open (0 to 10,000). Default 10. */
  aaveBorrowers?: number;
  /** Morpho Blue borrowers to open (0 to 10,000). Default 10. */
  morphoBorrowers?: number;
  /** Seed for the spread of health factors and sizes; equal seeds give equal worlds. Default 1. */
  seed?: number;
  /** Initial USD prices, 8 decimals. Defaults: WETH 3000, USDC 1, WBTC 60000. */
  prices?: Partial<Record<TokenSymbol, bigint>>;
}
