"""The deployed contracts as web3 objects, from Foundry's build artifacts (``forge build``).

ABIs are read from ``verifier_contracts/out/<Name>.sol/<Name>.json`` (or the folder a
configuration names), never written out by hand, so the relayer always speaks the ABI of the
contracts that were built. Event decoding goes through the same ABI.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.contract import Contract

from zkcollat.chain.client import LogRef
from zkcollat.chain.errors import ChainError

PROJECT = Path(__file__).resolve().parents[2] / "verifier_contracts"


class ArtifactError(ChainError):
    """A contract's build artifact is missing or malformed (run `zkcollat contracts build`)."""


def artifacts_dir(given: Path | None = None) -> Path:
    return given if given is not None else PROJECT / "out"


@cache
def _artifact(out: Path, name: str) -> dict[str, Any]:
    p = out / f"{name}.sol" / f"{name}.json"
    try:
        d = json.loads(p.read_text())
    except OSError as e:
        raise ArtifactError(
            f"no build artifact for {name} at {p}: run `zkcollat contracts build` first"
        ) from e
    except json.JSONDecodeError as e:
        raise ArtifactError(f"artifact {p} is not JSON: {e}") from e
    if not isinstance(d, dict) or not isinstance(d.get("abi"), list):
        raise ArtifactError(f"artifact {p} has no ABI")
    return d


def abi(name: str, out: Path | None = None) -> list[dict[str, Any]]:
    a = _artifact(artifacts_dir(out), name)["abi"]
    assert isinstance(a, list)
    return a


def bytecode(name: str, out: Path | None = None) -> bytes:
    d = _artifact(artifacts_dir(out), name)
    obj = d.get("bytecode", {}).get("object") if isinstance(d.get("bytecode"), dict) else None
    if not isinstance(obj, str) or len(obj) < 4:
        raise ArtifactError(f"artifact of {name} has no creation bytecode")
    return bytes.fromhex(obj.removeprefix("0x"))


def contract(w3: Web3, name: str, address: str, out: Path | None = None) -> Contract:
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi(name, out))


def decode(c: Contract, lg: LogRef) -> tuple[str, dict[str, Any]] | None:
    """(event name, args) of a log of ``c``, or None if no event of its ABI has that topic."""
    if not lg.topics:
        return None
    for ev in c.all_events():
        ev_abi = ev.abi
        types = ",".join(i["type"] if i["type"] != "tuple" else _tuple(i) for i in ev_abi["inputs"])
        sig = f"{ev_abi['name']}({types})"
        if Web3.keccak(text=sig) != lg.topics[0]:
            continue
        raw = {
            "topics": [bytes(t) for t in lg.topics],
            "data": lg.data,
            "address": Web3.to_checksum_address(lg.address),
            "blockHash": lg.block_hash,
            "blockNumber": lg.block_number,
            "transactionHash": lg.tx_hash,
            "transactionIndex": 0,
            "logIndex": lg.log_index,
        }
        decoded = ev().process_log(raw)
        return str(ev_abi["name"]), dict(decoded["args"])
    return None


def _tuple(i: dict[str, Any]) -> str:
    return "(" + ",".join(c["type"] for c in i["components"]) + ")"
