// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/TestBase.sol";
import {RootRegistry} from "../src/RootRegistry.sol";
import {CollateralCredit, IRootRegistry, ICollateralLockVerifier, IPortfolioVerifier} from "../src/CollateralCredit.sol";
import {CollateralLockVerifier} from "../src/CollateralLockVerifier.sol";
import {TestToken} from "../src/TestToken.sol";

/// @notice credit() with the valid_lock vector (a real proof under the vectors' development key).
contract CollateralCreditTest is TestBase {
    uint256[3] internal keys = [uint256(0xA11CE), 0xB0B, 0xCA401];
    uint256 internal constant SRC = 1;
    address internal constant VAULT = address(0x7A017);
    address internal constant SETTLEMENT = address(0x5E771E);
    RootRegistry internal reg;
    CollateralCredit internal cc;
    TestToken internal usd;
    CollateralCredit.Proof internal proof;
    uint256[7] internal pub;
    address internal owner;

    function setUp() public {
        vm.chainId(42161);
        vm.warp(1_700_000_000);
        address[] memory m = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            m[i] = vm.addr(keys[i]);
        }
        reg = new RootRegistry(m, 2);
        usd = new TestToken("USD", "USD", 6);
        cc = new CollateralCredit(
            IRootRegistry(address(reg)),
            ICollateralLockVerifier(address(new CollateralLockVerifier())),
            SETTLEMENT,
            address(usd),
            1 days,
            IPortfolioVerifier(address(0))
        );
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/test-vectors/valid_lock.json"));
        uint256[] memory x = vm.parseJsonUintArray(json, ".calldata.verifyProofArgs[0]");
        proof.a = [x[0], x[1]];
        x = vm.parseJsonUintArray(json, ".calldata.verifyProofArgs[1][0]");
        uint256[] memory y = vm.parseJsonUintArray(json, ".calldata.verifyProofArgs[1][1]");
        proof.b = [[x[0], x[1]], [y[0], y[1]]];
        x = vm.parseJsonUintArray(json, ".calldata.verifyProofArgs[2]");
        proof.c = [x[0], x[1]];
        x = vm.parseJsonUintArray(json, ".publicSignals");
        for (uint256 i = 0; i < 7; ++i) {
            pub[i] = x[i];
        }
        owner = address(uint160(pub[2]));
    }

    function _acceptRoot(uint256 root) internal {
        RootRegistry.RootAttestation memory a =
            RootRegistry.RootAttestation(SRC, VAULT, 100, bytes32(root), uint64(block.timestamp));
        bytes32 h = keccak256(abi.encode(reg.ROOT_TYPEHASH(), a.sourceChainId, a.vault, a.blockNumber, a.root, a.timestamp));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", reg.domainSeparator(), h));
        bytes memory sigs;
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs = abi.encodePacked(sigs, r, s, v);
        }
        reg.submitRoot(a, sigs);
    }

    function test_creditOnceThenSeize() public {
        _acceptRoot(pub[0]);
        vm.prank(owner);
        bytes32 key = cc.credit(SRC, VAULT, proof, pub);
        assertTrue(cc.isCounting(key), "counting");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.AlreadyCredited.selector, SRC, VAULT, uint64(pub[4])));
        cc.credit(SRC, VAULT, proof, pub);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSettlement.selector, address(this)));
        cc.markSeized(SRC, VAULT, uint64(pub[4]), 1, 2_000_000_000);
        vm.startPrank(SETTLEMENT);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeAboveCredit.selector, pub[5] + 1, pub[5]));
        cc.markSeized(SRC, VAULT, uint64(pub[4]), pub[5] + 1, 2_000_000_000);
        cc.markSeized(SRC, VAULT, uint64(pub[4]), pub[5], 2_000_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.CreditNotActive.selector, key));
        cc.markReleased(SRC, VAULT, uint64(pub[4]), 2_000_000_000);
        vm.stopPrank();
        assertTrue(!cc.isCounting(key), "a seized credit never counts again");
    }

    function test_expiredSeizeIssuedAgain() public {
        _acceptRoot(pub[0]);
        vm.prank(owner);
        bytes32 key = cc.credit(SRC, VAULT, proof, pub);
        uint64 lockId = uint64(pub[4]);
        vm.startPrank(SETTLEMENT);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSeized.selector, key));
        cc.reissueSeize(SRC, VAULT, lockId, 1, 2_000_000_000);
        cc.markSeized(SRC, VAULT, lockId, 5, 1_800_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeAboveCredit.selector, pub[5] + 1, pub[5]));
        cc.reissueSeize(SRC, VAULT, lockId, pub[5] + 1, 2_000_000_000);
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Seize(SRC, VAULT, lockId, 5, 1, 2_000_000_000);
        assertEq(cc.reissueSeize(SRC, VAULT, lockId, 5, 2_000_000_000), 1, "a fresh nonce");
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSettlement.selector, address(this)));
        cc.reissueSeize(SRC, VAULT, lockId, 5, 2_000_000_000);
        bytes32 other = cc.creditKey(SRC, VAULT, 99);
        vm.prank(SETTLEMENT);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSeized.selector, other));
        cc.reissueSeize(SRC, VAULT, 99, 1, 2_000_000_000);
    }

    function test_expiredReleaseIssuedAgain() public {
        _acceptRoot(pub[0]);
        vm.prank(owner);
        bytes32 key = cc.credit(SRC, VAULT, proof, pub);
        uint64 lockId = uint64(pub[4]);
        vm.startPrank(SETTLEMENT);
        // an active credit has no Release to issue again
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotReleased.selector, key));
        cc.reissueRelease(SRC, VAULT, lockId, 2_000_000_000);
        cc.markReleased(SRC, VAULT, lockId, 1_800_000_000);
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Release(SRC, VAULT, lockId, 1, 2_000_000_000);
        assertEq(cc.reissueRelease(SRC, VAULT, lockId, 2_000_000_000), 1, "a fresh nonce");
        (,, CollateralCredit.CreditStatus status,) = cc.credits(key);
        assertEq(uint8(status), uint8(CollateralCredit.CreditStatus.Released), "still released");
        // a seized credit's lock is never released by a re-issue, nor an unknown one
        bytes32 other = cc.creditKey(SRC, VAULT, 99);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotReleased.selector, other));
        cc.reissueRelease(SRC, VAULT, 99, 2_000_000_000);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSettlement.selector, address(this)));
        cc.reissueRelease(SRC, VAULT, lockId, 2_000_000_000);
    }

    function test_seizedCreditsReleaseNeverIssued() public {
        _acceptRoot(pub[0]);
        vm.prank(owner);
        bytes32 key = cc.credit(SRC, VAULT, proof, pub);
        uint64 lockId = uint64(pub[4]);
        vm.startPrank(SETTLEMENT);
        cc.markSeized(SRC, VAULT, lockId, 5, 1_800_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotReleased.selector, key));
        cc.reissueRelease(SRC, VAULT, lockId, 2_000_000_000);
        vm.stopPrank();
    }

    function test_rootMustBeAccepted() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.RootNotAccepted.selector, SRC, VAULT, pub[0]));
        cc.credit(SRC, VAULT, proof, pub);
        _acceptRoot(pub[0]);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.RootNotAccepted.selector, SRC + 1, VAULT, pub[0]));
        cc.credit(SRC + 1, VAULT, proof, pub);
    }

    function test_destinationOwnerAndWindow() public {
        _acceptRoot(pub[0]);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotOwner.selector, pub[2], address(this)));
        cc.credit(SRC, VAULT, proof, pub);
        vm.chainId(1);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.WrongDestination.selector, 42161, 1));
        cc.credit(SRC, VAULT, proof, pub);
        vm.chainId(42161);
        vm.warp(pub[6] - 1 days);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.ExpiryTooSoon.selector, pub[6], pub[6]));
        cc.credit(SRC, VAULT, proof, pub);
    }

    function test_badProofRefused() public {
        _acceptRoot(pub[0]);
        CollateralCredit.Proof memory bad = proof;
        bad.c[0] = bad.a[0];
        vm.prank(owner);
        vm.expectRevert(CollateralCredit.InvalidProof.selector);
        cc.credit(SRC, VAULT, bad, pub);
    }

    function testFuzz_tamperedPublicInputRefused(uint256 which, uint256 delta) public {
        _acceptRoot(pub[0]);
        which = bound(which, 5, 6); // threshold or minExpiry: checked only by the proof
        delta = bound(delta, 1, 1000);
        uint256[7] memory p = pub;
        p[which] = p[which] - delta;
        vm.prank(owner);
        vm.expectRevert(CollateralCredit.InvalidProof.selector);
        cc.credit(SRC, VAULT, proof, p);
    }

    function test_cashDepositApproveWithdraw() public {
        usd.mint(owner, 1000);
        vm.startPrank(owner);
        usd.approve(address(cc), 1000);
        cc.depositCash(1000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.WithdrawalNotApproved.selector, owner, 10, 0, 1000));
        cc.withdrawCash(10);
        vm.stopPrank();
        vm.prank(SETTLEMENT);
        cc.approveWithdrawal(owner, 400);
        vm.prank(owner);
        cc.withdrawCash(400);
        assertEq(usd.balanceOf(owner), 400, "withdrawn");
        assertEq(cc.cash(owner), 600, "left");
    }

    function test_releaseMessage() public {
        _acceptRoot(pub[0]);
        vm.prank(owner);
        bytes32 key = cc.credit(SRC, VAULT, proof, pub);
        assertEq(key, cc.creditKey(SRC, VAULT, uint64(pub[4])), "key");
        vm.prank(SETTLEMENT);
        uint64 nonce = cc.markReleased(SRC, VAULT, uint64(pub[4]), 2_000_000_000);
        assertEq(nonce, 0, "first message");
        assertEq(cc.messageNonce(), 1, "nonce advanced");
        assertTrue(!cc.isCounting(key), "a released credit never counts again");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.AlreadyCredited.selector, SRC, VAULT, uint64(pub[4])));
        cc.credit(SRC, VAULT, proof, pub);
    }

    function test_outOfRangePublicInputsRefused() public {
        _acceptRoot(pub[0]);
        uint256[7] memory p = pub;
        p[4] = uint256(1) << 64;
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PublicInputOutOfRange.selector, 4, p[4]));
        cc.credit(SRC, VAULT, proof, p);
        p = pub;
        p[5] = uint256(1) << 128;
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PublicInputOutOfRange.selector, 5, p[5]));
        cc.credit(SRC, VAULT, proof, p);
    }

    function test_creditCountsUntilTheWindow() public {
        _acceptRoot(pub[0]);
        vm.prank(owner);
        bytes32 key = cc.credit(SRC, VAULT, proof, pub);
        vm.warp(pub[6] - 1 days - 1);
        assertTrue(cc.isCounting(key), "counts before minExpiry - window");
        vm.warp(pub[6] - 1 days);
        assertTrue(!cc.isCounting(key), "stops at minExpiry - window");
    }
}
