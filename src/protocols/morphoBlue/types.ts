import type { Address } from "viem";

/** Morpho Blue's MarketParams, in the protocol's field order. */
export interface MorphoMarketParams {
  loanToken: Address;
  collateralToken: Address;
  oracle: Address;
  irm: Address;
  lltv: bigint;
}
