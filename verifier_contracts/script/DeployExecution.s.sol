// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm, VM} from "../test/utils/Vm.sol";
import {RootRegistry} from "../src/RootRegistry.sol";
import {
    CollateralCredit, IRootRegistry, ICollateralLockVerifier, IPortfolioVerifier
} from "../src/CollateralCredit.sol";
import {CollateralLockVerifier} from "../src/CollateralLockVerifier.sol";
import {TestToken} from "../src/TestToken.sol";

/// @notice Deploy the execution side: RootRegistry, the CollateralLockVerifier (of the key it
/// was generated for), a quote TestToken (unless QUOTE_TOKEN is set) and CollateralCredit;
/// write deployments/<chainid>-execution.json.
/// @dev Environment: DEPLOYER_KEY, COMMITTEE (comma-separated), THRESHOLD, SETTLEMENT;
/// optional QUOTE_TOKEN, LIQUIDATION_WINDOW (seconds, 1 day).
///   forge script script/DeployExecution.s.sol --rpc-url $RPC --broadcast
contract DeployExecution {
    Vm internal constant vm = VM;

    function run() external {
        uint256 key = vm.envUint("DEPLOYER_KEY");
        address[] memory committee = vm.envAddress("COMMITTEE", ",");
        uint8 threshold = uint8(vm.envUint("THRESHOLD"));
        address settlement = vm.envAddress("SETTLEMENT");
        address quote = vm.envOr("QUOTE_TOKEN", address(0));
        uint64 window = uint64(vm.envOr("LIQUIDATION_WINDOW", uint256(1 days)));
        address portfolio = vm.envOr("PORTFOLIO_VERIFIER", address(0)); // zero: no portfolios

        vm.startBroadcast(key);
        RootRegistry registry = new RootRegistry(committee, threshold);
        CollateralLockVerifier verifier = new CollateralLockVerifier();
        if (quote == address(0)) quote = address(new TestToken("Quote USD", "USD", 6));
        CollateralCredit credit = new CollateralCredit(
            IRootRegistry(address(registry)), ICollateralLockVerifier(address(verifier)), settlement, quote, window,
            IPortfolioVerifier(portfolio)
        );
        vm.stopBroadcast();

        string memory o = "execution";
        vm.serializeAddress(o, "registry", address(registry));
        vm.serializeAddress(o, "verifier", address(verifier));
        vm.serializeAddress(o, "quoteToken", quote);
        vm.serializeUint(o, "chainId", block.chainid);
        string memory out = vm.serializeAddress(o, "credit", address(credit));
        vm.writeJson(out, string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), "-execution.json"));
    }
}
