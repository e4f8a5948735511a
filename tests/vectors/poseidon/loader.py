"""The one loader of the Poseidon vectors (vectors.json, made by make_vectors.mjs)."""

from __future__ import annotations

import json
from pathlib import Path

VECTORS = Path(__file__).with_name("vectors.json")


def poseidon_vectors() -> list[tuple[list[int], int]]:
    """``(inputs, hash)`` pairs for every width 1..16, as circomlibjs computed them."""
    data = json.loads(VECTORS.read_text())
    return [([int(x) for x in v["inputs"]], int(v["hash"])) for v in data["vectors"]]
