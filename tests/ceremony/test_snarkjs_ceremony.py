"""Phase 2 and proving against snarkjs itself, on a circomlib circuit that is not ours
(compiled here with circom2 from npm) and a small ptau made here with snarkjs:

* `snarkjs zkey verify` accepts a chain mixing zkcollat's and snarkjs's contributions and a
  zkcollat beacon; `zkcollat ceremony verify` accepts one snarkjs started and ended;
* a tampered contribution is refused by both;
* `zkcollat prove --zkey --wtns` writes what `snarkjs groth16 prove` writes (same layout),
  snarkjs verifies our proof and we verify snarkjs's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import run
from tests.jstools import node_modules, snarkjs_cli
from zkcollat.ceremony.phase2 import CeremonyError, circuit_from_r1cs, verify
from zkcollat.formats.ptau import read_ptau
from zkcollat.formats.snarkjs import proof_from_json, public_from_json, vk_from_json
from zkcollat.formats.zkey import read_zkey, write_zkey
from zkcollat.groth16.verify import verify as groth16_verify

pytestmark = pytest.mark.slow

CIRCUIT = """pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";

template HashAndCompare() {
    signal input a;
    signal input b;
    signal input c;
    signal output h;
    signal output lt;
    component p = Poseidon(3);
    p.inputs[0] <== a;
    p.inputs[1] <== b;
    p.inputs[2] <== c;
    h <== p.out;
    component l = LessThan(32);
    l.in[0] <== a;
    l.in[1] <== b;
    lt <== l.out;
}

component main {public [c]} = HashAndCompare();
"""


def _sj(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*snarkjs_cli(), *args], cwd=cwd, capture_output=True, text=True, timeout=1200
    )
    if ok and proc.returncode != 0:
        raise AssertionError(f"snarkjs {' '.join(args)}: {proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("snarkjs_ceremony")
    nm = node_modules()
    circom = nm / ".bin" / "circom2"
    if not circom.exists():
        pytest.fail("circom2 is pinned in package.json but missing from node_modules")
    (d / "c.circom").write_text(CIRCUIT)
    # circom2 runs as WASI with the working folder as its file system: circomlib is copied in
    shutil.copytree(nm / "circomlib" / "circuits", d / "circomlib" / "circuits")
    subprocess.run(
        [str(circom), "c.circom", "--r1cs", "--wasm", "-o", ".", "-l", "."],
        cwd=d,
        check=True,
        capture_output=True,
        timeout=1200,
    )
    (d / "input.json").write_text(json.dumps({"a": "5", "b": "77", "c": "123456789"}))
    _sj("wtns", "calculate", "c_js/c.wasm", "input.json", "c.wtns", cwd=d)
    _sj("powersoftau", "new", "bn128", "10", "p0.ptau", cwd=d)
    _sj("powersoftau", "contribute", "p0.ptau", "p1.ptau", "--name=t", "-e=test", cwd=d)
    _sj("powersoftau", "prepare", "phase2", "p1.ptau", "pot.ptau", cwd=d)
    return d


def test_snarkjs_verifies_a_chain_zkcollat_started(world: Path, native: object) -> None:
    d = world
    run(
        "ceremony",
        "new",
        str(d / "c.r1cs"),
        str(d / "pot.ptau"),
        "-o",
        str(d / "z0.zkey"),
        "--force",
    )
    run("ceremony", "contribute", str(d / "z0.zkey"), str(d / "z1.zkey"), "--name", "zk", "--force")
    _sj("zkey", "contribute", "z1.zkey", "z2.zkey", "--name=sj", "-e=more", cwd=d)
    run("ceremony", "beacon", str(d / "z2.zkey"), str(d / "z3.zkey"), "0a0b0c0d", "10", "--force")
    out = _sj("zkey", "verify", "c.r1cs", "pot.ptau", "z3.zkey", cwd=d).stdout
    assert "ZKey Ok!" in out
    v = run(
        "ceremony", "verify", str(d / "z3.zkey"), str(d / "pot.ptau"), "--r1cs", str(d / "c.r1cs")
    )
    assert "contribution #2 sj" in v.stdout and "DEVELOPMENT KEY" in v.stdout


def test_zkcollat_verifies_a_chain_snarkjs_made(world: Path, native: object) -> None:
    d = world
    _sj("zkey", "new", "c.r1cs", "pot.ptau", "s0.zkey", cwd=d)
    _sj("zkey", "contribute", "s0.zkey", "s1.zkey", "--name=one", "-e=x", cwd=d)
    run("ceremony", "contribute", str(d / "s1.zkey"), str(d / "s2.zkey"), "--force")
    _sj("zkey", "beacon", "s2.zkey", "s3.zkey", "0102030405060708", "10", "-n=final", cwd=d)
    circuit = circuit_from_r1cs((d / "c.r1cs").read_bytes())
    ptau = read_ptau(d / "pot.ptau")
    result = verify(read_zkey(d / "s3.zkey"), circuit, ptau)
    assert [c.name for c in result.contributions] == ["one", None, "final"]
    # the initial keys of both tools are the same bytes (section order aside)
    ours = run(
        "ceremony",
        "new",
        str(d / "c.r1cs"),
        str(d / "pot.ptau"),
        "-o",
        str(d / "o0.zkey"),
        "--force",
    )
    assert ours.exit_code == 0
    assert read_zkey(d / "o0.zkey") == read_zkey(d / "s0.zkey")
    # a tampered contribution: both tools refuse it
    bad = read_zkey(d / "s3.zkey")
    g1 = bytearray(bad.contributions[1].g1_sx)
    bad.contributions[1].g1_sx = bytes(read_zkey(d / "s3.zkey").contributions[0].g1_sx)
    assert bytes(g1) != bad.contributions[1].g1_sx
    write_zkey(bad, d / "bad.zkey")
    with pytest.raises(CeremonyError, match="contribution #2"):
        verify(bad, circuit, ptau)
    proc = _sj("zkey", "verify", "c.r1cs", "pot.ptau", "bad.zkey", cwd=d, ok=False)
    assert "ZKey Ok!" not in proc.stdout


def test_drop_in_prove_both_ways(
    world: Path, native: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = world
    monkeypatch.setenv("ZKCOLLAT_CACHE", str(tmp_path / "cache"))
    if not (d / "s3.zkey").exists():
        pytest.skip("needs the chain of the previous test")
    shutil.copy(d / "s3.zkey", tmp_path / "k.zkey")
    _sj("zkey", "export", "verificationkey", str(tmp_path / "k.zkey"), "vk.json", cwd=tmp_path)
    r = run(
        "prove",
        "--zkey",
        str(tmp_path / "k.zkey"),
        "--wtns",
        str(d / "c.wtns"),
        "-o",
        str(tmp_path / "ours.json"),
        "--public",
        str(tmp_path / "ours_pub.json"),
    )
    assert "development key" in r.stderr
    assert (
        "OK"
        in _sj("groth16", "verify", "vk.json", "ours_pub.json", "ours.json", cwd=tmp_path).stdout
    )
    _sj(
        "groth16",
        "prove",
        "k.zkey",
        str(d / "c.wtns"),
        "theirs.json",
        "theirs_pub.json",
        cwd=tmp_path,
    )
    vk = json.loads((tmp_path / "vk.json").read_text())
    theirs = json.loads((tmp_path / "theirs.json").read_text())
    theirs_pub = json.loads((tmp_path / "theirs_pub.json").read_text())
    assert groth16_verify(vk_from_json(vk), public_from_json(theirs_pub), proof_from_json(theirs))
    ours = json.loads((tmp_path / "ours.json").read_text())
    # the same files: same keys in the same order, same public signals, same text layout
    assert list(ours) == list(theirs)
    assert json.loads((tmp_path / "ours_pub.json").read_text()) == theirs_pub
    assert (tmp_path / "ours_pub.json").read_text().strip() == (
        tmp_path / "theirs_pub.json"
    ).read_text().strip()
