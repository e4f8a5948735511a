"""Batch verification: the same verdicts as one-by-one verification, on both backends, with
every invalid proof named (tampered, malformed, out of range, outside G2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.curve.test_backend import _twist_point_outside_subgroup
from tests.groth16.circuits import Cube
from zkcollat.curve import G1_GENERATOR, Backend, load_backend, use_backend
from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import VerificationError
from zkcollat.field import P, R
from zkcollat.groth16 import BatchResult, verify_batch, verify_batch_or_raise
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.groth16.prove import prove
from zkcollat.groth16.setup import setup
from zkcollat.groth16.verify import verify, verify_or_raise
from zkcollat.r1cs.system import ConstraintSystem

Item = tuple[list[int], Proof]


@pytest.fixture(params=[pytest.param("reference", marks=pytest.mark.slow), "native"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Both backends; the pure-Python pairings make the reference runs slow (pytest -m slow).
    ``test_both_backends_agree`` compares the two in the quick run."""
    load_backend(request.param)
    with use_backend(request.param) as b:
        yield b


@pytest.fixture(scope="module")
def batch() -> tuple[VerifyingKey, list[Item]]:
    """Eight valid proofs of different statements (x = 1..8) under one key."""
    cs: ConstraintSystem = Cube().compile()
    nat = load_backend("native")
    pk, vk = setup(cs, seed=b"batch", backend=nat)
    items: list[Item] = []
    for x in range(1, 9):
        w = cs.solve({"y": x**3 + x + 5, "tag": 100 + x, "x": x})
        items.append((cs.public_values(w), prove(pk, cs, w, backend=nat)))
    return vk, items


def one_by_one(vk: VerifyingKey, items: list[Item], backend: Backend) -> dict[int, str]:
    out = {}
    for i, (public, proof) in enumerate(items):
        try:
            verify_or_raise(vk, public, proof, backend=backend)
        except VerificationError as e:
            out[i] = str(e)
    return out


def test_all_valid(backend: Backend, batch: tuple[VerifyingKey, list[Item]]) -> None:
    vk, items = batch
    result = verify_batch(vk, items, backend=backend)
    assert result == BatchResult(8, {}) and result.all_valid and bool(result)
    assert result.describe() == "all 8 proofs are valid"
    verify_batch_or_raise(vk, items, backend=backend)


def test_empty_batch(backend: Backend, batch: tuple[VerifyingKey, list[Item]]) -> None:
    vk, _ = batch
    assert verify_batch(vk, [], backend=backend).all_valid


def test_one_bad_proof_among_many_is_named(
    backend: Backend, batch: tuple[VerifyingKey, list[Item]]
) -> None:
    vk, items = batch
    for bad in (0, 5, 7):
        tampered = list(items)
        public, proof = tampered[bad]
        tampered[bad] = ([public[0], (public[1] + 1) % R], proof)
        result = verify_batch(vk, tampered, backend=backend)
        assert set(result.invalid) == {bad}
        assert "pairing check failed" in result.invalid[bad]
        assert result.invalid == one_by_one(vk, tampered, backend)


def test_swapped_and_forged_proofs(
    backend: Backend, batch: tuple[VerifyingKey, list[Item]]
) -> None:
    vk, items = batch
    mixed = list(items)
    mixed[1] = (items[1][0], items[2][1])  # a valid proof of another statement
    p3 = items[3][1]
    mixed[3] = (items[3][0], Proof(p3.a, p3.b, G1_GENERATOR))  # C replaced
    # A pair of invalid proofs that cancel in an unweighted sum: C + G and C - G.
    p6, p4 = items[6][1], items[4][1]
    neg_g = G1Point(1, P - 2)
    b = load_backend("native")
    mixed[6] = (items[6][0], Proof(p6.a, p6.b, b.g1_add(p6.c, G1_GENERATOR)))
    mixed[4] = (items[4][0], Proof(p4.a, p4.b, b.g1_add(p4.c, neg_g)))
    result = verify_batch(vk, mixed, backend=backend)
    assert sorted(result.invalid) == [1, 3, 4, 6]
    assert result.invalid == one_by_one(vk, mixed, backend)
    with pytest.raises(VerificationError, match=r"4 of 8 proofs are invalid: proof 1: pairing"):
        verify_batch_or_raise(vk, mixed, backend=backend)


def test_malformed_items_are_named_and_the_rest_still_checked(
    backend: Backend, batch: tuple[VerifyingKey, list[Item]]
) -> None:
    vk, items = batch
    bad = list(items)
    p = items[0][1]
    bad[0] = ([items[0][0][0] + R, items[0][0][1]], p)  # input >= r: never reduced
    bad[2] = (items[2][0][:1], items[2][1])  # one input short
    bad[4] = (items[4][0], Proof(items[4][1].a, _twist_point_outside_subgroup(), items[4][1].c))
    bad[5] = (items[5][0], Proof(G1Point(1, 3), items[5][1].b, items[5][1].c))  # off curve
    bad[6] = (items[6][0], Proof(items[6][1].a, items[6][1].b, G1Point(P + 1, 2)))  # x >= p
    bad.append(("not a pair",))  # type: ignore[arg-type]
    bad.append((items[1][0], "not a proof"))  # type: ignore[arg-type]
    result = verify_batch(vk, bad, backend=backend)
    assert sorted(result.invalid) == [0, 2, 4, 5, 6, 8, 9]
    assert "not a Proof" in result.invalid[9]
    assert "not below r" in result.invalid[0]
    assert "expects 2 public inputs, 1" in result.invalid[2]
    assert "subgroup" in result.invalid[4]
    assert "proof.a" in result.invalid[5]
    assert "proof.c" in result.invalid[6]
    for i in (1, 3, 7):
        assert verify(vk, *bad[i], backend=backend)


def test_both_backends_agree(batch: tuple[VerifyingKey, list[Item]]) -> None:
    vk, items = batch
    mixed = [items[0], (items[2][0], items[7][1]), ([R, 0], items[3][1])]
    ref = verify_batch(vk, mixed, backend=load_backend("reference"))
    nat = verify_batch(vk, mixed, backend=load_backend("native"))
    assert ref.invalid == nat.invalid
    assert sorted(nat.invalid) == [1, 2]


def test_wrong_key_type_is_refused(
    backend: Backend, batch: tuple[VerifyingKey, list[Item]]
) -> None:
    _, items = batch
    with pytest.raises(VerificationError, match="not a VerifyingKey"):
        verify_batch("vk.json", items, backend=backend)  # type: ignore[arg-type]


def test_verify_once_gives_the_same_verdicts_and_reasons(
    backend: Backend, batch: tuple[VerifyingKey, list[Item]]
) -> None:
    """``once=True`` (no key preparation, the four-pairing product) accepts and refuses what
    the prepared check does, with the same reason: valid proofs, another statement's proof, a
    replaced C, an input >= r, a short input list, B outside G2, A off its curve."""
    vk, items = batch
    p0, p1 = items[0][1], items[1][1]
    cases: list[Item] = [
        *items[:3],
        (items[0][0], p1),
        (items[0][0], Proof(p0.a, p0.b, G1_GENERATOR)),
        ([items[0][0][0] + R, items[0][0][1]], p0),
        (items[0][0][:1], p0),
        (items[0][0], Proof(p0.a, _twist_point_outside_subgroup(), p0.c)),
        (items[0][0], Proof(G1Point(1, 3), p0.b, p0.c)),
    ]
    for public, proof in cases:
        verdicts = []
        for once in (False, True):
            try:
                verify_or_raise(vk, public, proof, backend=backend, once=once)
                verdicts.append("valid")
            except VerificationError as e:
                verdicts.append(str(e))
        assert verdicts[0] == verdicts[1]
        assert verify(vk, public, proof, backend=backend, once=True) == (verdicts[0] == "valid")
    assert [verify(vk, *c, once=True) for c in cases] == [True] * 3 + [False] * 6
    # the batch names each invalid proof with the same reason as the single checks
    found = verify_batch(vk, cases, backend=backend).invalid
    for i, (public, proof) in enumerate(cases):
        try:
            verify_or_raise(vk, public, proof, backend=backend, once=True)
            want = None
        except VerificationError as e:
            want = str(e)
        assert found.get(i) == want


def test_large_batch_names_b_outside_g2_at_both_ends(
    batch: tuple[VerifyingKey, list[Item]],
) -> None:
    """40 proofs (the native kernel splits its work over threads from 16): B outside G2 at
    the first and the last position and in the middle, B at infinity, a proof of another
    statement; each named with the reason of the single check, the rest valid."""
    vk, items = batch
    nat = load_backend("native")
    big = [items[i % len(items)] for i in range(40)]
    off = _twist_point_outside_subgroup()
    for i in (0, 21, 39):
        big[i] = (big[i][0], Proof(big[i][1].a, off, big[i][1].c))
    g2_zero = G2Point((0, 0), (0, 0))
    big[9] = (big[9][0], Proof(big[9][1].a, g2_zero, big[9][1].c))
    big[30] = (big[30][0], big[31][1])
    result = verify_batch(vk, big, backend=nat)
    assert sorted(result.invalid) == [0, 9, 21, 30, 39]
    assert result.invalid == one_by_one(vk, big, nat)
    assert "subgroup" in result.invalid[0] and "subgroup" in result.invalid[39]
    assert result.invalid[30].startswith("pairing check failed")
