"""What every click command shares: the top-level group (lazy command groups, errors turned
into lines and exit statuses: :func:`zkcollat.cli._base.run_command`), usage errors, option
helpers, progress bars. The click-free half (exit codes, warnings, ``--json`` output, the end
of a successful process) is :mod:`zkcollat.cli._base`, re-exported here.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from zkcollat.cli import _base
from zkcollat.cli._base import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_REJECTED,
    CliInputError,
    CliWarning,
    Rejected,
    emit,
    end_without_teardown,
    one_line_text,
    run_command,
    warn,
)
from zkcollat.cli.options import JSON
from zkcollat.cli.times import clock
from zkcollat.errors import EncodingError, ZkcollatError

if TYPE_CHECKING:
    from zkcollat.vault.tree import TreeHasher

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_OK",
    "EXIT_REJECTED",
    "CliInputError",
    "CliWarning",
    "Rejected",
    "emit",
    "end_without_teardown",
    "warn",
]


class ZkGroup(click.Group):
    """The top-level group: turns errors into one line and an exit status.

    Command groups are loaded lazily: ``lazy`` maps a command name to ``(module, attribute)``,
    imported only when that command runs (or ``--help`` lists them all), so that
    ``zkcollat prove`` does not pay for the attestation or margin modules' imports.
    """

    def __init__(
        self,
        *args: Any,
        lazy: dict[str, tuple[str, str]] | None = None,
        attach: dict[str, list[tuple[str, str]]] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.lazy = dict(lazy or {})
        #: subcommands defined outside their group's module, added to it when it loads
        self.attach = dict(attach or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in self.lazy:
            return found
        import importlib

        module, attr = self.lazy[cmd_name]
        command: object = getattr(importlib.import_module(module), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module}.{attr} is not a click command")
        for sub_module, sub_attr in self.attach.get(cmd_name, []):
            sub = getattr(importlib.import_module(sub_module), sub_attr)
            if isinstance(command, click.Group) and isinstance(sub, click.Command):
                command.add_command(sub)
        self.add_command(command, cmd_name)
        return command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's ``main``; as the process's command line (no ``args``, standalone), a
        command that succeeded after :func:`end_without_teardown` ends the process here."""
        try:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        except SystemExit as e:
            ended = e.code in (0, None) and _base.teardown_skipped()
            if args is None and standalone_mode and ended:
                _base.end_now()
            raise

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as e:  # the top level's own options (zkcollat --bogus)
            usage_error(e)

    def invoke(self, ctx: click.Context) -> Any:
        def click_own(e: Exception) -> None:
            if isinstance(e, click.UsageError):
                usage_error(e)
            if isinstance(e, (click.exceptions.Exit, click.exceptions.Abort)):
                raise e
            if isinstance(e, click.ClickException):
                raise e

        return run_command(
            lambda: super(ZkGroup, self).invoke(ctx),
            debug=bool(ctx.params.get("debug")),
            quiet=bool(ctx.params.get("quiet")),
            exit=ctx.exit,
            other=click_own,
        )


def usage_error(e: click.UsageError) -> NoReturn:
    """A usage error as one line on stderr: what was wrong, then the command's usage; exit 2."""
    hint = ""
    if e.ctx is not None:
        usage = " ".join(e.ctx.get_usage().split())
        usage = usage.removeprefix("Usage:").strip()
        hint = f" (usage: {usage}; --help for more)"
    click.echo(f"error: {one_line_text(e.format_message())}{hint}", err=True)
    raise click.exceptions.Exit(EXIT_BAD_INPUT)


def json_option(f: F) -> F:
    """``--json``: print one JSON document on stdout instead of text."""
    return JSON.option()(f)


def circuit_size_options(f: F) -> F:
    """``--depth`` and ``--bits``: the size parameters of the statements' circuits."""
    f = click.option(
        "--bits",
        type=click.IntRange(1, 252),
        default=None,
        help="balance_threshold: bit width B (default 128).",
    )(f)
    return click.option(
        "--depth",
        type=click.IntRange(1, 32),
        default=None,
        help="collateral_lock / merkle_inclusion / portfolio: tree depth D (default 20).",
    )(f)


def load_json_file(path: str | os.PathLike[str], what: str) -> Any:
    """JSON from a file; a missing file or bad JSON is an :class:`EncodingError` naming it."""
    from zkcollat.formats.snarkjs import read_json

    return read_json(path, what)


def parse_file(path: str | os.PathLike[str], what: str, parse: Callable[[Any], T]) -> T:
    """``parse`` of the JSON in ``path`` (read within the size/depth/digit limits); a project
    error from the parser gets the file named in its message (same class, same rule)."""
    data = load_json_file(path, what)
    try:
        return parse(data)
    except ZkcollatError as e:
        name = repr(os.fspath(path))
        if e.args and isinstance(e.args[0], str) and name not in e.args[0]:
            e.args = (f"{what} file {name}: {e.args[0]}", *e.args[1:])
        raise


def existing_file(path: str | os.PathLike[str], what: str) -> Path:
    """``Path(path)`` when it names a file; a :class:`CliInputError` naming it otherwise."""
    return Path(_base.existing_file(path, what))


def new_file(path: str | os.PathLike[str], what: str, *, force: bool = False) -> Path:
    p = Path(path)
    if p.exists() and not force:
        raise CliInputError(f"{what} {os.fspath(path)!r} already exists (refusing to overwrite)")
    if not p.parent.exists():
        raise CliInputError(f"the folder of {what} {os.fspath(path)!r} does not exist")
    return p


def parse_uint(text: str, name: str, bits: int = 256) -> int:
    """A decimal or 0x-hex integer below 2^bits (command-line values)."""
    s = text.strip()
    try:
        v = int(s, 16) if s[:2].lower() == "0x" else int(s, 10)
    except ValueError:
        raise EncodingError(f"{name} = {text!r} is not a decimal or 0x-hex integer") from None
    if v < 0 or v >> bits:
        raise EncodingError(f"{name} = {text!r} is not in [0, 2^{bits})")
    return v


class Address(click.ParamType[str]):
    """An account or contract address on the command line: ``0x`` + 40 hex digits, nothing
    shorter or longer (as signed messages take it); lower-cased. A wrong
    one is a usage error naming the option (``Invalid value for '--owner': '0x1' is not an
    address ...``)."""

    name = "address"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from zkcollat.attest.eip712 import normalize_address

        try:
            return normalize_address(str(value))
        except EncodingError:
            msg = f"{str(value)!r} is not an address (0x followed by 40 hex digits)"
            self.fail(msg, param, ctx)


ADDRESS = Address()


def now_or(value: int | None) -> int:
    """``value``, or the commands' clock (``$ZKCOLLAT_NOW`` or the system's: times.clock)."""
    if value is not None:
        return value
    try:
        return clock()
    except ValueError as e:
        raise CliInputError(str(e)) from None


@contextmanager
def timed() -> Iterator[list[float]]:
    """``with timed() as t: ...`` then ``t[0]`` holds the elapsed seconds."""
    out: list[float] = [0.0]
    t0 = time.perf_counter()
    try:
        yield out
    finally:
        out[0] = time.perf_counter() - t0


class _NoBar:
    """What :func:`progress` gives when stderr is not a terminal: the items, silently."""

    def __init__(self, items: Any) -> None:
        self.items = items

    def __enter__(self) -> Any:
        return iter(self.items)

    def __exit__(self, *exc: object) -> None:
        return None


def bars_shown() -> bool:
    """Progress bars go to stderr when it is a terminal (logs, pipes and ``--json`` captured
    by a program stay clean) and ``--quiet`` was not given."""
    ctx = click.get_current_context(silent=True)
    quiet = ctx is not None and bool(ctx.find_root().params.get("quiet"))
    return not quiet and _stderr_is_terminal()


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def progress(items: Any, label: str, *, length: int | None = None) -> Any:
    """A click progress bar over ``items`` on stderr when :func:`bars_shown`."""
    if not bars_shown():
        return _NoBar(items)
    return click.progressbar(items, length=length, label=label, file=sys.stderr)


@contextmanager
def stages(label: str, total: int) -> Iterator[Callable[[str], None]]:
    """A bar over the ``total`` stages of a long operation made of a few large native calls
    (a ceremony step): ``say(name)`` when a stage starts; nothing when no bar is shown."""
    if not bars_shown():
        yield lambda _name: None
        return
    started = [False]
    with click.progressbar(
        length=total, label=label, file=sys.stderr, show_eta=False, item_show_func=lambda s: s
    ) as bar:

        def say(name: str) -> None:
            bar.update(1 if started[0] else 0, name)
            started[0] = True

        yield say


#: Below this many hashes a vault command takes well under a second: no bar.
BAR_MIN_HASHES = 20_000


@contextmanager
def hashing_progress(
    label: str, hashes: int, inner: TreeHasher | None = None
) -> Iterator[TreeHasher | None]:
    """A tree hasher that moves a progress bar of ``hashes`` hashes (the work cut into chunks
    large enough to keep the native throughput), or ``inner`` as it is when no bar is shown
    (not a terminal, ``--quiet``, or less work than :data:`BAR_MIN_HASHES`)."""
    from zkcollat.vault.tree import ReportingHasher

    if hashes < BAR_MIN_HASHES or not bars_shown():
        yield inner
        return
    chunk = None if inner is not None else 1 << 14  # another hasher splits its work itself
    with click.progressbar(length=hashes, label=label, file=sys.stderr) as bar:
        yield ReportingHasher(bar.update, inner, chunk)
