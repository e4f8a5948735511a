"""The relayer's store (SQLite): cursors and transactions (:class:`ChainJournal`), what it saw.

Tables beyond the journal's:
- ``lock_seen``: each lock by id with the source block and time it was locked (latency start).
- ``root``: every ``RootCommitted`` seen at depth: block, time, leaf count, root; when accepted.
- ``message``: every release/seize the credit contract emitted, keyed by (kind, vault, lockId,
  nonce) and by its log (chain, block, tx, log index); when executed on the source chain.
- ``signature``: member signatures collected per subject (a root or a message).
- ``alarm``: what stopped the relayer or a member's misbehaviour, with the evidence.

Every handler writes inside the follower's transaction, with the cursor move, so a crash
replays a range and the unique keys make the replay a no-op. The file is a :mod:`zkcollat.db`
store of its own kind ("zkcollat relayer store": WAL, ``BEGIN IMMEDIATE``, application id and
schema version); another kind of file, or a newer schema, is refused with :class:`NotAJournal`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from zkcollat.chain.journal import ChainJournal, journal_schema
from zkcollat.db import open_store

TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS lock_seen (
    lock_id INTEGER PRIMARY KEY,
    block INTEGER NOT NULL,
    block_time INTEGER NOT NULL,
    seen_at REAL NOT NULL,
    root_block INTEGER,
    accepted_at REAL
)""",
    """CREATE TABLE IF NOT EXISTS root (
    block INTEGER PRIMARY KEY,
    block_time INTEGER NOT NULL,
    leaf_count INTEGER NOT NULL,
    root TEXT NOT NULL,
    seen_at REAL NOT NULL,
    accepted_block INTEGER,
    accepted_at REAL
)""",
    """CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('release', 'seize')),
    vault TEXT NOT NULL,
    lock_id INTEGER NOT NULL,
    nonce INTEGER NOT NULL,
    amount TEXT,
    deadline INTEGER NOT NULL,
    chain_id INTEGER NOT NULL,
    block INTEGER NOT NULL,
    tx TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    block_time INTEGER NOT NULL,
    seen_at REAL NOT NULL,
    executed_block INTEGER,
    executed_at REAL,
    failed TEXT,
    UNIQUE (kind, vault, lock_id, nonce),
    UNIQUE (chain_id, block, tx, log_index)
)""",
    """CREATE TABLE IF NOT EXISTS signature (
    subject TEXT NOT NULL,
    member TEXT NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (subject, member)
)""",
    """CREATE TABLE IF NOT EXISTS alarm (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
)""",
)

#: ``PRAGMA application_id`` of a relayer store ("zkcY").
APPLICATION_ID = int.from_bytes(b"zkcY", "big")

SCHEMA = journal_schema(
    "zkcollat relayer store",
    APPLICATION_ID,
    TABLES,
    frozenset({"lock_seen", "root", "message", "signature", "alarm"}),
)


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    vault: str
    lock_id: int
    nonce: int
    amount: int | None
    deadline: int
    chain_id: int
    block: int
    tx: str
    log_index: int
    block_time: int
    seen_at: float
    executed_block: int | None
    executed_at: float | None
    failed: str | None

    @property
    def key(self) -> str:
        """(kind, vault, lockId, nonce): what no two mined transactions may share."""
        return f"{self.vault}:{self.lock_id}:{self.nonce}"


@dataclass(frozen=True)
class RootSeen:
    block: int
    block_time: int
    leaf_count: int
    root: int
    accepted_block: int | None


_MSG_COLS = (
    "id, kind, vault, lock_id, nonce, amount, deadline, chain_id, block, tx, log_index, "
    "block_time, seen_at, executed_block, executed_at, failed"
)


class RelayerStore:
    """The relayer's file (created if missing, unless ``create`` is False)."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.db = open_store(path, SCHEMA, create=create)
        self.journal = ChainJournal(self.db)

    def close(self) -> None:
        self.db.close()

    # --- locks and roots (source chain) ---------------------------------------------------

    def add_lock(self, lock_id: int, block: int, block_time: int) -> None:
        with self.db.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO lock_seen (lock_id, block, block_time, seen_at) "
                "VALUES (?, ?, ?, ?)",
                (lock_id, block, block_time, time.time()),
            )

    def add_root(self, block: int, block_time: int, leaf_count: int, root: int) -> None:
        # Two commits in one block: the block's root is the last one (the most leaves).
        with self.db.write() as c:
            c.execute(
                "INSERT INTO root (block, block_time, leaf_count, root, seen_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (block) DO UPDATE SET "
                "leaf_count = excluded.leaf_count, root = excluded.root "
                "WHERE excluded.leaf_count > root.leaf_count",
                (block, block_time, leaf_count, str(root), time.time()),
            )

    def latest_root(self) -> RootSeen | None:
        with self.db.read() as c:
            row = c.execute(
                "SELECT block, block_time, leaf_count, root, accepted_block FROM root "
                "ORDER BY block DESC LIMIT 1"
            ).fetchone()
        return None if row is None else RootSeen(row[0], row[1], row[2], int(row[3]), row[4])

    def root_accepted(self, block: int, accepted_block: int, at: float) -> None:
        """Mark the root of ``block`` accepted, and every lock it contains (latency end)."""
        with self.db.write() as c:
            row = c.execute("SELECT leaf_count FROM root WHERE block = ?", (block,)).fetchone()
            c.execute(
                "UPDATE root SET accepted_block = ?, accepted_at = ? WHERE block = ? "
                "AND accepted_block IS NULL",
                (accepted_block, at, block),
            )
            if row is not None:
                c.execute(
                    "UPDATE lock_seen SET root_block = ?, accepted_at = ? "
                    "WHERE lock_id < ? AND accepted_at IS NULL",
                    (block, at, row[0]),
                )

    def unattested_locks(self) -> int:
        with self.db.read() as c:
            row = c.execute("SELECT COUNT(*) FROM lock_seen WHERE accepted_at IS NULL")
            return int(row.fetchone()[0])

    def lock_latencies(self) -> list[tuple[int, int, float]]:
        """(lockId, lock block time, seconds from lock block to root accepted) for each lock."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT lock_id, block_time, accepted_at - block_time FROM lock_seen "
                "WHERE accepted_at IS NOT NULL ORDER BY lock_id"
            ).fetchall()
        return [(int(a), int(b), float(d)) for a, b, d in rows]

    # --- messages (execution chain -> source chain) ---------------------------------------

    def add_message(
        self,
        kind: str,
        vault: str,
        lock_id: int,
        nonce: int,
        amount: int | None,
        deadline: int,
        log_key: tuple[int, int, str, int],
        block_time: int,
    ) -> None:
        chain_id, block, tx, log_index = log_key
        with self.db.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO message (kind, vault, lock_id, nonce, amount, deadline, "
                "chain_id, block, tx, log_index, block_time, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    vault,
                    lock_id,
                    nonce,
                    None if amount is None else str(amount),
                    deadline,
                    chain_id,
                    block,
                    tx,
                    log_index,
                    block_time,
                    time.time(),
                ),
            )

    def _msg(self, row: tuple[object, ...]) -> Message:
        vals = list(row)
        vals[5] = None if vals[5] is None else int(str(vals[5]))
        return Message(*vals)  # type: ignore[arg-type]

    def pending_messages(self) -> list[Message]:
        with self.db.read() as c:
            rows = c.execute(
                f"SELECT {_MSG_COLS} FROM message WHERE executed_at IS NULL AND failed IS NULL "
                "ORDER BY id"
            ).fetchall()
        return [self._msg(r) for r in rows]

    def messages(self) -> list[Message]:
        with self.db.read() as c:
            rows = c.execute(f"SELECT {_MSG_COLS} FROM message ORDER BY id").fetchall()
        return [self._msg(r) for r in rows]

    def message_executed(
        self, kind: str, vault: str, lock_id: int, nonce: int, block: int, at: float
    ) -> None:
        with self.db.write() as c:
            c.execute(
                "UPDATE message SET executed_block = ?, executed_at = ? WHERE kind = ? "
                "AND vault = ? AND lock_id = ? AND nonce = ? AND executed_at IS NULL",
                (block, at, kind, vault, lock_id, nonce),
            )

    def message_failed(self, msg_id: int, reason: str) -> None:
        with self.db.write() as c:
            c.execute("UPDATE message SET failed = ? WHERE id = ?", (reason, msg_id))

    # --- signatures and alarms ------------------------------------------------------------

    def add_signature(self, subject: str, member: str, signature: bytes) -> None:
        with self.db.write() as c:
            c.execute(
                "INSERT OR REPLACE INTO signature (subject, member, signature) VALUES (?, ?, ?)",
                (subject, member, signature),
            )

    def signatures(self, subject: str) -> dict[str, bytes]:
        with self.db.read() as c:
            rows = c.execute(
                "SELECT member, signature FROM signature WHERE subject = ?", (subject,)
            ).fetchall()
        return {str(m): bytes(sig) for m, sig in rows}

    def alarm(self, kind: str, detail: str) -> None:
        with self.db.write() as c:
            c.execute(
                "INSERT INTO alarm (at, kind, detail) VALUES (?, ?, ?)", (time.time(), kind, detail)
            )

    def alarms(self) -> list[tuple[str, str]]:
        with self.db.read() as c:
            rows = c.execute("SELECT kind, detail FROM alarm ORDER BY id").fetchall()
        return [(str(k), str(d)) for k, d in rows]
