"""A vault: its locks, their append-only Poseidon tree, and (by default) a SQLite store.

``lockId`` is the vault's sequence number and leaf ``i`` is the ``i``-th lock appended
(PROTOCOL.md s.3), so a lock's id *is* its leaf index: appends must come in id order, and
an out-of-order or duplicate lock is refused (:class:`LockSequenceError`).

    vault = Vault.open("vault.sqlite", depth=20)     # created, or resumed without rebuilding
    vault.append(Lock(0, owner, 1, asset, 10**18, 1_900_000_000), block_number=123)
    vault.insert_many(more_locks, block_number=124)  # one transaction, one hash call per level
    proof = vault.generate_proof(0)                   # MerkleProof against vault.root

``Vault(depth)`` without a path keeps everything in memory (snapshots, tests).
"""

from __future__ import annotations

import bisect
import dataclasses
import os
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType

from zkcollat.vault.errors import (
    BlockOrderError,
    LockSequenceError,
    StoreCorrupted,
    TreeDepthError,
    UnknownLockError,
)
from zkcollat.vault.lock import Lock
from zkcollat.vault.store import BlockRoot, SqliteStore, check_block_number
from zkcollat.vault.tree import (
    DEFAULT_DEPTH,
    LOCAL_HASHER,
    MerkleProof,
    PoseidonTree,
    TreeHasher,
    W,
    verify_proof,
)

#: Locks hashed per native call in a bulk build (bounds the packed buffer to 12 MiB).
HASH_CHUNK = 1 << 16


def leaves_of_locks(locks: Sequence[Lock], hasher: TreeHasher | None = None) -> bytes:
    """The packed leaves of ``locks``: batch Poseidon(6) in chunks (``hasher.leaves``, in
    this process by default)."""
    h = hasher or LOCAL_HASHER
    out = []
    for i in range(0, len(locks), HASH_CHUNK):
        chunk = locks[i : i + HASH_CHUNK]
        leaves = h.leaves(b"".join([lk.packed() for lk in chunk]))
        if len(leaves) != W * len(chunk):
            raise StoreCorrupted(
                f"the hasher returned {len(leaves)} bytes of leaves for {len(chunk)} locks"
            )
        out.append(leaves)
    return b"".join(out)


class Vault:
    """Locks + tree (+ store). zk-kit vocabulary: ``insert``, ``insert_many``, ``root``,
    ``generate_proof``, ``verify_proof``; ``append`` is ``insert``."""

    def __init__(self, depth: int | None = None, *, store: SqliteStore | None = None) -> None:
        """An in-memory vault of ``depth`` (default 20), or the vault held by ``store``."""
        self.store = store
        self._generation: int | None = None
        self._locks: list[Lock] | None = None
        if store is not None:
            if depth is not None and depth != store.depth:
                raise TreeDepthError(
                    f"the store {store.path!r} holds a depth-{store.depth} tree, not depth {depth}"
                )
            self.tree = PoseidonTree(store.depth)
            self._block_roots: list[BlockRoot] = []
            with store.reading():  # one consistent state, whatever another process commits
                self._load()
        else:
            self.tree = PoseidonTree(DEFAULT_DEPTH if depth is None else depth)
            self._locks = []
            self._block_roots = []

    def _load(self) -> None:
        """(Re)load the tree, block roots and generation from the store; call inside one of
        its transactions."""
        store = self.store
        assert store is not None
        tree = PoseidonTree(store.depth)
        tree.levels = store.load_levels()
        stored_root = store.root
        if tree.size and stored_root != tree.root:
            raise StoreCorrupted(
                f"{store.path!r}: stored root {stored_root} is not the top node {tree.root}"
            )
        self.tree = tree
        self._block_roots = store.block_roots()
        self._generation = store.generation

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], depth: int | None = None, *, synchronous: str = "FULL"
    ) -> Vault:
        """Open (or create, given ``depth``) the SQLite-backed vault at ``path``."""
        return cls(store=SqliteStore(path, depth, synchronous=synchronous))

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        return self.tree.depth

    @property
    def size(self) -> int:
        return self.tree.size

    def __len__(self) -> int:
        return self.tree.size

    @property
    def root(self) -> int:
        return self.tree.root

    def root_at(self, size: int) -> int:
        """The root when the vault held ``size`` locks."""
        return self.tree.root_at(size)

    @property
    def block_roots(self) -> list[BlockRoot]:
        return list(self._block_roots)

    def block_root(self, block_number: int, *, exact: bool = False) -> BlockRoot:
        """The vault state at the end of ``block_number`` (the last recorded block <= it; with
        ``exact``, only a root recorded for that very block), checked against the tree: the
        recorded root must be the tree's root at the recorded size, else
        :class:`StoreCorrupted` (a damaged row is never handed out)."""
        i = bisect.bisect_right([br.block_number for br in self._block_roots], block_number)
        if i == 0:
            raise UnknownLockError(f"no root recorded at or before block {block_number}")
        br = self._block_roots[i - 1]
        if exact and br.block_number != block_number:
            raise UnknownLockError(
                f"no root recorded for block {block_number} (the last block at or before it "
                f"with a recorded root is {br.block_number})"
            )
        self.check_block_root(br)
        return br

    def check_block_root(self, br: BlockRoot) -> None:
        """:class:`StoreCorrupted` unless ``br.root`` is the tree's root at ``br.size``."""
        if not 0 <= br.size <= self.size or self.tree.root_at(br.size) != br.root:
            raise StoreCorrupted(
                f"the root recorded for block {br.block_number} ({br.size} locks) is not the "
                "tree's root at that size: the vault is damaged (run `zkcollat vault check`)"
            )

    def get_lock(self, lock_id: int) -> Lock:
        """The lock with this id; :class:`UnknownLockError` if the vault has none."""
        if isinstance(lock_id, bool) or not isinstance(lock_id, int) or not (
            0 <= lock_id < self.size
        ):
            raise UnknownLockError(
                f"lock {lock_id!r} is not in the vault ({_holds(self.size)})"
            )
        if self._locks is not None:
            return self._locks[lock_id]
        assert self.store is not None
        with self.store.reading():
            lock = self.store.get_lock(lock_id)
        if lock is None:
            raise StoreCorrupted(f"lock {lock_id} has a leaf but no row in the store")
        return lock

    def locks(self) -> Iterator[Lock]:
        if self._locks is not None:
            return iter(list(self._locks))
        assert self.store is not None
        return self._iter_stored()

    def _iter_stored(self) -> Iterator[Lock]:
        assert self.store is not None
        with self.store.reading():  # the locks the tree was loaded with, no later ones
            yield from self.store.iter_locks(stop=self.size)

    def generate_proof(self, lock_id: int, size: int | None = None) -> MerkleProof:
        """The inclusion path of lock ``lock_id`` (its leaf index), now or at ``size`` locks."""
        self.get_lock(lock_id)
        return self.tree.generate_proof(lock_id, size)

    verify_proof = staticmethod(verify_proof)

    # --- writing ----------------------------------------------------------------------------

    def insert_many(
        self,
        locks: Iterable[Lock],
        block_number: int | None = None,
        *,
        assign_ids: bool = False,
        hasher: TreeHasher | None = None,
    ) -> int:
        """Append locks in id order, atomically (all of them or none); returns the first new
        lock id.

        ``block_number`` (the source-chain block that created them) records the new root in
        the roots-by-block table; block numbers must not decrease. With a store, the append is
        one write transaction that first reloads the vault if another writer committed since
        this object read it (so a stale object never writes over newer rows); ``assign_ids``
        then numbers the locks from the size found there (ids of the given locks ignored),
        otherwise their ids must be the next ones. ``hasher`` hashes the leaves and levels
        elsewhere (a bulk build on a Dask cluster: ``zkcollat.batch.tree``).
        """
        batch = list(locks)
        for i, lk in enumerate(batch):
            if not isinstance(lk, Lock):
                raise LockSequenceError(f"locks[{i}] is a {type(lk).__name__}, not a Lock")
        if block_number is not None:
            check_block_number(block_number)
        if self.store is None:
            return self._insert(batch, block_number, assign_ids, hasher)
        try:
            with self.store.writing():
                if self.store.generation != self._generation:
                    self._load()  # another writer committed: plan on the newest state
                return self._insert(batch, block_number, assign_ids, hasher)
        except BaseException:
            # nothing was committed: the in-memory state may be ahead of the file, reload it
            self.store.forget_tail()
            self._generation = None
            try:
                with self.store.reading():
                    self._load()
            except Exception:  # noqa: S110 - the first error is the one to report
                pass
            raise

    def _insert(
        self,
        batch: list[Lock],
        block_number: int | None,
        assign_ids: bool,
        hasher: TreeHasher | None = None,
    ) -> int:
        first = self.size
        if assign_ids:
            batch = [lk if lk.lock_id == first + i else dataclasses.replace(lk, lock_id=first + i)
                     for i, lk in enumerate(batch)]
        for i, lk in enumerate(batch):
            if lk.lock_id != first + i:
                raise LockSequenceError(
                    f"locks[{i}] has lockId {lk.lock_id}; the vault's next lock id is {first + i} "
                    "(lockId is the vault's sequence number, PROTOCOL.md s.3)"
                )
        if block_number is not None and self._block_roots and (
            block_number < self._block_roots[-1].block_number
        ):
            raise BlockOrderError(
                f"block number {block_number} is below the last recorded block "
                f"{self._block_roots[-1].block_number}"
            )
        if not batch and block_number is None:
            return first
        updates = self.tree.plan(leaves_of_locks(batch, hasher), hasher) if batch else []
        size = first + len(batch)
        root = int.from_bytes(updates[-1][2][:32], "big") if updates else self.root
        if self.store is not None:
            self._generation = self.store.commit(
                batch, updates, size, root, block_number, generation=self._generation
            )
        self.tree.apply(updates)
        if self._locks is not None:
            self._locks.extend(batch)
        if block_number is not None:
            br = BlockRoot(block_number, size, root)
            if self._block_roots and self._block_roots[-1].block_number == block_number:
                self._block_roots[-1] = br
            else:
                self._block_roots.append(br)
        return first

    def insert(self, lock: Lock, block_number: int | None = None) -> int:
        """Append one lock (one transaction); returns its lock id."""
        return self.insert_many([lock], block_number)

    append = insert

    # --- integrity --------------------------------------------------------------------------

    def check_integrity(self, hasher: TreeHasher | None = None) -> None:
        """Recompute every leaf from its lock and every node from the leaves (bulk hash, by
        ``hasher``: in this process by default), and every block root from the tree;
        :class:`StoreCorrupted` names the first difference."""
        locks = list(self.locks())
        if len(locks) != self.size:
            raise StoreCorrupted(f"{len(locks)} locks for a tree of {self.size} leaves")
        for i, lk in enumerate(locks):
            if lk.lock_id != i:
                raise StoreCorrupted(f"the lock at position {i} has lockId {lk.lock_id}")
        leaves = leaves_of_locks(locks, hasher)
        if leaves != bytes(self.tree.levels[0]):
            j = next(i for i in range(len(locks)) if leaves[i * 32 : i * 32 + 32]
                     != self.tree.levels[0][i * 32 : i * 32 + 32])
            raise StoreCorrupted(f"leaf {j} is not the hash of lock {j}")
        self.tree.check(hasher)
        for br in self._block_roots:
            if br.size > self.size or self.tree.root_at(br.size) != br.root:
                raise StoreCorrupted(
                    f"the root recorded for block {br.block_number} ({br.size} locks) is not "
                    "the tree's root at that size"
                )


def _holds(size: int) -> str:
    if size == 0:
        return "it is empty"
    return "it holds lock id 0" if size == 1 else f"it holds lock ids 0 to {size - 1}"
