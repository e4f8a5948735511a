"""Liquidation: partial closes in order of margin freed per unit, seizes with a penalty to the
insurance fund, shortfalls covered by it and recorded."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.margin.helpers import (
    ALICE,
    DAY,
    NOW,
    RECIPIENT,
    SRC,
    VAULT,
    VENUE_KEY,
    credit_lock,
    ready_venue,
)
from zkcollat.margin import errors as E
from zkcollat.margin.config import StandardMarginParams
from zkcollat.margin.liquidation import close_cash_e6, plan_closes
from zkcollat.margin.messages import Seize
from zkcollat.margin.pricing import OptionSpec, bs_price
from zkcollat.margin.requirements import (
    PricedPosition,
    Requirement,
    options_value_e6,
    standard_requirement,
)

EXPIRY = NOW + 30 * DAY
T30 = 30 / 365
STD = StandardMarginParams()


def call(strike: int, expiry: int = EXPIRY) -> OptionSpec:
    return OptionSpec("ETH", expiry, strike * 10**8, "C")


def priced(strike: float, size_units: float, mark: float, kind: str = "C") -> PricedPosition:
    opt = OptionSpec("ETH", EXPIRY, int(strike * 10**8), kind)
    return PricedPosition(opt, int(size_units * 10**6), 3000.0, strike, T30, 0.6, mark)


def std_req(ps: object) -> Requirement:
    return standard_requirement(ps, STD)  # type: ignore[arg-type]


def test_plan_closes_hand_worked() -> None:
    # Two shorts, S = 3000: the call (K 3300, mark 20) needs IM 320/unit, the put (K 2900,
    # mark 50) needs 400/unit. Equity 1000 against IM 4*320 + 2*400 = 2080: the put frees the
    # most per unit, so it goes first; all 2 units free 800 (equity stays 1000 < 1280), then
    # the call: 1000 / 320 = 3.125 units may stay, so 0.875 units are closed.
    ps = [priced(3300, -4, 20.0), priced(2900, -2, 50.0, "P")]
    cash = 1000 * 10**6 - options_value_e6(ps)  # so that equity is exactly 1000
    closes, left, cash_after = plan_closes(ps, cash, 0, std_req, options_value_e6)
    assert [(c.instrument, c.trade_size_e6) for c in closes] == [
        (ps[1].option.name, 2 * 10**6),
        (ps[0].option.name, 875_000),
    ]
    assert [p.size_e6 for p in left] == [-3_125_000]
    req = std_req(left)
    assert cash_after + options_value_e6(left) >= req.im_e6 == 1000 * 10**6


def test_plan_closes_is_minimal() -> None:
    ps = [priced(3300, -10, 20.0)]
    cash = 2000 * 10**6 - options_value_e6(ps)  # equity 2000, IM 3200
    closes, left, cash_after = plan_closes(ps, cash, 0, std_req, options_value_e6)
    (c,) = closes
    # 2000 / 320 = 6.25 units may stay: close 3.75 units, and not one millionth less.
    assert c.trade_size_e6 == 3_750_000
    assert cash_after + options_value_e6(left) >= std_req(left).im_e6
    one_less = [ps[0].with_size(-6_250_001)]
    cash_one_less = cash + close_cash_e6(3_749_999, 20.0)
    assert cash_one_less + options_value_e6(one_less) < std_req(one_less).im_e6


def test_healthy_account_is_not_liquidated() -> None:
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 1, 2 * 10**18)
    with pytest.raises(E.NotLiquidatableError, match="meets maintenance"):
        v.liquidate(ALICE, now=NOW)


def test_spot_rally_liquidates_short_calls_partially() -> None:
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 1, 2 * 10**18)
    price = round(bs_price("C", 3000, 3300, T30, 0, 0.6) * 1e8)
    v.place_order(ALICE, call(3300), -12 * 10**6, price, now=NOW)
    v.set_market("ETH", 3600 * 10**8, 6000, now=NOW)
    before = v.margin(ALICE, now=NOW)
    assert not before.meets_mm
    rep = v.liquidate(ALICE, now=NOW)
    assert rep.before == before
    assert rep.after.meets_im and rep.after.im_e6 <= before.im_e6
    assert rep.seizes == [] and rep.shortfall_e6 == 0
    left = v.positions(ALICE)[call(3300).name]
    assert -12 * 10**6 < left < 0  # partial
    assert v.get_credit(SRC, VAULT, 1).status == "active"  # type: ignore[union-attr]


def _underwater(v_tv: tuple[object, object], min_expiry: int = NOW + 30 * DAY) -> None:
    """Alice: 1 WETH credited, buys calls for ~2500 of premium, then ETH and WETH crash."""
    v, tv = v_tv
    credit_lock(v, tv, ALICE, 1, 10**18, min_expiry=min_expiry)  # type: ignore[arg-type]
    price = round(bs_price("C", 3000, 3000, T30, 0, 0.6) * 1e8)
    units = 2500 * 10**14 // price
    v.place_order(ALICE, call(3000), units, price, now=NOW)  # type: ignore[attr-defined]
    v.set_market("ETH", 1000 * 10**8, 6000, now=NOW)  # type: ignore[attr-defined]


def test_collateral_seized_with_penalty_and_shortfall_covered() -> None:
    v, tv = ready_venue()
    v.fund_insurance(10_000 * 10**6)
    _underwater((v, tv))
    v.set_asset_price(SRC, "0x" + "c0" * 20, 1200 * 10**8, now=NOW)
    m = v.margin(ALICE, now=NOW)
    assert m.equity_e6 < 0
    rep = v.liquidate(ALICE, now=NOW)
    (entry,) = rep.seizes
    assert isinstance(entry.message, Seize)
    assert entry.message.amount == 10**18 and entry.message.recipient == RECIPIENT
    assert (entry.message.source_chain_id, entry.message.vault, entry.message.lock_id) == (
        SRC,
        VAULT,
        1,
    )
    assert entry.signer == VENUE_KEY.address
    assert v.get_credit(SRC, VAULT, 1).status == "seized"  # type: ignore[union-attr]
    assert v.positions(ALICE) == {}
    # Proceeds = 1 WETH at 1200 less the haircut; the penalty is 250/10250 of it.
    h = v.haircut_bps(SRC, VAULT, int("c0" * 20, 16), NOW)
    proceeds = 1200 * (10_000 - h) * 10**6 // 10_000
    assert rep.penalty_e6 == proceeds * 250 // 10_250
    assert rep.shortfall_e6 > 0 and rep.after.cash_e6 == 0 and rep.after.equity_e6 == 0
    assert v.insurance_fund_e6() == 10_000 * 10**6 + rep.penalty_e6 - rep.shortfall_e6
    assert v.shortfalls() == [(ALICE, NOW, rep.shortfall_e6, rep.shortfall_e6)]


def test_expired_credit_is_seized_partially_before_the_lock_unfreezes() -> None:
    v, tv = ready_venue()
    # minExpiry just past the window: the credit counts for 100 s only.
    _underwater((v, tv), min_expiry=NOW + DAY + 100)
    v.set_market("ETH", 3000 * 10**8, 6000, now=NOW)
    t = NOW + 200  # no longer counts, still seizable until minExpiry
    m = v.margin(ALICE, now=t)
    assert m.collateral_value_e6 == 0 and not m.meets_mm
    rep = v.liquidate(ALICE, now=t)
    assert rep.shortfall_e6 == 0
    (entry,) = rep.seizes
    assert 0 < entry.message.amount < 10**18  # type: ignore[union-attr]
    assert rep.after.cash_e6 >= 0
    assert v.insurance_fund_e6() == rep.penalty_e6 > 0


def test_nothing_to_seize_after_min_expiry() -> None:
    v, tv = ready_venue()
    _underwater((v, tv), min_expiry=NOW + DAY + 100)
    rep = v.liquidate(ALICE, now=NOW + DAY + 100)
    assert rep.seizes == [] and rep.shortfall_e6 > 0
    assert v.shortfalls()[0][3] == 0  # the fund was empty: nothing of it covered
    assert v.insurance_fund_e6() == -rep.shortfall_e6


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    trades=st.lists(
        st.tuples(
            st.sampled_from([2700, 3000, 3300, 3600]),
            st.sampled_from("CP"),
            st.integers(-6 * 10**6, 3 * 10**6).filter(bool),
        ),
        min_size=1,
        max_size=6,
    ),
    lever=st.tuples(st.sampled_from([2700, 3000, 3300, 3600]), st.sampled_from("CP")),
    shock=st.sampled_from([0.6, 0.8, 1.25, 1.5]),
    iv_bps=st.sampled_from([6000, 9000]),
    mode=st.sampled_from(["standard", "portfolio"]),
)
def test_liquidation_never_raises_the_requirement_and_stops_at_im(
    trades: list[tuple[int, str, int]],
    lever: tuple[int, str],
    shock: float,
    iv_bps: int,
    mode: str,
) -> None:
    v, tv = ready_venue()
    v.set_margin_mode(ALICE, mode, now=NOW)
    credit_lock(v, tv, ALICE, 1, 2 * 10**18)
    for strike, kind, size in trades:
        opt = OptionSpec("ETH", EXPIRY, strike * 10**8, kind)
        price = round(bs_price(kind, 3000, strike, T30, 0, 0.6) * 1e8)
        with contextlib.suppress(E.InsufficientMarginError):
            v.place_order(ALICE, opt, size, price, now=NOW)
    # Use most of what is left of the margin on one more short, then move the market.
    opt = OptionSpec("ETH", EXPIRY, lever[0] * 10**8, lever[1])
    price = round(bs_price(lever[1], 3000, lever[0], T30, 0, 0.6) * 1e8)
    for size in (-40, -20, -10, -5, -2, -1):
        try:
            v.place_order(ALICE, opt, size * 10**6, price, now=NOW)
            break
        except E.InsufficientMarginError:
            continue
    v.set_market("ETH", int(3000 * shock) * 10**8, iv_bps, now=NOW)
    before = v.margin(ALICE, now=NOW)
    if before.meets_mm:
        event("healthy")
        with pytest.raises(E.NotLiquidatableError):
            v.liquidate(ALICE, now=NOW)
        return
    rep = v.liquidate(ALICE, now=NOW)
    event("seized" if rep.seizes else "closed only")
    assert rep.after.im_e6 <= before.im_e6
    assert rep.after.meets_im or (v.positions(ALICE) == {} and rep.after.cash_e6 >= 0)
    if rep.seizes or rep.shortfall_e6:
        assert v.positions(ALICE) == {}
