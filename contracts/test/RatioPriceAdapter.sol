// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

interface IBaseAggregator {
    function latestAnswer() external view returns (int256);
    function decimals() external view returns (uint8);
}

/// @title RatioPriceAdapter
/// @notice Test-only price source shaped like Aave's CAPO adapters (PriceCapAdapterBase) for a liquid staking token:
///         USD price = base asset's USD feed x an exchange rate (e.g. wstETH = ETH/USD x stETH per wstETH). Like
///         them it answers ONLY `latestAnswer()` (no `latestRoundData`), which is what AaveOracle calls, and exposes
///         `BASE_TO_USD_AGGREGATOR()` and `getRatio()`. Unlike them the rate is settable (a test shock) and uncapped.
contract RatioPriceAdapter {
    IBaseAggregator public immutable BASE_TO_USD_AGGREGATOR;
    uint8 public immutable RATIO_DECIMALS;
    uint8 public immutable decimals;
    string public description;
    int256 private _ratio;

    event RatioUpdated(int256 ratio, uint256 updatedAt);

    error NonPositiveRatio(int256 ratio);

    constructor(address baseToUsd, uint8 ratioDecimals, int256 ratio_, string memory description_) {
        BASE_TO_USD_AGGREGATOR = IBaseAggregator(baseToUsd);
        RATIO_DECIMALS = ratioDecimals;
        decimals = IBaseAggregator(baseToUsd).decimals();
        description = description_;
        setRatio(ratio_);
    }

    /// @notice Test shock: the exchange rate (RATIO_DECIMALS decimals), e.g. a slashing or a depeg.
    function setRatio(int256 ratio_) public {
        if (ratio_ <= 0) revert NonPositiveRatio(ratio_);
        _ratio = ratio_;
        emit RatioUpdated(ratio_, block.timestamp);
    }

    function getRatio() external view returns (int256) {
        return _ratio;
    }

    /// @notice Base USD price x ratio, in the base feed's decimals. A non-positive base answer is passed through as 0.
    function latestAnswer() external view returns (int256) {
        int256 base = BASE_TO_USD_AGGREGATOR.latestAnswer();
        if (base <= 0) return 0;
        return (base * _ratio) / int256(10 ** uint256(RATIO_DECIMALS));
    }
}
