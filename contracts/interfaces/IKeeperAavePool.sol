// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperAavePool
/// @notice The slice of Aave V3's `IPool` the executor and the keeper use (signatures from @aave/core-v3 1.19).
interface IKeeperAavePool {
    /// @notice Repays up to `debtToCover` of `user`'s `debtAsset` debt and sends the caller the matching
    ///         `collateralAsset` plus the liquidation bonus.
    /// @dev Aave caps the repaid amount at the close factor (50% of the debt, 100% below HF 0.95) and at what the
    ///      user's collateral can pay for, then pulls only that amount with `transferFrom(msg.sender, ...)`.
    ///      Reverts with Aave's string error codes (e.g. "45": health factor not below threshold).
    /// @param collateralAsset The underlying asset seized.
    /// @param debtAsset The underlying borrowed asset repaid.
    /// @param user The borrower being liquidated.
    /// @param debtToCover Upper bound of debt to repay; `type(uint256).max` means "as much as allowed".
    /// @param receiveAToken True to receive aTokens instead of the underlying collateral.
    function liquidationCall(
        address collateralAsset,
        address debtAsset,
        address user,
        uint256 debtToCover,
        bool receiveAToken
    ) external;

    /// @notice Aggregated account figures of `user`, in the oracle's base currency (8 decimals on USD markets).
    /// @return totalCollateralBase Collateral value.
    /// @return totalDebtBase Debt value.
    /// @return availableBorrowsBase Borrowing power left.
    /// @return currentLiquidationThreshold Weighted liquidation threshold, in basis points.
    /// @return ltv Weighted loan-to-value, in basis points.
    /// @return healthFactor Health factor, WAD (1e18 = 1.0); liquidatable below 1e18.
    function getUserAccountData(address user)
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        );
}
