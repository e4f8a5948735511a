// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestToken} from "../../src/TestToken.sol";

/// @dev Burns 1% of every transfer: the vault must refuse it.
contract FeeToken is TestToken("Fee", "FEE", 18) {
    function _move(address from, address to, uint256 amount) internal override {
        uint256 fee = amount / 100;
        super._move(from, to, amount);
        if (fee > 0) {
            balanceOf[to] -= fee;
            totalSupply -= fee;
        }
    }
}
