// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PortfolioPublic, IPortfolioVerifier} from "./CollateralCredit.sol";

/// @title PortfolioVerifierAdapter
/// @notice CollateralCredit's IPortfolioVerifier over a generated Portfolio(D, k, m) verifier
/// (src/PortfolioVerifier.sol is k = 32, m = 4; `zkcollat export solidity` writes any other):
/// the used slots' lockIds are followed by empty slots (0) up to k, the assets and thresholds by
/// padding (0, 0) up to m, as the statement reads them (docs/protocol.md s.4.4), and passed to the
/// verifier's `verifyPortfolio(pA, pB, pC, root, destChainId, owner, minExpiry, uint64[k],
/// address[m], uint128[m])`. A value out of its type's range, more than k locks or more than m
/// assets: not this statement's, false.
contract PortfolioVerifierAdapter is IPortfolioVerifier {
    /// @notice The generated verifier.
    address public immutable verifier;
    /// @notice Its lock slots (k) and listed assets (m).
    uint256 public immutable slots;
    uint256 public immutable assets;
    /// @notice The selector of its verifyPortfolio for (k, m).
    bytes4 public immutable selector;

    error BadShape(uint256 slots, uint256 assets);

    constructor(address verifier_, uint256 slots_, uint256 assets_) {
        if (slots_ == 0 || slots_ > 256 || assets_ == 0 || assets_ > 16) revert BadShape(slots_, assets_);
        verifier = verifier_;
        slots = slots_;
        assets = assets_;
        string memory k = _decimal(slots_);
        string memory m = _decimal(assets_);
        selector = bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyPortfolio(uint256[2],uint256[2][2],uint256[2],uint256,uint64,address,uint64,uint64[",
                    k,
                    "],address[",
                    m,
                    "],uint128[",
                    m,
                    "])"
                )
            )
        );
    }

    /// @inheritdoc IPortfolioVerifier
    function verifyPortfolio(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        PortfolioPublic calldata pub
    ) external view returns (bool) {
        uint256 k = slots;
        uint256 m = assets;
        uint256 n = pub.lockIds.length;
        uint256 a = pub.assets.length;
        if (n == 0 || n > k || a == 0 || a > m || pub.thresholds.length != a) return false;
        if (pub.destChainId >> 64 != 0 || pub.owner >> 160 != 0 || pub.minExpiry >> 64 != 0) return false;
        // the static ABI encoding: 8 proof words, 4 values, k lockIds, m assets, m thresholds
        bytes memory data = new bytes(4 + 32 * (12 + k + 2 * m));
        bytes4 sel = selector;
        assembly ("memory-safe") {
            mstore(add(data, 32), sel)
        }
        uint256 w = 0;
        w = _put(data, w, pA[0]);
        w = _put(data, w, pA[1]);
        w = _put(data, w, pB[0][0]);
        w = _put(data, w, pB[0][1]);
        w = _put(data, w, pB[1][0]);
        w = _put(data, w, pB[1][1]);
        w = _put(data, w, pC[0]);
        w = _put(data, w, pC[1]);
        w = _put(data, w, pub.root);
        w = _put(data, w, pub.destChainId);
        w = _put(data, w, pub.owner);
        w = _put(data, w, pub.minExpiry);
        for (uint256 i = 0; i < n; ++i) {
            if (pub.lockIds[i] >> 64 != 0) return false;
            _put(data, w + i, pub.lockIds[i]);
        }
        w += k; // empty slots stay 0
        for (uint256 j = 0; j < a; ++j) {
            if (pub.assets[j] >> 160 != 0 || pub.thresholds[j] >> 128 != 0) return false;
            _put(data, w + j, pub.assets[j]);
            _put(data, w + m + j, pub.thresholds[j]);
        }
        (bool ok, bytes memory ret) = verifier.staticcall(data);
        return ok && ret.length == 32 && abi.decode(ret, (bool));
    }

    /// @dev Writes `v` as the argument word `w` of `data` (after the selector); returns w + 1.
    function _put(bytes memory data, uint256 w, uint256 v) private pure returns (uint256) {
        assembly ("memory-safe") {
            mstore(add(add(data, 36), mul(w, 32)), v)
        }
        return w + 1;
    }

    function _decimal(uint256 v) private pure returns (string memory) {
        bytes memory digits = new bytes(3);
        uint256 n = 0;
        do {
            digits[2 - n] = bytes1(uint8(48 + (v % 10)));
            v /= 10;
            ++n;
        } while (v != 0);
        bytes memory out = new bytes(n);
        for (uint256 i = 0; i < n; ++i) {
            out[i] = digits[3 - n + i];
        }
        return string(out);
    }
}
