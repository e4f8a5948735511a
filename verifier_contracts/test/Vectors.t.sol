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
}
