"""SQLite helpers shared by the root registry and the venue: one connection, explicit transactions.

The connection runs in autocommit mode (``isolation_level=None``) and every change goes through
:func:`transaction`: ``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception, so
nothing is ever half-written. Nested use becomes a SAVEPOINT of the outer transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: str | Path = ":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    if conn.in_transaction:
        name = f"sp{id(conn)}_{_depth(conn)}"
        conn.execute(f"SAVEPOINT {name}")
        _DEPTH[id(conn)] = _depth(conn) + 1
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        else:
            conn.execute(f"RELEASE {name}")
        finally:
            _DEPTH[id(conn)] = _depth(conn) - 1
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # also when COMMIT itself failed (busy, disk full)
            conn.execute("ROLLBACK")
        raise


_DEPTH: dict[int, int] = {}


def _depth(conn: sqlite3.Connection) -> int:
    return _DEPTH.get(id(conn), 0)


def to_db(value: int) -> str:
    """Integers wider than SQLite's int64 (uint256 chain ids, uint128 amounts) as decimal text."""
    return str(value)


def from_db(value: str | int) -> int:
    return int(value)
