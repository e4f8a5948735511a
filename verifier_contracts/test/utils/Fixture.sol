// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./TestBase.sol";
import {CollateralVault} from "../../src/CollateralVault.sol";
import {TestToken} from "../../src/TestToken.sol";

/// @notice Deploys the Poseidon contracts from poseidon/poseidon.json and a vault with a
/// committee of 3 known keys (threshold 2); signs committee messages.
abstract contract Fixture is TestBase {
    uint64 internal constant DEST = 42161;
    uint64 internal constant GRACE = 3 days;
    address internal constant RECIPIENT = address(0xBEEF);

    uint256[3] internal memberKeys = [uint256(0xA11CE), 0xB0B, 0xCA401];
    address[] internal committee;
    address[4] internal hashers;
    CollateralVault internal vault;
    TestToken internal token;

    function deployPoseidon() internal returns (address[4] memory out) {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/poseidon/poseidon.json"));
        out[0] = _create(vm.parseJsonBytes(json, ".poseidon2"));
        bytes[] memory segs = vm.parseJsonBytesArray(json, ".poseidon6");
        require(segs.length == 3, "poseidon6 has 3 segments");
        for (uint256 i = 0; i < 3; ++i) {
            out[i + 1] = _create(segs[i]);
        }
    }

    function _create(bytes memory code) internal returns (address a) {
        assembly {
            a := create(0, add(code, 0x20), mload(code))
        }
        require(a != address(0) && a.code.length > 0, "create failed");
    }

    function setUpVault(uint8 depth) internal {
        vm.warp(1_700_000_000);
        hashers = deployPoseidon();
        token = new TestToken("Collateral", "COL", 18);
        for (uint256 i = 0; i < 3; ++i) {
            committee.push(vm.addr(memberKeys[i]));
        }
        address[] memory toks = new address[](1);
        toks[0] = address(token);
        uint64[] memory dests = new uint64[](1);
        dests[0] = DEST;
        address[] memory recips = new address[](1);
        recips[0] = RECIPIENT;
        vault = new CollateralVault(depth, GRACE, hashers, toks, dests, recips, committee, 2);
    }

    /// @dev Signatures by the given member keys of `structHash` in `domainSeparator`'s domain.
    function signBy(bytes32 domainSeparator, bytes32 structHash, uint256[] memory keys)
        internal
        pure
        returns (bytes memory sigs)
    {
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
        for (uint256 i = 0; i < keys.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs = abi.encodePacked(sigs, r, s, v);
        }
    }

    function keys2() internal view returns (uint256[] memory k) {
        k = new uint256[](2);
        k[0] = memberKeys[0];
        k[1] = memberKeys[2];
    }

    function mintAndLock(address who, uint128 amount, uint64 expiry) internal returns (uint64 id) {
        token.mint(who, amount);
        vm.startPrank(who);
        token.approve(address(vault), amount);
        id = vault.lock(address(token), amount, who, DEST, expiry);
        vm.stopPrank();
    }
}
