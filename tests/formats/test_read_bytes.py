"""``limits.read_bytes``: a file read whole, bounded before and while it is read."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

from zkcollat.formats import limits
from zkcollat.formats.limits import LimitError


def test_a_small_file_under_a_huge_limit_is_read_without_allocating_the_limit(
    tmp_path: Path,
) -> None:
    # 1 TiB: a read of the limit at once would raise MemoryError (or take the machine's RAM)
    p = tmp_path / "k.zkey"
    p.write_bytes(b"zkey" + bytes(range(256)) * 40)
    assert limits.read_bytes(p, ".zkey", 1 << 40) == p.read_bytes()


def test_an_empty_file_is_empty(tmp_path: Path) -> None:
    p = tmp_path / "e"
    p.write_bytes(b"")
    assert limits.read_bytes(p, "x", 10) == b""


def test_a_file_above_the_limit_is_refused_unread(tmp_path: Path) -> None:
    p = tmp_path / "big"
    p.write_bytes(b"x" * 11)
    with pytest.raises(LimitError, match=r"x file .* is 11 bytes, above the limit of 10"):
        limits.read_bytes(p, "x", 10)
    p.write_bytes(b"x" * 10)
    assert limits.read_bytes(p, "x", 10) == b"x" * 10


def test_a_pipe_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = os.urandom(3 << 20)  # read in several steps: the size of a pipe is 0

    def feed() -> None:
        # the reader stops at its limit: the rest of the write meets a closed pipe
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb", buffering=0) as f:
            f.write(data)

    t = threading.Thread(target=feed)
    t.start()
    with pytest.raises(LimitError, match="larger than the limit of 2097152 bytes"):
        limits.read_bytes(fifo, "x", 2 << 20)
    t.join()

    t = threading.Thread(target=feed)
    t.start()
    assert limits.read_bytes(fifo, "x", 4 << 20) == data
    t.join()


def test_missing_and_folder_named(tmp_path: Path) -> None:
    with pytest.raises(LimitError, match="does not exist"):
        limits.read_bytes(tmp_path / "nope", "x", 10)
    with pytest.raises(LimitError, match="is a folder"):
        limits.read_bytes(tmp_path, "x", 10)
