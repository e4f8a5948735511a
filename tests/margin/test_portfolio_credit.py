"""Portfolio credits in the venue (PROTOCOL.md s.7): every lock of a Portfolio proof credited at
once and at most once, in the same key space as single credits; valued at live prices with the
rounding against the account; released whole; seized one lock at a time, each Seize capped at
what is still owed, booking the amounts the vault actually paid."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.margin.helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    DAY,
    E6,
    E8,
    EXEC_CHAIN,
    NOW,
    PORTFOLIO_TABLE,
    PUT,
    SRC,
    USDC,
    USDC_INT,
    VAULT,
    WETH,
    WETH_INT,
    credit_lock,
    credit_portfolio,
    make_config,
    mark,
    order,
    portfolio_claim,
    ready_venue,
    release,
)
from zkcollat.field import R
from zkcollat.margin import errors as E
from zkcollat.margin.collateral import haircut_bps, units_for_value, value_e6
from zkcollat.margin.config import AssetConfig
from zkcollat.margin.ledger import INSURANCE, SEIZED
from zkcollat.margin.risk import OpenOrder
from zkcollat.margin.venue import Venue

ASSETS = (
    AssetConfig(SRC, WETH, "WETH", 18, 500, 8000),
    AssetConfig(SRC, USDC, "USDC", 6, 200, 100),
)
T1 = NOW + 100


def venue() -> Venue:
    v, _ = ready_venue(make_config(assets=ASSETS))
    v.set_asset_price(SRC, USDC, 1 * E8, now=NOW)
    return v


def expected_value(v: Venue, amounts: dict[str, int], now: int) -> int:
    lat = v.latency_s(SRC, VAULT, now)
    total = 0
    for a in ASSETS:
        t = amounts.get(a.symbol, 0)
        price = v.asset_prices[(SRC, int(a.asset_id, 16))][0]
        total += value_e6(t, price, a.decimals, haircut_bps(a, lat, v.config.latency.haircut_z))
    return total


# --- crediting -----------------------------------------------------------------------------


def test_all_locks_credited_at_once_and_valued_at_live_prices() -> None:
    v = venue()
    p = credit_portfolio(v, ALICE, (3, 5, 9), (WETH_INT, USDC_INT), (2 * 10**18, 5_000 * E6))
    assert [v.portfolio_of_lock(SRC, VAULT, i) for i in (3, 5, 9)] == [p, p, p]
    assert all(v.is_credited((SRC, VAULT, i)) for i in (3, 5, 9))
    want = expected_value(v, {"WETH": 2 * 10**18, "USDC": 5_000 * E6}, NOW)
    assert v.collateral_value(ALICE, NOW) == want
    assert v.margin(ALICE, now=NOW).collateral_value_e6 == want
    # a falling price is seen at once, by the next view
    v.set_asset_price(SRC, WETH, 2000 * E8, now=NOW + 1)
    assert (
        v.collateral_value(ALICE, NOW + 1)
        == expected_value(v, {"WETH": 2 * 10**18, "USDC": 5_000 * E6}, NOW + 1)
        < want
    )
    v.audit()


def test_each_term_rounds_down() -> None:
    v = venue()
    v.set_asset_price(SRC, USDC, 99_999_999, now=NOW)  # $0.99999999
    credit_portfolio(v, ALICE, (1, 2), (WETH_INT, USDC_INT), (1, 1))
    assert v.collateral_value(ALICE, NOW) == 0  # one wei and one micro-dollar: nothing


def test_persisted_and_reloaded(tmp_path: Any) -> None:
    db = tmp_path / "venue.sqlite"
    v, _ = ready_venue(make_config(assets=ASSETS), db)
    v.set_asset_price(SRC, USDC, 1 * E8, now=NOW)
    p = credit_portfolio(v, ALICE, (4, 7), (WETH_INT, USDC_INT), (10**18, 10 * E6))
    v.store.db.conn.close()
    from tests.margin.helpers import VENUE_KEY

    w = Venue.open(db, make_config(assets=ASSETS), VENUE_KEY, portfolio_check=PORTFOLIO_TABLE)
    assert w.portfolios[p.id] == p and w.is_credited((SRC, VAULT, 7))
    w.audit()


def test_a_version_3_venue_file_gains_the_portfolio_tables(tmp_path: Any) -> None:
    db = tmp_path / "old.sqlite"
    v, _ = ready_venue(make_config(assets=ASSETS), db)
    c = v.store.db.conn
    with c:
        for t in ("single_not_in_portfolio", "portfolio_not_single"):
            c.execute(f"DROP TRIGGER {t}")
        c.execute("DROP TABLE portfolio_locks")
        c.execute("DROP TABLE portfolios")
        c.execute("PRAGMA user_version = 3")
    c.close()
    from tests.margin.helpers import VENUE_KEY

    w = Venue.open(db, make_config(assets=ASSETS), VENUE_KEY, portfolio_check=PORTFOLIO_TABLE)
    w.set_asset_price(SRC, USDC, 1 * E8, now=NOW)
    credit_portfolio(w, ALICE, (1,))
    with pytest.raises(sqlite3.IntegrityError):
        w.store.add_credit(("1", VAULT, "1", ALICE, "0x0", "1", "1", "1", "0x0", 0, "active", "0"))


# --- rejections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lock_ids", "why"),
    [((3, 3), "strictly increasing"), ((5, 4), "strictly increasing"), ((), "no lock")],
)
def test_repeated_or_unordered_lock_ids_refused(lock_ids: tuple[int, ...], why: str) -> None:
    v = venue()
    with pytest.raises(E.PublicInputError, match=why):
        credit_portfolio(v, ALICE, lock_ids, lock_assets=(WETH_INT,) * len(lock_ids))
    assert v.portfolios == {}


def test_a_lock_credited_singly_is_not_credited_again_in_a_portfolio() -> None:
    v, tv = ready_venue(make_config(assets=ASSETS))
    credit_lock(v, tv, ALICE, 5, 10**18)
    with pytest.raises(E.LockAlreadyCreditedError, match=r":5 was already credited"):
        credit_portfolio(v, ALICE, (4, 5, 6))
    # atomic: none of the portfolio's other locks was registered
    assert not v.is_credited((SRC, VAULT, 4)) and not v.is_credited((SRC, VAULT, 6))
    assert v.portfolios == {} and v.portfolio_store.load_portfolios() == []


def test_a_lock_in_a_portfolio_is_not_credited_again_singly_or_in_another() -> None:
    v, tv = ready_venue(make_config(assets=ASSETS))
    credit_portfolio(v, ALICE, (4, 5, 6))
    with pytest.raises(E.LockAlreadyCreditedError):
        credit_lock(v, tv, ALICE, 6, 10**18)
    with pytest.raises(E.LockAlreadyCreditedError):
        credit_portfolio(v, ALICE, (1, 5))
    with pytest.raises(E.LockAlreadyCreditedError):  # by another account, too
        credit_portfolio(v, BOB, (6, 8))
    assert sorted(v.portfolio_of) == [(SRC, VAULT, i) for i in (4, 5, 6)]
    assert v.credits == {}


def test_the_store_refuses_a_lock_in_both_key_spaces_even_if_the_venue_forgot() -> None:
    v, tv = ready_venue(make_config(assets=ASSETS))
    credit_portfolio(v, ALICE, (4,))
    credit_lock(v, tv, ALICE, 9, 10**18)
    row = ("1", VAULT, "4", ALICE, f"{WETH_INT:#042x}", "1", "1", "1", "0x0", 0, "active", "0")
    with pytest.raises(sqlite3.IntegrityError, match="credited in a portfolio"):
        v.store.add_credit(row)
    with pytest.raises(sqlite3.IntegrityError, match="credited singly"):
        v.store.conn.execute("INSERT INTO portfolio_locks VALUES ('1', ?, '9', 1)", (VAULT,))


def test_wrong_root_owner_chain_and_expiry_refused() -> None:
    v = venue()
    with pytest.raises(E.RootNotAcceptedError):
        credit_portfolio(v, ALICE, (1, 2), root=778)
    with pytest.raises(E.WrongDestinationError):
        credit_portfolio(v, ALICE, (1, 2), dest=EXEC_CHAIN + 1)
    claim = portfolio_claim(BOB, (1, 2))  # Bob's proof, credited to Alice
    with pytest.raises(E.WrongOwnerError):
        v.credit_portfolio(
            ALICE, PORTFOLIO_TABLE.issue(claim), claim, (WETH_INT,) * 2, now=NOW,
            source_chain_id=SRC, vault=VAULT,
        )  # fmt: skip
    with pytest.raises(E.ExpiryTooSoonError):  # inside the liquidation window
        credit_portfolio(v, ALICE, (1, 2), min_expiry=NOW + DAY)
    with pytest.raises(E.ExpiryTooSoonError):  # expired
        credit_portfolio(v, ALICE, (1, 2), min_expiry=NOW - 1)
    assert v.portfolios == {} and not v.is_credited((SRC, VAULT, 1))


def test_bad_proof_and_missing_verifier_refused() -> None:
    v = venue()
    claim = portfolio_claim(ALICE, (1, 2))
    other = PORTFOLIO_TABLE.issue(portfolio_claim(ALICE, (1, 3)))
    with pytest.raises(E.InvalidProofError, match="does not verify"):
        v.credit_portfolio(
            ALICE, other, claim, (WETH_INT,) * 2, now=NOW, source_chain_id=SRC, vault=VAULT
        )
    v.portfolio_check = None
    with pytest.raises(E.InvalidProofError, match="no verifier"):
        v.credit_portfolio(
            ALICE,
            PORTFOLIO_TABLE.issue(claim),
            claim,
            (WETH_INT,) * 2,
            now=NOW,
            source_chain_id=SRC,
            vault=VAULT,
        )


@pytest.mark.parametrize(
    ("kw", "err", "why"),
    [
        ({"thresholds": (2**128,)}, E.PublicInputError, "thresholds"),
        ({"thresholds": (0,)}, E.ZeroThresholdError, "nothing to credit"),
        ({"lock_ids": (1, 2**64)}, E.PublicInputError, "lockIds"),
        ({"root": R}, E.PublicInputError, "root"),
        ({"min_expiry": 2**64}, E.PublicInputError, "minExpiry"),
        ({"assets": (WETH_INT, WETH_INT), "thresholds": (1, 1)}, E.PublicInputError, "twice"),
        ({"assets": (WETH_INT,), "thresholds": (1, 2)}, E.PublicInputError, "one threshold"),
        ({"assets": (0xBEEF,), "lock_assets": (0xBEEF,)}, E.UnknownAssetError, "not a listed"),
        ({"lock_assets": (USDC_INT,)}, E.PublicInputError, "not one of the portfolio's"),
        ({"lock_assets": (WETH_INT, WETH_INT)}, E.PublicInputError, "one asset per lock"),
        (
            {"assets": (WETH_INT, USDC_INT), "thresholds": (1, 1), "lock_assets": (WETH_INT,)},
            E.PublicInputError,
            "no lock is named",
        ),
    ],
)
def test_out_of_range_and_inconsistent_values_refused(
    kw: dict[str, Any], err: type[Exception], why: str
) -> None:
    v = venue()
    lock_ids = kw.pop("lock_ids", (1,))
    with pytest.raises(err, match=why):
        credit_portfolio(v, ALICE, lock_ids, **kw)
    assert v.portfolios == {}


# --- release -------------------------------------------------------------------------------


def test_release_releases_every_lock_when_margin_holds_without_the_portfolio() -> None:
    v = venue()
    p = credit_portfolio(v, ALICE, (2, 3, 8), (WETH_INT, USDC_INT), (10**18, 100 * E6))
    with pytest.raises(E.UnknownCreditError):  # not a single credit
        v.request_release(release(v, ALICE, 3, now=NOW), now=NOW)
    with pytest.raises(E.UnknownCreditError):  # not Bob's
        v.request_portfolio_release(release(v, BOB, 3, now=NOW), now=NOW)
    out = v.request_portfolio_release(release(v, ALICE, 3, now=NOW), now=NOW)
    assert [(e.message.kind, e.message.lock_id) for e in out] == [
        ("Release", 2),
        ("Release", 3),
        ("Release", 8),
    ]
    assert v.portfolios[p.id].status == "released" and v.collateral_value(ALICE, NOW) == 0
    with pytest.raises(E.UnknownCreditError):  # once
        v.request_portfolio_release(release(v, ALICE, 2, now=NOW), now=NOW)
    assert v.is_credited((SRC, VAULT, 2))  # a released lock is never credited again
    v.audit()


def test_release_refused_when_the_account_needs_the_portfolio() -> None:
    v = venue()
    credit_portfolio(v, ALICE, (2, 3), (WETH_INT,), (5 * 10**18,))
    v.deposit(BOB, 100_000 * E6, now=NOW)
    m = mark(v, PUT)
    lot = v.instruments[PUT.name].lot_e6
    lots = 50
    while not v.margin(ALICE, now=NOW, orders=[OpenOrder(PUT.name, False, lots * lot, m)]).meets_im:
        lots -= 1
    v.place(order(v, BOB, PUT, True, lots, m), now=NOW)
    v.place(order(v, ALICE, PUT, False, lots, m, ioc=True), now=NOW)
    with pytest.raises(E.InsufficientMarginError, match="without portfolio"):
        v.request_portfolio_release(release(v, ALICE, 2, now=NOW), now=NOW)
    assert all(p.status == "active" for p in v.portfolios.values())


# --- seizure, one lock at a time -----------------------------------------------------------


def short_puts_on_portfolio(cash: int = 0) -> tuple[Venue, int]:
    """Alice sells puts on a 3-lock portfolio (4 WETH + 3000 USDC) and ``cash``; ETH and WETH
    fall to 2100."""
    v = venue()
    p = credit_portfolio(
        v,
        ALICE,
        (10, 11, 12),
        (WETH_INT, USDC_INT),
        (4 * 10**18, 3_000 * E6),
        lock_assets=(WETH_INT, WETH_INT, USDC_INT),
    )
    if cash:
        v.deposit(ALICE, cash, now=NOW)
    for a in (BOB, CAROL, DAVE):
        v.deposit(a, 500_000 * E6, now=NOW)
    m = mark(v, PUT)
    lot = v.instruments[PUT.name].lot_e6
    lots = 400
    while not v.margin(ALICE, now=NOW, orders=[OpenOrder(PUT.name, False, lots * lot, m)]).meets_im:
        lots -= 1
    v.place(order(v, BOB, PUT, True, lots, m), now=NOW)
    v.place(order(v, ALICE, PUT, False, lots, m, ioc=True), now=NOW)
    v.set_market("ETH", 2500 * E8, 6000, now=T1 - 2)
    v.set_market("ETH", 2100 * E8, 6000, now=T1 - 1)
    v.set_asset_price(SRC, WETH, 2100 * E8, now=T1 - 1)
    assert not v.margin(ALICE, now=T1).meets_mm
    return v, p.id


def test_liquidation_seizes_one_lock_at_a_time_booking_what_was_paid() -> None:
    v, pid = short_puts_on_portfolio(cash=20_000 * E6)  # a debt below the portfolio's value
    v.fund_insurance(30_000 * E6, now=T1)
    rep = v.liquidate(ALICE, now=T1)
    assert [e.message.kind for e in rep.seizes] == ["Seize"]  # the first lock only
    first = rep.seizes[0]
    assert first.message.lock_id == 10
    p = v.portfolios[pid]
    assert p.status == "seizing" and v.collateral_value(ALICE, T1) == 0
    owed = p.owed_e6
    assert 0 < owed < v.portfolio_value(pid, T1)
    # capped at what is owed, in WETH at the haircut price: not the whole T_WETH
    h = v.haircut_bps(SRC, VAULT, WETH_INT, T1)
    assert first.message.amount == units_for_value(owed, 2100 * E8, 18, h) < 4 * 10**18  # type: ignore[union-attr]
    fund0, asked = v.ledger.cash[INSURANCE], first.message.amount  # type: ignore[union-attr]
    v.audit()
    # impossible reports are refused: more than asked, an asset the portfolio does not hold
    with pytest.raises(E.AccountError, match="min\\(amount, lock\\)"):
        v.seize_executed_units(first.id, asked + 1, WETH_INT, now=T1 + 600)
    with pytest.raises(E.UnknownAssetError):
        v.seize_executed_units(first.id, 1, 0xBEEF, now=T1 + 600)
    with pytest.raises(E.UnknownCreditError, match="paid units"):
        v.seize_executed(first.id, 1, now=T1 + 600)
    # the lock held less than asked: the vault paid a third; that is what is booked
    paid = asked // 3
    back = v.seize_executed_units(first.id, paid, WETH_INT, now=T1 + 600)
    value = paid * 2100 * E8 * E6 // (E8 * 10**18)
    assert v.ledger.outside[SEIZED] == value
    assert v.ledger.cash[INSURANCE] == fund0 + back
    p = v.portfolios[pid]
    assert p.seized == (paid, 0) and p.owed_e6 == owed - value and p.next_lock == 2
    with pytest.raises(E.UnknownCreditError, match="already booked"):
        v.seize_executed_units(first.id, paid, WETH_INT, now=T1 + 601)
    # the next lock is asked for what is still owed, within what is left of T_WETH
    nxt = [e for e in v.outbox(pending_only=False) if e.id > first.id]
    assert [(e.message.kind, e.message.lock_id) for e in nxt] == [("Seize", 11)]
    amt = nxt[0].message.amount  # type: ignore[union-attr]
    assert amt == units_for_value(p.owed_e6, 2100 * E8, 18, h) < 4 * 10**18 - paid
    v.audit()
    # it pays in full: nothing more owed, so the untouched USDC lock is released
    v.seize_executed_units(nxt[0].id, amt, WETH_INT, now=T1 + 700)
    last = [e for e in v.outbox(pending_only=False) if e.id > nxt[0].id]
    assert [(e.message.kind, e.message.lock_id) for e in last] == [("Release", 12)]
    p = v.portfolios[pid]
    assert p.status == "seized" and p.owed_e6 == 0 and p.seized == (paid + amt, 0)
    assert v.receivable_e6() == 0
    v.audit()


def test_seizes_move_to_the_next_asset_when_locks_are_empty() -> None:
    v, pid = short_puts_on_portfolio()
    v.fund_insurance(30_000 * E6, now=T1)
    rep = v.liquidate(ALICE, now=T1)
    e = rep.seizes[0]
    v.seize_executed_units(e.id, 0, WETH_INT, now=T1 + 10)  # lock 10 was empty
    e = v.outbox(pending_only=False)[-1]
    assert e.message.lock_id == 11
    v.seize_executed_units(e.id, 0, WETH_INT, now=T1 + 20)  # and so was 11
    e = v.outbox(pending_only=False)[-1]
    assert e.message.lock_id == 12 and e.message.kind == "Seize"
    assert e.message.amount <= 3_000 * E6  # type: ignore[union-attr]
    v.seize_executed_units(e.id, e.message.amount, USDC_INT, now=T1 + 30)  # type: ignore[union-attr]
    p = v.portfolios[pid]
    assert p.status == "seized" and p.next_lock == 3
    v.audit()


def test_an_asset_used_up_releases_its_other_locks_and_the_next_asset_is_asked() -> None:
    v, pid = short_puts_on_portfolio()  # a debt above the portfolio's value
    v.fund_insurance(30_000 * E6, now=T1)
    rep = v.liquidate(ALICE, now=T1)
    e = rep.seizes[0]
    assert e.message.amount == 4 * 10**18  # type: ignore[union-attr]  # capped at T_WETH
    v.seize_executed_units(e.id, 4 * 10**18, WETH_INT, now=T1 + 10)
    after = [x for x in v.outbox(pending_only=False) if x.id > e.id]
    # T_WETH is used up: lock 11 (WETH) is released, lock 12 asked for at most T_USDC
    assert [(x.message.kind, x.message.lock_id) for x in after] == [
        ("Release", 11),
        ("Seize", 12),
    ]
    assert after[1].message.amount == 3_000 * E6  # type: ignore[union-attr]
    v.seize_executed_units(after[1].id, 1_000 * E6, USDC_INT, now=T1 + 20)
    p = v.portfolios[pid]
    assert p.status == "seized" and p.seized == (4 * 10**18, 1_000 * E6)
    assert v.receivable_e6() == 0  # no seize in flight: what is still owed stays as debt
    assert v.ledger.outside[SEIZED] == 4 * 2100 * E6 + 1_000 * E6
    v.audit()


# --- conservation under partial executions and price moves ---------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cash=st.sampled_from([0, 12_000 * E6, 20_000 * E6]),
    single=st.booleans(),
    steps=st.lists(st.tuples(st.integers(0, 100), st.integers(-2000, 2000)), max_size=6),
)
def test_partial_executions_and_price_moves_conserve_money(
    cash: int, single: bool, steps: list[tuple[int, int]]
) -> None:
    """Alice's portfolio (and perhaps a single lock) is seized; each Seize executes for a
    random part of what it asked while WETH moves. After every step the books balance, each
    asset's seized total stays within its threshold, at most one portfolio Seize is in flight,
    and every lock gets at most one Seize and at most one Release, never both."""
    v, pid = short_puts_on_portfolio(cash)
    if single:
        from tests.margin.helpers import TableVerifier, lock_public

        tv = TableVerifier()
        v.verifier = tv
        pub = lock_public(ALICE, 50, 10**18, min_expiry=NOW + 40 * DAY)
        v.credit(ALICE, tv.issue(pub), pub, now=T1 - 1, source_chain_id=SRC, vault=VAULT)
    v.fund_insurance(30_000 * E6, now=T1)
    v.liquidate(ALICE, now=T1)
    now, price = T1, 2100 * E8
    for fraction, move in [*steps, *[(100, 0)] * 4]:
        pending = [
            e
            for e in v.outbox(pending_only=False)
            if e.message.kind == "Seize" and e.executed_at is None
        ]
        if not pending:
            break
        now += 60
        price = max(100 * E8, price * (10_000 + move) // 10_000)
        v.set_asset_price(SRC, WETH, price, now=now)
        e = pending[0]
        m = e.message
        p = v.portfolio_of_lock(SRC, VAULT, m.lock_id)
        asset = WETH_INT if p is None else p.lock_assets[p.lock_ids.index(m.lock_id)]
        before = v.ledger.outside[SEIZED]
        v.seize_executed_units(e.id, m.amount * fraction // 100, asset, now=now)  # type: ignore[union-attr]
        booked = v.ledger.outside[SEIZED] - before
        dec = 18 if asset == WETH_INT else 6
        px = v.asset_prices[(SRC, asset)][0]
        assert booked == m.amount * fraction // 100 * px * E6 // (E8 * 10**dec)  # type: ignore[union-attr]
        v.audit()
        q = v.portfolios[pid]
        assert all(0 <= s <= t for s, t in zip(q.seized, q.thresholds, strict=True))
        flying = [
            x.message.lock_id
            for x in v.outbox(pending_only=False)
            if x.message.kind == "Seize" and x.executed_at is None
        ]
        assert sum(i in q.lock_ids for i in flying) <= 1
    kinds: dict[int, list[str]] = {}
    for x in v.outbox(pending_only=False):
        kinds.setdefault(x.message.lock_id, []).append(x.message.kind)
    assert all(k in (["Seize"], ["Release"]) for k in kinds.values())


def test_the_statements_padding_is_read_as_it_means() -> None:
    """Slot 0 is always a lock (its lockId may be 0); a later 0 is an empty slot; ``0, 0`` in
    the asset list is padding; an asset listed twice with threshold 0 backs nothing."""
    from zkcollat.margin.portfolio_credits import PortfolioClaim, claim_of

    raw = PortfolioClaim(
        777,
        EXEC_CHAIN,
        int(ALICE, 16),
        NOW + 30 * DAY,
        (0, 4, 9, 0, 0),
        (WETH_INT, 0, USDC_INT, USDC_INT),
        (10**18, 0, 0, 0),
    )
    c = claim_of(raw)
    assert c.lockIds == (0, 4, 9) and c.assetIds == (WETH_INT,) and c.thresholds == (10**18,)
    v = venue()
    p = v.credit_portfolio(
        ALICE,
        PORTFOLIO_TABLE.issue(raw),
        raw,
        (WETH_INT,) * 3,
        now=NOW,
        source_chain_id=SRC,
        vault=VAULT,
    )
    assert p.lock_ids == (0, 4, 9) and v.is_credited((SRC, VAULT, 0))
    # the check saw the statement's own values, padding and all
    assert (
        raw,
        next(pr for cl, pr in PORTFOLIO_TABLE.issued if cl == raw),
    ) in PORTFOLIO_TABLE.issued
    with pytest.raises(E.PublicInputError, match="used slot after the empty slot 1"):
        bad = dataclasses.replace(raw, lockIds=(3, 0, 2))
        v.credit_portfolio(
            ALICE,
            PORTFOLIO_TABLE.issue(bad),
            bad,
            (WETH_INT,) * 2,
            now=NOW,
            source_chain_id=SRC,
            vault=VAULT,
        )


# --- with provisional credit (lock reports, docs/protocol.md s.9) ---------------------------


def test_a_reported_lock_credited_in_a_portfolio_counts_once_and_is_confirmed() -> None:
    from tests.margin.test_provisional import CAP, full_value, report
    from tests.margin.test_provisional import venue as pvenue

    v, _ = pvenue()
    report(v, ALICE, 4, 10**18)
    assert v.collateral_value(ALICE, NOW) == min(CAP, full_value(v, 10**18))
    credit_portfolio(v, ALICE, (4, 5), (WETH_INT,), (10**18,))
    # the report stops counting at once: the lock is counted by the portfolio only
    h = v.haircut_bps(SRC, VAULT, WETH_INT, NOW)
    assert v.collateral_value(ALICE, NOW) == value_e6(10**18, 3000 * E8, 18, h)
    assert v.provisional_exposure_e6(NOW) == 0
    out = v.resolve_reports(now=NOW + 1)
    assert [p.status for p in out.resolved] == ["confirmed"]
    with pytest.raises(E.LockAlreadyCreditedError):  # never reported after its credit
        report(v, ALICE, 5, 10**18)


def test_a_report_contradicted_by_a_portfolio_of_another_account() -> None:
    from tests.margin.test_provisional import report
    from tests.margin.test_provisional import venue as pvenue

    v, _ = pvenue()
    report(v, ALICE, 4, 10**18)
    credit_portfolio(v, BOB, (4,), (WETH_INT,), (10**18,))
    assert v.collateral_value(ALICE, NOW) == 0
    out = v.resolve_reports(now=NOW + 1)
    assert [p.status for p in out.resolved] == ["contradicted"]


def test_a_portfolio_release_is_checked_without_provisional_credit() -> None:
    from tests.margin.test_provisional import report
    from tests.margin.test_provisional import venue as pvenue

    v, _ = pvenue()
    credit_portfolio(v, ALICE, (4,), (WETH_INT,), (5 * 10**18,))
    report(v, ALICE, 9, 10**18)
    v.deposit(BOB, 100_000 * E6, now=NOW)
    m = mark(v, PUT)
    lot = v.instruments[PUT.name].lot_e6
    lots = 60
    while not v.margin(ALICE, now=NOW, orders=[OpenOrder(PUT.name, False, lots * lot, m)]).meets_im:
        lots -= 1
    v.place(order(v, BOB, PUT, True, lots, m), now=NOW)
    v.place(order(v, ALICE, PUT, False, lots, m, ioc=True), now=NOW)
    with pytest.raises(E.InsufficientMarginError):  # the report never backs a release
        v.request_portfolio_release(release(v, ALICE, 4, now=NOW), now=NOW)


def test_the_statements_own_public_values_and_check() -> None:
    """A registry PortfolioPublic (k = 4, m = 2) credited through statement_check: encoded by
    the statement (root, packed words) and verified with the key for its (k, m)."""
    from tests.margin.helpers import DUMMY_VK, TableVerifier
    from zkcollat.margin.portfolio_credits import statement_check
    from zkcollat.statements import PortfolioPublic

    pub = PortfolioPublic(
        777, EXEC_CHAIN, int(ALICE, 16), NOW + 30 * DAY, (3, 8, 0, 0), (WETH_INT, 0), (10**18, 0)
    )
    n = len(pub.to_list())
    vk = DUMMY_VK.replace(gamma_abc_g1=(DUMMY_VK.gamma_abc_g1[0],) * (n + 1))
    groth = TableVerifier()
    v = venue()
    v.portfolio_check = statement_check({(4, 2): vk}, groth)
    proof = groth.issue(pub.to_list())
    p = v.credit_portfolio(
        ALICE, proof, pub, (WETH_INT,) * 2, now=NOW, source_chain_id=SRC, vault=VAULT
    )
    assert p.lock_ids == (3, 8) and p.assets == (WETH_INT,) and groth.calls == 1
    other = pub.replace(thresholds=(2 * 10**18, 0))  # not what the proof was made for
    with pytest.raises(E.InvalidProofError, match="does not verify"):
        v.credit_portfolio(
            ALICE,
            proof,
            other.replace(lockIds=(4, 0, 0, 0)),
            (WETH_INT,),
            now=NOW,
            source_chain_id=SRC,
            vault=VAULT,
        )
    v.portfolio_check = statement_check({}, groth)
    with pytest.raises(E.InvalidProofError, match="no verifying key"):
        v.credit_portfolio(
            ALICE,
            proof,
            pub.replace(lockIds=(5, 0, 0, 0)),
            (WETH_INT,),
            now=NOW,
            source_chain_id=SRC,
            vault=VAULT,
        )
    v.portfolio_check = statement_check({(4, 2): vk}, groth)
    with pytest.raises(E.InvalidProofError, match="must be a PortfolioPublic"):
        credit_portfolio(v, ALICE, (6,))
