// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperUniswapV3SwapCallback
/// @notice Swap callback of a Uniswap V3 pool.
interface IKeeperUniswapV3SwapCallback {
    /// @notice Called by the pool inside `swap`, after it sent the output; the positive delta must be paid to it.
    /// @param amount0Delta token0 the pool sent (negative) or must receive (positive).
    /// @param amount1Delta token1 the pool sent (negative) or must receive (positive).
    /// @param data The bytes given to `swap`, passed through unchanged.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}
