"""A hypothesis state machine over the whole venue: deposits, credits, orders, cancels,
oracle moves (some beyond the jump limit), liquidations, expiries and settlements, seizes
executed, withdrawals and releases, across several accounts. After every step the books must
balance (the conservation equation, open interest netting to zero, every balance equal to its
journal), and every Release the venue signed must have left its account meeting initial
margin without the lock and with its open orders.

The default run is short; ``pytest -m slow`` runs the long one."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.margin.helpers import (
    ALICE,
    BOB,
    CALL,
    CAROL,
    DAVE,
    DAY,
    E6,
    E8,
    EXPIRY,
    NOW,
    PUT,
    SRC,
    WETH,
    credit_lock,
    order,
    ready_venue,
    release,
    withdraw,
)
from zkcollat.errors import ZkcollatError
from zkcollat.margin import errors as E

ACCOUNTS = (ALICE, BOB, CAROL, DAVE)
INSTRUMENTS = (PUT, CALL)


class VenueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.v, self.tv = ready_venue()
        self.now = NOW
        self.spot = 3000 * E8
        self.lock_ids = iter(range(1, 10**6))
        self.seizes_done: set[int] = set()

    def attempt(self, fn, *args, **kw):  # type: ignore[no-untyped-def]
        """A refusal (naming its rule) is a fine outcome; a broken equation never is."""
        try:
            return fn(*args, **kw)
        except E.ConservationError:
            raise
        except ZkcollatError as e:
            assert str(e)
            return None

    @rule(acct=st.sampled_from(ACCOUNTS), amount=st.integers(1, 50_000 * E6))
    def deposit(self, acct: str, amount: int) -> None:
        self.v.deposit(acct, amount, now=self.now)

    @rule(acct=st.sampled_from(ACCOUNTS), weth=st.integers(1, 10))
    def credit(self, acct: str, weth: int) -> None:
        self.attempt(
            credit_lock,
            self.v,
            self.tv,
            acct,
            next(self.lock_ids),
            weth * 10**17,
            now=self.now,
            min_expiry=NOW + 40 * DAY,
        )

    @rule(
        acct=st.sampled_from(ACCOUNTS),
        which=st.sampled_from(INSTRUMENTS),
        buy=st.booleans(),
        lots=st.integers(1, 60),
        offset=st.integers(-30, 30),
        ioc=st.booleans(),
        market=st.booleans(),
        reduce_only=st.booleans(),
    )
    def place(
        self,
        acct: str,
        which,
        buy: bool,
        lots: int,
        offset: int,
        ioc: bool,  # type: ignore[no-untyped-def]
        market: bool,
        reduce_only: bool,
    ) -> None:
        try:
            m = self.v.mark_e8(which.name, self.now)
        except ZkcollatError:
            return
        price = 0 if market else max(10**7, m - m % 10**7 + offset * 10**7)
        s = order(
            self.v,
            acct,
            which,
            buy,
            lots,
            price,
            now=self.now,
            ioc=ioc,
            market=market,
            reduce_only=reduce_only,
        )
        self.attempt(self.v.place, s, now=self.now)

    @rule(acct=st.sampled_from(ACCOUNTS), data=st.data())
    def cancel(self, acct: str, data: st.DataObject) -> None:
        mine = self.v.open_orders(acct)
        if mine:
            from tests.margin.helpers import cancel

            _, o = data.draw(st.sampled_from(mine))
            self.v.cancel(cancel(self.v, acct, o.id[1], now=self.now), now=self.now)

    @rule(move=st.integers(-3000, 3000), dt=st.integers(1, 600))
    def oracle(self, move: int, dt: int) -> None:
        self.now += dt
        spot = max(100 * E8, self.spot * (10_000 + move) // 10_000)
        if self.attempt(self.v.set_market, "ETH", spot, 6000, now=self.now) != "held":
            self.spot = spot
        self.attempt(self.v.set_asset_price, SRC, WETH, self.spot, now=self.now)

    @rule()
    def confirm(self) -> None:
        if self.v.markets["ETH"].breaker:
            self.v.confirm_market("ETH", now=self.now)
            self.spot = self.v.markets["ETH"].spot_e8

    @rule(acct=st.sampled_from(ACCOUNTS))
    def liquidate(self, acct: str) -> None:
        self.attempt(self.v.liquidate, acct, now=self.now)

    @rule(acct=st.sampled_from(ACCOUNTS), amount=st.integers(1, 20_000 * E6))
    def withdraw(self, acct: str, amount: int) -> None:
        self.attempt(self.v.withdraw, withdraw(self.v, acct, amount, now=self.now), now=self.now)

    @rule(acct=st.sampled_from(ACCOUNTS), data=st.data())
    def release(self, acct: str, data: st.DataObject) -> None:
        mine = [c for c in self.v.credits.values() if c.account == acct and c.status == "active"]
        if not mine:
            return
        c = data.draw(st.sampled_from(mine))
        e = self.attempt(
            self.v.request_release, release(self.v, acct, c.lock_id, now=self.now), now=self.now
        )
        if e is not None:  # the release rule: IM holds without the lock, with open orders
            assert self.v.margin(acct, now=self.now).meets_im
            assert self.v.credits[c.key].status == "released"

    @rule(fraction=st.integers(0, 120))
    def seize_executes(self, fraction: int) -> None:
        for e in self.v.outbox(pending_only=False):
            if e.message.kind == "Seize" and e.id not in self.seizes_done:
                value = e.message.amount * self.spot // 10**20 * fraction // 100  # type: ignore[union-attr]
                self.v.seize_executed(e.id, value, now=self.now)
                self.seizes_done.add(e.id)

    @precondition(lambda self: self.now < EXPIRY)
    @rule()
    def expire_and_settle(self) -> None:
        for i, spot in enumerate((self.spot, self.spot)):
            self.attempt(self.v.set_market, "ETH", spot, 6000, now=EXPIRY - 1800 + 900 * i)
        self.now = EXPIRY + 1
        self.v.settle(now=self.now)
        assert all(i.status == "settled" for i in self.v.instruments.values())

    @invariant()
    def books_balance(self) -> None:
        self.v.audit()
        for name in self.v.instruments:
            assert sum(self.v.ledger.holders(name).values()) == 0


TestVenueMachine = VenueMachine.TestCase
TestVenueMachine.settings = settings(
    max_examples=8,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class LongVenueMachine(VenueMachine):
    pass


TestLongVenueMachine = pytest.mark.slow(LongVenueMachine.TestCase)
TestLongVenueMachine.settings = settings(
    max_examples=150,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
