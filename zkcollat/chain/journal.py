"""What a chain service must remember across restarts, in SQLite tables on the caller's connection.

- ``chain_cursor``: per (chain, stream), the last block processed and its hash. A stream is one
  reading of a chain's logs at one depth: ``main`` at the confirmation depth (roots, credits,
  messages), ``reports`` at the shallower lock-report depth (docs/protocol.md s.9), each with its
  own cursor so neither waits for, or skips, the other.
- ``chain_block``: per (chain, stream), the hashes of recently processed blocks (the reorg
  check, and where a stream that may be reorged goes back to).
- ``chain_tx``: every transaction the service means to send, keyed by (chain, kind, key,
  attempt): ``intended`` (signed, with its raw bytes and account nonce, before it is broadcast),
  ``sent`` (the node accepted it), ``mined`` (receipt: block, status, gas) or ``dropped`` (its
  account nonce was used by another transaction; only then may a new attempt for the same key be
  made). Because the raw signed bytes are stored before broadcasting, a restart rebroadcasts the
  very same transaction, which can be mined at most once.

The tables live in a :mod:`zkcollat.db` store (WAL, ``BEGIN IMMEDIATE``, application id and
schema version): a service's own store adds them to its schema (:func:`journal_schema`), a
journal on its own (a deployment, the devnet story) is :func:`open_journal`. The caller may hold
a write transaction (``with journal.store.write():``) around several calls, so a handler's own
writes and the cursor move commit together; each call alone is its own transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkcollat.chain.errors import JournalError, NotAJournal
from zkcollat.db import Schema, Store, create_tables, open_store

JOURNAL_TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS chain_cursor (
    chain_id INTEGER NOT NULL,
    stream TEXT NOT NULL,
    block INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (chain_id, stream)
)""",
    """CREATE TABLE IF NOT EXISTS chain_block (
    chain_id INTEGER NOT NULL,
    stream TEXT NOT NULL,
    number INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (chain_id, stream, number)
)""",
    """CREATE TABLE IF NOT EXISTS chain_tx (
    id INTEGER PRIMARY KEY,
    chain_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intended', 'sent', 'mined', 'dropped')),
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    hash BLOB NOT NULL,
    raw BLOB NOT NULL,
    block INTEGER,
    status INTEGER,
    gas_used INTEGER,
    created_at REAL NOT NULL,
    mined_at REAL,
    UNIQUE (chain_id, kind, key, attempt),
    UNIQUE (chain_id, sender, nonce, hash)
)""",
    "CREATE INDEX IF NOT EXISTS chain_tx_open ON chain_tx (chain_id, state)",
)

#: The stream every follower reads unless it names another (the confirmation depth).
MAIN = "main"

#: ``PRAGMA application_id`` of a journal on its own ("zkcJ").
JOURNAL_APPLICATION_ID = int.from_bytes(b"zkcJ", "big")


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(r[0]) for r in rows}


def streams_v2(conn: sqlite3.Connection) -> None:
    """Version 1 -> 2 of a journal: cursors and block hashes keyed by (chain, stream); what a
    version-1 file holds becomes the ``main`` stream's."""
    cols = {str(r[1]) for r in conn.execute("PRAGMA table_info(chain_cursor)").fetchall()}
    if "stream" in cols:
        return
    conn.execute("ALTER TABLE chain_cursor RENAME TO chain_cursor_v1")
    conn.execute("ALTER TABLE chain_block RENAME TO chain_block_v1")
    conn.execute(JOURNAL_TABLES[0])
    conn.execute(JOURNAL_TABLES[1])
    conn.execute(
        "INSERT INTO chain_cursor SELECT chain_id, ?, block, hash FROM chain_cursor_v1", (MAIN,)
    )
    conn.execute(
        "INSERT INTO chain_block SELECT chain_id, ?, number, hash FROM chain_block_v1", (MAIN,)
    )
    conn.execute("DROP TABLE chain_cursor_v1")
    conn.execute("DROP TABLE chain_block_v1")


def journal_schema(
    kind: str,
    application_id: int,
    extra_tables: Sequence[str] = (),
    legacy_tables: frozenset[str] = frozenset(),
    *,
    not_a_store: type[NotAJournal] = NotAJournal,
    version: int = 2,
    migrations: dict[int, Callable[[sqlite3.Connection], None]] | None = None,
) -> Schema:
    """The schema of a store holding the journal's tables and ``extra_tables`` (version 2:
    version 1 had one cursor per chain, see :func:`streams_v2`).

    A file written before stores carried an application id (no id, the journal's tables and
    ``legacy_tables`` present) is recognised as version 0 and upgraded in place: its tables
    are the version-1 ones. A store with tables of its own past version 2 passes its
    ``version`` and the ``migrations`` from 2 on."""
    statements = (*JOURNAL_TABLES, *extra_tables)
    create = create_tables(statements)
    needed = {"chain_cursor", "chain_block", "chain_tx"} | set(legacy_tables)

    def legacy(conn: sqlite3.Connection) -> int | None:
        return 0 if needed <= _tables(conn) else None

    def v1(conn: sqlite3.Connection) -> None:
        create(conn)
        streams_v2(conn)

    steps: dict[int, Callable[[sqlite3.Connection], None]] = {0: create, 1: v1}
    steps.update(migrations or {})
    return Schema(
        kind=kind,
        application_id=application_id,
        version=version,
        create=create,
        migrations=steps,
        legacy_version=legacy,
        not_a_store=not_a_store,
        error=JournalError,
    )


JOURNAL_SCHEMA = journal_schema("zkcollat chain journal", JOURNAL_APPLICATION_ID)

KEEP_BLOCK_HASHES = 512


@dataclass(frozen=True)
class TxRecord:
    id: int
    chain_id: int
    kind: str
    key: str
    attempt: int
    state: str
    sender: str
    nonce: int
    hash: bytes
    raw: bytes
    block: int | None
    status: int | None
    gas_used: int | None
    created_at: float
    mined_at: float | None

    @property
    def hash_hex(self) -> str:
        return "0x" + self.hash.hex()


_TX_COLS = (
    "id, chain_id, kind, key, attempt, state, sender, nonce, hash, raw, block, status, gas_used, "
    "created_at, mined_at"
)


def open_journal(path: Path | str, *, create: bool = True) -> ChainJournal:
    """A journal on its own in ``path`` (created if missing and ``create``)."""
    return ChainJournal(open_store(path, JOURNAL_SCHEMA, create=create))


class ChainJournal:
    """Cursor, block hashes and transaction journal in a :mod:`zkcollat.db` store whose schema
    includes :data:`JOURNAL_TABLES`."""

    def __init__(self, store: Store) -> None:
        names = {"chain_cursor", "chain_block", "chain_tx"}
        with store.read() as conn:
            missing = names - _tables(conn)
        if missing:
            raise JournalError(
                f"{store.schema.kind} {store.path!r} has no journal tables {sorted(missing)}"
            )
        self.store = store

    def close(self) -> None:
        self.store.close()

    # --- cursor and block hashes ----------------------------------------------------------

    def cursor(self, chain_id: int, stream: str = MAIN) -> tuple[int, bytes] | None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT block, hash FROM chain_cursor WHERE chain_id = ? AND stream = ?",
                (chain_id, stream),
            ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def set_cursor(self, chain_id: int, block: int, block_hash: bytes, stream: str = MAIN) -> None:
        """Move the stream's cursor (in the caller's transaction, if any) and remember the
        block's hash; the stream's hashes above ``block`` (a rewind) are forgotten."""
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO chain_cursor (chain_id, stream, block, hash) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (chain_id, stream) DO UPDATE SET block = excluded.block, "
                "hash = excluded.hash",
                (chain_id, stream, block, block_hash),
            )
            conn.execute(
                "INSERT OR REPLACE INTO chain_block (chain_id, stream, number, hash) "
                "VALUES (?, ?, ?, ?)",
                (chain_id, stream, block, block_hash),
            )
            conn.execute(
                "DELETE FROM chain_block WHERE chain_id = ? AND stream = ? "
                "AND (number < ? OR number > ?)",
                (chain_id, stream, block - KEEP_BLOCK_HASHES, block),
            )

    def drop_cursor(self, chain_id: int, stream: str) -> None:
        """Forget the stream's cursor and hashes: it reads again from its start block."""
        with self.store.write() as conn:
            args = (chain_id, stream)
            conn.execute("DELETE FROM chain_cursor WHERE chain_id = ? AND stream = ?", args)
            conn.execute("DELETE FROM chain_block WHERE chain_id = ? AND stream = ?", args)

    def _one(self, q: str, args: tuple[object, ...]) -> tuple[Any, ...] | None:
        with self.store.read() as conn:
            row = conn.execute(q, args).fetchone()
        return None if row is None else tuple(row)

    def _all(self, q: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self.store.read() as conn:
            return [tuple(r) for r in conn.execute(q, args).fetchall()]

    def block_hash(self, chain_id: int, number: int, stream: str = MAIN) -> bytes | None:
        row = self._one(
            "SELECT hash FROM chain_block WHERE chain_id = ? AND stream = ? AND number = ?",
            (chain_id, stream, number),
        )
        return None if row is None else bytes(row[0])

    def block_hashes(self, chain_id: int, stream: str = MAIN) -> list[tuple[int, bytes]]:
        """(number, hash) of the stream's remembered blocks, newest first."""
        rows = self._all(
            "SELECT number, hash FROM chain_block WHERE chain_id = ? AND stream = ? "
            "ORDER BY number DESC",
            (chain_id, stream),
        )
        return [(int(n), bytes(h)) for n, h in rows]

    # --- transactions -----------------------------------------------------------------------

    def _rec(self, row: tuple[object, ...]) -> TxRecord:
        return TxRecord(*row)  # type: ignore[arg-type]

    def latest(self, chain_id: int, kind: str, key: str) -> TxRecord | None:
        """The last attempt for (kind, key) on the chain, or None if none was ever intended."""
        row = self._one(
            f"SELECT {_TX_COLS} FROM chain_tx WHERE chain_id = ? AND kind = ? AND key = ? "
            "ORDER BY attempt DESC LIMIT 1",
            (chain_id, kind, key),
        )
        return None if row is None else self._rec(row)

    def by_id(self, tx_id: int) -> TxRecord:
        row = self._one(f"SELECT {_TX_COLS} FROM chain_tx WHERE id = ?", (tx_id,))
        if row is None:
            raise JournalError(f"{self.store.path!r}: no transaction record {tx_id}")
        return self._rec(row)

    def open_txs(self, chain_id: int, sender: str) -> list[TxRecord]:
        rows = self._all(
            f"SELECT {_TX_COLS} FROM chain_tx WHERE chain_id = ? AND sender = ? "
            "AND state IN ('intended', 'sent') ORDER BY nonce",
            (chain_id, sender),
        )
        return [self._rec(r) for r in rows]

    def all_txs(self, chain_id: int | None = None) -> list[TxRecord]:
        q = f"SELECT {_TX_COLS} FROM chain_tx"
        args: tuple[object, ...] = ()
        if chain_id is not None:
            q += " WHERE chain_id = ?"
            args = (chain_id,)
        return [self._rec(r) for r in self._all(q + " ORDER BY id", args)]

    def next_nonce(self, chain_id: int, sender: str) -> int:
        """One past the highest account nonce of ``sender``'s transactions still in flight
        (intended or sent; 0 if none). Mined ones are counted by the node's own nonce, which
        also goes back if a reorg takes them out."""
        row = self._one(
            "SELECT MAX(nonce) FROM chain_tx WHERE chain_id = ? AND sender = ? "
            "AND state IN ('intended', 'sent')",
            (chain_id, sender),
        )
        return 0 if row is None or row[0] is None else int(row[0]) + 1

    def record_intended(
        self,
        chain_id: int,
        kind: str,
        key: str,
        sender: str,
        nonce: int,
        tx_hash: bytes,
        raw: bytes,
        now: float,
    ) -> TxRecord:
        """Record a signed transaction before broadcasting it, in a commit of its own (refused
        inside the caller's transaction: a crash before that one commits would forget a
        transaction already broadcast). :class:`JournalError` if (kind, key) has a live one."""
        if self.store.conn.in_transaction:
            raise JournalError(
                f"{kind} {key}: a transaction must be recorded in its own commit before it is "
                "broadcast, not inside another transaction"
            )
        with self.store.write() as conn:
            prev = self.latest(chain_id, kind, key)
            if prev is not None and prev.state != "dropped":
                raise JournalError(
                    f"{kind} {key} on chain {chain_id} already has a live transaction "
                    f"{prev.hash_hex} ({prev.state})"
                )
            attempt = 0 if prev is None else prev.attempt + 1
            cur = conn.execute(
                "INSERT INTO chain_tx (chain_id, kind, key, attempt, state, sender, nonce, hash, "
                "raw, created_at) VALUES (?, ?, ?, ?, 'intended', ?, ?, ?, ?, ?)",
                (chain_id, kind, key, attempt, sender, nonce, tx_hash, raw, now),
            )
            if cur.lastrowid is None:
                raise JournalError(f"{self.store.path!r}: the transaction record has no id")
            return self.by_id(cur.lastrowid)

    def mark(
        self,
        tx_id: int,
        state: str,
        *,
        block: int | None = None,
        status: int | None = None,
        gas_used: int | None = None,
        now: float | None = None,
    ) -> TxRecord:
        with self.store.write() as conn:
            conn.execute(
                "UPDATE chain_tx SET state = ?, block = COALESCE(?, block), "
                "status = COALESCE(?, status), gas_used = COALESCE(?, gas_used), "
                "mined_at = COALESCE(?, mined_at) WHERE id = ?",
                (state, block, status, gas_used, now if state == "mined" else None, tx_id),
            )
        return self.by_id(tx_id)

    def unmine(self, tx_id: int) -> TxRecord:
        """A mined transaction whose block was reorged out: back to sent (to be rebroadcast)."""
        with self.store.write() as conn:
            conn.execute(
                "UPDATE chain_tx SET state = 'sent', block = NULL, status = NULL, gas_used = NULL, "
                "mined_at = NULL WHERE id = ? AND state = 'mined'",
                (tx_id,),
            )
        return self.by_id(tx_id)

    def recently_mined(self, chain_id: int, sender: str, since_block: int) -> list[TxRecord]:
        rows = self._all(
            f"SELECT {_TX_COLS} FROM chain_tx WHERE chain_id = ? AND sender = ? "
            "AND state = 'mined' AND block >= ? ORDER BY nonce",
            (chain_id, sender, since_block),
        )
        return [self._rec(r) for r in rows]

    def mined_duplicates(self) -> list[tuple[int, str, str, int]]:
        """(chain, kind, key, count) for any key mined more than once: must always be empty."""
        rows = self._all(
            "SELECT chain_id, kind, key, COUNT(*) FROM chain_tx WHERE state = 'mined' "
            "GROUP BY chain_id, kind, key HAVING COUNT(*) > 1"
        )
        return [(int(a), str(b), str(c), int(d)) for a, b, c, d in rows]
