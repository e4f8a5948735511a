"""Optimistic credit inside the venue's state machine (tests/margin/test_stateful.py): random
interleavings of lock reports, accounts selling puts on them, proofs within and after the
window, reorgs (a report never proven, or its lock id proven for another account), deadlines
with the keeper's pass (lapses, margin checks, liquidations), price moves, trading,
liquidations, withdrawals and releases. After every step, besides the books
balancing: what reports count stays within the per-account cap and the insurance fund's
fraction, a lock with a final credit counts once, and every withdrawal and Release the venue
granted holds with proven collateral alone.

The insurance fund's loss on a lapse is checked exactly in a property of its own (a phantom
account trading on a report, a price move, the keeper, the lapse): it never exceeds the value
the report counted."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from tests.margin.helpers import (
    BOB,
    CAROL,
    COMMITTEE_KEYS,
    E6,
    E8,
    ERIN,
    EXEC_CHAIN,
    NOW,
    PUT,
    SRC,
    VAULT,
    WETH,
    credit_lock,
    machine_settings,
    make_config,
    mark,
    order,
    put_lots_allowed,
    ready_venue,
    release,
    withdraw,
)
from tests.margin.test_stateful import ACCOUNTS, VenueMachine
from zkcollat.attest.lock_report import LockReport, sign_lock_report
from zkcollat.errors import ZkcollatError
from zkcollat.margin.config import BPS, ProvisionalParams
from zkcollat.margin.ledger import INSURANCE
from zkcollat.margin.risk import value_of
from zkcollat.margin.venue import Venue

DAY = 86_400
PROV = ProvisionalParams(
    extra_haircut_bps=2500, max_account_e6=4_000 * E6, fund_fraction_bps=3000,
    verification_window_s=1800,
)


def report(v: Venue, account: str, lock_id: int, amount: int, now: int) -> Any:
    rep = LockReport(
        SRC, VAULT, lock_id, account, EXEC_CHAIN, WETH, amount, NOW + 40 * DAY, 500, b"\x09" * 32
    )
    signed = sign_lock_report(rep, v.registry.config.domain, COMMITTEE_KEYS[1:])
    return v.report_lock(signed, now=now)


def fund_equity(v: Venue, now: int) -> int:
    """The fund's cash, the positions it took over at the mark, and its claims on seizes."""
    pos = value_of(v.ledger.positions_of(INSURANCE), v.units(now))
    return v.ledger.cash[INSURANCE] + pos + v.receivable_e6()


class ProvisionalMachine(VenueMachine):
    def __init__(self) -> None:
        super().__init__()
        self.v, self.tv = ready_venue(make_config(provisional=PROV))
        self.v.fund_insurance(40_000 * E6, now=self.now)
        self.reported: dict[int, tuple[str, int]] = {}  # lock id -> (account, amount)

    @initialize(
        start=st.lists(
            st.tuples(st.sampled_from(ACCOUNTS), st.integers(1, 30), st.integers(0, 3_000)),
            min_size=1,
            max_size=4,
        )
    )
    def some_reports(self, start: list[tuple[str, int, int]]) -> None:
        """Every run starts with reports (and some cash), so the rules below meet them."""
        for acct, tenths, cash in start:
            if cash:
                self.v.deposit(acct, cash * E6, now=self.now)
            self.report_lock(acct, tenths)

    @rule(acct=st.sampled_from(ACCOUNTS), tenths=st.integers(1, 30))
    def report_lock(self, acct: str, tenths: int) -> None:
        lock_id = next(self.lock_ids)
        if self.attempt(report, self.v, acct, lock_id, tenths * 10**17, self.now) is not None:
            self.reported[lock_id] = (acct, tenths * 10**17)

    @rule(acct=st.sampled_from(ACCOUNTS), amount=st.integers(1, 3_000 * E6))
    def deposit(self, acct: str, amount: int) -> None:
        """Smaller deposits than the base machine's: reports are what accounts lean on."""
        self.v.deposit(acct, amount, now=self.now)

    @rule(acct=st.sampled_from(ACCOUNTS), tenths=st.integers(5, 30), lots=st.integers(1, 60))
    def report_and_lever_up(self, acct: str, tenths: int, lots: int) -> None:
        self.report_lock(acct, tenths)
        self.lever_up(acct, lots)

    @rule(acct=st.sampled_from(ACCOUNTS), lots=st.integers(1, 60))
    def lever_up(self, acct: str, lots: int) -> None:
        """``acct`` sells as many puts (up to ``lots``) as initial margin allows, reports
        included, to Erin's bid at the mark."""
        v = self.v
        try:
            m = mark(v, PUT, self.now)
        except ZkcollatError:
            return
        lots = put_lots_allowed(v, acct, lots, m, self.now)
        if lots and m > 0:
            v.deposit(ERIN, lots * m // 10**3 * 2 + 10**9, now=self.now)  # premium, fees
            if self.attempt(v.place, order(v, ERIN, PUT, True, lots, m, now=self.now),
                            now=self.now) is not None:
                self.attempt(
                    v.place, order(v, acct, PUT, False, lots, m, ioc=True, now=self.now),
                    now=self.now,
                )

    @rule(data=st.data(), part=st.integers(1, 10))
    def prove(self, data: st.DataObject, part: int) -> None:
        """The reported lock's proof arrives (within the window or not), for a part of it."""
        open_ = sorted(k for k in self.reported if (SRC, VAULT, k) not in self.v.credits)
        if not open_:
            return
        lock_id = data.draw(st.sampled_from(open_))
        acct, amount = self.reported[lock_id]
        self.attempt(
            credit_lock, self.v, self.tv, acct, lock_id, amount * part // 10, now=self.now,
            min_expiry=NOW + 40 * DAY,
        )

    @rule(data=st.data(), other=st.sampled_from(ACCOUNTS))
    def reorg_reuses_the_lock_id(self, data: st.DataObject, other: str) -> None:
        """The reported lock was reorged out and another lock (maybe another account's) took
        its id: that lock's proof arrives."""
        open_ = sorted(k for k in self.reported if (SRC, VAULT, k) not in self.v.credits)
        if open_:
            lock_id = data.draw(st.sampled_from(open_))
            self.attempt(
                credit_lock, self.v, self.tv, other, lock_id, 10**17, now=self.now,
                min_expiry=NOW + 40 * DAY,
            )

    @rule(data=st.data(), other=st.sampled_from(ACCOUNTS), tenths=st.integers(0, 30))
    def reorg_under_the_report(self, data: st.DataObject, other: str, tenths: int) -> None:
        """The report's source block left the chain (margin sync saw it): it stops counting;
        the new chain may carry a lock of that id (``tenths`` > 0, maybe another account's),
        reported again, before the accounts that lost a report are margin-checked."""
        v = self.v
        active = sorted(k[2] for k, p in v.provisional.items() if p.status == "active")
        if not active:
            return
        lock_id = data.draw(st.sampled_from(active))
        before = v.provisional[(SRC, VAULT, lock_id)]
        [gone] = v.reports_reorged([before.key], now=self.now)
        assert gone.status == "reorged" and v.provisional_values(self.now).get(before.key) is None
        if tenths:
            rep = LockReport(
                SRC, VAULT, lock_id, other, EXEC_CHAIN, WETH, tenths * 10**17, NOW + 40 * DAY,
                501, b"\x0a" * 32,
            )
            signed = sign_lock_report(rep, v.registry.config.domain, COMMITTEE_KEYS[1:])
            p = self.attempt(v.report_lock, signed, now=self.now)
            if p is not None:
                assert p.deadline == before.deadline and p.account == other
                self.reported[lock_id] = (other, tenths * 10**17)
                event("re-reported after a reorg")
        for r in v.check_accounts([before.account], now=self.now):
            assert r.account == before.account
            event("liquidated after a reorg")

    @rule(dt=st.integers(600, 3600))
    def keeper(self, dt: int) -> None:
        """Time passes (reports reach their deadline: reorged out, never proven) and the keeper
        resolves what is due."""
        self.now += dt
        out = self.v.resolve_reports(now=self.now)
        for p in out.resolved:
            event(f"report {p.status}")
            assert p.status in ("confirmed", "lapsed", "contradicted")
            if p.status == "confirmed":
                c = self.v.credits[p.key]
                assert (c.account, c.asset_id) == (p.account, p.asset_id)
        for acct in {p.account for p in out.resolved if p.status != "confirmed"}:
            # margin-checked at once: nobody who lost a report is left below maintenance
            # with positions the liquidation could close
            s = self.v.margin(acct, now=self.now)
            assert s.meets_mm or not self.v.ledger.positions_of(acct) or any(
                r.account == acct for r in out.liquidations
            )
        if out.liquidations:
            event("liquidated at a lapse")

    @rule(acct=st.sampled_from(ACCOUNTS), amount=st.integers(1, 20_000 * E6))
    def withdraw(self, acct: str, amount: int) -> None:
        s = self.attempt(
            self.v.withdraw, withdraw(self.v, acct, amount, now=self.now), now=self.now
        )
        if s is not None:  # granted: proven collateral alone holds it
            assert self.v.margin_final(acct, now=self.now).meets_im

    @rule(acct=st.sampled_from(ACCOUNTS), data=st.data())
    def release(self, acct: str, data: st.DataObject) -> None:
        mine = [c for c in self.v.credits.values() if c.account == acct and c.status == "active"]
        if not mine:
            return
        c = data.draw(st.sampled_from(mine))
        e = self.attempt(
            self.v.request_release, release(self.v, acct, c.lock_id, now=self.now), now=self.now
        )
        if e is not None:
            assert self.v.margin_final(acct, now=self.now).meets_im

    @invariant()
    def reports_within_their_caps(self) -> None:
        v = self.v
        vals = v.provisional_values(self.now)
        room = PROV.fund_fraction_bps * max(0, v.insurance_fund_e6()) // BPS
        assert sum(vals.values()) <= room
        per: dict[str, int] = {}
        for k, x in vals.items():
            assert x >= 0 and k not in v.credits  # a proven lock counts once, as its credit
            per[v.provisional[k].account] = per.get(v.provisional[k].account, 0) + x
            assert v.provisional[k].counts_at(self.now)
        assert all(x <= PROV.max_account_e6 for x in per.values())
        for a in ACCOUNTS:
            if a in v.modes:
                with_reports = v.margin(a, now=self.now).collateral_value_e6
                final = v.margin_final(a, now=self.now).collateral_value_e6
                assert with_reports - final == sum(
                    x for k, x in vals.items() if v.provisional[k].account == a
                )


TestProvisionalMachine = ProvisionalMachine.TestCase
TestProvisionalMachine.settings = machine_settings(10, 20)


class LongProvisionalMachine(ProvisionalMachine):
    pass


TestLongProvisionalMachine = pytest.mark.slow(LongProvisionalMachine.TestCase)
TestLongProvisionalMachine.settings = machine_settings(100, 50)


# --- the fund's loss on a reorged-out lock ------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tenths=st.integers(2, 40),
    cap=st.integers(300, 5_000),
    lots=st.integers(1, 80),
    move=st.integers(-500, 500),
    cash=st.integers(0, 800),
)
def test_a_lock_never_attested_costs_the_fund_at_most_what_it_counted(
    tenths: int, cap: int, lots: int, move: int, cash: int
) -> None:
    """Carol trades on a report whose lock never reaches an attested root; the price moves (by
    less than maintenance margin covers, and the keeper liquidates what falls below it); at the
    deadline the report lapses and Carol is liquidated: the fund's loss (cash, positions taken
    over at the mark, claims) is at most what the report counted."""
    prov = ProvisionalParams(2000, cap * E6, 5000, 1800)
    v, _ = ready_venue(make_config(provisional=prov))
    v.fund_insurance(100_000 * E6, now=NOW)
    if cash:
        v.deposit(CAROL, cash * E6, now=NOW)
    report(v, CAROL, 1, tenths * 10**17, NOW)
    v.deposit(BOB, 500_000 * E6, now=NOW)
    m = mark(v, PUT)
    lots = put_lots_allowed(v, CAROL, lots, m, NOW)
    if lots:
        v.place(order(v, BOB, PUT, True, lots, m), now=NOW)
        v.place(order(v, CAROL, PUT, False, lots, m, ioc=True), now=NOW)
    t = NOW + 600
    spot = 3000 * E8 * (10_000 + move) // 10_000
    v.set_market("ETH", spot, 6000, now=t)
    v.set_asset_price(SRC, WETH, spot, now=t)
    if not v.margin(CAROL, now=t).meets_mm:
        v.liquidate(CAROL, now=t)  # the keeper, before the deadline
    end = NOW + 1800
    counted = v.provisional_values(end - 1).get((SRC, VAULT, 1), 0)
    assert counted <= cap * E6
    before = fund_equity(v, end)
    out = v.resolve_reports(now=end)
    assert [p.status for p in out.resolved] == ["lapsed"]
    assert v.margin(CAROL, now=end).meets_mm or not v.ledger.positions_of(CAROL)
    assert before - fund_equity(v, end) <= counted
    v.audit()
    assert v.provisional_values(end) == {} and (SRC, VAULT, 1) not in v.credits

