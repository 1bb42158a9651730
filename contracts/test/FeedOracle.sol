// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface IAnswer {
    function latestAnswer() external view returns (int256);
    function decimals() external view returns (uint8);
}

/// @title FeedOracle
/// @notice Morpho Blue IOracle that follows two USD feeds, so that Morpho and Aave see the same prices.
/// @dev Morpho's price is "loan-token units per collateral-token unit", scaled by 1e36. Test-only.
contract FeedOracle {
    IAnswer public immutable collateralFeed;
    IAnswer public immutable loanFeed;
    uint256 public immutable scale;

    constructor(address collateralFeed_, address loanFeed_, uint8 collateralDecimals, uint8 loanDecimals) {
        collateralFeed = IAnswer(collateralFeed_);
        loanFeed = IAnswer(loanFeed_);
        // price = cUsd/lUsd * 10^(36 + loanDecimals - collateralDecimals), feed decimals cancel when equal.
        scale = 10 ** (36 + uint256(loanDecimals) + IAnswer(loanFeed_).decimals() - uint256(collateralDecimals)
            - IAnswer(collateralFeed_).decimals());
    }

    function price() external view returns (uint256) {
        return uint256(collateralFeed.latestAnswer()) * scale / uint256(loanFeed.latestAnswer());
    }
}
