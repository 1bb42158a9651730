// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperUniswapV2Callee
/// @notice Flash-swap callback of a Uniswap V2 pair.
interface IKeeperUniswapV2Callee {
    /// @notice Called by the pair inside `swap` after it sent the outputs; the pair must be paid before returning.
    /// @param sender The account that called `swap` on the pair.
    /// @param amount0 token0 sent out.
    /// @param amount1 token1 sent out.
    /// @param data The bytes given to `swap`, passed through unchanged.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}
