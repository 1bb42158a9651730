import { parseAbi, parseAbiItem } from "viem";

/** The parts of a Uniswap V2 pair the keeper reads (UniswapV2Pair.sol). */
export const v2PairAbi = parseAbi([
  "function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)",
  "function token0() view returns (address)",
  "function token1() view returns (address)",
]);

/** Every trade on a pair (UniswapV2Pair.sol): the order flow the watcher sums per block. */
export const v2SwapEvent = parseAbiItem(
  "event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to)",
);
