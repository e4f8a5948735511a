"""Every benchmark refuses to run on anything but the native backend (issue 17, honest numbers).

The quick test reads each script's source: its ``main`` calls ``require_native("<its file>")``.
The slow one runs every script with ``ZKCOLLAT_BACKEND=reference`` and expects exit status 3
and the refusal on stderr, before any figure is printed.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(BENCH.glob("bench_*.py"))


def _require_native_calls(tree: ast.Module) -> list[str]:
    """The string arguments of ``require_native(...)`` calls inside the script's ``main``."""
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "main":
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                        and call.func.id == "require_native" and call.args
                        and isinstance(call.args[0], ast.Constant)):
                    out.append(str(call.args[0].value))
    return out


def test_the_benchmarks_are_found() -> None:
    assert len(SCRIPTS) >= 10, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_benchmark_requires_the_native_backend(script: Path) -> None:
    calls = _require_native_calls(ast.parse(script.read_text(), filename=str(script)))
    assert calls == [script.name], (
        f"{script.name}: main() must call require_native({script.name!r}) once, "
        f"found {calls}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_benchmark_refuses_the_reference_backend(script: Path) -> None:
    env = {**os.environ, "ZKCOLLAT_BACKEND": "reference",
           "PYTHONPATH": str(BENCH.parent)}
    run = subprocess.run([sys.executable, str(script)], cwd=BENCH.parent, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 3, (run.returncode, run.stdout[-2000:], run.stderr[-2000:])
    assert "refusing to run" in run.stderr and "'reference' backend" in run.stderr
