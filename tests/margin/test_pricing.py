from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkcollat.margin.errors import UnknownInstrumentError
from zkcollat.margin.pricing import (
    OptionSpec,
    bps_ceil,
    bs_greeks,
    bs_price,
    requirement_to_e6,
    value_to_e6,
)


def test_hull_call_and_put() -> None:
    # Hull, Options, Futures, and Other Derivatives, the worked Black-Scholes-Merton example:
    # S=42, K=40, r=10%, sigma=20%, T=0.5 -> call 4.76, put 0.81.
    assert bs_price("C", 42, 40, 0.5, 0.1, 0.2) == pytest.approx(4.76, abs=0.005)
    assert bs_price("P", 42, 40, 0.5, 0.1, 0.2) == pytest.approx(0.81, abs=0.005)


def test_hull_greeks() -> None:
    # Hull, "The Greek Letters": S=49, K=50, r=5%, sigma=20%, T=20 weeks (0.3846 y), a call:
    # price 2.40, delta 0.522, gamma 0.066, vega 12.1 (per 1.00 of vol), theta -4.31 per year.
    g = bs_greeks("C", 49, 50, 0.3846, 0.05, 0.2)
    assert bs_price("C", 49, 50, 0.3846, 0.05, 0.2) == pytest.approx(2.40, abs=0.005)
    assert g.delta == pytest.approx(0.522, abs=0.0005)
    assert g.gamma == pytest.approx(0.066, abs=0.0005)
    assert g.vega == pytest.approx(12.1, abs=0.05)
    assert g.theta == pytest.approx(-4.31, abs=0.005)


@given(
    s=st.floats(10, 10_000),
    k_ratio=st.floats(0.5, 2.0),
    t=st.floats(0.01, 3.0),
    r=st.floats(0.0, 0.1),
    sigma=st.floats(0.05, 2.0),
)
def test_put_call_parity(s: float, k_ratio: float, t: float, r: float, sigma: float) -> None:
    k = s * k_ratio
    c, p = bs_price("C", s, k, t, r, sigma), bs_price("P", s, k, t, r, sigma)
    assert c - p == pytest.approx(s - k * math.exp(-r * t), rel=1e-9, abs=1e-9 * s)
    assert c >= max(s - k * math.exp(-r * t), 0) - 1e-9 * s and p >= -1e-12


@given(
    kind=st.sampled_from("CP"),
    s=st.floats(50, 200),
    t=st.floats(0.05, 2.0),
    sigma=st.floats(0.1, 1.0),
)
def test_greeks_match_finite_differences(kind: str, s: float, t: float, sigma: float) -> None:
    k, r = 100.0, 0.03
    g = bs_greeks(kind, s, k, t, r, sigma)
    h = 1e-4 * s
    up, mid, dn = (bs_price(kind, x, k, t, r, sigma) for x in (s + h, s, s - h))
    assert g.delta == pytest.approx((up - dn) / (2 * h), abs=1e-5)
    assert g.gamma == pytest.approx((up - 2 * mid + dn) / (h * h), rel=1e-2, abs=1e-4)
    dv = 1e-5
    vega = (bs_price(kind, s, k, t, r, sigma + dv) - bs_price(kind, s, k, t, r, sigma - dv)) / (
        2 * dv
    )
    assert g.vega == pytest.approx(vega, rel=1e-4, abs=1e-6)
    dt = 1e-6
    theta = -(bs_price(kind, s, k, t + dt, r, sigma) - bs_price(kind, s, k, t - dt, r, sigma)) / (
        2 * dt
    )
    assert g.theta == pytest.approx(theta, rel=1e-3, abs=1e-4)


def test_expired_is_intrinsic() -> None:
    assert bs_price("C", 110, 100, 0.0, 0.05, 0.5) == 10
    assert bs_price("P", 110, 100, 0.0, 0.05, 0.5) == 0
    assert bs_greeks("P", 90, 100, 0.0, 0.0, 0.5).delta == -1.0


def test_rounding_is_conservative() -> None:
    assert value_to_e6(10.7) == 10 and value_to_e6(-10.2) == -11
    assert requirement_to_e6(10.2) == 11 and requirement_to_e6(-3.0) == 0
    assert bps_ceil(0.00011) == 2 and bps_ceil(2.0) == 10_000
    with pytest.raises(ValueError):
        value_to_e6(float("nan"))


def test_option_names() -> None:
    o = OptionSpec("ETH", 1_900_000_000, 3000 * 10**8, "C")
    assert OptionSpec.parse(o.name) == o
    for bad in ["ETH-1-2", "ETH-x-2-C", "ETH-1-2-X", "-1-2-C"]:
        with pytest.raises(UnknownInstrumentError):
            OptionSpec.parse(bad)
