"""All of the venue's SQL. Integers that may exceed int64 (money, uint256 chain ids, uint128
amounts) are decimal TEXT. The file is opened through :mod:`zkcollat.db` (WAL, busy timeout,
``BEGIN IMMEDIATE`` writers, the venue's application id and schema version): an empty or
foreign file, or another kind of zkcollat store, is refused and never initialised; only a path
that does not exist yet is created. Every change of state is one write transaction, and
``state_version`` lets a venue notice another writer."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from zkcollat.db import Schema, create_tables, open_store
from zkcollat.db import Store as DbStore
from zkcollat.margin.errors import NotAVenueError
from zkcollat.margin.store_outbox import OutboxSql

_SQL = (Path(__file__).parent / "schema.sql").read_text()
STATEMENTS = [  # each ends with ';' at the end of a line (a trigger's inner ';' is not)
    st
    for st in "\n".join(x for x in _SQL.splitlines() if not x.startswith("--")).split(";\n")
    if st.strip()
]


def _create(conn: sqlite3.Connection) -> None:
    for st in STATEMENTS:
        conn.execute(st)
    conn.execute("INSERT INTO meta VALUES ('state_version', '0')")


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Version 3 adds provisional credits (lock reports, docs/protocol.md s.9)."""
    conn.execute(next(st for st in STATEMENTS if "TABLE provisional_credits" in st))


SCHEMA = Schema(
    kind="venue",
    application_id=int.from_bytes(b"zkcM", "big"),
    version=4,  # 4: portfolio credits (their tables, in store_portfolios.py their SQL)
    create=_create,
    migrations={2: _migrate_2_to_3, 3: create_tables([s for s in STATEMENTS if "portfolio" in s])},
    not_a_store=NotAVenueError,
)


class Store(OutboxSql):
    def __init__(self, db: DbStore) -> None:
        self.db = db
        self.conn = db.conn

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path) -> Store:
        if str(path) != ":memory:" and Path(path).exists():
            raise NotAVenueError(f"{path} already exists: a venue is created only in a new file")
        return cls(open_store(path, SCHEMA, create=True))

    @classmethod
    def open(cls, path: str | Path) -> Store:
        return cls(open_store(path, SCHEMA))

    @classmethod
    def wrap(cls, conn: sqlite3.Connection) -> Store:
        """A venue over a connection of its own (a copy made with ``backup``, say)."""
        return cls(DbStore(conn, ":memory:", SCHEMA))

    @contextmanager
    def event(self) -> Iterator[None]:
        with self.db.write():
            yield

    def state_version(self) -> int:
        return int(
            self.conn.execute("SELECT value FROM meta WHERE key='state_version'").fetchone()[0]
        )

    def bump_version(self, v: int) -> None:
        self.conn.execute("UPDATE meta SET value = ? WHERE key = 'state_version'", (str(v),))

    # --- loading -------------------------------------------------------------------------

    def load_accounts(self) -> list[tuple[str, str, int]]:
        return [
            (a, m, int(c))
            for a, m, c in self.conn.execute("SELECT account, mode, cash_e6 FROM accounts")
        ]

    def load_positions(self) -> list[tuple[str, str, int, int]]:
        return [
            (a, n, int(s), int(b))
            for a, n, s, b in self.conn.execute(
                "SELECT account, instrument, size_e6, basis_e6 FROM positions"
            )
        ]

    def load_outside(self) -> dict[str, int]:
        return {n: int(v) for n, v in self.conn.execute("SELECT name, amount_e6 FROM outside")}

    def load_instruments(self) -> list[dict[str, Any]]:
        return [
            json.loads(s)
            for (s,) in self.conn.execute("SELECT spec FROM instruments ORDER BY listed_at, name")
        ]

    def load_orders(self) -> list[tuple[str, int, str, bool, int, int, int, bool, int]]:
        rows = self.conn.execute(
            "SELECT account, nonce, instrument, buy, price_e8, lots, seq, reduce_only, expiry "
            "FROM orders ORDER BY seq"
        )
        return [
            (a, int(n), i, bool(b), int(p), lo, s, bool(r), e)
            for a, n, i, b, p, lo, s, r, e in rows
        ]

    def load_markets(self) -> dict[str, dict[str, Any]]:
        return {
            u: json.loads(s) for u, s in self.conn.execute("SELECT underlying, state FROM markets")
        }

    def load_asset_prices(self) -> dict[tuple[int, int], tuple[int, int]]:
        rows = self.conn.execute(
            "SELECT source_chain_id, asset_id, price_e8, updated_at FROM asset_prices"
        )
        return {(int(c), int(a, 16)): (int(p), int(t)) for c, a, p, t in rows}

    def load_credits(self) -> list[tuple[Any, ...]]:
        return list(self.conn.execute("SELECT * FROM credits ORDER BY rowid"))

    # --- writing -------------------------------------------------------------------------

    def save_cash(self, rows: Iterable[tuple[str, str, int, int]]) -> None:
        self.conn.executemany(
            "INSERT INTO accounts VALUES (?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET "
            "cash_e6 = excluded.cash_e6, mode = excluded.mode",
            [(a, m, str(c), t) for a, m, c, t in rows],
        )

    def save_positions(self, rows: Iterable[tuple[str, str, int, int]]) -> None:
        for a, n, s, b in rows:
            if s:
                self.conn.execute(
                    "INSERT INTO positions VALUES (?, ?, ?, ?) ON CONFLICT (account, instrument) "
                    "DO UPDATE SET size_e6 = excluded.size_e6, basis_e6 = excluded.basis_e6",
                    (a, n, str(s), str(b)),
                )
            else:
                self.conn.execute(
                    "DELETE FROM positions WHERE account = ? AND instrument = ?", (a, n)
                )

    def save_outside(self, outside: dict[str, int]) -> None:
        self.conn.executemany(
            "INSERT INTO outside VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
            "amount_e6 = excluded.amount_e6",
            [(k, str(v)) for k, v in outside.items()],
        )

    def add_event(self, kind: str, at: int, detail: dict[str, Any]) -> int:
        cur = self.conn.execute(
            "INSERT INTO events (kind, at, detail) VALUES (?, ?, ?)", (kind, at, json.dumps(detail))
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def add_postings(self, event: int, rows: Iterable[tuple[str, str, int, str]]) -> None:
        self.conn.executemany(
            "INSERT INTO journal (event, src, dst, amount_e6, kind) VALUES (?, ?, ?, ?, ?)",
            [(event, s, d, str(a), k) for s, d, a, k in rows],
        )

    def journal_balances(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s, d, a in self.conn.execute("SELECT src, dst, amount_e6 FROM journal"):
            out[s] = out.get(s, 0) - int(a)
            out[d] = out.get(d, 0) + int(a)
        return out

    def paid_to(self, outside: str) -> dict[str, int]:
        """Per account, everything the journal moved from it to ``outside`` (e.g. the total
        withdrawals the venue approved for each account)."""
        out: dict[str, int] = {}
        q = "SELECT src, amount_e6 FROM journal WHERE dst = ?"
        for src, a in self.conn.execute(q, (outside,)):
            out[src] = out.get(src, 0) + int(a)
        return out

    def history(self, account: str) -> tuple[list[Any], list[Any]]:
        """For replays, oldest first: ``account``'s postings and the settlement events."""
        j = "SELECT e.id, e.at, src, dst, amount_e6 FROM journal j JOIN events e ON j.event = e.id"
        rows = list(self.conn.execute(j + " WHERE ? IN (src, dst) ORDER BY j.id", (account,)))
        ev = "SELECT at, detail FROM events WHERE kind = 'settlement' ORDER BY id"
        return rows, list(self.conn.execute(ev))

    def use_nonce(self, account: str, nonce: int, kind: str, at: int) -> bool:
        q = "INSERT OR IGNORE INTO nonces VALUES (?, ?, ?, ?)"
        return self.conn.execute(q, (account, str(nonce), kind, at)).rowcount == 1

    def add_instrument(self, name: str, spec: dict[str, Any], at: int) -> None:
        self.conn.execute("INSERT INTO instruments VALUES (?, ?, ?)", (name, json.dumps(spec), at))

    def update_instrument(self, name: str, spec: dict[str, Any]) -> None:
        q = "UPDATE instruments SET spec = ? WHERE name = ?"
        self.conn.execute(q, (json.dumps(spec), name))

    def add_order(
        self,
        account: str,
        nonce: int,
        instrument: str,
        buy: bool,
        price_e8: int,
        lots: int,
        seq: int,
        reduce_only: bool,
        expiry: int,
    ) -> None:
        self.conn.execute(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                str(nonce),
                instrument,
                int(buy),
                str(price_e8),
                lots,
                seq,
                int(reduce_only),
                expiry,
            ),
        )

    def set_order_lots(self, account: str, nonce: int, lots: int) -> None:
        if lots:
            self.conn.execute(
                "UPDATE orders SET lots = ? WHERE account = ? AND nonce = ?",
                (lots, account, str(nonce)),
            )
        else:
            self.conn.execute(
                "DELETE FROM orders WHERE account = ? AND nonce = ?", (account, str(nonce))
            )

    def add_trades(
        self, rows: Iterable[tuple[str, str, str, str | None, int, int, int, str, int]]
    ) -> None:
        self.conn.executemany(
            "INSERT INTO trades (instrument, buyer, seller, maker, price_e8, size_e6, cash_e6, "
            "kind, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(i, b, s, m, str(p), str(z), str(c), k, t) for i, b, s, m, p, z, c, k, t in rows],
        )

    def trades(
        self, account: str | None, instrument: str | None, limit: int
    ) -> list[dict[str, Any]]:
        keys = (
            "id",
            "instrument",
            "buyer",
            "seller",
            "maker",
            "price_e8",
            "size_e6",
            "cash_e6",
            "kind",
            "at",
        )
        q = f"SELECT {', '.join(keys)} FROM trades"
        cond, args = [], []
        if account:
            cond.append("(buyer = ? OR seller = ?)")
            args += [account, account]
        if instrument:
            cond.append("instrument = ?")
            args.append(instrument)
        if cond:
            q += " WHERE " + " AND ".join(cond)
        rows = self.conn.execute(q + " ORDER BY id DESC LIMIT ?", (*args, limit))
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def save_market(
        self, underlying: str, state: dict[str, Any], accepted_at: int | None, spot_e8: int | None
    ) -> None:
        self.conn.execute(
            "INSERT INTO markets VALUES (?, ?) ON CONFLICT (underlying) DO UPDATE "
            "SET state = excluded.state",
            (underlying, json.dumps(state)),
        )
        if accepted_at is not None and spot_e8 is not None:
            self.conn.execute(
                "INSERT INTO oracle_history VALUES (?, ?, ?)",
                (underlying, accepted_at, str(spot_e8)),
            )

    def oracle_history(self, underlying: str, end: int) -> list[tuple[int, int]]:
        q = "SELECT at, spot_e8 FROM oracle_history WHERE underlying=? AND at<=? ORDER BY at, rowid"
        return [(t, int(s)) for t, s in self.conn.execute(q, (underlying, end))]

    def save_asset_price(self, chain: int, asset: str, price_e8: int, at: int) -> None:
        self.conn.execute(
            "INSERT INTO asset_prices VALUES (?, ?, ?, ?) ON CONFLICT (source_chain_id, asset_id) "
            "DO UPDATE SET price_e8 = excluded.price_e8, updated_at = excluded.updated_at",
            (str(chain), asset, str(price_e8), at),
        )

    def add_credit(self, row: tuple[Any, ...]) -> None:
        self.conn.execute("INSERT INTO credits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def credit_row(self, chain: int, vault: str, lock_id: int) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.conn.execute(
            "SELECT * FROM credits WHERE source_chain_id = ? AND vault = ? AND lock_id = ?",
            (str(chain), vault, str(lock_id)),
        ).fetchone()
        return row

    def set_credit_status(
        self, chain: int, vault: str, lock_id: int, status: str, seized: int
    ) -> None:
        self.conn.execute(
            "UPDATE credits SET status = ?, seized_amount = ? "
            "WHERE source_chain_id = ? AND vault = ? AND lock_id = ?",
            (status, str(seized), str(chain), vault, str(lock_id)),
        )

    def load_provisional(self) -> list[tuple[Any, ...]]:  # lock reports (provisional credit)
        return list(self.conn.execute("SELECT * FROM provisional_credits ORDER BY rowid"))

    def add_provisional(self, row: tuple[Any, ...]) -> None:
        marks = ", ".join("?" * len(row))
        self.conn.execute(f"INSERT OR REPLACE INTO provisional_credits VALUES ({marks})", row)

    def set_provisional_status(self, key: tuple[int, str, int], status: str, at: int) -> None:
        self.conn.execute(
            "UPDATE provisional_credits SET status = ?, resolved_at = ? "
            "WHERE source_chain_id = ? AND vault = ? AND lock_id = ?",
            (status, str(at), str(key[0]), key[1], str(key[2])),
        )
