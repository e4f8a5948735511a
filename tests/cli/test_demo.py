"""``zkcollat demo`` as a user runs it: the installed console script, in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import fails

ROOT = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    """The environment for the console script, with this checkout first on the import path
    (the editable install may point at another clone of the repository)."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }


def zkcollat_argv() -> list[str]:
    exe = shutil.which("zkcollat")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("the zkcollat console script is not installed (pip install -e .)")
        return [sys.executable, str(ROOT / "cli.py")]
    return [exe]


def test_demo_tells_the_whole_story(tmp_path: Path) -> None:
    res = subprocess.run(
        [*zkcollat_argv(), "demo", "--locks", "1000", "--dir", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env(),
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    steps = {s["step"]: s for s in out["steps"]}
    assert len(steps) == 9
    f = out["figures"]
    assert f["locks"] == 1000 and f["setup"]["constraints"] > 5000
    assert f["verify"]["python_valid"] is True and f["verify"]["python_tampered_valid"] is False
    if "evm" in f["verify"]:  # node_modules/solc and pyrevm present
        assert f["verify"]["evm"]["valid"] is True and f["verify"]["evm"]["tampered_valid"] is False
        assert 150_000 < f["verify"]["evm"]["gas"] < 400_000
    elif os.environ.get("CI"):
        pytest.fail("CI must run the demo's Solidity verifier (npm ci, pyrevm)")
    assert f["credit"]["replay"].startswith("refused")
    assert f["order"]["size_e6"] > 0 and f["order"]["summary"]["meets_im"] is True
    assert f["order"]["fees_e6"] > 0  # maker and taker fees, to the fee account
    assert f["shock"]["oracle"] == ["held", "confirmed"]
    assert f["shock"]["summary"]["meets_mm"] is False
    liq = f["liquidation"]
    assert [x["maker"] for x in liq["book_fills"]] == [f["order"]["maker"]]
    assert liq["fund_paid_e6"] > 0 and liq["fund_received_e6"] > 0
    seizes = liq["seizes"]
    assert len(seizes) == 1 and seizes[0]["type"] == "Seize"
    assert (
        set(seizes[0]["message"]) >= {"nonce", "deadline"}
        and "recipient" not in seizes[0]["message"]
    )
    assert seizes[0]["message"]["lockId"] == "500"  # Alice's lock sits in the middle
    for name in (
        "vault.sqlite",
        "proving_key.zkpk",
        "verification_key.json",
        "proof.json",
        "public.json",
        "attestation.json",
        "venue.sqlite",
        "outbox.jsonl",
    ):
        assert (tmp_path / name).is_file(), name
    # the files it leaves verify with the CLI
    res = subprocess.run(
        [*zkcollat_argv(), "verify", "verification_key.json", "public.json", "proof.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=env(),
    )
    assert res.returncode == 0 and res.stdout.startswith("OK")


def test_demo_text_output() -> None:
    res = subprocess.run(
        [*zkcollat_argv(), "demo", "--locks", "64", "--depth", "8", "--no-evm"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env(),
    )
    assert res.returncode == 0, res.stderr
    for phrase in (
        "[1/9]",
        "64 locks appended",
        "Python verifier: valid",
        "--no-evm",
        "MARGIN CALL",
        "Seize(sourceChainId 1",
        "done in",
    ):
        assert phrase in res.stdout, phrase


def test_demo_refusals(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("")
    assert "is not empty" in fails("demo", "--dir", str(tmp_path))
    assert "do not fit a tree of depth 4" in fails("demo", "--locks", "17", "--depth", "4")


@pytest.mark.slow  # two demo runs
def test_demo_figures_are_the_same_on_any_day() -> None:
    """Issue 20: every time in the demo counts from its start (the put expires 30 days to the
    second later), so its money figures do not depend on the date or the time of day."""
    import re

    runs = []
    for now in ("2026-12-01T03:00:00Z", "2027-06-15T17:31:07Z"):
        res = subprocess.run(
            [*zkcollat_argv(), "demo", "--locks", "64", "--depth", "8", "--no-evm", "--json"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env={**env(), "ZKCOLLAT_NOW": now},
        )
        assert res.returncode == 0, res.stderr
        runs.append(res.stdout)
    money = [sorted(set(re.findall(r'"\w+_e6": "?(-?\d+)', r))) for r in runs]
    assert money[0] and money[0] == money[1]
    assert runs[0] != runs[1]  # the dates themselves differ
