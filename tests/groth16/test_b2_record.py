"""The record that a ``.zkpk`` key's B2 query lies in G2 (zkcollat.formats.b2record): written
where that is known (a setup key saved), read where a key is loaded (B2 then split by G2's
endomorphism natively), and bounded where it is forged: a proof made on a record's word has its
B checked in G2, so a record over a B2 with a point outside G2 ends in that point refused by
name, or in a proof that verifies. Both backends alike."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from tests.curve.test_backend import _twist_point_outside_subgroup
from tests.groth16.circuits import Cube
from zkcollat.curve import Backend, load_backend
from zkcollat.errors import KeyFormatError
from zkcollat.formats import b2record, pkey
from zkcollat.groth16.keys import ProvingKey, VerifyingKey
from zkcollat.groth16.prove import fullprove, prove
from zkcollat.groth16.setup import setup
from zkcollat.groth16.verify import verify
from zkcollat.r1cs.system import ConstraintSystem

INPUTS = {"y": 35, "tag": 77, "x": 3}
Keys = tuple[ConstraintSystem, ProvingKey, VerifyingKey]
BLIND = (0x1234, 0x5678)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ZKCOLLAT_CACHE", str(tmp_path / "cache"))
    warnings.simplefilter("ignore")
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def cube_keys() -> Keys:
    cs = Cube().compile()
    pk, vk = setup(cs, seed=b"b2-record", backend=load_backend("reference"))
    return cs, pk, vk


def _load(path: Path) -> ProvingKey:
    return pkey.load(path, warn=False)


def test_a_saved_setup_key_loads_with_b2_known_in_g2(
    backend: Backend, cache: Path, tmp_path: Path, cube_keys: Keys
) -> None:
    """Saving a setup key records its B2 query (by its bytes' hash, zkcollat's layout); the
    key loaded again is marked in G2 on the record's word and proves the setup key's very
    proof; without the record (another cache) it is not marked and proves the same proof."""
    cs, pk, vk = cube_keys
    assert pk.b_g2_in_g2 and not pk.b_g2_on_record
    path = tmp_path / "k.zkpk"
    pkey.save(pk, path)
    assert Path(b2record.entry(pk.b_g2_query, "std")).exists()
    assert not Path(b2record.entry(pk.b_g2_query, "lem")).exists()  # the layout is part of the name
    loaded = _load(path)
    assert loaded.b_g2_in_g2 and loaded.b_g2_on_record
    w = cs.solve(INPUTS)
    want = prove(pk, cs, w, backend=backend, blinding=BLIND)
    assert prove(loaded, cs, w, backend=backend, blinding=BLIND) == want
    proof, public = fullprove(_load(path), cs, INPUTS, backend=backend)
    assert verify(vk, public, proof, backend=backend)
    Path(b2record.entry(pk.b_g2_query, "std")).unlink()
    plain = _load(path)
    assert not plain.b_g2_in_g2 and not plain.b_g2_on_record
    assert prove(plain, cs, w, backend=backend, blinding=BLIND) == want


def _bad_key_file(pk: ProvingKey, path: Path) -> int:
    """Write ``pk`` with the B2 point of wire x (the only private wire B uses) replaced by a
    twist point outside G2, and forge the record of a check of that query; return the wire."""
    j = 3  # wires: one, y, tag, x, ...
    assert pk.b_g2_query[128 * j : 128 * j + 128] != bytes(128)
    bad_b2 = (
        pk.b_g2_query[: 128 * j]
        + _twist_point_outside_subgroup().to_native_bytes()
        + pk.b_g2_query[128 * (j + 1) :]
    )
    bad = ProvingKey(
        vk=pk.vk,
        beta_g1=pk.beta_g1,
        delta_g1=pk.delta_g1,
        n_wires=pk.n_wires,
        domain_size=pk.domain_size,
        circuit_digest=pk.circuit_digest,
        a_query=pk.a_query,
        b_g1_query=pk.b_g1_query,
        b_g2_query=bad_b2,
        h_query=pk.h_query,
        l_query=pk.l_query,
        circuit=pk.circuit,
    )
    pkey.save(bad, path)
    assert not Path(b2record.entry(bad_b2, "std")).exists()  # not known in G2: nothing recorded
    b2record.record(bad_b2, "std")  # the cache directory's word, forged
    return j


def test_a_forged_record_over_a_point_outside_g2_is_caught_by_name(
    backend: Backend, cache: Path, tmp_path: Path, cube_keys: Keys
) -> None:
    """A record over a B2 query with a point outside G2 marks the loaded key, but the proof's
    B then lies outside G2 (the split over that point, or the plain sum, leaves a cofactor
    part): the query is checked and the point refused by name, on both backends, through
    ``prove`` and ``fullprove`` alike. Without the record the key proves (a proof that does
    not verify, as before)."""
    cs, pk, vk = cube_keys
    path = tmp_path / "bad.zkpk"
    j = _bad_key_file(pk, path)
    message = rf"the key's B2 query \(b_g2_query\): point\[{j}\] is not in the r-order subgroup G2"
    loaded = _load(path)
    assert loaded.b_g2_in_g2 and loaded.b_g2_on_record
    with pytest.raises(KeyFormatError, match=message):
        fullprove(loaded, cs, INPUTS, backend=backend)
    with pytest.raises(KeyFormatError, match=message):  # again: the prover was built already
        prove(loaded, cs, cs.solve(INPUTS), backend=backend)
    Path(b2record.entry(loaded.b_g2_query, "std")).unlink()
    proof, public = fullprove(_load(path), cs, INPUTS, backend=backend)
    assert not verify(vk, public, proof, backend=backend)


def test_a_forged_record_whose_bad_point_gets_zero_still_proves_validly(
    backend: Backend, cache: Path, tmp_path: Path, cube_keys: Keys
) -> None:
    """The other outcome: when the bad point's wire is 0 in the witness, neither the split nor
    the plain sum adds anything of it; B is in G2 and the proof verifies."""
    cs, pk, vk = cube_keys
    path = tmp_path / "bad.zkpk"
    _bad_key_file(pk, path)
    loaded = _load(path)
    assert loaded.b_g2_on_record
    proof, public = fullprove(loaded, cs, {"y": 5, "tag": 77, "x": 0}, backend=backend)
    assert verify(vk, public, proof, backend=backend)


def test_both_layouts_refuse_a_point_outside_g2_in_the_same_words(
    backend: Backend, cube_keys: Keys
) -> None:
    """One wording for the B2-not-in-G2 refusal, whatever the layout and the backend."""
    from zkcollat.formats.lem import std_to_lem

    _, pk, _ = cube_keys
    outside = _twist_point_outside_subgroup().to_native_bytes()
    b2 = pk.b_g2_query[:128] + outside + pk.b_g2_query[256:]
    cases: list[tuple[b2record.Layout, bytes, str]] = [
        ("std", b2, "b_g2_query"),
        ("lem", std_to_lem(b2, g2=True), "section 7"),
    ]
    for layout, data, where in cases:
        with pytest.raises(KeyFormatError) as e:
            b2record.check(data, layout)
        assert str(e.value) == (
            f"the key's B2 query ({where}): point[1] is not in the r-order subgroup G2"
        )
