// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SettableAggregator
/// @notice Chainlink AggregatorV3-style price feed whose answer a test can set. Test-only.
contract SettableAggregator {
    uint8 public immutable decimals;
    string public description;
    int256 private _answer;
    uint80 private _roundId;
    uint256 private _updatedAt;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    constructor(uint8 decimals_, string memory description_, int256 answer_) {
        decimals = decimals_;
        description = description_;
        _set(answer_);
    }

    function setAnswer(int256 answer_) external {
        _set(answer_);
    }

    /// @dev Aave's AaveOracle reads this (the legacy Chainlink interface).
    function latestAnswer() external view returns (int256) {
        return _answer;
    }

    function latestTimestamp() external view returns (uint256) {
        return _updatedAt;
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return (_roundId, _answer, _updatedAt, _updatedAt, _roundId);
    }

    function _set(int256 answer_) private {
        _answer = answer_;
        _roundId += 1;
        _updatedAt = block.timestamp;
        emit AnswerUpdated(answer_, _roundId, block.timestamp);
    }
}
