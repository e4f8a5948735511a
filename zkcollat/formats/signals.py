"""Signal files in JSON: a prover's ``input.json`` and snarkjs's ``witness.json``.

``input.json`` is an object of the circuit's signal names (PROTOCOL.md s.4), arrays as JSON
arrays, values as decimal strings or integers; :func:`read_input_json` only reads the object,
and :meth:`ConstraintSystem.parse_inputs <zkcollat.r1cs.system.ConstraintSystem.parse_inputs>`
checks every name and value against the circuit. A witness is an array of decimal strings.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from zkcollat.errors import EncodingError, InputError
from zkcollat.field import R

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


def witness_to_json(w: Sequence[int]) -> list[str]:
    """A witness as snarkjs's ``witness.json`` (decimal strings)."""
    return [str(v) for v in w]


def witness_from_json(data: object) -> list[int]:
    """Inverse of :func:`witness_to_json`, rejecting malformed or out-of-range values."""
    if not isinstance(data, list):
        raise EncodingError("a witness JSON must be an array of decimal strings")
    out = []
    for i, v in enumerate(data):
        if isinstance(v, str) and _DECIMAL.match(v):
            iv = int(v)
        elif isinstance(v, int) and not isinstance(v, bool):
            iv = v
        else:
            iv = -1
        if not 0 <= iv < R:
            raise EncodingError(f"witness[{i}] = {v!r} is not a field element in [0, r)")
        out.append(iv)
    return out
