"""The vault's append-only Poseidon tree (PROTOCOL.md s.3), with zk-kit's vocabulary.

Binary, fixed depth ``D`` (1..32, default 20); leaf ``i`` is the ``i``-th appended; an empty
leaf is 0 and an empty subtree of height ``k`` hashes to ``z[k]`` (``z[0] = 0``,
``z[k+1] = H(z[k], z[k])``); a node is ``H(left, right)``.

Storage: level ``k`` keeps only its *filled* nodes, ``ceil(n / 2^k)`` of them for ``n`` leaves,
as one ``bytearray`` of 32-byte big-endian words (2^21 words = 64 MiB for 2^20 leaves; no
Python int per node). Nodes to the right of the filled ones are ``z[k]``. An append rewrites
the last node of every level; a batch rewrites a suffix of every level, and each level of a
batch is one call of the backend's batch Poseidon (``poseidon_packed``).

Because the tree is append-only, a node whose subtree is full never changes again. So the
root (and any path) *at an earlier size* ``m`` is recomputed from stored nodes with at most
``D`` hashes (:meth:`root_at`, :meth:`generate_proof` with ``size``): a relayer can prove
against any past root that the execution side has accepted.

Writes are two-phase (:meth:`plan` then :meth:`apply`) so that the SQLite store can commit
the new nodes before the in-memory tree changes (see ``zkcollat.vault.store``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from zkcollat.curve.backend import get_backend
from zkcollat.errors import EncodingError, FieldError
from zkcollat.field import FR_BYTES, check_fr, pack_fr
from zkcollat.hash import poseidon_hash
from zkcollat.vault.errors import StoreCorrupted, TreeDepthError, TreeFullError, UnknownLockError

MAX_DEPTH = 32
DEFAULT_DEPTH = 20
W = FR_BYTES

#: One write of a plan: (level, first node index, the new words from there to the level's end).
Update = tuple[int, int, bytes]


def check_depth(depth: object) -> int:
    """``depth`` if it is an int in 1..32, else :class:`TreeDepthError`."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise TreeDepthError(f"tree depth D = {depth!r} must be an integer in 1..{MAX_DEPTH}")
    return depth


@functools.cache
def zero_hashes(depth: int = MAX_DEPTH) -> tuple[int, ...]:
    """``(z[0], ..., z[depth])``: ``z[0] = 0``, ``z[k+1] = H(z[k], z[k])``."""
    z = [0]
    for _ in range(depth):
        z.append(poseidon_hash([z[-1], z[-1]]))
    return tuple(z)


def hash_pairs(packed: bytes) -> bytes:
    """``H(left, right)`` of consecutive word pairs, one backend batch call."""
    return get_backend().poseidon_packed(2, packed)


class TreeHasher:
    """How a bulk build hashes: in this process by default. Another hasher (for example
    ``zkcollat.batch.tree.DaskHasher``, which hashes chunks on a Dask cluster) must return
    exactly what these do; a vault import compares the result with the snapshot's roots."""

    def leaves(self, packed_locks: bytes) -> bytes:
        """Poseidon(6) of each 192-byte packed lock record (``Lock.packed``)."""
        return get_backend().poseidon_packed(6, packed_locks)

    def pairs(self, packed: bytes) -> bytes:
        """``H(left, right)`` of consecutive 32-byte word pairs."""
        return hash_pairs(packed)


LOCAL_HASHER = TreeHasher()


class ReportingHasher(TreeHasher):
    """Another hasher's work in chunks of at most ``chunk`` hashes, calling ``done(n)`` after
    each with the number of hashes it did (a progress bar's hook; the result is the same bytes:
    each hash depends on its own inputs only). ``chunk=None`` passes each call through whole
    (for a hasher that splits the work itself, such as the Dask one)."""

    def __init__(
        self,
        done: Callable[[int], object],
        inner: TreeHasher | None = None,
        chunk: int | None = 1 << 14,
    ) -> None:
        if chunk is not None and chunk < 1:
            raise ValueError(f"chunk = {chunk} must be positive")
        self.inner = inner or LOCAL_HASHER
        self.done = done
        self.chunk = chunk

    def _run(self, f: Callable[[bytes], bytes], packed: bytes, width: int) -> bytes:
        n = len(packed) // width
        step = n if self.chunk is None else self.chunk
        out = []
        for i in range(0, n, max(step, 1)):
            part = packed[i * width : (i + step) * width]
            out.append(f(part))
            self.done(len(part) // width)
        return b"".join(out)

    def leaves(self, packed_locks: bytes) -> bytes:
        return self._run(self.inner.leaves, packed_locks, 6 * W)

    def pairs(self, packed: bytes) -> bytes:
        return self._run(self.inner.pairs, packed, 2 * W)


def hashes_to_append(old: int, m: int, depth: int) -> int:
    """How many hashes appending ``m`` leaves to a tree of ``old`` makes: ``m`` leaf hashes
    plus, at each level ``k``, the nodes from ``old >> k`` to the end (as :meth:`plan`)."""
    if m == 0:
        return 0
    new = old + m
    return m + sum(-(-new >> k) - (old >> k) for k in range(1, depth + 1))


def hash2(left: int, right: int) -> int:
    return int.from_bytes(hash_pairs(left.to_bytes(W, "big") + right.to_bytes(W, "big")), "big")


@dataclass(frozen=True)
class MerkleProof:
    """An inclusion proof: ``siblings[k]`` at level k, ``path_indices[k]`` bit k of ``index``."""

    root: int
    leaf: int
    index: int
    siblings: tuple[int, ...]
    path_indices: tuple[int, ...]

    @property
    def depth(self) -> int:
        return len(self.siblings)


def verify_proof(proof: MerkleProof) -> bool:
    """True iff ``proof.leaf`` hashes up ``proof.siblings`` to ``proof.root``.

    Also checks that ``path_indices`` are the bits of ``index`` and every value is in F_r.
    """
    d = len(proof.siblings)
    if not 1 <= d <= MAX_DEPTH or len(proof.path_indices) != d:
        return False
    if not 0 <= proof.index < (1 << d):
        return False
    if list(proof.path_indices) != [(proof.index >> k) & 1 for k in range(d)]:
        return False
    try:
        for v in (proof.root, proof.leaf, *proof.siblings):
            check_fr(v)
    except FieldError:
        return False
    cur = proof.leaf
    for sibling, bit in zip(proof.siblings, proof.path_indices, strict=True):
        cur = hash2(sibling, cur) if bit else hash2(cur, sibling)
    return cur == proof.root


class PoseidonTree:
    """Append-only Poseidon Merkle tree of fixed depth (``insert``, ``insert_many``, ``root``,
    ``generate_proof``, ``verify_proof``)."""

    def __init__(self, depth: int = DEFAULT_DEPTH) -> None:
        self.depth = check_depth(depth)
        self.zeros: tuple[int, ...] = zero_hashes(MAX_DEPTH)[: depth + 1]
        self._zero_words = [z.to_bytes(W, "big") for z in self.zeros]
        self.levels: list[bytearray] = [bytearray() for _ in range(depth + 1)]

    # --- reading ------------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return 1 << self.depth

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return len(self.levels[0]) // W

    def __len__(self) -> int:
        return self.size

    @property
    def root(self) -> int:
        top = self.levels[self.depth]
        return int.from_bytes(top[:W], "big") if top else self.zeros[self.depth]

    def node(self, level: int, index: int) -> int:
        """The current node at (level, index): stored if filled, else ``z[level]``."""
        data = self.levels[level]
        if (index + 1) * W <= len(data):
            return int.from_bytes(data[index * W : (index + 1) * W], "big")
        return self.zeros[level]

    def leaf(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise UnknownLockError(f"leaf index {index} is not in a tree of {self.size} leaves")
        return self.node(0, index)

    def _node_at(self, level: int, index: int, size: int) -> int:
        """The node at (level, index) in the tree as it was with ``size`` leaves."""
        if (index + 1) << level <= size:  # full subtree: never rewritten since
            return self.node(level, index)
        if index << level >= size:  # no leaf yet
            return self.zeros[level]
        return hash2(
            self._node_at(level - 1, 2 * index, size), self._node_at(level - 1, 2 * index + 1, size)
        )

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= self.size:
            raise UnknownLockError(
                f"tree size {size!r} is not between 0 and the current size {self.size}"
            )
        return size

    def root_at(self, size: int) -> int:
        """The root when the tree held its first ``size`` leaves (at most ``D`` hashes)."""
        size = self._check_size(size)
        if size == self.size:
            return self.root
        return self._node_at(self.depth, 0, size)

    def generate_proof(self, index: int, size: int | None = None) -> MerkleProof:
        """The path of leaf ``index`` against the current root, or the root at ``size`` leaves."""
        m = self._check_size(size)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < m:
            raise UnknownLockError(f"leaf index {index!r} is not in a tree of {m} leaves")
        if m == self.size:
            siblings = [self.node(k, (index >> k) ^ 1) for k in range(self.depth)]
            root = self.root
        else:
            siblings = [self._node_at(k, (index >> k) ^ 1, m) for k in range(self.depth)]
            root = self._node_at(self.depth, 0, m)
        return MerkleProof(
            root=root,
            leaf=self.node(0, index),
            index=index,
            siblings=tuple(siblings),
            path_indices=tuple((index >> k) & 1 for k in range(self.depth)),
        )

    verify_proof = staticmethod(verify_proof)

    # --- writing ------------------------------------------------------------------------------

    def plan(self, new_leaves: bytes, hasher: TreeHasher | None = None) -> list[Update]:
        """The node writes that append ``new_leaves`` (packed words), without applying them.

        One batch hash per level (``hasher.pairs``, in this process by default): the parents
        of the changed suffix of level ``k - 1`` (plus its unchanged left neighbour when the
        suffix starts on a right child).
        """
        pairs = (hasher or LOCAL_HASHER).pairs
        if len(new_leaves) % W:
            raise EncodingError(f"packed leaves must be whole 32-byte words, got {len(new_leaves)}")
        m = len(new_leaves) // W
        old = self.size
        if old + m > self.capacity:
            raise TreeFullError(
                f"appending {m} leaves to {old} exceeds the capacity 2^{self.depth} = "
                f"{self.capacity} of a depth-{self.depth} tree"
            )
        if m == 0:
            return []
        updates: list[Update] = [(0, old, bytes(new_leaves))]
        prev_start, prev_new = old, bytes(new_leaves)
        for k in range(1, self.depth + 1):
            start = old >> k
            cur = bytes(self.levels[k - 1][2 * start * W : prev_start * W]) + prev_new
            if (len(cur) // W) % 2:
                cur += self._zero_words[k - 1]
            new = pairs(cur)
            if len(new) * 2 != len(cur):
                raise EncodingError(
                    f"level {k}: the hasher returned {len(new)} bytes for {len(cur) // W} words"
                )
            updates.append((k, start, new))
            prev_start, prev_new = start, new
        return updates

    def apply(self, updates: Iterable[Update]) -> None:
        """Write a plan's nodes (each update replaces its level from ``start`` to the end)."""
        for level, start, data in updates:
            buf = self.levels[level]
            if start * W > len(buf):
                raise StoreCorrupted(
                    f"update of level {level} from node {start} leaves a gap after "
                    f"{len(buf) // W} nodes"
                )
            del buf[start * W :]
            buf += data

    def insert_packed(self, new_leaves: bytes) -> int:
        """Append packed leaves; returns the index of the first one."""
        first = self.size
        self.apply(self.plan(new_leaves))
        return first

    def insert(self, leaf: int) -> int:
        """Append one leaf; returns its index."""
        return self.insert_packed(check_fr(leaf, "leaf").to_bytes(W, "big"))

    def insert_many(self, leaves: Sequence[int]) -> int:
        """Append leaves in order (one batch hash per level); returns the first index."""
        return self.insert_packed(pack_fr(leaves, "leaf"))

    # --- integrity ----------------------------------------------------------------------------

    @classmethod
    def from_leaves_packed(
        cls, depth: int, leaves: bytes, hasher: TreeHasher | None = None
    ) -> PoseidonTree:
        tree = cls(depth)
        tree.apply(tree.plan(leaves, hasher))
        return tree

    def check(self, hasher: TreeHasher | None = None) -> None:
        """Recompute every level from the leaves (``hasher``: in this process by default);
        :class:`StoreCorrupted` names the first node that differs from the stored one."""
        fresh = PoseidonTree.from_leaves_packed(self.depth, bytes(self.levels[0]), hasher)
        for k in range(self.depth + 1):
            if fresh.levels[k] != self.levels[k]:
                mine, theirs = self.levels[k], fresh.levels[k]
                if len(mine) != len(theirs):
                    raise StoreCorrupted(
                        f"level {k} has {len(mine) // W} nodes, {len(theirs) // W} expected "
                        f"for {self.size} leaves"
                    )
                j = next(i for i in range(len(mine) // W)
                         if mine[i * W : (i + 1) * W] != theirs[i * W : (i + 1) * W])
                raise StoreCorrupted(
                    f"node (level {k}, index {j}) = "
                    f"{int.from_bytes(mine[j * W : (j + 1) * W], 'big')} differs from its "
                    f"recomputation {fresh.node(k, j)}"
                )

    def copy(self) -> PoseidonTree:
        t = PoseidonTree(self.depth)
        t.levels = [bytearray(b) for b in self.levels]
        return t

