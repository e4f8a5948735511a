"""Storage in one place: SQLite stores (:mod:`zkcollat.db.sqlite`) and atomic file writes
(:mod:`zkcollat.db.files`). Below every layer that keeps state (vault, attestations, venue);
imports only :mod:`zkcollat.errors`.

The interface, all of it:

- :class:`Schema` (kind, application id, version, ``create``, ``migrations``) and
  :func:`open_store` (``create=True`` for a new file) give a :class:`Store`;
- ``store.write()`` (``BEGIN IMMEDIATE`` ... ``COMMIT``) and ``store.read()`` (one snapshot)
  are the only ways to touch its connection;
- :func:`atomic_write` / :func:`atomic_write_json` write files (``secret=True``: mode 0600).
"""

from zkcollat.db.files import FileExists, atomic_write, atomic_write_json, public_mode
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

__all__ = [
    "APPLICATION_IDS",
    "QUICK_CHECK_MAX_BYTES",
    "FileExists",
    "Schema",
    "Store",
    "atomic_write",
    "atomic_write_json",
    "create_tables",
    "open_store",
    "public_mode",
    "quick_check",
    "translate",
]
