"""The bulk build's hasher hook (``TreeHasher``): another hasher must give the same tree, and
a wrong one is caught (lengths at once, values by the snapshot's roots)."""

from __future__ import annotations

import pytest

from zkcollat.errors import EncodingError
from zkcollat.vault import Lock, Vault
from zkcollat.vault.errors import SnapshotError, StoreCorrupted
from zkcollat.vault.snapshot import snapshot_to_json, vault_from_json
from zkcollat.vault.tree import PoseidonTree, ReportingHasher, TreeHasher, hashes_to_append

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


@pytest.mark.parametrize("chunk", [1, 3, 64, None])
def test_reporting_hasher_gives_the_same_tree_and_counts_every_hash(
    backend: object, chunk: int | None
) -> None:
    """The progress bars' hasher (issue 20) cuts the work into chunks: the same bytes, and
    ``done`` adds up to what hashes_to_append predicts, for a fresh build and for appends."""
    locks = _locks(45)
    plain = Vault(6)
    plain.insert_many(locks[:13])
    plain.insert_many(locks[13:])
    done: list[int] = []
    rep = ReportingHasher(done.append, chunk=chunk)
    v = Vault(6)
    v.insert_many(locks[:13], hasher=rep)
    assert sum(done) == hashes_to_append(0, 13, 6)
    done.clear()
    v.insert_many(locks[13:], hasher=rep)
    assert sum(done) == hashes_to_append(13, 32, 6)
    assert v.root == plain.root and v.tree.levels == plain.tree.levels
    if chunk is not None:
        assert max(done) <= chunk
    done.clear()
    v.check_integrity(rep)  # every leaf and node again, in chunks
    assert sum(done) == hashes_to_append(0, 45, 6)
    # a damaged node is still found through the reporting hasher
    v.tree.levels[2][0] ^= 1
    with pytest.raises(StoreCorrupted, match="level 2, index 0"):
        v.check_integrity(rep)


def test_hashes_to_append_matches_the_plan() -> None:
    for old, m in [(0, 0), (0, 1), (1, 1), (3, 2), (7, 9), (0, 64), (5, 59)]:
        t = PoseidonTree(6)
        t.insert_many(list(range(1, old + 1)))
        plan = t.plan(b"".join(i.to_bytes(32, "big") for i in range(1, m + 1)))
        assert hashes_to_append(old, m, 6) == m + sum(len(d) // 32 for k, _s, d in plan if k)
    with pytest.raises(ValueError, match="chunk"):
        ReportingHasher(print, chunk=0)
