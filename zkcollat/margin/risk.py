"""Requirements of one account: equity, initial margin with open orders at their worst case,
maintenance margin, and the pre-trade test that both sides of every trade pass.

Equity = cash + mark value of the positions (rounded down) + collateral credits (haircut).
IM counts each open order as if it filled at its limit (Deribit and Aevo count them so): per
instrument, the larger need of "no order fills", "every bid fills" and "every ask fills", where
a fill changes the position and moves equity by (mark - price) x size (a loss only: a gain
counts once it is a fill) less the worst fee; for
portfolio margin the three scenarios are taken over the whole account. MM counts positions
only: an account below it is liquidated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from zkcollat.margin.config import BPS, PortfolioMarginParams, StandardMarginParams
from zkcollat.margin.pricing import E8, requirement_to_e6, value_to_e6
from zkcollat.margin.requirements import PricedPosition, portfolio_requirement, standard_unit


def e6(v: int, *, up: bool = False) -> str:
    """An amount of 1e-6 quote for a message, in human units to the cent: ``-1,234.56``.
    Rounded down (toward -inf), or up with ``up=True``: a message shows what the account has
    rounded down and what it needs rounded up, so the comparison it states stays true."""
    cents = -(-v // 10**4) if up else v // 10**4
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{frac:02d}"


@dataclass(frozen=True)
class OpenOrder:
    instrument: str
    buy: bool
    size_e6: int  # remaining, in 1e-6 units of underlying
    price_e8: int


@dataclass(frozen=True)
class MarginSummary:
    account: str
    mode: str
    cash_e6: int
    options_value_e6: int
    collateral_value_e6: int
    im_e6: int  # with open orders at their worst case
    mm_e6: int

    @property
    def equity_e6(self) -> int:
        return self.cash_e6 + self.options_value_e6 + self.collateral_value_e6

    @property
    def meets_im(self) -> bool:
        return self.equity_e6 >= self.im_e6

    @property
    def meets_mm(self) -> bool:
        return self.equity_e6 >= self.mm_e6

    def to_json(self) -> dict[str, object]:
        return {
            "account": self.account,
            "mode": self.mode,
            "cash_e6": self.cash_e6,
            "options_value_e6": self.options_value_e6,
            "collateral_value_e6": self.collateral_value_e6,
            "equity_e6": self.equity_e6,
            "im_e6": self.im_e6,
            "mm_e6": self.mm_e6,
            "meets_im": self.meets_im,
            "meets_mm": self.meets_mm,
        }


@dataclass(frozen=True)
class RiskParams:
    standard: StandardMarginParams
    portfolio: PortfolioMarginParams
    rate_bps: int
    worst_fee_bps: int
    unit_req: Mapping[str, tuple[float, float]] | None = None  # standard_unit per instrument


def _fill_delta(orders: Iterable[OpenOrder], mark: float, fee: float) -> tuple[int, float]:
    """(size change, equity change) if all ``orders`` filled at their limits."""
    size = 0
    eq = 0.0
    for o in orders:
        px = o.price_e8 / E8
        if o.buy:
            size += o.size_e6
            eq += min(0.0, o.size_e6 * (mark - px))  # a gain is counted once it is a fill
        else:
            size -= o.size_e6
            eq += min(0.0, o.size_e6 * (px - mark))
        eq -= o.size_e6 * px * fee
    return size, eq


def summarize(
    account: str,
    mode: str,
    cash_e6: int,
    positions: Mapping[str, int],
    orders: Iterable[OpenOrder],
    units: Mapping[str, PricedPosition],
    collateral_e6: int,
    p: RiskParams,
) -> MarginSummary:
    """``units`` holds every instrument priced once for a size of 1 (shared by all accounts)."""
    by_instr: dict[str, tuple[list[OpenOrder], list[OpenOrder]]] = {}
    for o in orders:
        by_instr.setdefault(o.instrument, ([], []))[0 if o.buy else 1].append(o)
    fee = p.worst_fee_bps / BPS
    if mode == "portfolio":
        priced = [units[n].with_size(s) for n, s in positions.items() if s]
        value = value_of(positions, units)
        base = portfolio_requirement(priced, p.portfolio, p.rate_bps)
        needs = [float(base.im_e6)]
        for side in (0, 1):
            sizes = dict(positions)
            eq = 0.0
            for name, pair in by_instr.items():
                d, e = _fill_delta(pair[side], units[name].mark, fee)
                sizes[name] = sizes.get(name, 0) + d
                eq += e
            alt = [units[n].with_size(s) for n, s in sizes.items() if s]
            needs.append(portfolio_requirement(alt, p.portfolio, p.rate_bps).im_e6 - eq)
        im = requirement_to_e6(max(needs))
        return MarginSummary(account, mode, cash_e6, value, collateral_e6, im, base.mm_e6)
    return _standard(account, mode, cash_e6, positions, by_instr, units, collateral_e6, p, fee)


def unit_requirements(
    units: Mapping[str, PricedPosition], params: StandardMarginParams
) -> dict[str, tuple[float, float]]:
    """Standard (IM, MM) of one unit short of each instrument: computed once per price."""
    return {n: standard_unit(u, params) for n, u in units.items()}


def _standard(
    account: str,
    mode: str,
    cash_e6: int,
    positions: Mapping[str, int],
    by_instr: Mapping[str, tuple[list[OpenOrder], list[OpenOrder]]],
    units: Mapping[str, PricedPosition],
    collateral_e6: int,
    p: RiskParams,
    fee: float,
) -> MarginSummary:
    """Standard margin is a sum over short positions of size x the unit requirement, so the
    per-unit figures (``p.unit_req``, shared by all accounts) are all it needs."""
    req = p.unit_req if p.unit_req is not None else unit_requirements(units, p.standard)
    im = mm = 0.0
    values = []
    for n, s in positions.items():
        values.append(s * units[n].mark)
        if s < 0:
            i_u, m_u = req[n]
            im -= i_u * s
            mm -= m_u * s
    need = 0.0
    for name, pair in by_instr.items():
        u = units[name]
        s0 = positions.get(name, 0)
        i_u = req[name][0]
        r0 = -s0 * i_u if s0 < 0 else 0.0
        worst = 0.0
        for side in (0, 1):
            if pair[side]:
                d, e = _fill_delta(pair[side], u.mark, fee)
                s1 = s0 + d
                r1 = -s1 * i_u if s1 < 0 else 0.0
                worst = max(worst, r1 - r0 - e)
        need += worst
    mm_e6 = requirement_to_e6(mm)
    im_e6 = max(requirement_to_e6(im + need), requirement_to_e6(im), mm_e6)
    value = value_to_e6(math.fsum(values))
    return MarginSummary(account, mode, cash_e6, value, collateral_e6, im_e6, mm_e6)


def value_of(positions: Mapping[str, int], units: Mapping[str, PricedPosition]) -> int:
    """Mark value of the positions, rounded down (against the holder)."""
    return value_to_e6(math.fsum(s * units[n].mark for n, s in positions.items()))
