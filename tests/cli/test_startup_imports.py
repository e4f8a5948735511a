"""What the command line imports: a command loads what it uses and nothing else.

Each check runs the command in a fresh interpreter (``python -c``), then lists the modules of
``HEAVY`` present in ``sys.modules``: a module-level import that drags in the statements, the
Poseidon constants, SQLite or a web3/crypto stack shows up here by name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.ceremony.makers import make_ptau, tiny_r1cs, tiny_witness
from zkcollat.ceremony.phase2 import circuit_from_r1cs, contribute, new_zkey
from zkcollat.curve import Backend
from zkcollat.formats.ptau import read_ptau
from zkcollat.formats.wtns import write_wtns

ROOT = Path(__file__).resolve().parents[2]

#: Never needed to prove a snarkjs key's witness or to print the version.
HEAVY = (
    "sqlite3",
    "zkcollat.statements",
    "zkcollat.gadgets",
    "zkcollat.r1cs",
    "zkcollat.hash.poseidon",
    "zkcollat.ceremony.phase2",
    "zkcollat.cli.ceremony_cmd",  # the ceremony and keys command groups
    "zkcollat.formats.ptau",
    "zkcollat.formats.r1cs_bin",
    "zkcollat.groth16.prove",
    "zkcollat.groth16.qap",
    "zkcollat.vault",
    "zkcollat.attest",
    "zkcollat.margin",
    "zkcollat.relayer",
    "zkcollat.chain",
    "cryptography",
    "Crypto",
    "web3",
    "eth_account",
    "numpy",
    "dask",
    "matplotlib",
)


def loaded_after(*args: str, cwd: Path) -> list[str]:
    """Run ``zkcollat ARGS`` in a fresh interpreter; the HEAVY modules it had loaded."""
    code = (
        "import json, sys\n"
        "from zkcollat.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
        "    or any(m == h or m.startswith(h + '.') for h in heavy))))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ZKCOLLAT_CACHE": str(cwd / "cache")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd
    )
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    assert loaded_after("--version", cwd=tmp_path) == []


def test_prove_zkey_wtns_imports_only_what_it_uses(tmp_path: Path, native: Backend) -> None:
    """``zkcollat prove --zkey K --wtns W``, twice (converting the key, then from the cache):
    no statement, circuit compiler, Poseidon, SQLite or ceremony module, and the proof
    verifies."""
    from zkcollat.formats.snarkjs import proof_from_json, public_from_json
    from zkcollat.groth16.verify import verify

    zk = new_zkey(circuit_from_r1cs(tiny_r1cs()), read_ptau(make_ptau(3, 3, 5, 7)))
    contribute(zk)
    (tmp_path / "k.zkey").write_bytes(zk.to_bytes())
    write_wtns(tiny_witness(3, 5), tmp_path / "w.wtns")
    args = ("-q", "prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json")
    for _ in range(2):
        assert loaded_after(*args, "--public", "pub.json", cwd=tmp_path) == []
    from zkcollat.ceremony.keys import zkey_to_vk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vk = zkey_to_vk(zk)
    public = public_from_json(json.loads((tmp_path / "pub.json").read_text()))
    proof = proof_from_json(json.loads((tmp_path / "p.json").read_text()))
    assert public == [tiny_witness(3, 5)[1]] and verify(vk, public, proof)


def test_prove_pk_input_imports_no_statement_or_poseidon(tmp_path: Path, native: Backend) -> None:
    """``zkcollat prove --pk K --input I`` with a key that carries its circuit: no statement,
    no Poseidon constants, no SQLite, no ceremony code; the proof verifies."""
    from tests.groth16.circuits import Cube
    from zkcollat.formats import pkey
    from zkcollat.formats.snarkjs import proof_from_json, public_from_json
    from zkcollat.groth16.setup import setup
    from zkcollat.groth16.verify import verify

    pk, vk = setup(Cube().compile(), seed=b"startup")
    assert pk.circuit is not None
    pkey.save(pk, tmp_path / "k.zkpk")
    (tmp_path / "input.json").write_text(json.dumps({"y": "35", "tag": "7", "x": "3"}))
    args = ("-q", "prove", "--pk", "k.zkpk", "--input", "input.json", "-o", "p.json")
    loaded = loaded_after(*args, "--public", "pub.json", cwd=tmp_path)
    needed = ("zkcollat.r1cs", "zkcollat.gadgets", "zkcollat.groth16")  # the prover's own
    assert [m for m in loaded if not m.startswith(needed)] == []
    assert not any(m in loaded for m in ("zkcollat.gadgets.poseidon", "zkcollat.gadgets.merkle"))
    public = public_from_json(json.loads((tmp_path / "pub.json").read_text()))
    proof = proof_from_json(json.loads((tmp_path / "p.json").read_text()))
    assert public == [35, 7] and verify(vk, public, proof)


def test_circuit_names_are_the_registry() -> None:
    """The option choices are spelled out (no import of the statements): the same names, in
    the same order, as the registry."""
    from zkcollat.cli.circuit_cmd import CIRCUITS
    from zkcollat.statements import STATEMENTS

    assert tuple(STATEMENTS) == CIRCUITS


@pytest.mark.parametrize("command", ["prove", "verify", "setup", "keys", "ceremony"])
def test_help_of_proof_commands_loads_no_statement(tmp_path: Path, command: str) -> None:
    assert "zkcollat.statements" not in loaded_after(command, "--help", cwd=tmp_path)
