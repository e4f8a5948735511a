"""The bulk build's hasher hook (``TreeHasher``): another hasher must give the same tree, and
a wrong one is caught (lengths at once, values by the snapshot's roots)."""

from __future__ import annotations

import pytest

from zkcollat.errors import EncodingError
from zkcollat.vault import Lock, Vault
from zkcollat.vault.errors import SnapshotError, StoreCorrupted
from zkcollat.vault.snapshot import snapshot_to_json, vault_from_json
from zkcollat.vault.tree import TreeHasher

WETH = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2


def _locks(n: int) -> list[Lock]:
    return [Lock(i, 0xA11CE + i, 42161, WETH, 10**18 + i, 1_900_000_000 + i) for i in range(n)]


class Counting(TreeHasher):
    def __init__(self) -> None:
        self.calls = 0

    def leaves(self, packed_locks: bytes) -> bytes:
        self.calls += 1
        return super().leaves(packed_locks)

    def pairs(self, packed: bytes) -> bytes:
        self.calls += 1
        return super().pairs(packed)


class ShortPairs(TreeHasher):
    def pairs(self, packed: bytes) -> bytes:
        return super().pairs(packed)[:-32]


class ShortLeaves(TreeHasher):
    def leaves(self, packed_locks: bytes) -> bytes:
        return super().leaves(packed_locks)[32:]


class FlipsOneNode(TreeHasher):
    def pairs(self, packed: bytes) -> bytes:
        out = bytearray(super().pairs(packed))
        if len(out) >= 64:
            out[63] ^= 1  # a wrong hash that still looks like one
        return bytes(out)


def test_another_hasher_builds_the_same_tree() -> None:
    plain, other, h = Vault(depth=8), Vault(depth=8), Counting()
    plain.insert_many(_locks(100))
    other.insert_many(_locks(100), hasher=h)
    assert h.calls == 1 + 8
    assert other.tree.levels == plain.tree.levels and other.root == plain.root


def test_wrong_lengths_refused() -> None:
    with pytest.raises(EncodingError, match="level 1: the hasher returned"):
        Vault(depth=6).insert_many(_locks(10), hasher=ShortPairs())
    with pytest.raises(StoreCorrupted, match="bytes of leaves for 10 locks"):
        Vault(depth=6).insert_many(_locks(10), hasher=ShortLeaves())


def test_wrong_hash_caught_by_the_snapshot_root() -> None:
    v = Vault(depth=8)
    v.insert_many(_locks(50), block_number=7)
    snap = snapshot_to_json(v)
    assert vault_from_json(snap, hasher=Counting()).root == v.root
    with pytest.raises(SnapshotError, match="root"):
        vault_from_json(snap, hasher=FlipsOneNode())
