"""Locate (and on first use install) the pinned JavaScript peers of package.json.

Tests that compare with snarkjs, circomlibjs or solc call :func:`node_modules`; it runs
``npm ci`` (or ``npm install`` when there is no lock file) in the repository root once when
``node_modules`` is missing. When npm itself is missing the test is skipped locally, and
fails under CI (``CI=true``), where the peers are part of what must be tested.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
_REQUIRED = ("snarkjs", "circomlibjs", "solc")


def node_modules() -> Path:
    """Path of node_modules with snarkjs, circomlibjs and solc installed."""
    if all((NODE_MODULES / name / "package.json").exists() for name in _REQUIRED):
        return NODE_MODULES
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI"):
            pytest.fail("npm is required in CI to install snarkjs, circomlibjs and solc")
        pytest.skip("npm is not installed")
    cmd = [npm, "ci" if (ROOT / "package-lock.json").exists() else "install"]
    subprocess.run(
        [*cmd, "--no-audit", "--no-fund"], cwd=ROOT, check=True, capture_output=True, timeout=900
    )
    return NODE_MODULES


def snarkjs_cli() -> list[str]:
    """argv prefix that runs the pinned snarkjs command line."""
    return ["node", str(node_modules() / "snarkjs" / "build" / "cli.cjs")]


def run_node(script: str, *args: str, timeout: float = 600) -> str:
    """Run a Node.js script (text) with the pinned packages resolvable; return its stdout."""
    node_modules()
    proc = subprocess.run(
        ["node", "-e", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"node failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout
