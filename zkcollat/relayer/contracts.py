"""The deployed contracts as web3 objects, from Foundry's build artifacts (``forge build``).

ABIs are read from ``verifier_contracts/out/<Name>.sol/<Name>.json`` (or the folder a
configuration names) through :func:`zkcollat.contracts.deploy.artifact`, never written out by
hand, so the relayer always speaks the ABI of the contracts that were built. Event decoding goes
through the same ABI.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.contract import Contract

from zkcollat.chain.client import LogRef
from zkcollat.chain.errors import ChainError
from zkcollat.contracts.deploy import Artifact, artifact
from zkcollat.contracts.toolchain import PROJECT
from zkcollat.errors import SolidityError
from zkcollat.vault import Lock


class ArtifactError(ChainError):
    """A contract's build artifact is missing or malformed (run `zkcollat contracts build`)."""


def artifacts_dir(given: Path | None = None) -> Path:
    return given if given is not None else PROJECT / "out"


def _artifact(out: Path, name: str) -> Artifact:
    try:
        return artifact(name, out.parent)
    except SolidityError as e:
        raise ArtifactError(str(e)) from e


def abi(name: str, out: Path | None = None) -> list[dict[str, Any]]:
    return _artifact(artifacts_dir(out), name).abi


def bytecode(name: str, out: Path | None = None) -> bytes:
    return _artifact(artifacts_dir(out), name).bytecode


#: The build's record of what it was built from, next to the artifacts (``out/``).
SOURCES_STAMP = "sources.sha256"
_SOURCE_DIRS = ("src", "test", "script")
_SOURCE_FILES = ("foundry.toml", "remappings.txt", "tools/solc")


def sources_digest(project: Path = PROJECT) -> str:
    """SHA-256 over what ``forge build`` reads: every ``.sol`` under ``src/``, ``test/`` and
    ``script/`` (path and content), ``foundry.toml``, the solc shim, and the pinned tool
    versions. A file added, removed, renamed or edited changes it."""
    from zkcollat.contracts.toolchain import FOUNDRY_VERSION, SOLC_VERSION

    h = hashlib.sha256(f"forge {FOUNDRY_VERSION} solc {SOLC_VERSION}\n".encode())
    files = [project / f for f in _SOURCE_FILES if (project / f).is_file()]
    for d in _SOURCE_DIRS:
        if (project / d).is_dir():
            files += (project / d).rglob("*.sol")
    for f in sorted(files, key=lambda f: f.relative_to(project).as_posix()):
        data = f.read_bytes()
        h.update(f"{f.relative_to(project).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _forge_build(project: Path) -> None:
    from zkcollat.contracts.toolchain import Toolchain, locate

    Toolchain(locate().node_modules, project).forge("build")


def ensure_build(project: Path = PROJECT) -> Path:
    """The project's forge build (``out/``), built with the pinned toolchain unless ``out/``
    holds a build of exactly the current sources (:func:`sources_digest`, recorded in
    ``out/sources.sha256`` after each successful build): a contract edited since is rebuilt,
    never used stale. forge's own cache keeps the rebuild to the files that changed. Processes
    sharing the project build one at a time (a lock file in ``out/``)."""
    out = project / "out"
    if _current(out, sources_digest(project)):
        return out
    out.mkdir(parents=True, exist_ok=True)
    with (out / ".build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # the digest of the sources as they are before this build: an edit made while forge
        # runs leaves a stamp that no longer matches, so the next call builds again
        digest = sources_digest(project)
        if _current(out, digest):  # built by another process while this one waited
            return out
        _forge_build(project)
        tmp = out / f".{SOURCES_STAMP}.{os.getpid()}.tmp"
        tmp.write_text(digest + "\n")
        os.replace(tmp, out / SOURCES_STAMP)
    return out


def _current(out: Path, digest: str) -> bool:
    stamp = out / SOURCES_STAMP
    return (
        (out / "CollateralVault.sol" / "CollateralVault.json").is_file()
        and stamp.is_file()
        and stamp.read_text().strip() == digest
    )


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


def lock_from_event(args: Mapping[str, Any]) -> Lock:
    """The lock that a vault's ``Locked`` event announces (the event's decoded arguments)."""
    return Lock(
        int(args["lockId"]),
        int(str(args["owner"]), 16),
        int(args["destChainId"]),
        int(str(args["token"]), 16),
        int(args["amount"]),
        int(args["expiry"]),
    )


def locks_on_chain(vault: Contract) -> list[Lock]:
    """Every lock of a source-chain vault contract, from its ``Locked`` events, by lockId."""
    logs = vault.events.Locked().get_logs(from_block=0)
    return sorted((lock_from_event(e["args"]) for e in logs), key=lambda lk: lk.lock_id)
