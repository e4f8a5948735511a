// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PortfolioPublic} from "../../src/CollateralCredit.sol";

/// @notice TEST ONLY: stands in for the Portfolio statement's verifier until it exists. It accepts
/// exactly the (proof, public values) pairs the test registered with `issue`, as a table, so the
/// credit contract's own rules can be tested apart from Groth16. Never deploy it.
contract TablePortfolioVerifier {
    mapping(bytes32 => bool) public issued;

    function issue(uint256[2] calldata pA, PortfolioPublic calldata pub) external {
        issued[keccak256(abi.encode(pA, pub))] = true;
    }

    function verifyPortfolio(
        uint256[2] calldata pA,
        uint256[2][2] calldata,
        uint256[2] calldata,
        PortfolioPublic calldata pub
    ) external view returns (bool) {
        return issued[keccak256(abi.encode(pA, pub))];
    }
}

/// @notice TEST ONLY: the CollateralLock twin of TablePortfolioVerifier (the real verifier runs in
/// CollateralCreditTest against the test vectors). Never deploy it.
contract TableLockVerifier {
    mapping(bytes32 => bool) public issued;

    function issue(uint256[2] calldata pA, uint256[7] calldata pub) external {
        issued[keccak256(abi.encode(pA, pub))] = true;
    }

    function verifyProof(uint256[2] calldata pA, uint256[2][2] calldata, uint256[2] calldata, uint256[7] calldata pub)
        external
        view
        returns (bool)
    {
        return issued[keccak256(abi.encode(pA, pub))];
    }
}
