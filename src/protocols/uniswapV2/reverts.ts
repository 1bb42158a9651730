import type { RevertTable } from "../revertTable.js";

/** Uniswap V2 pairs revert with "UniswapV2: X" and their SafeMath with "ds-math-...". */
export const uniswapV2Reverts: RevertTable = {
  source: "uniswapV2",
  name(reason) {
    if (reason.startsWith("UniswapV2: "))
      return { errorName: reason.slice("UniswapV2: ".length), description: `Uniswap V2 pair: ${reason}` };
    if (reason.startsWith("ds-math-")) return { errorName: reason, description: "Uniswap V2 SafeMath" };
    return undefined;
  },
};
