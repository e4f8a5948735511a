"""Storage in one place: SQLite stores (:mod:`zkcollat.db.sqlite`) and atomic file writes
(:mod:`zkcollat.db.files`). Below every layer that keeps state (vault, attestations, venue);
imports only :mod:`zkcollat.errors`.

The interface, all of it:

- :class:`Schema` (kind, application id, version, ``create``, ``migrations``) and
  :func:`open_store` (``create=True`` for a new file) give a :class:`Store`;
- ``store.write()`` (``BEGIN IMMEDIATE`` ... ``COMMIT``) and ``store.read()`` (one snapshot)
  are the only ways to touch its connection;
- :func:`atomic_write` / :func:`atomic_write_json` write files (``secret=True``: mode 0600);
  :func:`atomic_write_all` / :func:`atomic_write_json_all` several public ones, fsynced at
  once; :func:`cache_dir` is where the cache lives (``$ZKCOLLAT_CACHE``).
"""

from typing import TYPE_CHECKING, Any

from zkcollat.db.files import (
    FileExists,
    atomic_write,
    atomic_write_all,
    atomic_write_json,
    atomic_write_json_all,
    cache_dir,
    cache_file,
    make_folder_for,
    public_mode,
    write_cache_file,
)

if TYPE_CHECKING:
    from zkcollat.db.sqlite import (
        APPLICATION_IDS,
        QUICK_CHECK_MAX_BYTES,
        Schema,
        Store,
        create_tables,
        open_store,
        quick_check,
        translate,
    )

#: The SQLite half loads on first use: a command that only writes files (``zkcollat prove``)
#: does not import ``sqlite3``.
_SQLITE = frozenset(
    {
        "APPLICATION_IDS",
        "QUICK_CHECK_MAX_BYTES",
        "Schema",
        "Store",
        "create_tables",
        "open_store",
        "quick_check",
        "translate",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SQLITE:
        from zkcollat.db import sqlite

        return getattr(sqlite, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "APPLICATION_IDS",
    "QUICK_CHECK_MAX_BYTES",
    "FileExists",
    "Schema",
    "Store",
    "atomic_write",
    "atomic_write_all",
    "atomic_write_json",
    "atomic_write_json_all",
    "cache_dir",
    "cache_file",
    "make_folder_for",
    "write_cache_file",
    "create_tables",
    "open_store",
    "public_mode",
    "quick_check",
    "translate",
]
