"""Lock validation (PROTOCOL.md s.3 ranges) and the append-only Poseidon tree."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkcollat.curve import Backend
from zkcollat.field import R
from zkcollat.gadgets.merkle import merkle_root_plain
from zkcollat.hash import poseidon_hash
from zkcollat.vault import Lock, PoseidonTree, verify_proof, zero_hashes
from zkcollat.vault.errors import LockFieldError, TreeDepthError, TreeFullError, UnknownLockError
from zkcollat.vault.lock import FIELDS
from zkcollat.vault.tree import MerkleProof
from zkcollat.vault.vault import leaves_of_locks

GOOD = dict(lock_id=0, owner=1, dest_chain_id=1, asset_id=2, amount=3, expiry=4)


@functools.cache
def _h2(a: int, b: int) -> int:
    return poseidon_hash([a, b])  # the plain reference hash, memoised (prefixes repeat)


def naive_root(leaves: list[int], depth: int) -> int:
    """The root of the full 2^depth tree, every empty leaf 0, hashed level by level."""
    level = leaves + [0] * ((1 << depth) - len(leaves))
    for _ in range(depth):
        level = [_h2(level[2 * i], level[2 * i + 1]) for i in range(len(level) // 2)]
    return level[0]


# --- Lock ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("attr", "name", "bits"), FIELDS)
def test_lock_field_ranges(attr: str, name: str, bits: int) -> None:
    top = (1 << bits) - 1
    assert getattr(Lock(**{**GOOD, attr: top}), attr) == top
    for bad in (1 << bits, -1, R, (1 << bits) + R):
        with pytest.raises(LockFieldError) as e:
            Lock(**{**GOOD, attr: bad})
        assert e.value.field == name and name in str(e.value)
    for bad_type in (True, 1.0, "1", None):
        with pytest.raises(LockFieldError, match=name):
            Lock(**{**GOOD, attr: bad_type})  # type: ignore[arg-type]


def test_lock_leaf_is_protocol_hash() -> None:
    lk = Lock(7, 0xAB, 10, 0xCD, 10**18, 1_900_000_000)
    assert lk.leaf() == poseidon_hash([7, 0xAB, 10, 0xCD, 10**18, 1_900_000_000])
    assert lk.packed() == b"".join(v.to_bytes(32, "big") for v in lk.fields())


def test_leaves_of_locks_are_the_protocol_hash(backend: Backend) -> None:
    """The batch leaf hash (on the native backend: 8 locks per pass of the vector kernel, the
    rest one at a time) equals the plain hash of each lock, with fields at 0 and at their
    largest values; and the packing is the six 32-byte words."""
    tops = [(1 << bits) - 1 for _, _, bits in FIELDS]
    locks = [Lock(i, *(tops[k] if (i + k) % 3 else (i * 7919 + k) % (tops[k] + 1)
                       for k in range(1, 6))) for i in range(19)]
    locks.append(Lock(19, 0, 0, 0, 0, 0))
    for lk in locks:
        assert lk.packed() == b"".join(v.to_bytes(32, "big") for v in lk.fields())
    leaves = leaves_of_locks(locks)
    assert [int.from_bytes(leaves[32 * i : 32 * i + 32], "big") for i in range(len(locks))] == [
        poseidon_hash(lk.fields()) for lk in locks
    ]


def test_lock_json_round_trip_and_rejections() -> None:
    lk = Lock(3, (1 << 160) - 1, 137, 0xDEADBEEF, (1 << 128) - 1, (1 << 64) - 1)
    assert Lock.from_json(lk.to_json()) == lk
    hexed = {**lk.to_json(), "owner": "0x" + "f" * 40, "assetId": "0x" + "0" * 32 + "deadbeef"}
    assert Lock.from_json(hexed) == lk
    cases = [
        ({**lk.to_json(), "amount": str(1 << 128)}, "amount"),
        ({**lk.to_json(), "amount": "-1"}, "amount"),
        ({**lk.to_json(), "amount": "007"}, "amount"),
        ({**lk.to_json(), "amount": " 7"}, "amount"),
        ({**lk.to_json(), "amount": 1.5}, "amount"),
        ({**lk.to_json(), "expiry": "0x10"}, "expiry"),  # hex only for addresses
        ({**lk.to_json(), "owner": "0x" + "f" * 41}, "owner"),
        ({**lk.to_json(), "destChainId": str(1 << 64)}, "destChainId"),
        ({k: v for k, v in lk.to_json().items() if k != "owner"}, "owner"),
        ({**lk.to_json(), "colour": "red"}, "colour"),
    ]
    for data, field in cases:
        with pytest.raises(LockFieldError, match=field):
            Lock.from_json(data, "lock")


# --- tree ---------------------------------------------------------------------------------------


def test_zero_hashes() -> None:
    z = zero_hashes(32)
    assert z[0] == 0 and len(z) == 33
    for k in range(32):
        assert z[k + 1] == poseidon_hash([z[k], z[k]])
    t = PoseidonTree(5)
    assert t.root == z[5] == naive_root([], 5)
    assert t.zeros == z[:6]


def test_depth_range() -> None:
    for d in (0, 33, -1, True, 2.0):
        with pytest.raises(TreeDepthError):
            PoseidonTree(d)  # type: ignore[arg-type]
    assert PoseidonTree(1).capacity == 2 and PoseidonTree(32).capacity == 1 << 32


def test_root_after_each_append_and_paths() -> None:
    depth = 4
    t = PoseidonTree(depth)
    leaves: list[int] = []
    for i in range(1 << depth):
        leaf = poseidon_hash([i, 99])
        assert t.insert(leaf) == i
        leaves.append(leaf)
        assert t.root == naive_root(leaves, depth)
        for j in range(len(leaves)):
            p = t.generate_proof(j)
            assert verify_proof(p) and p.leaf == leaves[j] and p.root == t.root
            assert merkle_root_plain(p.leaf, list(p.siblings), list(p.path_indices)) == t.root
    with pytest.raises(TreeFullError, match="capacity"):
        t.insert(1)
    with pytest.raises(TreeFullError):
        PoseidonTree(2).insert_many([1, 2, 3, 4, 5])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=6), st.integers(1, 5))
def test_batches_equal_single_appends_and_past_roots(chunks: list[int], depth: int) -> None:
    leaves = [poseidon_hash([i]) for i in range(sum(chunks))][: 1 << depth]
    single = PoseidonTree(depth)
    for leaf in leaves:
        single.insert(leaf)
    batched = PoseidonTree(depth)
    done = 0
    for c in chunks:
        part = leaves[done : done + c]
        batched.insert_many(part)  # an empty batch is a no-op
        done += len(part)
    batched.insert_many(leaves[done:])
    assert batched.levels == single.levels and batched.root == naive_root(leaves, depth)
    batched.check()
    for m in range(len(leaves) + 1):
        expected = naive_root(leaves[:m], depth)
        assert batched.root_at(m) == expected
        for j in range(m):
            p = batched.generate_proof(j, size=m)
            assert p.root == expected and verify_proof(p)


def test_verify_proof_rejections() -> None:
    t = PoseidonTree(3)
    t.insert_many([11, 22, 33])
    p = t.generate_proof(1)
    assert verify_proof(p)
    bad = [
        MerkleProof(p.root, p.leaf + 1, p.index, p.siblings, p.path_indices),
        MerkleProof(p.root + 1, p.leaf, p.index, p.siblings, p.path_indices),
        MerkleProof(p.root, p.leaf, p.index, (p.siblings[0] + 1, *p.siblings[1:]), p.path_indices),
        MerkleProof(p.root, p.leaf, 0, p.siblings, (0, 0, 0)),  # index bit flipped
        MerkleProof(p.root, p.leaf, p.index, p.siblings, (1, 1, 0)),  # bits disagree with index
        MerkleProof(p.root, p.leaf, p.index, p.siblings[:2], p.path_indices[:2]),
        MerkleProof(p.root, p.leaf + R, p.index, p.siblings, p.path_indices),  # leaf + r
    ]
    for q in bad:
        assert not verify_proof(q), q


def test_unknown_index_and_size() -> None:
    t = PoseidonTree(3)
    t.insert_many([1, 2])
    for i in (2, -1, 8):
        with pytest.raises(UnknownLockError):
            t.generate_proof(i)
    with pytest.raises(UnknownLockError):
        t.generate_proof(1, size=1)
    with pytest.raises(UnknownLockError):
        t.root_at(3)


def test_depth_20_and_32_roots() -> None:
    for depth in (20, 32):
        t = PoseidonTree(depth)
        t.insert_many([5, 6, 7])
        expected = merkle_root_plain(5, [6, poseidon_hash([7, 0]), *zero_hashes(32)[2:depth]],
                                     [0] * depth)
        assert t.root == expected
        assert verify_proof(t.generate_proof(2))
