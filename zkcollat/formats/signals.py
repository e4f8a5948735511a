"""A prover's ``input.json``: an object of the circuit's signal names (PROTOCOL.md s.4), arrays
as JSON arrays, values as decimal strings or integers. :func:`read_input_json` only reads the
object; :meth:`ConstraintSystem.parse_inputs <zkcollat.r1cs.system.ConstraintSystem.parse_inputs>`
checks every name and value against the circuit. (Witnesses travel as snarkjs ``.wtns``:
``zkcollat.formats.wtns``.)
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from zkcollat.errors import InputError

_DECIMAL = re.compile(r"[0-9]+\Z")


def read_input_json(path: str | os.PathLike[str]) -> dict[str, object]:
    """The object of an ``input.json``; InputError if it cannot be read or is not an object."""
    try:
        data: object = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read input file {str(path)!r}: {e}") from e
    if not isinstance(data, dict):
        raise InputError(
            f"input file {str(path)!r} must hold a JSON object of signal names, "
            f"got {type(data).__name__}"
        )
    return data
