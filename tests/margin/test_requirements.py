"""Margin formulas on hand-worked cases (marks given, so the arithmetic is checkable by hand)."""

from __future__ import annotations

import math

import pytest

from zkcollat.margin.config import PortfolioMarginParams, StandardMarginParams
from zkcollat.margin.pricing import OptionSpec, bs_price
from zkcollat.margin.requirements import (
    MarketData,
    PricedPosition,
    account_greeks,
    options_value_e6,
    portfolio_requirement,
    price_positions,
    standard_requirement,
)

STD = StandardMarginParams()
EXP = 1_900_000_000


def pos(
    kind: str,
    strike: float,
    size_units: float,
    mark: float,
    spot: float = 3000.0,
    t: float = 0.1,
    sigma: float = 0.6,
) -> PricedPosition:
    opt = OptionSpec("ETH", EXP, int(strike * 10**8), kind)
    return PricedPosition(opt, int(size_units * 10**6), spot, strike, t, sigma, mark)


@pytest.mark.parametrize(
    ("kind", "strike", "mark", "im_unit", "mm_unit"),
    [
        # S = 3000. Call OTM by 300: max(0.15 - 0.10, 0.10) = 0.10 -> 300 + mark; MM 300 + mark.
        ("C", 3300, 20.0, 320.0, 320.0),
        # Call OTM by 60: 0.15 - 0.02 = 0.13 -> 390 + mark.
        ("C", 3060, 80.0, 470.0, 380.0),
        # Call ITM: OTM = 0 -> 0.15 * 3000 = 450 + mark; MM = 300 + mark.
        ("C", 2700, 320.0, 770.0, 620.0),
        # Put OTM by 100: 0.15 - 1/30 -> 350 + mark; MM = max(300, 0.1 * mark) + mark.
        ("P", 2900, 50.0, 400.0, 350.0),
        # Deep ITM put, mark 7000: formula gives 450 + 7000, but MM = max(300, 700) + 7000 = 7700
        # is higher, and IM is never below MM.
        ("P", 10_000, 7000.0, 7700.0, 7700.0),
    ],
)
def test_standard_short_one_unit(
    kind: str, strike: float, mark: float, im_unit: float, mm_unit: float
) -> None:
    req = standard_requirement([pos(kind, strike, -1, mark)], STD)
    assert req.im_e6 == math.ceil(im_unit * 10**6)
    assert req.mm_e6 == math.ceil(mm_unit * 10**6)


def test_standard_scales_with_size_and_ignores_longs() -> None:
    short = pos("C", 3300, -2.5, 20.0)
    long_ = pos("P", 2500, 10, 5.0)
    req = standard_requirement([short, long_], STD)
    assert req.im_e6 == 2.5 * 320 * 10**6 and req.mm_e6 == 2.5 * 320 * 10**6
    assert standard_requirement([long_], STD).im_e6 == 0


def test_standard_parameters_come_from_config() -> None:
    tight = StandardMarginParams(im_base_bps=2000, im_floor_bps=1200, call_mm_bps=800)
    req = standard_requirement([pos("C", 3300, -1, 20.0)], tight)
    # max(0.20 - 0.10, 0.12) * 3000 + 20 = 380; MM = 0.08 * 3000 + 20 = 260.
    assert (req.im_e6, req.mm_e6) == (380 * 10**6, 260 * 10**6)


def _grid_by_hand(positions: list[PricedPosition], q: PortfolioMarginParams) -> float:
    """The grid evaluated the slow, obvious way, with the generic pricer."""
    s0 = positions[0].spot
    v0 = sum(p.size_e6 * p.mark for p in positions)
    worst = 0.0
    for move in (-0.18, -0.135, -0.09, -0.045, 0.0, 0.045, 0.09, 0.135, 0.18):
        for vm in (1.3, 1.0, 0.7):
            v = sum(
                p.size_e6
                * bs_price(p.option.kind, s0 * (1 + move), p.strike, p.t, 0.0, p.sigma * vm)
                for p in positions
            )
            worst = max(worst, v0 - v)
    return worst


def test_portfolio_grid_matches_hand_evaluation() -> None:
    q = PortfolioMarginParams()
    assert q.spot_moves_bps() == [-1800, -1350, -900, -450, 0, 450, 900, 1350, 1800]
    ps = [
        pos("C", 3300, -1, bs_price("C", 3000, 3300, 0.1, 0, 0.6)),
        pos("P", 2700, 2, bs_price("P", 3000, 2700, 0.1, 0, 0.6)),
    ]
    req = portfolio_requirement(ps, q, 0)
    # One net short call (1 unit) -> contingency 1% of spot = 30; puts are net long.
    expected = _grid_by_hand(ps, q) + 0.01 * 3000 * 10**6
    assert req.im_e6 == math.ceil(expected)
    assert req.mm_e6 == math.ceil(req.im_e6 * 0.8)


def test_portfolio_long_only_loss_bounded_by_premium() -> None:
    mark = bs_price("C", 3000, 3300, 0.1, 0, 0.6)
    req = portfolio_requirement([pos("C", 3300, 1, mark)], PortfolioMarginParams(), 0)
    assert 0 < req.im_e6 <= math.ceil(mark * 10**6)


def test_portfolio_recognises_hedges() -> None:
    # A call spread: short 3300, long 3200. The grid sees the hedge, the standard method cannot.
    ps = [
        pos("C", 3300, -1, bs_price("C", 3000, 3300, 0.1, 0, 0.6)),
        pos("C", 3200, 1, bs_price("C", 3000, 3200, 0.1, 0, 0.6)),
    ]
    pm = portfolio_requirement(ps, PortfolioMarginParams(), 0)
    sm = standard_requirement(ps, STD)
    assert pm.im_e6 < sm.im_e6
    # A long call spread can lose at most its net premium, and has no net short option.
    debit = ps[1].mark - ps[0].mark
    assert 0 < pm.im_e6 <= math.ceil(debit * 10**6)


def test_options_value_rounds_down() -> None:
    ps = [pos("C", 3300, -1, 20.25), pos("P", 2900, 1, 50.5)]
    assert options_value_e6(ps) == 30_250_000
    # A short of one millionth of a unit marked 0.4 owes 0.4e-6 quote: rounded to -1, not 0.
    assert options_value_e6([pos("C", 3300, -0.000001, 0.4)]) == -1


def test_priced_positions_and_greeks() -> None:
    now = EXP - int(0.1 * 365 * 86400)
    opt = OptionSpec("ETH", EXP, 3000 * 10**8, "C")
    priced = price_positions([(opt, -2 * 10**6)], {"ETH": MarketData(3000 * 10**8, 6000)}, now, 0)
    assert priced[0].mark == pytest.approx(bs_price("C", 3000, 3000, 0.1, 0, 0.6))
    per_pos, per_und = account_greeks(priced, 0)
    assert per_pos[opt.name].delta == pytest.approx(
        -2 * 0.5 - 2 * (0.6 * math.sqrt(0.1) / 2 - 0.5) * 0, abs=0.1
    )
    assert per_und["ETH"].delta == per_pos[opt.name].delta
    assert per_und["ETH"].gamma < 0 and per_und["ETH"].vega < 0 and per_und["ETH"].theta > 0
