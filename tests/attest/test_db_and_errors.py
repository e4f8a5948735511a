from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from zkcollat.attest import errors as E
from zkcollat.attest.attestation import SignedAttestation
from zkcollat.attest.committee import Committee
from zkcollat.attest.db import open_registry_store
from zkcollat.attest.registry import RegistryConfig, RootRegistry
from zkcollat.db import Store
from zkcollat.errors import AttestationError, EncodingError, NotARegistry, StoreError

CONFIG = RegistryConfig(42161, "0x" + "ab" * 20, ((1, "0x" + "11" * 20),))
COMMITTEE = Committee(0, ("0x" + "01" * 20, "0x" + "02" * 20, "0x" + "03" * 20), 2)


def test_every_rule_has_its_own_error_class() -> None:
    classes = [
        c
        for _, c in inspect.getmembers(E, inspect.isclass)
        if issubclass(c, E.AttestationRuleError) and c is not E.AttestationRuleError
    ]
    rules = [c.rule for c in classes]
    assert len(rules) == len(set(rules)) >= 14
    assert all(issubclass(c, AttestationError) for c in classes)


def test_transaction_rolls_back_everything() -> None:
    store = open_registry_store()
    conn = store.conn
    conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), store.write():
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    assert not conn.in_transaction


def test_nested_transaction_is_a_savepoint() -> None:
    store = open_registry_store()
    conn = store.conn
    conn.execute("CREATE TABLE t (x INTEGER)")
    with store.write():
        conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError), store.write():
            conn.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("inner")
        conn.execute("INSERT INTO t VALUES (3)")
    assert [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")] == [1, 3]
    with pytest.raises(RuntimeError), store.write():
        conn.execute("INSERT INTO t VALUES (4)")
        with store.write():
            conn.execute("INSERT INTO t VALUES (5)")
        raise RuntimeError("outer")
    assert [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")] == [1, 3]


def test_registry_file_is_a_zkcollat_store(tmp_path: Path) -> None:
    from zkcollat.db import open_store
    from zkcollat.margin.store import SCHEMA as VENUE_SCHEMA

    path = tmp_path / "registry.sqlite"
    reg = RootRegistry(open_registry_store(path), CONFIG, COMMITTEE)
    reg.store.close()
    head = path.read_bytes()[:100]
    assert head[68:72] == b"zkcR"  # PRAGMA application_id: a root registry
    again = RootRegistry(open_registry_store(path, create=False), CONFIG)
    assert again.committee() == COMMITTEE
    again.store.close()
    # files that are not a registry are refused, untouched, and never initialised over
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    text = tmp_path / "text.sqlite"
    text.write_text("not a database\n")
    venue = tmp_path / "venue.sqlite"
    open_store(venue, VENUE_SCHEMA, create=True).close()
    for bad in (empty, text, venue):
        before = bad.read_bytes()
        with pytest.raises(NotARegistry, match=str(bad.name)):
            open_registry_store(bad)
        assert bad.read_bytes() == before
    with pytest.raises(StoreError, match="does not exist"):
        open_registry_store(tmp_path / "missing.sqlite", create=False)


def test_registry_file_of_the_previous_release_opens(tmp_path: Path) -> None:
    """A registry file made before stores carried an application id (plain SQLite, the
    registry's tables): recognised by its tables and opened."""
    import sqlite3

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    RootRegistry(_raw_store(conn), CONFIG, COMMITTEE)
    conn.close()
    reg = RootRegistry(open_registry_store(path, create=False), CONFIG)
    assert reg.committee() == COMMITTEE


def _raw_store(conn: object) -> Store:
    from zkcollat.attest.db import REGISTRY_FILE

    return Store(conn, ":memory:", REGISTRY_FILE)  # type: ignore[arg-type]


def test_committee_json_round_trip() -> None:
    c = Committee(3, ("0x" + "01" * 20, "0x" + "02" * 20, "0x" + "03" * 20), 2)
    assert Committee.from_json(c.to_json()) == c
    with pytest.raises(E.CommitteeConfigError):
        Committee.from_json({"epoch": 0})


def test_malformed_bundle_json() -> None:
    with pytest.raises(EncodingError):
        SignedAttestation.from_json({"attestation": {}, "domain": {}, "signatures": []})
    with pytest.raises(EncodingError):
        SignedAttestation.from_json({"signatures": ["0xzz"]})
