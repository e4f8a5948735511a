"""Keystores and the transaction journal, without a node."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from zkcollat.chain import (
    JournalError,
    KeystoreError,
    KeystoreRef,
    create_keystore,
    load_account,
    open_journal,
)


def test_keystore_roundtrip_and_development_mark(tmp_path: Path) -> None:
    ks, pw = tmp_path / "k.json", tmp_path / "k.password"
    addr = create_keystore(ks, pw, private_key=bytes(31) + b"\x07")
    assert stat.S_IMODE(ks.stat().st_mode) == 0o600
    assert stat.S_IMODE(pw.stat().st_mode) == 0o600
    acct = load_account(KeystoreRef(ks, pw))
    assert acct.address == addr and acct.development
    assert acct.account.key == bytes(31) + b"\x07"
    secret = (bytes(31) + b"\x07").hex()
    assert secret not in ks.read_text() and "ciphertext" in json.loads(ks.read_text())["crypto"]


def test_keystore_refuses_overwrite_wrong_password_and_garbage(tmp_path: Path) -> None:
    ks, pw = tmp_path / "k.json", tmp_path / "k.password"
    create_keystore(ks, pw)
    with pytest.raises(KeystoreError, match="already exists"):
        create_keystore(ks, pw)
    bad = tmp_path / "bad.password"
    bad.write_text("nope\n")
    with pytest.raises(KeystoreError, match="does not open"):
        load_account(KeystoreRef(ks, bad))
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    with pytest.raises(KeystoreError, match="not JSON"):
        load_account(KeystoreRef(junk, pw))
    junk.write_text("{}")
    with pytest.raises(KeystoreError, match="no 'crypto'"):
        load_account(KeystoreRef(junk, pw))
    with pytest.raises(KeystoreError, match="cannot read keystore"):
        load_account(KeystoreRef(tmp_path / "missing.json", pw))
    for hostile, why in (
        (b"[" * 200_000, "nested deeper"),
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"crypto": ' + b"9" * 5000 + b"}", "digits"),
    ):
        junk.write_bytes(hostile)
        with pytest.raises(KeystoreError, match=why):
            load_account(KeystoreRef(junk, pw))


def test_keystore_password_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ks, pw = tmp_path / "k.json", tmp_path / "k.password"
    addr = create_keystore(ks, pw)
    monkeypatch.delenv("ZKCOLLAT_KEYSTORE_PASSWORD", raising=False)
    with pytest.raises(KeystoreError, match="no password"):
        load_account(KeystoreRef(ks, None))
    monkeypatch.setenv("ZKCOLLAT_KEYSTORE_PASSWORD", pw.read_text().strip())
    assert load_account(KeystoreRef(ks, None)).address == addr


def test_keystore_ref_json_relative_to_base(tmp_path: Path) -> None:
    ref = KeystoreRef.from_json({"keystore": "a.json", "passwordFile": "a.pw"}, tmp_path)
    assert ref.keystore == tmp_path / "a.json" and ref.password_file == tmp_path / "a.pw"
    with pytest.raises(KeystoreError):
        KeystoreRef.from_json({"key": "0x11"}, tmp_path)


def test_journal_one_live_transaction_per_key(tmp_path: Path) -> None:
    j = open_journal(tmp_path / "j.sqlite")
    a = j.record_intended(5, "seize", "v:1:0", "0xaa", 0, b"\x01" * 32, b"raw", 1.0)
    assert (a.state, a.attempt) == ("intended", 0)
    with pytest.raises(JournalError, match="already has a live transaction"):
        j.record_intended(5, "seize", "v:1:0", "0xaa", 1, b"\x02" * 32, b"raw", 1.0)
    j.mark(a.id, "sent")
    with pytest.raises(JournalError, match="already has a live transaction"):
        j.record_intended(5, "seize", "v:1:0", "0xaa", 1, b"\x02" * 32, b"raw", 1.0)
    # only a dropped attempt allows another one, and the other chain is independent
    j.mark(a.id, "dropped")
    b = j.record_intended(5, "seize", "v:1:0", "0xaa", 1, b"\x02" * 32, b"raw", 2.0)
    assert b.attempt == 1
    j.record_intended(6, "seize", "v:1:0", "0xaa", 0, b"\x03" * 32, b"raw", 2.0)
    assert j.next_nonce(5, "0xaa") == 2
    m = j.mark(b.id, "mined", block=9, status=1, gas_used=21000, now=3.0)
    assert j.next_nonce(5, "0xaa") == 0  # mined nonces are the node's to count
    assert (m.block, m.status, m.gas_used, m.mined_at) == (9, 1, 21000, 3.0)
    assert j.mined_duplicates() == []
    assert [r.id for r in j.open_txs(6, "0xaa")] == [3]


def test_journal_cursor_and_block_hashes(tmp_path: Path) -> None:
    j = open_journal(tmp_path / "j.sqlite")
    assert j.cursor(1) is None
    with j.store.write():
        j.set_cursor(1, 10, b"\xaa" * 32)
    j.set_cursor(1, 600, b"\xbb" * 32)
    assert j.cursor(1) == (600, b"\xbb" * 32)
    assert j.block_hash(1, 10) is None  # pruned: older than 512 blocks behind
    assert j.block_hash(1, 600) == b"\xbb" * 32
    j.close()
    j2 = open_journal(tmp_path / "j.sqlite", create=False)
    assert j2.cursor(1) == (600, b"\xbb" * 32)


def test_journal_intended_commits_on_its_own(tmp_path: Path) -> None:
    j = open_journal(tmp_path / "j.sqlite")
    with pytest.raises(JournalError, match="in its own commit"), j.store.write():
        j.set_cursor(1, 5, b"\x01" * 32)
        j.record_intended(5, "seize", "v:1:0", "0xaa", 0, b"\x01" * 32, b"raw", 1.0)
    assert j.cursor(1) is None and j.all_txs() == []  # the whole transaction rolled back
    j.close()


def test_journal_cursors_per_stream(tmp_path: Path) -> None:
    """Two streams of one chain (roots' depth, report depth) keep their own cursor and hashes."""
    j = open_journal(tmp_path / "j.sqlite")
    j.set_cursor(1, 10, b"\xaa" * 32)
    j.set_cursor(1, 14, b"\xcc" * 32, "reports")
    j.set_cursor(2, 3, b"\xdd" * 32, "reports")
    assert j.cursor(1) == (10, b"\xaa" * 32) == j.cursor(1, "main")
    assert j.cursor(1, "reports") == (14, b"\xcc" * 32)
    assert j.cursor(2) is None and j.cursor(2, "reports") == (3, b"\xdd" * 32)
    assert j.block_hash(1, 14) is None and j.block_hash(1, 14, "reports") == b"\xcc" * 32
    for n in (15, 16):
        j.set_cursor(1, n, bytes([n]) * 32, "reports")
    assert [n for n, _ in j.block_hashes(1, "reports")] == [16, 15, 14]
    j.set_cursor(1, 14, b"\xcc" * 32, "reports")  # a rewind forgets the blocks above
    assert j.block_hashes(1, "reports") == [(14, b"\xcc" * 32)]
    assert j.block_hashes(1) == [(10, b"\xaa" * 32)]
    j.close()
    j2 = open_journal(tmp_path / "j.sqlite", create=False)
    assert j2.cursor(1, "reports") == (14, b"\xcc" * 32) and j2.cursor(1) == (10, b"\xaa" * 32)
    j2.close()
