// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IKeeperERC20Minimal
/// @notice The slice of ERC-20 the executor calls.
/// @dev `transfer` and `approve` are declared for their selectors only: the executor sends them as low-level calls,
///      because some tokens (USDT-style) return no bool and a typed call would fail to decode their empty return.
interface IKeeperERC20Minimal {
    /// @notice Balance of `account`, in the token's smallest unit.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Moves `amount` from the caller to `to`.
    function transfer(address to, uint256 amount) external returns (bool);

    /// @notice Sets `spender`'s allowance over the caller's tokens to `amount`.
    function approve(address spender, uint256 amount) external returns (bool);

    /// @notice What `spender` may still pull from `owner`.
    function allowance(address owner, address spender) external view returns (uint256);
}
