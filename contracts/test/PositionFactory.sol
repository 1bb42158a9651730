// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

interface IMintable {
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external returns (bool);
}

interface IAavePoolLike {
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external;
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
contract Borrower {
    error AlreadyOpened();

    bool private opened;

    function openAave(address pool, address collateral, uint256 collateralAmount, address debt, uint256 debtAmount)
        external
    {
        if (opened) revert AlreadyOpened();
        opened = true;
        IMintable(collateral).mint(address(this), collateralAmount);
        IMintable(collateral).approve(pool, collateralAmount);
        IAavePoolLike(pool).supply(collateral, collateralAmount, address(this), 0);
        if (debtAmount > 0) IAavePoolLike(pool).borrow(debt, debtAmount, 2, 0, address(this));
    }

    function openMorpho(address morpho, MorphoMarket calldata market, uint256 collateralAmount, uint256 debtAmount)
        external
    {
        if (opened) revert AlreadyOpened();
        opened = true;
        IMintable(market.collateralToken).mint(address(this), collateralAmount);
        IMintable(market.collateralToken).approve(morpho, collateralAmount);
        IMorphoLike(morpho).supplyCollateral(market, collateralAmount, address(this), "");
        if (debtAmount > 0) IMorphoLike(morpho).borrow(market, debtAmount, 0, address(this), address(this));
    }
}

/// @title PositionFactory
/// @notice Test-only bulk creation of real borrowers: each entry becomes a fresh Borrower clone with its own
///         position in the real protocol, so thousands of positions cost tens of transactions, not thousands.
contract PositionFactory {
    struct AavePosition {
        address collateral;
        uint256 collateralAmount;
        address debt;
        uint256 debtAmount;
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
            Borrower(b).openAave(pool, p.collateral, p.collateralAmount, p.debt, p.debtAmount);
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
