"""SQLite persistence of a vault: locks, tree nodes, and roots by source-chain block.

One file, no server (the standard library's ``sqlite3``). Schema (version 1)::

    meta(key TEXT PRIMARY KEY, value TEXT)          -- format, version, depth, size, root
    locks(lock_id INTEGER PRIMARY KEY,              -- = leaf index (PROTOCOL.md s.3)
          owner TEXT, dest_chain_id TEXT, asset_id TEXT, amount TEXT, expiry TEXT)
                                                    -- decimal strings (values up to 2^160)
    nodes(level INTEGER, idx INTEGER, hash BLOB,    -- filled nodes only, 32-byte big-endian
          PRIMARY KEY (level, idx)) WITHOUT ROWID
    block_roots(block_number INTEGER PRIMARY KEY, size INTEGER, root TEXT)
                                                    -- the root after the last lock of a block

Crash safety: every append or batch is *one* transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``)
that writes its locks, every changed node, the new size and root, and the block's root; the
in-memory tree changes only after the commit returns. A process killed at any point leaves
either the whole batch or none of it (SQLite's journal rolls back an unfinished
transaction when the file is next opened). The journal is WAL; ``synchronous="FULL"`` (the
default) also makes a commit survive power loss, ``"NORMAL"`` survives a process crash but
may lose the last commits on power loss (faster single appends).

On open the store checks its own consistency cheaply (node counts per level against the size,
the stored root against the top node); ``Vault.check_integrity`` recomputes everything.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from zkcollat.vault.errors import BlockOrderError, StoreCorrupted, StoreError, TreeDepthError
from zkcollat.vault.lock import Lock
from zkcollat.vault.tree import Update, W, check_depth

FORMAT = "zkcollat-vault"
VERSION = "1"
MAX_BLOCK = (1 << 63) - 1  # SQLite INTEGER

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locks (
    lock_id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL, dest_chain_id TEXT NOT NULL, asset_id TEXT NOT NULL,
    amount TEXT NOT NULL, expiry TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
    level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_roots (
    block_number INTEGER PRIMARY KEY, size INTEGER NOT NULL, root TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class BlockRoot:
    """The vault root after the last lock of a source-chain block."""

    block_number: int
    size: int
    root: int


def check_block_number(block_number: object) -> int:
    if isinstance(block_number, bool) or not isinstance(block_number, int) or not (
        0 <= block_number <= MAX_BLOCK
    ):
        raise BlockOrderError(f"block number {block_number!r} must be an integer in [0, 2^63)")
    return block_number


class SqliteStore:
    """A vault's tables in one SQLite file (see the module docstring for the schema)."""

    def __init__(
        self, path: str | os.PathLike[str], depth: int | None = None, *, synchronous: str = "FULL"
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise StoreError(f"synchronous = {synchronous!r} must be 'FULL' or 'NORMAL'")
        self.path = os.fspath(path)
        if self.path != ":memory:" and not Path(self.path).parent.exists():
            raise StoreError(f"vault store {self.path!r}: directory does not exist")
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute(f"PRAGMA synchronous={synchronous}")
            self.conn.executescript(_SCHEMA)
            meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as e:
            raise StoreError(f"vault store {self.path!r} cannot be opened: {e}") from e
        if not meta:
            if depth is None:
                raise StoreError(f"vault store {self.path!r} is new: give its tree depth")
            self.depth = check_depth(depth)
            with self._transaction():
                self.conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("format", FORMAT), ("version", VERSION), ("depth", str(self.depth)),
                     ("size", "0"), ("root", "")],
                )
        else:
            if meta.get("format") != FORMAT or meta.get("version") != VERSION:
                raise StoreError(
                    f"{self.path!r} is not a {FORMAT} store version {VERSION} "
                    f"(format {meta.get('format')!r}, version {meta.get('version')!r})"
                )
            try:
                self.depth = check_depth(int(meta["depth"]))
            except (KeyError, ValueError) as e:
                raise StoreCorrupted(f"{self.path!r}: bad depth in meta: {e}") from e
            if depth is not None and depth != self.depth:
                raise TreeDepthError(
                    f"vault store {self.path!r} holds a depth-{self.depth} tree, not depth {depth}"
                )

    # --- transactions -----------------------------------------------------------------------

    class _Txn:
        def __init__(self, store: SqliteStore) -> None:
            self.store = store

        def __enter__(self) -> None:
            self.store.conn.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
            if exc_type is None:
                self.store._commit()
            else:
                self.store.conn.execute("ROLLBACK")

    def _transaction(self) -> SqliteStore._Txn:
        return SqliteStore._Txn(self)

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

    # --- reading ----------------------------------------------------------------------------

    def _meta(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise StoreCorrupted(f"{self.path!r}: meta has no {key!r}")
        return str(row[0])

    @property
    def size(self) -> int:
        return int(self._meta("size"))

    @property
    def root(self) -> int | None:
        text = self._meta("root")
        return int(text) if text else None

    def load_levels(self) -> list[bytearray]:
        """Every level's filled nodes, checked for count and contiguity against the size."""
        size = self.size
        levels = []
        for k in range(self.depth + 1):
            expected = -(-size // (1 << k))
            n, lo, hi = self.conn.execute(
                "SELECT count(*), min(idx), max(idx) FROM nodes WHERE level = ?", (k,)
            ).fetchone()
            if n != expected or (n and (lo != 0 or hi != n - 1)):
                raise StoreCorrupted(
                    f"{self.path!r}: level {k} has {n} nodes (indices {lo}..{hi}); a tree of "
                    f"{size} leaves has {expected}"
                )
            cur = self.conn.execute("SELECT hash FROM nodes WHERE level = ? ORDER BY idx", (k,))
            buf = bytearray(b"".join(row[0] for row in cur))
            if len(buf) != expected * W:
                raise StoreCorrupted(f"{self.path!r}: level {k} holds a node that is not 32 bytes")
            levels.append(buf)
        n_locks = self.conn.execute("SELECT count(*), max(lock_id) FROM locks").fetchone()
        if n_locks[0] != size or (size and n_locks[1] != size - 1):
            raise StoreCorrupted(
                f"{self.path!r}: {n_locks[0]} locks stored for a tree of {size} leaves"
            )
        return levels

    @staticmethod
    def _lock(row: Sequence[object]) -> Lock:
        i, owner, dest, asset, amount, expiry = row
        try:
            return Lock(int(str(i)), int(str(owner)), int(str(dest)), int(str(asset)),
                        int(str(amount)), int(str(expiry)))
        except ValueError as e:
            raise StoreCorrupted(f"lock row {row!r} is not a valid lock: {e}") from e

    def get_lock(self, lock_id: int) -> Lock | None:
        if not 0 <= lock_id <= MAX_BLOCK:
            return None
        row = self.conn.execute("SELECT * FROM locks WHERE lock_id = ?", (lock_id,)).fetchone()
        return None if row is None else self._lock(row)

    def iter_locks(self, start: int = 0, batch: int = 4096) -> Iterator[Lock]:
        cur = self.conn.execute("SELECT * FROM locks WHERE lock_id >= ? ORDER BY lock_id", (start,))
        while rows := cur.fetchmany(batch):
            yield from (self._lock(r) for r in rows)

    def block_roots(self) -> list[BlockRoot]:
        return [
            BlockRoot(b, s, int(r))
            for b, s, r in self.conn.execute("SELECT * FROM block_roots ORDER BY block_number")
        ]

    def last_block(self) -> int | None:
        row = self.conn.execute("SELECT max(block_number) FROM block_roots").fetchone()
        return None if row[0] is None else int(row[0])

    # --- writing ----------------------------------------------------------------------------

    def commit(
        self,
        locks: Sequence[Lock],
        updates: Sequence[Update],
        size: int,
        root: int,
        block_number: int | None = None,
    ) -> None:
        """Write one append (or batch) atomically: its locks, nodes, size, root, block root."""
        if block_number is not None:
            check_block_number(block_number)
        try:
            with self._transaction():
                if block_number is not None:
                    last = self.last_block()
                    if last is not None and block_number < last:
                        raise BlockOrderError(
                            f"block number {block_number} is below the last recorded block {last}"
                        )
                self.conn.executemany(
                    "INSERT INTO locks VALUES (?, ?, ?, ?, ?, ?)",
                    ((lk.lock_id, str(lk.owner), str(lk.dest_chain_id), str(lk.asset_id),
                      str(lk.amount), str(lk.expiry)) for lk in locks),
                )
                self.conn.executemany(
                    "INSERT OR REPLACE INTO nodes VALUES (?, ?, ?)",
                    ((level, start + i, data[i * W : (i + 1) * W])
                     for level, start, data in updates for i in range(len(data) // W)),
                )
                self.conn.execute("UPDATE meta SET value = ? WHERE key = 'size'", (str(size),))
                self.conn.execute("UPDATE meta SET value = ? WHERE key = 'root'", (str(root),))
                if block_number is not None:
                    self.conn.execute(
                        "INSERT OR REPLACE INTO block_roots VALUES (?, ?, ?)",
                        (block_number, size, str(root)),
                    )
        except sqlite3.DatabaseError as e:
            raise StoreError(f"vault store {self.path!r}: the append was not committed: {e}") from e

    def close(self) -> None:
        self.conn.close()
