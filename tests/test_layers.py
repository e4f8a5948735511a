"""The layers of docs/architecture.md: each package imports only the packages below it.

Runs the import-linter contract of pyproject.toml (``lint-imports``, also a CI step), so the
default test run catches an import that points up, or a new top-level package that the
contract does not place.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_layers_are_kept() -> None:
    script = Path(sys.executable).with_name("lint-imports")
    cmd = [str(script)] if script.exists() else ["lint-imports"]
    result = subprocess.run(
        [*cmd, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout
