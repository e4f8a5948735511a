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
import {PortfolioVerifier} from "../src/PortfolioVerifier.sol";
import {PortfolioVerifierAdapter} from "../src/PortfolioVerifierAdapter.sol";
import {DeployExecution} from "../script/DeployExecution.s.sol";

/// @notice creditPortfolio with the real Portfolio(20, 32, 4) proof of
/// test/fixtures/portfolio_20_32.json through the generated verifier (development key): all 32
/// locks credited at once, and a changed threshold refused. Reads a fixture file, so its gas
/// depends on the checkout's path: it runs in `contracts test`, not in .gas-snapshot.
contract CollateralCreditRealPortfolioTest is TestBase {
    uint256[3] internal keys = [uint256(0xA11CE), 0xB0B, 0xCA401];
    uint256 internal constant SRC = 1;
    address internal constant VAULT = address(0x7A017);
    RootRegistry internal reg;
    CollateralCredit internal cc;
    CollateralCredit.Proof internal proof;
    PortfolioPublic internal pub;

    function setUp() public {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/portfolio_20_32.json"));
        bytes memory data = vm.parseJsonBytes(json, ".calldata.verifyPortfolio");
        bytes memory args = new bytes(data.length - 4);
        for (uint256 i = 0; i < args.length; ++i) {
            args[i] = data[i + 4];
        }
        (proof.a, proof.b, proof.c) = abi.decode(args, (uint256[2], uint256[2][2], uint256[2]));
        _values(args);
        vm.chainId(pub.destChainId);
        vm.warp(1_700_000_000);
        reg = new RootRegistry(_members(), 2);
        IPortfolioVerifier adapter = new PortfolioVerifierAdapter(address(new PortfolioVerifier()), 32, 4);
        cc = new CollateralCredit(
            IRootRegistry(address(reg)), ICollateralLockVerifier(address(0)), address(0x5E771E), address(0), 1 days, adapter
        );
        _attestRoot(reg);
    }

    /// @dev The committee's three members (the addresses of `keys`).
    function _members() internal view returns (address[] memory m) {
        m = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            m[i] = vm.addr(keys[i]);
        }
    }

    /// @dev Two of the three members attest the fixture's root of (SRC, VAULT) to `r`.
    function _attestRoot(RootRegistry r) internal {
        RootRegistry.RootAttestation memory a =
            RootRegistry.RootAttestation(SRC, VAULT, 100, bytes32(pub.root), uint64(block.timestamp));
        bytes32 h = keccak256(abi.encode(r.ROOT_TYPEHASH(), a.sourceChainId, a.vault, a.blockNumber, a.root, a.timestamp));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", r.domainSeparator(), h));
        bytes memory sigs;
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 rs, bytes32 ss) = vm.sign(keys[i], digest);
            sigs = abi.encodePacked(sigs, rs, ss, v);
        }
        r.submitRoot(a, sigs);
    }

    /// @dev The public values after the proof (8 words): the used slots' lockIds (a prefix)
    /// and every listed asset (padding included).
    function _values(bytes memory args) internal {
        bytes memory rest = new bytes(args.length - 256);
        for (uint256 i = 0; i < rest.length; ++i) {
            rest[i] = args[i + 256];
        }
        (uint256 root, uint64 dest, address owner, uint64 minExpiry, uint64[32] memory ids,,) =
            abi.decode(rest, (uint256, uint64, address, uint64, uint64[32], address[4], uint128[4]));
        (,,,,, address[4] memory assets, uint128[4] memory thr) =
            abi.decode(rest, (uint256, uint64, address, uint64, uint64[32], address[4], uint128[4]));
        pub.root = root;
        pub.destChainId = dest;
        pub.owner = uint256(uint160(owner));
        pub.minExpiry = minExpiry;
        uint256 n = 1;
        while (n < 32 && ids[n] != 0) {
            ++n;
        }
        for (uint256 i = 0; i < n; ++i) {
            pub.lockIds.push(ids[i]);
        }
        for (uint256 j = 0; j < 4; ++j) {
            pub.assets.push(uint160(assets[j]));
            pub.thresholds.push(thr[j]);
        }
    }

    function test_realPortfolioProofCreditsEveryLock() public {
        PortfolioPublic memory p = pub;
        vm.prank(address(uint160(p.owner)));
        uint256 before = gasleft();
        uint256 id = cc.creditPortfolio(SRC, VAULT, proof, p);
        uint256 used = before - gasleft();
        assertEq(id, 1, "credited");
        for (uint256 i = 0; i < p.lockIds.length; ++i) {
            assertTrue(cc.inPortfolio(SRC, VAULT, uint64(p.lockIds[i])), "every lock registered");
        }
        assertLe(used, 650_000, "creditPortfolio with verification, 32 locks");
    }

    function test_adapterSelectorIsTheGeneratedVerifiers() public {
        PortfolioVerifierAdapter a = new PortfolioVerifierAdapter(address(1), 32, 4);
        assertEq(bytes32(a.selector()), bytes32(PortfolioVerifier.verifyPortfolio.selector), "k = 32, m = 4");
        vm.expectRevert(abi.encodeWithSelector(PortfolioVerifierAdapter.BadShape.selector, 0, 4));
        new PortfolioVerifierAdapter(address(1), 0, 4);
        vm.expectRevert(abi.encodeWithSelector(PortfolioVerifierAdapter.BadShape.selector, 8, 17));
        new PortfolioVerifierAdapter(address(1), 8, 17);
    }

    function test_moreLocksOrAssetsThanTheKeyHasAreFalse() public view {
        PortfolioVerifierAdapter a = PortfolioVerifierAdapter(address(cc.portfolioVerifier()));
        PortfolioPublic memory p = pub;
        assertTrue(a.verifyPortfolio(proof.a, proof.b, proof.c, p), "the fixture verifies");
        p.assets = new uint256[](5);
        p.thresholds = new uint256[](5);
        assertTrue(!a.verifyPortfolio(proof.a, proof.b, proof.c, p), "5 assets for m = 4");
        p = pub;
        p.lockIds = new uint256[](33);
        assertTrue(!a.verifyPortfolio(proof.a, proof.b, proof.c, p), "33 locks for k = 32");
        p = pub;
        p.owner = uint256(1) << 160;
        assertTrue(!a.verifyPortfolio(proof.a, proof.b, proof.c, p), "owner out of range");
    }

    /// @dev script/DeployExecution.s.sol without PORTFOLIO_VERIFIER deploys the committed
    /// verifier behind an adapter of its shape: the fixture's real proof credits through it.
    function test_deployScriptWiresAPortfolioVerifier() public {
        address[] memory m = _members();
        DeployExecution script = new DeployExecution();
        DeployExecution.Deployed memory d = script.deploy(m, 2, address(0x5E771E), address(0), 1 days, address(0));
        CollateralCredit credit = CollateralCredit(d.credit);
        assertEq(address(credit.portfolioVerifier()), d.portfolioAdapter, "the credit calls the adapter");
        PortfolioVerifierAdapter a = PortfolioVerifierAdapter(d.portfolioAdapter);
        assertEq(a.verifier(), d.portfolioVerifier, "over the deployed verifier");
        assertEq(a.slots(), 32, "k");
        assertEq(a.assets(), 4, "m");
        _attestRoot(RootRegistry(d.registry));
        PortfolioPublic memory p = pub;
        vm.prank(address(uint160(p.owner)));
        assertEq(credit.creditPortfolio(SRC, VAULT, proof, p), 1, "the real proof credits");
        // a verifier given in the environment is used as it is, and nothing else is deployed
        DeployExecution.Deployed memory e = script.deploy(m, 2, address(0x5E771E), address(0), 1 days, address(0xBEEF));
        assertEq(address(CollateralCredit(e.credit).portfolioVerifier()), address(0xBEEF), "given");
        assertEq(e.portfolioVerifier, address(0), "none deployed");
    }

    function test_realProofWithAChangedThresholdRefused() public {
        PortfolioPublic memory p = pub;
        p.thresholds[0] += 1;
        vm.prank(address(uint160(p.owner)));
        vm.expectRevert(CollateralCredit.InvalidProof.selector);
        cc.creditPortfolio(SRC, VAULT, proof, p);
    }
}
