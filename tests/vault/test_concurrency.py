"""Two writers and readers on one vault file (issue 13): a writer whose in-memory state is
stale reloads inside its write transaction instead of writing over newer rows; a reader sees
one committed state; block roots are checked against the tree before use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.vault.crash_child import make_locks
from tests.vault.legacy_files import v3_to_v2, write_v3
from zkcollat.vault import Vault
from zkcollat.vault.errors import LockSequenceError, StoreCorrupted, UnknownLockError


def test_stale_writer_reloads_and_appends_after_the_other(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 8) as a, Vault.open(path) as b:
        a.insert_many(make_locks(0, 5), block_number=1)
        assert b.size == 0  # b read the vault before a appended: stale
        first = b.insert_many(make_locks(0, 3), block_number=2, assign_ids=True)
        assert first == 5 and b.size == 8
        # a is stale now: ids it expects are taken, nothing is written
        with pytest.raises(LockSequenceError, match="next lock id is 8"):
            a.insert_many(make_locks(5, 2))
        assert a.size == 8  # reloaded while refusing
        a.insert_many([], block_number=3)  # a block root only, from a fresh state
    with Vault.open(path) as v:
        v.check_integrity()
        assert v.size == 8
        assert [(br.block_number, br.size) for br in v.block_roots] == [(1, 5), (2, 8), (3, 8)]
        assert v.block_root(3).root == v.root


def test_stale_block_only_commit_records_the_newest_root(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 8) as a, Vault.open(path) as b:
        a.insert_many(make_locks(0, 4), block_number=1)
        b.insert_many([], block_number=2)  # b never saw a's locks
        assert b.block_root(2).size == 4
    with Vault.open(path) as v:
        v.check_integrity()


def test_reader_keeps_the_state_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 8) as w:
        w.insert_many(make_locks(0, 10), block_number=1)
        with Vault.open(path) as r:
            w.insert_many(make_locks(10, 70), block_number=2)  # crosses lock rows
            assert r.size == 10
            assert len(list(r.locks())) == 10  # no lock appended after it opened
            r.check_integrity()
            assert r.root == r.root_at(10)


def test_block_root_is_checked_against_the_tree(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 8) as v:
        v.insert_many(make_locks(0, 3), block_number=7)
        v.insert_many(make_locks(3, 3), block_number=9)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE block_roots SET size = 2 WHERE block_key = ?", (7 - 2**63,))
    conn.commit()
    conn.close()
    with Vault.open(path) as v:
        with pytest.raises(StoreCorrupted, match="block 7"):
            v.block_root(7)
        with pytest.raises(StoreCorrupted, match="block 7"):
            v.block_root(8)  # the state at the end of block 8 is block 7's
        assert v.block_root(9).size == 6
        with pytest.raises(UnknownLockError, match="no root recorded for block 8"):
            v.block_root(8, exact=True)
        with pytest.raises(StoreCorrupted):
            v.check_integrity()


def test_uint64_block_numbers(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    with Vault.open(path, 8) as v:
        v.insert_many(make_locks(0, 1), block_number=2**63 - 1)
        v.insert_many(make_locks(1, 1), block_number=2**63)
        v.insert_many(make_locks(2, 1), block_number=2**64 - 1)
        with pytest.raises(Exception, match="uint64"):
            v.insert_many(make_locks(3, 1), block_number=2**64)
    with Vault.open(path) as v:
        assert [br.block_number for br in v.block_roots] == [2**63 - 1, 2**63, 2**64 - 1]
        assert v.block_root(2**64 - 1).size == 3
        v.check_integrity()


def test_version_2_file_is_migrated(tmp_path: Path) -> None:
    """A vault of an earlier release (schema 2: no application id, signed block keys)."""
    path = tmp_path / "v.sqlite"
    root = write_v3(path, 8, make_locks(0, 8), [(5, 4), (6, 8)]).root
    v3_to_v2(path)  # turn it back into a version-2 file
    with Vault.open(path) as v:
        assert v.root == root
        assert [(br.block_number, br.size) for br in v.block_roots] == [(5, 4), (6, 8)]
        v.check_integrity()
        v.insert_many(make_locks(8, 1), block_number=7)
