"""What every command shares and needs no click for: exit codes, errors and warnings turned
into lines, ``--json`` output, file checks, and the end of a successful process.

Exit codes (the README's table):

- 0: done, or checked and valid;
- 1: checked and false: a proof or attestation that ``verify``/``attest verify`` rejects, a
  failed ``vault check`` (:class:`Rejected`, printed as ``INVALID: <reason>``);
- 2: bad input or usage: a :class:`~zkcollat.errors.ZkcollatError` (a malformed, truncated,
  oversized or swapped file, a value out of range, a store that is not one), an OS error on a
  file, a click usage error. One line ``error: <message>`` on stderr, never a traceback.
  Anything else escaping a command is a bug: it is reported as ``internal error: ...`` with
  exit status 2 as well.

``zkcollat --debug`` also prints the traceback, and keeps the exit code. Warnings (development
keys, development committees) are printed as ``warning:`` lines, each at most once per command,
and none with ``zkcollat --quiet``. click's own half (the group, usage errors, progress bars)
is :mod:`zkcollat.cli._common`; this module is what the fast path of ``prove --zkey --wtns``
(:mod:`zkcollat.cli.fast`) shares with it.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from zkcollat.errors import ZkcollatError

T = TypeVar("T")

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_BAD_INPUT = 2


class CliInputError(ZkcollatError):
    """Bad input to a command that no library call judged (a file already there, say)."""


class Rejected(Exception):
    """A verifier said no: printed as ``INVALID: <reason>``, exit status 1."""


#: Set by a command (:func:`end_without_teardown`) whose process may skip Python's teardown
#: once it has succeeded.
_no_teardown = False


def end_without_teardown() -> None:
    """Let this process end with ``os._exit(0)`` once the command has succeeded, instead of
    Python's teardown (freeing every module and object one by one: 10-15 ms of CPU for a
    process that just proved). For commands whose every file is written, fsynced and closed
    before they return, that start no thread or process of their own that must be joined,
    and that need no ``atexit`` handler. Only when ``zkcollat`` runs as the process's
    command line (``ZkGroup.main`` with no ``args``, or the fast path): a caller that passes
    arguments (``CliRunner``, a script calling ``main([...])``) always returns."""
    global _no_teardown
    _no_teardown = True


def teardown_skipped() -> bool:
    """Whether the command asked for :func:`end_without_teardown`."""
    return _no_teardown


def end_now() -> None:
    """``os._exit(0)`` after flushing the standard streams; returns (and the normal exit
    runs, reporting the error as Python does) when a stream cannot be flushed."""
    try:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(EXIT_OK)


def use_backend(backend: str | None) -> None:
    """``zkcollat --backend NAME``: this process computes on that backend."""
    if backend:
        from zkcollat.curve import set_backend

        set_backend(backend)


def echo(text: str, *, err: bool = False) -> None:
    """``click.echo(text, err=err)``: a line on stdout (stderr), flushed. Plain printable
    ASCII is written directly (what click does with it); anything else (escape sequences,
    which click strips when the stream is not a terminal, other characters, which it encodes
    for the stream) goes through click itself."""
    stream = sys.stderr if err else sys.stdout
    if stream is not None and text.isascii() and text.replace("\n", "").isprintable():
        stream.write(text + "\n")
        stream.flush()
        return
    import click

    click.echo(text, err=err)


def bad_input() -> tuple[type[BaseException], ...]:
    """The errors that are bad input (exit 2). ``sqlite3.Error`` only when ``sqlite3`` was
    imported: nothing else raises it, and a command that opens no store does not pay for the
    import."""
    sqlite3 = sys.modules.get("sqlite3")
    extra: tuple[type[BaseException], ...] = (sqlite3.Error,) if sqlite3 is not None else ()
    return (ZkcollatError, OSError, *extra)


def _print_traceback() -> None:
    import traceback

    traceback.print_exc()


def run_command(
    command: Callable[[], T],
    *,
    debug: bool,
    quiet: bool,
    exit: Callable[[int], Any],
    other: Callable[[Exception], None] = lambda e: None,
) -> T | None:
    """Run ``command`` the way every zkcollat command runs: warnings printed as ``warning:``
    lines (once each; none when ``quiet``), a :class:`Rejected` as ``INVALID: ...`` and
    ``exit(1)``, bad input (:func:`bad_input`) as ``error: ...`` and ``exit(2)``, anything
    else as ``internal error: ...`` and ``exit(2)``, after ``other(e)`` (which may raise:
    click's own exceptions go their way). ``debug``: the traceback too."""
    shown: set[str] = set()

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        text = f"warning: {one_line_text(str(message))}"
        if quiet:
            return
        if text not in shown:  # once per command
            shown.add(text)
            echo(text, err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        try:
            return command()
        except Rejected as e:
            if debug:
                _print_traceback()
            echo(f"INVALID: {one_line(e)}", err=True)
            exit(EXIT_REJECTED)
        except bad_input() as e:
            if debug:
                _print_traceback()
            echo(f"error: {one_line(e)}", err=True)
            exit(EXIT_BAD_INPUT)
        except (Exception, RecursionError, MemoryError) as e:
            other(e)
            if debug:
                _print_traceback()
            echo(
                f"internal error: {type(e).__name__}: {one_line(e)} (a bug: please report "
                "it with the output of `zkcollat --debug ...`)",
                err=True,
            )
            exit(EXIT_BAD_INPUT)
    return None


class CliWarning(UserWarning):
    """A warning a command prints for the user (development keys, say)."""


def warn(message: str) -> None:
    """``warning: message`` on stderr: at most once per command, never with ``--quiet``."""
    warnings.warn(message, CliWarning, stacklevel=2)


def one_line(e: BaseException) -> str:
    if isinstance(e, OSError) and e.filename is not None:
        return f"{e.strerror or e}: {os.fspath(e.filename)!r}"
    return one_line_text(str(e) or type(e).__name__)


def one_line_text(text: str, limit: int = 2000) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def emit(as_json: bool, obj: Any, text: str | Callable[[], str]) -> None:
    """Print ``obj`` as JSON, or the human-readable ``text``."""
    if as_json:
        echo(json.dumps(obj, indent=1, default=_json_default))
    else:
        echo(text() if callable(text) else text)


def _json_default(o: Any) -> Any:
    if isinstance(o, bytes):
        return "0x" + o.hex()
    if isinstance(o, os.PathLike):
        return os.fspath(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def existing_file(path: str | os.PathLike[str], what: str) -> str:
    """``path`` when it names a file; a :class:`CliInputError` naming it otherwise."""
    if not os.path.isfile(path):
        raise CliInputError(f"{what} file {os.fspath(path)!r} does not exist")
    return os.fspath(path)
