// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The part of Uniswap V2's factory the executor uses to recognise genuine pairs.
interface IKeeperUniswapV2Factory {
    /// @notice The pair of `tokenA` and `tokenB` (either order), or address(0) when none was created.
    function getPair(address tokenA, address tokenB) external view returns (address pair);
}

/// @notice The part of Uniswap V3's factory the executor uses to recognise genuine pools.
interface IKeeperUniswapV3Factory {
    /// @notice The pool of `tokenA` and `tokenB` (either order) at fee tier `fee`, or address(0).
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
}
