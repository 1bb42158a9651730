/**
 * Routing across venues and impact-aware liquidation sizing: pure, exact to the wei against each pool's own
 * math (UniswapV2Library, the V3 swap loop) and each lender's liquidation rounding.
 */
export { RouteError } from "./errors.js";
export {
  applyExactIn,
  otherToken,
  quoteExactIn,
  sameAddress,
  v3TickWindow,
  type IncompleteReason,
  type V2Venue,
  type V3Venue,
  type Venue,
  type VenueQuote,
} from "./venue.js";
export {
  applyPath,
  bookVenue,
  findPaths,
  quotePath,
  venueBook,
  type Hop,
  type Path,
  type PathQuote,
  type VenueBook,
} from "./paths.js";
export { bestRoute, DEFAULT_ROUTE_SLICES, quoteLegs, type Route, type RouteLeg, type RouteOptions } from "./split.js";
export { maximiseConcave, type MaximiseResult } from "./maximise.js";
export { AAVE_DEFAULT_FLASHLOAN_PREMIUM_BPS, flashFee, type FundingCost } from "./funding.js";
export {
  sizeAaveLiquidation,
  sizeMorphoLiquidation,
  type AaveSizing,
  type AaveSizingParams,
  type MorphoSizing,
  type MorphoSizingParams,
  type SizingCommon,
  type SizingOutcome,
} from "./size.js";
