// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/TestBase.sol";
import {CollateralLockVerifier} from "../src/CollateralLockVerifier.sol";

/// @notice The auditors' vectors (test-vectors/index.json) against the generated verifier:
/// every "accept" vector verifies, every "reject" one does not. Point VERIFIER at a deployed
/// verifier (env ZKCOLLAT_VERIFIER, with a fork) to check that one instead.
contract VectorsTest is TestBase {
    CollateralLockVerifier internal verifier;

    function setUp() public {
        address deployed = vm.envOr("ZKCOLLAT_VERIFIER", address(0));
        verifier = deployed == address(0) ? new CollateralLockVerifier() : CollateralLockVerifier(deployed);
    }

    function test_everyVector() public view {
        string memory dir = string.concat(vm.projectRoot(), "/test-vectors/");
        string memory index = vm.readFile(string.concat(dir, "index.json"));
        uint256 n = 0;
        while (vm.keyExistsJson(index, string.concat(".vectors[", vm.toString(n), "]"))) {
            ++n;
        }
        require(n >= 9, "index lists the vectors");
        string[] memory files = new string[](n);
        string[] memory verdicts = new string[](n);
        for (uint256 i = 0; i < n; ++i) {
            files[i] = vm.parseJsonString(index, string.concat(".vectors[", vm.toString(i), "].file"));
            verdicts[i] = vm.parseJsonString(index, string.concat(".vectors[", vm.toString(i), "].verdict"));
        }
        uint256 accepted;
        for (uint256 i = 0; i < n; ++i) {
            string memory json = vm.readFile(string.concat(dir, files[i]));
            require(
                keccak256(bytes(vm.parseJsonString(json, ".expected.verdict"))) == keccak256(bytes(verdicts[i])),
                string.concat(files[i], ": verdict differs from index.json")
            );
            // "unprovable" vectors are statements no proof exists for: nothing to verify.
            if (keccak256(bytes(verdicts[i])) == keccak256("unprovable")) continue;
            bool want = keccak256(bytes(verdicts[i])) == keccak256("accept");
            require(want || keccak256(bytes(verdicts[i])) == keccak256("reject"), "verdict");
            // The exact calldata of the vector (selector, proof, public inputs, even >= r).
            (bool ok, bytes memory ret) =
                address(verifier).staticcall(vm.parseJsonBytes(json, ".calldata.verifyProof"));
            bool got = ok && ret.length == 32 && abi.decode(ret, (bool));
            require(got == want, string.concat(files[i], want ? ": rejected a valid vector" : ": accepted an invalid vector"));
            if (got) ++accepted;
        }
        require(accepted >= 3, "at least three valid vectors");
    }

    /// The named entry point agrees with verifyProof on the valid vector and on a changed input.
    function test_namedEntryPoint() public view {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/test-vectors/valid_lock.json"));
        uint256[] memory x = vm.parseJsonUintArray(json, ".calldata.verifyProofArgs[0]");
        uint256[2] memory a = [x[0], x[1]];
        x = vm.parseJsonUintArray(json, ".calldata.verifyProofArgs[1][0]");
        uint256[] memory y = vm.parseJsonUintArray(json, ".calldata.verifyProofArgs[1][1]");
        uint256[2][2] memory b = [[x[0], x[1]], [y[0], y[1]]];
        x = vm.parseJsonUintArray(json, ".calldata.verifyProofArgs[2]");
        uint256[2] memory c = [x[0], x[1]];
        uint256[] memory p = vm.parseJsonUintArray(json, ".publicSignals");
        uint256[7] memory pub = verifier.publicSignals(
            p[0], uint64(p[1]), address(uint160(p[2])), address(uint160(p[3])), uint64(p[4]), uint128(p[5]), uint64(p[6])
        );
        for (uint256 i = 0; i < 7; ++i) {
            assertEq(pub[i], p[i], "publicSignals order");
        }
        assertTrue(verifier.verifyProof(a, b, c, pub), "verifyProof");
        assertTrue(
            verifier.verifyCollateralLock(
                a, b, c, p[0], uint64(p[1]), address(uint160(p[2])), address(uint160(p[3])), uint64(p[4]), uint128(p[5]), uint64(p[6])
            ),
            "verifyCollateralLock"
        );
        assertTrue(
            !verifier.verifyCollateralLock(
                a, b, c, p[0], uint64(p[1]), address(uint160(p[2])), address(uint160(p[3])), uint64(p[4]), uint128(p[5] - 1), uint64(p[6])
            ),
            "changed threshold rejected"
        );
    }
}
