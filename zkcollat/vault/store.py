"""SQLite persistence of a vault: locks, tree nodes, and roots by source-chain block.

One file, no server, opened through :mod:`zkcollat.db` (WAL, busy timeout, ``BEGIN
IMMEDIATE`` writers, read transactions, application id and schema version, quick_check; a file
that is not a vault raises :class:`~zkcollat.errors.NotAVault` and is never initialised over).
Schema (version 4)::

    meta(key TEXT PRIMARY KEY, value TEXT)          -- format, depth, size, root, generation,
                                                    -- frontier (hex: the partial nodes)
    locks(chunk INTEGER PRIMARY KEY, data BLOB)     -- LOCK_CHUNK locks per row, packed
    nodes(id INTEGER PRIMARY KEY, data BLOB)        -- NODE_CHUNK completed nodes of one
                                                    -- level per row
    block_roots(block_key INTEGER PRIMARY KEY, size INTEGER, root TEXT)
                                                    -- the root after the last lock of a block;
                                                    -- block_key = blockNumber - 2^63 (uint64
                                                    -- in SQLite's int64, order kept)

``generation`` counts commits: a writer compares it, inside its write transaction, with the
one its in-memory state came from (:meth:`SqliteStore.generation`), so a writer that opened the
vault before another one appended reloads instead of writing over newer rows.

Nodes: with ``n`` leaves, level ``k`` has ``n >> k`` *completed* nodes (their subtree is full,
so they never change again) and, when ``n`` is not a multiple of ``2^k``, one *partial* node
after them (its subtree is partly filled; it changes with every append below it). The
completed nodes of level ``k`` are cut into chunks of ``NODE_CHUNK`` = 32 nodes (32-byte
big-endian words, so 1 KiB); chunk ``j`` of level ``k`` is the row ``id = k * 2^32 + j``
(:func:`node_row_id`). Every chunk of a level is full except its last. A 2^20-leaf tree is ~65k
rows rather than 2M, and a 1 KiB blob stays inside a table page (a ``WITHOUT ROWID`` table
would spill a blob this size to overflow pages). The partial nodes (the tree's right edge, at
most ``D``) are the ``frontier`` row of ``meta``: their words in level order (only the levels
``k`` with ``n % 2^k != 0``: :func:`frontier_levels`), as hex; the top one is the root while the
tree is not full.

Locks: lock ``i`` (its id is its leaf index, PROTOCOL.md s.3) is record ``i % LOCK_CHUNK`` of
row ``chunk = i // LOCK_CHUNK``; a record is ``LOCK_BYTES`` = 72 bytes, big-endian
``owner (20) || destChainId (8) || assetId (20) || amount (16) || expiry (8)`` (the field
widths of :mod:`zkcollat.vault.lock`; the id is implied by the position). Every lock row is
full except the last.

An append of one lock rewrites the meta rows (one page: size, root, generation, frontier), the
last lock row, the chunk of its leaf and the chunks of the nodes it completes (at level ``k``
when the new size is a multiple of ``2^k``: one more row on average), and its block root: a
handful of pages, where version 3 rewrote the last chunk of every level. A chunk is extended by
the new words (the store object keeps a copy of the last rows it committed and reads them back
inside the transaction when it has none, or when the stored size moved since: another writer);
a bulk build writes whole chunks.

Crash safety: every append or batch is *one* transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``)
that writes its locks, every changed node chunk, the new size, root and frontier, and the
block's root;
the in-memory tree changes only after the commit returns. A process killed at any point
leaves either the whole batch or none of it (SQLite's journal rolls back an unfinished
transaction when the file is next opened). The journal is WAL; ``synchronous="FULL"`` (the
default) also makes a commit survive power loss, ``"NORMAL"`` survives a process crash but
may lose the last commits on power loss (faster single appends).

On open the store checks its own consistency cheaply (chunk counts, contiguity and lengths per
level and for the locks, the frontier's length, against the size; ``Vault`` compares the stored
root with the top node); ``Vault.check_integrity`` recomputes everything. A version-3 file
(partial nodes at the end of their level's rows) is upgraded in place by moving them to the
frontier (a file whose partial node is missing is refused as damaged, and left as it was); a
version-2 file (no application id, no generation, signed block numbers) goes through version 3;
a version-1 file (one row per node, decimal lock fields) is refused, not misread.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from zkcollat.db import APPLICATION_IDS, Schema, open_store
from zkcollat.vault.errors import (
    BlockOrderError,
    NotAVault,
    StoreCorrupted,
    StoreError,
    TreeDepthError,
)
from zkcollat.vault.lock import Lock
from zkcollat.vault.tree import Update, W, check_depth

FORMAT = "zkcollat-vault"
VERSION = 4
#: blockNumber is a uint64 (PROTOCOL.md s.1); stored as ``blockNumber - 2^63`` (SQLite int64).
MAX_BLOCK = (1 << 64) - 1
_BLOCK_OFFSET = 1 << 63

#: Nodes per row of ``nodes`` (1 KiB of 32-byte words).
NODE_CHUNK = 32
#: Locks per row of ``locks`` (56 records of 72 bytes = 4032 bytes: one table page).
LOCK_CHUNK = 56
#: Bytes of one packed lock record (owner, destChainId, assetId, amount, expiry).
LOCK_BYTES = 72
_LEVEL_SHIFT = 32  # node row id = level << 32 | chunk (a depth-32 level 0 has 2^27 chunks)

_TABLES = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE locks (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE nodes (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE block_roots "
    "(block_key INTEGER PRIMARY KEY, size INTEGER NOT NULL, root TEXT NOT NULL)",
]
_APPLICATION_ID = next(k for k, v in APPLICATION_IDS.items() if v == "zkcollat vault")


def _create(conn: sqlite3.Connection) -> None:
    for statement in _TABLES:
        conn.execute(statement)


def _legacy_version(conn: sqlite3.Connection) -> int | None:
    """The version of a vault made before stores carried an application id (1 or 2)."""
    if not conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()[0]:
        return None
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("format") != FORMAT:
        return None
    try:
        return int(meta.get("version", "1"))
    except ValueError:
        return None


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Version 3: a commit generation, and block numbers over the whole uint64 range."""
    conn.execute("DELETE FROM meta WHERE key = 'version'")  # PRAGMA user_version now
    conn.execute("INSERT INTO meta VALUES ('generation', '0')")
    conn.execute("ALTER TABLE block_roots RENAME TO block_roots_v2")
    conn.execute(_TABLES[3])
    rows = conn.execute("SELECT block_number, size, root FROM block_roots_v2").fetchall()
    conn.executemany("INSERT INTO block_roots VALUES (?, ?, ?)",
                     [(b - _BLOCK_OFFSET, n, r) for b, n, r in rows])
    conn.execute("DROP TABLE block_roots_v2")


def frontier_levels(size: int, depth: int) -> list[int]:
    """The levels that hold a partial node with ``size`` leaves (``size % 2^k != 0``), in the
    order of the frontier row."""
    return [k for k in range(1, depth + 1) if size & ((1 << k) - 1)]


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """Version 4: each level's partial node moves from the end of its last row to the
    ``frontier`` meta row (:class:`StoreCorrupted`, nothing changed, if one is missing)."""
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    try:
        size, depth = int(meta["size"]), check_depth(int(meta["depth"]))
    except (KeyError, ValueError, TreeDepthError) as e:
        raise StoreCorrupted(f"version-3 vault: bad meta table ({e!r}); not upgraded") from e
    if not 0 <= size <= 1 << depth:
        raise StoreCorrupted(f"version-3 vault: size {size} does not fit a depth-{depth} tree")
    frontier = []
    for k in frontier_levels(size, depth):
        j, off = divmod(size >> k, NODE_CHUNK)  # the partial node is node size >> k
        row = conn.execute("SELECT data FROM nodes WHERE id = ?", (node_row_id(k, j),)).fetchone()
        data = None if row is None else row[0]
        if not isinstance(data, bytes) or len(data) != (off + 1) * W:
            have = "no row" if row is None else f"a row of {len(data or b'')} bytes"
            raise StoreCorrupted(
                f"version-3 vault: level {k} chunk {j} is {have} where {(off + 1) * W} bytes "
                "(its last node partial) belong; not upgraded: restore it from a backup or "
                "rebuild it"
            )
        frontier.append(data[off * W :])
        if off:
            conn.execute("UPDATE nodes SET data = ? WHERE id = ?",
                         (data[: off * W], node_row_id(k, j)))
        else:
            conn.execute("DELETE FROM nodes WHERE id = ?", (node_row_id(k, j),))
    conn.execute("INSERT INTO meta VALUES ('frontier', ?)", (b"".join(frontier).hex(),))


SCHEMA = Schema(
    kind="vault",
    application_id=_APPLICATION_ID,
    version=VERSION,
    create=_create,
    migrations={2: _migrate_2_to_3, 3: _migrate_3_to_4},
    legacy_version=_legacy_version,
    not_a_store=NotAVault,
    corrupted=StoreCorrupted,
    error=StoreError,
)


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
        raise BlockOrderError(
            f"block number {block_number!r} must be an integer in [0, 2^64) (a uint64)"
        )
    return block_number


class SqliteStore:
    """A vault's tables in one SQLite file (see the module docstring for the schema).

    Reads that must agree with each other go inside one :meth:`reading` block; an append is
    one :meth:`writing` block (:meth:`commit` opens its own, or joins the caller's)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        depth: int | None = None,
        *,
        synchronous: str = "FULL",
        quick_check_max_bytes: int | None = None,
    ) -> None:
        """Open the vault at ``path``; with ``depth``, create it if the file does not exist."""
        self.path = os.fspath(path)
        # the last row of each level (key: level) and of the locks (key: -1), as (row id,
        # data), as this object's last commit left them, valid while the stored generation is
        # _tail_gen (saves reading them back on an append)
        self._tail: dict[int, tuple[int, bytes]] = {}
        self._new_tail: dict[int, tuple[int, bytes]] = {}
        self._tail_gen: int | None = None
        if depth is not None:
            depth = check_depth(depth)
        elif self.path != ":memory:" and not os.path.lexists(self.path):
            raise StoreError(f"vault store {self.path!r} is new: give its tree depth")
        kw = {} if quick_check_max_bytes is None else {
            "quick_check_max_bytes": quick_check_max_bytes}

        def init(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", FORMAT), ("depth", str(depth)), ("size", "0"), ("root", ""),
                 ("generation", "0"), ("frontier", "")],
            )

        self.db = open_store(self.path, SCHEMA, create=depth is not None,
                             synchronous=synchronous, init=init, **kw)
        self.conn = self.db.conn
        try:
            with self.db.read() as conn:
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("format") != FORMAT:
                raise StoreCorrupted(f"{self.path!r}: meta format is {meta.get('format')!r}, "
                                     f"not {FORMAT!r}")
            self.depth = check_depth(int(meta["depth"]))
            int(meta["size"]), int(meta["generation"])
        except (KeyError, ValueError, TreeDepthError) as e:
            self.db.close()
            raise StoreCorrupted(f"{self.path!r}: bad meta table ({e!r})") from e
        except BaseException:
            self.db.close()
            raise
        if depth is not None and depth != self.depth:
            self.db.close()
            raise TreeDepthError(
                f"vault store {self.path!r} holds a depth-{self.depth} tree, not depth {depth}"
            )

    # --- transactions -----------------------------------------------------------------------

    def writing(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): the newest state, held until commit."""
        return self.db.write()

    def reading(self) -> AbstractContextManager[sqlite3.Connection]:
        """One read transaction: every read inside sees the same committed state."""
        return self.db.read()

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
    def generation(self) -> int:
        """How many commits the vault has had (changes with every append or block root)."""
        return int(self._meta("generation"))

    @property
    def root(self) -> int | None:
        text = self._meta("root")
        return int(text) if text else None

    def frontier(self) -> bytes:
        """The partial nodes (see the module docstring), checked against the size."""
        size = self.size
        text = self._meta("frontier")
        try:
            data = bytes.fromhex(text)
        except ValueError as e:
            raise StoreCorrupted(f"{self.path!r}: the frontier row is not hex ({e})") from e
        want = len(frontier_levels(size, self.depth))
        if len(data) != want * W:
            raise StoreCorrupted(
                f"{self.path!r}: the frontier holds {len(data) / W:g} nodes; a depth-{self.depth} "
                f"tree of {size} leaves has {want} partial nodes"
            )
        return data

    def load_levels(self) -> list[bytearray]:
        """Every level's filled nodes: its completed ones from the nodes table (chunks
        checked for count, contiguity and length against the size), then its partial one
        from the frontier; the lock rows are checked too."""
        size = self.size
        partial = dict(zip(frontier_levels(size, self.depth),
                           _words(self.frontier()), strict=True))
        levels = []
        n_rows = 0
        for k in range(self.depth + 1):
            expected = size >> k
            level = self._load_level(k, expected, size)
            level += partial.get(k, b"")
            levels.append(level)
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
        """Level ``k``'s ``count`` completed nodes from its chunks; :class:`StoreCorrupted`
        unless they are exactly ``ceil(count / NODE_CHUNK)`` contiguous rows, all full but the
        last."""
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
                f"a tree of {size} leaves has {count} completed ones, in {want} chunks of "
                f"{NODE_CHUNK}"
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

    def iter_locks(self, start: int = 0, stop: int | None = None,
                   batch: int = 64) -> Iterator[Lock]:
        """Locks ``start`` .. ``stop - 1`` (default: to the end) in id order (``batch`` lock
        rows fetched at a time). A reader that loaded the tree at some size passes it as
        ``stop``, so locks another process appended since do not show up."""
        first = start // LOCK_CHUNK
        last = (1 << 62) if stop is None else -(-stop // LOCK_CHUNK)
        cur = self.conn.execute(
            "SELECT chunk, data FROM locks WHERE chunk >= ? AND chunk < ? ORDER BY chunk",
            (first, last),
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
                    if start <= base + r and (stop is None or base + r < stop):
                        yield unpack_lock(base + r, data[r * LOCK_BYTES : (r + 1) * LOCK_BYTES])

    def block_roots(self) -> list[BlockRoot]:
        out = []
        for key, n, r in self.conn.execute(
            "SELECT block_key, size, root FROM block_roots ORDER BY block_key"
        ):
            try:
                out.append(BlockRoot(int(key) + _BLOCK_OFFSET, int(n), int(r)))
            except (TypeError, ValueError) as e:
                raise StoreCorrupted(
                    f"{self.path!r}: block root row {key!r} is malformed ({e})"
                ) from e
        return out

    def last_block(self) -> int | None:
        row = self.conn.execute("SELECT max(block_key) FROM block_roots").fetchone()
        return None if row[0] is None else int(row[0]) + _BLOCK_OFFSET

    # --- writing ----------------------------------------------------------------------------

    def _prefix(self, table: str, key: int, row_id: int, nbytes: int, what: str) -> bytes:
        """The first ``nbytes`` of the stored row that an append extends: from the rows the
        last commit of this object wrote (while the stored size is still the one it left),
        else read in the current transaction."""
        if nbytes == 0:
            return b""
        cached = self._tail.get(key)
        data = cached[1] if cached is not None and cached[0] == row_id else None
        if data is None:
            column = "id" if table == "nodes" else "chunk"
            row = self.conn.execute(
                f"SELECT data FROM {table} WHERE {column} = ?", (row_id,)
            ).fetchone()
            data = None if row is None else bytes(row[0])
        if data is None or len(data) < nbytes:
            have = "no row" if data is None else f"{len(data)} bytes"
            raise StoreCorrupted(
                f"{self.path!r}: {what} has {have} where the append expects {nbytes} bytes"
            )
        return data[:nbytes]

    def _rows(self, key: int, first: int, buf: bytes, row_bytes: int) -> list[tuple[int, bytes]]:
        """``buf`` (starting at row ``first``) cut into rows; the last one is remembered."""
        rows = [(first + i, buf[p : p + row_bytes])
                for i, p in enumerate(range(0, len(buf), row_bytes))]
        if rows:
            self._new_tail[key] = rows[-1]
        return rows

    def commit(
        self,
        locks: Sequence[Lock],
        updates: Sequence[Update],
        size: int,
        root: int,
        block_number: int | None = None,
        *,
        generation: int | None = None,
    ) -> int:
        """Write one append (or batch) atomically: its locks, nodes, size, root, block root;
        returns the new generation.

        ``locks`` must be the next locks in id order and ``updates`` a plan of
        :meth:`PoseidonTree.plan` (each replaces its level from ``start`` to the end: every
        level, or none for a block root only), made from the state of ``generation``: if
        another commit happened since, nothing is written (:class:`StoreError`; the caller
        reloads inside its write transaction and plans again). The completed nodes among the
        updates extend their level's rows; the partial ones become the frontier. Joins the
        caller's :meth:`writing` transaction if there is one.
        """
        if block_number is not None:
            check_block_number(block_number)
        try:
            with self.db.write():
                stored = self.size
                gen = self.generation
                if generation is not None and gen != generation:
                    raise StoreError(
                        f"vault store {self.path!r}: another writer committed (generation "
                        f"{gen}, this append was planned at {generation}); nothing written"
                    )
                if gen != self._tail_gen:  # another writer (or none yet): read the rows
                    self._tail = {}
                self._new_tail = dict(self._tail)
                if block_number is not None:
                    last = self.last_block()
                    if last is not None and block_number < last:
                        raise BlockOrderError(
                            f"block number {block_number} is below the last recorded block {last}"
                        )
                if bool(locks) != bool(updates):
                    raise StoreError(f"vault store {self.path!r}: an append of {len(locks)} "
                                     f"locks with {len(updates)} level updates")
                if locks:
                    self._write_locks(locks, stored)
                elif size != stored:
                    raise StoreError(f"vault store {self.path!r}: an append of no locks cannot "
                                     f"move the size from {stored} to {size}")
                meta = [(str(size), "size"), (str(root), "root"), (str(gen + 1), "generation")]
                if updates:
                    node_rows, frontier = self._node_rows(updates, stored, size)
                    self.conn.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?)",
                                          node_rows)
                    meta.append((frontier.hex(), "frontier"))
                self.conn.executemany("UPDATE meta SET value = ? WHERE key = ?", meta)
                if block_number is not None:
                    self.conn.execute(
                        "INSERT OR REPLACE INTO block_roots VALUES (?, ?, ?)",
                        (block_number - _BLOCK_OFFSET, size, str(root)),
                    )
        except BaseException:
            self._tail, self._tail_gen = {}, None
            raise
        # committed (or, inside the caller's transaction, about to be: the caller drops the
        # object's cache if that fails, see Vault.insert_many)
        self._tail = self._new_tail
        self._tail_gen = gen + 1
        return gen + 1

    def _node_rows(self, updates: Sequence[Update], stored: int,
                   size: int) -> tuple[list[tuple[int, bytes]], bytes]:
        """The nodes rows an append from ``stored`` to ``size`` leaves writes (its completed
        nodes, each level's last chunk extended), and the new frontier (its partial nodes)."""
        if [u[0] for u in updates] != list(range(self.depth + 1)):
            raise StoreError(f"vault store {self.path!r}: an append must update every level "
                             f"0..{self.depth} once, in order")
        rows: list[tuple[int, bytes]] = []
        frontier = []
        for level, start, data in updates:
            done = size >> level  # completed nodes of this level after the append
            filled = -(-size >> level)  # ceil(size / 2^level)
            if start != stored >> level or len(data) != (filled - start) * W:
                raise StoreError(
                    f"vault store {self.path!r}: the update of level {level} (nodes {start}.. "
                    f"{start + len(data) // W}) does not take {stored} leaves to {size}"
                )
            cut = (done - start) * W
            if cut:
                j0, off = divmod(start, NODE_CHUNK)
                first = node_row_id(level, j0)
                buf = self._prefix("nodes", level, first, off * W, f"level {level} chunk {j0}")
                rows += self._rows(level, first, buf + data[:cut], NODE_CHUNK * W)
            frontier.append(data[cut:])
        return rows, b"".join(frontier)

    def forget_tail(self) -> None:
        """Drop the cached last rows (after a transaction that did not commit)."""
        self._tail, self._tail_gen = {}, None

    def _write_locks(self, locks: Sequence[Lock], stored: int) -> None:
        first = locks[0].lock_id
        if first != stored:
            raise StoreCorrupted(
                f"{self.path!r}: the append starts at lock {first} but the store holds {stored} "
                "locks"
            )
        j0, off = divmod(first, LOCK_CHUNK)
        head = self._prefix("locks", _LOCKS_KEY, j0, off * LOCK_BYTES, f"lock row {j0}")
        packed = head + b"".join([pack_lock(lk) for lk in locks])
        self.conn.executemany("INSERT OR REPLACE INTO locks VALUES (?, ?)",
                              self._rows(_LOCKS_KEY, j0, packed, LOCK_CHUNK * LOCK_BYTES))

    def close(self) -> None:
        self.db.close()


_LOCKS_KEY = -1  # the lock rows' entry in SqliteStore._tail (levels are 0..32)


def _words(data: bytes) -> list[bytes]:
    return [data[p : p + W] for p in range(0, len(data), W)]
