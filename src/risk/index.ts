/**
 * Risk module: pure, bigint-only reproductions of Aave V3, Morpho Blue and Uniswap V2/V3 math,
 * with each protocol's own rounding, plus profit accounting and ranking of opportunities.
 */
export { RiskMathError } from "./errors.js";

export { MAX_INT256, MAX_UINT128, MAX_UINT160, MAX_UINT256, divRoundingUp } from "./math/uint.js";
export {
  HALF_RAY,
  HALF_WAD,
  RAY,
  WAD,
  WAD_RAY_RATIO,
  rayDiv,
  rayMul,
  rayToWad,
  wadDiv,
  wadMul,
  wadToRay,
} from "./math/wadRay.js";
export {
  HALF_PERCENTAGE_FACTOR,
  PERCENTAGE_FACTOR,
  percentDiv,
  percentDivCeil,
  percentMul,
  percentMulCeil,
} from "./math/percentage.js";
export { mulDiv, mulDivRoundingUp } from "./math/fullMath.js";
export { isqrt, isqrtUp } from "./math/sqrt.js";
export {
  compareRational,
  deviationBps,
  gcd,
  invert,
  rational,
  referencePriceFromUsd,
  type Rational,
} from "./math/rational.js";

export type {
  AaveAccountData,
  AaveAccountSummary,
  AaveEModeCategory,
  AaveReserveView,
  AaveUserPosition,
  AaveUserReserve,
} from "./aave/types.js";
export { decodeAaveReserveConfiguration, type AaveReserveConfiguration } from "./aave/configuration.js";
export {
  AAVE_HEALTH_FACTOR_LIQUIDATION_THRESHOLD,
  aaveAccountSummary,
  aaveDebtValueInBase,
  aaveHealthFactor,
  aaveValueInBase,
  findAaveReserve,
  isAaveLiquidatable,
} from "./aave/account.js";
export {
  AAVE_CLOSE_FACTOR_HF_THRESHOLD,
  AAVE_DEFAULT_LIQUIDATION_CLOSE_FACTOR,
  AAVE_MAX_LIQUIDATION_CLOSE_FACTOR,
  AAVE_MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD,
  AAVE_MIN_LEFTOVER_BASE,
  aaveAvailableCollateralToLiquidate,
  aaveCloseFactor,
  aaveDebtToCoverToSend,
  aaveDustSafeDebtToCover,
  AAVE_FULL_CLOSE_MARGIN_BPS,
  aaveLiquidationAmounts,
  aaveMaxLiquidatableDebt,
  type AaveLiquidationAmounts,
  type AaveLiquidationParams,
  type AaveSizingRevert,
} from "./aave/liquidation.js";
export {
  aaveLiquidationBlocker,
  aaveLiquidationRevert,
  type AaveLiquidationRefusal,
  type AaveValidationRevert,
} from "./aave/validation.js";
export {
  AAVE_BAD_DEBT_GAS_PER_RESERVE,
  aaveLiquidationCandidates,
  aaveLiquidationSearch,
  bestAaveLiquidation,
  type AaveLiquidationCandidate,
  type AaveLiquidationRefusedPair,
  type AaveLiquidationSearchOptions,
} from "./aave/best.js";
export {
  AAVE_MAX_RESERVES_COUNT,
  aaveCollateralParams,
  findAaveEModeCategory,
  isAaveEModeCollateral,
  isAaveReserveInBitmap,
  type AaveCollateralParams,
} from "./aave/emode.js";
export {
  aaveATokenBalance,
  aaveATokenScaledOut,
  aaveCollateralTransfers,
  aaveVTokenBalance,
  aaveVTokenScaledBurn,
  type AaveCollateralTransfers,
} from "./aave/tokenMath.js";

export type { MorphoBorrowTotals, MorphoMarketState, MorphoPosition } from "./morpho/types.js";
export {
  LIQUIDATION_CURSOR,
  MAX_LIQUIDATION_INCENTIVE_FACTOR,
  MORPHO_MAX_FEE,
  MORPHO_WAD,
  ORACLE_PRICE_SCALE,
  mulDivDown,
  mulDivUp,
  wDivDown,
  wDivUp,
  wMulDown,
  wTaylorCompounded,
  zeroFloorSub,
} from "./morpho/mathLib.js";
export {
  VIRTUAL_ASSETS,
  VIRTUAL_SHARES,
  toAssetsDown,
  toAssetsUp,
  toSharesDown,
  toSharesUp,
} from "./morpho/sharesMath.js";
export { accrueMorphoInterest, type MorphoAccrual } from "./morpho/interest.js";
export { morphoIsHealthy, morphoPositionHealth, type MorphoHealth, type MorphoHealthParams } from "./morpho/health.js";
export {
  morphoLiquidationFromSeized,
  morphoLiquidationFromShares,
  morphoLiquidationIncentiveFactor,
  morphoMaxLiquidation,
  type MorphoLiquidationAmounts,
  type MorphoLiquidationContext,
  type MorphoMaxLiquidation,
} from "./morpho/liquidation.js";

export {
  V2_FEE_DENOMINATOR,
  V2_FEE_NUMERATOR,
  v2GetAmountIn,
  v2GetAmountOut,
  v2MinAmountIn,
  v2ReservesAfterSwap,
  v2SpotPrice,
  v2SwapSatisfiesK,
  type V2DirectedReserves,
  type V2Reserves,
} from "./uniswapV2/amounts.js";
export {
  v2ArbitrageProfit,
  v2InputToReachPrice,
  v2MaxProfitTrade,
  v2RebalanceToReference,
  v2SkewBps,
  type V2RebalanceTrade,
} from "./uniswapV2/rebalance.js";

export type { V3PoolState, V3Tick } from "./uniswapV3/types.js";
export {
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
} from "./uniswapV3/tickMath.js";
export {
  Q96,
  getAmount0Delta,
  getAmount1Delta,
  getNextSqrtPriceFromAmount0RoundingUp,
  getNextSqrtPriceFromAmount1RoundingDown,
  getNextSqrtPriceFromInput,
  getNextSqrtPriceFromOutput,
} from "./uniswapV3/sqrtPriceMath.js";
export { computeSwapStep, type SwapStep } from "./uniswapV3/swapMath.js";
export { nextInitializedTickWithinOneWord, type NextTick } from "./uniswapV3/tickBitmap.js";
export {
  addDelta,
  simulateV3Swap,
  v3InputToReachPrice,
  type V3SwapParams,
  type V3SwapResult,
} from "./uniswapV3/simulate.js";
export { priceFromSqrtPriceX96, sqrtPriceX96FromPrice, v3SkewBps } from "./uniswapV3/price.js";
export {
  v3MaxProfitTrade,
  v3RebalanceToReference,
  v3SwapProfitAtReference,
  type V3RebalanceTrade,
} from "./uniswapV3/rebalance.js";

export type {
  AaveLiquidationOpportunity,
  FundingCost,
  MorphoLiquidationOpportunity,
  Opportunity,
  OpportunityKind,
  OpportunityProtocol,
  TokenAmount,
  V2RebalanceOpportunity,
  V3RebalanceOpportunity,
} from "./opportunity.js";
export {
  USD_DECIMALS,
  formatUsd,
  gasCostUsd,
  gasCostWei,
  l1FeeUsd,
  netProfit,
  tokenAmountToUsd,
  type GasMarket,
  type NetProfit,
} from "./profit.js";
export { fjordL1Cost, opStackL1FeeUpperBound, type OpStackL1FeeParams } from "./l1Fee.js";
export {
  rankOpportunities,
  type RankOptions,
  type RankResult,
  type RankedOpportunity,
  type SkippedOpportunity,
} from "./rank.js";
