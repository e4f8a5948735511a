"""Child process for the crash tests of ``test_store.py``: appends to a SQLite vault, then dies.

    python tests/vault/crash_child.py PATH MODE

MODE ``mid-nodes``: commits batch A, then dies (``os._exit``) halfway through writing the node
rows of batch B. ``before-commit``: dies after every row of batch B is written, just before
COMMIT. ``loop``: commits batches forever, printing ``committed <size>`` after each (the parent
kills it with SIGKILL at some point).
"""

from __future__ import annotations

import itertools
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from zkcollat.vault import Lock, Vault  # noqa: E402

DEPTH = 10
BATCH_A = 13
BATCH_B = 40
LOOP_BATCH = 64


def make_locks(start: int, n: int) -> list[Lock]:
    return [
        Lock(i, 0x1000 + i, 1 + i % 3, 0xA55E7, 10**18 + 7 * i, 1_900_000_000 + i)
        for i in range(start, start + n)
    ]


class DyingConnection:
    """Forwards to a sqlite3 connection; dies in the middle of the bulk node insert
    (``mid-nodes``) or just before COMMIT (``before-commit``)."""

    def __init__(self, conn: Any, mode: str) -> None:
        self._conn = conn
        self._mode = mode

    @property
    def in_transaction(self) -> bool:
        return bool(self._conn.in_transaction)

    def execute(self, *args: Any) -> Any:
        if self._mode == "before-commit" and args[0] == "COMMIT":
            os._exit(9)
        return self._conn.execute(*args)

    def executemany(self, sql: str, rows: Any) -> Any:
        if self._mode == "mid-nodes" and sql.startswith("INSERT OR REPLACE INTO nodes"):
            rows = list(rows)
            self._conn.executemany(sql, rows[: len(rows) // 2])
            os._exit(9)
        return self._conn.executemany(sql, rows)


def main() -> None:
    path, mode = sys.argv[1], sys.argv[2]
    vault = Vault.open(path, DEPTH)
    assert vault.store is not None
    if mode == "loop":
        for b in itertools.count():
            vault.insert_many(make_locks(vault.size, LOOP_BATCH), block_number=100 + b)
            print(f"committed {vault.size}", flush=True)
    vault.insert_many(make_locks(0, BATCH_A), block_number=1)
    if mode not in ("mid-nodes", "before-commit"):
        raise SystemExit(f"unknown mode {mode!r}")
    dying = DyingConnection(vault.store.conn, mode)
    vault.store.conn = vault.store.db.conn = dying  # type: ignore[assignment]
    vault.insert_many(make_locks(BATCH_A, BATCH_B), block_number=2)
    raise SystemExit("unreachable: the child should have died")


if __name__ == "__main__":
    main()
