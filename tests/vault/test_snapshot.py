"""JSON snapshots: round trip (memory and SQLite), determinism, malformed files refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.vault.crash_child import make_locks
from zkcollat.field import R
from zkcollat.vault import Vault
from zkcollat.vault.errors import SnapshotError
from zkcollat.vault.snapshot import load_snapshot, save_snapshot, snapshot_to_json


def _vault() -> Vault:
    v = Vault(5)
    v.insert_many(make_locks(0, 4), block_number=100)
    v.insert_many([], block_number=101)  # a block with no new lock still records its root
    v.insert_many(make_locks(4, 5), block_number=102)
    v.insert_many(make_locks(9, 2))
    return v


def test_round_trip(tmp_path: Path) -> None:
    v = _vault()
    path = tmp_path / "snap.json"
    save_snapshot(v, path)
    text = path.read_text()
    w = load_snapshot(path)
    assert (w.depth, w.size, w.root) == (v.depth, v.size, v.root)
    assert list(w.locks()) == list(v.locks()) and w.block_roots == v.block_roots
    save_snapshot(w, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == text  # deterministic bytes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left
    data = json.loads(text)
    assert data["format"] == "zkcollat-vault-snapshot" and data["root"] == str(v.root)
    # into a SQLite store, then back out
    with load_snapshot(path, store_path=tmp_path / "v.sqlite") as s:
        assert s.root == v.root
    with Vault.open(tmp_path / "v.sqlite") as s:
        assert snapshot_to_json(s) == data
        with pytest.raises(SnapshotError, match="not empty"):
            load_snapshot(path, store_path=tmp_path / "v.sqlite")


def test_hex_addresses_accepted(tmp_path: Path) -> None:
    data = snapshot_to_json(_vault())
    data["locks"][0]["owner"] = "0x" + format(int(data["locks"][0]["owner"]), "040x")
    (tmp_path / "s.json").write_text(json.dumps(data))
    assert load_snapshot(tmp_path / "s.json").root == _vault().root


def _mutations() -> list[tuple[str, Any, str]]:
    def m(f: Any) -> Any:
        return f

    return [
        ("format", m(lambda d: d.update(format="other")), "snapshot.format"),
        ("version", m(lambda d: d.update(version=2)), "snapshot.version"),
        ("depth 0", m(lambda d: d.update(depth=0)), "snapshot.depth"),
        ("depth 33", m(lambda d: d.update(depth=33)), "snapshot.depth"),
        ("depth str", m(lambda d: d.update(depth="5")), "snapshot.depth"),
        ("size", m(lambda d: d.update(size=10)), "snapshot.size = 10"),
        ("root", m(lambda d: d.update(root=str(int(d["root"]) ^ 1))), "recomputed"),
        ("root >= r", m(lambda d: d.update(root=str(int(d["root"]) + R))), "snapshot.root"),
        ("root hex", m(lambda d: d.update(root=hex(int(d["root"])))), "snapshot.root"),
        ("missing key", m(lambda d: d.pop("locks")), "missing keys \\['locks'\\]"),
        ("unknown key", m(lambda d: d.update(extra=1)), "unknown keys \\['extra'\\]"),
        ("locks type", m(lambda d: d.update(locks={})), "JSON array"),
        ("amount range", m(lambda d: d["locks"][3].update(amount=str(1 << 128))),
         "snapshot.locks\\[3\\].amount"),
        ("amount sign", m(lambda d: d["locks"][3].update(amount="-5")),
         "snapshot.locks\\[3\\].amount"),
        ("expiry type", m(lambda d: d["locks"][1].update(expiry=1.0)),
         "snapshot.locks\\[1\\].expiry"),
        ("owner range", m(lambda d: d["locks"][0].update(owner=str(1 << 160))),
         "snapshot.locks\\[0\\].owner"),
        ("lock order", m(lambda d: d["locks"].reverse()), "lockId order"),
        ("lock amount changed", m(lambda d: d["locks"][2].update(amount="1")), "root"),
        ("block root wrong", m(lambda d: d["blockRoots"][0].update(root=d["root"])),
         "block 100"),
        ("block order", m(lambda d: d["blockRoots"].reverse()), "does not increase"),
        ("block size", m(lambda d: d["blockRoots"][2].update(size=99)), "size = 99"),
        ("block shape", m(lambda d: d["blockRoots"][0].pop("size")), "blockRoots\\[0\\]"),
        ("not an object", m(lambda d: d.clear() or d.update(x=[])), "missing keys"),
    ]


@pytest.mark.parametrize(
    ("name", "mutate", "message"), _mutations(), ids=[m[0] for m in _mutations()]
)
def test_malformed_snapshots(tmp_path: Path, name: str, mutate: Any, message: str) -> None:
    data = snapshot_to_json(_vault())
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SnapshotError, match=message) as e:
        load_snapshot(path)
    assert "bad.json" in str(e.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="does not exist"):
        load_snapshot(tmp_path / "missing.json")
    (tmp_path / "t.json").write_text('{"format": ')
    with pytest.raises(SnapshotError, match="not valid JSON"):
        load_snapshot(tmp_path / "t.json")
    (tmp_path / "t.json").write_text("[]")
    with pytest.raises(SnapshotError, match="JSON object"):
        load_snapshot(tmp_path / "t.json")


def test_root_of_thousands_of_digits_is_a_snapshot_error(tmp_path: Path) -> None:
    """Found by the slow fuzz run: a 5,075-digit root string reached int() and Python's own
    4,300-digit limit (a bare ValueError, reported as an internal error)."""
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": "zkcollat-vault-snapshot", "version": 1, "depth": 4,
                                "size": 0, "root": "9" * 5075, "locks": []}))
    with pytest.raises(SnapshotError, match="5075-digit number"):
        load_snapshot(path)
