// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface IMintableERC20 {
    function mint(address to, uint256 amount) external;
    function transfer(address to, uint256 amount) external returns (bool);
}

interface IV3PoolLike {
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
    function swap(address recipient, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96, bytes calldata data)
        external
        returns (int256 amount0, int256 amount1);
    function token0() external view returns (address);
    function token1() external view returns (address);
}

interface IV2PairLike {
    function getReserves() external view returns (uint112, uint112, uint32);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
    function mint(address to) external returns (uint256 liquidity);
    function token0() external view returns (address);
    function token1() external view returns (address);
}

/// @title PoolActor
/// @notice Test-only market participant: adds Uniswap V3 liquidity and makes swaps that move real pools.
///         It mints the test tokens it pays with, so it stands for "the rest of the market".
contract PoolActor {
    error UnexpectedCallback(address caller);

    address private transient expectedPool;

    /// @notice Adds V3 liquidity in [tickLower, tickUpper], paying from freshly minted test tokens.
    function mintV3(address pool, int24 tickLower, int24 tickUpper, uint128 liquidity, address recipient)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        expectedPool = pool;
        (amount0, amount1) = IV3PoolLike(pool).mint(recipient, tickLower, tickUpper, liquidity, "");
        expectedPool = address(0);
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        _pay(amount0Owed, amount1Owed);
    }

    /// @notice A V3 swap paid with minted tokens; output goes to `recipient`.
    function swapV3(address pool, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96, address recipient)
        external
        returns (int256 amount0, int256 amount1)
    {
        expectedPool = pool;
        (amount0, amount1) = IV3PoolLike(pool).swap(recipient, zeroForOne, amountSpecified, sqrtPriceLimitX96, "");
        expectedPool = address(0);
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        _pay(amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    /// @notice Adds V2 liquidity with minted tokens.
    function mintV2(address pair, uint256 amount0, uint256 amount1, address recipient) external returns (uint256) {
        IMintableERC20(IV2PairLike(pair).token0()).mint(pair, amount0);
        IMintableERC20(IV2PairLike(pair).token1()).mint(pair, amount1);
        return IV2PairLike(pair).mint(recipient);
    }

    /// @notice An exact-input V2 swap paid with minted tokens, output computed as UniswapV2Library does.
    function swapV2(address pair, bool zeroForOne, uint256 amountIn, address recipient) external returns (uint256 amountOut) {
        (uint112 r0, uint112 r1,) = IV2PairLike(pair).getReserves();
        (uint256 rIn, uint256 rOut) = zeroForOne ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
        uint256 inWithFee = amountIn * 997;
        amountOut = inWithFee * rOut / (rIn * 1000 + inWithFee);
        address tokenIn = zeroForOne ? IV2PairLike(pair).token0() : IV2PairLike(pair).token1();
        IMintableERC20(tokenIn).mint(pair, amountIn);
        if (zeroForOne) IV2PairLike(pair).swap(0, amountOut, recipient, "");
        else IV2PairLike(pair).swap(amountOut, 0, recipient, "");
    }

    function _pay(uint256 amount0, uint256 amount1) private {
        if (msg.sender != expectedPool) revert UnexpectedCallback(msg.sender);
        if (amount0 > 0) IMintableERC20(IV3PoolLike(msg.sender).token0()).mint(msg.sender, amount0);
        if (amount1 > 0) IMintableERC20(IV3PoolLike(msg.sender).token1()).mint(msg.sender, amount1);
    }
}
