// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperUniswapV3FlashPool
/// @notice The flash slice of a Uniswap V3 pool (signature from @uniswap/v3-core 1.0.1).
interface IKeeperUniswapV3FlashPool {
    /// @notice Sends `amount0`/`amount1` to `recipient`, calls `uniswapV3FlashCallback` on the caller, then requires
    ///         its balances to have grown by the fees (`amount * fee / 1e6`, rounded up). The pool stays locked for
    ///         the whole call, so it cannot be swapped on inside the callback.
    /// @param recipient Receiver of the loan.
    /// @param amount0 token0 lent.
    /// @param amount1 token1 lent.
    /// @param data Passed through to the callback.
    function flash(address recipient, uint256 amount0, uint256 amount1, bytes calldata data) external;
}

/// @title IKeeperUniswapV3FlashCallback
/// @notice Flash callback of a Uniswap V3 pool.
interface IKeeperUniswapV3FlashCallback {
    /// @notice Called by the pool inside `flash`; the loan plus the fees must be transferred back before returning.
    /// @param fee0 token0 fee owed on top of `amount0`.
    /// @param fee1 token1 fee owed on top of `amount1`.
    /// @param data The bytes given to `flash`.
    function uniswapV3FlashCallback(uint256 fee0, uint256 fee1, bytes calldata data) external;
}
