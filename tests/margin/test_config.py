from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import zkcollat.margin
from tests.margin.helpers import DUMMY_VK
from zkcollat.formats.snarkjs import vk_to_json
from zkcollat.margin.collateral import haircut_bps, units_for_value, value_e6
from zkcollat.margin.config import (
    AssetConfig,
    LatencyParams,
    PortfolioMarginParams,
    StandardMarginParams,
    VenueConfig,
)
from zkcollat.margin.errors import MarginConfigError

EXAMPLE = Path(zkcollat.margin.__file__).parent / "example_venue.json"


def test_example_config_loads_and_round_trips() -> None:
    cfg = VenueConfig.load(EXAMPLE)
    assert cfg.latency.config_latency_s(1) == 120 + 780 + 120
    assert cfg.latency.config_latency_s(10) == 120 + 900 + 120
    assert VenueConfig.from_json(json.dumps(cfg.to_json())) == cfg
    assert cfg.standard == StandardMarginParams()  # the example spells out the defaults


def test_verifying_key_path_is_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "vk.json").write_text(json.dumps(vk_to_json(DUMMY_VK)))
    d = json.loads(EXAMPLE.read_text())
    d["verifying_key_path"] = "vk.json"
    (tmp_path / "venue.json").write_text(json.dumps(d))
    cfg = VenueConfig.load(tmp_path / "venue.json")
    assert cfg.verifying_key == DUMMY_VK and cfg.verifying_key.n_public == 7


@pytest.mark.parametrize(
    ("patch", "match"),
    [
        ({"surprise": 1}, "unknown keys"),
        ({"standard": {"im_base_bps": 1500, "typo_bps": 3}}, "unknown keys"),
        ({"standard": {"im_base_bps": 900}}, "im_floor_bps"),
        ({"portfolio": {"spot_move_step_bps": 700}}, "must divide"),
        ({"portfolio": {"mm_ratio_bps": 0}}, "mm_ratio_bps"),
        ({"liquidation": {"liquidation_window_s": 600}}, "shorter than"),
        ({"latency": {"relay_latency_s": -1}}, "non-negative"),
        ({"risk_free_rate_bps": 1.5}, "non-negative integer"),
        ({"vaults": [[1, "0x1234"]]}, "not an address"),
    ],
)
def test_bad_configs_refused(patch: dict[str, Any], match: str) -> None:
    d = json.loads(EXAMPLE.read_text())
    d.update(patch)
    with pytest.raises(MarginConfigError, match=match):
        VenueConfig.from_json(d)


def test_duplicate_asset_refused() -> None:
    a = AssetConfig(1, "0x" + "c0" * 20, "WETH", 18, 500, 8000)
    with pytest.raises(MarginConfigError, match="twice"):
        VenueConfig(1, assets=(a, a))


def test_grid_shape_from_config() -> None:
    assert len(PortfolioMarginParams().spot_moves_bps()) == 9
    assert PortfolioMarginParams(
        spot_move_max_bps=1000, spot_move_step_bps=500
    ).spot_moves_bps() == [-1000, -500, 0, 500, 1000]


def test_haircut_hand_worked() -> None:
    weth = AssetConfig(1, "0x" + "c0" * 20, "WETH", 18, 500, 8000)
    # L = 1 day: 2.33 * 0.80 * sqrt(1/365) = 0.09757 -> 976 bps (rounded up) + 500 base.
    assert haircut_bps(weth, 86_400, 2.33) == 1476
    # L = 0: only the base haircut.
    assert haircut_bps(weth, 0, 2.33) == 500
    # Longer latency, larger haircut; never above 100%.
    assert haircut_bps(weth, 7 * 86_400, 2.33) > 1476
    assert haircut_bps(weth, 10**12, 2.33) == 10_000
    assert (
        LatencyParams(relay_latency_s=10, execution_s=20, default_finality_s=30).config_latency_s(5)
        == 60
    )


def test_collateral_value_hand_worked() -> None:
    # 1.5 WETH at 3000.12345678 with a 6% haircut: 4230.174074... -> 4230174074 (1e-6, down).
    assert value_e6(15 * 10**17, 300_012_345_678, 18, 600) == 4_230_174_074
    # USDC-like (6 decimals) at 1.0, no haircut: base units are e6 quote.
    assert value_e6(1_234_567, 10**8, 6, 0) == 1_234_567


def test_units_for_value_is_the_fewest() -> None:
    for need in (1, 999, 10**6, 4_230_174_074, 10**12):
        u = units_for_value(need, 300_012_345_678, 18, 600)
        assert value_e6(u, 300_012_345_678, 18, 600) >= need
        assert value_e6(u - 1, 300_012_345_678, 18, 600) < need
    assert units_for_value(0, 1, 18, 0) == 0
