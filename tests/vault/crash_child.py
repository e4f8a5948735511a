"""Child process for the crash tests of ``test_store.py``: appends to a SQLite vault, then dies.

    python tests/vault/crash_child.py PATH MODE [single]

MODE ``mid-nodes``: commits batch A, then dies (``os._exit``) halfway through writing the node
rows of batch B. ``mid-meta``: dies halfway through updating the meta rows of batch B (size,
root, generation, frontier), after its locks and nodes. ``before-commit``: dies after every row
of batch B is written, just before COMMIT. With ``single``, batch B is one lock (a single
append). ``loop``: commits batches forever, printing ``committed <size>`` after each (the parent
kills it with SIGKILL at some point); ``loop1`` does the same with single appends, one block
each.
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
    (``mid-nodes``), of the meta updates (``mid-meta``) or just before COMMIT
    (``before-commit``)."""

    def __init__(self, conn: Any, mode: str) -> None:
        self._conn = conn
        self._mode = mode
        self._meta_updates = 0

    @property
    def in_transaction(self) -> bool:
        return bool(self._conn.in_transaction)

    def execute(self, *args: Any) -> Any:
        if self._mode == "before-commit" and args[0] == "COMMIT":
            os._exit(9)
        if self._mode == "mid-meta" and str(args[0]).startswith("UPDATE meta"):
            self._meta_updates += 1
            if self._meta_updates == 2:  # the first one is done, the rest are not
                os._exit(9)
        return self._conn.execute(*args)

    def executemany(self, sql: str, rows: Any) -> Any:
        if self._mode == "mid-nodes" and sql.startswith("INSERT OR REPLACE INTO nodes"):
            rows = list(rows)
            self._conn.executemany(sql, rows[: len(rows) // 2])
            os._exit(9)
        if self._mode == "mid-meta" and sql.startswith("UPDATE meta"):
            rows = list(rows)
            self._conn.executemany(sql, rows[:1])
            os._exit(9)
        return self._conn.executemany(sql, rows)


def main() -> None:
    path, mode = sys.argv[1], sys.argv[2]
    single = sys.argv[3:] == ["single"]
    vault = Vault.open(path, DEPTH)
    assert vault.store is not None
    if mode in ("loop", "loop1"):
        n = LOOP_BATCH if mode == "loop" else 1
        for b in itertools.count():
            vault.insert_many(make_locks(vault.size, n), block_number=100 + b)
            print(f"committed {vault.size}", flush=True)
    vault.insert_many(make_locks(0, BATCH_A), block_number=1)
    if mode not in ("mid-nodes", "mid-meta", "before-commit"):
        raise SystemExit(f"unknown mode {mode!r}")
    dying = DyingConnection(vault.store.conn, mode)
    vault.store.conn = vault.store.db.conn = dying  # type: ignore[assignment]
    vault.insert_many(make_locks(BATCH_A, 1 if single else BATCH_B), block_number=2)
    raise SystemExit("unreachable: the child should have died")


if __name__ == "__main__":
    main()
