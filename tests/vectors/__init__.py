"""The one loader of test vectors: data files in this folder, never pasted into tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load(name: str) -> Any:
    """Parse ``tests/vectors/<name>`` (a JSON file, or a path below this folder)."""
    with open(HERE / name) as f:
        return json.load(f)
