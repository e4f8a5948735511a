from __future__ import annotations

import inspect

import pytest

from zkcollat.attest import errors as E
from zkcollat.attest.attestation import SignedAttestation
from zkcollat.attest.committee import Committee
from zkcollat.attest.db import connect, transaction
from zkcollat.errors import AttestationError, EncodingError


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
    conn = connect()
    conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    assert not conn.in_transaction


def test_nested_transaction_is_a_savepoint() -> None:
    conn = connect()
    conn.execute("CREATE TABLE t (x INTEGER)")
    with transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError), transaction(conn):
            conn.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("inner")
        conn.execute("INSERT INTO t VALUES (3)")
    assert [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")] == [1, 3]
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO t VALUES (4)")
        with transaction(conn):
            conn.execute("INSERT INTO t VALUES (5)")
        raise RuntimeError("outer")
    assert [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")] == [1, 3]


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
