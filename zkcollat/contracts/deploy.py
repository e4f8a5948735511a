"""The one deployer of the contracts (web3.py), from forge's build (``out/``) and
``poseidon/poseidon.json``; ``script/Deploy.s.sol`` does the same with forge.

Every transaction goes through :class:`zkcollat.chain.TxSender` and its journal, keyed by what
it deploys or calls: with a journal in a file (the devnet's ``D/deploy.sqlite``) a deployment
cut short resumes where it stopped and never deploys a contract twice; the gas measurement uses
a journal in memory. Every transaction is checked (status 1) and its receipt is at hand, so
callers can read gas.

    deployer = Deployer(TxSender(ChainClient(rpc), account, open_journal(path)))
    hashers = deploy_poseidon(deployer)
    vault = deployer.deploy("vault", "CollateralVault", depth, grace, hashers, [token], ...)

:func:`deploy_devnet` deploys both chains of a devnet (``zkcollat devnet up``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkcollat.chain.client import ChainClient
from zkcollat.chain.errors import ChainError
from zkcollat.chain.journal import TxRecord
from zkcollat.chain.sender import Call, TxSender
from zkcollat.contracts.toolchain import PROJECT
from zkcollat.errors import SolidityError
from zkcollat.formats import limits

#: Devnet parameters of the vault and the credit contract (:func:`deploy_devnet`).
WITHDRAW_GRACE_S = 3600
NO_ADDRESS = "0x" + "00" * 20
LIQUIDATION_WINDOW_S = 86400
COLLATERAL_DECIMALS = 18
QUOTE_DECIMALS = 6


@dataclass(frozen=True)
class Artifact:
    """A contract of forge's build: ABI and creation code."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes


def artifact(name: str, project: Path = PROJECT) -> Artifact:
    """``out/<name>.sol/<name>.json`` of a built project (run ``zkcollat contracts build``)."""
    path = project / "out" / f"{name}.sol" / f"{name}.json"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError as e:
        raise SolidityError(f"{path} is missing: run `zkcollat contracts build` first") from e
    code = doc.get("bytecode", {}).get("object", "")
    if not isinstance(code, str) or not code.startswith("0x") or len(code) < 4:
        raise SolidityError(f"{path} has no creation bytecode")
    return Artifact(name, doc["abi"], bytes.fromhex(code[2:]))


def poseidon_creation_codes(project: Path = PROJECT) -> list[bytes]:
    """Creation code of [poseidon2, poseidon6 segment 0, 1, 2] (the vault's ``hashers_``)."""
    doc = json.loads((project / "poseidon" / "poseidon.json").read_text())
    codes = [doc["poseidon2"], *doc["poseidon6"]]
    if len(codes) != 4:
        raise SolidityError("poseidon.json must hold poseidon2 and three poseidon6 segments")
    return [bytes.fromhex(c[2:]) for c in codes]


def checksum(address: str) -> str:
    """EIP-55 form of an address (web3.py refuses any other)."""
    from web3 import Web3  # noqa: PLC0415

    return str(Web3.to_checksum_address(address))


class Deployer:
    """Deploys and calls contracts of a forge build through one journaled sender.

    Each transaction has a key (what it deploys or calls); without one, the next of a counter
    (only for a journal that lives as long as the deployer, such as one in memory)."""

    def __init__(self, sender: TxSender, project: Path = PROJECT) -> None:
        self.sender = sender
        self.project = project
        self._n = 0

    @property
    def address(self) -> str:
        """The deploying account (EIP-55)."""
        return checksum(self.sender.address)

    @property
    def w3(self) -> Any:
        return self.sender.client.w3

    def _key(self, key: str | None) -> str:
        if key is not None:
            return key
        self._n += 1
        return f"tx{self._n}"

    def send(
        self, to: str | None, data: bytes, *, key: str | None = None, gas: int | None = None
    ) -> TxRecord:
        """Send (or resume) the transaction ``key``; wait until mined; raise unless status 1."""
        kind = "deploy" if to is None else "setup"
        return self.sender.wait(self.sender.submit(kind, self._key(key), Call(to, data, gas=gas)))

    def receipt(self, rec: TxRecord) -> Any:
        receipt = self.sender.client.receipt(rec.hash)
        if receipt is None:
            raise ChainError(f"{rec.kind} {rec.key}: no receipt for {rec.hash_hex}")
        return receipt

    def call(self, fn: Any, *, key: str | None = None, gas: int | None = None) -> Any:
        """Send a bound contract function (``contract.functions.f(args)``); its receipt."""
        rec = self.send(str(fn.address), function_data(fn), key=key, gas=gas)
        return self.receipt(rec)

    def deploy_code(self, creation: bytes, *, key: str | None = None) -> str:
        """Deploy raw creation code; the new contract's address (lower case)."""
        rec = self.send(None, creation, key=key)
        address = self.receipt(rec).get("contractAddress")
        if not address:
            raise ChainError(f"deployment {rec.key} ({rec.hash_hex}) created no contract")
        return str(address).lower()

    def deploy(self, name: str, *args: Any, key: str | None = None) -> str:
        """Deploy ``name`` of the build with constructor ``args``; its address (lower case)."""
        return self.deploy_code(constructor_data(name, args, self.project), key=key)

    def contract(self, name: str, address: str) -> Any:
        """The web3 contract object of ``name`` at ``address``."""
        return self.w3.eth.contract(
            address=checksum(address), abi=artifact(name, self.project).abi
        )


def function_data(fn: Any) -> bytes:
    """The calldata of a bound web3 contract function."""
    return bytes.fromhex(str(fn._encode_transaction_data()).removeprefix("0x"))


def constructor_data(name: str, args: Sequence[Any], project: Path = PROJECT) -> bytes:
    """Creation code of ``name`` followed by its ABI-encoded constructor ``args``."""
    from web3 import Web3  # noqa: PLC0415

    art = artifact(name, project)
    c = Web3().eth.contract(abi=art.abi, bytecode=art.bytecode)
    return bytes.fromhex(str(c.constructor(*args).data_in_transaction).removeprefix("0x"))


def deploy_poseidon(deployer: Deployer, *, keys: Sequence[str] | None = None) -> list[str]:
    """Deploy the four Poseidon contracts; their addresses in the vault's order."""
    codes = poseidon_creation_codes(deployer.project)
    names = list(keys) if keys is not None else [None] * len(codes)
    return [deployer.deploy_code(c, key=k) for c, k in zip(codes, names, strict=True)]


def deploy_vault(
    deployer: Deployer,
    hashers: Sequence[str],
    *,
    depth: int,
    withdraw_grace_s: int,
    tokens: Sequence[str],
    recipients: dict[int, str],
    committee: Sequence[str],
    threshold: int,
    key: str | None = None,
) -> str:
    """A CollateralVault (source chain); ``recipients`` maps destination chain -> seize payee."""
    dests = sorted(recipients)
    return deployer.deploy(
        "CollateralVault",
        depth,
        withdraw_grace_s,
        [checksum(h) for h in hashers],
        [checksum(t) for t in tokens],
        dests,
        [checksum(recipients[d]) for d in dests],
        [checksum(m) for m in committee],
        threshold,
        key=key,
    )


def verifier_creation(vk_path: Path, node_modules: Path) -> bytes:
    """Creation code of a CollateralLock verifier generated for the key at ``vk_path``."""
    from zkcollat.formats.snarkjs import vk_from_json  # noqa: PLC0415
    from zkcollat.solidity import generate_collateral_lock_verifier  # noqa: PLC0415
    from zkcollat.solidity.solc import compile_sources  # noqa: PLC0415

    vk = vk_from_json(limits.read_json(vk_path, "verification key", limits.SMALL_JSON))
    src = generate_collateral_lock_verifier(vk)
    comp = compile_sources({"CollateralLockVerifier.sol": src}, node_modules)
    return comp.contracts["CollateralLockVerifier"].bytecode


def portfolio_verifier_creation(
    vk_path: Path, slots: int, assets: int, node_modules: Path
) -> bytes:
    """Creation code of a Portfolio(D, ``slots``, ``assets``) verifier generated for the key at
    ``vk_path`` (SolidityError if the key has another number of public inputs)."""
    from zkcollat.formats.snarkjs import vk_from_json  # noqa: PLC0415
    from zkcollat.solidity.portfolio import generate_portfolio_verifier  # noqa: PLC0415
    from zkcollat.solidity.solc import compile_sources  # noqa: PLC0415

    vk = vk_from_json(limits.read_json(vk_path, "verification key", limits.SMALL_JSON))
    src = generate_portfolio_verifier(vk, slots, assets)
    comp = compile_sources({"PortfolioVerifier.sol": src}, node_modules)
    return comp.contracts["PortfolioVerifier"].bytecode


@dataclass(frozen=True)
class PortfolioKey:
    """The Portfolio statement a devnet's credit contract verifies: its key's verification key
    and its k (slots) and m (assets)."""

    vk_path: Path
    slots: int
    assets: int


def deploy_portfolio_verifier(
    exe: Deployer, key: PortfolioKey, node_modules: Path, *, prefix: str = ""
) -> tuple[str, str]:
    """The generated verifier of ``key`` and the PortfolioVerifierAdapter over it (what
    CollateralCredit calls); (verifier, adapter)."""
    code = portfolio_verifier_creation(key.vk_path, key.slots, key.assets, node_modules)
    verifier = exe.deploy_code(code, key=f"{prefix}portfolioVerifier")
    adapter = exe.deploy(
        "PortfolioVerifierAdapter",
        checksum(verifier),
        key.slots,
        key.assets,
        key=f"{prefix}portfolioAdapter",
    )
    return verifier, adapter


def deploy_devnet(
    src: Deployer,
    exe: Deployer,
    *,
    members: Sequence[str],
    threshold: int,
    depth: int,
    recipient: str,
    settlement: str,
    vk_path: Path,
    node_modules: Path,
    portfolio: PortfolioKey | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, dict[str, str]]:
    """Both chains of a devnet; ``{"source": {...addresses}, "execution": {...}}``.

    Source: the Poseidon contracts, a test collateral token and the vault (the committee, the
    seize recipient of the execution chain). Execution: the root registry (the same committee),
    the CollateralLock verifier generated from ``vk_path`` (compiled with solc-js), with
    ``portfolio`` the Portfolio verifier of that key and its adapter, a test quote token and the
    credit contract (settled by ``settlement``). Keyed by what each deploys."""
    hashers = deploy_poseidon(src, keys=["poseidon2", "poseidon6.0", "poseidon6.1", "poseidon6.2"])
    token = src.deploy("TestToken", "Collateral", "COL", COLLATERAL_DECIMALS, key="token")
    vault = deploy_vault(
        src,
        hashers,
        depth=depth,
        withdraw_grace_s=WITHDRAW_GRACE_S,
        tokens=[token],
        recipients={exe.sender.chain_id: recipient},
        committee=members,
        threshold=threshold,
        key="vault",
    )
    log(f"source: vault {vault}, collateral token {token}")
    registry = exe.deploy(
        "RootRegistry", [checksum(m) for m in members], threshold, key="registry"
    )
    verifier = exe.deploy_code(verifier_creation(vk_path, node_modules), key="verifier")
    portfolio_addrs: dict[str, str] = {}
    adapter = NO_ADDRESS  # no Portfolio verifier: the credit contract refuses portfolios
    if portfolio is not None:
        pv, adapter = deploy_portfolio_verifier(exe, portfolio, node_modules)
        portfolio_addrs = {"portfolioVerifier": pv, "portfolioAdapter": adapter}
        log(
            f"execution: Portfolio(k={portfolio.slots}, m={portfolio.assets}) verifier {pv}, "
            f"adapter {adapter}"
        )
    quote = exe.deploy("TestToken", "Quote dollar", "QUSD", QUOTE_DECIMALS, key="quote")
    credit = exe.deploy(
        "CollateralCredit",
        checksum(registry),
        checksum(verifier),
        checksum(settlement),
        checksum(quote),
        LIQUIDATION_WINDOW_S,
        checksum(adapter),
        key="credit",
    )
    log(f"execution: registry {registry}, verifier {verifier}, credit {credit}, quote {quote}")
    return {
        "source": {"vault": vault, "token": token},
        "execution": {
            "registry": registry,
            "verifier": verifier,
            "credit": credit,
            "quoteToken": quote,
            **portfolio_addrs,
        },
    }


def development_deployer(rpc: str, private_key: str, project: Path = PROJECT) -> Deployer:
    """A deployer for a throw-away chain: a public development key, a journal in memory."""
    from eth_account import Account  # noqa: PLC0415

    from zkcollat.chain.journal import open_journal  # noqa: PLC0415

    sender = TxSender(ChainClient(rpc), Account.from_key(private_key), open_journal(":memory:"))
    return Deployer(sender, project)
