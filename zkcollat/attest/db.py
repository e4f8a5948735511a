"""The root registry's own file, through :mod:`zkcollat.db` (WAL, busy timeout, ``BEGIN
IMMEDIATE`` writers, snapshot reads, application id and schema version, refusal of foreign
files).

A venue keeps its registry's tables in the venue's file and hands the registry the venue's
store; a registry on its own (``attest verify``, tests, tools) opens one here. The registry's
tables, their version and migrations are the registry's (:mod:`zkcollat.attest.registry`): the
same in both kinds of file.
"""

from __future__ import annotations

import os
import sqlite3

from zkcollat.db import Schema, Store, create_tables, open_store
from zkcollat.errors import NotARegistry


def _legacy_version(conn: sqlite3.Connection) -> int | None:
    """A registry file made before stores carried an application id: it has the tables."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accepted_roots'"
    ).fetchone()
    return None if row is None else 1


#: The file of a registry on its own: its tables are created by the registry on first use.
REGISTRY_FILE = Schema(
    kind="root registry",
    application_id=int.from_bytes(b"zkcR", "big"),
    version=1,
    create=create_tables(()),
    legacy_version=_legacy_version,
    not_a_store=NotARegistry,
)


def open_registry_store(
    path: str | os.PathLike[str] = ":memory:", *, create: bool = True
) -> Store:
    """The store of a registry on its own at ``path`` (private and in memory by default). An
    existing file must be a root registry (else :class:`~zkcollat.errors.NotARegistry`, the file
    untouched); a missing one is created when ``create``."""
    return open_store(path, REGISTRY_FILE, create=create)
