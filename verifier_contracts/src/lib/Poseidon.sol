// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Calls to the Poseidon contracts that `zkcollat.contracts.poseidon_evm` generates
/// (circomlib's parameters, PROTOCOL.md s.2): `poseidon2` is one contract taking 2 words and
/// returning the hash; the 6-input function is three segments (6 words -> 7-word state ->
/// 7-word state -> hash), chained here. Every input must be < r: the first segment reverts
/// otherwise, so a value is never reduced.
library Poseidon {
    /// @notice A Poseidon contract reverted or returned the wrong number of bytes.
    error PoseidonFailed(address hasher);

    /// @notice H(a, b).
    function hash2(address hasher, uint256 a, uint256 b) internal view returns (uint256 h) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            // Yul evaluates arguments right to left: call first, then read returndatasize.
            ok := staticcall(gas(), hasher, 0x00, 0x40, 0x00, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            h := mload(0x00)
        }
        if (!ok) revert PoseidonFailed(hasher);
    }

    /// @notice H(x[0], ..., x[5]) through the three segments `s0`, `s1`, `s2`.
    function hash6(address s0, address s1, address s2, uint256[6] memory x)
        internal
        view
        returns (uint256 h)
    {
        bool ok;
        address failed;
        assembly ("memory-safe") {
            let m := mload(0x40)
            ok := staticcall(gas(), s0, x, 0xc0, m, 0xe0)
            ok := and(ok, eq(returndatasize(), 0xe0))
            failed := s0
            if ok {
                ok := staticcall(gas(), s1, m, 0xe0, m, 0xe0)
                ok := and(ok, eq(returndatasize(), 0xe0))
                failed := s1
            }
            if ok {
                ok := staticcall(gas(), s2, m, 0xe0, m, 0x20)
                ok := and(ok, eq(returndatasize(), 0x20))
                failed := s2
            }
            h := mload(m)
        }
        if (!ok) revert PoseidonFailed(failed);
    }
}
