"""Options defined once, without importing click: the commands' click decorators are built
from these (:meth:`Opt.option`), and the fast path of ``zkcollat prove --zkey --wtns``
(:mod:`zkcollat.cli.fast`) reads the same definitions with :func:`parse`.

:func:`parse` understands only a plain command line (``--name value``, ``--name=value``,
``-o value``, flags, each option at most once, values that are not empty, do not start with
``-`` and are printable, choices spelled exactly, no path value that is a directory); on
anything else it answers None and the caller hands the command line to click, which gives
its own answer (or its error). So a command line it accepts means what it means to click.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Opt:
    """One option: its spellings (``"-o", "--proof"``), the parameter it sets, and how.

    ``path``: a file name (``click.Path(dir_okay=False)``); ``choices``: one of these words
    (``click.Choice``, case-sensitive); ``flag``: present or not (``is_flag``)."""

    __slots__ = ("choices", "decls", "default", "dest", "envvar", "flag", "help", "path",
                 "show_default")

    def __init__(
        self,
        *decls: str,
        dest: str,
        help: str,
        default: str | None = None,
        flag: bool = False,
        path: bool = False,
        choices: Sequence[str] | None = None,
        envvar: str | None = None,
        show_default: bool = False,
    ) -> None:
        self.decls = decls
        self.dest = dest
        self.help = help
        self.default = default
        self.flag = flag
        self.path = path
        self.choices = tuple(choices) if choices is not None else None
        self.envvar = envvar
        self.show_default = show_default

    def option(self) -> Callable[[F], F]:
        """The click decorator of this option."""
        import click

        kw: dict[str, Any] = {"help": self.help}
        if self.flag:
            kw["is_flag"] = True
        else:
            kw["default"] = self.default
            if self.path:
                kw["type"] = click.Path(dir_okay=False)
            elif self.choices is not None:
                kw["type"] = click.Choice(self.choices)
        if self.envvar is not None:
            kw["envvar"] = self.envvar
        if self.show_default:
            kw["show_default"] = True
        return click.option(*self.decls, self.dest, **kw)

    def value(self, given: str) -> str | None:
        """``given`` as click would take it, or None when click should judge it."""
        if not given or given[0] == "-" or not given.isprintable():
            return None
        if self.choices is not None and given not in self.choices:
            return None
        if self.path and os.path.isdir(given):
            return None  # click refuses it with its own message
        return given


def parse(
    args: Sequence[str], options: Sequence[Opt], *, stop_at_word: bool = False
) -> tuple[dict[str, Any], int] | None:
    """The parameters ``args`` give to ``options`` (every option's default filled in) and
    how many arguments were read; None when the command line is not a plain one (see the
    module's docstring). ``stop_at_word``: stop at the first argument that is not an option
    (a group's options, then the command's name); otherwise every argument must be one."""
    if any(o.envvar is not None and o.envvar in os.environ for o in options):
        return None  # click reads it (as a flag's value, say)
    spelled = {d: o for o in options for d in o.decls}
    params: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if stop_at_word and arg[:1] != "-":
            break
        name, eq, inline = arg.partition("=") if arg[:2] == "--" else (arg, "", "")
        opt = spelled.get(name)
        if opt is None or opt.dest in params:
            return None
        if opt.flag:
            if eq:
                return None
            params[opt.dest] = True
            i += 1
            continue
        if eq:
            given, i = inline, i + 1
        elif i + 1 < len(args):
            given, i = args[i + 1], i + 2
        else:
            return None
        value = opt.value(given)
        if value is None:
            return None
        params[opt.dest] = value
    for opt in options:
        params.setdefault(opt.dest, False if opt.flag else opt.default)
    return params, i


# --- the options the fast path reads ------------------------------------------------------------

#: ``--json`` of every command that has one.
JSON = Opt("--json", dest="as_json", flag=True, help="Print machine-readable JSON instead of text.")

#: The top-level group's (``zkcollat --backend ... -q COMMAND``); ``--version`` is click's alone.
BACKEND = Opt(
    "--backend",
    dest="backend",
    choices=("native", "reference"),
    help="Arithmetic backend (default: native when built, else reference; "
    "or set ZKCOLLAT_BACKEND).",
)
DEBUG = Opt("--debug", dest="debug", flag=True, help="Show the traceback of an error.")
QUIET = Opt(
    "-q",
    "--quiet",
    dest="quiet",
    flag=True,
    envvar="ZKCOLLAT_QUIET",
    help="No warning lines (development keys...) and no progress bars (or set "
    "ZKCOLLAT_QUIET=1); a command's result (its lines on stdout, or --json) is printed as "
    "without it.",
)
GROUP = (BACKEND, DEBUG, QUIET)

#: ``prove``'s options of a snarkjs key and witness, and of its output files.
ZKEY = Opt(
    "--zkey",
    dest="zkey_path",
    path=True,
    help="Or: a snarkjs proving key (.zkey), converted once and cached by its hash.",
)
WTNS = Opt(
    "--wtns",
    dest="wtns_path",
    path=True,
    help="With --zkey: a circom witness (.wtns), as `snarkjs groth16 prove KEY WTNS ...`.",
)
PROOF_OUT = Opt(
    "-o",
    "--proof",
    dest="proof_out",
    default="proof.json",
    show_default=True,
    path=True,
    help="Proof file to write.",
)
PUBLIC_OUT = Opt(
    "--public",
    dest="public_out",
    default="public.json",
    show_default=True,
    path=True,
    help="Public signals file to write.",
)
PROVE_WTNS = (ZKEY, WTNS, PROOF_OUT, PUBLIC_OUT, JSON)
