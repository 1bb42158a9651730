// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperMorphoLiquidateCallback
/// @notice Callback Morpho Blue makes during `liquidate` when `data` is non-empty.
interface IKeeperMorphoLiquidateCallback {
    /// @notice Called after the seized collateral was sent and before the repayment is pulled.
    /// @param repaidAssets Loan assets Morpho will pull from the liquidator on return.
    /// @param data The bytes given to `liquidate`.
    function onMorphoLiquidate(uint256 repaidAssets, bytes calldata data) external;
}

/// @title IKeeperMorphoFlashLoanCallback
/// @notice Callback Morpho Blue makes during `flashLoan`.
interface IKeeperMorphoFlashLoanCallback {
    /// @notice Called after `assets` were sent; Morpho pulls the same amount back on return.
    /// @param assets Amount lent.
    /// @param data The bytes given to `flashLoan`.
    function onMorphoFlashLoan(uint256 assets, bytes calldata data) external;
}
