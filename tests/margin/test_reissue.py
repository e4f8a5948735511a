"""A Seize or Release whose deadline passed on the source chain before it executed is issued
again (a fresh nonce and deadline; the same lock, and for a Seize the same amount and fund
claim), for a single credit and for a portfolio's lock; never before the deadline has passed
there, never after it executed; the money is booked once, when the vault reports the one that
executed, and a Release moves none."""

from __future__ import annotations

import pytest

from tests.margin.helpers import ALICE, E6, NOW, SRC, VAULT, credit_lock, ready_venue, release
from tests.margin.test_portfolio_credit import (
    WETH_INT,
    credit_portfolio,
    short_puts_on_portfolio,
    venue,
)
from tests.margin.test_waterfall import T1, short_puts
from zkcollat.margin import errors as E
from zkcollat.margin.ledger import INSURANCE, SEIZED
from zkcollat.margin.messages import Release, Seize


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


def test_expired_release_issued_again_until_executed() -> None:
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 4, 10**18)
    entry = v.request_release(release(v, ALICE, 4), now=NOW)
    old = entry.message
    assert isinstance(old, Release)
    v.mark_sent(entry.id, now=NOW)
    books = (dict(v.ledger.cash), v.receivable_e6())
    with pytest.raises(E.AccountError, match="has not passed on the source chain"):
        v.reissue_release(entry.id, source_time=old.deadline, now=old.deadline)
    with pytest.raises(E.UnknownCreditError, match="not a Seize"):  # kinds are not mixed
        v.reissue_seize(entry.id, source_time=old.deadline + 1, now=old.deadline + 1)
    later = old.deadline + 60
    new = v.reissue_release(entry.id, source_time=later, now=later)
    m = new.message
    assert isinstance(m, Release) and new.id == entry.id
    assert (m.source_chain_id, m.vault, m.lock_id) == (old.source_chain_id, old.vault, 4)
    assert m.nonce != old.nonce and m.deadline > later and new.signer == entry.signer
    (again,) = [e for e in v.outbox(pending_only=False) if e.id == entry.id]
    assert again.message == m and again.sent_at is None  # to be sent again
    v.mark_sent(entry.id, now=later)
    # twice expired: issued a third time, each with its own nonce
    third = v.reissue_release(entry.id, source_time=m.deadline + 1, now=m.deadline + 1)
    assert len({old.nonce, m.nonce, third.message.nonce}) == 3
    assert (dict(v.ledger.cash), v.receivable_e6()) == books  # a Release moves no money
    c = v.get_credit(SRC, VAULT, 4)
    assert c is not None and c.status == "released"  # and stays so
    assert v.release_executed(entry.id, now=later + 100) is True
    assert v.release_executed(entry.id, now=later + 101) is False  # a replayed event
    with pytest.raises(E.AccountError, match="was executed"):
        v.reissue_release(entry.id, source_time=later + 10**6, now=later + 10**6)
    v.audit()


def test_release_refusals() -> None:
    v, _ = short_puts(400, collateral=8 * 10**18)
    v.fund_insurance(30_000 * E6, now=T1)
    seize = v.liquidate(ALICE, now=T1).seizes[0]
    with pytest.raises(E.UnknownCreditError, match="not a Release"):
        v.reissue_release(seize.id, source_time=T1 + 10**6, now=T1 + 10**6)
    with pytest.raises(E.UnknownCreditError, match="not a Release"):
        v.release_executed(seize.id, now=T1)
    with pytest.raises(E.UnknownCreditError, match="not a Release"):
        v.reissue_release(999, source_time=T1, now=T1)
    assert v.outbox(pending_only=False)[0].executed_at is None


def test_portfolio_release_issued_again() -> None:
    v = venue()
    credit_portfolio(v, ALICE, (2, 3), (WETH_INT,), (10**18,))
    out = v.request_portfolio_release(release(v, ALICE, 3), now=NOW)
    for e in out:
        v.mark_sent(e.id, now=NOW)
    first = out[1].message
    t = first.deadline + 1
    new = v.reissue_release(out[1].id, source_time=t, now=t)
    assert new.message.lock_id == 3 and new.message.nonce != first.nonce
    assert v.release_executed(out[0].id, now=t)
    assert [e.sent_at is None for e in v.outbox(pending_only=False)] == [False, True]
    v.audit()
