"""Phase 2 without snarkjs: formats, contributions, verification and every refusal, on a
ptau made in the test from known secrets (tests/ceremony/makers.py). The interop with snarkjs
itself is in test_snarkjs_ceremony.py (slow)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ceremony.makers import make_ptau, tiny_r1cs, tiny_witness
from tests.vectors import load
from zkcollat.ceremony import trust
from zkcollat.ceremony.keys import (
    check_key_circuit,
    circuit_of,
    pk_to_zkey,
    prove_with_zkey,
    prove_with_zkey_packed,
    zkey_to_pk,
)
from zkcollat.ceremony.phase2 import (
    CeremonyError,
    beacon,
    circuit_from_r1cs,
    contribute,
    new_zkey,
    verify,
)
from zkcollat.ceremony.rng import chacha_from_hash, fr_from_rng, g1_from_rng, hash_to_g2
from zkcollat.curve import Backend
from zkcollat.errors import KeyFormatError, ProvingError
from zkcollat.formats.ptau import PtauError, read_ptau
from zkcollat.formats.zkey import ZkeyError, read_zkey
from zkcollat.groth16.verify import verify as groth16_verify

SECRETS = (0x1234567, 0x89ABCDEF, 0x13579BDF)
OTHER = (0x7654321, 0x89ABCDEF, 0x13579BDF)


@pytest.fixture(scope="module")
def ptau_bytes() -> bytes:
    from zkcollat.curve import use_backend

    with use_backend("native"):
        return make_ptau(3, *SECRETS)


@pytest.fixture
def tiny(ptau_bytes: bytes, backend: Backend) -> Iterator[tuple]:  # type: ignore[type-arg]
    circuit = circuit_from_r1cs(tiny_r1cs())
    ptau = read_ptau(ptau_bytes)
    yield circuit, ptau, new_zkey(circuit, ptau)


def test_rng_matches_ffjavascript(backend: Backend) -> None:
    # on both backends: hash_to_g2's cofactor multiplication is native or py_ecc
    for v in load("ceremony_rng.json")["vectors"]:
        h = bytes.fromhex(v["hash"])
        assert fr_from_rng(chacha_from_hash(h)) == int(v["fr_from_rng"])
        g1 = g1_from_rng(chacha_from_hash(h))
        assert [str(g1.x), str(g1.y)] == v["g1_from_rng"]
        g2 = hash_to_g2(h)
        assert [[str(g2.x[0]), str(g2.x[1])], [str(g2.y[0]), str(g2.y[1])]] == v["hash_to_g2"]


def test_chain_verifies_on_both_backends(tiny: tuple) -> None:  # type: ignore[type-arg]
    circuit, ptau, zk = tiny
    assert zk.contributions == [] and zk.delta_g2 == zk.gamma_g2
    first = verify(zk, circuit, ptau)
    assert first.contributions == [] and first.delta_is_generator
    h1 = contribute(zk, "entropy", "alice")
    h2 = beacon(zk, bytes.fromhex("0102030405"), 10, "beacon")
    again = read_zkey(zk.to_bytes())
    assert again == zk
    result = verify(again, circuit, ptau)
    assert [c.hash for c in result.contributions] == [h1, h2]
    assert [c.name for c in result.contributions] == ["alice", "beacon"]
    assert result.contributions[1].beacon == (bytes.fromhex("0102030405"), 10)
    assert not result.delta_is_generator


def test_contributions_differ_and_are_random(tiny: tuple) -> None:  # type: ignore[type-arg]
    _circuit, _ptau, zk = tiny
    other = read_zkey(zk.to_bytes())
    assert contribute(zk, "same text") != contribute(other, "same text")  # OS entropy


def test_tampered_contribution_refused(tiny: tuple) -> None:  # type: ignore[type-arg]
    circuit, ptau, zk = tiny
    contribute(zk, "", "alice")
    contribute(zk, "", "bob")
    bad = read_zkey(zk.to_bytes())
    t = bytearray(bad.contributions[1].transcript)
    t[0] ^= 1
    bad.contributions[1] = bad.contributions[1].replace(transcript=bytes(t))
    with pytest.raises(CeremonyError, match="contribution #2: its transcript"):
        verify(bad, circuit, ptau)
    # a delta swapped for another contribution's: the proof no longer binds it
    bad = read_zkey(zk.to_bytes())
    bad.contributions[0] = bad.contributions[0].replace(
        delta_after=bad.contributions[1].delta_after
    )
    with pytest.raises(CeremonyError, match="contribution #1"):
        verify(bad, circuit, ptau)
    # L scaled without a recorded contribution
    from zkcollat.formats.lem import lem_scale

    bad = read_zkey(zk.to_bytes())
    bad.c = lem_scale(bad.c, 2)
    with pytest.raises(CeremonyError, match="L section"):
        verify(bad, circuit, ptau)
    bad = read_zkey(zk.to_bytes())
    bad.h = lem_scale(bad.h, 3)
    with pytest.raises(CeremonyError, match="H section"):
        verify(bad, circuit, ptau)


def test_wrong_ptau_refused(tiny: tuple) -> None:  # type: ignore[type-arg]
    circuit, _ptau, zk = tiny
    contribute(zk)
    other = read_ptau(make_ptau(3, *OTHER))
    with pytest.raises(CeremonyError, match="circuit hash differs"):
        verify(zk, circuit, other)


def test_unprepared_and_small_ptau_refused(native: Backend) -> None:
    with pytest.raises(PtauError, match="not prepared for phase 2"):
        read_ptau(make_ptau(2, *SECRETS, prepared=False))
    small = read_ptau(make_ptau(1, *SECRETS))
    with pytest.raises(CeremonyError, match="needs a domain of 4"):
        new_zkey(circuit_from_r1cs(tiny_r1cs()), small)


def test_truncated_and_malformed_zkey_refused(tiny: tuple) -> None:  # type: ignore[type-arg]
    _circuit, _ptau, zk = tiny
    contribute(zk)
    data = zk.to_bytes()
    with pytest.raises(ZkeyError, match="truncated"):
        read_zkey(data[:-100])
    with pytest.raises(ZkeyError, match="not a zkey file"):
        read_zkey(b"ptau" + data[4:])
    bad = bytearray(data)
    bad[-200] ^= 0xFF  # inside the contribution record or H: caught on decode or by verify
    try:
        z = read_zkey(bytes(bad))
    except ZkeyError:
        return
    with pytest.raises((CeremonyError, KeyFormatError)):
        verify(z, _circuit, _ptau)


@pytest.mark.slow  # a 2^9 ptau and MerkleInclusion(2): seconds with the native kernels
def test_zkey_for_another_circuit_names_both(native: Backend) -> None:
    from zkcollat.statements import MerkleInclusion

    ptau = read_ptau(make_ptau(9, *SECRETS))
    zk = new_zkey(circuit_of(MerkleInclusion(2).compile()), ptau)
    with pytest.raises(
        KeyFormatError,
        match="key is for merkle_inclusion depth 2; circuit is merkle_inclusion depth 1",
    ):
        check_key_circuit(zk, "merkle_inclusion", {"depth": 1}, MerkleInclusion(1).compile())
    with pytest.raises(CeremonyError, match="variables"):
        verify(zk, circuit_of(MerkleInclusion(1).compile()), ptau)


def test_trust_verdict(tiny: tuple, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    circuit, ptau, zk = tiny
    h = ptau.blake2b()
    assert "not a recognised public" in (trust.verdict(h, 1, False) or "")
    monkeypatch.setitem(trust.RECOGNISED_PTAU, h, "test.ptau")
    assert "no contribution" in (trust.verdict(h, 0, True) or "")
    contribute(zk)
    result = verify(zk, circuit, ptau)
    assert trust.verdict(h, len(result.contributions), result.delta_is_generator) is None
    # the published hashes are those of snarkjs's README (power 28 and one other spot check)
    hez = {v: k for k, v in trust.RECOGNISED_PTAU.items()}
    assert hez["powersOfTau28_hez_final.ptau"].startswith("55c77ce8562366c9")
    assert hez["powersOfTau28_hez_final_20.ptau"].endswith("21de82aa2bf1a27b")


def test_prove_with_zkey_and_back(tiny: tuple) -> None:  # type: ignore[type-arg]
    circuit, _ptau, zk = tiny
    contribute(zk)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk = zkey_to_pk(zk)
    w = tiny_witness(3, 5)
    proof, public = prove_with_zkey(pk, zk, w)
    assert public == [w[1]] and groth16_verify(pk.vk, public, proof)
    assert not groth16_verify(pk.vk, [w[1] + 1], proof)
    with pytest.raises(ProvingError, match="does not satisfy"):
        prove_with_zkey(pk, zk, [1, w[1] + 1, 3, 5, 15])
    with pytest.raises(ProvingError, match="witness has 4 values"):
        prove_with_zkey(pk, zk, w[:4])
    # .zkpk -> .zkey -> proving key again: same proofs verify
    back = pk_to_zkey(pk, circuit)
    assert (back.a, back.b1, back.b2, back.c, back.coeffs) == (zk.a, zk.b1, zk.b2, zk.c, zk.coeffs)
    pk2 = zkey_to_pk(back)
    assert pk2.h_query == pk.h_query
    proof2, _ = prove_with_zkey(pk2, back, w)
    assert groth16_verify(pk.vk, public, proof2)


def test_prove_with_zkey_same_proof_on_both_backends(ptau_bytes: bytes) -> None:
    """The native one-call prover of a snarkjs key (rows, quotient, MSMs, combination) gives
    the proof the reference composes step by step, for the same blinding; a malformed
    coefficient section is refused by both with the same reason."""
    from zkcollat.curve import use_backend
    from zkcollat.errors import LengthMismatch
    from zkcollat.field import pack_fr

    circuit = circuit_from_r1cs(tiny_r1cs())
    with use_backend("native"):
        zk = new_zkey(circuit, read_ptau(ptau_bytes))
        contribute(zk, "entropy", "alice")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk = zkey_to_pk(zk)
    w = tiny_witness(3, 5)
    blinding = (0x1234, 0x5678)
    proofs = {}
    for name in ("reference", "native"):
        with use_backend(name) as b:
            proofs[name], public = prove_with_zkey(pk, zk, w, blinding=blinding)
            assert groth16_verify(pk.vk, public, proofs[name])
            if name == "native":  # the one-call path ran, not the fallback
                fused = pk.fused_prover(b)
                assert fused is not None
                p = proofs[name]
                assert fused.prove_zkey(zk.coeffs, pack_fr(w), *blinding) == (p.a, p.b, p.c)
    assert proofs["reference"] == proofs["native"]
    for name in ("reference", "native"):  # from the packed witness (prove --wtns): the same
        with use_backend(name):
            packed = prove_with_zkey_packed(pk, zk, pack_fr(w), blinding=blinding, once=True)
            assert packed == (proofs[name], [w[1]])
    with pytest.raises(ProvingError, match="the witness has 4 values"):
        prove_with_zkey_packed(pk, zk, pack_fr(w[:4]))
    with pytest.raises(ProvingError, match="witness\\[0\\] must be the constant 1"):
        prove_with_zkey_packed(pk, zk, pack_fr([2, *w[1:]]))
    # constraint 99 of a 4-row domain: same class and message on both backends
    count = int.from_bytes(zk.coeffs[:4], "little")
    bad = bytearray(zk.coeffs)
    bad[4 + 4 : 4 + 8] = (99).to_bytes(4, "little")
    broken = zk.replace(coeffs=bytes(bad))
    messages = []
    for name in ("reference", "native"):
        with use_backend(name), pytest.raises(LengthMismatch) as e:
            prove_with_zkey(pk, broken, w, blinding=blinding)
        messages.append(str(e.value))
    assert count > 0 and messages[0] == messages[1]
    assert "constraint 99 is outside the domain" in messages[0]


def test_cli_ceremony(tmp_path: Path, native: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from tests.cli.conftest import fails, run
    from zkcollat.formats.wtns import write_wtns

    monkeypatch.setenv("ZKCOLLAT_CACHE", str(tmp_path / "cache"))
    ptau = tmp_path / "pot.ptau"
    ptau.write_bytes(make_ptau(3, *SECRETS))
    (tmp_path / "c.r1cs").write_bytes(tiny_r1cs())
    p = {k: str(tmp_path / k) for k in ("0.zkey", "1.zkey", "2.zkey", "vk.json", "w.wtns")}
    r = run("ceremony", "new", str(tmp_path / "c.r1cs"), str(ptau), "-o", p["0.zkey"])
    assert "no phase-2 contribution" in r.stderr
    out = json.loads(run("ceremony", "contribute", p["0.zkey"], p["1.zkey"], "--json").stdout)
    run("ceremony", "beacon", p["1.zkey"], p["2.zkey"], "abcd", "10")
    v = run("ceremony", "verify", p["2.zkey"], str(ptau), "--r1cs", str(tmp_path / "c.r1cs"))
    assert out["contribution_hash"][:8] in v.stdout.replace(" ", "")
    assert "DEVELOPMENT KEY: its ptau is not a recognised" in v.stdout
    # refusals: a key verified against another ptau, a truncated key
    other = tmp_path / "other.ptau"
    other.write_bytes(make_ptau(3, *OTHER))
    r = run(
        "ceremony", "verify", p["2.zkey"], str(other), "--r1cs", str(tmp_path / "c.r1cs"), ok=False
    )
    assert r.exit_code == 1 and "circuit hash differs" in r.stderr
    Path(p["1.zkey"]).write_bytes(Path(p["2.zkey"]).read_bytes()[:-10])
    assert "truncated" in fails(
        "ceremony", "verify", p["1.zkey"], str(ptau), "--r1cs", str(tmp_path / "c.r1cs")
    )
    # a recognised ptau: the key is trusted, recorded, and the exported vk unmarked
    monkeypatch.setitem(trust.RECOGNISED_PTAU, read_ptau(ptau).blake2b(), "test.ptau")
    v = run("ceremony", "verify", p["2.zkey"], str(ptau), "--r1cs", str(tmp_path / "c.r1cs"))
    assert "trusted" in v.stdout and "warning" not in v.stderr
    run("ceremony", "export-vk", p["2.zkey"], "-o", p["vk.json"])
    assert "zkcollat_ceremony" not in json.loads(Path(p["vk.json"]).read_text())
    write_wtns(tiny_witness(4, 9), p["w.wtns"])
    pf, pu = str(tmp_path / "proof.json"), str(tmp_path / "public.json")
    r = run("prove", "--zkey", p["2.zkey"], "--wtns", p["w.wtns"], "-o", pf, "--public", pu)
    assert "development" not in r.stderr
    run("verify", p["vk.json"], pu, pf)
    # the prover's H is cached, named by the key's H section (ceremony.keys.power_h)
    from zkcollat.ceremony.keys import _power_h_entry
    from zkcollat.formats.zkey import read_zkey

    assert Path(_power_h_entry(read_zkey(p["2.zkey"]))).parent == tmp_path / "cache" / "zkey" / "h"
    assert Path(_power_h_entry(read_zkey(p["2.zkey"]))).is_file()


def test_cli_ceremony_stage_bars(
    tmp_path: Path, native: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: new, contribute and verify show their stages on stderr when it is a
    terminal (never on stdout: --json stays JSON), none with -q; the same keys either way."""
    import json

    import zkcollat.cli._common as common
    from tests.cli.conftest import run

    monkeypatch.setenv("ZKCOLLAT_CACHE", str(tmp_path / "cache"))
    ptau = tmp_path / "pot.ptau"
    ptau.write_bytes(make_ptau(3, *SECRETS))
    r1cs = tmp_path / "c.r1cs"
    r1cs.write_bytes(tiny_r1cs())
    z0, z1 = str(tmp_path / "0.zkey"), str(tmp_path / "1.zkey")
    quiet = run("-q", "ceremony", "new", str(r1cs), str(ptau), "-o", z0, "--json")
    assert quiet.stderr == "" and json.loads(quiet.stdout)["domain_size"] == 4
    first = Path(z0).read_bytes()
    monkeypatch.setattr(common, "_stderr_is_terminal", lambda: True)
    r = run("ceremony", "new", str(r1cs), str(ptau), "-o", z0, "--force", "--json")
    assert "initial key" in r.stderr and json.loads(r.stdout) == json.loads(quiet.stdout)
    assert Path(z0).read_bytes() == first  # the same initial key with the bar
    r = run("ceremony", "contribute", z0, z1, "--json")
    assert "contributing" in r.stderr and json.loads(r.stdout)["contribution"] == 1
    r = run("ceremony", "verify", z1, str(ptau), "--r1cs", str(r1cs), "--json")
    assert "verifying" in r.stderr and json.loads(r.stdout)["valid"] is True
    r = run("-q", "ceremony", "verify", z1, str(ptau), "--r1cs", str(r1cs), "--json")
    assert r.stderr == "" and json.loads(r.stdout)["valid"] is True
