// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/TestBase.sol";
import {RootRegistry} from "../src/RootRegistry.sol";
import {
    CollateralCredit,
    IRootRegistry,
    ICollateralLockVerifier,
    IPortfolioVerifier,
    PortfolioPublic
} from "../src/CollateralCredit.sol";
import {TestToken} from "../src/TestToken.sol";
import {TablePortfolioVerifier, TableLockVerifier} from "./mocks/TableVerifiers.sol";

/// @notice Portfolio credits (PROTOCOL.md s.7): every lock at once, each at most once against
/// single credits too; released whole; seized one lock at a time within what is left of each
/// threshold after the executed amounts. The Groth16 checks are TEST-ONLY tables (mocks/): the
/// contract's rules are what is tested here, and the gas below excludes proof verification.
contract CollateralCreditPortfolioTest is TestBase {
    uint256[3] internal keys = [uint256(0xA11CE), 0xB0B, 0xCA401];
    uint256 internal constant SRC = 1;
    address internal constant VAULT = address(0x7A017);
    address internal constant SETTLEMENT = address(0x5E771E);
    address internal constant OWNER = address(0x0A11CE);
    uint256 internal constant ROOT = 12345;
    uint256 internal constant WETH = 0xC0C0;
    uint256 internal constant USDC = 0xD0D0;
    RootRegistry internal reg;
    CollateralCredit internal cc;
    TablePortfolioVerifier internal pv;
    TableLockVerifier internal lv;
    CollateralCredit.Proof internal proof;

    function setUp() public {
        vm.chainId(42161);
        vm.warp(1_700_000_000);
        address[] memory m = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            m[i] = vm.addr(keys[i]);
        }
        reg = new RootRegistry(m, 2);
        pv = new TablePortfolioVerifier();
        lv = new TableLockVerifier();
        cc = new CollateralCredit(
            IRootRegistry(address(reg)),
            ICollateralLockVerifier(address(lv)),
            SETTLEMENT,
            address(new TestToken("USD", "USD", 6)),
            1 days,
            IPortfolioVerifier(address(pv))
        );
        proof.a = [uint256(1), 2];
        _acceptRoot(ROOT);
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

    /// @dev k locks from `first` (step 1): WETH threshold 4e18 and USDC 3000e6.
    function _pub(uint256 first, uint256 k) internal view returns (PortfolioPublic memory p) {
        p.root = ROOT;
        p.destChainId = block.chainid;
        p.owner = uint256(uint160(OWNER));
        p.minExpiry = block.timestamp + 30 days;
        p.assets = new uint256[](2);
        p.assets[0] = WETH;
        p.assets[1] = USDC;
        p.thresholds = new uint256[](2);
        p.thresholds[0] = 4e18;
        p.thresholds[1] = 3000e6;
        p.lockIds = new uint256[](k);
        for (uint256 i = 0; i < k; ++i) {
            p.lockIds[i] = first + i;
        }
    }

    /// @dev Issue (test table) and credit as OWNER.
    function _credit(PortfolioPublic memory p) internal returns (uint256) {
        pv.issue(proof.a, p);
        vm.prank(OWNER);
        return cc.creditPortfolio(SRC, VAULT, proof, p);
    }

    function _expectCreditRevert(PortfolioPublic memory p, bytes memory err) internal {
        pv.issue(proof.a, p);
        vm.prank(OWNER);
        vm.expectRevert(err);
        cc.creditPortfolio(SRC, VAULT, proof, p);
    }

    function _single(uint64 lockId) internal returns (bytes32) {
        uint256[7] memory pub = [ROOT, block.chainid, uint256(uint160(OWNER)), WETH, lockId, 1e18, block.timestamp + 30 days];
        lv.issue(proof.a, pub);
        vm.prank(OWNER);
        return cc.credit(SRC, VAULT, proof, pub);
    }

    function _c(PortfolioPublic memory p) internal pure returns (CollateralCredit.PortfolioContents memory) {
        return CollateralCredit.PortfolioContents(SRC, VAULT, p.lockIds, p.assets, p.thresholds);
    }

    // --- crediting ------------------------------------------------------------------------

    function test_portfolioCreditsEveryLockAtOnce() public {
        uint256 id = _credit(_pub(250, 8)); // lock ids 250..257 span two bitmap words
        assertEq(id, 1, "first portfolio");
        assertTrue(cc.isPortfolioCounting(id), "counting");
        for (uint64 i = 250; i < 258; ++i) {
            assertTrue(cc.inPortfolio(SRC, VAULT, i), "every lock registered");
        }
        assertTrue(!cc.inPortfolio(SRC, VAULT, 249) && !cc.inPortfolio(SRC, VAULT, 258), "no other");
        assertTrue(!cc.inPortfolio(SRC + 1, VAULT, 250), "per source chain");
    }

    /// @dev Gas of crediting a portfolio of 8 and of 32 locks (the table verifier's lookup in
    /// place of the Groth16 verification, which the statement's verifier adds).
    function test_gasCreditPortfolio8() public {
        _meteredCredit(1000, 8);
    }

    function test_gasCreditPortfolio32() public {
        _meteredCredit(1000, 32);
    }

    /// @dev Only the creditPortfolio call is metered (not building the values or the table).
    function _meteredCredit(uint256 first, uint256 k) internal {
        vm.pauseGasMetering();
        PortfolioPublic memory p = _pub(first, k);
        pv.issue(proof.a, p);
        vm.prank(OWNER);
        vm.resumeGasMetering();
        cc.creditPortfolio(SRC, VAULT, proof, p);
    }

    function test_repeatedLockIdRefused() public {
        PortfolioPublic memory p = _pub(10, 3);
        p.lockIds[2] = 11;
        _expectCreditRevert(p, abi.encodeWithSelector(CollateralCredit.LockIdsNotIncreasing.selector, 2, 11));
        p.lockIds[2] = 10; // decreasing
        _expectCreditRevert(p, abi.encodeWithSelector(CollateralCredit.LockIdsNotIncreasing.selector, 2, 10));
        assertTrue(!cc.inPortfolio(SRC, VAULT, 10), "nothing registered");
    }

    function test_lockCreditedSinglyRefusedInPortfolio() public {
        _single(12);
        _expectCreditRevert(
            _pub(10, 5), abi.encodeWithSelector(CollateralCredit.AlreadyCredited.selector, SRC, VAULT, uint64(12))
        );
        assertTrue(!cc.inPortfolio(SRC, VAULT, 10) && !cc.inPortfolio(SRC, VAULT, 11), "all or nothing");
    }

    function test_lockInPortfolioRefusedSinglyAndInAnotherPortfolio() public {
        _credit(_pub(10, 5));
        uint256[7] memory pub = [ROOT, block.chainid, uint256(uint160(OWNER)), WETH, 14, 1e18, block.timestamp + 30 days];
        lv.issue(proof.a, pub);
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.AlreadyCredited.selector, SRC, VAULT, uint64(14)));
        cc.credit(SRC, VAULT, proof, pub);
        _expectCreditRevert(
            _pub(14, 3), abi.encodeWithSelector(CollateralCredit.AlreadyCredited.selector, SRC, VAULT, uint64(14))
        );
        _credit(_pub(15, 3)); // the next locks are free
    }

    function test_wrongRootRefused() public {
        PortfolioPublic memory p = _pub(1, 2);
        p.root = ROOT + 1;
        _expectCreditRevert(p, abi.encodeWithSelector(CollateralCredit.RootNotAccepted.selector, SRC, VAULT, ROOT + 1));
        pv.issue(proof.a, _pub(1, 2));
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.RootNotAccepted.selector, SRC + 1, VAULT, ROOT));
        cc.creditPortfolio(SRC + 1, VAULT, proof, _pub(1, 2));
    }

    function test_wrongOwnerRefused() public {
        PortfolioPublic memory p = _pub(1, 2);
        pv.issue(proof.a, p);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotOwner.selector, p.owner, address(this)));
        cc.creditPortfolio(SRC, VAULT, proof, p);
    }

    function test_wrongChainRefused() public {
        PortfolioPublic memory p = _pub(1, 2);
        p.destChainId = 1;
        _expectCreditRevert(p, abi.encodeWithSelector(CollateralCredit.WrongDestination.selector, 1, 42161));
    }

    function test_expiredOrInsideTheWindowRefused() public {
        PortfolioPublic memory p = _pub(1, 2);
        p.minExpiry = block.timestamp - 1;
        _expectCreditRevert(
            p, abi.encodeWithSelector(CollateralCredit.ExpiryTooSoon.selector, p.minExpiry, block.timestamp + 1 days)
        );
        p.minExpiry = block.timestamp + 1 days;
        _expectCreditRevert(
            p, abi.encodeWithSelector(CollateralCredit.ExpiryTooSoon.selector, p.minExpiry, block.timestamp + 1 days)
        );
    }

    function test_badProofRefused() public {
        PortfolioPublic memory p = _pub(1, 2);
        pv.issue(proof.a, p);
        p.thresholds[0] += 1; // not the values the proof was issued for
        vm.prank(OWNER);
        vm.expectRevert(CollateralCredit.InvalidProof.selector);
        cc.creditPortfolio(SRC, VAULT, proof, p);
        assertTrue(!cc.inPortfolio(SRC, VAULT, 1), "nothing registered");
    }

    function test_outOfRangeValuesRefused() public {
        PortfolioPublic memory p = _pub(1, 2);
        p.thresholds[1] = 1 << 128;
        _expectCreditRevert(
            p, abi.encodeWithSelector(CollateralCredit.PortfolioInputOutOfRange.selector, "thresholds", 1, 1 << 128)
        );
        p = _pub(1, 2);
        p.assets[0] = 1 << 160;
        _expectCreditRevert(
            p, abi.encodeWithSelector(CollateralCredit.PortfolioInputOutOfRange.selector, "assets", 0, 1 << 160)
        );
        p = _pub(1, 2);
        p.lockIds[1] = 1 << 64;
        _expectCreditRevert(
            p, abi.encodeWithSelector(CollateralCredit.PortfolioInputOutOfRange.selector, "lockIds", 1, 1 << 64)
        );
        p = _pub(1, 0);
        _expectCreditRevert(p, abi.encodeWithSelector(CollateralCredit.PortfolioInputOutOfRange.selector, "lockIds", 0, 0));
    }

    function test_noPortfolioVerifierRefused() public {
        CollateralCredit bare = new CollateralCredit(
            IRootRegistry(address(reg)), ICollateralLockVerifier(address(lv)), SETTLEMENT, address(0), 1 days, IPortfolioVerifier(address(0))
        );
        PortfolioPublic memory p = _pub(1, 2);
        vm.prank(OWNER);
        vm.expectRevert(CollateralCredit.NoPortfolioVerifier.selector);
        bare.creditPortfolio(SRC, VAULT, proof, p);
    }

    // --- release and seizure --------------------------------------------------------------

    function test_releaseReleasesEveryLock() public {
        PortfolioPublic memory p = _pub(20, 3);
        uint256 id = _credit(p);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSettlement.selector, address(this)));
        cc.markPortfolioReleased(id, _c(p), 2_000_000_000);
        vm.startPrank(SETTLEMENT);
        p.thresholds[0] -= 1;
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioMismatch.selector, id));
        cc.markPortfolioReleased(id, _c(p), 2_000_000_000);
        p.thresholds[0] += 1;
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectEmit(true, true, true, true);
            emit CollateralCredit.Release(SRC, VAULT, uint64(20 + i), uint64(i), 2_000_000_000);
        }
        cc.markPortfolioReleased(id, _c(p), 2_000_000_000);
        assertEq(cc.messageNonce(), 3, "one nonce per lock");
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioNotActive.selector, id));
        cc.markPortfolioReleased(id, _c(p), 2_000_000_000);
        vm.stopPrank();
        assertTrue(!cc.isPortfolioCounting(id), "released");
        assertTrue(cc.inPortfolio(SRC, VAULT, 21), "a released lock is never credited again");
    }

    function test_seizeOneLockAtATimeCappedAtWhatIsLeft() public {
        PortfolioPublic memory p = _pub(30, 3);
        uint256 id = _credit(p);
        vm.startPrank(SETTLEMENT);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeOutOfTurn.selector, id, 3, 0));
        cc.markPortfolioSeized(id, _c(p), 3, 0, 1e18, 2_000_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeAboveCredit.selector, 4e18 + 1, 4e18));
        cc.markPortfolioSeized(id, _c(p), 0, 0, 4e18 + 1, 2_000_000_000);
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Seize(SRC, VAULT, 30, 3e18, 0, 2_000_000_000);
        cc.markPortfolioSeized(id, _c(p), 0, 0, 3e18, 2_000_000_000);
        assertTrue(!cc.isPortfolioCounting(id), "a portfolio being seized no longer counts");
        // one at a time: the next waits for the executed amount of this one
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeOutOfTurn.selector, id, 1, 1));
        cc.markPortfolioSeized(id, _c(p), 1, 0, 1, 2_000_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PaidAboveAsked.selector, 3e18 + 1, 3e18));
        cc.markPortfolioSeizeExecuted(id, 3e18 + 1);
        cc.markPortfolioSeizeExecuted(id, 2e18); // the lock held less: the vault paid 2e18
        assertEq(cc.portfolioSeized(id, 0), 2e18, "executed amount counted");
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NoSeizePending.selector, id));
        cc.markPortfolioSeizeExecuted(id, 1);
        // what is left of T_WETH is 2e18 (executed, not asked, counted)
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeAboveCredit.selector, 2e18 + 1, 2e18));
        cc.markPortfolioSeized(id, _c(p), 1, 0, 2e18 + 1, 2_000_000_000);
        cc.markPortfolioSeized(id, _c(p), 1, 0, 2e18, 2_000_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeOutOfTurn.selector, id, 2, 2));
        cc.closePortfolioSeizure(id, _c(p), 2_000_000_000);
        cc.markPortfolioSeizeExecuted(id, 2e18);
        // nothing more owed: the lock never asked for is released and the portfolio closed
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Release(SRC, VAULT, 32, 2, 2_000_000_000);
        cc.closePortfolioSeizure(id, _c(p), 2_000_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioNotActive.selector, id));
        cc.markPortfolioSeized(id, _c(p), 2, 1, 1, 2_000_000_000);
        vm.stopPrank();
    }

    function test_seizeSkippingLocksReleasesThem() public {
        PortfolioPublic memory p = _pub(50, 3);
        uint256 id = _credit(p);
        vm.startPrank(SETTLEMENT);
        // lock 0 is asked nothing (its asset has no room or no price): released, lock 1 seized
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Release(SRC, VAULT, 50, 0, 2_000_000_000);
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Seize(SRC, VAULT, 51, 1e18, 1, 2_000_000_000);
        cc.markPortfolioSeized(id, _c(p), 1, 0, 1e18, 2_000_000_000);
        cc.markPortfolioSeizeExecuted(id, 1e18);
        // never back: lock 0 (released) and lock 1 (seized) are behind
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeOutOfTurn.selector, id, 0, 2));
        cc.markPortfolioSeized(id, _c(p), 0, 0, 1, 2_000_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeOutOfTurn.selector, id, 1, 2));
        cc.markPortfolioSeized(id, _c(p), 1, 0, 1, 2_000_000_000);
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Release(SRC, VAULT, 52, 2, 2_000_000_000);
        cc.closePortfolioSeizure(id, _c(p), 2_000_000_000);
        assertEq(cc.messageNonce(), 3, "one message per lock");
        vm.stopPrank();
    }

    function test_expiredPortfolioSeizeIssuedAgain() public {
        PortfolioPublic memory p = _pub(60, 2);
        uint256 id = _credit(p);
        vm.startPrank(SETTLEMENT);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NoSeizePending.selector, id));
        cc.reissuePortfolioSeize(id, _c(p), 2_000_000_000);
        cc.markPortfolioSeized(id, _c(p), 0, 0, 3e18, 1_800_000_000);
        // the same lock and amount, a fresh nonce and deadline; still one Seize pending
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Seize(SRC, VAULT, 60, 3e18, 1, 2_000_000_000);
        assertEq(cc.reissuePortfolioSeize(id, _c(p), 2_000_000_000), 1, "a fresh nonce");
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.SeizeOutOfTurn.selector, id, 1, 1));
        cc.markPortfolioSeized(id, _c(p), 1, 0, 1, 2_000_000_000);
        p.thresholds[0] -= 1;
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioMismatch.selector, id));
        cc.reissuePortfolioSeize(id, _c(p), 2_000_000_000);
        p.thresholds[0] += 1;
        cc.markPortfolioSeizeExecuted(id, 3e18);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NoSeizePending.selector, id));
        cc.reissuePortfolioSeize(id, _c(p), 2_000_000_000);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSettlement.selector, address(this)));
        cc.reissuePortfolioSeize(id, _c(p), 2_000_000_000);
    }

    function test_expiredPortfolioReleaseIssuedAgain() public {
        PortfolioPublic memory p = _pub(70, 2);
        uint256 id = _credit(p);
        vm.startPrank(SETTLEMENT);
        // an active portfolio released nothing
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioLockNotReleased.selector, id, 0));
        cc.reissuePortfolioRelease(id, _c(p), 0, 2_000_000_000);
        cc.markPortfolioReleased(id, _c(p), 1_800_000_000);
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Release(SRC, VAULT, 71, 2, 2_000_000_000);
        assertEq(cc.reissuePortfolioRelease(id, _c(p), 1, 2_000_000_000), 2, "a fresh nonce");
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioInputOutOfRange.selector, "lockIndex", 2, 2));
        cc.reissuePortfolioRelease(id, _c(p), 2, 2_000_000_000);
        p.thresholds[0] -= 1;
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioMismatch.selector, id));
        cc.reissuePortfolioRelease(id, _c(p), 0, 2_000_000_000);
        p.thresholds[0] += 1;
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSettlement.selector, address(this)));
        cc.reissuePortfolioRelease(id, _c(p), 0, 2_000_000_000);
    }

    function test_seizureReleasesIssuedAgainNeverItsSeizes() public {
        PortfolioPublic memory p = _pub(80, 4);
        uint256 id = _credit(p);
        vm.startPrank(SETTLEMENT);
        // lock 0 skipped (released), lock 1 seized, lock 2 seized, lock 3 released by the close
        cc.markPortfolioSeized(id, _c(p), 1, 0, 1e18, 1_800_000_000);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioLockNotReleased.selector, id, 1));
        cc.reissuePortfolioRelease(id, _c(p), 1, 2_000_000_000); // its Seize is pending
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioLockNotReleased.selector, id, 2));
        cc.reissuePortfolioRelease(id, _c(p), 2, 2_000_000_000); // not reached yet
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Release(SRC, VAULT, 80, 2, 2_000_000_000);
        cc.reissuePortfolioRelease(id, _c(p), 0, 2_000_000_000);
        cc.markPortfolioSeizeExecuted(id, 1e18);
        cc.markPortfolioSeized(id, _c(p), 2, 0, 1e18, 1_800_000_000);
        cc.markPortfolioSeizeExecuted(id, 1e18);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioLockNotReleased.selector, id, 3));
        cc.reissuePortfolioRelease(id, _c(p), 3, 2_000_000_000); // still in the seizure
        cc.closePortfolioSeizure(id, _c(p), 1_800_000_000);
        for (uint256 i = 1; i < 3; ++i) {
            vm.expectRevert(abi.encodeWithSelector(CollateralCredit.PortfolioLockNotReleased.selector, id, i));
            cc.reissuePortfolioRelease(id, _c(p), i, 2_000_000_000); // seized, closed or not
        }
        uint64 next = cc.messageNonce();
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Release(SRC, VAULT, 83, next, 2_000_000_000);
        cc.reissuePortfolioRelease(id, _c(p), 3, 2_000_000_000);
        vm.expectEmit(true, true, true, true);
        emit CollateralCredit.Release(SRC, VAULT, 80, next + 1, 2_000_000_000);
        cc.reissuePortfolioRelease(id, _c(p), 0, 2_000_000_000);
        vm.stopPrank();
    }

    function test_seizeOnlyBySettlement() public {
        PortfolioPublic memory p = _pub(40, 2);
        uint256 id = _credit(p);
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSettlement.selector, OWNER));
        cc.markPortfolioSeized(id, _c(p), 0, 0, 1, 2_000_000_000);
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(CollateralCredit.NotSettlement.selector, OWNER));
        cc.markPortfolioSeizeExecuted(id, 0);
    }
}
