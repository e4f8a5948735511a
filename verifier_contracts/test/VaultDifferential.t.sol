// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Fixture} from "./utils/Fixture.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {TestToken} from "../src/TestToken.sol";

/// @notice Differential: random locks committed in random batches give, leaf by leaf and root by
/// root, what the Python tree gives (test/fixtures/vault_differential.json, written by
/// tests/contracts/make_fixtures.py from zkcollat.vault).
contract VaultDifferentialTest is Fixture {
    string internal json;

    function setUp() public {
        json = vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/vault_differential.json"));
    }

    function _replay(string memory run) internal {
        uint8 depth = uint8(vm.parseJsonUint(json, string.concat(run, ".depth")));
        setUpVault(depth);
        // The collateral token sits where Python assumed it (assetId is part of the leaf).
        address asset = address(uint160(vm.parseJsonUint(json, string.concat(run, ".asset"))));
        vm.etch(asset, address(token).code);
        token = TestToken(asset);
        vm.prank(vault.admin());
        vault.setTokenAllowed(asset, true);

        uint256[] memory batches = vm.parseJsonUintArray(json, string.concat(run, ".batches"));
        uint256[] memory owners = vm.parseJsonUintArray(json, string.concat(run, ".owners"));
        uint256[] memory amounts = vm.parseJsonUintArray(json, string.concat(run, ".amounts"));
        uint256[] memory expiries = vm.parseJsonUintArray(json, string.concat(run, ".expiries"));
        uint256[] memory leaves = vm.parseJsonUintArray(json, string.concat(run, ".leaves"));
        uint256[] memory roots = vm.parseJsonUintArray(json, string.concat(run, ".roots"));
        uint64 id = 0;
        for (uint256 b = 0; b < batches.length; ++b) {
            for (uint256 i = 0; i < batches[b]; ++i) {
                address depositor = address(uint160(0x1000 + id));
                token.mint(depositor, amounts[id]);
                vm.startPrank(depositor);
                token.approve(address(vault), amounts[id]);
                vault.lock(asset, uint128(amounts[id]), address(uint160(owners[id])), DEST, uint64(expiries[id]));
                vm.stopPrank();
                assertEq(vault.pendingLeaf(id), leaves[id], string.concat("leaf of lock ", vm.toString(id)));
                ++id;
            }
            uint256 root = vault.commitRoot();
            assertEq(root, roots[b], string.concat("root after batch ", vm.toString(b)));
            assertEq(vault.rootAt(id), roots[b], "rootAt");
            assertEq(vault.pendingLeaf(id - 1), 0, "pending leaf cleared");
        }
    }

    function test_rootsMatchPythonDepth20() public {
        _replay(".deep");
    }

    function test_oneLockPerCommitMatchesPython() public {
        _replay(".single");
        assertEq(vault.leafCount(), 32, "filled one by one");
    }

    function test_unevenBatchesMatchPython() public {
        _replay(".pairs");
        assertEq(vault.leafCount(), 64, "filled in uneven batches");
    }

    function test_fullVaultMatchesPythonAndRefuses() public {
        _replay(".full");
        assertEq(vault.lockCount(), 16, "filled");
        token.mint(address(this), 1);
        token.approve(address(vault), 1);
        vm.expectRevert(abi.encodeWithSelector(CollateralVault.VaultFull.selector, 16));
        vault.lock(address(token), 1, address(1), DEST, 2_000_000_000);
    }
}
