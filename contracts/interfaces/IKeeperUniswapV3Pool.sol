// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperUniswapV3Pool
/// @notice The slice of a Uniswap V3 pool the executor calls (signatures from @uniswap/v3-core 1.0.1).
interface IKeeperUniswapV3Pool {
    /// @notice The lower-address token of the pool.
    function token0() external view returns (address);

    /// @notice The higher-address token of the pool.
    function token1() external view returns (address);

    /// @notice The pool fee in hundredths of a bip (3000 = 0.3%).
    function fee() external view returns (uint24);

    /// @notice The current price and oracle state.
    /// @return sqrtPriceX96 sqrt(token1/token0) as a Q64.96.
    /// @return tick The current tick.
    /// @return observationIndex Index of the last oracle observation.
    /// @return observationCardinality Oracle observations stored.
    /// @return observationCardinalityNext Oracle observations to be stored next.
    /// @return feeProtocol Protocol fee setting.
    /// @return unlocked False while the pool is inside a swap/mint/burn/flash.
    function slot0()
        external
        view
        returns (
            uint160 sqrtPriceX96,
            int24 tick,
            uint16 observationIndex,
            uint16 observationCardinality,
            uint16 observationCardinalityNext,
            uint8 feeProtocol,
            bool unlocked
        );

    /// @notice Swaps, sending the output first and collecting the input in `uniswapV3SwapCallback`.
    /// @param recipient Receiver of the output.
    /// @param zeroForOne True to sell token0 for token1.
    /// @param amountSpecified Positive: exact input; negative: exact output.
    /// @param sqrtPriceLimitX96 The swap stops when the price reaches this value (exclusive bounds MIN/MAX_SQRT_RATIO).
    /// @param data Passed through to the callback.
    /// @return amount0 Pool's token0 balance delta (positive: the pool received).
    /// @return amount1 Pool's token1 balance delta.
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);
}
