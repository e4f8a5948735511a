"""The matching engine: a central limit order book for one instrument, price-time priority.

A pure function of (book, order) giving (book, fills): no database, no margin, no clock. What
the venue decides (is the maker still allowed to trade this much? a reduce-only order that no
longer reduces?) comes in as ``maker_allowance``, a function of the resting order and the
quantity asked that answers how many lots may fill; a maker that may fill less loses the rest
of its order. Prices are integers (1e-8 quote), sizes whole lots.

Rules:
- a buy fills against asks at or below its limit, best price first, oldest first at a price;
  a sell likewise against bids at or above it; the trade price is the resting order's;
- self-trade prevention: a resting order of the taker's own account is cancelled, not filled;
- post-only: an order that would fill on arrival is refused whole (nothing changes);
- IOC: what does not fill on arrival is dropped; otherwise the remainder rests.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from zkcollat.margin.errors import PostOnlyError, UnknownOrderError
from zkcollat.margin.pricing import e8

OrderId = tuple[str, int]  # (account, nonce of the signed order)


@dataclass
class BookOrder:
    id: OrderId
    buy: bool
    price_e8: int
    lots: int  # remaining
    seq: int  # arrival number: time priority
    reduce_only: bool = False

    @property
    def account(self) -> str:
        return self.id[0]


@dataclass(frozen=True)
class Fill:
    maker: OrderId
    taker: OrderId
    taker_buys: bool
    price_e8: int
    lots: int


@dataclass
class MatchResult:
    fills: list[Fill] = field(default_factory=list)
    cancelled: list[tuple[BookOrder, str]] = field(default_factory=list)  # (order, reason)
    rested: BookOrder | None = None
    dropped_lots: int = 0  # IOC / market remainder


Allowance = Callable[[BookOrder, int], int]


class Book:
    """Bids keyed by price, asks by -price, so the best level of either side is the last key
    of its ascending key list."""

    def __init__(self) -> None:
        self.levels: tuple[dict[int, dict[OrderId, BookOrder]], ...] = ({}, {})  # bids, asks
        self.keys: tuple[list[int], list[int]] = ([], [])
        self.orders: dict[OrderId, BookOrder] = {}
        self.seq = 0

    # --- views ---------------------------------------------------------------------------

    def best(self, buy_side: bool) -> int | None:
        keys = self.keys[0 if buy_side else 1]
        if not keys:
            return None
        return keys[-1] if buy_side else -keys[-1]

    def depth(self, buy_side: bool, n: int = 10) -> list[tuple[int, int, int]]:
        """(price, lots, orders) of the best ``n`` levels of one side."""
        side = 0 if buy_side else 1
        out = []
        for k in reversed(self.keys[side][-n:] if n else self.keys[side]):
            lvl = self.levels[side][k]
            out.append((k if buy_side else -k, sum(o.lots for o in lvl.values()), len(lvl)))
        return out

    # --- changes -------------------------------------------------------------------------

    def add(self, o: BookOrder) -> None:
        if o.id in self.orders:
            raise UnknownOrderError(f"order {o.id} is already on the book")
        side = 0 if o.buy else 1
        k = o.price_e8 if o.buy else -o.price_e8
        lvl = self.levels[side].get(k)
        if lvl is None:
            lvl = self.levels[side][k] = {}
            bisect.insort(self.keys[side], k)
        lvl[o.id] = o
        self.orders[o.id] = o
        self.seq = max(self.seq, o.seq + 1)

    def remove(self, oid: OrderId) -> BookOrder:
        o = self.orders.pop(oid, None)
        if o is None:
            raise UnknownOrderError(f"order {oid[1]} of {oid[0]} is not open")
        side = 0 if o.buy else 1
        k = o.price_e8 if o.buy else -o.price_e8
        lvl = self.levels[side][k]
        del lvl[oid]
        if not lvl:
            del self.levels[side][k]
            keys = self.keys[side]
            del keys[bisect.bisect_left(keys, k)]
        return o


def match(
    book: Book,
    oid: OrderId,
    buy: bool,
    price_e8: int,
    lots: int,
    *,
    ioc: bool = False,
    post_only: bool = False,
    reduce_only: bool = False,
    maker_allowance: Allowance | None = None,
) -> MatchResult:
    """Match an incoming limit order (a market order arrives as a limit at its protection
    price with ``ioc``). The book is changed in place and the result says how."""
    res = MatchResult()
    side = 1 if buy else 0  # the side it trades against
    keys, levels = book.keys[side], book.levels[side]

    def crosses(k: int) -> bool:
        p = -k if buy else k
        return p <= price_e8 if buy else p >= price_e8

    if post_only and keys and crosses(keys[-1]):
        raise PostOnlyError(
            f"post-only order at {e8(price_e8)} would trade against the resting "
            f"{'ask' if buy else 'bid'} at {e8(abs(keys[-1]))}"
        )
    left = lots
    while left and keys and crosses(keys[-1]):
        lvl = levels[keys[-1]]
        maker = next(iter(lvl.values()))
        if maker.account == oid[0]:
            book.remove(maker.id)
            res.cancelled.append((maker, "self-trade"))
            continue
        asked = min(left, maker.lots)
        q = asked if maker_allowance is None else max(0, min(asked, maker_allowance(maker, asked)))
        if q:
            res.fills.append(Fill(maker.id, oid, buy, maker.price_e8, q))
            left -= q
            maker.lots -= q
        if maker.lots == 0:
            book.remove(maker.id)
        elif q < asked:  # the maker may no longer trade this much: the rest of it goes
            book.remove(maker.id)
            res.cancelled.append((maker, "maker-risk"))
    if left:
        if ioc:
            res.dropped_lots = left
        else:
            o = BookOrder(oid, buy, price_e8, left, book.seq, reduce_only)
            book.add(o)
            res.rested = o
    return res


def cancel(book: Book, oid: OrderId) -> BookOrder:
    return book.remove(oid)
