// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A reentrancy lock in transient storage (EIP-1153): functions that move tokens are
/// `nonReentrant`, so a token calling back cannot enter any of them while one runs (and the
/// balance-difference checks of deposits cannot count a nested deposit).
abstract contract ReentrancyGuard {
    /// @notice A `nonReentrant` function was entered while another was running.
    error Reentered();

    bool private transient _entered;

    modifier nonReentrant() {
        if (_entered) revert Reentered();
        _entered = true;
        _;
        _entered = false;
    }
}
