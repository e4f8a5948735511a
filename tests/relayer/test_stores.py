"""The chain services' stores (journal, relayer store, venue sync store) through zkcollat.db:
each kind refuses the others, other programs' databases, non-databases and newer schemas with an
error naming the file; files written before the stores carried an id are upgraded in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from zkcollat.chain.errors import JournalError, NotAJournal
from zkcollat.chain.journal import JOURNAL_SCHEMA, JOURNAL_TABLES, ChainJournal, open_journal
from zkcollat.db import Schema, open_store
from zkcollat.errors import NotAStore
from zkcollat.relayer import store as relayer_store
from zkcollat.relayer import sync_store
from zkcollat.relayer.store import RelayerStore
from zkcollat.vault.store import SCHEMA as VAULT_SCHEMA

#: The journal's cursor tables before streams (schema version 1 and files without an id).
V1_TABLES = (
    "CREATE TABLE chain_cursor (chain_id INTEGER PRIMARY KEY, block INTEGER NOT NULL, "
    "hash BLOB NOT NULL)",
    "CREATE TABLE chain_block (chain_id INTEGER NOT NULL, number INTEGER NOT NULL, "
    "hash BLOB NOT NULL, PRIMARY KEY (chain_id, number))",
    JOURNAL_TABLES[2],
)

KINDS = {
    "journal": JOURNAL_SCHEMA,
    "relayer": relayer_store.SCHEMA,
    "sync": sync_store.SCHEMA,
}


def _make(path: Path, schema: Schema) -> None:
    open_store(path, schema, create=True).close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_store_is_wal_with_its_id_and_version(tmp_path: Path, kind: str) -> None:
    schema = KINDS[kind]
    _make(tmp_path / "s.sqlite", schema)
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.application_id
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.version
    assert schema.version == (3 if kind == "sync" else 2)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("other", [*KINDS, "vault"])
def test_another_kind_of_store_refused(tmp_path: Path, kind: str, other: str) -> None:
    if kind == other:
        return
    path = tmp_path / "s.sqlite"
    _make(path, VAULT_SCHEMA if other == "vault" else KINDS[other])
    before = path.read_bytes()
    with pytest.raises(NotAStore, match=rf"is a zkcollat .*, not a {KINDS[kind].kind}"):
        open_store(path, KINDS[kind], create=True)
    assert path.read_bytes() == before  # never initialised over


@pytest.mark.parametrize("kind", list(KINDS))
def test_newer_schema_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "s.sqlite"
    _make(path, KINDS[kind])
    conn = sqlite3.connect(path)
    new = KINDS[kind].version + 1
    conn.execute(f"PRAGMA user_version = {new}")
    conn.close()
    with pytest.raises(
        NotAJournal, match=f"schema version {new}, newer than this release's {new - 1}"
    ):
        open_store(path, KINDS[kind])


def test_relayer_store_refuses_other_files(tmp_path: Path) -> None:
    journal = tmp_path / "deploy.sqlite"
    open_journal(journal).close()
    with pytest.raises(NotAJournal, match="is a zkcollat chain journal, not a zkcollat relayer"):
        RelayerStore(journal)
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(NotAJournal, match="SQLite database of another program"):
        RelayerStore(foreign)
    text = tmp_path / "relayer.json"
    text.write_text('{"not": "a store"}')
    with pytest.raises(NotAJournal, match="not a SQLite database"):
        RelayerStore(text)
    assert text.read_text() == '{"not": "a store"}'
    with pytest.raises(NotAJournal, match="does not exist"):
        RelayerStore(tmp_path / "missing.sqlite", create=False)


def test_journal_errors_are_chain_and_store_errors(tmp_path: Path) -> None:
    j = open_journal(tmp_path / "j.sqlite")
    with pytest.raises(JournalError, match="no transaction record 7"):
        j.by_id(7)
    j.close()


def test_legacy_relayer_store_upgraded(tmp_path: Path) -> None:
    """A relayer store written by the sqlite3 code before zkcollat.db: same tables, no id."""
    path = tmp_path / "relayer.sqlite"
    conn = sqlite3.connect(path)
    for stmt in (*V1_TABLES, *relayer_store.TABLES):
        conn.execute(stmt)
    conn.execute("INSERT INTO alarm (at, kind, detail) VALUES (1.0, 'old', 'kept')")
    conn.execute("INSERT INTO chain_cursor VALUES (5, 40, x'aa')")
    conn.commit()
    conn.close()
    s = RelayerStore(path, create=False)
    assert s.alarms() == [("old", "kept")]
    assert s.db.version == 2
    assert s.journal.cursor(5) == (40, b"\xaa")  # the main stream's
    assert s.journal.cursor(5, "reports") is None
    s.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == relayer_store.APPLICATION_ID
    conn.close()


def test_legacy_sync_store_upgraded_with_its_deposits(tmp_path: Path) -> None:
    path = tmp_path / "sync.sqlite"
    conn = sqlite3.connect(path)
    for stmt in V1_TABLES:
        conn.execute(stmt)
    conn.execute(
        "CREATE TABLE sync_deposit (chain_id INTEGER NOT NULL, block INTEGER NOT NULL, "
        "tx TEXT NOT NULL, log_index INTEGER NOT NULL, account TEXT NOT NULL, amount TEXT NOT "
        "NULL, state TEXT NOT NULL CHECK (state IN ('intended', 'done')), PRIMARY KEY "
        "(chain_id, block, tx, log_index))"
    )
    conn.execute("CREATE TABLE sync_alarm (id INTEGER PRIMARY KEY, at REAL, detail TEXT)")
    conn.execute("INSERT INTO sync_deposit VALUES (2, 5, '0xab', 0, '0xcd', '100', 'done')")
    conn.commit()
    conn.close()
    s = open_store(path, sync_store.SCHEMA)
    with s.read() as c:
        assert c.execute("SELECT * FROM sync_deposit").fetchall() == [
            (2, 5, "0xab", 0, "0xcd", "100", "done")
        ]
    with s.write() as c:  # the new state is allowed after the upgrade
        c.execute("UPDATE sync_deposit SET state = 'pending'")
    s.close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_version_1_store_gets_stream_cursors(tmp_path: Path, kind: str) -> None:
    """A version-1 file (one cursor per chain) keeps its cursors and hashes as the ``main``
    stream's; other streams start empty."""
    path = tmp_path / "s.sqlite"
    schema = KINDS[kind]
    conn = sqlite3.connect(path)
    for stmt in V1_TABLES:
        conn.execute(stmt)
    conn.execute("INSERT INTO chain_cursor VALUES (5, 40, x'aa')")
    conn.execute("INSERT INTO chain_block VALUES (5, 40, x'aa')")
    conn.execute(f"PRAGMA application_id = {schema.application_id}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    s = open_store(path, schema)

    j = ChainJournal(s)
    assert j.cursor(5) == (40, b"\xaa") and j.block_hash(5, 40) == b"\xaa"
    assert j.cursor(5, "reports") is None
    j.set_cursor(5, 41, b"\xbb", "reports")
    assert j.cursor(5) == (40, b"\xaa")
    s.close()


def test_version_2_sync_store_upgraded_with_its_reports_and_alarms(tmp_path: Path) -> None:
    """Version 3 counts a lock report's attempts and may give it up (``failed``); alarms get a
    kind. A version-2 file keeps its rows: attempts from zero, old alarms of kind 'alarm'."""
    path = tmp_path / "sync.sqlite"
    conn = sqlite3.connect(path)
    for stmt in JOURNAL_TABLES:
        conn.execute(stmt)
    conn.execute("CREATE TABLE sync_alarm (id INTEGER PRIMARY KEY, at REAL, detail TEXT)")
    conn.execute(
        "CREATE TABLE sync_report (tx TEXT NOT NULL, log_index INTEGER NOT NULL, block INTEGER "
        "NOT NULL, block_hash BLOB NOT NULL, lock_id INTEGER NOT NULL, signatures TEXT NOT NULL "
        "DEFAULT '{}', state TEXT NOT NULL CHECK (state IN ('pending', 'intended', 'done', "
        "'reorged', 'refused')), detail TEXT, PRIMARY KEY (tx, log_index, block_hash))"
    )
    conn.execute("INSERT INTO sync_report VALUES ('0xab', 0, 5, x'aa', 7, '{}', 'pending', NULL)")
    conn.execute("INSERT INTO sync_alarm (at, detail) VALUES (1.0, 'member_misbehaved: m')")
    conn.execute(f"PRAGMA application_id = {sync_store.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    s = open_store(path, sync_store.SCHEMA)
    assert s.version == 3
    with s.read() as c:
        assert c.execute(
            "SELECT tx, lock_id, state, attempts, retry_at FROM sync_report"
        ).fetchall() == [("0xab", 7, "pending", 0, 0)]
        assert c.execute("SELECT kind, detail FROM sync_alarm").fetchall() == [
            ("alarm", "member_misbehaved: m")
        ]
    with s.write() as c:  # the new state is allowed after the upgrade
        c.execute("UPDATE sync_report SET state = 'failed', attempts = 8")
    s.close()
