// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/TestBase.sol";
import {PortfolioVerifier} from "../src/PortfolioVerifier.sol";

/// @notice The generated PortfolioVerifier (k = 32 slots, m = 4 assets) on the real proof of
/// test/fixtures/portfolio_20_32.json (tests/contracts/make_portfolio_fixture.py): 32 locks of
/// one owner in three assets, verified in one call for at most 400,000 gas per transaction.
contract PortfolioVerifierTest is TestBase {
    uint256 internal constant GAS_TARGET = 400_000;
    uint256 internal constant TX_BASE = 21_000;

    PortfolioVerifier internal verifier;
    bytes internal callPortfolio;
    bytes internal callProof;

    function setUp() public {
        verifier = new PortfolioVerifier();
        string memory json =
            vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/portfolio_20_32.json"));
        callPortfolio = vm.parseJsonBytes(json, ".calldata.verifyPortfolio");
        callProof = vm.parseJsonBytes(json, ".calldata.verifyProof");
    }

    /// @dev EIP-2028 calldata cost: 4 gas per zero byte, 16 per other byte.
    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i = 0; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    function _verify(bytes memory data) internal view returns (bool valid, uint256 gasUsed) {
        uint256 before = gasleft();
        (bool ok, bytes memory ret) = address(verifier).staticcall(data);
        gasUsed = before - gasleft();
        valid = ok && ret.length == 32 && abi.decode(ret, (bool));
    }

    function test_realProofVerifiesWithinTheGasTarget() public view {
        (bool valid, uint256 execution) = _verify(callPortfolio);
        require(valid, "the fixture's proof must verify");
        uint256 txGas = TX_BASE + _calldataGas(callPortfolio) + execution;
        require(txGas <= GAS_TARGET, string.concat("verifyPortfolio costs ", vm.toString(txGas)));
        // the same proof on the packed words through verifyProof
        (valid,) = _verify(callProof);
        require(valid, "verifyProof on the packed words");
    }

    function test_eachChangedValueIsRejected() public view {
        // selector (4) + proof (8 words), then root, destChainId, owner, minExpiry, lockIds[32],
        // assetIds[4], thresholds[4]: change the last byte of each value's word in turn
        uint256 values = 4 + 32 + 4 + 4;
        for (uint256 i = 0; i < values; ++i) {
            bytes memory data = callPortfolio;
            bytes memory changed = new bytes(data.length);
            for (uint256 j = 0; j < data.length; ++j) {
                changed[j] = data[j];
            }
            uint256 last = 4 + 32 * (8 + i) + 31;
            changed[last] = changed[last] ^ 0x01;
            (bool ok, bytes memory ret) = address(verifier).staticcall(changed);
            bool valid = ok && ret.length == 32 && abi.decode(ret, (bool));
            require(!valid, string.concat("changed value ", vm.toString(i), " accepted"));
        }
    }

    function test_unpackInvertsPublicSignals() public view {
        uint256[19] memory s;
        bytes memory data = callProof;
        for (uint256 i = 0; i < 19; ++i) {
            uint256 w;
            uint256 at = 4 + 32 * (8 + i);
            assembly {
                w := mload(add(add(data, 0x20), at))
            }
            s[i] = w;
        }
        (uint256 root,,, uint64 minExpiry, uint64[32] memory lockIds,,) = verifier.unpack(s);
        require(root == s[0] && minExpiry == 1_900_000_000, "root, minExpiry");
        for (uint256 i = 1; i < 32; ++i) {
            require(lockIds[i] > lockIds[i - 1], "lockIds increase");
        }
    }
}
