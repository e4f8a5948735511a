"""Schema version 4: the partly filled nodes of the tree (the right edge: at most one per
level) live in one meta row, ``frontier``; the nodes table holds completed nodes only, which
never change once written. An append rewrites the frontier row and the rows of the nodes it
completes, not a row per level. Migration from version 3 (and 2), damage detection."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.vault.crash_child import make_locks
from tests.vault.legacy_files import write_v3
from zkcollat.vault import PoseidonTree, Vault
from zkcollat.vault.errors import StoreCorrupted
from zkcollat.vault.store import NODE_CHUNK, node_row_id

W = 32


def partial_levels(size: int, depth: int) -> list[int]:
    """The levels whose last filled node covers a subtree that is not full yet."""
    return [k for k in range(depth + 1) if size % (1 << k)]


def reference_tree(n: int, depth: int) -> PoseidonTree:
    t = PoseidonTree(depth)
    t.insert_many([lk.leaf() for lk in make_locks(0, n)])  # plain Poseidon per leaf
    return t


def stored(path: Path) -> tuple[dict[int, bytes], bytes, int]:
    """(nodes rows by id, the frontier row, user_version) read with plain sqlite3."""
    conn = sqlite3.connect(path)
    rows = dict(conn.execute("SELECT id, data FROM nodes").fetchall())
    (front,) = conn.execute("SELECT value FROM meta WHERE key = 'frontier'").fetchone()
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    conn.close()
    return rows, bytes.fromhex(front), version


def check_layout(path: Path, tree: PoseidonTree) -> None:
    """Completed nodes in the nodes table, 32 a row; the partial ones in the frontier."""
    rows, front, version = stored(path)
    assert version == 4
    n, d = tree.size, tree.depth
    want: dict[int, bytes] = {}
    for k in range(d + 1):
        done = bytes(tree.levels[k][: (n >> k) * W])
        for j, p in enumerate(range(0, len(done), NODE_CHUNK * W)):
            want[node_row_id(k, j)] = done[p : p + NODE_CHUNK * W]
    assert rows == want
    assert front == b"".join(tree.node(k, n >> k).to_bytes(W, "big")
                             for k in partial_levels(n, d))


@pytest.mark.parametrize("sizes", [[1] * 70, [3, 29, 1, 64, 1, 2], [127, 1, 1]])
def test_layout_after_appends(tmp_path: Path, sizes: list[int]) -> None:
    path = tmp_path / "v.sqlite"
    done = 0
    with Vault.open(path, 8) as v:
        for i, k in enumerate(sizes):
            v.insert_many(make_locks(done, k), block_number=i)
            done += k
            check_layout(path, reference_tree(done, 8))
    with Vault.open(path) as v:
        assert v.root == reference_tree(done, 8).root
        v.check_integrity()


def test_full_tree_has_an_empty_frontier(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 5) as v:
        v.insert_many(make_locks(0, 31))
        v.append(make_locks(31, 1)[0])
    check_layout(path, reference_tree(32, 5))
    assert stored(path)[1] == b""
    with Vault.open(path) as v:
        assert v.root == reference_tree(32, 5).root
        v.check_integrity()


def test_an_append_rewrites_only_the_nodes_it_completes(tmp_path: Path) -> None:
    """Appending leaf n rewrites the row of leaf n and, at each level k >= 1 where n + 1 is a
    multiple of 2^k, the row of the node that becomes complete: nothing else of the nodes
    table (before version 4 it rewrote the last row of every level)."""
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 12) as v:
        v.insert_many(make_locks(0, 1000))
        for n in range(1000, 1100):
            before = stored(path)[0]
            v.append(make_locks(n, 1)[0], block_number=n)
            after = stored(path)[0]
            changed = {i for i in after if before.get(i) != after[i]}
            want = {node_row_id(k, ((n + 1 >> k) - 1) // NODE_CHUNK)
                    for k in range(13) if (n + 1) % (1 << k) == 0}
            assert changed == want, n
            assert set(before) <= set(after)  # no row removed


def _tamper(path: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql, args)
    conn.commit()
    conn.close()


def _front(path: Path) -> bytes:
    return stored(path)[1]


def test_damaged_frontier_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 8) as v:
        v.insert_many(make_locks(0, 36))  # 36 = 0b100100: levels 0..2 are all complete
    assert partial_levels(36, 8) == [3, 4, 5, 6, 7, 8]
    front = _front(path)
    upd = "UPDATE meta SET value = ? WHERE key = 'frontier'"

    _tamper(path, upd, front[:-W].hex())  # a node short
    with pytest.raises(StoreCorrupted, match="frontier holds 5 nodes.*6"):
        Vault.open(path)
    _tamper(path, upd, (front + front[:W]).hex())  # a node too many
    with pytest.raises(StoreCorrupted, match="frontier holds 7 nodes"):
        Vault.open(path)
    _tamper(path, upd, "zz" + front.hex()[2:])
    with pytest.raises(StoreCorrupted, match="frontier"):
        Vault.open(path)
    _tamper(path, "DELETE FROM meta WHERE key = 'frontier'")
    with pytest.raises(StoreCorrupted, match="frontier"):
        Vault.open(path)
    _tamper(path, "INSERT INTO meta VALUES ('frontier', ?)", front.hex())
    with Vault.open(path) as v:
        v.check_integrity()

    # the partial node of level 4 changed: opening checks only the top against the stored
    # root, `vault check` recomputes every level and names it
    bad = front[:W] + b"\x01" * W + front[2 * W :]
    _tamper(path, upd, bad.hex())
    with Vault.open(path) as v, pytest.raises(StoreCorrupted, match=r"level 4, index 2\)"):
        v.check_integrity()
    # the top (the last frontier node) changed: the stored root no longer matches
    _tamper(path, upd, (front[:-W] + b"\x02" * W).hex())
    with pytest.raises(StoreCorrupted, match="stored root"):
        Vault.open(path)
    _tamper(path, upd, front.hex())
    # a completed node's row extended by the partial node (the version-3 layout, unmigrated)
    conn = sqlite3.connect(path)
    (row,) = conn.execute("SELECT data FROM nodes WHERE id = ?", (node_row_id(3, 0),)).fetchone()
    conn.close()
    _tamper(path, "UPDATE nodes SET data = ? WHERE id = ?", row + front[:W], node_row_id(3, 0))
    with pytest.raises(StoreCorrupted, match="level 3 has 5 nodes"):
        Vault.open(path)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 32, 33, 37, 64, 69, 127, 128])
def test_version_3_file_is_migrated(tmp_path: Path, n: int) -> None:
    """A version-3 file (partial nodes at the end of their level's rows) becomes version 4 on
    open, in one transaction: same tree, locks, block roots; appends continue from it."""
    depth = 7
    path = tmp_path / "v3.sqlite"
    locks = make_locks(0, n)
    blocks = [(5, n // 2), (9, n)] if n else []
    tree = write_v3(path, depth, locks, blocks)
    with Vault.open(path) as v:
        assert v.size == n and v.root == tree.root
        assert [bytes(b) for b in v.tree.levels] == [bytes(b) for b in tree.levels]
        assert list(v.locks()) == locks
        assert [(br.block_number, br.size, br.root) for br in v.block_roots] == [
            (b, m, tree.root_at(m)) for b, m in blocks]
        v.check_integrity()
    check_layout(path, tree)
    if n < 1 << depth:
        more = min(5, (1 << depth) - n)
        with Vault.open(path) as v:
            v.insert_many(make_locks(n, more), block_number=10)
            if v.size < 1 << depth:
                v.append(make_locks(v.size, 1)[0], block_number=11)
            m = v.size
        check_layout(path, reference_tree(m, depth))
        with Vault.open(path) as v:
            assert v.root == reference_tree(m, depth).root
            v.check_integrity()


@pytest.mark.parametrize("damage", ["row gone", "row short"])
def test_damaged_version_3_file_is_refused_and_left_as_it_was(tmp_path: Path,
                                                              damage: str) -> None:
    """A version-3 file whose partial node is missing is not migrated: StoreCorrupted naming
    the level, and the file is still version 3 with its rows untouched."""
    path = tmp_path / "v3.sqlite"
    write_v3(path, 6, make_locks(0, 37))  # level 2: 10 filled nodes, the last partial
    if damage == "row gone":
        _tamper(path, "DELETE FROM nodes WHERE id = ?", node_row_id(2, 0))
    else:
        _tamper(path, "UPDATE nodes SET data = substr(data, 1, 288) WHERE id = ?",
                node_row_id(2, 0))
    conn = sqlite3.connect(path)
    before = conn.execute("SELECT id, data FROM nodes ORDER BY id").fetchall()
    conn.close()
    with pytest.raises(StoreCorrupted, match="level 2"):
        Vault.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert conn.execute("SELECT id, data FROM nodes ORDER BY id").fetchall() == before
    assert conn.execute("SELECT count(*) FROM meta WHERE key = 'frontier'").fetchone()[0] == 0
    conn.close()
