// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IMintable {
    function mint(address to, uint256 amount) external;
}

interface IAavePoolLike {
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external;
    function setUserEMode(uint8 categoryId) external;
}

/// @notice One asset of a position and its raw amount.
struct AssetAmount {
    address asset;
    uint256 amount;
}

struct MorphoMarket {
    address loanToken;
    address collateralToken;
    address oracle;
    address irm;
    uint256 lltv;
}

interface IMorphoLike {
    function supplyCollateral(MorphoMarket memory marketParams, uint256 assets, address onBehalf, bytes memory data)
        external;
    function borrow(MorphoMarket memory marketParams, uint256 assets, uint256 shares, address onBehalf, address receiver)
        external
        returns (uint256, uint256);
}

/// @title Borrower
/// @notice A test borrower account: a minimal-proxy clone that opens one real position in Aave V3 or Morpho Blue.
/// @dev Approvals go through SafeERC20.forceApprove, so tokens that return nothing (USDT) work as collateral.
contract Borrower {
    using SafeERC20 for IERC20;

    error AlreadyOpened();

    bool private opened;

    /// @notice Supplies every collateral, enters `eModeCategory` (0 = none) and borrows every debt (variable rate).
    function openAave(address pool, uint8 eModeCategory, AssetAmount[] calldata collaterals, AssetAmount[] calldata debts)
        external
    {
        if (opened) revert AlreadyOpened();
        opened = true;
        for (uint256 i = 0; i < collaterals.length; i++) {
            (address asset, uint256 amount) = (collaterals[i].asset, collaterals[i].amount);
            IMintable(asset).mint(address(this), amount);
            IERC20(asset).forceApprove(pool, amount);
            IAavePoolLike(pool).supply(asset, amount, address(this), 0);
        }
        // The category is entered before borrowing: its higher LTV is what allows the borrow.
        if (eModeCategory != 0) IAavePoolLike(pool).setUserEMode(eModeCategory);
        for (uint256 i = 0; i < debts.length; i++) {
            if (debts[i].amount > 0) IAavePoolLike(pool).borrow(debts[i].asset, debts[i].amount, 2, 0, address(this));
        }
    }

    function openMorpho(address morpho, MorphoMarket calldata market, uint256 collateralAmount, uint256 debtAmount)
        external
    {
        if (opened) revert AlreadyOpened();
        opened = true;
        IMintable(market.collateralToken).mint(address(this), collateralAmount);
        IERC20(market.collateralToken).forceApprove(morpho, collateralAmount);
        IMorphoLike(morpho).supplyCollateral(market, collateralAmount, address(this), "");
        if (debtAmount > 0) IMorphoLike(morpho).borrow(market, debtAmount, 0, address(this), address(this));
    }
}

/// @title PositionFactory
/// @notice Test-only bulk creation of real borrowers: each entry becomes a fresh Borrower clone with its own
///         position in the real protocol, so thousands of positions cost tens of transactions, not thousands.
contract PositionFactory {
    /// @notice An Aave position: the eMode category to enter (0 = none), the collaterals and the debts.
    struct AavePosition {
        uint8 eModeCategory;
        AssetAmount[] collaterals;
        AssetAmount[] debts;
    }

    struct MorphoPosition {
        uint256 collateralAmount;
        uint256 debtAmount;
    }

    address public immutable implementation;

    event BorrowerOpened(address indexed borrower, address indexed protocol);

    constructor() {
        implementation = address(new Borrower());
    }

    function openAave(address pool, AavePosition[] calldata positions) external returns (address[] memory borrowers) {
        borrowers = new address[](positions.length);
        for (uint256 i = 0; i < positions.length; i++) {
            address b = Clones.clone(implementation);
            AavePosition calldata p = positions[i];
            Borrower(b).openAave(pool, p.eModeCategory, p.collaterals, p.debts);
            borrowers[i] = b;
            emit BorrowerOpened(b, pool);
        }
    }

    function openMorpho(address morpho, MorphoMarket calldata market, MorphoPosition[] calldata positions)
        external
        returns (address[] memory borrowers)
    {
        borrowers = new address[](positions.length);
        for (uint256 i = 0; i < positions.length; i++) {
            address b = Clones.clone(implementation);
            Borrower(b).openMorpho(morpho, market, positions[i].collateralAmount, positions[i].debtAmount);
            borrowers[i] = b;
            emit BorrowerOpened(b, morpho);
        }
    }
}
