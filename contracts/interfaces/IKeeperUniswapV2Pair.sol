// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperUniswapV2Pair
/// @notice The slice of a Uniswap V2 pair the executor calls (signatures from @uniswap/v2-core 1.0.1).
/// @dev token0 < token1 by address, which lets the executor orient reserves without calling token0().
interface IKeeperUniswapV2Pair {
    /// @notice The lower-address token of the pair.
    function token0() external view returns (address);

    /// @notice The higher-address token of the pair.
    function token1() external view returns (address);

    /// @notice Reserves as of the last sync. During a flash-swap callback they are still the pre-swap reserves,
    ///         because the pair updates them only after the callback returns.
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);

    /// @notice Sends the outputs to `to`, calls `uniswapV2Call` on `to` if `data` is non-empty, then requires the
    ///         fee-adjusted constant product to hold on the resulting balances.
    /// @param amount0Out Amount of token0 to send out.
    /// @param amount1Out Amount of token1 to send out.
    /// @param to Recipient of the outputs (and callback target).
    /// @param data Empty for a plain swap; non-empty makes it a flash swap.
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}
