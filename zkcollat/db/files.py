"""Atomic file writes: a temporary file in the target's folder, fsync, rename, fsync the folder.

A reader (or a crash) sees either the old file or the whole new one, never half of it.
Modes: a public output (proof, key, snapshot, Solidity) gets ``0666 & ~umask`` like any file
the user's tools write (``0644`` under the usual umask); a secret (``secret=True``: signing keys,
private keys) gets ``0600`` from the moment it exists.

    atomic_write("proof.json", text)                       # replace if present
    atomic_write("k1.key", hex_secret, secret=True, overwrite=False)
    atomic_write_json("public.json", ["1", "2"])
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from zkcollat.errors import ZkcollatError

SECRET_MODE = 0o600

_umask_lock = threading.Lock()


class FileExists(ZkcollatError, FileExistsError):
    """``overwrite=False`` and the target already exists."""


def cache_dir() -> Path:
    """Where zkcollat keeps what it can rebuild or re-check (converted keys, verification
    records): ``$ZKCOLLAT_CACHE``, else ``$XDG_CACHE_HOME/zkcollat`` (``~/.cache/zkcollat``)."""
    root = os.environ.get("ZKCOLLAT_CACHE")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "zkcollat"


def umask() -> int:
    """The process's umask (read without leaving it changed)."""
    with _umask_lock:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def public_mode() -> int:
    """The mode a new public file gets: ``0666`` less the umask."""
    return 0o666 & ~umask()


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes | str,
    *,
    secret: bool = False,
    overwrite: bool = True,
) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring).

    ``overwrite=False`` refuses an existing target (:class:`FileExists`), also when it appears
    while the data is being written (the rename is then a hard link, which never replaces).
    """
    target = Path(path)
    folder = target.parent
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if not overwrite and target.exists():
        raise FileExists(f"{os.fspath(path)!r} already exists (refusing to overwrite)")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp made it 0600: a secret is never readable
            os.fchmod(f.fileno(), SECRET_MODE if secret else public_mode())
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise FileExists(
                    f"{os.fspath(path)!r} already exists (refusing to overwrite)"
                ) from None
            os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def atomic_write_json(
    path: str | os.PathLike[str], obj: Any, *, secret: bool = False, overwrite: bool = True
) -> None:
    """``obj`` as indented JSON plus a newline, written with :func:`atomic_write`."""
    atomic_write(path, json.dumps(obj, indent=1) + "\n", secret=secret, overwrite=overwrite)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
