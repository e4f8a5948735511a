"""Liquidation planning, on plain values (no database): which positions to close, how much,
and which collateral to seize. The venue applies a plan in one transaction.

1. While equity < IM: among the positions whose full close lowers the requirement, take the
   one that frees the most IM per unit of size; close the smallest part of it (binary search)
   after which IM holds and the requirement is no higher than before; if even a full close is
   not enough, close it fully and continue. Closes are at the mark, so equity moves only by
   rounding dust. Liquidation therefore never raises the requirement and stops once IM holds.
2. If no such position is left and IM still fails, close everything (the requirement drops
   to 0); if equity is still negative, the account's debt (negative cash) is paid by seizing
   collateral: just enough base units, valued at the haircut price, to cover the debt plus the
   liquidation penalty (which goes to the insurance fund). What no collateral covers is a
   shortfall for the insurance fund.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkcollat.margin.collateral import Credit, units_for_value, value_e6
from zkcollat.margin.config import BPS
from zkcollat.margin.pricing import value_to_e6
from zkcollat.margin.requirements import PricedPosition, Requirement


@dataclass(frozen=True)
class Close:
    instrument: str
    trade_size_e6: int  # signed trade: opposite sign of the position
    mark: float
    cash_delta_e6: int


@dataclass(frozen=True)
class SeizePlan:
    credit: Credit
    units: int  # asset base units to take
    proceeds_e6: int  # their value at the haircut price, booked to the account
    penalty_e6: int  # part of the proceeds paid to the insurance fund


Requirer = Callable[[Sequence[PricedPosition]], Requirement]
Valuer = Callable[[Sequence[PricedPosition]], int]


def close_cash_e6(trade_size_e6: int, mark: float) -> int:
    """Cash moved by a trade at the mark (buying pays, selling receives), rounded down."""
    return value_to_e6(-trade_size_e6 * mark)


def _after_close(
    priced: list[PricedPosition], i: int, q: int, cash: int
) -> tuple[list[PricedPosition], int]:
    p = priced[i]
    trade = -q if p.size_e6 > 0 else q
    new = list(priced)
    new[i] = p.with_size(p.size_e6 + trade)
    return new, cash + close_cash_e6(trade, p.mark)


def plan_closes(
    priced: list[PricedPosition],
    cash_e6: int,
    collateral_e6: int,
    requirement: Requirer,
    value: Valuer,
) -> tuple[list[Close], list[PricedPosition], int]:
    """Stage 1 of the docstring: returns the closes, the positions after them, the cash after."""
    closes: list[Close] = []
    priced = [p for p in priced if p.size_e6]
    while True:
        req = requirement(priced)
        equity = cash_e6 + value(priced) + collateral_e6
        if equity >= req.im_e6:
            break
        best: tuple[float, int] | None = None
        for i, p in enumerate(priced):
            if not p.size_e6:
                continue
            trial, _ = _after_close(priced, i, abs(p.size_e6), cash_e6)
            freed = req.im_e6 - requirement(trial).im_e6
            if freed <= 0:
                continue
            per_unit = freed / abs(p.size_e6)
            if best is None or per_unit > best[0]:
                best = (per_unit, i)
        if best is None:
            break
        i = best[1]
        p = priced[i]

        def ok(
            q: int,
            i: int = i,
            cur: list[PricedPosition] = priced,
            cash: int = cash_e6,
            im_before: int = req.im_e6,
        ) -> bool:
            after, c = _after_close(cur, i, q, cash)
            r = requirement(after)
            return r.im_e6 <= im_before and c + value(after) + collateral_e6 >= r.im_e6

        hi = abs(p.size_e6)
        if ok(hi):
            lo = 0  # ok(0) is false: equity < IM now
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if ok(mid):
                    hi = mid
                else:
                    lo = mid
        trade = -hi if p.size_e6 > 0 else hi
        priced, new_cash = _after_close(priced, i, hi, cash_e6)
        closes.append(Close(p.option.name, trade, p.mark, new_cash - cash_e6))
        cash_e6 = new_cash
        priced = [x for x in priced if x.size_e6]
    return closes, priced, cash_e6


def close_all(priced: list[PricedPosition], cash_e6: int) -> tuple[list[Close], int]:
    closes = []
    for p in priced:
        if p.size_e6:
            trade = -p.size_e6
            delta = close_cash_e6(trade, p.mark)
            closes.append(Close(p.option.name, trade, p.mark, delta))
            cash_e6 += delta
    return closes, cash_e6


def plan_seizes(
    debt_e6: int,
    credits: Sequence[tuple[Credit, int, int, int]],
    penalty_bps: int,
) -> list[SeizePlan]:
    """Cover ``debt_e6`` (and the penalty on it) from ``(credit, price_e8, decimals, haircut)``
    in the given order; each seize takes the fewest units that cover what is still owed."""
    plans = []
    owed = debt_e6 + (-(-debt_e6 * penalty_bps // BPS))  # debt plus penalty, penalty rounded up
    for credit, price_e8, decimals, haircut in credits:
        if owed <= 0:
            break
        units = min(credit.threshold, units_for_value(owed, price_e8, decimals, haircut))
        if units <= 0:
            continue
        proceeds = value_e6(units, price_e8, decimals, haircut)
        # The penalty is the fee part of what was taken: penalty / proceeds = bps / (1 + bps).
        penalty = proceeds * penalty_bps // (BPS + penalty_bps)
        plans.append(SeizePlan(credit, units, proceeds, penalty))
        owed -= proceeds
    return plans
