// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm, VM} from "../test/utils/Vm.sol";
import {RootRegistry} from "../src/RootRegistry.sol";
import {
    CollateralCredit, IRootRegistry, ICollateralLockVerifier, IPortfolioVerifier
} from "../src/CollateralCredit.sol";
import {CollateralLockVerifier} from "../src/CollateralLockVerifier.sol";
import {PortfolioVerifier} from "../src/PortfolioVerifier.sol";
import {PortfolioVerifierAdapter} from "../src/PortfolioVerifierAdapter.sol";
import {TestToken} from "../src/TestToken.sol";

/// @notice Deploy the execution side: RootRegistry, the CollateralLockVerifier (of the key it
/// was generated for), a quote TestToken (unless QUOTE_TOKEN is set), the Portfolio verifier
/// behind its adapter (unless PORTFOLIO_VERIFIER is set) and CollateralCredit; write
/// deployments/<chainid>-execution.json.
/// @dev Environment: DEPLOYER_KEY, COMMITTEE (comma-separated), THRESHOLD, SETTLEMENT;
/// optional QUOTE_TOKEN, LIQUIDATION_WINDOW (seconds, 1 day), PORTFOLIO_VERIFIER (an
/// IPortfolioVerifier, e.g. a PortfolioVerifierAdapter over the verifier of your own key;
/// default: the committed PortfolioVerifier, Portfolio(20, 32, 4) of a development key, behind a
/// new adapter, as `zkcollat.contracts.deploy` wires the verifier of the key it is given).
///   forge script script/DeployExecution.s.sol --rpc-url $RPC --broadcast
contract DeployExecution {
    Vm internal constant vm = VM;

    /// @notice Lock slots and assets of src/PortfolioVerifier.sol (its header's --slots, --assets).
    uint256 public constant PORTFOLIO_SLOTS = 32;
    uint256 public constant PORTFOLIO_ASSETS = 4;

    struct Deployed {
        address registry;
        address verifier;
        address quoteToken;
        address portfolioVerifier; // zero when PORTFOLIO_VERIFIER was given
        address portfolioAdapter; // what CollateralCredit calls
        address credit;
    }

    function run() external {
        uint256 key = vm.envUint("DEPLOYER_KEY");
        address[] memory committee = vm.envAddress("COMMITTEE", ",");
        uint8 threshold = uint8(vm.envUint("THRESHOLD"));
        address settlement = vm.envAddress("SETTLEMENT");
        address quote = vm.envOr("QUOTE_TOKEN", address(0));
        uint64 window = uint64(vm.envOr("LIQUIDATION_WINDOW", uint256(1 days)));
        address portfolio = vm.envOr("PORTFOLIO_VERIFIER", address(0));

        vm.startBroadcast(key);
        Deployed memory d = deploy(committee, threshold, settlement, quote, window, portfolio);
        vm.stopBroadcast();

        string memory o = "execution";
        vm.serializeAddress(o, "registry", d.registry);
        vm.serializeAddress(o, "verifier", d.verifier);
        vm.serializeAddress(o, "quoteToken", d.quoteToken);
        if (d.portfolioVerifier != address(0)) vm.serializeAddress(o, "portfolioVerifier", d.portfolioVerifier);
        vm.serializeAddress(o, "portfolioAdapter", d.portfolioAdapter);
        vm.serializeUint(o, "chainId", block.chainid);
        string memory out = vm.serializeAddress(o, "credit", d.credit);
        vm.writeJson(out, string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), "-execution.json"));
    }

    /// @notice Deploy the contracts (`quote` zero: a new TestToken; `portfolio` zero: the
    /// committed PortfolioVerifier behind a new PortfolioVerifierAdapter).
    function deploy(
        address[] memory committee,
        uint8 threshold,
        address settlement,
        address quote,
        uint64 window,
        address portfolio
    ) public returns (Deployed memory d) {
        d.registry = address(new RootRegistry(committee, threshold));
        d.verifier = address(new CollateralLockVerifier());
        d.quoteToken = quote == address(0) ? address(new TestToken("Quote USD", "USD", 6)) : quote;
        if (portfolio == address(0)) {
            d.portfolioVerifier = address(new PortfolioVerifier());
            portfolio = address(new PortfolioVerifierAdapter(d.portfolioVerifier, PORTFOLIO_SLOTS, PORTFOLIO_ASSETS));
        }
        d.portfolioAdapter = portfolio;
        d.credit = address(
            new CollateralCredit(
                IRootRegistry(d.registry),
                ICollateralLockVerifier(d.verifier),
                settlement,
                d.quoteToken,
                window,
                IPortfolioVerifier(portfolio)
            )
        );
    }
}
