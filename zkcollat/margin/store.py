"""The venue's SQLite schema. Integers that may exceed int64 (uint256 chain ids, uint64 lock
ids, uint128 amounts, money) are stored as decimal TEXT and compared in Python."""

from __future__ import annotations

import sqlite3

from zkcollat.attest.db import transaction

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS accounts (
        account TEXT PRIMARY KEY,
        mode TEXT NOT NULL CHECK (mode IN ('standard', 'portfolio')),
        cash_e6 TEXT NOT NULL,
        created_at INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS positions (
        account TEXT NOT NULL REFERENCES accounts (account),
        instrument TEXT NOT NULL,
        size_e6 TEXT NOT NULL,
        PRIMARY KEY (account, instrument)
    )""",
    """CREATE TABLE IF NOT EXISTS credits (
        source_chain_id TEXT NOT NULL,
        vault TEXT NOT NULL,
        lock_id TEXT NOT NULL,
        account TEXT NOT NULL REFERENCES accounts (account),
        asset_id TEXT NOT NULL,
        threshold TEXT NOT NULL,
        min_expiry TEXT NOT NULL,
        valid_until TEXT NOT NULL,
        root TEXT NOT NULL,
        credited_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'released', 'seized')),
        seized_amount TEXT NOT NULL DEFAULT '0',
        PRIMARY KEY (source_chain_id, vault, lock_id)
    )""",
    "CREATE INDEX IF NOT EXISTS credits_account ON credits (account)",
    """CREATE TABLE IF NOT EXISTS markets (
        underlying TEXT PRIMARY KEY,
        spot_e8 TEXT NOT NULL,
        iv_bps INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS asset_prices (
        source_chain_id TEXT NOT NULL,
        asset_id TEXT NOT NULL,
        price_e8 TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (source_chain_id, asset_id)
    )""",
    """CREATE TABLE IF NOT EXISTS nonces (
        source_chain_id TEXT NOT NULL,
        vault TEXT NOT NULL,
        next_nonce INTEGER NOT NULL,
        PRIMARY KEY (source_chain_id, vault)
    )""",
    """CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('Release', 'Seize')),
        source_chain_id TEXT NOT NULL,
        vault TEXT NOT NULL,
        lock_id TEXT NOT NULL,
        amount TEXT,
        recipient TEXT,
        nonce INTEGER NOT NULL,
        signature TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        UNIQUE (source_chain_id, vault, nonce)
    )""",
    """CREATE TABLE IF NOT EXISTS trades (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account TEXT NOT NULL,
        instrument TEXT NOT NULL,
        size_e6 TEXT NOT NULL,
        price_e8 TEXT NOT NULL,
        cash_delta_e6 TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('order', 'liquidation')),
        at INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS liquidations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account TEXT NOT NULL,
        at INTEGER NOT NULL,
        detail TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS shortfalls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account TEXT NOT NULL,
        at INTEGER NOT NULL,
        amount_e6 TEXT NOT NULL,
        covered_e6 TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS venue_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
]


def create_schema(conn: sqlite3.Connection) -> None:
    with transaction(conn):
        for stmt in SCHEMA:
            conn.execute(stmt)
        conn.execute(
            "INSERT OR IGNORE INTO venue_state (key, value) VALUES ('insurance_fund_e6', '0')"
        )


def get_int(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT value FROM venue_state WHERE key = ?", (key,)).fetchone()
    return 0 if row is None else int(row[0])


def set_int(conn: sqlite3.Connection, key: str, value: int) -> None:
    conn.execute(
        "INSERT INTO venue_state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, str(value)),
    )
