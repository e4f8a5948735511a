"""Locate (and on first use install) the pinned JavaScript peers of package.json.

Tests that compare with snarkjs, circomlibjs, solc or circom2 call :func:`node_modules`; it runs
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
_REQUIRED = ("snarkjs", "circomlibjs", "solc", "circom2", "circomlib")


def node_modules() -> Path:
    """Path of node_modules with the pinned peers (snarkjs, circomlibjs, solc, circom2, ...)."""
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


def circom2_compile(main: Path, out_dir: Path, *, timeout: float = 900) -> tuple[Path, Path]:
    """Compile a circom main file with the pinned circom2 (circom 2 as WebAssembly) at ``--O2``.

    Returns the paths of the ``.r1cs`` and of the witness generator ``.wasm``. circomlib
    resolves through ``-l node_modules``. circom2 runs in a WASI sandbox that opens only
    the working directory and its parents and follows no symbolic links, so every path is
    resolved first and the compiler runs from their common ancestor.
    """
    libs = node_modules().resolve()
    main = main.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = out_dir.resolve()
    cwd = Path(os.path.commonpath([main, libs, out_dir]))
    proc = subprocess.run(
        ["node", str(libs / "circom2" / "cli.js"), str(main), "--r1cs", "--wasm", "--sym",
         "--O2", "-l", str(libs), "-o", str(out_dir)],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
    )
    if proc.returncode != 0 or "Everything went okay" not in proc.stdout:
        raise RuntimeError(
            f"circom2 failed on {main.name}: {proc.stdout[-3000:]}{proc.stderr[-2000:]}"
        )
    stem = main.stem
    return out_dir / f"{stem}.r1cs", out_dir / f"{stem}_js" / f"{stem}.wasm"
