import { deployAave } from "./aave.js";
import { openAaveBorrowers, openMorphoBorrowers, positionFactoryArtifact } from "./borrowers.js";
import { deployMorpho } from "./morpho.js";
import { aaveBorrowerSpread, morphoBorrowerSpread } from "./spread.js";
import { deployMulticall3, deployTokensAndFeeds, worldPrices } from "./tokens.js";
import { deploy } from "./tx.js";
import { deployUniswapV2, poolActorArtifact } from "./uniswapV2.js";
import { deployUniswapV3 } from "./uniswapV3.js";
import { KeeperError } from "../errors.js";
import type { DeployWorldOptions, World, WorldClients } from "./types.js";

export * from "./types.js";
export * from "./actions.js";
export { arbitrageStep, runArbitrageurs, ArbitrageOptionError } from "./arbitrage.js";
export type { ArbitrageStepOptions, PoolArbitrage, RunArbitrageursOptions } from "./arbitrage.js";
export { V3_LIQUIDITY_SHAPES, v3StartPositions } from "./uniswapV3.js";
export type { V3LiquidityLayer, V3LiquidityShape, V3Position } from "./uniswapV3.js";
export { minOpenHealthFactorBps } from "./borrowers.js";
export { aaveBorrowerSpread, aaveBorrowerKind, morphoBorrowerSpread } from "./spread.js";
export type { AaveBorrowerKind } from "./spread.js";
export type { AaveBorrowerSpec, MorphoBorrowerSpec } from "./borrowers.js";
export { AAVE_RESERVE_CONFIG, AAVE_EMODES, liquidationThresholdBps, ltvBps } from "./aave.js";
export type { AaveEModeConfig, AaveReserveConfig } from "./aave.js";
export { MORPHO_LLTV, MORPHO_MARKETS, morphoMarketId } from "./morpho.js";
export type { MorphoMarketSpec } from "./morpho.js";
export { V2_PAIRS } from "./uniswapV2.js";
export { V3_POOLS } from "./uniswapV3.js";
export { MULTICALL3_ADDRESS, DEFAULT_PRICES, DEFAULT_LST_RATE, RATE_UNIT, TOKEN_SPECS } from "./tokens.js";
export { loadOwnArtifact } from "../chain/artifacts.js";
export { worldToJson, worldFromJson } from "./json.js";

const MAX_BORROWERS = 10_000;

function checkCount(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_BORROWERS) {
    throw new KeeperError(`Invalid ${name}: ${n}.`, {
      metaMessages: [`Expected an integer from 0 to ${MAX_BORROWERS}.`],
    });
  }
  return n;
}

/**
 * Deploys a local world of the real protocols, shaped like a real market, onto any chain the clients reach (the
 * in-process Hardhat network or a node over HTTP): six test tokens (WETH, wstETH, WBTC, USDC, a USDT-shaped token,
 * GOV) with settable USD feeds (wstETH through an exchange-rate adapter answering only `latestAnswer`), Multicall3,
 * Uniswap V2 pairs and V3 pools in several fee tiers funded at the feed prices, a full Aave V3.6 market with an
 * "ETH correlated" eMode, three Morpho Blue markets, and borrowers of every kind (see aaveBorrowerSpread) with a
 * seeded spread of health factors. Returns every address as plain data.
 */
export async function deployWorld(clients: WorldClients, options: DeployWorldOptions = {}): Promise<World> {
  const aaveCount = checkCount("aaveBorrowers", options.aaveBorrowers ?? 10);
  const morphoCount = checkCount("morphoBorrowers", options.morphoBorrowers ?? 10);
  const seed = options.seed ?? 1;
  const { prices, rates } = worldPrices(options.prices);
  const startBlock = await clients.public.getBlockNumber();

  const { tokens, feeds, rateAdapters } = await deployTokensAndFeeds(clients, prices, rates);
  const multicall3 = await deployMulticall3(clients);
  const poolActor = await deploy(clients, poolActorArtifact());
  const positionFactory = await deploy(clients, positionFactoryArtifact());
  const helpers = { poolActor, positionFactory };
  const uniswapV2 = await deployUniswapV2(clients, { tokens, prices, poolActor });
  const uniswapV3 = await deployUniswapV3(clients, { tokens, prices, poolActor });
  const aave = await deployAave(clients, { tokens, feeds, prices });
  const morpho = await deployMorpho(clients, { tokens, feeds, prices });

  const partial = { aave, morpho, tokens, helpers };
  const aaveBorrowers = await openAaveBorrowers(clients, partial, aaveBorrowerSpread(aaveCount, seed), prices);
  const morphoBorrowers = await openMorphoBorrowers(clients, partial, morphoBorrowerSpread(morphoCount, seed), prices);

  return {
    chainId: clients.public.chain.id,
    deployer: clients.wallet.account.address,
    startBlock,
    tokens,
    feeds,
    rateAdapters,
    multicall3,
    uniswapV2,
    uniswapV3,
    aave,
    morpho,
    helpers,
    borrowers: { aave: aaveBorrowers, morpho: morphoBorrowers },
  };
}
