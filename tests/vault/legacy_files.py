"""Vault files of earlier schema versions, written here with plain ``sqlite3`` (not through
the store), for the migration tests.

Version 3 (the release before the frontier row): every *filled* node of level ``k``, the
partly filled last one included, in rows of ``NODE_CHUNK`` nodes (``id = k << 32 | chunk``);
meta ``format, depth, size, root, generation``; locks and block roots as today.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from zkcollat.vault import Lock, PoseidonTree
from zkcollat.vault.store import LOCK_BYTES, LOCK_CHUNK, NODE_CHUNK, node_row_id, pack_lock

W = 32
V3_TABLES = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE locks (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE nodes (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE block_roots "
    "(block_key INTEGER PRIMARY KEY, size INTEGER NOT NULL, root TEXT NOT NULL)",
]
VAULT_APPLICATION_ID = int.from_bytes(b"zkcV", "big")


def write_v3(path: Path, depth: int, locks: Sequence[Lock],
             block_roots: Sequence[tuple[int, int]] = ()) -> PoseidonTree:
    """A version-3 vault of ``locks`` at ``path``; ``block_roots`` are (block, size) pairs.
    Returns the in-memory tree the file was written from."""
    tree = PoseidonTree(depth)
    tree.insert_many([lk.leaf() for lk in locks])
    conn = sqlite3.connect(path)
    for statement in V3_TABLES:
        conn.execute(statement)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("format", "zkcollat-vault"), ("depth", str(depth)), ("size", str(len(locks))),
        ("root", str(tree.root) if locks else ""), ("generation", "7")])
    packed = b"".join(pack_lock(lk) for lk in locks)
    row = LOCK_CHUNK * LOCK_BYTES
    conn.executemany("INSERT INTO locks VALUES (?, ?)",
                     [(j, packed[p : p + row]) for j, p in enumerate(range(0, len(packed), row))])
    for k, level in enumerate(tree.levels):
        step = NODE_CHUNK * W
        conn.executemany("INSERT INTO nodes VALUES (?, ?)",
                         [(node_row_id(k, j), bytes(level[p : p + step]))
                          for j, p in enumerate(range(0, len(level), step))])
    conn.executemany("INSERT INTO block_roots VALUES (?, ?, ?)",
                     [(b - 2**63, n, str(tree.root_at(n))) for b, n in block_roots])
    conn.execute(f"PRAGMA application_id = {VAULT_APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    return tree


def v3_to_v2(path: Path) -> None:
    """Turn a version-3 file into a version-2 one (no application id, no generation, signed
    block numbers)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 0")
    conn.execute("PRAGMA user_version = 0")
    conn.execute("DELETE FROM meta WHERE key = 'generation'")
    conn.execute("INSERT INTO meta VALUES ('version', '2')")
    conn.execute("ALTER TABLE block_roots RENAME TO br3")
    conn.execute("CREATE TABLE block_roots (block_number INTEGER PRIMARY KEY, "
                 "size INTEGER NOT NULL, root TEXT NOT NULL)")
    conn.execute("INSERT INTO block_roots SELECT block_key + 9223372036854775807 + 1, size, root "
                 "FROM br3")
    conn.execute("DROP TABLE br3")
    conn.commit()
    conn.close()
