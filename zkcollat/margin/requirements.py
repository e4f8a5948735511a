"""Margin requirements: standard (per short option) and portfolio (scenario grid).

Both take an account's positions already priced once (:func:`price_positions`), so a margin
check prices each position exactly once for the standard method and 27 times for the grid.
Requirements are summed in floats and turned into integer money once, rounded up, at the model
boundary (``pricing.requirement_to_e6``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from zkcollat.margin.config import BPS, PortfolioMarginParams, StandardMarginParams
from zkcollat.margin.errors import MarketDataError
from zkcollat.margin.pricing import (
    E8,
    Greeks,
    OptionSpec,
    bs_greeks,
    bs_price,
    norm_cdf,
    requirement_to_e6,
    value_to_e6,
)


@dataclass(frozen=True)
class MarketData:
    """Oracle data for one underlying: spot (quote per unit, 1e-8) and implied vol (bps)."""

    spot_e8: int
    iv_bps: int
    updated_at: int = 0

    def __post_init__(self) -> None:
        if self.spot_e8 <= 0 or self.iv_bps <= 0:
            raise MarketDataError(
                f"market spot_e8 = {self.spot_e8} and iv_bps = {self.iv_bps} must be positive"
            )


@dataclass(frozen=True)
class PricedPosition:
    option: OptionSpec
    size_e6: int  # signed: > 0 long, < 0 short; 1e6 = one unit of underlying
    spot: float
    strike: float
    t: float
    sigma: float
    mark: float  # quote per unit of underlying

    def with_size(self, size_e6: int) -> PricedPosition:
        return PricedPosition(
            self.option, size_e6, self.spot, self.strike, self.t, self.sigma, self.mark
        )


@dataclass(frozen=True)
class Requirement:
    im_e6: int
    mm_e6: int


def price_positions(
    positions: Iterable[tuple[OptionSpec, int]],
    markets: Mapping[str, MarketData],
    now: int,
    rate_bps: int,
) -> list[PricedPosition]:
    r = rate_bps / BPS
    out = []
    for opt, size in positions:
        m = markets.get(opt.underlying)
        if m is None:
            raise MarketDataError(f"no market data for underlying {opt.underlying!r}")
        s, k, t, sigma = (
            m.spot_e8 / E8,
            opt.strike_e8 / E8,
            opt.years_to_expiry(now),
            m.iv_bps / BPS,
        )
        out.append(PricedPosition(opt, size, s, k, t, sigma, bs_price(opt.kind, s, k, t, r, sigma)))
    return out


def options_value_e6(priced: Iterable[PricedPosition]) -> int:
    """Mark-to-market value of the positions (longs positive, shorts negative), rounded down."""
    return value_to_e6(math.fsum(p.size_e6 * p.mark for p in priced))


def standard_unit(p: PricedPosition, q: StandardMarginParams) -> tuple[float, float]:
    """(IM, MM) per unit of a short position (IM never below MM)."""
    s, mark = p.spot, p.mark
    base, floor = q.im_base_bps / BPS, q.im_floor_bps / BPS
    if p.option.kind == "C":
        otm = max(p.strike - s, 0.0)
        mm = q.call_mm_bps / BPS * s + mark
    else:
        otm = max(s - p.strike, 0.0)
        mm = max(q.put_mm_spot_bps / BPS * s, q.put_mm_mark_bps / BPS * mark) + mark
    im = max(base - otm / s, floor) * s + mark
    return max(im, mm), mm


def standard_requirement(
    priced: Iterable[PricedPosition], params: StandardMarginParams
) -> Requirement:
    im = mm = 0.0
    base, floor = params.im_base_bps / BPS, params.im_floor_bps / BPS
    call_mm = params.call_mm_bps / BPS
    put_s, put_m = params.put_mm_spot_bps / BPS, params.put_mm_mark_bps / BPS
    for p in priced:
        size = p.size_e6
        if size >= 0:
            continue  # long options need no margin
        s, mark = p.spot, p.mark
        if p.option.kind == "C":
            otm = p.strike - s
            m_unit = call_mm * s + mark
        else:
            otm = s - p.strike
            pm = put_m * mark
            m_unit = (put_s * s if put_s * s > pm else pm) + mark
        frac = base - (otm if otm > 0.0 else 0.0) / s
        i_unit = (frac if frac > floor else floor) * s + mark
        if i_unit < m_unit:
            i_unit = m_unit
        im -= i_unit * size
        mm -= m_unit * size
    return Requirement(requirement_to_e6(im), requirement_to_e6(mm))


def scenario_values(
    group: Sequence[PricedPosition], params: PortfolioMarginParams, rate_bps: int
) -> tuple[list[float], tuple[float, float, float], list[list[float]]]:
    """The portfolio grid of one underlying's positions (all at the same spot): the spot moves
    (fractions), the vol multipliers (up, unchanged, down) and the positions' value in each
    scenario, ``values[i_move][i_vol]``. The engine's requirement and the risk plot both read
    this one grid."""
    r = rate_bps / BPS
    moves = [m / BPS for m in params.spot_moves_bps()]
    vols = (1.0 + params.vol_up_bps / BPS, 1.0, 1.0 - params.vol_down_bps / BPS)
    log, sqrt, exp, ncdf = math.log, math.sqrt, math.exp, norm_cdf
    spot = group[0].spot if group else 0.0
    # Per position, once: log K, sqrt T, discounted strike, r*T.
    rows = []
    expired = []
    for p in group:
        if p.t <= 0.0 or p.sigma <= 0.0:
            expired.append(p)
            continue
        rt = r * p.t
        rows.append(
            (
                p.size_e6,
                p.option.kind == "C",
                log(p.strike),
                sqrt(p.t),
                p.strike * exp(-rt),
                rt,
                p.sigma,
            )
        )
    values: list[list[float]] = []
    for mv in moves:
        s1 = spot * (1.0 + mv)
        ls = log(s1) if s1 > 0.0 else 0.0
        line = []
        for vm in vols:
            v = 0.0
            for size, is_call, lk, sq, disc, rt, sigma in rows:
                sd = sigma * vm * sq
                d1 = (ls - lk + rt) / sd + 0.5 * sd
                call = s1 * ncdf(d1) - disc * ncdf(d1 - sd)
                v += size * (call if is_call else call - s1 + disc)
            for p in expired:
                v += p.size_e6 * bs_price(p.option.kind, s1, p.strike, p.t, r, 0.0)
            line.append(v)
        values.append(line)
    return moves, vols, values


def by_underlying(priced: Iterable[PricedPosition]) -> dict[str, list[PricedPosition]]:
    """The non-zero positions grouped by underlying (the grid's unit: no offsets between)."""
    out: dict[str, list[PricedPosition]] = {}
    for p in priced:
        if p.size_e6:
            out.setdefault(p.option.underlying, []).append(p)
    return out


def group_value(group: Iterable[PricedPosition]) -> float:
    """The positions' value at their marks (the grid's reference point)."""
    return math.fsum(p.size_e6 * p.mark for p in group)


def net_short(group: Iterable[PricedPosition]) -> int:
    """Net short calls plus net short puts (counted apart), in 1e-6 units: contingency's base."""
    g = list(group)
    net_calls = sum(p.size_e6 for p in g if p.option.kind == "C")
    net_puts = sum(p.size_e6 for p in g if p.option.kind == "P")
    return max(0, -net_calls) + max(0, -net_puts)


def portfolio_requirement(
    priced: Iterable[PricedPosition], params: PortfolioMarginParams, rate_bps: int
) -> Requirement:
    """Per underlying: the worst loss over the spot x vol grid, plus contingency per net short
    option (calls and puts counted apart); underlyings are added without offsets."""
    contingency = params.contingency_bps / BPS
    total = 0.0
    for group in by_underlying(priced).values():
        v0 = group_value(group)
        worst = 0.0
        for line in scenario_values(group, params, rate_bps)[2]:
            for v in line:
                loss = v0 - v
                if loss > worst:
                    worst = loss
        total += worst + contingency * group[0].spot * net_short(group)
    im_e6 = requirement_to_e6(total)
    mm_e6 = -(-im_e6 * params.mm_ratio_bps // BPS)  # ceil, and never above IM
    return Requirement(im_e6, mm_e6)


def position_greeks(p: PricedPosition, rate_bps: int) -> Greeks:
    """Greeks of the whole position (per-unit Greeks times the signed size in units)."""
    g = bs_greeks(p.option.kind, p.spot, p.strike, p.t, rate_bps / BPS, p.sigma)
    return g.scaled(p.size_e6 / 10**6)


def account_greeks(
    priced: Iterable[PricedPosition], rate_bps: int
) -> tuple[dict[str, Greeks], dict[str, Greeks]]:
    """Greeks per position (by instrument name) and per underlying (their sum)."""
    per_position: dict[str, Greeks] = {}
    per_underlying: dict[str, Greeks] = {}
    for p in priced:
        g = position_greeks(p, rate_bps)
        per_position[p.option.name] = g
        u = p.option.underlying
        per_underlying[u] = per_underlying.get(u, Greeks()) + g
    return per_position, per_underlying
