// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm, VM} from "../test/utils/Vm.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {TestToken} from "../src/TestToken.sol";

/// @notice Deploy the source-chain side: the Poseidon contracts, a TestToken (unless TOKEN is
/// set) and a CollateralVault; write deployments/<chainid>-source.json.
/// @dev Environment: DEPLOYER_KEY, COMMITTEE (comma-separated), THRESHOLD, DEST_CHAIN_ID,
/// RECIPIENT; optional TOKEN, DEPTH (20), WITHDRAW_GRACE (seconds, 3 days).
///   forge script script/DeploySource.s.sol --rpc-url $RPC --broadcast
contract DeploySource {
    Vm internal constant vm = VM;

    function _create(bytes memory code) internal returns (address a) {
        assembly {
            a := create(0, add(code, 0x20), mload(code))
        }
        require(a != address(0), "create failed");
    }

    struct Config {
        uint256 key;
        address[] committee;
        uint8 threshold;
        uint64 dest;
        address recipient;
        address token;
        uint8 depth;
        uint64 grace;
    }

    function _config() internal view returns (Config memory c) {
        c.key = vm.envUint("DEPLOYER_KEY");
        c.committee = vm.envAddress("COMMITTEE", ",");
        c.threshold = uint8(vm.envUint("THRESHOLD"));
        c.dest = uint64(vm.envUint("DEST_CHAIN_ID"));
        c.recipient = vm.envAddress("RECIPIENT");
        c.token = vm.envOr("TOKEN", address(0));
        c.depth = uint8(vm.envOr("DEPTH", uint256(20)));
        c.grace = uint64(vm.envOr("WITHDRAW_GRACE", uint256(3 days)));
    }

    function _vault(Config memory c, address[4] memory hashers) internal returns (CollateralVault) {
        address[] memory tokens = new address[](1);
        tokens[0] = c.token;
        uint64[] memory dests = new uint64[](1);
        dests[0] = c.dest;
        address[] memory recipients = new address[](1);
        recipients[0] = c.recipient;
        return new CollateralVault(c.depth, c.grace, hashers, tokens, dests, recipients, c.committee, c.threshold);
    }

    function run() external {
        Config memory c = _config();
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/poseidon/poseidon.json"));
        bytes memory p2 = vm.parseJsonBytes(json, ".poseidon2");
        bytes[] memory p6 = vm.parseJsonBytesArray(json, ".poseidon6");

        vm.startBroadcast(c.key);
        address[4] memory hashers = [_create(p2), _create(p6[0]), _create(p6[1]), _create(p6[2])];
        if (c.token == address(0)) c.token = address(new TestToken("Collateral", "COL", 18));
        CollateralVault vault = _vault(c, hashers);
        vm.stopBroadcast();

        string memory o = "source";
        vm.serializeAddress(o, "poseidon2", hashers[0]);
        vm.serializeAddress(o, "poseidon6a", hashers[1]);
        vm.serializeAddress(o, "poseidon6b", hashers[2]);
        vm.serializeAddress(o, "poseidon6c", hashers[3]);
        vm.serializeAddress(o, "token", c.token);
        vm.serializeUint(o, "chainId", block.chainid);
        string memory out = vm.serializeAddress(o, "vault", address(vault));
        vm.writeJson(out, string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), "-source.json"));
    }
}
