"""The ``zkcollat`` command line (click). Commands are thin: each calls one library function.

Commands are grouped the way snarkjs users expect (``vault``, ``circuit``, ``setup``,
``prove``, ``verify``, ``export``, ``attest``, ``margin``, ``vectors``, ``demo``); each module of
this package holds one group. :data:`main` is the click group (:mod:`zkcollat.cli.app`, loaded
on first use); :func:`run` is the process's command line: ``zkcollat prove --zkey K --wtns W``
written plainly runs without click (:mod:`zkcollat.cli.fast`), everything else through
:data:`main`. Error handling and ``--json`` output are in ``_base`` and ``_common``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zkcollat.cli.app import main


def __getattr__(name: str) -> Any:
    if name == "main":  # importing this package does not import click
        from zkcollat.cli.app import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> None:
    """``zkcollat ARGS...`` as the process's command line (``sys.argv``)."""
    from zkcollat.cli.fast import prove_wtns_fast

    prove_wtns_fast(sys.argv[1:])  # returns when the command line is not its own
    from zkcollat.cli.app import main

    main()


__all__ = ["main", "run"]
