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

interface ILockable {
    function lock(address token, uint128 amount, address owner, uint64 destChainId, uint64 expiry)
        external
        returns (uint64);
}

/// @dev Calls back into the vault from inside transferFrom (a hook token) and records how the
/// nested call failed.
contract ReentrantToken is TestToken("Hook", "HOOK", 18) {
    address public target;
    bytes public lastError;

    function setTarget(address t) external {
        target = t;
    }

    function _move(address from, address to, uint256 amount) internal override {
        if (target != address(0) && to == target) {
            address t = target;
            target = address(0);
            try ILockable(t).lock(address(this), uint128(amount), from, 42161, 2_000_000_000) {}
            catch (bytes memory err) {
                lastError = err;
            }
        }
        super._move(from, to, amount);
    }
}
