"""The SQL of the venue's messages to the vaults (PROTOCOL.md s.7), over the venue store's
connection (a base of :class:`zkcollat.margin.store.Store`): the vault nonces and the outbox of
signed Release/Seize messages, with their sent and executed marks and the re-issue of an
expired one."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


class OutboxSql:
    conn: sqlite3.Connection

    def next_vault_nonce(self, chain: int, vault: str) -> int:
        row = self.conn.execute(
            "SELECT next_nonce FROM vault_nonces WHERE source_chain_id = ? AND vault = ?",
            (str(chain), vault),
        ).fetchone()
        n = 0 if row is None else int(row[0])
        self.conn.execute(
            "INSERT INTO vault_nonces VALUES (?, ?, ?) ON CONFLICT (source_chain_id, vault) "
            "DO UPDATE SET next_nonce = excluded.next_nonce",
            (str(chain), vault, n + 1),
        )
        return n

    def add_outbox(
        self,
        kind: str,
        message: dict[str, Any],
        sig: bytes,
        account: str,
        expected_e6: int,
        at: int,
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO outbox (kind, message, signature, account, expected_e6, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                kind,
                json.dumps({k: str(v) for k, v in message.items()}),
                sig.hex(),
                account,
                str(expected_e6),
                at,
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def outbox(self, pending_only: bool) -> list[tuple[Any, ...]]:
        q = (
            "SELECT id, kind, message, signature, account, expected_e6, created_at, sent_at, "
            "executed_at, realised_e6 FROM outbox"
        )
        return list(
            self.conn.execute(
                q + (" WHERE sent_at IS NULL" if pending_only else "") + " ORDER BY id"
            )
        )

    def mark_outbox(
        self, entry_id: int, column: str, at: int, realised_e6: int | None = None
    ) -> bool:
        assert column in ("sent_at", "executed_at")
        cur = self.conn.execute(
            f"UPDATE outbox SET {column} = ?, realised_e6 = COALESCE(?, realised_e6) "
            f"WHERE id = ? AND {column} IS NULL",
            (at, None if realised_e6 is None else str(realised_e6), entry_id),
        )
        return cur.rowcount == 1

    def reissue_outbox(self, entry_id: int, kind: str, message: dict[str, Any], sig: bytes) -> bool:
        """Replace a ``kind`` message (Seize or Release) that was never executed by its re-issue
        (same lock and amount, a fresh nonce and deadline) and clear its sent mark; False if no
        such entry."""
        assert kind in ("Seize", "Release")
        cur = self.conn.execute(
            "UPDATE outbox SET message = ?, signature = ?, sent_at = NULL "
            "WHERE id = ? AND kind = ? AND executed_at IS NULL",
            (json.dumps({k: str(v) for k, v in message.items()}), sig.hex(), entry_id, kind),
        )
        return cur.rowcount == 1
