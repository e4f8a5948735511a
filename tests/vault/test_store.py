"""The SQLite store: resume without rebuilding, crash consistency, refusals."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

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
from zkcollat.vault.store import (
    LOCK_BYTES,
    LOCK_CHUNK,
    NODE_CHUNK,
    SqliteStore,
    node_row_id,
)
from zkcollat.vault.vault import leaves_of_locks

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
    # lock 2's amount (bytes 48..64 of its 72-byte record in lock row 0) set to 1
    (row,) = conn.execute("SELECT data FROM locks WHERE chunk = 0").fetchone()
    rec = 2 * LOCK_BYTES
    row = row[: rec + 48] + (1).to_bytes(16, "big") + row[rec + 64 :]
    conn.execute("UPDATE locks SET data = ? WHERE chunk = 0", (row,))
    conn.commit()
    with Vault.open(path) as v, pytest.raises(StoreCorrupted, match="leaf 2"):
        v.check_integrity()
    # the top node (partial: 6 of 16 leaves, so the last word of the frontier) changed
    (front,) = conn.execute("SELECT value FROM meta WHERE key = 'frontier'").fetchone()
    conn.execute("UPDATE meta SET value = ? WHERE key = 'frontier'", (front[:-64] + "01" * 32,))
    conn.commit()
    with pytest.raises(StoreCorrupted, match="stored root"):
        Vault.open(path)
    # node (level 1, index 1) removed: level 1's chunk holds 2 of its 3 nodes
    (row,) = conn.execute("SELECT data FROM nodes WHERE id = ?", (node_row_id(1, 0),)).fetchone()
    conn.execute("UPDATE nodes SET data = ? WHERE id = ?", (row[:32] + row[64:],
                                                            node_row_id(1, 0)))
    conn.commit()
    conn.close()
    with pytest.raises(StoreCorrupted, match="level 1 has 2 nodes"):
        Vault.open(path)


def _tampered_copy(
    tmp_path: Path, src: Path, name: str, *statements: tuple[str, tuple[Any, ...]]
) -> Path:
    dst = tmp_path / name
    src_conn = sqlite3.connect(src)
    dst_conn = sqlite3.connect(dst)
    src_conn.backup(dst_conn)
    src_conn.close()
    for sql, args in statements:
        dst_conn.execute(sql, args)
    dst_conn.commit()
    dst_conn.close()
    return dst


def test_chunk_layout_tampering_is_detected(tmp_path: Path) -> None:
    """Node and lock rows span several chunks: a missing, extra, short or moved chunk is
    refused on open, naming the level or the locks table."""
    n = 2 * NODE_CHUNK + 5  # level 0: chunks 0, 1 full, chunk 2 of 5 nodes; 2 lock rows
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 8) as v:
        v.insert_many(make_locks(0, n))
    with Vault.open(path) as v:
        assert v.size == n
    cases: list[tuple[Any, ...]] = [  # (name, statement, ..., message)
        ("gap", ("DELETE FROM nodes WHERE id = ?", (node_row_id(0, 1),)), "level 0 has"),
        ("extra", ("INSERT INTO nodes VALUES (?, ?)", (node_row_id(0, 3), b"\0" * 32)),
         "level 0 has"),
        ("short middle", ("UPDATE nodes SET data = substr(data, 1, 32) WHERE id = ?",
                          (node_row_id(0, 0),)), "level 0 has"),
        ("beyond depth", ("INSERT INTO nodes VALUES (?, ?)", (node_row_id(9, 0), b"\0" * 32)),
         "nodes table has"),
        ("lock row gone", ("DELETE FROM locks WHERE chunk = 1", ()), "locks table has"),
        ("lock row short", ("UPDATE locks SET data = substr(data, 1, ?) WHERE chunk = 0",
                            (LOCK_BYTES * (LOCK_CHUNK - 1),)), "locks table has"),
        # lock rows swapped: same count and total length, the short row is not the last
        ("lock rows swapped", ("UPDATE locks SET chunk = 7 WHERE chunk = 0", ()),
         ("UPDATE locks SET chunk = 0 WHERE chunk = 1", ()),
         ("UPDATE locks SET chunk = 1 WHERE chunk = 7", ()), "locks table has"),
    ]
    for name, *statements, message in cases:
        bad = _tampered_copy(tmp_path, path, f"{name}.sqlite", *statements)
        with pytest.raises(StoreCorrupted, match=message):
            Vault.open(bad)


@pytest.mark.parametrize("reopen", [True, False])
def test_appends_across_chunk_boundaries(tmp_path: Path, reopen: bool) -> None:
    """Single appends and batches that start mid-chunk, end on a boundary or span several
    chunks, with the store reopened after each (rows read back) or not (the store's copy of
    the last rows): the reopened store has exactly the in-memory tree and locks."""
    path = tmp_path / "v.sqlite"
    locks = make_locks(0, 3 * NODE_CHUNK + 9)
    sizes = [1, NODE_CHUNK - 2, 1, NODE_CHUNK, 3, 2 * NODE_CHUNK - 33 + 4, 1]
    assert sum(sizes) <= len(locks) and sum(sizes) > LOCK_CHUNK
    done = 0
    v = Vault.open(path, 8)
    for i, k in enumerate(sizes):
        if reopen:
            v.close()
            v = Vault.open(path, 8)
        if k == 1:
            v.append(locks[done], block_number=i)
        else:
            v.insert_many(locks[done : done + k], block_number=i)
        done += k
        levels = [bytes(b) for b in v.tree.levels]
        with Vault.open(path) as w:
            assert w.store is not None
            assert [bytes(b) for b in w.tree.levels] == levels
            assert w.root == recomputed_root(locks[:done], 8)
            assert list(w.locks()) == locks[:done]
            assert list(w.store.iter_locks(LOCK_CHUNK + 1)) == locks[LOCK_CHUNK + 1 : done]
            assert w.get_lock(done - 1) == locks[done - 1]
    v.close()


def test_store_rereads_rows_another_writer_changed(tmp_path: Path) -> None:
    """Two store objects on one file take turns: each must extend the rows the other wrote,
    not its own copy of the last rows."""
    path = tmp_path / "v.sqlite"
    locks = make_locks(0, 42)
    ref = PoseidonTree(6)
    a, b = SqliteStore(path, 6), SqliteStore(path)
    done = 0
    for store, k in [(a, 5), (a, 3), (b, 4), (a, 30)]:
        batch = locks[done : done + k]
        updates = ref.plan(leaves_of_locks(batch))
        ref.apply(updates)
        done += k
        store.commit(batch, updates, done, ref.root, block_number=done)
    a.close()
    b.close()
    with Vault.open(path) as v:
        assert v.size == done and v.root == recomputed_root(locks, 6)
        assert [bytes(x) for x in v.tree.levels] == [bytes(x) for x in ref.levels]
        assert list(v.locks()) == locks
        v.check_integrity()


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    """A version-1 file (one row per node, decimal lock fields) is refused, naming the
    version, and left untouched."""
    path = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
        " PRIMARY KEY (level, idx)) WITHOUT ROWID;"
    )
    conn.executemany("INSERT INTO meta VALUES (?, ?)",
                     [("format", "zkcollat-vault"), ("version", "1"), ("depth", "4"),
                      ("size", "0"), ("root", "")])
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 1, which this release cannot upgrade"):
        Vault.open(path)
    with pytest.raises(StoreError, match="schema version 1"):
        Vault.open(path, 4)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tables == {"meta", "nodes"}  # nothing created in the refused file


def _check_consistent(path: Path, expected_size: int) -> None:
    with Vault.open(path) as v:
        assert v.size == expected_size
        assert v.root == recomputed_root(make_locks(0, expected_size), DEPTH)
        v.check_integrity()


@pytest.mark.parametrize("single", [False, True], ids=["batch", "single"])
@pytest.mark.parametrize("mode", ["mid-nodes", "mid-meta", "before-commit"])
def test_crash_in_the_middle_of_an_append(tmp_path: Path, mode: str, single: bool) -> None:
    """A process that dies inside the transaction of a batch or of a single append (halfway
    through its node rows, halfway through its meta rows, or just before COMMIT) leaves the
    state before it: nothing of the append, and the vault appends again from there."""
    path = tmp_path / "v.sqlite"
    res = subprocess.run([sys.executable, str(CHILD), str(path), mode,
                          *(["single"] if single else [])],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 9, res.stderr  # died by os._exit(9), mid-transaction
    _check_consistent(path, BATCH_A)  # batch A complete, nothing of batch B
    with Vault.open(path) as v:
        assert [(b.block_number, b.size) for b in v.block_roots] == [(1, BATCH_A)]
        v.insert_many(make_locks(BATCH_A, BATCH_B), block_number=2)  # resumes
    _check_consistent(path, BATCH_A + BATCH_B)


@pytest.mark.parametrize("mode", ["loop", "loop1"])
def test_sigkill_during_appends(tmp_path: Path, mode: str) -> None:
    """SIGKILL at an arbitrary point of a stream of batches (``loop``) or of single appends
    (``loop1``, one block each): the file holds whole appends only, each block's root."""
    path = tmp_path / "v.sqlite"
    step = LOOP_BATCH if mode == "loop" else 1
    proc = subprocess.Popen([sys.executable, str(CHILD), str(path), mode],
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
        assert size >= committed and size % step == 0  # whole appends only
        assert [b.size for b in v.block_roots] == list(range(step, size + 1, step))
        for br in v.block_roots:
            v.check_block_root(br)
    _check_consistent(path, size)
