"""``zkcollat contracts``: the commands exist and a missing toolchain is reported by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from zkcollat.cli import main
from zkcollat.contracts import toolchain


def test_commands_listed() -> None:
    out = CliRunner().invoke(main, ["contracts", "--help"]).output
    for cmd in ("build", "test", "snapshot", "gas", "slither"):
        assert cmd in out


def test_missing_toolchain_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZKCOLLAT_NODE_MODULES", str(tmp_path))
    monkeypatch.setenv("ZKCOLLAT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(toolchain, "REPO", tmp_path)
    with pytest.raises(toolchain.SolidityError, match="not installed"):
        toolchain.locate(install=False)


def test_shim_answers_version() -> None:
    import subprocess

    shim = toolchain.PROJECT / "tools" / "solc"
    nm = toolchain.REPO / "node_modules"
    if not (nm / "solc").exists():
        pytest.skip("npm packages not installed")
    out = subprocess.run([str(shim), "--version"], capture_output=True, text=True, check=True)
    assert "Version: 0.8.30" in out.stdout


@pytest.mark.slow
def test_shim_writes_more_than_64_kib_through_a_pipe() -> None:
    import json
    import subprocess

    shim = toolchain.PROJECT / "tools" / "solc"
    if not (toolchain.REPO / "node_modules" / "solc").exists():
        pytest.skip("npm packages not installed")
    body = "\n".join(
        f"function f{i}(uint256 x) external pure returns (uint256) {{ return x + {i}; }}"
        for i in range(150)
    )
    std = {
        "language": "Solidity",
        "sources": {
            "Big.sol": {"content": f"pragma solidity 0.8.30;\ncontract Big {{\n{body}\n}}"}
        },
        "settings": {"outputSelection": {"*": {"*": ["abi", "evm.bytecode", "evm.assembly"]}}},
    }
    proc = subprocess.run(
        [str(shim), "--standard-json"],
        input=json.dumps(std),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert len(proc.stdout.encode()) > 64 * 1024
    out = json.loads(proc.stdout)
    assert "Big" in out["contracts"]["Big.sol"]
