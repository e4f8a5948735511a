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
    assert pk.vk == dataclasses.replace(zkey_to_vk(zk), metadata=pk.vk.metadata)
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
