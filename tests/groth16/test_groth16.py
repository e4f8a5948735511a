"""Groth16: completeness on both backends, soundness against tampering, key files."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

from tests.groth16.circuits import Cube, Square
from zkcollat.curve import G1_GENERATOR, Backend, load_backend
from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import KeyFormatError, ProvingError, VerificationError
from zkcollat.field import P, R
from zkcollat.formats import pkey
from zkcollat.formats.snarkjs import proof_from_json, proof_to_json, vk_from_json, vk_to_json
from zkcollat.formats.verify_json import verify_snarkjs_or_raise
from zkcollat.groth16.keys import DevelopmentKeyWarning, Proof
from zkcollat.groth16.prove import fullprove, prove, rerandomize
from zkcollat.groth16.setup import setup
from zkcollat.groth16.verify import verify, verify_or_raise

INPUTS = {"y": 35, "tag": 77, "x": 3}


@pytest.fixture(scope="module")
def cube_keys():  # type: ignore[no-untyped-def]
    cs = Cube().compile()
    pk, vk = setup(cs, seed=b"cube", backend=load_backend("reference"))
    return cs, pk, vk


def test_prove_and_verify_on_each_backend(backend: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    cs, pk, vk = cube_keys
    proof, public = fullprove(pk, cs, INPUTS, backend=backend)
    assert public == [35, 77]
    assert verify(vk, public, proof, backend=backend)
    verify_or_raise(vk, public, proof, backend=backend)


def test_backends_produce_identical_keys_and_proofs() -> None:
    cs = Cube().compile()
    ref, nat = load_backend("reference"), load_backend("native")
    pk_r, vk_r = setup(cs, seed=b"same", backend=ref)
    pk_n, vk_n = setup(cs, seed=b"same", backend=nat)
    assert vk_r == vk_n and pkey.encode(pk_r) == pkey.encode(pk_n)
    w = cs.solve(INPUTS)
    blind = (123456789, 987654321)
    assert prove(pk_r, cs, w, backend=ref, blinding=blind) == prove(
        pk_n, cs, w, backend=nat, blinding=blind
    )


def test_every_public_input_is_bound(native: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    cs, pk, vk = cube_keys
    proof, public = fullprove(pk, cs, INPUTS)
    for i in range(len(public)):
        for delta in (1, R - 1):
            changed = list(public)
            changed[i] = (changed[i] + delta) % R
            assert not verify(vk, changed, proof)
        # x + r is the same field element, but must be refused, not reduced
        aliased = list(public)
        aliased[i] += R
        with pytest.raises(VerificationError, match="not below r"):
            verify_or_raise(vk, aliased, proof)
        assert not verify(vk, aliased, proof)


def test_tampered_proof_coordinates_fail(native: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    cs, pk, vk = cube_keys
    proof, public = fullprove(pk, cs, INPUTS)
    b = native
    tampered = [
        Proof(b.g1_add(proof.a, G1_GENERATOR), proof.b, proof.c),
        Proof(proof.a, b.g2_add(proof.b, proof.b), proof.c),
        Proof(proof.a, proof.b, b.g1_add(proof.c, G1_GENERATOR)),
        Proof(proof.c, proof.b, proof.a),
    ]
    for t in tampered:
        assert not verify(vk, public, t)
    # off-curve and out-of-range coordinates are named
    with pytest.raises(VerificationError, match="proof.a"):
        verify_or_raise(
            vk, public, Proof(G1Point(proof.a.x, (proof.a.y + 1) % P), proof.b, proof.c)
        )
    with pytest.raises(VerificationError, match="proof.c"):
        verify_or_raise(vk, public, Proof(proof.a, proof.b, G1Point(proof.c.x + P, proof.c.y)))
    bad_b = G2Point((proof.b.x[0], proof.b.x[1] + P), proof.b.y)
    with pytest.raises(VerificationError, match="proof.b"):
        verify_or_raise(vk, public, Proof(proof.a, bad_b, proof.c))
    as_json = proof_to_json(proof)
    as_json["pi_a"][0] = str(proof.a.x + P)
    with pytest.raises(VerificationError, match="pi_a"):
        verify_snarkjs_or_raise(vk, [str(x) for x in public], as_json)


def test_g2_outside_subgroup_is_rejected_in_proof(native: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    from tests.curve.test_backend import _twist_point_outside_subgroup

    cs, pk, vk = cube_keys
    proof, public = fullprove(pk, cs, INPUTS)
    with pytest.raises(VerificationError, match="subgroup"):
        verify_or_raise(vk, public, Proof(proof.a, _twist_point_outside_subgroup(), proof.c))


def test_wrong_number_of_public_inputs(native: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    cs, pk, vk = cube_keys
    proof, public = fullprove(pk, cs, INPUTS)
    with pytest.raises(VerificationError, match="expects 2 public inputs, 1 were given"):
        verify_or_raise(vk, public[:1], proof)
    with pytest.raises(VerificationError, match="expects 2 public inputs, 3"):
        verify_or_raise(vk, [*public, 0], proof)


def test_another_circuits_key_fails(native: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    cs, pk, vk = cube_keys
    proof, public = fullprove(pk, cs, INPUTS)
    _, vk_other = setup(cs, seed=b"another setup")
    assert not verify(vk_other, public, proof)
    sq = Square().compile()
    pk_sq, vk_sq = setup(sq, seed=b"square")
    with pytest.raises(KeyFormatError, match="another circuit"):
        prove(pk_sq, cs, cs.solve(INPUTS))
    sq_proof, sq_public = fullprove(pk_sq, sq, {"y": 9, "x": 3})
    assert verify(vk_sq, sq_public, sq_proof)
    assert not verify(vk, [9, 0], sq_proof)


def test_rerandomised_proof_still_verifies(native: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    # Groth16 is malleable: a second, different proof of the same statement can be made by
    # anyone from a first one. Proof bytes are therefore never an identifier (PROTOCOL.md s.5).
    cs, pk, vk = cube_keys
    proof, public = fullprove(pk, cs, INPUTS)
    other = rerandomize(vk.delta_g2, proof)
    assert other != proof
    assert verify(vk, public, other)


def test_unsatisfying_witness_cannot_be_proven(backend: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    cs, pk, vk = cube_keys
    w = cs.solve(INPUTS)
    bad = list(w)
    bad[1] = 36  # y no longer equals x^3 + x + 5
    with pytest.raises(ProvingError, match="does not satisfy"):
        prove(pk, cs, bad, backend=backend)
    with pytest.raises(ProvingError, match="constant 1"):
        prove(pk, cs, [2, *w[1:]], backend=backend)
    with pytest.raises(ProvingError, match="wires"):
        prove(pk, cs, w[:-1], backend=backend)


def test_verification_key_json_round_trip_and_marks(native: Backend, cube_keys) -> None:  # type: ignore[no-untyped-def]
    cs, pk, vk = cube_keys
    data = vk_to_json(vk)
    assert data["protocol"] == "groth16" and data["curve"] == "bn128" and data["nPublic"] == 2
    assert data["zkcollat_ceremony"] is False and "ceremony" in data["zkcollat_note"]
    assert vk_from_json(data) == vk
    proof, public = fullprove(pk, cs, INPUTS)
    assert proof_from_json(proof_to_json(proof)) == proof
    for broken, match in (
        ({**data, "protocol": "plonk"}, "protocol"),
        ({**data, "IC": data["IC"][:-1]}, "IC has 2 points"),
        ({k: v for k, v in data.items() if k != "vk_alpha_1"}, "vk_alpha_1"),
    ):
        with pytest.raises(VerificationError, match=match):
            verify_snarkjs_or_raise(broken, public, proof)
    with pytest.raises(VerificationError, match="not valid JSON"):
        verify_snarkjs_or_raise("{not json", public, proof)


def test_proving_key_file(native: Backend, cube_keys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cs, pk, vk = cube_keys
    path = tmp_path / "cube.zkpk"
    pkey.save(pk, path)
    with pytest.warns(DevelopmentKeyWarning, match="not a multi-party ceremony"):
        loaded = pkey.load(path)
    with pytest.warns(DevelopmentKeyWarning):  # every load says so, not only the first
        pkey.load(path)
    assert pkey.encode(loaded) == pkey.encode(pk)
    proof, public = fullprove(loaded, cs, INPUTS)
    assert verify(vk, public, proof)
    raw = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(KeyFormatError, match=r"truncated: section \w+ .* beyond the end"):
            pkey.decode(raw[:-10])
        with pytest.raises(KeyFormatError, match="corrupted"):
            pkey.decode(raw[:-1] + bytes([raw[-1] ^ 1]))
        with pytest.raises(KeyFormatError, match="magic"):
            pkey.decode(b"NOTAKEY!" + raw[8:])
        with pytest.raises(KeyFormatError, match="does not exist"):
            pkey.load(tmp_path / "missing.zkpk")
    assert not list(tmp_path.glob(".cube.zkpk.*"))  # no temporary file left behind


def test_fused_prover_matches_the_step_by_step_proof_on_a_real_statement() -> None:
    """The native one-call prover (batch-affine bucket MSMs, hundreds of points per query,
    bits, zero and repeated witness values) gives the proof that the step-by-step path
    composes from arkworks' MSMs, for the same blinding."""
    from tests.batch.helpers import DEPTH, good_inputs
    from zkcollat.field import pack_fr
    from zkcollat.groth16.prove import prove_from_rows
    from zkcollat.groth16.qap import witness_rows
    from zkcollat.statements import CollateralLock

    nat = load_backend("native")
    cs = CollateralLock(DEPTH).compile()
    pk, vk = setup(cs, seed=b"fused-vs-steps", backend=nat)
    assert pk.b_g2_in_g2  # made from the generator: B2's MSM splits its scalars (GLV)
    assert pk.fused_prover(nat) is not None
    assert len(pk.h_query) // 64 >= 256 and pk.n_wires >= 256  # past the small-MSM fallback
    w = cs.solve(good_inputs(1)[0])
    w_all = pack_fr(w, "witness")
    rows = witness_rows(cs, w_all, nat)
    for blind in [(1, R - 1), (0x1234, 0x5678)]:
        fused = prove(pk, cs, w, backend=nat, blinding=blind)
        steps = prove_from_rows(pk, w_all, rows, backend=nat, blinding=blind)
        assert fused == steps
        assert verify(vk, cs.public_values(w), fused, backend=nat)


def test_a_b2_point_outside_g2_gives_the_plain_sum_on_both_paths() -> None:
    """A key whose B2 query holds a twist point outside G2 (a key file's points are checked on
    the twist only) is not declared in G2 once its points change, so the one-call prover sums
    B2 plainly, as the step-by-step path does: the same proof (which does not verify), never
    a different one from the endomorphism, which acts as a scalar only on G2."""
    from tests.batch.helpers import DEPTH, good_inputs
    from tests.curve.test_backend import _twist_point_outside_subgroup
    from zkcollat.field import pack_fr
    from zkcollat.groth16.prove import prove_from_rows
    from zkcollat.groth16.qap import witness_rows
    from zkcollat.statements import CollateralLock

    nat = load_backend("native")
    cs = CollateralLock(DEPTH).compile()
    pk, vk = setup(cs, seed=b"b2-outside-g2", backend=nat)
    w = cs.solve(good_inputs(1)[0])
    j = next(
        i
        for i in range(pk.n_wires)
        if w[i] > 1 << 128 and pk.b_g2_query[128 * i : 128 * i + 128] != bytes(128)
    )
    bad_b2 = (
        pk.b_g2_query[: 128 * j]
        + _twist_point_outside_subgroup().to_native_bytes()
        + pk.b_g2_query[128 * (j + 1) :]
    )
    bad = dataclasses.replace(pk, b_g2_query=bad_b2)
    assert pk.b_g2_in_g2 and not bad.b_g2_in_g2
    w_all = pack_fr(w, "witness")
    rows = witness_rows(cs, w_all, nat)
    blind = (0x1234, 0x5678)
    fused = prove(bad, cs, w, backend=nat, blinding=blind)
    assert fused == prove_from_rows(bad, w_all, rows, backend=nat, blinding=blind)
    assert fused != prove(pk, cs, w, backend=nat, blinding=blind)
    assert not verify(vk, cs.public_values(w), fused, backend=nat)
