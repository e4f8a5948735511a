"""SQLite persistence of a vault: locks, tree nodes, and roots by source-chain block.

One file, no server (the standard library's ``sqlite3``). Schema (version 2)::

    meta(key TEXT PRIMARY KEY, value TEXT)          -- format, version, depth, size, root
    locks(chunk INTEGER PRIMARY KEY, data BLOB)     -- LOCK_CHUNK locks per row, packed
    nodes(id INTEGER PRIMARY KEY, data BLOB)        -- NODE_CHUNK nodes of one level per row
    block_roots(block_number INTEGER PRIMARY KEY, size INTEGER, root TEXT)
                                                    -- the root after the last lock of a block

Nodes: level ``k`` (its filled nodes, as in :mod:`zkcollat.vault.tree`) is cut into chunks of
``NODE_CHUNK`` = 32 nodes (32-byte big-endian words, so 1 KiB); chunk ``j`` of level ``k`` is
the row ``id = k * 2^32 + j`` (:func:`node_row_id`). Every chunk of a level is full except its
last. A 2^20-leaf tree is ~65k rows rather than 2M, and a 1 KiB blob stays inside a table page
(a ``WITHOUT ROWID`` table would spill a blob this size to overflow pages).

Locks: lock ``i`` (its id is its leaf index, PROTOCOL.md s.3) is record ``i % LOCK_CHUNK`` of
row ``chunk = i // LOCK_CHUNK``; a record is ``LOCK_BYTES`` = 72 bytes, big-endian
``owner (20) || destChainId (8) || assetId (20) || amount (16) || expiry (8)`` (the field
widths of :mod:`zkcollat.vault.lock`; the id is implied by the position). Every lock row is
full except the last.

An append rewrites the last chunk of every level and the last lock row, extended by the new
words (the store object keeps a copy of the last rows it committed and reads them back inside
the transaction when it has none, or when the stored size moved since: another writer); a bulk
build writes whole chunks.

Crash safety: every append or batch is *one* transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``)
that writes its locks, every changed node chunk, the new size and root, and the block's root;
the in-memory tree changes only after the commit returns. A process killed at any point
leaves either the whole batch or none of it (SQLite's journal rolls back an unfinished
transaction when the file is next opened). The journal is WAL; ``synchronous="FULL"`` (the
default) also makes a commit survive power loss, ``"NORMAL"`` survives a process crash but
may lose the last commits on power loss (faster single appends).

On open the store checks its own consistency cheaply (chunk counts, contiguity and lengths per
level and for the locks, against the size; ``Vault`` compares the stored root with the top
node); ``Vault.check_integrity`` recomputes everything. A file of another schema version
(version 1 kept one row per node and decimal lock fields) is refused, not misread.
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
VERSION = "2"
MAX_BLOCK = (1 << 63) - 1  # SQLite INTEGER

#: Nodes per row of ``nodes`` (1 KiB of 32-byte words).
NODE_CHUNK = 32
#: Locks per row of ``locks`` (56 records of 72 bytes = 4032 bytes: one table page).
LOCK_CHUNK = 56
#: Bytes of one packed lock record (owner, destChainId, assetId, amount, expiry).
LOCK_BYTES = 72
_LEVEL_SHIFT = 32  # node row id = level << 32 | chunk (a depth-32 level 0 has 2^27 chunks)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE locks (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE nodes (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE block_roots (
    block_number INTEGER PRIMARY KEY, size INTEGER NOT NULL, root TEXT NOT NULL
);
"""


def node_row_id(level: int, chunk: int) -> int:
    """The ``nodes`` row holding chunk ``chunk`` (nodes ``32 * chunk ...``) of ``level``."""
    return level << _LEVEL_SHIFT | chunk


def pack_lock(lk: Lock) -> bytes:
    """A lock's 72-byte record (its id is implied by its position)."""
    v = ((((lk.owner << 64 | lk.dest_chain_id) << 160 | lk.asset_id) << 128 | lk.amount) << 64
         | lk.expiry)
    return v.to_bytes(LOCK_BYTES, "big")


def unpack_lock(lock_id: int, record: bytes) -> Lock:
    """The lock ``lock_id`` from its record; :class:`StoreCorrupted` if it is not 72 bytes."""
    if len(record) != LOCK_BYTES:
        raise StoreCorrupted(f"lock {lock_id}: stored record is {len(record)} bytes, not "
                             f"{LOCK_BYTES}")
    v = int.from_bytes(record, "big")
    m64, m160 = (1 << 64) - 1, (1 << 160) - 1
    return Lock(lock_id, v >> 416, (v >> 352) & m64, (v >> 192) & m160,
                (v >> 64) & ((1 << 128) - 1), v & m64)


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
        # the last row of each level and of the locks as this object's last commit left them,
        # valid while the stored size is _tail_size (saves reading them back on an append)
        self._tail: dict[tuple[str, int], bytes] = {}
        self._new_tail: dict[tuple[str, int], bytes] = {}
        self._tail_size: int | None = None
        if self.path != ":memory:" and not Path(self.path).parent.exists():
            raise StoreError(f"vault store {self.path!r}: directory does not exist")
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute(f"PRAGMA synchronous={synchronous}")
            has_meta = self.conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()[0]
            meta = (dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
                    if has_meta else {})
        except sqlite3.DatabaseError as e:
            raise StoreError(f"vault store {self.path!r} cannot be opened: {e}") from e
        if not has_meta:
            if depth is None:
                raise StoreError(f"vault store {self.path!r} is new: give its tree depth")
            self.depth = check_depth(depth)
            try:
                with self._transaction():
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self.conn.execute(statement)
                    self.conn.executemany(
                        "INSERT INTO meta VALUES (?, ?)",
                        [("format", FORMAT), ("version", VERSION), ("depth", str(self.depth)),
                         ("size", "0"), ("root", "")],
                    )
            except sqlite3.DatabaseError as e:
                raise StoreError(f"vault store {self.path!r} cannot be created: {e}") from e
        else:
            if meta.get("format") != FORMAT or meta.get("version") != VERSION:
                raise StoreError(
                    f"{self.path!r} is not a {FORMAT} store of schema version {VERSION} "
                    f"(format {meta.get('format')!r}, version {meta.get('version')!r}); "
                    "an older version is not read by this release: rebuild the vault from a "
                    "snapshot or from its source chain"
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
        """Every level's filled nodes; each level's chunks are checked for count, contiguity
        and length against the size, and so are the lock rows."""
        size = self.size
        levels = []
        n_rows = 0
        for k in range(self.depth + 1):
            expected = -(-size // (1 << k))
            levels.append(self._load_level(k, expected, size))
            n_rows += -(-expected // NODE_CHUNK)
        total = self.conn.execute("SELECT count(*) FROM nodes").fetchone()[0]
        if total != n_rows:
            raise StoreCorrupted(
                f"{self.path!r}: the nodes table has {total} rows; a depth-{self.depth} tree of "
                f"{size} leaves has {n_rows}"
            )
        row_bytes = LOCK_CHUNK * LOCK_BYTES
        want = -(-size // LOCK_CHUNK)
        n, lo, hi, total_len, not_full = self.conn.execute(
            "SELECT count(*), min(chunk), max(chunk), sum(length(data)), "
            "sum(length(data) != ?) FROM locks", (row_bytes,)
        ).fetchone()
        last = self.conn.execute(
            "SELECT length(data) FROM locks WHERE chunk = ?", (want - 1,)
        ).fetchone()
        last_len = size * LOCK_BYTES - (want - 1) * row_bytes
        if n != want or (n and (lo != 0 or hi != n - 1 or last is None or last[0] != last_len
                                or not_full > (last_len != row_bytes))) or (
                (total_len or 0) != size * LOCK_BYTES):
            raise StoreCorrupted(
                f"{self.path!r}: the locks table has {n} rows (chunks {lo}..{hi}, "
                f"{total_len or 0} bytes, {not_full or 0} not full); {size} locks are {want} "
                f"rows of {LOCK_CHUNK} records ({size * LOCK_BYTES} bytes), all full but the last"
            )
        return levels

    def _load_level(self, k: int, count: int, size: int) -> bytearray:
        """Level ``k``'s ``count`` nodes from its chunks; :class:`StoreCorrupted` unless they
        are exactly ``ceil(count / NODE_CHUNK)`` contiguous rows, all full but the last."""
        base = node_row_id(k, 0)
        rows = self.conn.execute(
            "SELECT id - ?, data FROM nodes WHERE id >= ? AND id < ? ORDER BY id",
            (base, base, node_row_id(k + 1, 0)),
        ).fetchall()
        want = -(-count // NODE_CHUNK)
        out = bytearray()
        bad = None if len(rows) == want else f"{len(rows)} chunks"
        for j, (chunk, data) in enumerate(rows):
            full = min(NODE_CHUNK, count - j * NODE_CHUNK) * W
            if not isinstance(data, bytes):
                raise StoreCorrupted(f"{self.path!r}: level {k} chunk {chunk} is not a blob")
            if bad is None and (chunk != j or len(data) != full):
                bad = f"chunk {chunk} of {len(data)} bytes where chunk {j} of {full} belongs"
            out += data
        if bad is not None or len(out) != count * W:
            raise StoreCorrupted(
                f"{self.path!r}: level {k} has {len(out) // W} nodes ({bad or 'misaligned'}); "
                f"a tree of {size} leaves has {count}, in {want} chunks of {NODE_CHUNK}"
            )
        return out

    def _lock_row(self, chunk: int) -> bytes | None:
        row = self.conn.execute("SELECT data FROM locks WHERE chunk = ?", (chunk,)).fetchone()
        return None if row is None else bytes(row[0])

    def get_lock(self, lock_id: int) -> Lock | None:
        if not 0 <= lock_id <= MAX_BLOCK:
            return None
        data = self._lock_row(lock_id // LOCK_CHUNK)
        off = lock_id % LOCK_CHUNK * LOCK_BYTES
        if data is None or len(data) <= off:
            return None
        return unpack_lock(lock_id, data[off : off + LOCK_BYTES])

    def iter_locks(self, start: int = 0, batch: int = 64) -> Iterator[Lock]:
        """Locks from ``start`` in id order (``batch`` lock rows fetched at a time)."""
        first = start // LOCK_CHUNK
        cur = self.conn.execute(
            "SELECT chunk, data FROM locks WHERE chunk >= ? ORDER BY chunk", (first,)
        )
        expected, prev_full = first, True
        while rows := cur.fetchmany(batch):
            for chunk, data in rows:
                if chunk != expected or not prev_full or len(data) % LOCK_BYTES:
                    raise StoreCorrupted(
                        f"{self.path!r}: lock row {chunk} ({len(data)} bytes) where row "
                        f"{expected} of whole {LOCK_BYTES}-byte records, after a full row, "
                        "was expected"
                    )
                expected += 1
                prev_full = len(data) == LOCK_CHUNK * LOCK_BYTES
                base = chunk * LOCK_CHUNK
                for r in range(len(data) // LOCK_BYTES):
                    if base + r >= start:
                        yield unpack_lock(base + r, data[r * LOCK_BYTES : (r + 1) * LOCK_BYTES])

    def block_roots(self) -> list[BlockRoot]:
        return [
            BlockRoot(b, s, int(r))
            for b, s, r in self.conn.execute("SELECT * FROM block_roots ORDER BY block_number")
        ]

    def last_block(self) -> int | None:
        row = self.conn.execute("SELECT max(block_number) FROM block_roots").fetchone()
        return None if row[0] is None else int(row[0])

    # --- writing ----------------------------------------------------------------------------

    def _prefix(self, table: str, row_id: int, nbytes: int, what: str) -> bytes:
        """The first ``nbytes`` of the stored row that an append extends: from the rows the
        last commit of this object wrote (while the stored size is still the one it left),
        else read in the current transaction."""
        if nbytes == 0:
            return b""
        data = self._tail.get((table, row_id))
        if data is None:
            key = "id" if table == "nodes" else "chunk"
            row = self.conn.execute(
                f"SELECT data FROM {table} WHERE {key} = ?", (row_id,)
            ).fetchone()
            data = None if row is None else bytes(row[0])
        if data is None or len(data) < nbytes:
            have = "no row" if data is None else f"{len(data)} bytes"
            raise StoreCorrupted(
                f"{self.path!r}: {what} has {have} where the append expects {nbytes} bytes"
            )
        return data[:nbytes]

    def _rows(self, table: str, first: int, buf: bytes, row_bytes: int) -> list[tuple[int, bytes]]:
        """``buf`` (starting at row ``first``) cut into rows; the last one is remembered."""
        rows = [(first + i, buf[p : p + row_bytes])
                for i, p in enumerate(range(0, len(buf), row_bytes))]
        if rows:
            self._new_tail[(table, rows[-1][0])] = rows[-1][1]
        return rows

    def commit(
        self,
        locks: Sequence[Lock],
        updates: Sequence[Update],
        size: int,
        root: int,
        block_number: int | None = None,
    ) -> None:
        """Write one append (or batch) atomically: its locks, nodes, size, root, block root.

        ``locks`` must be the next locks in id order and ``updates`` a plan of
        :meth:`PoseidonTree.plan` (each replaces its level from ``start`` to the end).
        """
        if block_number is not None:
            check_block_number(block_number)
        try:
            with self._transaction():
                stored = self.size
                if stored != self._tail_size:  # another writer (or none yet): read the rows
                    self._tail = {}
                self._new_tail = {}
                if block_number is not None:
                    last = self.last_block()
                    if last is not None and block_number < last:
                        raise BlockOrderError(
                            f"block number {block_number} is below the last recorded block {last}"
                        )
                if locks:
                    self._write_locks(locks, stored)
                node_rows: list[tuple[int, bytes]] = []
                for level, start, data in updates:
                    j0, off = divmod(start, NODE_CHUNK)
                    first = node_row_id(level, j0)
                    buf = self._prefix("nodes", first, off * W, f"level {level} chunk {j0}")
                    node_rows += self._rows("nodes", first, buf + data, NODE_CHUNK * W)
                self.conn.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?)", node_rows)
                self.conn.execute("UPDATE meta SET value = ? WHERE key = 'size'", (str(size),))
                self.conn.execute("UPDATE meta SET value = ? WHERE key = 'root'", (str(root),))
                if block_number is not None:
                    self.conn.execute(
                        "INSERT OR REPLACE INTO block_roots VALUES (?, ?, ?)",
                        (block_number, size, str(root)),
                    )
        except BaseException as e:
            self._tail, self._tail_size = {}, None
            if isinstance(e, sqlite3.DatabaseError):
                raise StoreError(
                    f"vault store {self.path!r}: the append was not committed: {e}"
                ) from e
            raise
        # committed: the rows just written are the ones the next append extends
        if self._new_tail:  # else (a block root only) the last rows are unchanged
            self._tail = self._new_tail
        self._tail_size = size

    def _write_locks(self, locks: Sequence[Lock], stored: int) -> None:
        first = locks[0].lock_id
        if first != stored:
            raise StoreCorrupted(
                f"{self.path!r}: the append starts at lock {first} but the store holds {stored} "
                "locks"
            )
        j0, off = divmod(first, LOCK_CHUNK)
        head = self._prefix("locks", j0, off * LOCK_BYTES, f"lock row {j0}")
        packed = head + b"".join([
            ((((lk.owner << 64 | lk.dest_chain_id) << 160 | lk.asset_id) << 128 | lk.amount)
             << 64 | lk.expiry).to_bytes(LOCK_BYTES, "big")  # pack_lock, inlined (bulk)
            for lk in locks
        ])
        self.conn.executemany("INSERT OR REPLACE INTO locks VALUES (?, ?)",
                              self._rows("locks", j0, packed, LOCK_CHUNK * LOCK_BYTES))

    def close(self) -> None:
        self.conn.close()
