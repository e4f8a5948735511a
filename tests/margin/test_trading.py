"""Signed orders through the venue: every rejected input names its rule, and every trade
moves the same exact cash between two accounts."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests.margin.helpers import (
    ALICE,
    BOB,
    CALL,
    CAROL,
    E6,
    E8,
    KEYS,
    NOW,
    PUT,
    cancel,
    credit_lock,
    mark,
    order,
    ready_venue,
    withdraw,
)
from zkcollat.margin import errors as E
from zkcollat.margin.ledger import FEES
from zkcollat.margin.pricing import OptionSpec, e8
from zkcollat.margin.risk import OpenOrder, e6
from zkcollat.margin.signed import Cancel, sign
from zkcollat.margin.venue import Venue


def funded():  # type: ignore[no-untyped-def]
    v, tv = ready_venue()
    for a in (ALICE, BOB, CAROL):
        v.deposit(a, 100_000 * E6, now=NOW)
    return v, tv


def test_trade_moves_exact_cash_and_fees() -> None:
    v, _ = funded()
    m = mark(v, PUT)
    v.place(order(v, BOB, PUT, True, 30, m), now=NOW)
    rep = v.place(order(v, ALICE, PUT, False, 20, m, ioc=True), now=NOW)
    assert [(f.maker[0], f.lots, f.price_e8) for f in rep.fills] == [(BOB, 20, m)]
    ins = v.instruments[PUT.name]
    cash = (m // ins.tick_e8) * 20 * ins.cash_per_tick_lot_e6
    maker_fee, taker_fee = -(-cash * 10 // 10_000), -(-cash * 30 // 10_000)
    assert v.ledger.cash[ALICE] == 100_000 * E6 + cash - taker_fee
    assert v.ledger.cash[BOB] == 100_000 * E6 - cash - maker_fee
    assert v.ledger.cash[FEES] == maker_fee + taker_fee
    assert v.ledger.position(ALICE, PUT.name) == -v.ledger.position(BOB, PUT.name) == -2 * E6
    assert v.ledger.oi[PUT.name] == 2 * E6
    v.audit()
    # the rest of Bob's bid still rests
    assert [(n, o.lots) for n, o in v.open_orders(BOB)] == [(PUT.name, 10)]


@pytest.mark.parametrize(
    "change, rule",
    [
        (dict(price_e8=10**7), "band"),
        (dict(price_e8=1), "tick"),
        (dict(price_e8=12_345_678_901), "tick"),
        (dict(size_lots=0), "size"),
        (dict(size_lots=10_001), "size"),
        (dict(instrument="ETH-1-1-P"), "instrument"),
        (dict(market=True), "order"),  # a market order carries price 0
    ],
)
def test_rejected_orders_name_the_rule(change: dict[str, object], rule: str) -> None:
    v, _ = funded()
    s = order(v, BOB, PUT, True, 1, mark(v, PUT))
    bad = replace(s.message, **change)  # type: ignore[arg-type]
    with pytest.raises(E.MarginRuleError) as ei:
        v.place(sign(KEYS["bob"], bad, v.domain), now=NOW)
    assert ei.value.rule == rule, ei.value


def test_signature_nonce_and_expiry() -> None:
    v, _ = funded()
    m = mark(v, PUT)
    forged = order(v, BOB, PUT, True, 1, m, key=KEYS["alice"])  # Alice signs for Bob
    with pytest.raises(E.SignedMessageError, match="only the account acts for itself"):
        v.place(forged, now=NOW)
    s = order(v, BOB, PUT, True, 1, m, nonce=77)
    v.place(s, now=NOW)
    with pytest.raises(E.NonceUsedError):
        v.place(s, now=NOW)  # a replay
    with pytest.raises(E.NonceUsedError):
        v.cancel(sign(KEYS["bob"], Cancel(BOB, 77, 77, NOW + 60), v.domain), now=NOW)
    late = order(v, BOB, PUT, True, 1, m, expiry=NOW - 1)
    with pytest.raises(E.MessageExpiredError):
        v.place(late, now=NOW)
    far = order(v, BOB, PUT, True, 1, m, expiry=NOW + 365 * 86_400)
    with pytest.raises(E.MessageExpiredError, match="too far"):
        v.place(far, now=NOW)
    tampered = replace(s, message=replace(s.message, size_lots=2, nonce=78))
    with pytest.raises(E.SignedMessageError):
        v.place(tampered, now=NOW)
    v.audit()


def test_cancel_only_own_open_orders() -> None:
    v, _ = funded()
    v.place(order(v, BOB, PUT, True, 3, mark(v, PUT), nonce=500), now=NOW)
    with pytest.raises(E.UnknownOrderError):
        v.cancel(cancel(v, ALICE, 500), now=NOW)  # Alice has no order 500
    assert v.cancel(cancel(v, BOB, 500), now=NOW).lots == 3
    assert v.open_orders(BOB) == [] and v.books[PUT.name].best(True) is None


def test_post_only_ioc_market_reduce_only_and_self_trade() -> None:
    v, _ = funded()
    m = mark(v, PUT)
    v.place(order(v, BOB, PUT, False, 5, m + 10**7), now=NOW)
    with pytest.raises(E.PostOnlyError):
        v.place(order(v, ALICE, PUT, True, 1, m + 10**7, post_only=True), now=NOW)
    rep = v.place(order(v, ALICE, PUT, True, 8, 0, market=True), now=NOW)
    assert sum(f.lots for f in rep.fills) == 5 and rep.dropped_lots == 3 and rep.rested_lots == 0
    with pytest.raises(E.ReduceOnlyError):  # Alice is long: a reduce-only buy adds
        v.place(order(v, ALICE, PUT, True, 1, m, reduce_only=True), now=NOW)
    v.place(order(v, ALICE, PUT, False, 50, m, reduce_only=True), now=NOW)  # capped at 5
    assert [o.lots for _, o in v.open_orders(ALICE)] == [5]
    # Alice's own resting sell is cancelled when her buy would meet it
    rep = v.place(order(v, ALICE, PUT, True, 1, m, ioc=True), now=NOW)
    assert rep.fills == [] and rep.cancelled[0][1] == "self-trade"
    v.audit()


def test_position_oi_and_open_order_limits() -> None:
    v, _ = funded()
    small = OptionSpec("ETH", PUT.expiry, 2600 * E8, "P")
    v.list_instrument(small, now=NOW, position_limit_lots=10, max_lots=10, oi_limit_lots=12)
    m = mark(v, small)
    v.place(order(v, BOB, small, True, 8, m), now=NOW)
    with pytest.raises(E.PositionLimitError):
        v.place(order(v, BOB, small, True, 3, m), now=NOW)  # 8 resting + 3 > 10
    v.place(order(v, CAROL, small, False, 8, m, ioc=True), now=NOW)
    with pytest.raises(E.OpenInterestLimitError):
        v.place(order(v, ALICE, small, True, 5, m), now=NOW)  # OI 8 + 5 > 12
    from tests.margin.helpers import make_config
    from zkcollat.margin.params import TradingParams

    v2, _ = ready_venue(make_config(trading=TradingParams(max_open_orders=2)))
    v2.deposit(BOB, 10**6 * E6, now=NOW)
    for _ in range(2):
        v2.place(order(v2, BOB, CALL, True, 1, mark(v2, CALL)), now=NOW)
    with pytest.raises(E.OpenOrdersLimitError):
        v2.place(order(v2, BOB, CALL, True, 1, mark(v2, CALL)), now=NOW)


def test_initial_margin_with_open_orders_for_taker_and_maker() -> None:
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 1, 2 * 10**18)  # about 5,600 of collateral, no cash
    m = mark(v, PUT)
    v.place(order(v, ALICE, PUT, False, 100, m), now=NOW)  # ~10 puts short: fits
    with pytest.raises(E.InsufficientMarginError, match="worst case"):
        v.place(order(v, ALICE, PUT, False, 100, m), now=NOW)  # both resting would not
    # the maker is checked again at its fill: after a price fall it no longer fits
    v.deposit(BOB, 100_000 * E6, now=NOW)
    v.set_market("ETH", 2600 * E8, 6000, now=NOW + 1)
    v.set_asset_price(1, "0x" + "c0" * 20, 2600 * E8, now=NOW + 1)
    m2 = v.mark_e8(PUT.name, NOW + 1)
    rep = v.place(
        order(v, BOB, PUT, True, 100, m2 - m2 % 10**7 + 10**8, ioc=True, now=NOW + 1), now=NOW + 1
    )
    assert rep.fills == [] and rep.cancelled[0][1] == "maker-risk"
    assert v.open_orders(ALICE) == []


def test_amounts_in_messages_are_human_units() -> None:
    """Margin messages show 1e-6 amounts to the cent with thousands separators: what an
    account has rounded down, what it needs rounded up (so 'below' stays true)."""
    assert e6(1_234_567_891) == "1,234.56" and e6(1_234_567_891, up=True) == "1,234.57"
    assert e6(-44_198_683) == "-44.20" and e6(-44_198_683, up=True) == "-44.19"
    assert e6(0) == e6(0, up=True) == "0.00" and e6(10_000, up=True) == "0.01"
    assert e6(1, up=True) == "0.01" and e6(1) == "0.00" and e6(-1) == "-0.01"
    assert e6(10**12) == "1,000,000.00"
    assert e8(11_310_000_000) == "113.10" and e8(280_000_000_000) == "2,800.00"
    assert e8(1) == "0.00000001" and e8(-12_345_678_901) == "-123.45678901" and e8(0) == "0.00"


def test_withdrawals_are_signed_and_keep_initial_margin() -> None:
    v, tv = funded()
    cash = v.ledger.cash[ALICE]
    with pytest.raises(E.InsufficientCashError) as exc:
        v.withdraw(withdraw(v, ALICE, cash + 1), now=NOW)
    # human units to the cent: what is asked rounded up, what the account has rounded down
    assert f"withdrawal of {e6(cash + 1, up=True)} exceeds" in str(exc.value)
    assert str(exc.value).endswith(f"'s cash {e6(cash)}") and e6(cash) != e6(cash + 1, up=True)
    v.place(order(v, BOB, PUT, True, 100, mark(v, PUT)), now=NOW)
    v.place(order(v, ALICE, PUT, False, 100, mark(v, PUT), ioc=True), now=NOW)
    with pytest.raises(E.InsufficientMarginError) as exc:
        v.withdraw(withdraw(v, ALICE, 100_000 * E6), now=NOW)
    human = r"-?\d{1,3}(,\d{3})*\.\d\d"
    assert re.search(f"equity {human} would be below initial margin {human} ", str(exc.value))
    s = v.withdraw(withdraw(v, ALICE, 1_000 * E6), now=NOW)
    assert s.meets_im and v.ledger.outside["@withdrawals"] == 1_000 * E6
    v.audit()


def test_group_commit_acknowledges_after_commit(tmp_path: object) -> None:
    from pathlib import Path

    from tests.margin.helpers import VENUE_KEY, make_config

    path = Path(str(tmp_path)) / "venue.sqlite"
    v, _ = ready_venue(db=path)
    for a in (ALICE, BOB):
        v.deposit(a, 100_000 * E6, now=NOW)
    m = mark(v, PUT)
    res = v.place_many(
        [
            order(v, BOB, PUT, True, 10, m),
            order(v, ALICE, PUT, True, 1, 1),
            order(v, ALICE, PUT, False, 4, m, ioc=True),
        ],
        now=NOW,
    )
    assert isinstance(res[1], E.TickError) and sum(f.lots for f in res[2].fills) == 4  # type: ignore[union-attr]
    assert str(res[1]).startswith("price 0.00000001 for ETH-") and "of the tick 0.10" in str(res[1])
    again = Venue.open(path, make_config(), VENUE_KEY)  # another process sees all of it
    assert again.ledger.position(ALICE, PUT.name) == -4 * 10**5
    assert [o.lots for _, o in again.open_orders(BOB)] == [6]
    again.audit()
    # a commit that fails acknowledges nothing
    import sqlite3

    from zkcollat.errors import StoreError

    real = v.store.conn

    class Failing:
        def __getattr__(self, n: str) -> object:
            return getattr(real, n)

        def execute(self, sql: str, *a: object) -> object:
            if sql == "COMMIT":
                raise sqlite3.OperationalError("disk I/O error")
            return real.execute(sql, *a)

    v.store.db.conn = Failing()  # type: ignore[assignment]
    with pytest.raises(StoreError, match="disk I/O error"):
        v.place_many([order(v, ALICE, PUT, False, 1, m, ioc=True)], now=NOW)
    v.store.db.conn = real
    assert v.ledger.position(ALICE, PUT.name) == -4 * 10**5


def test_portfolio_mode_switch_and_orders() -> None:
    v, _ = funded()
    m = mark(v, PUT)
    v.place(order(v, BOB, PUT, True, 50, m), now=NOW)
    v.place(order(v, ALICE, PUT, False, 50, m, ioc=True), now=NOW)
    std = v.margin(ALICE, now=NOW)
    s = v.set_margin_mode(ALICE, "portfolio", now=NOW)
    assert s.mode == "portfolio" and s.im_e6 != std.im_e6 and s.meets_im
    v.place(order(v, ALICE, PUT, False, 10, m), now=NOW)  # open orders count in portfolio too
    assert v.margin(ALICE, now=NOW).im_e6 > s.im_e6
    with pytest.raises(E.AccountError):
        v.set_margin_mode(ALICE, "cross", now=NOW)
    poor, _ = ready_venue()
    poor.deposit(ALICE, 1_000 * E6, now=NOW)
    poor.deposit(BOB, 100_000 * E6, now=NOW)
    pm = mark(poor, PUT)
    poor.set_margin_mode(ALICE, "portfolio", now=NOW)
    lot = poor.instruments[PUT.name].lot_e6
    n = 1
    while poor.margin(
        ALICE, now=NOW, orders=[OpenOrder(PUT.name, False, (n + 1) * lot, pm)]
    ).meets_im:
        n += 1
    poor.place(order(poor, BOB, PUT, True, n, pm), now=NOW)
    poor.place(order(poor, ALICE, PUT, False, n, pm, ioc=True), now=NOW)
    with pytest.raises(E.InsufficientMarginError):
        poor.set_margin_mode(ALICE, "standard", now=NOW)  # would need more under standard
    assert poor.modes[ALICE] == "portfolio"
    reopened = poor.store.conn.execute("SELECT mode FROM accounts WHERE account = ?", (ALICE,))
    assert reopened.fetchone()[0] == "portfolio"
    poor.audit()
