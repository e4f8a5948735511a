"""The numbers behind the risk pictures (``zkcollat margin plot``), computed by the engine itself.

:func:`account_risk` gives one account's P&L over the portfolio scenario grid (the grid
``requirements.scenario_values`` that portfolio margin reads), and its equity, initial and
maintenance requirement and collateral value over a range of spot prices: each point is the
venue's own :meth:`margin` on an in-memory copy of the venue with the underlying's spot moved
(collateral token prices move by the same fraction unless ``collateral_follows`` is off, as in
``margin shock``). The liquidation prices are the spots, nearest the current one on each side,
where equity falls below maintenance, found to the oracle's 1e-8 resolution.

:func:`venue_history` replays the store's journal and position moves: each underlying's open
interest and the insurance fund over time. Nothing here draws (``zkcollat.margin.plot`` does)
and nothing here writes to the venue.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zkcollat.margin import errors as E
from zkcollat.margin.ledger import INSURANCE
from zkcollat.margin.pricing import OptionSpec
from zkcollat.margin.requirements import by_underlying, group_value, scenario_values
from zkcollat.margin.risk import MarginSummary
from zkcollat.margin.store import Store

if TYPE_CHECKING:
    from zkcollat.margin.venue import Venue

#: Default spot range of the lines: -60% .. +60% of the current spot, in steps of 2%.
SPOT_RANGE_BPS = 6000
SPOT_STEP_BPS = 200


@dataclass(frozen=True)
class ScenarioGrid:
    """P&L of one underlying's positions in each portfolio scenario, in 1e-6 quote (floats:
    the model's own values): ``pnl_e6[i_move][i_vol]``, spot moves as fractions (-0.18 ..
    0.18) and vol multipliers (up, unchanged, down)."""

    underlying: str
    spot_e8: int
    spot_moves: list[float]
    vol_multipliers: tuple[float, float, float]
    pnl_e6: list[list[float]]

    @property
    def worst_loss_e6(self) -> float:
        """The largest loss over the grid (0 when no scenario loses): the requirement's core."""
        return max([0.0, *(-x for line in self.pnl_e6 for x in line)])


@dataclass(frozen=True)
class SpotPoint:
    spot_e8: int
    summary: MarginSummary


@dataclass(frozen=True)
class AccountRisk:
    account: str
    mode: str
    underlying: str
    spot_e8: int  # the current (last accepted) spot
    grid: ScenarioGrid
    points: list[SpotPoint]  # ascending spot, the current spot among them
    liquidation_below_e8: int | None  # highest spot below the current one that is liquidatable
    liquidation_above_e8: int | None  # lowest spot above the current one that is liquidatable


def account_underlyings(venue: Venue, account: str) -> list[str]:
    """The underlyings of the account's positions and open orders, sorted."""
    acct = venue.addr(account)
    names = set(venue.ledger.positions_of(acct)) | {n for n, _ in venue.open_orders(acct)}
    return sorted({OptionSpec.parse(n).underlying for n in names})


def scenario_grid(venue: Venue, account: str, underlying: str, now: int) -> ScenarioGrid:
    """The portfolio grid of ``account``'s positions in ``underlying`` at ``now``."""
    acct = venue.addr(account)
    st = venue.markets.get(underlying)
    if st is None:
        raise E.MarketDataError(f"no market data for underlying {underlying!r}")
    units = venue.units(now)
    priced = [units[n].with_size(s) for n, s in venue.ledger.positions_of(acct).items() if s]
    group = by_underlying(priced).get(underlying, [])
    rate = venue.config.risk_free_rate_bps
    moves, vols, values = scenario_values(group, venue.config.portfolio, rate)
    v0 = group_value(group)
    return ScenarioGrid(
        underlying, st.spot_e8, moves, vols, [[v - v0 for v in line] for line in values]
    )


class _Shifted:
    """An in-memory copy of a venue whose underlying's spot can be moved: margin() there is
    the engine's own computation at that spot."""

    def __init__(self, venue: Venue, underlying: str, now: int, collateral_follows: bool) -> None:
        from zkcollat.margin.venue import Venue

        copy = sqlite3.connect(":memory:", isolation_level=None)
        venue.conn.backup(copy)
        self.venue = Venue(Store.wrap(copy), venue.config, venue.signer, now=now)
        self.base = self.venue.markets[underlying]
        self.prices = dict(self.venue.asset_prices)
        self.underlying, self.now, self.follows = underlying, now, collateral_follows

    def margin(self, account: str, spot_e8: int) -> MarginSummary:
        v, s0 = self.venue, self.base.spot_e8
        v.markets[self.underlying] = dataclasses.replace(self.base, spot_e8=spot_e8)
        if self.follows:  # rounded down, as `margin shock` moves them
            v.asset_prices = {k: (p * spot_e8 // s0, t) for k, (p, t) in self.prices.items()}
        v._units = None  # the engine reprices everything at the new spot
        return v.margin(account, now=self.now)

    def close(self) -> None:
        self.venue.conn.close()


def account_risk(
    venue: Venue,
    account: str,
    now: int,
    *,
    underlying: str | None = None,
    spots_e8: list[int] | None = None,
    collateral_follows: bool = True,
) -> AccountRisk:
    """``account``'s scenario grid, its margin over ``spots_e8`` (default: the current spot
    -60% .. +60% in 2% steps) and its liquidation prices."""
    acct = venue.addr(account)
    current = venue.margin(acct, now=now)
    if underlying is None:
        held = account_underlyings(venue, acct)
        if len(held) > 1:
            raise E.MarketDataError(
                f"{acct} holds options on {', '.join(held)}: choose one with --underlying"
            )
        underlying = held[0] if held else (sorted(venue.markets) or [""])[0]
    if underlying not in venue.markets:
        raise E.MarketDataError(f"no market data for underlying {underlying!r}")
    grid = scenario_grid(venue, acct, underlying, now)
    s0 = grid.spot_e8
    if spots_e8 is None:
        n = SPOT_RANGE_BPS // SPOT_STEP_BPS
        spots_e8 = [s0 * (10_000 + k * SPOT_STEP_BPS) // 10_000 for k in range(-n, n + 1)]
    wanted = sorted({s for s in spots_e8 if s > 0} | {s0})
    shifted = _Shifted(venue, underlying, now, collateral_follows)
    try:
        points = [SpotPoint(s, current if s == s0 else shifted.margin(acct, s)) for s in wanted]
        below = above = None
        i0 = wanted.index(s0)
        if current.meets_mm:
            for j in range(i0 - 1, -1, -1):  # nearest liquidatable point below, then refine
                if not points[j].summary.meets_mm:
                    below = _boundary(shifted, acct, points[j].spot_e8, points[j + 1].spot_e8)
                    break
            for j in range(i0 + 1, len(points)):
                if not points[j].summary.meets_mm:
                    above = _boundary(shifted, acct, points[j].spot_e8, points[j - 1].spot_e8)
                    break
    finally:
        shifted.close()
    return AccountRisk(acct, current.mode, underlying, s0, grid, points, below, above)


def _boundary(shifted: _Shifted, acct: str, bad_e8: int, good_e8: int) -> int:
    """The liquidatable spot nearest ``good_e8`` between a liquidatable and a healthy spot
    (bisection to 1e-8: the oracle's resolution)."""
    while abs(good_e8 - bad_e8) > 1:
        mid = (good_e8 + bad_e8) // 2
        if shifted.margin(acct, mid).meets_mm:
            good_e8 = mid
        else:
            bad_e8 = mid
    return bad_e8


@dataclass(frozen=True)
class HistoryPoint:
    at: int
    open_interest_e6: dict[str, int]  # per underlying: sum of long positions, 1e-6 units
    insurance_e6: int


def venue_history(store: Store) -> list[HistoryPoint]:
    """Open interest per underlying and the insurance fund after each moment something changed
    them, replayed from the journal, the position moves and the settlements. The last point
    equals the ledger's current open interest and insurance fund (a test checks it)."""
    # (time, order, (kind, instrument, buyer, seller, amount)): settlements after the moves
    # of the same time; otherwise store order within a time (the sort is stable).
    changes: list[tuple[int, int, tuple[str, str, str, str, int]]] = []
    postings, settled = store.history(INSURANCE)
    moves = store.trades(None, None, 2**62)  # newest first
    for t in reversed(moves):
        move = ("move", t["instrument"], t["buyer"], t["seller"], int(t["size_e6"]))
        changes.append((int(t["at"]), 0, move))
    for at, detail in settled:
        changes.append((at, 1, ("settle", str(json.loads(detail)["instrument"]), "", "", 0)))
    for _ev, at, _src, dst, amount in postings:
        signed = int(amount) if dst == INSURANCE else -int(amount)
        changes.append((at, 0, ("fund", "", "", "", signed)))
    changes.sort(key=lambda c: (c[0], c[1]))
    pos: dict[str, dict[str, int]] = {}
    oi: dict[str, int] = {}  # per instrument
    fund = 0
    out: list[HistoryPoint] = []
    for at, _o, (kind, iname, buyer, seller, amount) in changes:
        if kind == "move":
            holders = pos.setdefault(iname, {})
            for acct, d in ((buyer, amount), (seller, -amount)):
                old = holders.get(acct, 0)
                holders[acct] = old + d
                oi[iname] = oi.get(iname, 0) + max(old + d, 0) - max(old, 0)
        elif kind == "settle":
            pos.pop(iname, None)
            oi[iname] = 0
        else:
            fund += amount
        per_u: dict[str, int] = {}
        for iname, x in oi.items():
            u = OptionSpec.parse(iname).underlying
            per_u[u] = per_u.get(u, 0) + x
        point = HistoryPoint(at, per_u, fund)
        if out and out[-1].at == at:
            out[-1] = point  # one point per moment: the state after it
        else:
            out.append(point)
    return out


__all__ = [
    "AccountRisk",
    "HistoryPoint",
    "ScenarioGrid",
    "SpotPoint",
    "account_risk",
    "account_underlyings",
    "scenario_grid",
    "venue_history",
]
