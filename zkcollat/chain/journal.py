"""What a chain service must remember across restarts, in SQLite tables on the caller's connection.

- ``chain_cursor``: per chain, the last block processed at the confirmation depth and its hash.
- ``chain_block``: the hashes of recently processed blocks (the reorg check).
- ``chain_tx``: every transaction the service means to send, keyed by (chain, kind, key,
  attempt): ``intended`` (signed, with its raw bytes and account nonce, before it is broadcast),
  ``sent`` (the node accepted it), ``mined`` (receipt: block, status, gas) or ``dropped`` (its
  account nonce was used by another transaction; only then may a new attempt for the same key be
  made). Because the raw signed bytes are stored before broadcasting, a restart rebroadcasts the
  very same transaction, which can be mined at most once.

The caller owns the connection and the transaction boundaries (``with conn:``), so a handler's
own writes and the cursor move commit together.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS chain_cursor (
    chain_id INTEGER PRIMARY KEY,
    block INTEGER NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS chain_block (
    chain_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (chain_id, number)
);
CREATE TABLE IF NOT EXISTS chain_tx (
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
);
CREATE INDEX IF NOT EXISTS chain_tx_open ON chain_tx (chain_id, state);
"""

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


class ChainJournal:
    """Cursor, block hashes and transaction journal on an SQLite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        with conn:
            conn.executescript(SCHEMA)

    # --- cursor and block hashes ----------------------------------------------------------

    def cursor(self, chain_id: int) -> tuple[int, bytes] | None:
        row = self.conn.execute(
            "SELECT block, hash FROM chain_cursor WHERE chain_id = ?", (chain_id,)
        ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def set_cursor(self, chain_id: int, block: int, block_hash: bytes) -> None:
        """Move the cursor (inside the caller's transaction) and remember the block's hash."""
        self.conn.execute(
            "INSERT INTO chain_cursor (chain_id, block, hash) VALUES (?, ?, ?) "
            "ON CONFLICT (chain_id) DO UPDATE SET block = excluded.block, hash = excluded.hash",
            (chain_id, block, block_hash),
        )
        self.conn.execute(
            "INSERT OR REPLACE INTO chain_block (chain_id, number, hash) VALUES (?, ?, ?)",
            (chain_id, block, block_hash),
        )
        self.conn.execute(
            "DELETE FROM chain_block WHERE chain_id = ? AND number < ?",
            (chain_id, block - KEEP_BLOCK_HASHES),
        )

    def block_hash(self, chain_id: int, number: int) -> bytes | None:
        row = self.conn.execute(
            "SELECT hash FROM chain_block WHERE chain_id = ? AND number = ?", (chain_id, number)
        ).fetchone()
        return None if row is None else bytes(row[0])

    # --- transactions -----------------------------------------------------------------------

    def _rec(self, row: tuple[object, ...]) -> TxRecord:
        return TxRecord(*row)  # type: ignore[arg-type]

    def latest(self, chain_id: int, kind: str, key: str) -> TxRecord | None:
        """The last attempt for (kind, key) on the chain, or None if none was ever intended."""
        row = self.conn.execute(
            f"SELECT {_TX_COLS} FROM chain_tx WHERE chain_id = ? AND kind = ? AND key = ? "
            "ORDER BY attempt DESC LIMIT 1",
            (chain_id, kind, key),
        ).fetchone()
        return None if row is None else self._rec(row)

    def by_id(self, tx_id: int) -> TxRecord:
        q = f"SELECT {_TX_COLS} FROM chain_tx WHERE id = ?"
        row = self.conn.execute(q, (tx_id,)).fetchone()
        if row is None:
            raise KeyError(tx_id)
        return self._rec(row)

    def open_txs(self, chain_id: int, sender: str) -> list[TxRecord]:
        rows = self.conn.execute(
            f"SELECT {_TX_COLS} FROM chain_tx WHERE chain_id = ? AND sender = ? "
            "AND state IN ('intended', 'sent') ORDER BY nonce",
            (chain_id, sender),
        ).fetchall()
        return [self._rec(r) for r in rows]

    def all_txs(self, chain_id: int | None = None) -> list[TxRecord]:
        q = f"SELECT {_TX_COLS} FROM chain_tx"
        args: tuple[object, ...] = ()
        if chain_id is not None:
            q += " WHERE chain_id = ?"
            args = (chain_id,)
        return [self._rec(r) for r in self.conn.execute(q + " ORDER BY id", args).fetchall()]

    def next_nonce(self, chain_id: int, sender: str) -> int:
        """One past the highest account nonce of ``sender``'s transactions still in flight
        (intended or sent; 0 if none). Mined ones are counted by the node's own nonce, which
        also goes back if a reorg takes them out."""
        row = self.conn.execute(
            "SELECT MAX(nonce) FROM chain_tx WHERE chain_id = ? AND sender = ? "
            "AND state IN ('intended', 'sent')",
            (chain_id, sender),
        ).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

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
        """Record a signed transaction before broadcasting it (commits at once)."""
        with self.conn:
            prev = self.latest(chain_id, kind, key)
            if prev is not None and prev.state != "dropped":
                raise sqlite3.IntegrityError(
                    f"{kind} {key} on chain {chain_id} already has a live transaction "
                    f"{prev.hash_hex} ({prev.state})"
                )
            attempt = 0 if prev is None else prev.attempt + 1
            cur = self.conn.execute(
                "INSERT INTO chain_tx (chain_id, kind, key, attempt, state, sender, nonce, hash, "
                "raw, created_at) VALUES (?, ?, ?, ?, 'intended', ?, ?, ?, ?, ?)",
                (chain_id, kind, key, attempt, sender, nonce, tx_hash, raw, now),
            )
            assert cur.lastrowid is not None
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
        with self.conn:
            self.conn.execute(
                "UPDATE chain_tx SET state = ?, block = COALESCE(?, block), "
                "status = COALESCE(?, status), gas_used = COALESCE(?, gas_used), "
                "mined_at = COALESCE(?, mined_at) WHERE id = ?",
                (state, block, status, gas_used, now if state == "mined" else None, tx_id),
            )
        return self.by_id(tx_id)

    def unmine(self, tx_id: int) -> TxRecord:
        """A mined transaction whose block was reorged out: back to sent (to be rebroadcast)."""
        with self.conn:
            self.conn.execute(
                "UPDATE chain_tx SET state = 'sent', block = NULL, status = NULL, gas_used = NULL, "
                "mined_at = NULL WHERE id = ? AND state = 'mined'",
                (tx_id,),
            )
        return self.by_id(tx_id)

    def recently_mined(self, chain_id: int, sender: str, since_block: int) -> list[TxRecord]:
        rows = self.conn.execute(
            f"SELECT {_TX_COLS} FROM chain_tx WHERE chain_id = ? AND sender = ? "
            "AND state = 'mined' AND block >= ? ORDER BY nonce",
            (chain_id, sender, since_block),
        ).fetchall()
        return [self._rec(r) for r in rows]

    def mined_duplicates(self) -> list[tuple[int, str, str, int]]:
        """(chain, kind, key, count) for any key mined more than once: must always be empty."""
        rows = self.conn.execute(
            "SELECT chain_id, kind, key, COUNT(*) FROM chain_tx WHERE state = 'mined' "
            "GROUP BY chain_id, kind, key HAVING COUNT(*) > 1"
        ).fetchall()
        return [(int(a), str(b), str(c), int(d)) for a, b, c, d in rows]
