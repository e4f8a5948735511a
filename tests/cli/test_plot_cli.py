"""``zkcollat margin account --mode`` and ``zkcollat margin plot``: the mode switch through the
command line, PNG files that are written whole, numbers reported equal to the engine's, and
matplotlib loaded only by the plot command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ALICE, NOW, World, fails, run
from tests.cli.test_attest_margin_cli import PUT, _mark, _market
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.riskview import account_risk, venue_history
from zkcollat.margin.venue import Venue

PNG = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG and data[12:16] == b"IHDR" and data.endswith(b"IEND\xaeB`\x82")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _open(tmp_path: Path) -> Venue:
    d = tmp_path / "venue"
    key = PrivateKey.from_int(int((d / "signer.key").read_text().strip(), 16))
    return Venue.open(d / "venue.sqlite", VenueConfig.load(d / "config.json"), key, now=NOW)


@pytest.mark.slow  # four matplotlib renders and a margin bisection: ~8 s loaded
def test_mode_and_plots(world: World, tmp_path: Path) -> None:
    v, alice, bob = _market(world, tmp_path)
    m = _mark(v)
    run(*v, "order", "place", "--key", bob, PUT, "buy", "20", m, "--post-only")
    run(*v, "order", "place", "--key", alice, PUT, "sell", "20", m, "--ioc")
    out = json.loads(run(*v, "account", ALICE, "--mode", "portfolio", "--json").stdout)
    assert out["summary"]["mode"] == "portfolio"
    assert "(portfolio margin)" in run(*v, "account", ALICE).stdout  # the setting is kept
    assert "is not one of" in fails(*v, "account", ALICE, "--mode", "cross")

    risk = tmp_path / "risk.png"
    got = json.loads(run(*v, "plot", ALICE, "-o", str(risk), "--json").stdout)
    w, h = _png_size(risk)
    assert w > 800 and h > 400
    engine = account_risk(_open(tmp_path), ALICE, NOW)
    assert got["mode"] == "portfolio" and got["underlying"] == "ETH"
    assert got["worst_grid_loss_e6"] == engine.grid.worst_loss_e6 > 0
    assert got["liquidation_below_e8"] == (
        None if engine.liquidation_below_e8 is None else str(engine.liquidation_below_e8)
    )
    assert "already exists" in fails(*v, "plot", ALICE, "-o", str(risk))
    run(*v, "plot", ALICE, "-o", str(risk), "--force", "--fixed-collateral")
    _png_size(risk)

    whole = tmp_path / "venue.png"
    text = run(*v, "plot", "--venue", "-o", str(whole)).stdout
    assert f"wrote {whole}" in text
    _png_size(whole)
    got = json.loads(run(*v, "plot", "--venue", "-o", str(whole), "--force", "--json").stdout)
    last = venue_history(_open(tmp_path).store)[-1]
    assert (
        got["open_interest_e6"]
        == {"ETH": str(20 * 10**6)}
        == {u: str(x) for u, x in last.open_interest_e6.items()}
    )
    assert not list(tmp_path.glob("*.tmp"))

    assert "ACCOUNT or --venue" in fails(*v, "plot", "-o", str(tmp_path / "x.png"))
    x = str(tmp_path / "x.png")
    assert "ACCOUNT or --venue" in fails(*v, "plot", ALICE, "--venue", "-o", x)
    assert "does not exist" in fails(*v, "plot", ALICE, "-o", str(tmp_path / "no" / "x.png"))
    assert "BTC" in fails(*v, "plot", ALICE, "--underlying", "BTC", "-o", str(tmp_path / "b.png"))
    assert not (tmp_path / "b.png").exists()


def test_other_commands_do_not_load_matplotlib() -> None:
    code = (
        "import sys\n"
        "from zkcollat.cli import main\n"
        "try:\n"
        "    main(['margin', 'account', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('matplotlib' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
