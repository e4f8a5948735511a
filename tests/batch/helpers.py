"""Keys and inputs for the batch tests: CollateralLock(4), so that proofs take milliseconds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from zkcollat.cli import main
from zkcollat.relayer.prover import lock_inputs
from zkcollat.vault import Lock, Vault

DEPTH = 4
WETH = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2


def make_key(folder: Path, seed: str = "batch-tests") -> tuple[Path, Path]:
    """A development key pair for CollateralLock(DEPTH) made by ``zkcollat setup``."""
    pk, vk = folder / f"{seed}.zkpk", folder / f"{seed}.vk.json"
    result = CliRunner().invoke(
        main,
        ["setup", "collateral_lock", "--depth", str(DEPTH), "--pk", str(pk), "--vk", str(vk),
         "--seed", seed],
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return pk, vk


def vault() -> Vault:
    v = Vault(depth=DEPTH)
    v.insert_many(
        [Lock(i, 0xA11CE + i, 42161, WETH, 10**19 + i, 1_900_000_000 + i) for i in range(16)]
    )
    return v


def good_inputs(n: int) -> list[dict[str, Any]]:
    """``n`` valid inputs (locks reused with different thresholds), as input.json objects."""
    v = vault()
    out = []
    for i in range(n):
        inp = lock_inputs(v, i % 16, 8 * 10**18 + i, 1_890_000_000 + i)
        out.append({k: [str(x) for x in val] if isinstance(val, list) else str(val)
                    for k, val in inp.items()})
    return out


def write_folder(folder: Path, inputs: dict[str, Any]) -> Path:
    """One NAME.json per entry (values are objects, or raw text for malformed files)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, obj in inputs.items():
        text = obj if isinstance(obj, str) else json.dumps(obj)
        (folder / f"{name}.json").write_text(text)
    return folder
