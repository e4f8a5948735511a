"""The risk pictures' numbers are the engine's: the scenario grid's worst loss is the portfolio
requirement, each point over spot is the venue's own margin() after an oracle update to that
spot, the liquidation price is the exact boundary of maintenance margin, and the venue history
ends at the ledger's open interest and insurance fund."""

from __future__ import annotations

import pytest

from tests.margin.helpers import (
    ALICE,
    BOB,
    CALL,
    E6,
    E8,
    NOW,
    PUT,
    SRC,
    WETH,
    credit_lock,
    mark,
    order,
    ready_venue,
)
from zkcollat.margin import errors as E
from zkcollat.margin.config import BPS
from zkcollat.margin.ledger import INSURANCE
from zkcollat.margin.pricing import requirement_to_e6
from zkcollat.margin.requirements import net_short, portfolio_requirement
from zkcollat.margin.risk import OpenOrder
from zkcollat.margin.riskview import account_risk, scenario_grid, venue_history
from zkcollat.margin.venue import Venue


def leveraged(spot_e8: int = 3000 * E8, mode: str = "standard") -> Venue:
    """Alice: a 4 WETH lock and 500 of cash, short as many puts (and a few calls) as her
    initial margin allows, all sold to Bob; then the oracle moves ETH and WETH to
    ``spot_e8`` (the same fraction: WETH is priced as ETH here)."""
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 1, 4 * 10**18)
    v.deposit(ALICE, 500 * E6, now=NOW)
    v.deposit(BOB, 1_000_000 * E6, now=NOW)
    if mode != "standard":
        v.set_margin_mode(ALICE, mode, now=NOW)
    v.place(order(v, BOB, CALL, True, 5, mark(v, CALL)), now=NOW)
    v.place(order(v, ALICE, CALL, False, 5, mark(v, CALL), ioc=True), now=NOW)
    pm = mark(v, PUT)
    lot = v.instruments[PUT.name].lot_e6
    n = 1
    while v.margin(ALICE, now=NOW, orders=[OpenOrder(PUT.name, False, (n + 1) * lot, pm)]).meets_im:
        n += 1
    v.place(order(v, BOB, PUT, True, n, pm), now=NOW)
    v.place(order(v, ALICE, PUT, False, n, pm, ioc=True), now=NOW)
    if spot_e8 != 3000 * E8:
        assert v.set_market("ETH", spot_e8, 6000, now=NOW) == "accepted"
        v.set_asset_price(SRC, WETH, spot_e8, now=NOW)
    return v


@pytest.mark.parametrize("mode", ["standard", "portfolio"])
def test_grid_worst_loss_is_the_portfolio_requirement(mode: str) -> None:
    v = leveraged(mode=mode)
    g = scenario_grid(v, ALICE, "ETH", NOW)
    p = v.config.portfolio
    assert len(g.spot_moves) == 2 * p.spot_move_max_bps // p.spot_move_step_bps + 1
    assert g.vol_multipliers == (1.3, 1.0, 0.7)
    assert all(len(line) == 3 for line in g.pnl_e6)
    units = v.units(NOW)
    priced = [units[n].with_size(s) for n, s in v.ledger.positions_of(ALICE).items()]
    req = portfolio_requirement(priced, p, v.config.risk_free_rate_bps)
    contingency = p.contingency_bps / BPS * (g.spot_e8 / E8) * net_short(priced)
    assert requirement_to_e6(g.worst_loss_e6 + contingency) == req.im_e6
    # Short puts lose when spot falls: the worst cell is the largest down move, vol up.
    assert g.pnl_e6[0][0] == min(x for line in g.pnl_e6 for x in line) < 0
    assert abs(g.pnl_e6[len(g.spot_moves) // 2][1]) < 1.0  # unchanged scenario: no P&L
    if mode == "portfolio":  # no open orders: the engine's requirement is this one
        s = v.margin(ALICE, now=NOW)
        assert (s.im_e6, s.mm_e6) == (req.im_e6, req.mm_e6)


@pytest.mark.parametrize("mode", ["standard", "portfolio"])
def test_points_over_spot_are_the_engines_margin(mode: str) -> None:
    v = leveraged(mode=mode)
    spots = [2500 * E8, 2750 * E8, 3000 * E8, 3300 * E8, 3550 * E8]
    r = account_risk(v, ALICE, NOW, spots_e8=spots)
    assert [p.spot_e8 for p in r.points] == spots and r.mode == mode
    for p in r.points:
        moved = leveraged(p.spot_e8, mode)  # the oracle really moves there
        assert p.summary == moved.margin(ALICE, now=NOW)
    assert r.points[2].summary == v.margin(ALICE, now=NOW)
    fixed = account_risk(v, ALICE, NOW, spots_e8=spots, collateral_follows=False)
    held = v.margin(ALICE, now=NOW).collateral_value_e6
    assert {p.summary.collateral_value_e6 for p in fixed.points} == {held}
    assert r.points[0].summary.collateral_value_e6 < held < r.points[-1].summary.collateral_value_e6


def test_liquidation_price_is_the_maintenance_boundary() -> None:
    v = leveraged()
    r = account_risk(v, ALICE, NOW)
    liq = r.liquidation_below_e8
    assert liq is not None and 3000 * E8 * 0.4 < liq < 3000 * E8
    assert v.margin(ALICE, now=NOW).meets_mm
    at, above = account_risk(v, ALICE, NOW, spots_e8=[liq, liq + 1]).points[:2]
    assert not at.summary.meets_mm and above.summary.meets_mm
    # the same through the oracle (within its 20% jump limit: move there in two steps)
    moved = leveraged(3000 * E8 * 8 // 10)
    for s, ok in ((liq, False), (liq + 1, True)):
        moved.set_market("ETH", s, 6000, now=NOW)
        moved.set_asset_price(SRC, WETH, s, now=NOW)
        assert moved.margin(ALICE, now=NOW).meets_mm is ok
    # the default range holds the points every 2% from -60% to +60%, and the current spot
    assert len(r.points) == 61 and r.points[30].spot_e8 == 3000 * E8


def test_account_risk_refuses_what_it_cannot_draw() -> None:
    v = leveraged()
    with pytest.raises(E.MarketDataError, match="BTC"):
        account_risk(v, ALICE, NOW, underlying="BTC")
    with pytest.raises(E.AccountError):
        account_risk(v, "0x" + "99" * 20, NOW)
    with pytest.raises(E.AccountError):
        account_risk(v, "not an address", NOW)


def test_venue_history_ends_at_the_ledger() -> None:
    v = leveraged()
    v.fund_insurance(1_234 * E6, now=NOW + 5)
    h = venue_history(v.store)
    assert [p.at for p in h] == sorted({p.at for p in h})
    last = h[-1]
    assert last.insurance_e6 == v.ledger.cash[INSURANCE] == 1_234 * E6
    oi = sum(v.ledger.oi.values())
    assert last.open_interest_e6 == {"ETH": oi} and oi > 0
    # a trade that closes positions lowers open interest in the replay as in the ledger
    m = mark(v, CALL)
    v.place(order(v, ALICE, CALL, True, 5, m + 10 * E8, now=NOW + 10), now=NOW + 10)
    v.place(order(v, BOB, CALL, False, 5, m, ioc=True, now=NOW + 10), now=NOW + 10)
    h2 = venue_history(v.store)
    assert h2[-1].open_interest_e6 == {"ETH": sum(v.ledger.oi.values())} and h2[-1].at == NOW + 10
    assert sum(v.ledger.oi.values()) < oi
