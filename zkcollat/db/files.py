"""Atomic file writes: a temporary file in the target's folder, fsync, rename, fsync the folder.

A reader (or a crash) sees either the old file or the whole new one, never half of it.
Modes: a public output (proof, key, snapshot, Solidity) gets ``0666 & ~umask`` like any file
the user's tools write (``0644`` under the usual umask); a secret (``secret=True``: signing keys,
private keys) gets ``0600`` from the moment it exists.

    atomic_write("proof.json", text)                       # replace if present
    atomic_write("k1.key", hex_secret, secret=True, overwrite=False)
    atomic_write_json("public.json", ["1", "2"])
    atomic_write_json_all([("proof.json", proof), ("public.json", public)])  # fsyncs at once
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Sequence
from typing import Any

from zkcollat.errors import ZkcollatError

SECRET_MODE = 0o600

_umask_lock = threading.Lock()


class FileExists(ZkcollatError, FileExistsError):
    """``overwrite=False`` and the target already exists."""


def cache_dir() -> str:
    """Where zkcollat keeps what it can rebuild or re-check (converted keys, verification
    records): ``$ZKCOLLAT_CACHE``, else ``$XDG_CACHE_HOME/zkcollat`` (``~/.cache/zkcollat``).

    A string, not a ``pathlib.Path``: this module is on the path of ``zkcollat prove --zkey
    --wtns``, whose whole process is benchmarked, and importing pathlib (with urllib.parse and
    ipaddress) costs ~5 ms there."""
    root = os.environ.get("ZKCOLLAT_CACHE")
    if root:
        return root
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "zkcollat")


def cache_file(*parts: str) -> str:
    """The path of an entry under :func:`cache_dir` (``cache_file("zkey", "h", name)``)."""
    return os.path.join(cache_dir(), *parts)


def write_cache_file(path: str, data: bytes | str) -> None:
    """Write a cache entry atomically (:func:`atomic_write`), creating its folders first."""
    make_folder_for(path)
    atomic_write(path, data)


def make_folder_for(path: str | os.PathLike[str]) -> None:
    """Create the folders above ``path`` (none is an error if they exist)."""
    os.makedirs(_folder_of(path), exist_ok=True)


def _folder_of(path: str | os.PathLike[str]) -> str:
    """The folder holding ``path`` (``.`` for a bare file name, as ``Path.parent``)."""
    return os.path.dirname(os.fspath(path)) or "."


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
    target = os.fspath(path)
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if not overwrite and os.path.lexists(target):
        raise FileExists(f"{os.fspath(path)!r} already exists (refusing to overwrite)")
    tmp = _staged(target, raw, SECRET_MODE if secret else public_mode())
    try:
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
    _fsync_folder(_folder_of(target))


def atomic_write_all(files: Sequence[tuple[str | os.PathLike[str], bytes | str]]) -> None:
    """Write several public files, each atomically as :func:`atomic_write` does (replacing
    any file there), in about the time of one: every temporary file is written and fsynced
    at the same time (a thread each: an fsync waits on the disk, not on the processor), then
    each is renamed into place, in order, and each folder fsynced once. A reader or a crash
    sees each file old or whole; when a temporary file cannot be written, no target is
    touched (the first failure, in the order given, is raised)."""
    items = [(os.fspath(p), d.encode() if isinstance(d, str) else bytes(d)) for p, d in files]
    mode = public_mode()
    temps: dict[int, str] = {}
    failed: dict[int, BaseException] = {}

    def stage(i: int) -> None:
        try:
            temps[i] = _staged(*items[i], mode)
        except BaseException as e:  # raised by the caller's thread, below
            failed[i] = e

    threads = [threading.Thread(target=stage, args=(i,)) for i in range(1, len(items))]
    for t in threads:
        t.start()
    if items:
        stage(0)
    for t in threads:
        t.join()
    try:
        if failed:
            raise failed[min(failed)]
        for i, (target, _) in enumerate(items):
            os.replace(temps.pop(i), target)
    finally:
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    for folder in dict.fromkeys(_folder_of(target) for target, _ in items):
        _fsync_folder(folder)


def _staged(target: str, raw: bytes, mode: int) -> str:
    """A temporary file in ``target``'s folder holding ``raw``, with ``mode``, fsynced: its
    name (removed again when any step fails)."""
    fd, tmp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as f:  # created 0600: a secret is never readable
            os.fchmod(f.fileno(), mode)
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _create_temp(target: str) -> tuple[int, str]:
    """A new file ``.NAME.RANDOM.tmp`` beside ``target`` (96 random bits from the OS), created
    as ``tempfile.mkstemp`` creates one: mode 0600, ``O_EXCL`` so that an existing file, or a
    link planted under the name, is never opened (another name is drawn), ``O_NOFOLLOW`` and
    ``O_CLOEXEC``. Written here because importing tempfile (with shutil, random, bz2, lzma)
    costs ~5 ms of the benchmarked ``prove --zkey --wtns`` process."""
    folder, name = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{os.urandom(12).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target!r}")


def atomic_write_json(
    path: str | os.PathLike[str], obj: Any, *, secret: bool = False, overwrite: bool = True
) -> None:
    """``obj`` as indented JSON plus a newline, written with :func:`atomic_write`."""
    atomic_write(path, json_text(obj), secret=secret, overwrite=overwrite)


def atomic_write_json_all(files: Sequence[tuple[str | os.PathLike[str], Any]]) -> None:
    """Several objects as :func:`atomic_write_json` writes one, with :func:`atomic_write_all`."""
    atomic_write_all([(path, json_text(obj)) for path, obj in files])


def json_text(obj: Any) -> str:
    """What the JSON writers write: ``obj`` indented by one space, and a newline."""
    return json.dumps(obj, indent=1) + "\n"


def _fsync_folder(folder: str) -> None:
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
