"""Interoperability with snarkjs, the peer users compare us with.

* ``snarkjs groth16 verify`` accepts our verification key, public signals and proof;
* our verifier accepts a proof snarkjs made for a circuit we exported as ``.r1cs`` with a
  witness we exported as ``.wtns`` (snarkjs's own setup on a small powers-of-tau file).
"""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import pytest

from tests.jstools import snarkjs_cli
from zkcollat.formats.r1cs_bin import write_r1cs
from zkcollat.formats.snarkjs import proof_to_json, public_to_json, vk_to_json
from zkcollat.formats.verify_json import verify_snarkjs
from zkcollat.formats.wtns import write_wtns
from zkcollat.gadgets.merkle import merkle_root_plain, path_indices_of
from zkcollat.groth16.prove import fullprove
from zkcollat.groth16.setup import setup
from zkcollat.statements import MerkleInclusion

pytestmark = pytest.mark.slow


def _snarkjs(*args: str, cwd: Path) -> str:
    proc = subprocess.run(
        [*snarkjs_cli(), *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise AssertionError(f"snarkjs {' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
    return proc.stdout


def _inputs(depth: int) -> dict[str, object]:
    leaf = 0x1234567890
    siblings = [(k + 1) * 0x9E3779B97F4A7C15 for k in range(depth)]
    bits = path_indices_of(5 % (1 << depth), depth)
    return {
        "root": merkle_root_plain(leaf, siblings, bits),
        "leaf": leaf,
        "pathElements": siblings,
        "pathIndices": bits,
    }


def _write(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj))


def test_snarkjs_verifies_our_proof(native, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cs = MerkleInclusion(3).compile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk, vk = setup(cs)
    proof, public = fullprove(pk, cs, _inputs(3))
    _write(tmp_path / "vk.json", vk_to_json(vk))
    _write(tmp_path / "public.json", public_to_json(public))
    _write(tmp_path / "proof.json", proof_to_json(proof))
    out = _snarkjs("groth16", "verify", "vk.json", "public.json", "proof.json", cwd=tmp_path)
    assert "OK" in out
    # and snarkjs refuses it for other public signals
    _write(tmp_path / "public.json", public_to_json([public[0], public[1] + 1]))
    proc = subprocess.run(
        [*snarkjs_cli(), "groth16", "verify", "vk.json", "public.json", "proof.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "OK" not in proc.stdout


def test_we_verify_snarkjs_proof_of_our_r1cs(native, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cs = MerkleInclusion(2).compile()  # ~490 constraints: a 2^10 powers-of-tau suffices
    witness = cs.solve(_inputs(2))
    write_r1cs(cs, tmp_path / "c.r1cs")
    write_wtns(witness, tmp_path / "c.wtns")
    _snarkjs("powersoftau", "new", "bn128", "10", "pot0.ptau", cwd=tmp_path)
    _snarkjs(
        "powersoftau",
        "contribute",
        "pot0.ptau",
        "pot1.ptau",
        "--name=test",
        "-e=zkcollat test entropy",
        cwd=tmp_path,
    )
    _snarkjs("powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau", cwd=tmp_path)
    _snarkjs("groth16", "setup", "c.r1cs", "pot.ptau", "c.zkey", cwd=tmp_path)
    _snarkjs("zkey", "export", "verificationkey", "c.zkey", "vk.json", cwd=tmp_path)
    _snarkjs("groth16", "prove", "c.zkey", "c.wtns", "proof.json", "public.json", cwd=tmp_path)
    vk = json.loads((tmp_path / "vk.json").read_text())
    public = json.loads((tmp_path / "public.json").read_text())
    proof = json.loads((tmp_path / "proof.json").read_text())
    assert [int(x) for x in public] == cs.public_values(witness)
    assert verify_snarkjs(vk, public, proof)
    public[1] = str(int(public[1]) + 1)
    assert not verify_snarkjs(vk, public, proof)
