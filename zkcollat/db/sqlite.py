"""SQLite done once: connection settings, kinds and schema versions, transactions.

Every zkcollat store (vault, venue, root registry) opens its file through :func:`open_store`
with a :class:`Schema` and then reads and writes only inside :meth:`Store.read` and
:meth:`Store.write`::

    store = open_store("vault.sqlite", VAULT_SCHEMA, create=True)
    with store.write() as conn:          # BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any error)
        conn.execute("INSERT ...")
    with store.read() as conn:           # one snapshot for every SELECT inside
        size = conn.execute("SELECT ...").fetchone()

Settings: WAL journal (readers never block the writer nor see half a commit), a busy timeout
(a writer waits for another one's commit instead of failing at once), ``synchronous=FULL``
unless the caller accepts losing the last commits on power loss (``NORMAL``), foreign keys on.

Kinds and versions: a store's file carries ``PRAGMA application_id`` (which kind of zkcollat
store it is) and ``PRAGMA user_version`` (its schema version). On open:

- a missing file is created only when the caller asks for it (``create=True``), exclusively,
  and initialised inside one write transaction;
- an existing file must begin with the SQLite header and carry this schema's application id
  (or be an unmarked file that ``Schema.legacy_version`` recognises); anything else, an empty
  (0-byte) file included, raises the schema's :class:`~zkcollat.errors.NotAStore` subclass and
  is never initialised over;
- an older schema version is upgraded by ``Schema.migrations`` in one write transaction; a newer
  one is refused;
- ``PRAGMA quick_check`` runs when the file is small enough for it to be cheap
  (``quick_check_max_bytes``); damage it finds, and any SQLite corruption error later, raises
  the schema's :class:`~zkcollat.errors.StoreCorrupted` subclass.

Every ``sqlite3`` error raised inside :meth:`Store.read`/:meth:`Store.write` (and on open)
becomes a project error that names the file: corrupted (``SQLITE_CORRUPT``, ``SQLITE_NOTADB``),
busy (the timeout ran out), or a plain store error.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from zkcollat.errors import NotAStore, StoreBusy, StoreCorrupted, StoreError

#: The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"

#: ``PRAGMA application_id`` of each kind of zkcollat store (four ASCII letters).
APPLICATION_IDS: dict[int, str] = {
    int.from_bytes(b"zkcV", "big"): "zkcollat vault",
    int.from_bytes(b"zkcM", "big"): "zkcollat venue",
    int.from_bytes(b"zkcR", "big"): "zkcollat root registry",
    int.from_bytes(b"zkcJ", "big"): "zkcollat chain journal",
    int.from_bytes(b"zkcY", "big"): "zkcollat relayer store",
    int.from_bytes(b"zkcS", "big"): "zkcollat venue sync store",
}

#: Files up to this size get ``PRAGMA quick_check`` on open (it reads every page: ~linear).
QUICK_CHECK_MAX_BYTES = 64 << 20

#: How long a writer waits for another writer's commit before :class:`StoreBusy`.
BUSY_TIMEOUT_S = 30.0

Migration = Callable[[sqlite3.Connection], None]

_CORRUPT_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}

#: What a call into ``sqlite3`` raises for a bad file: its own errors, and UnicodeDecodeError
#: when a text it returns (an error message quoting a damaged schema) is not UTF-8.
SQLITE_ERRORS = (sqlite3.Error, UnicodeDecodeError)
_BUSY_CODES = {"SQLITE_BUSY", "SQLITE_LOCKED"}


@dataclass(frozen=True)
class Schema:
    """What a kind of store looks like on disk, and how to create and upgrade it.

    ``create`` makes the newest schema in an empty database (inside the write transaction);
    ``migrations[v]`` upgrades a version-``v`` database to ``v + 1`` (same transaction as the
    rest of the upgrade); ``legacy_version`` recognises a file made before stores carried an
    application id and returns its version (or ``None``: not this kind). The exception classes
    are the ones raised for this kind of store, so a caller can catch ``NotAVault`` rather than
    the general ``NotAStore``.
    """

    kind: str
    application_id: int
    version: int
    create: Callable[[sqlite3.Connection], None]
    migrations: Mapping[int, Migration] = field(default_factory=dict)
    legacy_version: Callable[[sqlite3.Connection], int | None] | None = None
    not_a_store: type[NotAStore] = NotAStore
    corrupted: type[StoreCorrupted] = StoreCorrupted
    error: type[StoreError] = StoreError

    def __post_init__(self) -> None:
        if not 0 < self.application_id < 2**31 or self.version < 1:
            raise ValueError(f"schema {self.kind!r}: bad application id or version")


def create_tables(statements: Sequence[str]) -> Callable[[sqlite3.Connection], None]:
    """A ``Schema.create`` that runs ``statements`` in order."""

    def create(conn: sqlite3.Connection) -> None:
        for s in statements:
            conn.execute(s)

    return create


class Store:
    """An open store: one connection, its schema, and its transactions (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection, path: str, schema: Schema) -> None:
        self.conn = conn
        self.path = path
        self.schema = schema
        self._depth = 0  # nesting of write()/read() on this connection
        self._writing = False  # the outermost transaction is a write

    # --- errors -----------------------------------------------------------------------------

    def error(self, e: sqlite3.Error | UnicodeDecodeError, doing: str) -> StoreError:
        """The project error for a ``sqlite3`` error met while ``doing`` something."""
        return translate(e, self.path, self.schema, doing)

    # --- transactions -----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``: the write lock is taken first, so what
        the transaction reads is the newest state and stays so until it commits). Any
        exception rolls it back. Nested use is a savepoint of the outer transaction."""
        conn = self.conn
        if self._depth:
            if not self._writing:
                raise self.schema.error(
                    f"{self.schema.kind} {self.path!r}: a write inside a read transaction"
                )
            name = f"sp{self._depth}"
            conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield conn
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                raise
            else:
                conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except SQLITE_ERRORS as e:
            raise self.error(e, "starting a write") from e
        self._depth, self._writing = 1, True
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as e:
            if conn.in_transaction:  # also when COMMIT itself failed (busy, disk full)
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if isinstance(e, SQLITE_ERRORS):
                raise self.error(e, "writing") from e
            raise
        finally:
            self._depth, self._writing = 0, False

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every SELECT inside sees the same committed state (WAL
        snapshot), whatever other processes commit meanwhile. Inside a write, the write's."""
        conn = self.conn
        if self._depth:
            self._depth += 1
            try:
                yield conn
            except SQLITE_ERRORS as e:
                raise self.error(e, "reading") from e
            finally:
                self._depth -= 1
            return
        try:
            conn.execute("BEGIN DEFERRED")
        except SQLITE_ERRORS as e:
            raise self.error(e, "starting a read") from e
        self._depth = 1
        try:
            yield conn
        except SQLITE_ERRORS as e:
            raise self.error(e, "reading") from e
        finally:
            self._depth = 0
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")  # a read-only transaction: ends the snapshot

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.conn.close()


def translate(e: sqlite3.Error | UnicodeDecodeError, path: str, schema: Schema | None,
              doing: str) -> StoreError:
    """``e`` as a project error naming the file: corrupted, busy, or a plain store error."""
    kind = schema.kind if schema is not None else "store"
    if isinstance(e, UnicodeDecodeError):
        cls_ = schema.corrupted if schema is not None else StoreCorrupted
        return cls_(f"{kind} {path!r} is damaged ({doing}: a text in it is not UTF-8, byte "
                    f"{e.object[e.start:e.start + 1]!r} at {e.start}); restore it from a backup "
                    "or rebuild it")
    name = getattr(e, "sqlite_errorname", "")
    msg = f"{kind} {path!r}: {doing}: {e}"
    if name in _CORRUPT_CODES or "malformed" in str(e) or "not a database" in str(e):
        cls: type[StoreError] = schema.corrupted if schema is not None else StoreCorrupted
        return cls(f"{kind} {path!r} is damaged ({doing}: {e}); restore it from a backup or "
                   "rebuild it")
    if name in _BUSY_CODES or "locked" in str(e):
        return StoreBusy(f"{msg} (another process held the write lock for too long)")
    return (schema.error if schema is not None else StoreError)(msg)


def _header_problem(path: str) -> str | None:
    """Why the existing file at ``path`` cannot be a SQLite database, or None."""
    with open(path, "rb") as f:
        head = f.read(len(SQLITE_HEADER))
    if not head:
        return "is empty (0 bytes)"
    if head != SQLITE_HEADER:
        return "is not a SQLite database (its first bytes are not the SQLite header)"
    return None


def open_store(
    path: str | os.PathLike[str],
    schema: Schema,
    *,
    create: bool = False,
    synchronous: str = "FULL",
    busy_timeout_s: float = BUSY_TIMEOUT_S,
    quick_check_max_bytes: int = QUICK_CHECK_MAX_BYTES,
    init: Callable[[sqlite3.Connection], None] | None = None,
) -> Store:
    """Open the ``schema`` store at ``path`` (``":memory:"`` for a private in-memory one).

    ``create=True`` creates a missing file (never an existing one, whatever it holds), and
    ``init`` then fills the new store's first rows in the same transaction as its tables; the
    module docstring lists what is refused. Raises the schema's error classes.
    """
    p = os.fspath(path)
    kind = schema.kind
    if synchronous not in ("FULL", "NORMAL"):
        raise schema.error(f"synchronous = {synchronous!r} must be 'FULL' or 'NORMAL'")
    memory = p == ":memory:"
    created = False
    if not memory:
        folder = os.path.dirname(p) or "."
        if not os.path.isdir(folder):
            raise schema.error(f"{kind} {p!r}: directory {folder!r} does not exist")
        if create:
            try:  # exclusively: a file that appears meanwhile is opened, never initialised over
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _file_mode()))
                created = True
            except FileExistsError:
                pass
            except OSError as e:
                raise schema.error(f"{kind} {p!r} cannot be created: {e.strerror}") from e
        if not created:
            if not os.path.exists(p):
                raise schema.not_a_store(f"{kind} {p!r} does not exist")
            if os.path.isdir(p):
                raise schema.not_a_store(f"{kind} {p!r} is a folder, not a {kind} file")
            try:
                problem = _header_problem(p)
            except OSError as e:
                raise schema.error(f"{kind} {p!r} cannot be read: {e.strerror}") from e
            if problem is not None:
                raise schema.not_a_store(
                    f"{p!r} {problem}: not a {kind} (an existing file is never initialised "
                    "over)"
                )
    try:
        conn = sqlite3.connect(
            p, isolation_level=None, check_same_thread=False, timeout=busy_timeout_s
        )
    except SQLITE_ERRORS as e:
        raise translate(e, p, schema, "opening") from e
    store = Store(conn, p, schema)
    try:
        if created or memory:
            _configure(store, memory, synchronous)
            _initialise(store, init)
        else:
            with store.read() as conn:  # before any setting writes to a file not ours
                version = _identify(store, conn)
            _configure(store, memory, synchronous)
            _migrate(store, version)
            if quick_check_max_bytes and os.path.getsize(p) <= quick_check_max_bytes:
                quick_check(store)
    except BaseException:
        conn.close()
        raise
    return store


def _file_mode() -> int:
    return 0o666  # the umask decides (a store holds no secret of its own)


def _configure(store: Store, memory: bool, synchronous: str) -> None:
    conn = store.conn
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        if not memory:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise store.schema.error(
                    f"{store.schema.kind} {store.path!r}: WAL journal not available ({mode})"
                )
        conn.execute(f"PRAGMA synchronous = {synchronous}")
    except SQLITE_ERRORS as e:
        raise store.error(e, "opening") from e


def _initialise(store: Store, init: Callable[[sqlite3.Connection], None] | None) -> None:
    s = store.schema
    with store.write() as conn:
        if conn.execute("PRAGMA application_id").fetchone()[0] != 0 or conn.execute(
            "SELECT count(*) FROM sqlite_master"
        ).fetchone()[0]:
            raise s.not_a_store(f"{store.path!r} was filled by another process while created")
        s.create(conn)
        if init is not None:
            init(conn)
        conn.execute(f"PRAGMA application_id = {s.application_id}")
        conn.execute(f"PRAGMA user_version = {s.version}")


def _identify(store: Store, conn: sqlite3.Connection) -> int:
    """The schema version of the open file; the kind's errors if it is not one of its kind."""
    s = store.schema
    app = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if app == s.application_id:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    if app in APPLICATION_IDS:
        raise s.not_a_store(f"{store.path!r} is a {APPLICATION_IDS[app]}, not a {s.kind}")
    if app != 0:
        raise s.not_a_store(
            f"{store.path!r} is a SQLite database of another program (application id "
            f"{app:#x}), not a {s.kind}"
        )
    legacy = s.legacy_version(conn) if s.legacy_version is not None else None
    if legacy is None:
        n = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        what = "an empty SQLite database" if n == 0 else "a SQLite database of another program"
        raise s.not_a_store(
            f"{store.path!r} is {what}, not a {s.kind} (an existing file is never initialised "
            "over)"
        )
    return legacy


def _migrate(store: Store, version: int) -> None:
    s = store.schema
    if version == s.version:
        return
    if version > s.version:
        raise s.not_a_store(
            f"{store.path!r} is a {s.kind} of schema version {version}, newer than this "
            f"release's {s.version}: upgrade zkcollat"
        )
    with store.write() as conn:  # re-identified under the write lock: another process may
        version = _identify(store, conn)  # have migrated it meanwhile
        while version < s.version:
            step = s.migrations.get(version)
            if step is None:
                raise s.not_a_store(
                    f"{store.path!r} is a {s.kind} of schema version {version}, which this "
                    f"release cannot upgrade to {s.version}: rebuild it (from a snapshot or from "
                    "its source)"
                )
            step(conn)
            version += 1
        conn.execute(f"PRAGMA application_id = {s.application_id}")
        conn.execute(f"PRAGMA user_version = {s.version}")


def quick_check(store: Store) -> None:
    """``PRAGMA quick_check``: the schema's :class:`StoreCorrupted` naming the first problem."""
    with store.read() as conn:
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    problems = [str(r[0]) for r in rows]
    if problems != ["ok"]:
        raise store.schema.corrupted(
            f"{store.schema.kind} {store.path!r} is damaged (SQLite quick_check: "
            f"{'; '.join(problems)}); restore it from a backup or rebuild it"
        )
