"""The matching engine on its own: price-time priority, IOC, post-only, self-trade prevention,
the maker allowance, cancel."""

from __future__ import annotations

import pytest

from zkcollat.margin import errors as E
from zkcollat.margin.book import Book, BookOrder, cancel, match


def book_with(*orders: tuple[str, int, bool, int, int]) -> Book:
    b = Book()
    for seq, (acct, nonce, buy, price, lots) in enumerate(orders):
        b.add(BookOrder((acct, nonce), buy, price, lots, seq))
    return b


def test_price_then_time_priority_and_maker_price() -> None:
    b = book_with(("m1", 1, False, 105, 2), ("m2", 1, False, 103, 1), ("m3", 1, False, 103, 4))
    r = match(b, ("t", 1), True, 105, 6)
    assert [(f.maker, f.price_e8, f.lots) for f in r.fills] == [
        (("m2", 1), 103, 1),
        (("m3", 1), 103, 4),
        (("m1", 1), 105, 1),
    ]
    assert r.rested is None and b.orders[("m1", 1)].lots == 1
    assert b.best(False) == 105 and b.best(True) is None


def test_limit_rests_and_ioc_drops() -> None:
    b = book_with(("m", 1, False, 110, 1))
    r = match(b, ("t", 1), True, 100, 5)
    assert r.fills == [] and r.rested is not None and b.best(True) == 100
    r = match(b, ("t", 2), True, 110, 3, ioc=True)
    assert [f.lots for f in r.fills] == [1] and r.dropped_lots == 2 and r.rested is None
    assert ("t", 2) not in b.orders


def test_post_only_refused_whole_when_it_would_trade() -> None:
    b = book_with(("m", 1, True, 100, 1))
    with pytest.raises(E.PostOnlyError) as ei:
        match(b, ("t", 1), False, 100, 1, post_only=True)
    assert ei.value.rule == "post-only" and b.orders[("m", 1)].lots == 1
    r = match(b, ("t", 2), False, 101, 1, post_only=True)
    assert r.rested is not None


def test_self_trade_cancels_the_resting_order() -> None:
    b = book_with(("a", 1, False, 100, 2), ("b", 1, False, 101, 2))
    r = match(b, ("a", 2), True, 101, 2)
    assert [c[0].id for c in r.cancelled] == [("a", 1)] and r.cancelled[0][1] == "self-trade"
    assert [(f.maker, f.lots) for f in r.fills] == [(("b", 1), 2)]
    assert all(f.maker[0] != "a" for f in r.fills)


def test_maker_allowance_cancels_a_maker_that_may_not_trade() -> None:
    b = book_with(("poor", 1, False, 100, 5), ("rich", 1, False, 100, 5))
    r = match(
        b, ("t", 1), True, 100, 6, maker_allowance=lambda o, q: 2 if o.account == "poor" else q
    )
    assert [(f.maker[0], f.lots) for f in r.fills] == [("poor", 2), ("rich", 4)]
    assert ("poor", 1) not in b.orders and r.cancelled[0][1] == "maker-risk"
    assert b.orders[("rich", 1)].lots == 1


def test_cancel_and_depth() -> None:
    b = book_with(("a", 1, True, 99, 1), ("b", 1, True, 99, 2), ("c", 1, True, 98, 3))
    assert b.depth(True) == [(99, 3, 2), (98, 3, 1)]
    assert cancel(b, ("a", 1)).lots == 1
    with pytest.raises(E.UnknownOrderError):
        cancel(b, ("a", 1))
    assert b.depth(True) == [(99, 2, 1), (98, 3, 1)]
    cancel(b, ("b", 1))
    assert b.best(True) == 98
    with pytest.raises(E.UnknownOrderError):
        b.add(BookOrder(("c", 1), True, 97, 1, 9))
