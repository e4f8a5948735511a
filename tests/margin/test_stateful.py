"""A hypothesis state machine over the whole venue: deposits, credits of single locks and of
portfolios (some naming locks credited before), orders, cancels, oracle moves (some beyond the
jump limit), liquidations, expiries and settlements, seizes executed (portfolio locks paying
part of what was asked), withdrawals and releases, across several accounts. After every step
the books must balance (the conservation equation, open interest netting to zero, every
balance equal to its journal), no lock is credited twice (singly and in a portfolio, or in two
portfolios), no portfolio gives up more of an asset than it was credited for, and every Release
the venue signed must have left its account meeting initial margin without the lock (or the
portfolio) and with its open orders.

The default run is short; ``pytest -m slow`` runs the long one."""

from __future__ import annotations

import pytest
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
    ERIN,
    EXPIRY,
    NOW,
    PUT,
    SRC,
    USDC,
    USDC_INT,
    VAULT,
    WETH,
    WETH_INT,
    credit_lock,
    credit_portfolio,
    machine_settings,
    make_config,
    order,
    ready_venue,
    release,
    withdraw,
)
from zkcollat.errors import ZkcollatError
from zkcollat.margin import errors as E
from zkcollat.margin.config import AssetConfig
from zkcollat.margin.risk import OpenOrder

ACCOUNTS = (ALICE, BOB, CAROL, DAVE)
INSTRUMENTS = (PUT, CALL)
ASSETS = (
    AssetConfig(SRC, WETH, "WETH", 18, 500, 8000),
    AssetConfig(SRC, USDC, "USDC", 6, 200, 100),
)


class VenueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.v, self.tv = ready_venue(make_config(assets=ASSETS))
        self.v.set_asset_price(SRC, USDC, E8, now=NOW)
        self.now = NOW
        self.spot = 3000 * E8
        self.lock_ids = iter(range(1, 10**6))
        self.seizes_done: set[int] = set()
        self.v.deposit(ERIN, 10**7 * E6, now=NOW)  # the buyer of sell_puts

    @rule(acct=st.sampled_from(ACCOUNTS), lots=st.integers(1, 400), pick=st.booleans())
    def sell_puts(self, acct: str, lots: int, pick: bool) -> None:
        """``acct`` (or, if ``pick``, the holder of the latest active portfolio) sells puts to
        Erin at the mark: ``lots``, or half, a quarter... (the first that initial margin
        allows), so that a crash can leave it below maintenance."""
        held = [p.account for p in self.v.portfolios.values() if p.status == "active"]
        if pick and held:
            acct = held[-1]
        try:
            m = self.v.mark_e8(PUT.name, self.now)
        except ZkcollatError:
            return
        m -= m % self.v.config.trading.tick_e8
        lot = self.v.instruments[PUT.name].lot_e6
        if self.v.instruments[PUT.name].status != "active" or m <= 0:
            return
        while lots and not self.attempt(
            lambda n: (
                self.v.margin(
                    acct, now=self.now, orders=[OpenOrder(PUT.name, False, n * lot, m)]
                ).meets_im
            ),
            lots,
        ):
            lots //= 2
        if lots:
            self.attempt(
                self.v.place, order(self.v, ERIN, PUT, True, lots, m, now=self.now), now=self.now
            )
            s = order(self.v, acct, PUT, False, lots, m, now=self.now, ioc=True)
            self.attempt(self.v.place, s, now=self.now)

    @rule()
    def keeper(self) -> None:
        """Liquidate every account below maintenance margin."""
        for acct in ACCOUNTS:
            if not self.attempt(lambda a: self.v.margin(a, now=self.now).meets_mm, acct):
                self.attempt(self.v.liquidate, acct, now=self.now)

    @rule(steps=st.integers(1, 3))
    def crash(self, steps: int) -> None:
        """ETH and WETH fall 15% a step, each step accepted by the oracle."""
        for _ in range(steps):
            self.now += 1
            spot = max(100 * E8, self.spot * 85 // 100)
            if self.attempt(self.v.set_market, "ETH", spot, 6000, now=self.now) == "accepted":
                self.spot = spot
            self.attempt(self.v.set_asset_price, SRC, WETH, self.spot, now=self.now)

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
        n=st.integers(1, 4),
        weth=st.integers(0, 10),
        usdc=st.integers(0, 20_000),
        reuse=st.integers(0, 10**6),
        data=st.data(),
    )
    def credit_portfolio(
        self, acct: str, n: int, weth: int, usdc: int, reuse: int, data: st.DataObject
    ) -> None:
        """A portfolio of n fresh locks, or (sometimes) one that names a lock credited before,
        singly or in a portfolio: then nothing at all may be credited."""
        ids = [next(self.lock_ids) for _ in range(n)]
        used = sorted({k[2] for k in self.v.credits} | {k[2] for k in self.v.portfolio_of})
        if used and reuse % 3 == 0:
            ids = sorted(set(ids[1:]) | {used[reuse % len(used)]})
        assets = (WETH_INT, USDC_INT) if usdc else (WETH_INT,)
        thresholds = (weth * 10**17, usdc * E6) if usdc else (weth * 10**17,)
        drawn = [data.draw(st.sampled_from(assets)) for _ in ids]
        if usdc and USDC_INT not in drawn:  # mostly a consistent naming: each asset held
            drawn[-1] = USDC_INT
        if weth and WETH_INT not in drawn:
            drawn[0] = WETH_INT
        named = tuple(drawn)
        before = dict(self.v.portfolio_of)
        got = self.attempt(
            credit_portfolio,
            self.v,
            acct,
            tuple(ids),
            assets,
            thresholds,
            lock_assets=named,
            now=self.now,
            min_expiry=NOW + 40 * DAY,
        )
        if any((SRC, VAULT, i) in before or (SRC, VAULT, i) in self.v.credits for i in ids):
            assert got is None and self.v.portfolio_of == before  # all or nothing

    @rule(acct=st.sampled_from(ACCOUNTS), data=st.data())
    def release_portfolio(self, acct: str, data: st.DataObject) -> None:
        mine = [p for p in self.v.portfolios.values() if p.account == acct]
        if not mine:
            return
        p = data.draw(st.sampled_from(mine))
        lock = data.draw(st.sampled_from(p.lock_ids))
        out = self.attempt(
            self.v.request_portfolio_release,
            release(self.v, acct, lock, now=self.now),
            now=self.now,
        )
        if out is not None:  # IM holds without the portfolio; every lock released at once
            assert self.v.margin(acct, now=self.now).meets_im
            assert self.v.portfolios[p.id].status == "released"
            assert sorted(e.message.lock_id for e in out) == list(p.lock_ids)

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
                m = e.message
                p = self.v.portfolio_of_lock(m.source_chain_id, m.vault, m.lock_id)
                self.seizes_done.add(e.id)
                if p is not None:  # the vault pays min(amount, lock): here a part of it
                    paid = m.amount * min(fraction, 100) // 100  # type: ignore[union-attr]
                    asset = p.lock_assets[p.lock_ids.index(m.lock_id)]
                    self.v.seize_executed_units(e.id, paid, asset, now=self.now)
                    continue
                value = m.amount * self.spot // 10**20 * fraction // 100  # type: ignore[union-attr]
                self.v.seize_executed(e.id, value, now=self.now)

    @rule()
    def seize_expires_and_is_issued_again(self) -> None:
        """Seizes not executed by their deadline are issued again (the source chain's time
        passed it): the same lock, amount and claim, a fresh nonce; booked once, later."""
        for e in self.v.outbox(pending_only=False):
            if e.message.kind == "Seize" and e.id not in self.seizes_done:
                m = e.message
                claim = self.v.receivable_e6()
                new = self.v.reissue_seize(e.id, source_time=m.deadline + 1, now=self.now)
                assert (new.message.lock_id, new.message.amount) == (m.lock_id, m.amount)  # type: ignore[union-attr]
                assert new.message.nonce != m.nonce and self.v.receivable_e6() == claim

    @rule(executes=st.booleans())
    def release_expires_and_is_issued_again(self, executes: bool) -> None:
        """Releases not executed by their deadline are issued again (the same lock, a fresh
        nonce; no money moves), or the vault reports one executed (then never again)."""
        for e in self.v.outbox(pending_only=False):
            m = e.message
            if m.kind != "Release" or e.executed_at is not None:
                continue
            cash = dict(self.v.ledger.cash)
            if executes:
                assert self.v.release_executed(e.id, now=self.now)
                assert not self.v.release_executed(e.id, now=self.now)
            else:
                new = self.v.reissue_release(e.id, source_time=m.deadline + 1, now=self.now)
                assert new.message.lock_id == m.lock_id and new.message.nonce != m.nonce
            assert dict(self.v.ledger.cash) == cash

    @precondition(lambda self: self.now < EXPIRY)
    @rule()
    def expire_and_settle(self) -> None:
        for i, spot in enumerate((self.spot, self.spot)):
            self.attempt(self.v.set_market, "ETH", spot, 6000, now=EXPIRY - 1800 + 900 * i)
        self.now = EXPIRY + 1
        self.v.settle(now=self.now)
        assert all(i.status == "settled" for i in self.v.instruments.values())

    @invariant()
    def each_lock_credited_once(self) -> None:
        assert not set(self.v.credits) & set(self.v.portfolio_of)
        seen: set[tuple[int, str, int]] = set()
        for p in self.v.portfolios.values():
            keys = set(p.lock_keys())
            assert not keys & seen and all(self.v.portfolio_of[k] == p.id for k in keys)
            seen |= keys
            assert all(0 <= s <= t for s, t in zip(p.seized, p.thresholds, strict=True))
        pending = [
            e.message.lock_id
            for e in self.v.outbox(pending_only=False)
            if e.message.kind == "Seize" and e.id not in self.seizes_done
        ]
        for p in self.v.portfolios.values():  # one lock at a time
            assert sum(i in p.lock_ids for i in pending) <= (p.status == "seizing")

    @invariant()
    def books_balance(self) -> None:
        self.v.audit()
        for name in self.v.instruments:
            assert sum(self.v.ledger.holders(name).values()) == 0


TestVenueMachine = VenueMachine.TestCase
TestVenueMachine.settings = machine_settings(8, 15)


class LongVenueMachine(VenueMachine):
    pass


TestLongVenueMachine = pytest.mark.slow(LongVenueMachine.TestCase)
TestLongVenueMachine.settings = machine_settings(150, 50)
