// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PortfolioPublic, IPortfolioVerifier} from "./CollateralCredit.sol";

/// @notice The generated verifier of Portfolio(D, 32, 4) (src/PortfolioVerifier.sol): public values
/// by name, typed, in fixed-size arrays.
interface IPortfolioVerifier32x4 {
    function verifyPortfolio(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256 root,
        uint64 destChainId,
        address owner,
        uint64 minExpiry,
        uint64[32] calldata lockIds,
        address[4] calldata assetIds,
        uint128[4] calldata thresholds
    ) external view returns (bool);
}

/// @title PortfolioVerifierAdapter
/// @notice CollateralCredit's IPortfolioVerifier over the generated Portfolio(D, 32, 4) verifier:
/// the used slots' lockIds are followed by empty slots (0) up to 32, the assets and thresholds by
/// padding (0, 0) up to 4, as the statement reads them (docs/protocol.md s.4.4). A value out of
/// its type's range, more than 32 locks or more than 4 assets: not this statement's, false.
contract PortfolioVerifierAdapter is IPortfolioVerifier {
    IPortfolioVerifier32x4 public immutable verifier;

    constructor(IPortfolioVerifier32x4 verifier_) {
        verifier = verifier_;
    }

    /// @inheritdoc IPortfolioVerifier
    function verifyPortfolio(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        PortfolioPublic calldata pub
    ) external view returns (bool) {
        (bool ok, uint64[32] memory lockIds, address[4] memory assetIds, uint128[4] memory thresholds) = _typed(pub);
        if (!ok) return false;
        return verifier.verifyPortfolio(
            pA,
            pB,
            pC,
            pub.root,
            uint64(pub.destChainId),
            address(uint160(pub.owner)),
            uint64(pub.minExpiry),
            lockIds,
            assetIds,
            thresholds
        );
    }

    /// @dev The values in the generated verifier's types and sizes; ok false when one does not fit.
    function _typed(PortfolioPublic calldata pub)
        private
        pure
        returns (bool ok, uint64[32] memory ids, address[4] memory assets, uint128[4] memory mins)
    {
        uint256 k = pub.lockIds.length;
        uint256 m = pub.assets.length;
        if (k == 0 || k > 32 || m == 0 || m > 4 || pub.thresholds.length != m) return (false, ids, assets, mins);
        if (pub.destChainId >> 64 != 0 || pub.owner >> 160 != 0 || pub.minExpiry >> 64 != 0) {
            return (false, ids, assets, mins);
        }
        for (uint256 i = 0; i < k; ++i) {
            if (pub.lockIds[i] >> 64 != 0) return (false, ids, assets, mins);
            ids[i] = uint64(pub.lockIds[i]);
        }
        for (uint256 j = 0; j < m; ++j) {
            if (pub.assets[j] >> 160 != 0 || pub.thresholds[j] >> 128 != 0) return (false, ids, assets, mins);
            assets[j] = address(uint160(pub.assets[j]));
            mins[j] = uint128(pub.thresholds[j]);
        }
        ok = true;
    }
}
