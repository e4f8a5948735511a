"""Calldata export: the same text as ``snarkjs zkey export soliditycalldata``, the JSON list,
the raw ABI bytes, and the values it refuses to encode."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.jstools import snarkjs_cli
from tests.solidity.conftest import COLLATERAL_VALUES, VECTORS
from tests.solidity.conftest import export_cli as cli
from zkcollat.curve import G1Point
from zkcollat.errors import EncodingError, FieldError, PointError
from zkcollat.field import R
from zkcollat.formats.snarkjs import proof_from_json, public_from_json
from zkcollat.groth16.keys import Proof
from zkcollat.solidity.calldata import (
    calldata_args,
    calldata_json,
    collateral_lock_public,
    encode_words,
    selector,
    soliditycalldata,
    verify_collateral_lock_calldata,
    verify_proof_calldata,
)

VECTOR = VECTORS / "synthetic_collateral7.json"


@pytest.fixture(scope="module")
def vector() -> tuple[Proof, list[int]]:
    d = json.loads(VECTOR.read_text())
    return proof_from_json(d["proof"]), public_from_json(d["public"])


def test_text_is_what_snarkjs_prints(vector: tuple[Proof, list[int]], tmp_path: Path) -> None:
    d = json.loads(VECTOR.read_text())
    (tmp_path / "proof.json").write_text(json.dumps(d["proof"]))
    (tmp_path / "public.json").write_text(json.dumps(d["public"]))
    out = subprocess.run(
        [*snarkjs_cli(), "zkey", "export", "soliditycalldata", "public.json", "proof.json"],
        cwd=tmp_path, capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    proof, public = vector
    assert soliditycalldata(proof, public) == out.strip()
    assert calldata_json(proof, public) == json.loads("[" + out + "]")


def test_args_and_bytes(vector: tuple[Proof, list[int]]) -> None:
    proof, public = vector
    a, b, c, pub = calldata_args(proof, public)
    assert a == [proof.a.x, proof.a.y] and c == [proof.c.x, proof.c.y] and pub == public
    assert b == [[proof.b.x[1], proof.b.x[0]], [proof.b.y[1], proof.b.y[0]]]  # EIP-197 order
    data = verify_proof_calldata(proof, public)
    sel = selector("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[7])")
    assert data[:4] == sel  # checked against solc's ABI in test_verifier_evm
    assert data[4:] == encode_words([*a, *b[0], *b[1], *c, *pub])
    assert len(data) == 4 + 32 * 15
    named = dict(zip(COLLATERAL_VALUES, public, strict=True))
    lock = verify_collateral_lock_calldata(proof, named)
    assert lock[4:] == data[4:] and lock[:4] != data[:4]


def test_selector_known_answer() -> None:
    # keccak256("transfer(address,uint256)")[:4], the best-known selector.
    assert selector("transfer(address,uint256)").hex() == "a9059cbb"


def test_what_calldata_export_refuses(vector: tuple[Proof, list[int]]) -> None:
    proof, public = vector
    for bad in (R, public[0] + R, -1):
        with pytest.raises(FieldError):
            verify_proof_calldata(proof, [bad, *public[1:]])
    with pytest.raises(PointError, match="A"):
        verify_proof_calldata(Proof(G1Point(1, 3), proof.b, proof.c), public)
    with pytest.raises(EncodingError):
        calldata_args(proof, "123")  # type: ignore[arg-type]
    for w in (-1, 1 << 256, True):
        with pytest.raises(EncodingError):
            encode_words([w])
    named = dict(COLLATERAL_VALUES)
    assert len(collateral_lock_public(named)) == 7
    for name, bits in (("destChainId", 64), ("owner", 160), ("threshold", 128), ("root", 256)):
        with pytest.raises(EncodingError, match=name):
            collateral_lock_public({**named, name: 1 << bits})
    with pytest.raises(FieldError, match="root"):
        collateral_lock_public({**named, "root": R})
    with pytest.raises(EncodingError, match="missing"):
        collateral_lock_public({k: v for k, v in named.items() if k != "owner"})
    with pytest.raises(EncodingError, match="unexpected"):
        collateral_lock_public({**named, "amount": 1})


def test_cli_calldata(
    vector: tuple[Proof, list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = json.loads(VECTOR.read_text())
    (tmp_path / "proof.json").write_text(json.dumps(d["proof"]))
    (tmp_path / "public.json").write_text(json.dumps(d["public"]))
    proof, public = vector
    args = [str(tmp_path / "public.json"), str(tmp_path / "proof.json")]  # snarkjs's order
    assert cli(["calldata", *args]) == 0
    assert capsys.readouterr().out.strip() == soliditycalldata(proof, public)
    assert cli(["calldata", *args, "--format", "hex"]) == 0
    assert capsys.readouterr().out.strip() == "0x" + verify_proof_calldata(proof, public).hex()
    assert cli(["calldata", *args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == calldata_json(proof, public)
