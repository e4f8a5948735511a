"""Session fixtures for the Solidity tests: verification cases, one compilation, one EVM.

To add a case (for example a real CollateralLock(20) proof), drop a JSON file into
``tests/solidity/vectors/`` with ``{"verification_key": {...}, "proof": {...}, "public": [...]}``
in snarkjs's formats (a ``"command"`` field saying how it was made is welcome): every test
parametrised over ``CASE_NAMES`` then runs on it; 7-input keys also get a CollateralLockVerifier.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.jstools import node_modules
from tests.solidity.synthetic import Case, synthetic_case
from zkcollat.field import R
from zkcollat.formats.snarkjs import proof_from_json, public_from_json, vk_from_json
from zkcollat.solidity.evm import LocalEvm
from zkcollat.solidity.solc import Compilation, compile_sources
from zkcollat.solidity.verifier import generate_collateral_lock_verifier, generate_verifier

VECTORS = Path(__file__).parent / "vectors"

#: CollateralLock public inputs (PROTOCOL.md s.4.1 order) with realistic values.
COLLATERAL_VALUES = {
    "root": 0x1D3C5E7F9A2B4C6D8E0F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F,
    "destChainId": 42161,
    "owner": 0x00000000219AB540356CBB839CBE05303D7705FA,
    "assetId": 0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48,
    "lockId": 7,
    "threshold": 2_500 * 10**6,
    "minExpiry": 1_900_000_000,
}

SYNTHETIC = {
    # name: public inputs (the key has as many inputs)
    "one_input": (42,),
    "edges": (0, R - 1, 1),
    "collateral7": tuple(COLLATERAL_VALUES.values()),
    "other7": (1, 2, 3, 4, 5, 6, 7),
}


def file_cases() -> list[Case]:
    out = []
    for path in sorted(VECTORS.glob("*.json")):
        d = json.loads(path.read_text())
        out.append(
            Case(
                f"file_{path.stem}",
                vk_from_json(d["verification_key"]),
                proof_from_json(d["proof"]),
                tuple(public_from_json(d["public"])),
            )
        )
    return out


CASE_NAMES = list(SYNTHETIC) + [f"file_{p.stem}" for p in sorted(VECTORS.glob("*.json"))]
#: Vector files whose key has CollateralLock's 7 public inputs.
FILE_CASES_7 = [
    f"file_{p.stem}"
    for p in sorted(VECTORS.glob("*.json"))
    if json.loads(p.read_text())["verification_key"]["nPublic"] == 7
]


@dataclass
class Deployed:
    """Everything compiled and deployed for the session."""

    evm: LocalEvm
    compilation: Compilation
    sources: dict[str, str]
    cases: dict[str, Case]
    verifier: dict[str, str]  # case name -> address of its Groth16 verifier
    collateral: dict[str, str]  # case name -> address of its CollateralLockVerifier (7 inputs)
    harness: dict[str, str]  # case name -> address of a contract calling _verifyGroth16


#: A contract that inherits a generated verifier and calls its internal check, then uses
#: Solidity memory afterwards (the check must leave the free memory pointer and memory intact).
HARNESS = """
// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.20 <0.9.0;
import "./V_{name}.sol";

contract Harness_{ident} is Verifier_{ident} {{
    function check(
        uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC,
        uint[{n}] calldata _pubSignals
    ) external view returns (bool ok, bytes32 memoryDigest) {{
        bytes memory before = abi.encode(uint256(0x5eed), _pubSignals);
        uint256 pA;
        uint256 pB;
        uint256 pC;
        uint256 pub;
        assembly {{
            pA := _pA
            pB := _pB
            pC := _pC
            pub := _pubSignals
        }}
        ok = _verifyGroth16(pA, pB, pC, pub);
        bytes memory later = abi.encode(uint256(0x5eed), _pubSignals);
        memoryDigest = keccak256(abi.encode(before, later));
    }}

    /// verifyProof is public: called internally it must hand control back (a verifier that
    /// returns from assembly would end this whole call after 32 bytes).
    function viaVerifyProof(
        uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC,
        uint[{n}] calldata _pubSignals
    ) external view returns (bool ok, uint256 marker) {{
        ok = verifyProof(_pA, _pB, _pC, _pubSignals);
        marker = 0xbeef;
    }}
}}
"""


def _ident(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


@pytest.fixture(scope="session")
def cases() -> dict[str, Case]:
    out = {name: synthetic_case(name, pub) for name, pub in SYNTHETIC.items()}
    out.update({c.name: c for c in file_cases()})
    return out


@pytest.fixture(scope="session")
def deployed(cases: dict[str, Case]) -> Deployed:
    if importlib.util.find_spec("pyrevm") is None:
        if os.environ.get("CI"):
            pytest.fail("pyrevm (a test dependency) is required in CI to run the verifiers")
        pytest.skip("pyrevm is not installed (pip install pyrevm)")
    sources: dict[str, str] = {}
    for name, case in cases.items():
        sources[f"V_{name}.sol"] = generate_verifier(case.vk, f"Verifier_{_ident(name)}")
        if case.vk.n_public == 7:
            sources[f"C_{name}.sol"] = generate_collateral_lock_verifier(
                case.vk, f"CollateralLock_{_ident(name)}"
            )
    for name, case in cases.items():
        sources[f"H_{name}.sol"] = HARNESS.format(
            name=name, ident=_ident(name), n=case.vk.n_public
        )
    compilation = compile_sources(sources, node_modules())
    evm = LocalEvm()
    verifier = {
        n: evm.deploy(compilation[f"Verifier_{_ident(n)}"].bytecode) for n in cases
    }
    collateral = {
        n: evm.deploy(compilation[f"CollateralLock_{_ident(n)}"].bytecode)
        for n, c in cases.items()
        if c.vk.n_public == 7
    }
    harness = {n: evm.deploy(compilation[f"Harness_{_ident(n)}"].bytecode) for n in cases}
    return Deployed(evm, compilation, sources, cases, verifier, collateral, harness)


def export_cli(args: list[str]) -> int:
    """``zkcollat export ARGS`` through click (in process); its stdout goes to ours."""
    from click.testing import CliRunner

    from zkcollat.cli import main

    result = CliRunner().invoke(main, ["export", *args])
    print(result.stdout, end="")
    return result.exit_code
