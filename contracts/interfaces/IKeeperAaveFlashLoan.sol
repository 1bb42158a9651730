// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperAaveFlashLoanPool
/// @notice The flash-loan slice of Aave V3's `IPool` the executor uses (signatures from @aave/core-v3 1.19).
interface IKeeperAaveFlashLoanPool {
    /// @notice Lends `amount` of `asset` to `receiverAddress`, calls its `executeOperation`, then pulls
    ///         `amount + premium` back with `transferFrom`.
    /// @dev Requires the reserve to be active, not paused and flash-loan enabled (Aave's string error codes otherwise).
    ///      The premium is `amount * FLASHLOAN_PREMIUM_TOTAL / 10000`, rounded half up (PercentageMath).
    /// @param receiverAddress Contract called back; it must have approved the repayment by the time it returns.
    /// @param asset Underlying asset lent.
    /// @param amount Amount lent.
    /// @param params Passed through to `executeOperation`.
    /// @param referralCode Aave referral code (0 for none).
    function flashLoanSimple(
        address receiverAddress,
        address asset,
        uint256 amount,
        bytes calldata params,
        uint16 referralCode
    ) external;

    /// @notice Flash-loan premium, in basis points of the amount lent.
    function FLASHLOAN_PREMIUM_TOTAL() external view returns (uint128);
}

/// @title IKeeperAaveFlashLoanSimpleReceiver
/// @notice Callback Aave V3 makes during `flashLoanSimple`.
interface IKeeperAaveFlashLoanSimpleReceiver {
    /// @notice Called after `amount` of `asset` was sent; Aave pulls `amount + premium` on return.
    /// @param asset Asset lent.
    /// @param amount Amount lent.
    /// @param premium Fee owed on top of `amount`.
    /// @param initiator The account that called `flashLoanSimple`.
    /// @param params The bytes given to `flashLoanSimple`.
    /// @return True to let Aave proceed to the repayment; anything else makes Aave revert.
    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool);
}
