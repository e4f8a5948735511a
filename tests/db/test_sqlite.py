"""The storage module: kinds, versions, refusals, transactions, corruption -> project errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from zkcollat.db import Schema, create_tables, open_store
from zkcollat.errors import NotAStore, StoreCorrupted, StoreError, VaultError
from zkcollat.vault.errors import NotAVault

APP = int.from_bytes(b"zkcV", "big")


def _schema(version: int = 2, **kw: object) -> Schema:
    migrations = {1: lambda c: c.execute("ALTER TABLE t ADD COLUMN y INTEGER")}
    return Schema(
        "vault", APP, version, create_tables(["CREATE TABLE t (x INTEGER, y INTEGER)"]),
        migrations=migrations, not_a_store=NotAVault, **kw,  # type: ignore[arg-type]
    )


def test_create_then_reopen(tmp_path: Path) -> None:
    p = tmp_path / "a.sqlite"
    s = open_store(p, _schema(), create=True)
    with s.write() as c:
        c.execute("INSERT INTO t VALUES (1, 2)")
    s.close()
    s = open_store(p, _schema())
    assert s.version == 2
    with s.read() as c:
        assert c.execute("SELECT * FROM t").fetchall() == [(1, 2)]
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.close()


def test_missing_file_is_not_created_without_create(tmp_path: Path) -> None:
    with pytest.raises(NotAVault, match="does not exist"):
        open_store(tmp_path / "none.sqlite", _schema())
    assert not (tmp_path / "none.sqlite").exists()


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"hello world, not a database at all", "not a SQLite database"),
        (b"\x00" * 4096, "not a SQLite database"),
    ],
)
def test_existing_non_store_is_never_initialised(tmp_path: Path, content: bytes,
                                                 reason: str) -> None:
    p = tmp_path / "x.sqlite"
    p.write_bytes(content)
    for create in (False, True):
        with pytest.raises(NotAVault, match=reason) as e:
            open_store(p, _schema(), create=create)
        assert isinstance(e.value, VaultError) and isinstance(e.value, NotAStore)
        assert p.read_bytes() == content  # untouched


def test_foreign_and_other_kind_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.sqlite"
    c = sqlite3.connect(foreign)
    c.execute("CREATE TABLE people (name TEXT)")
    c.commit()
    c.close()
    with pytest.raises(NotAVault, match="another program"):
        open_store(foreign, _schema(), create=True)
    venue = tmp_path / "venue.sqlite"
    s = open_store(venue, Schema("venue", int.from_bytes(b"zkcM", "big"), 1,
                                 create_tables(["CREATE TABLE v (a)"])), create=True)
    s.close()
    with pytest.raises(NotAVault, match="is a zkcollat venue, not a vault"):
        open_store(venue, _schema())


def test_migration_and_newer_version(tmp_path: Path) -> None:
    p = tmp_path / "m.sqlite"
    s = open_store(p, Schema("vault", APP, 1, create_tables(["CREATE TABLE t (x INTEGER)"])),
                   create=True)
    s.close()
    s = open_store(p, _schema(2))
    assert s.version == 2
    with s.read() as c:
        assert [r[1] for r in c.execute("PRAGMA table_info(t)")] == ["x", "y"]
    s.close()
    with pytest.raises(NotAVault, match="newer than this release"):
        open_store(p, _schema(1))
    with pytest.raises(NotAVault, match="cannot upgrade"):
        open_store(p, Schema("vault", APP, 4, create_tables([]), not_a_store=NotAVault))


def test_write_rolls_back_on_error(tmp_path: Path) -> None:
    s = open_store(tmp_path / "r.sqlite", _schema(), create=True)
    with pytest.raises(RuntimeError), s.write() as c:
        c.execute("INSERT INTO t VALUES (1, 1)")
        raise RuntimeError("boom")
    with s.read() as c:
        assert c.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    with pytest.raises(StoreError, match="no such table"), s.write() as c:
        c.execute("INSERT INTO nope VALUES (1)")


def test_read_transaction_is_one_snapshot(tmp_path: Path) -> None:
    p = tmp_path / "snap.sqlite"
    a = open_store(p, _schema(), create=True)
    b = open_store(p, _schema())
    with b.read() as rc:
        assert rc.execute("SELECT count(*) FROM t").fetchone()[0] == 0
        with a.write() as wc:  # WAL: the writer is not blocked by the reader
            wc.execute("INSERT INTO t VALUES (1, 1)")
        assert rc.execute("SELECT count(*) FROM t").fetchone()[0] == 0  # still its snapshot
    with b.read() as rc:
        assert rc.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_damaged_pages_are_store_corrupted(tmp_path: Path) -> None:
    p = tmp_path / "d.sqlite"
    s = open_store(p, _schema(), create=True)
    with s.write() as c:
        c.execute("CREATE TABLE big (b BLOB)")
        c.executemany("INSERT INTO big VALUES (?)", [(bytes(3000),) for _ in range(50)])
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    raw = bytearray(p.read_bytes())
    for off in range(4096 + 100, len(raw), 4096):  # scribble over every page but the first
        raw[off : off + 64] = b"\xff" * 64
    p.write_bytes(bytes(raw))
    with pytest.raises(StoreCorrupted, match="damaged"):
        open_store(p, _schema())


def test_truncated_file_is_store_corrupted_or_refused(tmp_path: Path) -> None:
    p = tmp_path / "t.sqlite"
    s = open_store(p, _schema(), create=True)
    with s.write() as c:
        c.executemany("INSERT INTO t VALUES (?, ?)", [(i, i) for i in range(5000)])
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(StoreError):
        open_store(p, _schema())


def _schema_text_not_utf8(p: Path) -> None:
    """A store whose schema (the SQL text SQLite keeps in its first page) has a byte that is
    not UTF-8: SQLite's error message then quotes it, and Python cannot decode the message."""
    s = open_store(p, _schema(), create=True)
    with s.write() as c:
        c.execute("CREATE TABLE later (v TEXT)")
        c.execute("INSERT INTO later VALUES ('x')")
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    raw = p.read_bytes()
    at = raw.index(b"tablelaterlater") + len(b"table")  # the name in sqlite_master's row
    p.write_bytes(raw[:at] + b"\xcb" + raw[at + 1 :])


def test_schema_text_not_utf8_is_store_corrupted(tmp_path: Path) -> None:
    """Found by the CLI fuzzer (``vault root`` on a vault with one byte of its schema changed
    to 0xcb): a UnicodeDecodeError out of sqlite3, reported as an internal error. It is the
    schema's damaged-store error, naming the file, whatever call meets it first."""
    p = tmp_path / "u.sqlite"
    _schema_text_not_utf8(p)
    with pytest.raises(StoreCorrupted, match=r"u\.sqlite' is damaged \(.*not UTF-8"):
        open_store(p, _schema())


def test_text_not_utf8_inside_a_transaction_is_store_corrupted(tmp_path: Path) -> None:
    p = tmp_path / "v.sqlite"
    s = open_store(p, _schema(), create=True)
    with s.write() as c:
        c.execute("CREATE TABLE later (v TEXT)")
    with pytest.raises(StoreCorrupted, match="damaged"), s.read() as c:
        b"\xcb".decode("utf-8")  # as sqlite3 raises it from a message it quotes
    with pytest.raises(StoreCorrupted, match="damaged"), s.write() as c:
        c.execute("INSERT INTO later VALUES ('kept?')")
        b"\xcb".decode("utf-8")
    with s.read() as c:
        assert c.execute("SELECT count(*) FROM later").fetchone()[0] == 0  # rolled back
    s.close()
