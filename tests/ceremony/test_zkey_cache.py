"""The converted-key cache of ``prove --zkey``: an entry is used only when it holds the
``.zkey``'s own verifying key; whatever else the cache directory holds can make proving fail,
never give a proof checked against another key."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

from tests.ceremony.makers import make_ptau, tiny_r1cs, tiny_witness
from zkcollat.ceremony.keys import cached_pk, prove_with_zkey, zkey_to_vk
from zkcollat.ceremony.phase2 import circuit_from_r1cs, contribute, new_zkey
from zkcollat.curve import Backend
from zkcollat.errors import ProvingError
from zkcollat.formats import pkey
from zkcollat.formats.ptau import read_ptau
from zkcollat.formats.zkey import Zkey
from zkcollat.groth16.verify import verify


def _key(tmp_path: Path, name: str, secrets: tuple[int, int, int]) -> tuple[Path, Zkey]:
    zk = new_zkey(circuit_from_r1cs(tiny_r1cs()), read_ptau(make_ptau(3, *secrets)))
    contribute(zk)
    path = tmp_path / name
    path.write_bytes(zk.to_bytes())
    return path, zk


@pytest.fixture
def two_keys(
    tmp_path: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Zkey, Path, Zkey]:
    monkeypatch.setenv("ZKCOLLAT_CACHE", str(tmp_path / "cache"))
    warnings.simplefilter("ignore")
    return (*_key(tmp_path, "k.zkey", (3, 5, 7)), *_key(tmp_path, "other.zkey", (11, 13, 17)))


def _entry(digest: str, tmp_path: Path) -> Path:
    return tmp_path / "cache" / "zkey" / f"{digest}.zkpk"


def test_an_entry_with_another_keys_points_is_rebuilt(
    tmp_path: Path, two_keys: tuple[Path, Zkey, Path, Zkey]
) -> None:
    path, zk, other_path, _ = two_keys
    _, _, digest = cached_pk(path)
    _, _, other_digest = cached_pk(other_path)
    # the other key's entry (same circuit, so the same coefficient digest) under this key's name
    _entry(digest, tmp_path).write_bytes(_entry(other_digest, tmp_path).read_bytes())
    pk, _, _ = cached_pk(path)
    assert pk.vk == zkey_to_vk(zk).replace(metadata=pk.vk.metadata)
    assert pkey.load(_entry(digest, tmp_path), warn=False).vk == pk.vk  # rewritten
    w = tiny_witness(3, 5)
    proof, public = prove_with_zkey(pk, zk, w)
    assert verify(zkey_to_vk(zk), public, proof)


def test_an_entry_with_changed_query_points_makes_proving_fail(
    tmp_path: Path, two_keys: tuple[Path, Zkey, Path, Zkey]
) -> None:
    """The same verifying key with other query points (a well-formed entry, its payload hash
    recomputed): the proof is checked against the .zkey's own key and refused."""
    path, zk, other_path, _ = two_keys
    pk, _, digest = cached_pk(path)
    other, _, _ = cached_pk(other_path)
    forged = dataclasses.replace(pk, a_query=other.a_query, h_query=other.h_query)
    pkey.save(forged, _entry(digest, tmp_path))
    pk2, zk2, _ = cached_pk(path)
    assert pk2.a_query == other.a_query  # the entry is used: its verifying key is the file's
    with pytest.raises(ProvingError, match="does not verify"):
        prove_with_zkey(pk2, zk2, tiny_witness(3, 5), once=True)


@pytest.mark.slow  # a 2^10 ptau and BalanceThreshold(128)'s key: seconds
def test_prove_zkey_for_a_statement_verifies_before_writing(
    tmp_path: Path, native: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``prove --zkey K --input I --circuit NAME`` (zkcollat's own statement from a snarkjs
    key): the proof verifies under the .zkey's key; with a cache entry that has the file's
    verifying key but other H points, the command refuses, naming the key, and writes
    nothing (before, it wrote a proof that no verifier accepts)."""
    import json

    from tests.cli.conftest import fails, run
    from zkcollat.ceremony.keys import circuit_of
    from zkcollat.formats.snarkjs import proof_from_json, public_from_json
    from zkcollat.hash.poseidon import poseidon_hash
    from zkcollat.statements import by_name

    monkeypatch.setenv("ZKCOLLAT_CACHE", str(tmp_path / "cache"))
    warnings.simplefilter("ignore")
    circuit = circuit_of(by_name("balance_threshold").compile())
    zk = new_zkey(circuit, read_ptau(make_ptau(10, 3, 5, 7)))
    contribute(zk)
    key = tmp_path / "k.zkey"
    key.write_bytes(zk.to_bytes())
    amount, blinding = 10**18, 0xB11D
    (tmp_path / "in.json").write_text(
        json.dumps(
            {
                "commitment": str(poseidon_hash([amount, blinding])),
                "threshold": str(10**17),
                "amount": str(amount),
                "blinding": str(blinding),
            }
        )
    )
    args = ("prove", "--zkey", str(key), "--input", str(tmp_path / "in.json"), "--circuit",
            "balance_threshold")
    p, pub = tmp_path / "p.json", tmp_path / "pub.json"
    run(*args, "-o", str(p), "--public", str(pub))
    public = public_from_json(json.loads(pub.read_text()))
    assert verify(zkey_to_vk(zk), public, proof_from_json(json.loads(p.read_text())))
    # the entry keeps the file's verifying key; its H points are reversed (still on the curve)
    pk, _, digest = cached_pk(key)
    h = [pk.h_query[i : i + 64] for i in range(0, len(pk.h_query), 64)]
    assert len(set(h)) > 1
    pkey.save(dataclasses.replace(pk, h_query=b"".join(reversed(h))), _entry(digest, tmp_path))
    assert cached_pk(key)[0].h_query != pk.h_query  # the forged entry is the one used
    p2, pub2 = tmp_path / "p2.json", tmp_path / "pub2.json"
    err = fails(*args, "-o", str(p2), "--public", str(pub2))
    assert "does not verify under the verifying key of" in err and str(key) in err
    assert not p2.exists() and not pub2.exists()


# --- prove --zkey --wtns: the prover loaded from the .zkey's own sections ----------------------


def _loads_sections(backend: Backend) -> bool:
    """Whether the backend loads a prover from a .zkey's sections: the native one, unless its
    extension was built before ``Prover.from_lem`` (then it converts, as the reference)."""
    from zkcollat import _native

    return backend.name == "native" and hasattr(_native.Prover, "from_lem")


def test_prove_zkey_file_is_the_converted_keys_proof(
    tmp_path: Path, two_keys: tuple[Path, Zkey, Path, Zkey], backend: Backend
) -> None:
    """``prove_zkey_file`` (native: the prover loaded from the file's sections and the cached
    H; reference: the converted key) gives the proof of the converted key for the same
    blinding, under the file's own verifying key; natively, the two loaders hold the same key."""
    from zkcollat.ceremony.keys import prove_zkey_file
    from zkcollat.field import pack_fr

    path, zk, _, _ = two_keys
    w = tiny_witness(3, 5)
    blinding = (0x1234, 0x5678)
    pk, _, _ = cached_pk(path)
    want, public = prove_with_zkey(pk, zk, w, blinding=blinding)
    for _ in range(2):  # converting the key, then with H from the cache
        proof, public2, vk = prove_zkey_file(path, pack_fr(w), blinding=blinding)
        assert (proof, public2) == (want, public)
        assert vk == zkey_to_vk(zk).replace(metadata=vk.metadata)
    fused = backend.zkey_fused_prover(zk, pk.h_query)
    if _loads_sections(backend):
        assert fused is not None
        mine = fused.prove_zkey(zk.coeffs, pack_fr(w), *blinding)
        assert mine == (want.a, want.b, want.c)
    else:
        assert fused is None
    with pytest.raises(ProvingError, match="does not satisfy"):
        prove_zkey_file(path, pack_fr([1, w[1] + 1, 3, 5, 15]))
    with pytest.raises(ProvingError, match="the witness has 4 values"):
        prove_zkey_file(path, pack_fr(w[:4]))


def test_a_damaged_h_in_the_cache_is_converted_again(
    tmp_path: Path, two_keys: tuple[Path, Zkey, Path, Zkey], backend: Backend
) -> None:
    """H is read from its cache entry without a hash: an entry whose H was altered (still
    points of the curve) gives a proof that does not verify, so H is converted again from
    the file and the proof made once more; an entry of the wrong length is converted again
    too."""
    from zkcollat.ceremony.keys import _power_h_entry, power_h, prove_zkey_file
    from zkcollat.field import pack_fr

    path, zk, _, _ = two_keys
    if not _loads_sections(backend):
        return  # the reference backend proves from the converted key (cached_pk) alone
    w = pack_fr(tiny_witness(3, 5))
    right, from_cache = power_h(zk)
    assert not from_cache and power_h(zk) == (right, True)
    entry = Path(_power_h_entry(zk))
    assert entry.read_bytes() == right == cached_pk(path)[0].h_query
    h = [right[i : i + 64] for i in range(0, len(right), 64)]
    assert len(set(h)) > 1
    entry.write_bytes(b"".join(reversed(h)))
    proof, public, vk = prove_zkey_file(path, w)
    assert verify(zkey_to_vk(zk), public, proof)
    assert entry.read_bytes() == right  # rewritten
    entry.write_bytes(right[:-1])
    proof, public, _ = prove_zkey_file(path, w)
    assert verify(zkey_to_vk(zk), public, proof)
    assert entry.read_bytes() == right


def test_the_h_entry_is_named_by_what_it_is_made_from(
    tmp_path: Path, two_keys: tuple[Path, Zkey, Path, Zkey], backend: Backend
) -> None:
    """Two keys with other H sections have two entries; a file that differs from another
    outside its H section (here: its A section) shares the other's entry, which holds the H
    that is right for both; changing the domain size alone names another entry."""
    from zkcollat.ceremony.keys import _power_h_entry, h_to_power_form

    _, zk, _, other = two_keys
    assert _power_h_entry(zk) != _power_h_entry(other)
    assert _power_h_entry(zk.replace(a=zk.a[::-1])) == _power_h_entry(zk)
    assert _power_h_entry(zk.replace(domain_size=2 * zk.domain_size)) != (
        _power_h_entry(zk)
    )
    assert h_to_power_form(zk.h, zk.domain_size) != h_to_power_form(other.h, other.domain_size)


def test_a_trust_record_is_looked_up_by_the_whole_files_hash(
    tmp_path: Path, two_keys: tuple[Path, Zkey, Path, Zkey], backend: Backend
) -> None:
    """``trusted_file``: no record directory, or an empty one, is no trust; a record of
    another file is none either; a record of this file's SHA-256 is (and ``prove_zkey_file``
    gives the key its ceremony flag then, and only then)."""
    from zkcollat.ceremony.keys import prove_zkey_file
    from zkcollat.ceremony.trust import file_sha256, record_trusted, trusted_file
    from zkcollat.field import pack_fr

    path, _, other_path, _ = two_keys
    data, other = path.read_bytes(), other_path.read_bytes()
    w = pack_fr(tiny_witness(3, 5))
    assert not trusted_file(data)
    (tmp_path / "cache" / "trusted").mkdir(parents=True)
    assert not trusted_file(data)
    assert not prove_zkey_file(path, w)[2].ceremony
    record_trusted(file_sha256(other), {"zkey_sha256": file_sha256(other)})
    assert not trusted_file(data) and trusted_file(other)
    assert not prove_zkey_file(path, w)[2].ceremony
    record_trusted(file_sha256(data), {"zkey_sha256": file_sha256(data)})
    assert trusted_file(data)
    assert prove_zkey_file(path, w)[2].ceremony
    assert trusted_file(data + b"\0") is False  # the same bytes, not the same name


def test_a_zkey_point_off_its_curve_is_refused_by_name(
    tmp_path: Path, two_keys: tuple[Path, Zkey, Path, Zkey], backend: Backend
) -> None:
    """A point of the .zkey's A section that is not on G1 is refused: when converting the key
    (no cache entry yet), and when the prover is loaded from the file's sections with H from
    the cache (natively, naming the section: ``A[1]``)."""
    from zkcollat.ceremony.keys import prove_zkey_file
    from zkcollat.ceremony.trust import file_sha256
    from zkcollat.errors import PointError
    from zkcollat.field import pack_fr

    path, zk, _, _ = two_keys
    _, _, digest = cached_pk(path)
    off = (1).to_bytes(32, "little") + (2).to_bytes(32, "little")  # words below p, off G1
    bad = zk.replace(a=zk.a[:64] + off + zk.a[128:]).to_bytes()
    bad_path = tmp_path / "bad.zkey"
    bad_path.write_bytes(bad)
    w = pack_fr(tiny_witness(3, 5))
    with pytest.raises(PointError, match="not on the BN254 G1 curve"):
        prove_zkey_file(bad_path, w)  # converting
    if not _loads_sections(backend):
        return  # the reference backend proves from the converted key (cached_pk) alone
    # the good key's entry (the same H) under the bad file's name: the sections are loaded
    _entry(file_sha256(bad), tmp_path).write_bytes(_entry(digest, tmp_path).read_bytes())
    with pytest.raises(PointError, match=r"A\[1\] is not on the BN254 G1 curve"):
        prove_zkey_file(bad_path, w)


# --- B2 in G2: checked when a key is converted, recorded, then B2 split by the endomorphism -----


def _b2_with_a_point_outside_g2(zk: Zkey, w: list[int]) -> tuple[Zkey, int]:
    """``zk`` with its B2 point of a wire with a value above 1 replaced by a twist point of
    the cofactor's order (on the curve, outside G2); and that wire."""
    from tests.curve.test_backend import _twist_point_outside_subgroup
    from zkcollat.formats.lem import g2_to_lem

    j = next(
        i for i in range(zk.n_vars) if w[i] > 1 and zk.b2[128 * i : 128 * i + 128] != bytes(128)
    )
    outside = g2_to_lem(_twist_point_outside_subgroup())
    return zk.replace(b2=zk.b2[: 128 * j] + outside + zk.b2[128 * (j + 1) :]), j


def test_a_zkey_b2_point_outside_g2_is_refused_by_name(
    tmp_path: Path, two_keys: tuple[Path, Zkey, Path, Zkey], backend: Backend
) -> None:
    """A B2 point on the twist but outside G2 (where the endomorphism that splits B2's scalars
    is not the scalar it is elsewhere) is refused, naming the section and the point, when the
    key is converted and when it first proves, on both backends; natively, with a forged
    record of a B2 check for the bad section, the proof made does not verify, so B2 is checked
    anew and refused the same way: never a proof from an unchecked split."""
    from zkcollat.ceremony.keys import _b2_entry, prove_zkey_file, zkey_to_pk
    from zkcollat.errors import KeyFormatError
    from zkcollat.field import pack_fr

    path, zk, _, _ = two_keys
    w = tiny_witness(3, 5)
    bad_zk, j = _b2_with_a_point_outside_g2(zk, w)
    message = rf"B2 query \(section 7\): point\[{j}\] .*not in the r-order subgroup G2"
    with pytest.raises(KeyFormatError, match=message):
        zkey_to_pk(bad_zk)
    bad_path = tmp_path / "bad.zkey"
    bad_path.write_bytes(bad_zk.to_bytes())
    with pytest.raises(KeyFormatError, match=message):
        prove_zkey_file(bad_path, pack_fr(w))
    assert not Path(_b2_entry(bad_zk)).exists()
    if not _loads_sections(backend):
        return  # the reference backend proves from the converted key (cached_pk) alone
    Path(_b2_entry(bad_zk)).parent.mkdir(parents=True, exist_ok=True)
    Path(_b2_entry(bad_zk)).write_bytes(b"")  # the cache directory's word, forged
    with pytest.raises(KeyFormatError, match=message):
        prove_zkey_file(bad_path, pack_fr(w))


def test_b2_is_checked_once_and_declared_in_g2(
    tmp_path: Path,
    two_keys: tuple[Path, Zkey, Path, Zkey],
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A converted key has its B2 query marked in G2, and a key read back from the cache entry
    too, on the word of the record its conversion left (``b_g2_on_record``: its proofs' B
    checked in G2); ``prove_zkey_file`` checks B2 on a key's first proof, records
    it by the section's hash and declares B2 in G2 to the sections' prover; the proof is the
    converted key's for the same blinding."""
    from zkcollat.ceremony.keys import _b2_entry, prove_zkey_file
    from zkcollat.field import pack_fr

    path, zk, _, _ = two_keys
    pk, _, _ = cached_pk(path)
    assert pk.b_g2_in_g2 and not pk.b_g2_on_record
    again = cached_pk(path)[0]  # from the entry, with the record its save left
    assert again.b_g2_in_g2 and again.b_g2_on_record
    w = tiny_witness(3, 5)
    blinding = (0x1234, 0x5678)
    want, _ = prove_with_zkey(pk, zk, w, blinding=blinding)
    if not _loads_sections(backend):
        return
    declared: list[bool] = []
    original = type(backend).zkey_fused_prover

    def spy(self: Backend, zk: Zkey, h: bytes, *, b_g2_in_g2: bool = False) -> object:
        declared.append(b_g2_in_g2)
        return original(self, zk, h, b_g2_in_g2=b_g2_in_g2)

    monkeypatch.setattr(type(backend), "zkey_fused_prover", spy)
    assert not Path(_b2_entry(zk)).exists()
    for _ in range(2):  # checking B2, then with the record
        assert prove_zkey_file(path, pack_fr(w), blinding=blinding)[0] == want
        assert Path(_b2_entry(zk)).exists()
    assert declared == [True, True]
