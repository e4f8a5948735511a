"""Black-Scholes marks and Greeks for European options, linearly settled in the quote currency.

This module is the model boundary: the only place where floats are allowed, and where they
are turned into integer money by :func:`value_to_e6` (rounded down: what the account owns is
never overstated) and :func:`requirement_to_e6` / :func:`bps_ceil` (rounded up: what it owes,
and haircuts, are never understated).

Units: spot and strike are quote per unit of underlying (``spot_e8 / 1e8``); T in years of
365 days; ``r`` and ``sigma`` are annual and continuous. Greeks are per unit of underlying:
delta (d price / dS), gamma (d2 price / dS2), vega (d price / d sigma, per 1.00 of vol),
theta (d price / dt, per year; divide by 365 for a day).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from zkcollat.margin.errors import UnknownInstrumentError

YEAR_S = 365 * 24 * 3600
E8 = 10**8
E6 = 10**6
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / _SQRT2)


def norm_pdf(x: float) -> float:
    return _INV_SQRT_2PI * math.exp(-0.5 * x * x)


@dataclass(frozen=True)
class OptionSpec:
    """A European option: ``kind`` is "C" or "P"; name ``ETH-1767225600-300000000000-C``."""

    underlying: str
    expiry: int
    strike_e8: int
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in ("C", "P"):
            raise UnknownInstrumentError(f"option kind {self.kind!r} is not 'C' or 'P'")
        if not self.underlying or "-" in self.underlying:
            raise UnknownInstrumentError(f"underlying {self.underlying!r} is empty or has '-'")
        for n in ("expiry", "strike_e8"):
            v = getattr(self, n)
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise UnknownInstrumentError(f"option {n} = {v!r} must be a positive integer")

    @property
    def name(self) -> str:
        return f"{self.underlying}-{self.expiry}-{self.strike_e8}-{self.kind}"

    @classmethod
    def parse(cls, name: str) -> OptionSpec:
        parts = name.split("-")
        if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
            raise UnknownInstrumentError(
                f"instrument {name!r} is not UNDERLYING-EXPIRY-STRIKE_E8-(C|P)"
            )
        return cls(parts[0], int(parts[1]), int(parts[2]), parts[3])

    def years_to_expiry(self, now: int) -> float:
        return max(0, self.expiry - now) / YEAR_S


@dataclass(frozen=True)
class Greeks:
    delta: float = 0.0
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0

    def scaled(self, k: float) -> Greeks:
        return Greeks(self.delta * k, self.gamma * k, self.vega * k, self.theta * k)

    def __add__(self, o: Greeks) -> Greeks:
        return Greeks(
            self.delta + o.delta, self.gamma + o.gamma, self.vega + o.vega, self.theta + o.theta
        )


def bs_price(kind: str, s: float, k: float, t: float, r: float, sigma: float) -> float:
    """Black-Scholes price; at expiry or zero vol, the discounted intrinsic value."""
    disc = k * math.exp(-r * t)
    if t <= 0.0 or sigma <= 0.0:
        return max(s - disc, 0.0) if kind == "C" else max(disc - s, 0.0)
    sd = sigma * math.sqrt(t)
    d1 = (math.log(s / k) + r * t) / sd + 0.5 * sd
    d2 = d1 - sd
    call = s * norm_cdf(d1) - disc * norm_cdf(d2)
    if kind == "C":
        return max(call, 0.0)
    return max(call - s + disc, 0.0)  # put-call parity


def bs_greeks(kind: str, s: float, k: float, t: float, r: float, sigma: float) -> Greeks:
    if t <= 0.0 or sigma <= 0.0:
        itm = (s > k) if kind == "C" else (s < k)
        return Greeks(delta=(1.0 if kind == "C" else -1.0) if itm else 0.0)
    sq = math.sqrt(t)
    sd = sigma * sq
    d1 = (math.log(s / k) + r * t) / sd + 0.5 * sd
    d2 = d1 - sd
    pdf = norm_pdf(d1)
    disc = k * math.exp(-r * t)
    gamma = pdf / (s * sd)
    vega = s * pdf * sq
    common = -s * pdf * sigma / (2.0 * sq)
    if kind == "C":
        return Greeks(norm_cdf(d1), gamma, vega, common - r * disc * norm_cdf(d2))
    return Greeks(norm_cdf(d1) - 1.0, gamma, vega, common + r * disc * norm_cdf(-d2))


# --- the model boundary: floats become integer money here, and only here ---------------------


def value_to_e6(quote_times_e6: float) -> int:
    """A value the account owns (positive) or owes (negative), in 1e-6 quote: rounded down."""
    if not math.isfinite(quote_times_e6):
        raise ValueError(f"model value {quote_times_e6!r} is not finite")
    return math.floor(quote_times_e6)


def requirement_to_e6(quote_times_e6: float) -> int:
    """A margin requirement in 1e-6 quote: rounded up."""
    if not math.isfinite(quote_times_e6):
        raise ValueError(f"model requirement {quote_times_e6!r} is not finite")
    return max(0, math.ceil(quote_times_e6))


def bps_ceil(fraction: float) -> int:
    """A haircut or other fraction as basis points, rounded up, capped at 100%."""
    if not math.isfinite(fraction):
        return 10_000
    return min(10_000, max(0, math.ceil(fraction * 10_000)))


def e8(v: int) -> str:
    """A price in 1e-8 quote for a message, exact, with thousands separators and at least two
    decimals: ``113.10``, ``2,800.00``, ``0.00000001``."""
    sign = "-" if v < 0 else ""
    whole, frac = divmod(abs(v), 10**8)
    digits = f"{frac:08d}".rstrip("0").ljust(2, "0")
    return f"{sign}{whole:,}.{digits}"
