import type { RevertTable } from "../revertTable.js";

/** Morpho Blue 1.0 ErrorsLib reasons the executor's Morpho calls can meet, by reason string. */
export const MORPHO_ERRORS: Readonly<Record<string, string>> = {
  "position is healthy": "HEALTHY_POSITION",
  "market not created": "MARKET_NOT_CREATED",
  "inconsistent input": "INCONSISTENT_INPUT",
  "zero assets": "ZERO_ASSETS",
  "zero address": "ZERO_ADDRESS",
  "insufficient collateral": "INSUFFICIENT_COLLATERAL",
  "insufficient liquidity": "INSUFFICIENT_LIQUIDITY",
  "transfer reverted": "TRANSFER_REVERTED",
  "transfer returned false": "TRANSFER_RETURNED_FALSE",
  "transferFrom reverted": "TRANSFER_FROM_REVERTED",
  "transferFrom returned false": "TRANSFER_FROM_RETURNED_FALSE",
  "max uint128 exceeded": "MAX_UINT128_EXCEEDED",
};

/** Morpho Blue reverts with ErrorsLib's message strings. */
export const morphoReverts: RevertTable = {
  source: "morpho",
  name(reason) {
    const known = MORPHO_ERRORS[reason];
    return known ? { errorName: known, description: `Morpho Blue: ${reason}` } : undefined;
  },
};
