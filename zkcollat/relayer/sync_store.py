"""The venue sync store (``zkcollat margin sync``'s SQLite file, a :mod:`zkcollat.db` store of
its own kind, "zkcollat venue sync store"): the chain journal's tables (cursors per stream, the
settlement account's transactions) and the sync's own rows: deposits to book, withdrawals
approved, alarms, lock reports (:mod:`~zkcollat.relayer.report_stream`); portfolio rows are
added by :mod:`~zkcollat.relayer.portfolio_sync`.

Versions: 0 (no id; deposit states without 'pending'), 1 (one cursor per chain), 2 (cursors
per stream), 3 (a lock report's attempts and ``failed`` state; an alarm's kind).
"""

from __future__ import annotations

import dataclasses
import sqlite3

from zkcollat.chain.journal import journal_schema
from zkcollat.relayer.report_stream import TABLE as REPORT_TABLE
from zkcollat.relayer.report_stream import V2_COLUMNS as REPORT_V2_COLUMNS

_DEPOSITS = """CREATE TABLE IF NOT EXISTS sync_deposit (
    chain_id INTEGER NOT NULL,
    block INTEGER NOT NULL,
    tx TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'intended', 'done')),
    PRIMARY KEY (chain_id, block, tx, log_index)
)"""
_WITHDRAWALS = """CREATE TABLE IF NOT EXISTS sync_withdrawal (
    account TEXT NOT NULL,
    from_e6 TEXT NOT NULL,
    to_e6 TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intended', 'done')),
    PRIMARY KEY (account, from_e6)
)"""
TABLES: tuple[str, ...] = (
    _DEPOSITS,
    "CREATE TABLE IF NOT EXISTS sync_alarm (id INTEGER PRIMARY KEY, at REAL, detail TEXT, "
    "kind TEXT NOT NULL DEFAULT 'alarm')",
    _WITHDRAWALS,
    REPORT_TABLE,
)

#: ``PRAGMA application_id`` of a venue sync store ("zkcS").
APPLICATION_ID = int.from_bytes(b"zkcS", "big")


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Version 3: a lock report's attempts and next try, its ``failed`` state (the table is
    rebuilt for the new CHECK); an alarm's kind."""
    conn.execute("ALTER TABLE sync_report RENAME TO sync_report_v2")
    conn.execute(REPORT_TABLE)
    conn.execute(
        f"INSERT INTO sync_report ({REPORT_V2_COLUMNS}) SELECT {REPORT_V2_COLUMNS} "
        "FROM sync_report_v2"
    )
    conn.execute("DROP TABLE sync_report_v2")
    if "kind" not in {r[1] for r in conn.execute("PRAGMA table_info(sync_alarm)")}:
        conn.execute("ALTER TABLE sync_alarm ADD COLUMN kind TEXT NOT NULL DEFAULT 'alarm'")


_BASE = journal_schema(
    "zkcollat venue sync store",
    APPLICATION_ID,
    TABLES,
    frozenset({"sync_deposit"}),
    version=3,
    migrations={2: _v2_to_v3},
)


def _from_legacy(conn: sqlite3.Connection) -> None:
    """A file from before the store carried an id: its deposit states lacked 'pending'."""
    conn.execute("ALTER TABLE sync_deposit RENAME TO sync_deposit_v0")
    _BASE.create(conn)
    conn.execute("INSERT INTO sync_deposit SELECT * FROM sync_deposit_v0")
    conn.execute("DROP TABLE sync_deposit_v0")
    conn.execute(_WITHDRAWALS)


SCHEMA = dataclasses.replace(_BASE, migrations={**_BASE.migrations, 0: _from_legacy})
