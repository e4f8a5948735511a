// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "../interfaces/IERC20.sol";

/// @notice ERC-20 transfers that accept tokens returning nothing (USDT-style) and refuse a
/// `false` return, a revert, or a call to an address without code.
library SafeTransfer {
    /// @notice A token transfer failed (reverted, returned false, or the token has no code).
    error TokenTransferFailed(address token, address from, address to, uint256 amount);

    /// @notice Transfer `amount` of `token` from this contract to `to`.
    function safeTransfer(address token, address to, uint256 amount) internal {
        _call(token, abi.encodeCall(IERC20.transfer, (to, amount)), address(this), to, amount);
    }

    /// @notice Transfer `amount` of `token` from `from` to `to` (needs an allowance).
    function safeTransferFrom(address token, address from, address to, uint256 amount) internal {
        _call(token, abi.encodeCall(IERC20.transferFrom, (from, to, amount)), from, to, amount);
    }

    function _call(address token, bytes memory data, address from, address to, uint256 amount)
        private
    {
        (bool ok, bytes memory ret) = token.call(data);
        bool accepted = ok && (ret.length == 0 ? token.code.length > 0 : (ret.length == 32 && abi.decode(ret, (bool))));
        if (!accepted) revert TokenTransferFailed(token, from, to, amount);
    }
}
