"""The SQLite store: resume without rebuilding, crash consistency, refusals."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.vault.crash_child import BATCH_A, BATCH_B, DEPTH, LOOP_BATCH, make_locks
from zkcollat.vault import Lock, PoseidonTree, Vault
from zkcollat.vault.errors import (
    BlockOrderError,
    LockSequenceError,
    StoreCorrupted,
    StoreError,
    TreeDepthError,
    TreeFullError,
)

CHILD = Path(__file__).with_name("crash_child.py")


def recomputed_root(locks: list[Lock], depth: int) -> int:
    t = PoseidonTree(depth)
    t.insert_many([lk.leaf() for lk in locks])  # plain Poseidon, independent of the batch path
    return t.root


def test_resume_without_rebuilding(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    locks = make_locks(0, 20)
    with Vault.open(path, 6) as v:
        for lk in locks[:5]:
            v.append(lk, block_number=10)
        v.insert_many(locks[5:20], block_number=11)
        root, levels = v.root, [bytes(b) for b in v.tree.levels]
    assert root == recomputed_root(locks, 6)
    with Vault.open(path) as v:  # depth read from the file
        assert v.depth == 6 and v.size == 20 and v.root == root
        assert [bytes(b) for b in v.tree.levels] == levels
        assert [(b.block_number, b.size) for b in v.block_roots] == [(10, 5), (11, 20)]
        assert v.block_roots[0].root == recomputed_root(locks[:5], 6) == v.root_at(5)
        assert v.block_root(10).size == 5 and v.block_root(10_000).size == 20
        assert v.get_lock(7) == locks[7] and list(v.locks()) == locks
        v.check_integrity()
        more = make_locks(20, 3)
        v.insert_many(more, block_number=11)  # same block again: its root is updated
        assert v.block_roots[-1].size == 23
    with Vault.open(path, 6) as v:
        assert v.size == 23 and v.root == recomputed_root(locks + more, 6)


def test_refusals(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with pytest.raises(StoreError, match="give its tree depth"):
        Vault.open(path)
    with pytest.raises(StoreError, match="directory"):
        Vault.open(tmp_path / "nope" / "v.sqlite", 4)
    with Vault.open(path, 2) as v:
        with pytest.raises(LockSequenceError, match="next lock id is 0"):
            v.append(make_locks(1, 1)[0])
        v.insert_many(make_locks(0, 3), block_number=5)
        with pytest.raises(LockSequenceError, match="next lock id is 3"):
            v.append(make_locks(2, 1)[0])  # duplicate id
        with pytest.raises(BlockOrderError, match="below the last recorded block 5"):
            v.append(make_locks(3, 1)[0], block_number=4)
        v.append(make_locks(3, 1)[0], block_number=6)
        with pytest.raises(TreeFullError, match="capacity"):
            v.append(make_locks(4, 1)[0], block_number=7)
        assert v.size == 4 and [b.block_number for b in v.block_roots] == [5, 6]
    with pytest.raises(TreeDepthError, match="depth-2"):
        Vault.open(path, 3)
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError):
        Vault.open(tmp_path / "junk.sqlite", 4)


def test_tampered_store_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 4) as v:
        v.insert_many(make_locks(0, 6))
    conn = sqlite3.connect(path)
    conn.execute("UPDATE locks SET amount = '1' WHERE lock_id = 2")
    conn.commit()
    with Vault.open(path) as v, pytest.raises(StoreCorrupted, match="leaf 2"):
        v.check_integrity()
    conn.execute("UPDATE nodes SET hash = ? WHERE level = 4", (b"\x01" * 32,))
    conn.commit()
    with pytest.raises(StoreCorrupted, match="stored root"):
        Vault.open(path)
    conn.execute("DELETE FROM nodes WHERE level = 1 AND idx = 1")
    conn.commit()
    conn.close()
    with pytest.raises(StoreCorrupted, match="level 1 has 2 nodes"):
        Vault.open(path)


def _check_consistent(path: Path, expected_size: int) -> None:
    with Vault.open(path) as v:
        assert v.size == expected_size
        assert v.root == recomputed_root(make_locks(0, expected_size), DEPTH)
        v.check_integrity()


@pytest.mark.parametrize("mode", ["mid-nodes", "before-commit"])
def test_crash_in_the_middle_of_a_bulk_insert(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "v.sqlite"
    res = subprocess.run([sys.executable, str(CHILD), str(path), mode], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 9, res.stderr  # died by os._exit(9), mid-transaction
    _check_consistent(path, BATCH_A)  # batch A complete, nothing of batch B
    with Vault.open(path) as v:
        assert [(b.block_number, b.size) for b in v.block_roots] == [(1, BATCH_A)]
        v.insert_many(make_locks(BATCH_A, BATCH_B), block_number=2)  # resumes
    _check_consistent(path, BATCH_A + BATCH_B)


def test_sigkill_during_appends(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    proc = subprocess.Popen([sys.executable, str(CHILD), str(path), "loop"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    committed = 0
    for line in proc.stdout:
        committed = int(line.split()[1])
        if committed >= 4 * LOOP_BATCH:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with Vault.open(path) as v:
        size = v.size
        assert size >= committed and size % LOOP_BATCH == 0  # whole batches only
        assert [b.size for b in v.block_roots] == list(range(LOOP_BATCH, size + 1, LOOP_BATCH))
    _check_consistent(path, size)
