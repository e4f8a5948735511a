// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/TestBase.sol";
import {RootRegistry} from "../src/RootRegistry.sol";
import {Committee} from "../src/lib/Committee.sol";

contract RootRegistryTest is TestBase {
    uint256[5] internal keys = [uint256(0xA11CE), 0xB0B, 0xCA401, 0xD0D, 0xE1E];
    address[] internal members;
    RootRegistry internal reg;
    address internal constant VAULT = address(0x7A017);

    function setUp() public {
        for (uint256 i = 0; i < 3; ++i) {
            members.push(vm.addr(keys[i]));
        }
        reg = new RootRegistry(members, 2);
    }

    function _att(uint64 blockNumber, bytes32 root) internal view returns (RootRegistry.RootAttestation memory) {
        return RootRegistry.RootAttestation(1, VAULT, blockNumber, root, uint64(block.timestamp));
    }

    function _sign(RootRegistry.RootAttestation memory a, uint256[] memory ks) internal view returns (bytes memory sigs) {
        bytes32 h = keccak256(abi.encode(reg.ROOT_TYPEHASH(), a.sourceChainId, a.vault, a.blockNumber, a.root, a.timestamp));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", reg.domainSeparator(), h));
        for (uint256 i = 0; i < ks.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(ks[i], digest);
            sigs = abi.encodePacked(sigs, r, s, v);
        }
    }

    function _ks(uint256 a, uint256 b) internal view returns (uint256[] memory k) {
        k = new uint256[](2);
        k[0] = keys[a];
        k[1] = keys[b];
    }

    function test_submitAndHistory() public {
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(111)));
        reg.submitRoot(a, _sign(a, _ks(0, 1)));
        RootRegistry.RootAttestation memory b = _att(11, bytes32(uint256(222)));
        reg.submitRoot(b, _sign(b, _ks(2, 0)));
        assertTrue(reg.isAcceptedRoot(1, VAULT, 111), "old root kept");
        assertTrue(reg.isAcceptedRoot(1, VAULT, 222), "new root");
        assertTrue(!reg.isAcceptedRoot(2, VAULT, 222), "other chain");
    }

    function test_blockMustIncrease() public {
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(111)));
        reg.submitRoot(a, _sign(a, _ks(0, 1)));
        RootRegistry.RootAttestation memory b = _att(10, bytes32(uint256(222)));
        bytes memory sigs = _sign(b, _ks(0, 1));
        vm.expectRevert(abi.encodeWithSelector(RootRegistry.StaleBlock.selector, 1, VAULT, 10, 10));
        reg.submitRoot(b, sigs);
    }

    function test_zeroRootRefused() public {
        RootRegistry.RootAttestation memory a = _att(10, bytes32(0));
        bytes memory sigs = _sign(a, _ks(0, 1));
        vm.expectRevert(RootRegistry.ZeroRoot.selector);
        reg.submitRoot(a, sigs);
    }

    function test_duplicateSignerRefused() public {
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(1)));
        bytes memory sigs = _sign(a, _ks(1, 1));
        vm.expectRevert(abi.encodeWithSelector(Committee.DuplicateSigner.selector, 1, members[1]));
        reg.submitRoot(a, sigs);
    }

    function test_nonMemberRefused() public {
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(1)));
        uint256[] memory k = _ks(0, 3);
        bytes memory sigs = _sign(a, k);
        vm.expectRevert(abi.encodeWithSelector(Committee.NotCommitteeMember.selector, 1, vm.addr(keys[3])));
        reg.submitRoot(a, sigs);
    }

    function test_highSRefused() public {
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(1)));
        bytes memory sigs = _sign(a, _ks(0, 1));
        // The malleable twin of signature 0: s' = n - s, v flipped.
        uint256 n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        bytes32 s;
        assembly {
            s := mload(add(sigs, 0x40))
        }
        bytes32 s2 = bytes32(n - uint256(s));
        uint8 v = uint8(sigs[64]) == 27 ? 28 : 27;
        assembly {
            mstore(add(sigs, 0x40), s2)
        }
        sigs[64] = bytes1(v);
        vm.expectRevert(abi.encodeWithSelector(Committee.SignatureHighS.selector, 0));
        reg.submitRoot(a, sigs);
    }

    function test_badLengthAndV() public {
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(1)));
        bytes memory sigs = _sign(a, _ks(0, 1));
        bytes memory cut = new bytes(129);
        for (uint256 i = 0; i < 129; ++i) {
            cut[i] = sigs[i];
        }
        vm.expectRevert(abi.encodeWithSelector(Committee.SignatureLength.selector, 129));
        reg.submitRoot(a, cut);
        sigs[64] = bytes1(uint8(29));
        vm.expectRevert(abi.encodeWithSelector(Committee.SignatureBadV.selector, 0, 29));
        reg.submitRoot(a, sigs);
    }

    function test_rotation() public {
        address[] memory next = new address[](3);
        next[0] = vm.addr(keys[2]);
        next[1] = vm.addr(keys[3]);
        next[2] = vm.addr(keys[4]);
        bytes32 h = keccak256(abi.encode(reg.ROTATION_TYPEHASH(), uint64(1), keccak256(abi.encodePacked(next)), uint8(2)));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", reg.domainSeparator(), h));
        bytes memory sigs;
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs = abi.encodePacked(sigs, r, s, v);
        }
        vm.expectRevert(abi.encodeWithSelector(Committee.WrongEpoch.selector, 1, 2));
        reg.rotateCommittee(2, next, 2, sigs);
        reg.rotateCommittee(1, next, 2, sigs);
        assertEq(reg.epoch(), 1, "epoch");
        assertTrue(!reg.isMember(vm.addr(keys[0])), "old member out");
        // Replaying the same rotation fails on the epoch.
        vm.expectRevert(abi.encodeWithSelector(Committee.WrongEpoch.selector, 2, 1));
        reg.rotateCommittee(1, next, 2, sigs);
        // Old members no longer sign roots.
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(1)));
        bytes memory old = _sign(a, _ks(0, 1));
        vm.expectRevert(abi.encodeWithSelector(Committee.NotCommitteeMember.selector, 0, vm.addr(keys[0])));
        reg.submitRoot(a, old);
        reg.submitRoot(a, _sign(a, _ks(3, 4)));
    }

    function test_weakCommitteesRefused() public {
        address[] memory four = new address[](4);
        for (uint256 i = 0; i < 4; ++i) {
            four[i] = vm.addr(keys[i]);
        }
        vm.expectRevert(abi.encodeWithSelector(Committee.WeakThreshold.selector, 2, 4));
        new RootRegistry(four, 2);
        vm.expectRevert(abi.encodeWithSelector(Committee.WeakThreshold.selector, 1, 1));
        new RootRegistry(new address[](1), 1);
        four[3] = four[0];
        vm.expectRevert(abi.encodeWithSelector(Committee.DuplicateMember.selector, 3, four[0]));
        new RootRegistry(four, 3);
        four[3] = address(0);
        vm.expectRevert(abi.encodeWithSelector(Committee.ZeroMember.selector, 3));
        new RootRegistry(four, 3);
        vm.expectRevert(abi.encodeWithSelector(Committee.CommitteeSize.selector, 0));
        new RootRegistry(new address[](0), 2);
    }

    function test_pauseByThreshold() public {
        bytes32 h = keccak256(abi.encode(reg.PAUSE_TYPEHASH(), true, uint64(0)));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", reg.domainSeparator(), h));
        bytes memory sigs;
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs = abi.encodePacked(sigs, r, s, v);
        }
        reg.setPaused(true, 0, sigs);
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(1)));
        bytes memory rs = _sign(a, _ks(0, 1));
        vm.expectRevert(RootRegistry.RegistryPaused.selector);
        reg.submitRoot(a, rs);
        vm.expectRevert(abi.encodeWithSelector(RootRegistry.BadPauseMessage.selector, true, 0));
        reg.setPaused(true, 0, sigs);
        // Resume with the next nonce.
        h = keccak256(abi.encode(reg.PAUSE_TYPEHASH(), false, uint64(1)));
        digest = keccak256(abi.encodePacked("\x19\x01", reg.domainSeparator(), h));
        sigs = "";
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs = abi.encodePacked(sigs, r, s, v);
        }
        reg.setPaused(false, 1, sigs);
        assertEq(reg.pauseNonce(), 2, "pause nonce");
        reg.submitRoot(a, rs);
    }

    function testFuzz_randomSignaturesRejected(bytes32 r, bytes32 s, uint8 v) public {
        RootRegistry.RootAttestation memory a = _att(10, bytes32(uint256(1)));
        bytes memory sigs = abi.encodePacked(r, s, v, r, s, v);
        vm.expectRevert();
        reg.submitRoot(a, sigs);
    }
}
