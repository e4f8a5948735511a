"""``zkcollat [--backend B] [--debug] [-q] prove --zkey K --wtns W [-o P] [--public PUB]
[--json]`` without click: the drop-in for ``snarkjs groth16 prove`` and rapidsnark's
``prover``, whose whole process is the benchmark (issue 16). click costs this process its
import (inspect, uuid, platform, datetime, gettext: ~17-25 ms of CPU) and building the
``prove`` command (~5 ms); the proof itself takes ~100 ms.

The options are those of :mod:`zkcollat.cli.options` (the click command is built from the
same definitions), read by :func:`zkcollat.cli.options.parse`, which accepts only a plain
command line: anything else (``--help``, another option, ``-ofile``, a value click would
refuse, ``ZKCOLLAT_QUIET`` set) goes to click unchanged. The command is
:func:`zkcollat.cli.zkey_prove.prove_wtns_command`, run by the same
:func:`zkcollat.cli._base.run_command` as under click: the same output, warnings, errors
and exit statuses.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from zkcollat.cli.options import GROUP, PROVE_WTNS, parse


def parse_prove_wtns(args: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The group's and ``prove``'s parameters when ``args`` is a plain ``prove --zkey K
    --wtns W`` command line; None otherwise."""
    group = parse(args, GROUP, stop_at_word=True)
    if group is None:
        return None
    group_params, n = group
    if n >= len(args) or args[n] != "prove":
        return None
    command = parse(args[n + 1 :], PROVE_WTNS)
    if command is None:
        return None
    params = command[0]
    if params["zkey_path"] is None or params["wtns_path"] is None:
        return None  # another form of prove (or its error): click's
    return group_params, params


def prove_wtns_fast(args: Sequence[str]) -> None:
    """Run ``args`` and end the process when it is a plain ``prove --zkey --wtns`` command
    line (:func:`parse_prove_wtns`); return at once otherwise."""
    parsed = parse_prove_wtns(args)
    if parsed is None:
        return
    group, params = parsed
    from zkcollat.cli import _base
    from zkcollat.cli.zkey_prove import prove_wtns_command

    def command() -> None:
        _base.use_backend(group["backend"])
        prove_wtns_command(**params)

    try:
        _base.run_command(command, debug=group["debug"], quiet=group["quiet"], exit=sys.exit)
    except (EOFError, KeyboardInterrupt):  # as click's main
        _base.echo("", err=True)
        _base.echo("Aborted!", err=True)
        sys.exit(1)
    except OSError as e:  # a closed pipe while reporting an error: as click's main
        import errno

        if e.errno != errno.EPIPE:
            raise
        from click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        sys.exit(1)
    if _base.teardown_skipped():
        _base.end_now()
    sys.exit(_base.EXIT_OK)
