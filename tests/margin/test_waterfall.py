"""Every branch of the liquidation waterfall and of settlement (README, "The venue")."""

from __future__ import annotations

import pytest

from tests.margin.helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    E6,
    E8,
    EXPIRY,
    NOW,
    PUT,
    SRC,
    WETH,
    credit_lock,
    mark,
    order,
    ready_venue,
)
from zkcollat.margin import errors as E
from zkcollat.margin.ledger import INSURANCE, SEIZED
from zkcollat.margin.risk import OpenOrder
from zkcollat.margin.venue import Venue

T1 = NOW + 100


def short_puts(lots: int, *, collateral: int = 0, cash: int = 0):  # type: ignore[no-untyped-def]
    """Alice sells up to ``lots`` puts (as many as initial margin allows) to Bob at the mark;
    then ETH and WETH fall to 2100 in two accepted steps."""
    v, tv = ready_venue()
    if collateral:
        credit_lock(v, tv, ALICE, 1, collateral)
    if cash:
        v.deposit(ALICE, cash, now=NOW)
    v.deposit(BOB, 500_000 * E6, now=NOW)
    v.deposit(CAROL, 500_000 * E6, now=NOW)
    v.deposit(DAVE, 500_000 * E6, now=NOW)
    m = mark(v, PUT)
    lot = v.instruments[PUT.name].lot_e6
    while not v.margin(ALICE, now=NOW, orders=[OpenOrder(PUT.name, False, lots * lot, m)]).meets_im:
        lots -= 1
    v.place(order(v, BOB, PUT, True, lots, m), now=NOW)
    v.place(order(v, ALICE, PUT, False, lots, m, ioc=True), now=NOW)
    v.set_market("ETH", 2500 * E8, 6000, now=T1 - 2)
    v.set_market("ETH", 2100 * E8, 6000, now=T1 - 1)
    v.set_asset_price(SRC, WETH, 2100 * E8, now=T1 - 1)
    assert not v.margin(ALICE, now=T1).meets_mm
    return v, tv


def test_not_liquidatable_while_maintenance_holds() -> None:
    v, _ = ready_venue()
    v.deposit(ALICE, 10 * E6, now=NOW)
    with pytest.raises(E.NotLiquidatableError):
        v.liquidate(ALICE, now=NOW)


def test_book_within_band_then_fund_at_mark_and_penalty() -> None:
    v, _ = short_puts(100, cash=5_000 * E6)
    v.fund_insurance(50_000 * E6, now=T1)
    lots = -v.ledger.position(ALICE, PUT.name) // 10**5
    m = v.mark_e8(PUT.name, T1)
    v.place(order(v, CAROL, PUT, False, 30, m - m % 10**7 + 10**7, now=T1), now=T1)
    fund0 = v.ledger.cash[INSURANCE]
    rep = v.liquidate(ALICE, now=T1)
    assert [(f.maker[0], f.lots) for _, f in rep.book_fills] == [(CAROL, 30)]
    assert rep.to_fund == [(PUT.name, (lots - 30) * 10**5, rep.to_fund[0][2])]
    assert v.ledger.position(INSURANCE, PUT.name) == -(lots - 30) * 10**5
    assert v.ledger.positions_of(ALICE) == {} and v.open_orders(ALICE) == []
    assert rep.penalty_e6 > 0 and rep.seizes == []
    # the fund received the penalty (as far as Alice's cash went) and paid her deficit
    taken = -sum(c for _, _, c in rep.to_fund)  # Alice paid the fund to take her puts
    paid_penalty = v.ledger.cash[INSURANCE] - fund0 + rep.fund_paid_e6 - taken
    assert 0 <= paid_penalty <= rep.penalty_e6 and v.ledger.cash[ALICE] == 0
    v.audit()


def test_book_orders_outside_the_liquidation_band_are_not_used() -> None:
    v, _ = short_puts(100, cash=5_000 * E6)
    v.fund_insurance(50_000 * E6, now=T1)
    lots = -v.ledger.position(ALICE, PUT.name)
    m = v.mark_e8(PUT.name, T1)
    far = (m * 12 // 10) // 10**7 * 10**7  # 20% above the mark: outside the 15% band
    v.place(order(v, CAROL, PUT, False, 100, far, now=T1), now=T1)
    rep = v.liquidate(ALICE, now=T1)
    assert rep.book_fills == [] and rep.to_fund[0][1] == lots
    v.audit()


def test_deficit_paid_by_fund_and_seize_booked_only_when_executed() -> None:
    v, _ = short_puts(400, collateral=8 * 10**18)
    v.fund_insurance(30_000 * E6, now=T1)
    rep = v.liquidate(ALICE, now=T1)
    assert rep.fund_paid_e6 > 0 and len(rep.seizes) == 1 and rep.shortfall_e6 == 0
    seize = rep.seizes[0].message
    assert seize.kind == "Seize" and seize.deadline > T1 and seize.nonce == 0
    assert v.credits[(SRC, "0x" + "11" * 20, 1)].status == "seized"
    # signed, not executed: nothing booked yet, the fund holds a receivable
    assert v.ledger.outside[SEIZED] == 0 and v.receivable_e6() > 0
    fund, claim = v.ledger.cash[INSURANCE], v.receivable_e6()
    assert claim >= rep.fund_paid_e6  # what the fund paid (and any unpaid penalty)
    v.audit()
    back = v.seize_executed(rep.seizes[0].id, 15_000 * E6, now=T1 + 600)
    assert v.ledger.outside[SEIZED] == 15_000 * E6 and back == min(claim, 15_000 * E6)
    assert v.ledger.cash[ALICE] == 15_000 * E6 - back  # only what the fund did not pay back
    assert v.ledger.cash[INSURANCE] == fund + back and v.receivable_e6() == 0
    with pytest.raises(E.UnknownCreditError, match="already"):
        v.seize_executed(rep.seizes[0].id, 1, now=T1 + 700)
    v.audit()


def test_adl_before_the_fund_goes_negative() -> None:
    v, _ = short_puts(400, cash=5_000 * E6)  # no collateral, no fund: Bob (long) takes it
    lots = -v.ledger.position(ALICE, PUT.name)
    v.place(
        order(v, DAVE, PUT, False, 400, v.mark_e8(PUT.name, T1) // 10**7 * 10**7 + 10**7, now=T1),
        now=T1,
    )  # a book that would take it at the mark: not used
    bob_cash = v.ledger.cash[BOB]
    rep = v.liquidate(ALICE, now=T1)
    assert rep.book_fills == [] and rep.to_fund == []
    assert [(a, s) for _, a, s, _ in rep.adl] == [(BOB, lots)]
    assert v.ledger.cash[INSURANCE] >= 0 and v.ledger.position(BOB, PUT.name) == 0
    # Bob got less than the mark for his puts: the bankruptcy price leaves Alice at zero
    assert v.ledger.cash[ALICE] == 0 and rep.shortfall_e6 == 0
    at_mark = lots * v.mark_e8(PUT.name, T1) // 10**8
    assert v.ledger.cash[BOB] - bob_cash == -sum(c for *_, c in rep.adl) < at_mark
    v.audit()


def test_adl_takes_the_most_profitable_opposite_position_first() -> None:
    v, _ = ready_venue()
    for a in (BOB, CAROL, DAVE):
        v.deposit(a, 500_000 * E6, now=NOW)
    v.deposit(ALICE, 2_600 * E6, now=NOW)
    m = mark(v, PUT)
    v.place(order(v, BOB, PUT, True, 50, m), now=NOW)  # Bob buys at the mark
    v.place(order(v, ALICE, PUT, False, 50, m, ioc=True), now=NOW)
    hi = m + m * 2 // 10 // 10**7 * 10**7
    v.place(order(v, CAROL, PUT, True, 50, hi), now=NOW)  # Carol pays 20% more: less profit
    v.place(order(v, DAVE, PUT, False, 50, hi, ioc=True), now=NOW)
    v.set_market("ETH", 2500 * E8, 6000, now=T1 - 2)
    v.set_market("ETH", 2100 * E8, 6000, now=T1 - 1)
    rep = v.liquidate(ALICE, now=T1)
    assert [a for _, a, _, _ in rep.adl] == [BOB]
    v.audit()


def test_shortfall_stays_as_debt_when_nothing_can_absorb_it() -> None:
    v, _ = short_puts(400, cash=5_000 * E6)
    m = v.mark_e8(PUT.name, T1)
    lots = -v.ledger.position(ALICE, PUT.name) // 10**5
    # Bob, the only opposite holder, sells his puts to Carol: Carol is now the long
    v.place(order(v, CAROL, PUT, True, lots, m // 10**7 * 10**7, now=T1), now=T1)
    v.place(
        order(v, BOB, PUT, False, lots, m // 10**7 * 10**7, reduce_only=True, ioc=True, now=T1),
        now=T1,
    )
    # and a book ask far worse than the estimate at the mark, inside the band
    v.place(order(v, DAVE, PUT, False, lots, (m * 114 // 100) // 10**7 * 10**7, now=T1), now=T1)
    v.fund_insurance(10**6 * E6, now=T1)  # plenty: no deleveraging, the book is used
    rep = v.liquidate(ALICE, now=T1)
    assert rep.adl == [] and [f.maker[0] for _, f in rep.book_fills] == [DAVE]
    assert rep.fund_paid_e6 > 0 and rep.shortfall_e6 == 0 and v.ledger.cash[ALICE] == 0
    v.audit()


def test_shortfall_when_the_book_costs_more_than_the_fund_covers() -> None:
    v, _ = short_puts(400, cash=5_000 * E6)
    m = v.mark_e8(PUT.name, T1)
    size = v.ledger.position(ALICE, PUT.name)
    at_mark = v.mark_cash(v.instruments[PUT.name], size, T1)
    v.fund_insurance(-(v.ledger.cash[ALICE] + at_mark), now=T1)  # exactly the estimate
    v.place(
        order(v, DAVE, PUT, False, -size // 10**5, (m * 114 // 100) // 10**7 * 10**7, now=T1),
        now=T1,
    )
    rep = v.liquidate(ALICE, now=T1)
    assert rep.adl == [] and [f.maker[0] for _, f in rep.book_fills] == [DAVE]
    assert v.ledger.cash[INSURANCE] == 0 and rep.shortfall_e6 > 0
    assert v.ledger.cash[ALICE] == -rep.shortfall_e6  # a debt: the books still balance
    v.audit()


def test_liquidation_uses_the_last_accepted_price_while_a_jump_is_held() -> None:
    v, _ = short_puts(100, cash=5_000 * E6)
    before = v.margin(ALICE, now=T1)
    assert v.set_market("ETH", 1000 * E8, 6000, now=T1) == "held"
    assert v.margin(ALICE, now=T1) == before  # the held price is not used
    v.liquidate(ALICE, now=T1)
    v.audit()


def settle_world(short_cash: int, fund: int):  # type: ignore[no-untyped-def]
    """Alice sells 2 puts, to Bob (1, at the mark) and Carol (1, at the mark + 1); ETH ends
    at 1700 then 1400 over the TWAP window: settlement price 1550."""
    v, _ = ready_venue()
    v.deposit(ALICE, short_cash, now=NOW)
    v.deposit(BOB, 500_000 * E6, now=NOW)
    v.deposit(CAROL, 500_000 * E6, now=NOW)
    if fund:
        v.fund_insurance(fund, now=NOW)
    m = mark(v, PUT)
    v.place(order(v, BOB, PUT, True, 10, m), now=NOW)
    v.place(order(v, CAROL, PUT, True, 10, m + 10**8), now=NOW)
    v.place(order(v, ALICE, PUT, False, 20, m, ioc=True), now=NOW)
    for i, spot in enumerate((2500, 2100, 1700, 1400, 1400)):
        v.set_market("ETH", spot * E8, 6000, now=EXPIRY - 3600 + 900 * i)
    return v


def test_settlement_pays_intrinsic_at_the_twap_and_closes() -> None:
    v = settle_world(50_000 * E6, 0)
    with pytest.raises(E.SettlementError):
        v.settle_one(v.instruments[PUT.name], NOW)
    a0, b0 = v.ledger.cash[ALICE], v.ledger.cash[BOB]
    (rep,) = [r for r in v.settle(now=EXPIRY + 5) if r.instrument == PUT.name]
    assert rep.price_e8 == 1550 * E8
    intrinsic = 1250 * 10**6  # (2800 - 1550) per unit, e6
    assert v.ledger.cash[ALICE] == a0 - 2 * intrinsic and v.ledger.cash[BOB] == b0 + intrinsic
    assert v.ledger.oi[PUT.name] == 0 and v.instruments[PUT.name].status == "settled"
    assert v.settle(now=EXPIRY + 10) == []
    with pytest.raises(E.InstrumentExpiredError):
        v.place(order(v, BOB, PUT, True, 1, 10**8, now=EXPIRY + 10), now=EXPIRY + 10)
    v.audit()


def test_a_short_that_cannot_pay_goes_through_the_waterfall() -> None:
    v = settle_world(2_100 * E6, 100 * E6)
    (rep,) = [r for r in v.settle(now=EXPIRY + 5) if r.instrument == PUT.name]
    assert rep.waterfalls and rep.waterfalls[0]["fund_paid_e6"] == 100 * E6
    assert rep.adl_e6 > 0 and v.ledger.cash[INSURANCE] == 0 and v.ledger.cash[ALICE] == 0
    # the longs share what nobody could pay, the most profitable (Bob, who paid less) first
    assert rep.paid[BOB] == 1250 * 10**6 - rep.adl_e6 and rep.paid[CAROL] == 1250 * 10**6
    v.audit()


def test_a_short_held_by_the_fund_that_it_cannot_pay_is_shared_by_the_longs() -> None:
    """The fund holds what a liquidation could not close. At expiry nobody stands behind it:
    settlement must not try to liquidate the fund (it did, and failed: 'insurance' is not an
    address); what the fund cannot pay is cut from the longs, and the books still balance."""
    v = settle_world(50_000 * E6, 100 * E6)
    ins = v.instruments[PUT.name]
    size = v.ledger.position(ALICE, PUT.name)
    assert size < 0
    v.trade_at(ins, ALICE, INSURANCE, size, 0, NOW + 1, "transfer")  # as a liquidation does
    assert v.ledger.position(INSURANCE, PUT.name) == size
    fund = v.ledger.cash[INSURANCE]
    due = 2 * 1250 * 10**6  # two puts at (2800 - 1550), e6
    assert 0 < fund < due
    (rep,) = [r for r in v.settle(now=EXPIRY + 5) if r.instrument == PUT.name]
    assert rep.adl_e6 == due - fund and v.ledger.cash[INSURANCE] == 0
    assert rep.paid[BOB] + rep.paid[CAROL] == fund  # the longs get what the fund had
    assert rep.waterfalls == [
        {"account": INSURANCE, "fund_paid_e6": 0, "shortfall_e6": due - fund, "seizes": []}
    ]
    v.audit()


def test_settlement_needs_a_price() -> None:
    v, _ = make_unpriced()
    with pytest.raises(E.SettlementError, match="no accepted oracle price"):
        v.settle(now=EXPIRY + 5)


def make_unpriced() -> tuple[Venue, object]:
    from tests.margin.helpers import make_venue

    v, tv = make_venue()
    v.list_instrument(PUT, now=NOW)
    return v, tv
