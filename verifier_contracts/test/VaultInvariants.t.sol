// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Fixture} from "./utils/Fixture.sol";
import {TestBase} from "./utils/TestBase.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {TestToken} from "../src/TestToken.sol";

/// @dev Drives the vault with random locks, commits, time, withdrawals and committee messages,
/// keeping ghost totals; replays and expired messages are attempted and must fail.
contract VaultHandler is TestBase {
    CollateralVault internal immutable vault;
    TestToken internal immutable token;
    address internal immutable recipient;
    uint256[] internal keys;
    uint64 internal nextNonce = 1;

    uint64[] public ids;
    address[] public depositors;
    uint256 public ghostLive; // amounts of Active and Released locks plus Seized remainders
    uint256 public ghostPaidToRecipient;
    uint256 public ghostOverpaid; // seizes that paid more than min(amount, lock)
    uint256 public ghostReplays; // a used nonce accepted again
    uint256 public ghostLate; // a message accepted after its deadline
    uint256 public okSeizes;
    uint256 public okWithdrawals;
    uint256 public okReleases;

    constructor(CollateralVault v, TestToken t, address r, uint256[] memory k) {
        vault = v;
        token = t;
        recipient = r;
        keys = k;
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function lock(uint256 amountSeed, uint256 expirySeed, uint256 who) external {
        uint128 amount = uint128(bound(amountSeed, 1, 1e24));
        uint64 expiry = uint64(block.timestamp + bound(expirySeed, 1, 30 days));
        address depositor = address(uint160(0x5000 + bound(who, 0, 3)));
        token.mint(depositor, amount);
        vm.startPrank(depositor);
        token.approve(address(vault), amount);
        uint64 id = vault.lock(address(token), amount, depositor, 42161, expiry);
        vm.stopPrank();
        ids.push(id);
        depositors.push(depositor);
        ghostLive += amount;
    }

    function commit() external {
        if (vault.lockCount() > vault.leafCount()) vault.commitRoot();
    }

    function warp(uint256 dt) external {
        vm.warp(block.timestamp + bound(dt, 1, 20 days));
    }

    function withdraw(uint256 idx) external {
        if (ids.length == 0) return;
        idx = bound(idx, 0, ids.length - 1);
        (CollateralVault.Lock memory l,) = vault.getLock(ids[idx]);
        uint256 before = token.balanceOf(l.depositor);
        vm.prank(l.depositor);
        try vault.withdraw(ids[idx]) {
            uint256 got = token.balanceOf(l.depositor) - before;
            require(got == l.amount, "withdraw pays what the lock holds");
            ghostLive -= got;
            ++okWithdrawals;
        } catch {}
    }

    function _sign(bytes32 structHash) internal view returns (bytes memory sigs) {
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", vault.domainSeparator(), structHash));
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs = abi.encodePacked(sigs, r, s, v);
        }
    }

    function seize(uint256 idx, uint256 amountSeed, bool replay, bool late) external {
        if (ids.length == 0) return;
        idx = bound(idx, 0, ids.length - 1);
        uint64 id = ids[idx];
        (CollateralVault.Lock memory l,) = vault.getLock(id);
        uint256 amount = bound(amountSeed, 0, 2e24);
        uint64 nonce = nextNonce++;
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory sigs = _sign(
            keccak256(abi.encode(vault.SEIZE_TYPEHASH(), block.chainid, address(vault), id, amount, nonce, deadline))
        );
        if (late) {
            vm.warp(uint256(deadline) + 1);
            try vault.seize(id, amount, nonce, deadline, sigs) {
                ++ghostLate;
            } catch {}
            return;
        }
        uint256 before = token.balanceOf(recipient);
        try vault.seize(id, amount, nonce, deadline, sigs) {
            uint256 paid = token.balanceOf(recipient) - before;
            uint256 cap = amount < l.amount ? amount : l.amount;
            if (paid != cap || l.status != CollateralVault.LockStatus.Active) ++ghostOverpaid;
            ghostPaidToRecipient += paid;
            ghostLive -= paid;
            ++okSeizes;
        } catch {}
        if (replay) {
            try vault.seize(id, amount, nonce, deadline, sigs) {
                ++ghostReplays;
            } catch {}
        }
    }

    function release(uint256 idx, bool replay) external {
        if (ids.length == 0) return;
        idx = bound(idx, 0, ids.length - 1);
        uint64 id = ids[idx];
        uint64 nonce = nextNonce++;
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory sigs =
            _sign(keccak256(abi.encode(vault.RELEASE_TYPEHASH(), block.chainid, address(vault), id, nonce, deadline)));
        try vault.release(id, nonce, deadline, sigs) {
            ++okReleases;
        } catch {}
        if (replay) {
            try vault.release(id, nonce, deadline, sigs) {
                ++ghostReplays;
            } catch {}
        }
    }
}

/// @notice Invariants of the vault under random operations.
contract VaultInvariantsTest is Fixture {
    VaultHandler internal handler;

    function setUp() public {
        setUpVault(20);
        uint256[] memory k = new uint256[](2);
        k[0] = memberKeys[0];
        k[1] = memberKeys[1];
        handler = new VaultHandler(vault, token, RECIPIENT, k);
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// The vault's balance is the sum of the locks not withdrawn nor seized plus the seize
    /// remainders depositors may still pull, and the vault's own books say the same.
    function invariant_balanceEqualsLiveLocks() public view {
        assertEq(token.balanceOf(address(vault)), handler.ghostLive(), "balance = live locks + pullable");
        assertEq(vault.totalHeld(address(token)), handler.ghostLive(), "totalHeld = live locks + pullable");
    }

    /// A seize pays min(amount, lock) of an active lock, to the registered recipient only.
    function invariant_seizePaysAtMostTheLockToTheRecipient() public view {
        assertEq(handler.ghostOverpaid(), 0, "seize paid other than min(amount, lock)");
        assertEq(token.balanceOf(RECIPIENT), handler.ghostPaidToRecipient(), "recipient got only seizes");
    }

    /// The handler's paths do succeed (the invariants are not vacuous).
    function test_handlerExercisesEveryPath() public {
        for (uint256 i = 0; i < 6; ++i) {
            handler.lock((i + 1) * 1e18, i * 1 days, i);
        }
        handler.commit();
        handler.seize(0, 5e17, true, false);
        handler.seize(1, 1e30, false, false);
        handler.seize(2, 1, false, true);
        handler.release(3, true);
        handler.withdraw(3);
        handler.withdraw(0);
        handler.warp(19 days);
        handler.warp(19 days);
        handler.withdraw(4);
        assertEq(handler.okSeizes(), 2, "seizes");
        assertEq(handler.okReleases(), 1, "releases");
        assertEq(handler.okWithdrawals(), 3, "withdrawals");
        invariant_balanceEqualsLiveLocks();
        invariant_seizePaysAtMostTheLockToTheRecipient();
        invariant_noReplayNoLateMessage();
    }

    /// No message executes twice or after its deadline.
    function invariant_noReplayNoLateMessage() public view {
        assertEq(handler.ghostReplays(), 0, "a message executed twice");
        assertEq(handler.ghostLate(), 0, "a message executed after its deadline");
    }
}
