// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TestUSDT
/// @notice Test token shaped like Tether's USDT on Ethereum: `transfer`, `transferFrom` and `approve` return NOTHING
///         (callers that decode a bool revert), and `approve` refuses to change a nonzero allowance to another nonzero
///         one (it must be set to 0 first). An allowance of 2^256-1 is never spent, as USDT does. Free minting.
///         Test-only: never deploy to a live chain.
contract TestUSDT {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error InsufficientBalance();
    error InsufficientAllowance();
    error NonzeroToNonzeroApproval();

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 value) external {
        _move(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) external {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance();
            allowance[from][msg.sender] = allowed - value;
        }
        _move(from, to, value);
    }

    function approve(address spender, uint256 value) external {
        // USDT: "To change the approve amount you first have to reduce the addresses' allowance to zero".
        if (value != 0 && allowance[msg.sender][spender] != 0) revert NonzeroToNonzeroApproval();
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    function _move(address from, address to, uint256 value) private {
        uint256 held = balanceOf[from];
        if (held < value) revert InsufficientBalance();
        balanceOf[from] = held - value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
