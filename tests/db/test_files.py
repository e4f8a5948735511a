"""Atomic writes: whole or nothing, modes by the umask (public) or 0600 (secret)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from zkcollat.db import FileExists, atomic_write, atomic_write_json


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_public_files_follow_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        atomic_write_json(tmp_path / "public.json", ["1"])
        atomic_write(tmp_path / "key.hex", "0x01", secret=True)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "public.json") == 0o666 & ~mask
    assert _mode(tmp_path / "key.hex") == 0o600


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
