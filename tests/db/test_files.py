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


def test_a_planted_temporary_name_is_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary file is created exclusively: a file and a symbolic link (to a file
    outside) already sitting under the first name drawn are left untouched, another name is
    drawn, and the target is written; a secret's temporary file is 0600 from its creation."""
    import zkcollat.db.files as files

    outside = tmp_path / "outside"
    outside.write_text("not yours")
    draws = iter([b"\x01" * 12, b"\x01" * 12, b"\x02" * 12])
    monkeypatch.setattr(files.os, "urandom", lambda n: next(draws))
    planted = tmp_path / f".k.hex.{'01' * 12}.tmp"
    planted.symlink_to(outside)
    atomic_write(tmp_path / "k.hex", "0x02", secret=True)
    assert (tmp_path / "k.hex").read_text() == "0x02" and _mode(tmp_path / "k.hex") == 0o600
    assert outside.read_text() == "not yours" and planted.is_symlink()
    assert sorted(q.name for q in tmp_path.iterdir()) == sorted(
        ["outside", "k.hex", planted.name]
    )


def test_no_free_name_is_an_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every name drawn taken (a broken random source): refused, the target untouched."""
    import zkcollat.db.files as files

    monkeypatch.setattr(files.os, "urandom", lambda n: b"\x07" * n)
    (tmp_path / f".f.txt.{'07' * 12}.tmp").write_text("taken")
    with pytest.raises(FileExistsError, match="no free temporary name"):
        atomic_write(tmp_path / "f.txt", "x")
    assert sorted(q.name for q in tmp_path.iterdir()) == [f".f.txt.{'07' * 12}.tmp"]


def test_a_bare_file_name_is_written_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A target with no folder part (``-o p.json``): written beside it, in the working
    folder, whose entry is fsynced (as ``Path('p.json').parent`` is ``.``)."""
    import zkcollat.db.files as files

    synced: list[str] = []
    real = files._fsync_folder
    monkeypatch.setattr(files, "_fsync_folder", lambda f: (synced.append(f), real(f)))
    monkeypatch.chdir(tmp_path)
    atomic_write("p.json", "1")
    atomic_write_all([("a.json", "2"), ("b.json", "3")])
    assert synced == [".", "."]
    assert sorted(q.name for q in tmp_path.iterdir()) == ["a.json", "b.json", "p.json"]
