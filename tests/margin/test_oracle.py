"""The oracle's rules: bounds, the jump breaker and its confirmation, staleness, the TWAP."""

from __future__ import annotations

import pytest

from tests.margin.helpers import BOB, E6, E8, NOW, PUT, make_config, mark, order, ready_venue
from zkcollat.margin import errors as E
from zkcollat.margin import oracle
from zkcollat.margin.params import OracleParams

P = OracleParams()


@pytest.mark.parametrize(
    "spot", [0, -1, 10**400, P.max_spot_e8 + 1, 3000.0, float("nan"), float("inf"), True, "3000"]
)
def test_spot_outside_bounds_or_not_an_integer(spot: object) -> None:
    with pytest.raises(E.OracleBoundsError) as ei:
        oracle.update(None, spot, 6000, NOW, P)  # type: ignore[arg-type]
    assert ei.value.rule == "oracle-bounds"


@pytest.mark.parametrize("iv", [0, 99, 50_001, 0.6])
def test_vol_outside_bounds(iv: object) -> None:
    with pytest.raises(E.OracleBoundsError):
        oracle.update(None, 3000 * E8, iv, NOW, P)  # type: ignore[arg-type]


def test_jump_held_and_confirmed() -> None:
    s, what = oracle.update(None, 3000 * E8, 6000, NOW, P)
    s, what = oracle.update(s, 3500 * E8, 6000, NOW + 1, P)  # +16.7%: accepted
    assert what == "accepted" and not s.breaker
    s, what = oracle.update(s, 2500 * E8, 6000, NOW + 2, P)  # -28.6%: held
    assert what == "held" and s.breaker and s.spot_e8 == 3500 * E8
    s2, what = oracle.update(s, 1900 * E8, 6000, NOW + 3, P)  # far from the held one too
    assert what == "held" and s2.held_spot_e8 == 1900 * E8
    s3, what = oracle.update(s2, 2100 * E8, 6000, NOW + 4, P)  # near the held one: confirmed
    assert what == "confirmed" and not s3.breaker and s3.spot_e8 == 2100 * E8
    assert oracle.confirm(s2).spot_e8 == 1900 * E8  # or the operator confirms
    with pytest.raises(E.MarketDataError):
        oracle.confirm(s3)
    with pytest.raises(E.MarketDataError, match="older"):
        oracle.update(s3, 2100 * E8, 6000, NOW, P)


def test_twap() -> None:
    hist = [(0, 100), (10, 200), (30, 400)]
    assert oracle.twap_e8(hist, 0, 40) == (100 * 10 + 200 * 20 + 400 * 10) // 40
    assert oracle.twap_e8(hist, 20, 40) == (200 * 10 + 400 * 10) // 20
    assert oracle.twap_e8(hist, -10, 5) == 100  # before the first price the window starts at it
    with pytest.raises(E.SettlementError):
        oracle.twap_e8(hist, -20, -10)


def test_breaker_and_stale_price_make_the_underlying_reduce_only() -> None:
    v, _ = ready_venue(make_config(oracle=OracleParams(max_age_s=600)))
    v.deposit(BOB, 100_000 * E6, now=NOW)
    m = mark(v, PUT)
    v.place(order(v, BOB, PUT, True, 5, m), now=NOW)
    assert v.set_market("ETH", 2000 * E8, 6000, now=NOW + 10) == "held"
    with pytest.raises(E.BreakerError) as ei:
        v.place(order(v, BOB, PUT, True, 1, m, now=NOW + 10), now=NOW + 10)
    assert ei.value.rule == "breaker"
    v.confirm_market("ETH", now=NOW + 20)
    assert v.markets["ETH"].spot_e8 == 2000 * E8 and not v.markets["ETH"].breaker
    with pytest.raises(E.OracleStaleError) as ei2:
        v.place(order(v, BOB, PUT, True, 1, mark(v, PUT, NOW + 700), now=NOW + 700), now=NOW + 700)
    assert ei2.value.rule == "oracle-stale"
    v.audit()
