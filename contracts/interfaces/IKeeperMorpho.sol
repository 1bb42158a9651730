// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Morpho Blue's market key, in the protocol's field order; its id is keccak256(abi.encode(params)).
struct KeeperMarketParams {
    address loanToken;
    address collateralToken;
    address oracle;
    address irm;
    uint256 lltv;
}

/// @title IKeeperMorpho
/// @notice The slice of Morpho Blue the executor and the keeper use (signatures from @morpho-org/morpho-blue 1.0.0;
///         Morpho's `Id` type is a bytes32 on the ABI).
interface IKeeperMorpho {
    /// @notice Liquidates an unhealthy position: sends the seized collateral to the caller, calls
    ///         `onMorphoLiquidate` if `data` is non-empty, then pulls the repaid loan tokens with `transferFrom`.
    /// @dev Exactly one of `seizedAssets` and `repaidShares` must be zero.
    /// @return seized Collateral sent to the caller.
    /// @return repaid Loan assets pulled from the caller.
    function liquidate(
        KeeperMarketParams memory marketParams,
        address borrower,
        uint256 seizedAssets,
        uint256 repaidShares,
        bytes memory data
    ) external returns (uint256 seized, uint256 repaid);

    /// @notice Fee-free flash loan of any token Morpho holds: sends `assets`, calls `onMorphoFlashLoan`, then pulls
    ///         `assets` back with `transferFrom`.
    function flashLoan(address token, uint256 assets, bytes calldata data) external;

    /// @notice Market parameters registered under `id`.
    function idToMarketParams(bytes32 id)
        external
        view
        returns (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv);

    /// @notice `user`'s position on market `id`.
    function position(bytes32 id, address user)
        external
        view
        returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral);

    /// @notice Market totals of `id`; they exclude interest accrued since `lastUpdate`.
    function market(bytes32 id)
        external
        view
        returns (
            uint128 totalSupplyAssets,
            uint128 totalSupplyShares,
            uint128 totalBorrowAssets,
            uint128 totalBorrowShares,
            uint128 lastUpdate,
            uint128 fee
        );
}
