"""Deploy the contracts with web3.py, from forge's build (``out/``) and ``poseidon/poseidon.json``.

The devnet and the gas measurement use this; ``script/Deploy.s.sol`` does the same with forge.
Every transaction is checked (status 1) and its receipt returned, so callers can read gas.

    from web3 import Web3
    sender = Sender(Web3(Web3.HTTPProvider(rpc)), private_key)
    hashers = deploy_poseidon(sender)
    vault = deploy_contract(sender, "CollateralVault", depth, grace, hashers, [token], ...)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkcollat.contracts.toolchain import PROJECT
from zkcollat.errors import SolidityError


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


class Sender:
    """One funded account sending transactions through web3 (legacy gas price from the node)."""

    def __init__(self, w3: Any, private_key: str | bytes) -> None:
        from eth_account import Account  # noqa: PLC0415

        self.w3 = w3
        self.account = Account.from_key(private_key)
        self.address: str = self.account.address

    def send(self, tx: dict[str, Any]) -> Any:
        """Sign, send and wait for ``tx``; raise unless it succeeded; return the receipt."""
        w3 = self.w3
        tx = dict(tx)
        tx.setdefault("from", self.address)
        tx.setdefault("nonce", w3.eth.get_transaction_count(self.address, "pending"))
        tx.setdefault("chainId", w3.eth.chain_id)
        if "maxFeePerGas" not in tx and "gasPrice" not in tx:
            tx["gasPrice"] = w3.eth.gas_price
        if "gas" not in tx:
            tx["gas"] = int(w3.eth.estimate_gas(tx) * 1.2) + 50_000
        signed = self.account.sign_transaction(tx)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        if receipt["status"] != 1:
            raise SolidityError(
                f"transaction {tx_hash.hex()} reverted: {tx.get('data', '')[:10]!r}"
            )
        return receipt

    def deploy_code(self, creation: bytes) -> str:
        receipt = self.send({"data": "0x" + creation.hex()})
        address: str = receipt["contractAddress"]
        return address

    def call_fn(self, fn: Any) -> Any:
        """Send a bound contract function (``contract.functions.f(args)``); the receipt."""
        return self.send(
            fn.build_transaction(
                {
                    "from": self.address,
                    "gas": 15_000_000,
                    "nonce": self.w3.eth.get_transaction_count(self.address, "pending"),
                }
            )
        )


def deploy_contract(sender: Sender, name: str, *args: Any, project: Path = PROJECT) -> Any:
    """Deploy ``name`` from forge's build with constructor ``args``; the web3 contract object."""
    art = artifact(name, project)
    factory = sender.w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    tx = factory.constructor(*args).build_transaction(
        {
            "from": sender.address,
            "gas": 15_000_000,
            "nonce": sender.w3.eth.get_transaction_count(sender.address, "pending"),
        }
    )
    receipt = sender.send(tx)
    return sender.w3.eth.contract(address=receipt["contractAddress"], abi=art.abi)


def deploy_poseidon(sender: Sender, project: Path = PROJECT) -> list[str]:
    """Deploy the four Poseidon contracts; their addresses in the vault's order."""
    return [sender.deploy_code(code) for code in poseidon_creation_codes(project)]


def deploy_vault(
    sender: Sender,
    hashers: Sequence[str],
    *,
    depth: int,
    withdraw_grace_s: int,
    tokens: Sequence[str],
    recipients: dict[int, str],
    committee: Sequence[str],
    threshold: int,
    project: Path = PROJECT,
) -> Any:
    """A CollateralVault (source chain); ``recipients`` maps destination chain -> seize payee."""
    dests = sorted(recipients)
    return deploy_contract(
        sender,
        "CollateralVault",
        depth,
        withdraw_grace_s,
        [checksum(h) for h in hashers],
        [checksum(t) for t in tokens],
        dests,
        [checksum(recipients[d]) for d in dests],
        [checksum(m) for m in committee],
        threshold,
        project=project,
    )
