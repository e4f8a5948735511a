// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm, VM} from "./Vm.sol";

/// @notice Assertions and helpers of the project's tests (a failed check reverts with a message
/// naming the values, which is how forge reports a failure).
abstract contract TestBase {
    Vm internal constant vm = VM;

    function assertTrue(bool ok, string memory what) internal pure {
        require(ok, what);
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(address a, address b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(bytes32 a, bytes32 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertLe(uint256 a, uint256 b, string memory what) internal pure {
        if (a > b) revert(string.concat(what, ": ", vm.toString(a), " > ", vm.toString(b)));
    }

    /// @dev `x` mapped into [lo, hi] (uniform enough for fuzzing).
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        require(lo <= hi, "bound: lo > hi");
        if (lo == 0 && hi == type(uint256).max) return x;
        return lo + x % (hi - lo + 1);
    }
}
