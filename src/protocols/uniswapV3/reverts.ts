import type { RevertTable } from "../revertTable.js";

/** Uniswap V3 pool reasons (short codes), by reason string. */
export const UNISWAP_V3_ERRORS: Readonly<Record<string, string>> = {
  LOK: "pool locked (reentrancy)",
  AS: "amountSpecified is zero",
  SPL: "sqrtPriceLimitX96 on the wrong side of the price or out of range",
  IIA: "insufficient input amount paid in the swap callback",
  M0: "token0 balance did not increase in the callback",
  M1: "token1 balance did not increase in the callback",
  TF: "token transfer failed",
  L: "liquidity underflow",
  LS: "liquidity subtraction underflow",
  LA: "liquidity addition overflow",
};

/** Uniswap V3 pools revert with short codes. */
export const uniswapV3Reverts: RevertTable = {
  source: "uniswapV3",
  name(reason) {
    const known = UNISWAP_V3_ERRORS[reason];
    return known ? { errorName: reason, description: `Uniswap V3 pool: ${known}` } : undefined;
  },
};
