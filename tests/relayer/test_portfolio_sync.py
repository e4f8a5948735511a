"""A portfolio's whole path on the two-chain devnet (in process): three locks proved in one
Portfolio(20, 8, 4) proof with the devnet's key, credited on chain by ``creditPortfolio`` (the
generated verifier behind its adapter), replayed into the venue by ``margin sync``; the trader
is liquidated and the sync sends the venue's Seizes one lock at a time through
``markPortfolioSeized``, each capped at what is still owed; the committee attests them, the
relayer executes them, the vault pays min(amount, lock), the sync books what it paid and reports
it to the contract (``markPortfolioSeizeExecuted``) before the next, and the locks never asked
for are released by ``closePortfolioSeizure``. The venue, the contract and the vault agree on
every amount."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from web3 import Web3
from web3.logs import DISCARD

from zkcollat.chain.keystore import load_account
from zkcollat.margin.messages import Release, Seize
from zkcollat.margin.pricing import OptionSpec
from zkcollat.margin.risk import OpenOrder
from zkcollat.margin.signed import Order, sign
from zkcollat.relayer import devnet as dn
from zkcollat.relayer import story as st
from zkcollat.relayer.service import Relayer
from zkcollat.relayer.venue_sync import VenueSync

from .helpers import Driver, config, in_process, members, until

pytestmark = pytest.mark.slow

COL = st.COL
LOCKS = (1 * COL, 1 * COL, 6 * COL, 3 * COL)  # asked for in order until nothing is owed
THRESHOLD = 10 * COL
SEIZED, RELEASED = 3, 2  # the vault's LockStatus
P_SEIZED = 4  # CollateralCredit.PortfolioStatus.Seized


def _sell_puts_and_crash(venue, d: Driver, now: int, deep: bool) -> int:  # type: ignore[no-untyped-def]
    """The trader sells what initial margin allows; ETH falls -40% at once (``deep``: more is
    owed than the portfolio holds) or step by step until the trader just fails maintenance
    (little owed: the last locks are never asked for). The time of the crash."""
    from zkcollat.attest.secp256k1 import PrivateKey

    keys = {
        w: PrivateKey.from_bytes(bytes(load_account(d.net.account(w)).account.key))
        for w in ("trader", "maker")
    }
    src_id = d.src.chain_id
    token_id = int(d.token.address, 16)
    venue.set_market("ETH", st.SPOT_E8, st.IV_BPS, now=now)
    venue.set_asset_price(src_id, token_id, st.SPOT_E8, now=now)
    put = OptionSpec("ETH", (now // st.DAY + 30) * st.DAY, st.STRIKE_E8, "P")
    ins = venue.list_instrument(put, now=now)
    venue.fund_insurance(st.INSURANCE_E6, now=now)
    venue.deposit(keys["maker"].address.lower(), st.MAKER_CASH, now=now)
    nonces = iter(range(1, 10**6))

    def order(who: str, buy: bool, lots: int, price: int, **kw: bool):  # type: ignore[no-untyped-def]
        flags = {"market": False, "ioc": False, "post_only": False, "reduce_only": False, **kw}
        o = Order(keys[who].address, put.name, buy, lots, price, nonce=next(nonces),
                  expiry=now + 600, **flags)
        return sign(keys[who], o, venue.domain)

    bid = ins.round_down(venue.mark_e8(put.name, now))
    venue.place(order("maker", True, 1000, bid, post_only=True), now=now)
    trader = keys["trader"].address.lower()
    lots = 1000
    while lots and not venue.margin(
        trader, now=now, orders=[OpenOrder(put.name, False, lots * ins.lot_e6, bid)]
    ).meets_im:
        lots -= 1
    assert lots > 0
    venue.place(order("trader", False, lots, bid, ioc=True), now=now)
    for pct in [60] if deep else range(98, 40, -2):
        now += 60
        spot = st.SPOT_E8 * pct // 100
        venue.set_market("ETH", spot, st.IV_BPS, now=now)
        venue.set_asset_price(src_id, token_id, spot, now=now)
        if not venue.margin(trader, now=now).meets_mm:
            break
    now += 60
    venue.set_market("ETH", spot, st.IV_BPS, now=now)
    ask = ins.round_up(venue.mark_e8(put.name, now))
    venue.place(order("maker", False, 1000, ask, reduce_only=True), now=now)
    return now


@pytest.mark.parametrize("deep", [True, False], ids=["every-lock", "some-locks"])
def test_portfolio_credit_sync_and_seizure(devnet: dn.Devnet, tmp_path: Path, deep: bool) -> None:
    net = devnet
    cfg = config(net, tmp_path / "relayer")
    relayer = Relayer(cfg, ask=in_process(members(net, cfg)))
    d = Driver(net, f"pf-{deep}")  # its own journal keys: the module shares one devnet
    venue = st.make_venue(net, tmp_path / "venue", portfolios=True)
    starts = (d.src.head(), d.exe.head())
    settlement = load_account(net.account("venue")).account
    sync = VenueSync(venue, cfg, settlement, tmp_path / "sync.sqlite", start_blocks=starts)
    try:
        d.approve(sum(LOCKS))
        ids = [d.lock_id(d.lock(a)) for a in LOCKS]
        until(relayer, lambda: d.accepted(ids[-1]), "a root with the portfolio's locks")
        rec, public = d.credit_portfolio(ids, THRESHOLD)
        receipt = d.exe.receipt(rec.hash)
        assert receipt is not None
        ev = d.credit.events.PortfolioCredited().process_receipt(receipt, errors=DISCARD)
        chain_id = int(ev[0]["args"]["id"])
        assert list(public.locks) == ids
        src_id, vault = d.src.chain_id, d.vault_addr.lower()
        deadline = time.monotonic() + 600
        reports = []
        while venue.portfolio_of_lock(src_id, vault, ids[0]) is None:
            assert time.monotonic() < deadline, f"the venue never learned the portfolio: {reports}"
            reports = (reports + [sync.run_once()])[-3:]
            time.sleep(0.5)
        p = venue.portfolio_of_lock(src_id, vault, ids[0])
        assert p is not None and p.lock_ids == tuple(ids) and p.thresholds == (THRESHOLD,)
        assert p.account == d.trader.lower()
        assert d.credit.functions.inPortfolio(src_id, d.vault_addr, ids[2]).call()
        # replayed again: nothing credited twice
        assert sync.run_once().portfolios == 0

        now = _sell_puts_and_crash(venue, d, int(time.time()), deep)
        liq = venue.liquidate(d.trader.lower(), now=now)
        assert liq.seizes, liq.to_json()
        recipient = Web3.to_checksum_address(net.address("recipient"))
        paid_before = int(d.token.functions.balanceOf(recipient).call())

        def settled() -> bool:
            sync.run_once(now)
            q = venue.portfolios[p.id]
            status = int(d.credit.functions.portfolios(chain_id).call()[2])
            return q.status == "seized" and status == P_SEIZED and all(
                e.sent_at is not None for e in venue.outbox(pending_only=False)
            )

        until(relayer, settled, "the portfolio's seizure to end", timeout_s=600)
        # the vault executes the closing Releases too
        until(
            relayer,
            lambda: all(d.status(i) in (SEIZED, RELEASED) for i in ids),
            "every lock seized or released on the source chain",
            timeout_s=300,
        )
    finally:
        relayer.close()
        sync.close()

    q = venue.portfolios[p.id]
    entries = [e for e in venue.outbox(pending_only=False) if e.message.lock_id in ids]
    seizes = [e for e in entries if isinstance(e.message, Seize)]
    releases = [e for e in entries if isinstance(e.message, Release)]
    if deep:  # more owed than the portfolio holds: every lock asked for, T taken in full
        assert len(seizes) == len(ids) and not releases
    else:  # little owed: the first lock covers it, the others are released
        assert 1 <= len(seizes) < len(ids) and releases
    assert [e.message.lock_id for e in seizes] == ids[: len(seizes)], "in order"
    # the locks never asked for were released (by closePortfolioSeizure)
    assert sorted(e.message.lock_id for e in releases) == ids[len(seizes):]
    assert int(d.credit.functions.portfolios(chain_id).call()[2]) == P_SEIZED
    total = 0
    for e in seizes:
        lock_amount = LOCKS[ids.index(e.message.lock_id)]
        (lk, _) = d.vault.functions.getLock(e.message.lock_id).call()
        assert lk[2] == SEIZED
        paid = lock_amount - int(lk[4])  # what the vault paid: min(amount, lock)
        assert paid == min(e.message.amount, lock_amount)
        assert e.message.amount <= THRESHOLD - total, "never above what is left of T"
        assert e.executed_at is not None
        total += paid
    for e in releases:
        assert d.status(e.message.lock_id) == RELEASED
    # the venue booked, the contract counted and the recipient received the same amounts
    assert q.seized == (total,)
    assert int(d.credit.functions.portfolioSeized(chain_id, 0).call()) == total
    assert int(d.token.functions.balanceOf(recipient).call()) - paid_before == total
    venue.ledger.check()
