import type { Address, Hex } from "viem";
import type { ChainClients } from "../chain/clients.js";
import type { MorphoMarketParams } from "../protocols/morphoBlue/types.js";

/** The two viem clients every world action runs on: the chain's client pair. */
export type WorldClients = ChainClients;

export type { MorphoMarketParams };

/**
 * The world's tokens: WETH, a liquid staking token (wstETH, priced through an exchange-rate adapter), WBTC, USDC,
 * a USDT-shaped stablecoin (no return values, zero-first approvals) and a governance token with a low LT (GOV).
 */
export type TokenSymbol = "WETH" | "USDC" | "WBTC" | "wstETH" | "USDT" | "GOV";

export interface TokenInfo {
  address: Address;
  symbol: TokenSymbol;
  decimals: number;
}

export type V2PairName =
  "WETH_USDC" | "WBTC_USDC" | "WBTC_WETH" | "wstETH_WETH" | "USDT_USDC" | "WETH_USDT" | "GOV_WETH";

/** World V3 pools by name: pair and fee tier (hundredths of a bip). */
export type V3PoolName =
  "WETH_USDC_3000" | "wstETH_WETH_100" | "wstETH_WETH_500" | "USDT_USDC_100" | "WETH_USDT_500" | "GOV_WETH_3000";

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
  /**
   * USD price sources, 8 decimals: Chainlink-style settable feeds (SettableAggregator), except the tokens listed in
   * `rateAdapters`, whose source answers only `latestAnswer()` (as Aave's CAPO adapters do).
   */
  feeds: Record<TokenSymbol, Address>;
  /** Exchange-rate adapters (RatioPriceAdapter): USD price = the base token's feed x a settable rate (18 decimals). */
  rateAdapters: Partial<Record<TokenSymbol, { adapter: Address; base: TokenSymbol }>>;
  multicall3: Address;
  uniswapV2: { factory: Address; pairs: Record<V2PairName, V2PairInfo> };
  uniswapV3: { factory: Address; pools: Record<V3PoolName, V3PoolInfo> };
  aave: {
    addressesProvider: Address;
    aclManager: Address;
    pool: Address;
    configurator: Address;
    oracle: Address;
    dataProvider: Address;
    /** eMode categories configured through the PoolConfigurator, by id. */
    eModes: { id: number; label: string; collateral: TokenSymbol[]; borrowable: TokenSymbol[] }[];
  };
  morpho: {
    morpho: Address;
    /** Oracle of the first market (kept for single-market callers). */
    oracle: Address;
    /** The first market (WETH collateral, USDC loan), kept for single-market callers. */
    marketId: Hex;
    marketParams: MorphoMarketParams;
    /** The deployment format's list of markets: every market, the first one above included. */
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
  /**
   * Initial USD prices, 8 decimals. Defaults: WETH 3000, USDC 1, USDT 1, WBTC 60000, GOV 150 and wstETH at WETH x
   * 1.2 (the adapter's rate is derived from the wstETH and WETH prices given, rounded down).
   */
  prices?: Partial<Record<TokenSymbol, bigint>>;
}
