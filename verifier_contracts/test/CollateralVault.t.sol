// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Fixture} from "./utils/Fixture.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {Committee} from "../src/lib/Committee.sol";
import {SafeTransfer} from "../src/lib/SafeTransfer.sol";
import {TestToken} from "../src/TestToken.sol";
import {FeeToken, ReentrantToken} from "./mocks/FeeToken.sol";
import {ReentrancyGuard} from "../src/lib/ReentrancyGuard.sol";

/// @notice One test per rule of the vault, each rejection by its custom error.
contract CollateralVaultTest is Fixture {
    address internal constant ALICE = address(0xA11CE0);
    uint64 internal constant EXPIRY = 1_800_000_000;

    function setUp() public {
        setUpVault(20);
    }

    function _releaseSig(uint64 lockId, uint64 nonce, uint64 deadline, uint256[] memory keys)
        internal
        view
        returns (bytes memory)
    {
        bytes32 h =
            keccak256(abi.encode(vault.RELEASE_TYPEHASH(), block.chainid, address(vault), lockId, nonce, deadline));
        return signBy(vault.domainSeparator(), h, keys);
    }

    function _seizeSig(uint64 lockId, uint256 amount, uint64 nonce, uint64 deadline, uint256[] memory keys)
        internal
        view
        returns (bytes memory)
    {
        bytes32 h = keccak256(
            abi.encode(vault.SEIZE_TYPEHASH(), block.chainid, address(vault), lockId, amount, nonce, deadline)
        );
        return signBy(vault.domainSeparator(), h, keys);
    }

    // --- lock -------------------------------------------------------------------------------------

    function test_lockRecordsAndPulls() public {
        uint64 id = mintAndLock(ALICE, 5e18, EXPIRY);
        assertEq(id, 0, "first id");
        (CollateralVault.Lock memory l, address t) = vault.getLock(id);
        assertEq(l.depositor, ALICE, "depositor");
        assertEq(l.amount, 5e18, "amount");
        assertEq(t, address(token), "token");
        assertEq(token.balanceOf(address(vault)), 5e18, "vault balance");
        assertEq(vault.totalHeld(address(token)), 5e18, "held");
        assertTrue(vault.pendingLeaf(id) != 0, "leaf pending");
        assertEq(mintAndLock(ALICE, 1, EXPIRY), 1, "next id");
    }

    function test_lockRefusesTokenNotAllowed() public {
        TestToken other = new TestToken("X", "X", 18);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.TokenNotAllowed.selector, address(other)));
        vault.lock(address(other), 1, ALICE, DEST, EXPIRY);
    }

    function test_lockRefusesZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.BadAmount.selector, 0));
        vault.lock(address(token), 0, ALICE, DEST, EXPIRY);
    }

    function test_lockRefusesZeroOwner() public {
        vm.expectRevert(CollateralVault.ZeroOwner.selector);
        vault.lock(address(token), 1, address(0), DEST, EXPIRY);
    }

    function test_lockRefusesPastExpiry() public {
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.ExpiryInPast.selector, block.timestamp, block.timestamp));
        vault.lock(address(token), 1, ALICE, DEST, uint64(block.timestamp));
    }

    function test_lockRefusesUnknownDestination() public {
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.UnknownDestination.selector, 10));
        vault.lock(address(token), 1, ALICE, 10, EXPIRY);
    }

    function test_lockRefusesFeeOnTransfer() public {
        FeeToken fee = new FeeToken();
        vm.prank(vault.admin());
        vault.setTokenAllowed(address(fee), true);
        fee.mint(ALICE, 1000);
        vm.startPrank(ALICE);
        fee.approve(address(vault), 1000);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.AmountNotReceived.selector, 1000, 990));
        vault.lock(address(fee), 1000, ALICE, DEST, EXPIRY);
        vm.stopPrank();
    }

    function test_lockRefusesReentry() public {
        ReentrantToken hook = new ReentrantToken();
        vm.prank(vault.admin());
        vault.setTokenAllowed(address(hook), true);
        hook.mint(ALICE, 1000);
        hook.setTarget(address(vault));
        vm.startPrank(ALICE);
        hook.approve(address(vault), 1000);
        vault.lock(address(hook), 500, ALICE, DEST, EXPIRY);
        vm.stopPrank();
        assertEq(keccak256(hook.lastError()), keccak256(abi.encodeWithSelector(ReentrancyGuard.Reentered.selector)), "nested lock refused");
        assertEq(vault.lockCount(), 1, "only the outer lock");
        assertEq(hook.balanceOf(address(vault)), 500, "one transfer");
    }

    function test_lockRefusesWithoutAllowance() public {
        token.mint(ALICE, 10);
        vm.prank(ALICE);
        vm.expectRevert(
            abi.encodeWithSelector(SafeTransfer.TokenTransferFailed.selector, address(token), ALICE, address(vault), 10)
        );
        vault.lock(address(token), 10, ALICE, DEST, EXPIRY);
    }

    function test_onlyAdminChangesAllowList() public {
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.NotAdmin.selector, ALICE));
        vault.setTokenAllowed(address(token), false);
        vm.prank(vault.admin());
        vault.setTokenAllowed(address(token), false);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.TokenNotAllowed.selector, address(token)));
        vault.lock(address(token), 1, ALICE, DEST, EXPIRY);
    }

    function test_badDepthRefused() public {
        address[] memory none = new address[](0);
        uint64[] memory noDest = new uint64[](0);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.BadDepth.selector, 33));
        new CollateralVault(33, GRACE, hashers, none, noDest, none, committee, 2);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.BadDepth.selector, 0));
        new CollateralVault(0, GRACE, hashers, none, noDest, none, committee, 2);
    }

    // --- commit -----------------------------------------------------------------------------------

    function test_commitNothingReverts() public {
        vm.expectRevert(CollateralVault.NothingToCommit.selector);
        vault.commitRoot();
    }

    function test_commitUpToIsBounded() public {
        for (uint256 i = 0; i < 5; ++i) {
            mintAndLock(ALICE, 1, EXPIRY);
        }
        vault.commitRootUpTo(2);
        assertEq(vault.leafCount(), 2, "two committed");
        assertTrue(vault.pendingLeaf(2) != 0, "third pending");
        vault.commitRootUpTo(100);
        assertEq(vault.leafCount(), 5, "all committed");
        assertEq(vault.rootBlock(vault.currentRoot()), block.number, "root block");
    }

    // --- withdraw ---------------------------------------------------------------------------------

    function test_withdrawAfterExpiryPlusGrace() public {
        uint64 id = mintAndLock(ALICE, 7, EXPIRY);
        vm.warp(uint256(EXPIRY) + GRACE - 1);
        vm.prank(ALICE);
        vm.expectRevert(
            abi.encodeWithSelector(CollateralVault.LockStillFrozen.selector, id, uint256(EXPIRY) + GRACE)
        );
        vault.withdraw(id);
        vm.warp(uint256(EXPIRY) + GRACE);
        vm.prank(ALICE);
        vault.withdraw(id);
        assertEq(token.balanceOf(ALICE), 7, "paid back");
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.NothingToWithdraw.selector, id));
        vault.withdraw(id);
    }

    function test_withdrawOnlyDepositor() public {
        uint64 id = mintAndLock(ALICE, 7, EXPIRY);
        vm.warp(uint256(EXPIRY) + GRACE);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.NotDepositor.selector, id, address(this)));
        vault.withdraw(id);
    }

    function test_withdrawUnknownLock() public {
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.UnknownLock.selector, 9));
        vault.withdraw(9);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.UnknownLock.selector, 9));
        vault.getLock(9);
    }

    // --- release and seize ------------------------------------------------------------------------

    function test_releaseThenWithdrawAtOnce() public {
        uint64 id = mintAndLock(ALICE, 7, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        vault.release(id, 1, deadline, _releaseSig(id, 1, deadline, keys2()));
        vm.prank(ALICE);
        vault.withdraw(id);
        assertEq(token.balanceOf(ALICE), 7, "released lock paid back");
    }

    function test_seizePaysMinToRecipientAndRestIsPullable() public {
        uint64 id = mintAndLock(ALICE, 100, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        vault.seize(id, 30, 5, deadline, _seizeSig(id, 30, 5, deadline, keys2()));
        assertEq(token.balanceOf(RECIPIENT), 30, "recipient paid");
        assertEq(token.balanceOf(ALICE), 0, "nothing pushed to the depositor");
        vm.prank(ALICE);
        vault.withdraw(id);
        assertEq(token.balanceOf(ALICE), 70, "remainder pulled");
        assertEq(vault.totalHeld(address(token)), 0, "nothing held");
    }

    function test_seizeCappedAtLock() public {
        uint64 id = mintAndLock(ALICE, 100, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        vault.seize(id, 1e30, 5, deadline, _seizeSig(id, 1e30, 5, deadline, keys2()));
        assertEq(token.balanceOf(RECIPIENT), 100, "all of the lock, no more");
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.NothingToWithdraw.selector, id));
        vault.withdraw(id);
    }

    function test_messageNotTwice() public {
        uint64 id = mintAndLock(ALICE, 100, EXPIRY);
        uint64 id2 = mintAndLock(ALICE, 100, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory sigs = _releaseSig(id, 3, deadline, keys2());
        vault.release(id, 3, deadline, sigs);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.NonceUsed.selector, 3));
        vault.release(id, 3, deadline, sigs);
        // Another nonce for a lock that is no longer active.
        sigs = _releaseSig(id, 4, deadline, keys2());
        vm.expectRevert(
            abi.encodeWithSelector(CollateralVault.LockNotActive.selector, id, CollateralVault.LockStatus.Released)
        );
        vault.release(id, 4, deadline, sigs);
        // Nonces are unordered: a lower one still works.
        vault.release(id2, 1, deadline, _releaseSig(id2, 1, deadline, keys2()));
    }

    function test_messageAfterDeadlineRefused() public {
        uint64 id = mintAndLock(ALICE, 100, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory sigs = _seizeSig(id, 1, 1, deadline, keys2());
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.DeadlinePassed.selector, deadline, deadline + 1));
        vault.seize(id, 1, 1, deadline, sigs);
    }

    function test_seizeNeedsThreshold() public {
        uint64 id = mintAndLock(ALICE, 100, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        uint256[] memory one = new uint256[](1);
        one[0] = memberKeys[1];
        bytes memory sigs = _seizeSig(id, 1, 1, deadline, one);
        vm.expectRevert(abi.encodeWithSelector(Committee.BelowThreshold.selector, 1, 2));
        vault.seize(id, 1, 1, deadline, sigs);
    }

    function test_seizeWithWrongAmountSignatureRefused() public {
        uint64 id = mintAndLock(ALICE, 100, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory sigs = _seizeSig(id, 1, 1, deadline, keys2());
        // Same signatures, another amount: they recover to non-members.
        vm.expectPartialRevert(Committee.NotCommitteeMember.selector);
        vault.seize(id, 100, 1, deadline, sigs);
    }

    function test_setRecipientByCommittee() public {
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes32 h = keccak256(abi.encode(vault.SET_RECIPIENT_TYPEHASH(), uint64(10), address(0xD00D), uint64(9), deadline));
        vault.setRecipient(10, address(0xD00D), 9, deadline, signBy(vault.domainSeparator(), h, keys2()));
        assertEq(vault.recipientOf(10), address(0xD00D), "recipient set");
        h = keccak256(abi.encode(vault.SET_RECIPIENT_TYPEHASH(), uint64(10), address(0), uint64(8), deadline));
        bytes memory sigs = signBy(vault.domainSeparator(), h, keys2());
        vm.expectRevert(CollateralVault.ZeroRecipient.selector);
        vault.setRecipient(10, address(0), 8, deadline, sigs);
    }

    function test_rotationOnTheVault() public {
        uint256[3] memory nextKeys = [uint256(0xD0D), 0xE1E, 0xF1F];
        address[] memory next = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            next[i] = vm.addr(nextKeys[i]);
        }
        bytes32 h = keccak256(abi.encode(vault.ROTATION_TYPEHASH(), uint64(1), keccak256(abi.encodePacked(next)), uint8(2)));
        vault.rotateCommittee(1, next, 2, signBy(vault.domainSeparator(), h, keys2()));
        assertEq(vault.epoch(), 1, "epoch");
        assertEq(vault.members()[2], next[2], "members");
        uint64 id = mintAndLock(ALICE, 100, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory old = _seizeSig(id, 1, 1, deadline, keys2());
        vm.expectRevert(abi.encodeWithSelector(Committee.NotCommitteeMember.selector, 0, committee[0]));
        vault.seize(id, 1, 1, deadline, old);
        uint256[] memory nk = new uint256[](2);
        nk[0] = nextKeys[2];
        nk[1] = nextKeys[0];
        vault.seize(id, 1, 1, deadline, _seizeSig(id, 1, 1, deadline, nk));
        assertEq(token.balanceOf(RECIPIENT), 1, "new committee seizes");
    }

    function test_withdrawReleasedOnlyByDepositor() public {
        uint64 id = mintAndLock(ALICE, 7, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        vault.release(id, 1, deadline, _releaseSig(id, 1, deadline, keys2()));
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.NotDepositor.selector, id, address(this)));
        vault.withdraw(id);
        uint256 seizeNonce = 2;
        bytes memory sigs = _seizeSig(id, 1, uint64(seizeNonce), deadline, keys2());
        vm.expectRevert(
            abi.encodeWithSelector(CollateralVault.LockNotActive.selector, id, CollateralVault.LockStatus.Released)
        );
        vault.seize(id, 1, uint64(seizeNonce), deadline, sigs);
    }

    function testFuzz_randomSignaturesNeverSeize(bytes32 r, bytes32 s, uint8 v, uint256 amount) public {
        uint64 id = mintAndLock(ALICE, 100, EXPIRY);
        bytes memory sigs = abi.encodePacked(r, s, v, r, s, v);
        vm.expectRevert();
        vault.seize(id, amount, 1, uint64(block.timestamp + 1), sigs);
        assertEq(token.balanceOf(address(vault)), 100, "nothing moved");
    }

    function testFuzz_seizeNeverPaysMoreThanTheLock(uint128 lockAmount, uint256 seizeAmount) public {
        lockAmount = uint128(bound(lockAmount, 1, type(uint128).max));
        uint64 id = mintAndLock(ALICE, lockAmount, EXPIRY);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        vault.seize(id, seizeAmount, 1, deadline, _seizeSig(id, seizeAmount, 1, deadline, keys2()));
        uint256 paid = token.balanceOf(RECIPIENT);
        assertEq(paid, seizeAmount < lockAmount ? seizeAmount : lockAmount, "min(amount, lock)");
        assertEq(token.balanceOf(address(vault)), lockAmount - paid, "remainder stays");
        assertEq(vault.totalHeld(address(token)), lockAmount - paid, "books");
    }
}
