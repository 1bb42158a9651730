import { parseAbi } from "viem";

/** The parts of a Uniswap V2 pair the keeper reads (UniswapV2Pair.sol). */
export const v2PairAbi = parseAbi([
  "function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)",
  "function token0() view returns (address)",
  "function token1() view returns (address)",
]);
