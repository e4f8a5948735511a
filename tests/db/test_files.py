"""Atomic writes: whole or nothing, modes by the umask (public) or 0600 (secret)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from zkcollat.db import (
    FileExists,
    atomic_write,
    atomic_write_all,
    atomic_write_json,
    atomic_write_json_all,
)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_public_files_follow_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        atomic_write_json(tmp_path / "public.json", ["1"])
        atomic_write(tmp_path / "key.hex", "0x01", secret=True)
        atomic_write_all([(tmp_path / "a.json", "1"), (tmp_path / "b.json", b"2")])
    finally:
        os.umask(old)
    assert _mode(tmp_path / "public.json") == 0o666 & ~mask
    assert _mode(tmp_path / "key.hex") == 0o600
    assert _mode(tmp_path / "a.json") == _mode(tmp_path / "b.json") == 0o666 & ~mask


def test_replace_and_no_clobber(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    atomic_write(p, "one")
    atomic_write(p, "two")
    assert p.read_text() == "two"
    with pytest.raises(FileExists):
        atomic_write(p, "three", overwrite=False)
    assert p.read_text() == "two"
    assert [q.name for q in tmp_path.iterdir()] == ["f.txt"]  # no temporary left behind


def test_failed_write_leaves_old_file(tmp_path: Path) -> None:
    p = tmp_path / "f.json"
    atomic_write_json(p, {"a": 1})
    with pytest.raises(TypeError):
        atomic_write_json(p, {"a": object()})
    assert p.read_text() == '{\n "a": 1\n}\n'
    assert [q.name for q in tmp_path.iterdir()] == ["f.json"]


def test_several_files_written_as_one_each(tmp_path: Path) -> None:
    """``atomic_write_all``: every file written whole (replacing the old one), in any
    folders, the same JSON as ``atomic_write_json``; the same path twice: the later wins."""
    (tmp_path / "sub").mkdir()
    proof, public, other = tmp_path / "p.json", tmp_path / "sub" / "pub.json", tmp_path / "o"
    proof.write_text("old")
    atomic_write_json_all([(proof, {"a": [1]}), (public, ["2"])])
    atomic_write_json(other, {"a": [1]})
    assert proof.read_text() == other.read_text() == '{\n "a": [\n  1\n ]\n}\n'
    assert json.loads(public.read_text()) == ["2"]
    atomic_write_all([(other, "x"), (other, b"y")])
    atomic_write_all([])
    assert other.read_text() == "y"
    assert sorted(q.name for q in tmp_path.rglob("*")) == ["o", "p.json", "pub.json", "sub"]


def test_several_files_none_touched_when_one_cannot_be_written(tmp_path: Path) -> None:
    """A file that cannot be written (its folder is missing) fails the whole call before
    any target is replaced; the first failure in the order given is raised; no temporary
    file is left behind."""
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text("old")
    with pytest.raises(FileNotFoundError) as e:
        atomic_write_all(
            [(first, "new"), (tmp_path / "no" / "x", "a"), (tmp_path / "nah" / "y", "b"),
             (second, "new")]
        )
    assert "/no" in str(e.value) and "/nah" not in str(e.value)
    assert first.read_text() == "old" and not second.exists()
    assert [q.name for q in tmp_path.iterdir()] == ["first.json"]
    with pytest.raises(TypeError):
        atomic_write_json_all([(first, {"a": object()})])
    assert first.read_text() == "old"
