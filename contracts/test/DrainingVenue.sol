// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {KeeperMarketParams} from "../interfaces/IKeeperMorpho.sol";
import {IKeeperMorphoLiquidateCallback, IKeeperMorphoFlashLoanCallback} from "../interfaces/IKeeperMorphoCallbacks.sol";
import {IKeeperAaveFlashLoanSimpleReceiver} from "../interfaces/IKeeperAaveFlashLoan.sol";

/// @title DrainingVenue
/// @notice TEST ONLY. An attacker contract a stolen keeper key would point the executor at: it poses as a Uniswap V2
///         pair (reports the tokens and reserves it is given, keeps whatever input it receives and pays out its own
///         worthless token), as Morpho Blue (calls back without lending and never pulls the approved repayment),
///         and as an Aave pool (liquidationCall does nothing; flashLoanSimple calls back without lending). `drain`
///         then spends any allowance the executor left it.
contract DrainingVenue {
    /// @notice The tokens it reports, sorted as a pair stores them.
    address public token0;
    address public token1;
    uint112 private _reserve0;
    uint112 private _reserve1;

    /// @param tokenA One token it claims to trade.
    /// @param tokenB The other.
    /// @param reserveA Reserve reported for `tokenA`.
    /// @param reserveB Reserve reported for `tokenB`.
    constructor(address tokenA, address tokenB, uint112 reserveA, uint112 reserveB) {
        (token0, token1, _reserve0, _reserve1) =
            tokenA < tokenB ? (tokenA, tokenB, reserveA, reserveB) : (tokenB, tokenA, reserveB, reserveA);
    }

    /// @notice Uniswap V2 pair's getReserves: the fixed figures given at construction.
    function getReserves() external view returns (uint112, uint112, uint32) {
        return (_reserve0, _reserve1, uint32(block.timestamp));
    }

    /// @notice Uniswap V2 pair's swap: pays the asked outputs from its own balance, checks nothing.
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata) external {
        if (amount0Out != 0) IERC20(token0).transfer(to, amount0Out);
        if (amount1Out != 0) IERC20(token1).transfer(to, amount1Out);
    }

    /// @notice Morpho's flashLoan: calls back without lending anything and never pulls the repayment.
    function flashLoan(address, uint256 assets, bytes calldata data) external {
        IKeeperMorphoFlashLoanCallback(msg.sender).onMorphoFlashLoan(assets, data);
    }

    /// @notice Morpho's liquidate: claims `seizedAssets` were repaid-for and calls back; nothing is seized or pulled.
    function liquidate(KeeperMarketParams memory, address, uint256 seizedAssets, uint256, bytes memory data)
        external
        returns (uint256, uint256)
    {
        IKeeperMorphoLiquidateCallback(msg.sender).onMorphoLiquidate(seizedAssets, data);
        return (0, seizedAssets);
    }

    /// @notice Aave's flashLoanSimple: calls back as if it had lent `amount`, lends nothing, pulls nothing.
    function flashLoanSimple(address receiver, address asset, uint256 amount, bytes calldata params, uint16)
        external
    {
        IKeeperAaveFlashLoanSimpleReceiver(receiver).executeOperation(asset, amount, 0, receiver, params);
    }

    /// @notice Aave's liquidationCall: does nothing, so nothing is repaid or seized.
    function liquidationCall(address, address, address, uint256, bool) external {}

    /// @notice Takes whatever `victim` approved this contract for, up to its balance, and sends it to `to`.
    /// @return taken Amount moved.
    function drain(address token, address victim, address to) external returns (uint256 taken) {
        uint256 allowed = IERC20(token).allowance(victim, address(this));
        uint256 held = IERC20(token).balanceOf(victim);
        taken = allowed < held ? allowed : held;
        if (taken != 0) IERC20(token).transferFrom(victim, to, taken);
    }
}
