"""A prover's ``input.json``: an object of the circuit's signal names (PROTOCOL.md s.4), arrays
as JSON arrays, values as decimal strings or integers. :func:`read_input_json` only reads the
object; :meth:`ConstraintSystem.parse_inputs <zkcollat.r1cs.system.ConstraintSystem.parse_inputs>`
checks every name and value against the circuit. (Witnesses travel as snarkjs ``.wtns``:
``zkcollat.formats.wtns``.)
"""

from __future__ import annotations

import os
import re

from zkcollat.errors import InputError
from zkcollat.formats import limits

_DECIMAL = re.compile(r"[0-9]+\Z")


def read_input_json(path: str | os.PathLike[str]) -> dict[str, object]:
    """The object of an ``input.json``; InputError if it cannot be read or is not an object."""
    try:
        data: object = limits.read_json(path, "input", limits.SMALL_JSON)
    except limits.LimitError as e:
        raise InputError(str(e)) from e
    if not isinstance(data, dict):
        raise InputError(
            f"input file {str(path)!r} must hold a JSON object of signal names, "
            f"got {type(data).__name__}"
        )
    return data
