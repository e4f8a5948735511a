"""A Seize whose deadline passed on the source chain before it executed is issued again (a fresh
nonce and deadline; the same lock, amount and fund claim), for a single credit and for a
portfolio's lock; never before the deadline has passed there, never after it executed; the
money is booked once, when the vault reports the one that executed."""

from __future__ import annotations

import pytest

from tests.margin.helpers import ALICE, E6
from tests.margin.test_portfolio_credit import WETH_INT, short_puts_on_portfolio
from tests.margin.test_waterfall import T1, short_puts
from zkcollat.margin import errors as E
from zkcollat.margin.ledger import INSURANCE, SEIZED
from zkcollat.margin.messages import Seize


def test_expired_seize_issued_again_and_booked_once() -> None:
    v, _ = short_puts(400, collateral=8 * 10**18)
    v.fund_insurance(30_000 * E6, now=T1)
    rep = v.liquidate(ALICE, now=T1)
    entry = rep.seizes[0]
    old = entry.message
    assert isinstance(old, Seize)
    v.mark_sent(entry.id, now=T1)
    claim = v.receivable_e6()
    with pytest.raises(E.AccountError, match="has not passed on the source chain"):
        v.reissue_seize(entry.id, source_time=old.deadline, now=old.deadline)
    later = old.deadline + 60
    new = v.reissue_seize(entry.id, source_time=later, now=later)
    m = new.message
    assert isinstance(m, Seize) and new.id == entry.id
    assert (m.source_chain_id, m.vault, m.lock_id, m.amount) == (
        old.source_chain_id, old.vault, old.lock_id, old.amount
    )
    assert m.nonce != old.nonce and m.deadline > later and new.signer == entry.signer
    (again,) = [e for e in v.outbox(pending_only=False) if e.id == entry.id]
    assert again.message == m and again.sent_at is None  # to be sent again
    assert v.receivable_e6() == claim  # the same claim rides on it
    v.audit()
    # executed: booked once; nothing to issue again
    back = v.seize_executed(entry.id, 15_000 * E6, now=later + 60)
    assert v.ledger.outside[SEIZED] == 15_000 * E6 and v.receivable_e6() == 0
    assert back == min(claim, 15_000 * E6)
    with pytest.raises(E.AccountError, match="was executed"):
        v.reissue_seize(entry.id, source_time=later + 10**6, now=later + 10**6)
    with pytest.raises(E.UnknownCreditError, match="already"):
        v.seize_executed(entry.id, 1, now=later + 70)
    v.audit()


def test_not_a_seize_refused() -> None:
    v, _ = short_puts(400, collateral=8 * 10**18)
    with pytest.raises(E.UnknownCreditError, match="not a Seize"):
        v.reissue_seize(999, source_time=T1, now=T1)


def test_portfolio_seize_issued_again_then_the_next_lock() -> None:
    v, pid = short_puts_on_portfolio(cash=20_000 * E6)
    v.fund_insurance(30_000 * E6, now=T1)
    first = v.liquidate(ALICE, now=T1).seizes[0]
    old = first.message
    assert isinstance(old, Seize)
    fund0 = v.ledger.cash[INSURANCE]
    new = v.reissue_seize(first.id, source_time=old.deadline + 1, now=old.deadline + 1)
    assert new.message.lock_id == old.lock_id and new.message.amount == old.amount  # type: ignore[union-attr]
    p = v.portfolios[pid]
    assert p.status == "seizing" and p.next_lock == 1  # still this lock's turn
    paid = old.amount // 2
    back = v.seize_executed_units(first.id, paid, WETH_INT, now=old.deadline + 60)
    assert v.ledger.cash[INSURANCE] == fund0 + back
    assert v.portfolios[pid].seized[0] == paid
    nxt = [e for e in v.outbox(pending_only=False) if e.id > first.id]
    assert [e.message.lock_id for e in nxt] == [11]
    v.audit()
