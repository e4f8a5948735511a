"""The SQL of portfolio credits (PROTOCOL.md s.7.1), over the venue store's connection: the
tables ``portfolios`` and ``portfolio_locks`` of ``schema.sql`` (version 4), whose primary key
and triggers keep one key space with single credits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any


class PortfolioStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def load_portfolios(self) -> list[tuple[Any, ...]]:
        return list(self.conn.execute("SELECT * FROM portfolios ORDER BY id"))

    def save_portfolio(self, row: tuple[Any, ...], lock_ids: Iterable[int] = ()) -> int:
        """A portfolio written whole (id None: new, numbered here) and its new locks (their
        primary key, and the triggers against ``credits``, refuse a lock credited before)."""
        q = f"INSERT OR REPLACE INTO portfolios VALUES ({', '.join('?' * len(row))})"
        pid = int(self.conn.execute(q, row).lastrowid or 0)
        locks = [(row[1], row[2], str(i), pid) for i in lock_ids]
        self.conn.executemany("INSERT INTO portfolio_locks VALUES (?, ?, ?, ?)", locks)
        return pid
