"""A Seize that expires before it is executed is issued again by ``margin sync`` on the devnet
(in process): the venue's Seize is sent through ``markSeized``; the committee does not get to
it before its deadline passes on the source chain (the chain's clock is moved on); the sync then
issues it again (``reissueSeize``: a fresh nonce and deadline, the same lock and amount); the
relayer finds the first one expired and executes the second; the vault pays once and the venue
books it once. The same for a Release (``reissueRelease``): the vault releases the lock once,
under the second message, and the venue's entry is marked executed from its ``Released``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from web3 import Web3

from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.chain.keystore import load_account
from zkcollat.margin.messages import Release, Seize
from zkcollat.margin.signed import ReleaseRequest, sign
from zkcollat.relayer import devnet as dn
from zkcollat.relayer import story as st
from zkcollat.relayer.service import Relayer
from zkcollat.relayer.venue_sync import VenueSync

from .helpers import Driver, config, in_process, members, until
from .test_portfolio_sync import _sell_puts_and_crash

pytestmark = pytest.mark.slow

COL = st.COL
TTL_S = 120
RELEASED, SEIZED = 2, 3


class Credited(NamedTuple):
    """A lock on the devnet's source chain, credited on the execution chain and known to the
    venue: the relayer, the driver, the venue and its sync that the tests go on with."""

    relayer: Relayer
    d: Driver
    venue: Any
    sync: VenueSync
    lock_id: int


def _credited(net: dn.Devnet, tmp_path: Path, name: str, locked: int, credited: int) -> Credited:
    """Lock ``locked`` base units, wait for a root with the lock, credit ``credited`` of it,
    and run the sync until the venue has the credit. The caller closes relayer and sync."""
    cfg = config(net, tmp_path / "relayer")
    relayer = Relayer(cfg, ask=in_process(members(net, cfg)))
    d = Driver(net, name)
    venue = st.make_venue(net, tmp_path / "venue", message_ttl_s=TTL_S)
    sync = VenueSync(
        venue,
        cfg,
        load_account(net.account("venue")).account,
        tmp_path / "sync.sqlite",
        start_blocks=(d.src.head(), d.exe.head()),
    )
    try:
        d.approve(locked)
        lock_id = d.lock_id(d.lock(locked))
        until(relayer, lambda: d.accepted(lock_id), "a root with the lock")
        d.credit_lock(lock_id, credited)
        deadline = time.monotonic() + 600
        while venue.get_credit(d.src.chain_id, d.vault_addr.lower(), lock_id) is None:
            assert time.monotonic() < deadline, "the venue never learned the credit"
            sync.run_once()
            time.sleep(0.5)
    except BaseException:
        relayer.close()
        sync.close()
        raise
    return Credited(relayer, d, venue, sync, lock_id)


def _chain_now(d: Driver) -> int:
    """The source chain's time: its latest block's timestamp."""
    head = d.src.block("latest")
    assert head is not None
    return int(head.timestamp)


def test_expired_seize_issued_again(devnet: dn.Devnet, tmp_path: Path) -> None:
    relayer, d, venue, sync, lock_id = _credited(devnet, tmp_path, "reissue", 10 * COL, 8 * COL)
    net = devnet
    try:
        now = _sell_puts_and_crash(venue, d, _chain_now(d), True)
        (entry,) = venue.liquidate(d.trader.lower(), now=now).seizes
        first = entry.message
        assert isinstance(first, Seize)
        assert sync.run_once(now).sent  # markSeized, not executed: no relayer pass yet
        # the source chain's clock passes the deadline; its blocks reach the depth
        d.src.rpc("evm_increaseTime", [first.deadline - _chain_now(d) + 60])
        for _ in range(4):
            d.src.rpc("evm_mine", [])
        later = _chain_now(d)
        rep = sync.run_once(later)
        assert rep.reissued == 1 and rep.sent
        (again,) = [e for e in venue.outbox(pending_only=False) if e.id == entry.id]
        second = again.message
        assert isinstance(second, Seize) and again.sent_at is not None
        assert (second.lock_id, second.amount) == (first.lock_id, first.amount)
        assert second.nonce != first.nonce and second.deadline > later
        until(relayer, lambda: d.status(lock_id) == SEIZED, "the second Seize to execute")
        until(
            relayer,
            lambda: sync.run_once(later).seizes_booked or venue.receivable_e6() == 0,
            "the venue to book the seize",
        )
    finally:
        relayer.close()
        sync.close()
    # two Seize messages on the execution chain, one execution on the vault
    emitted = d.credit.events.Seize().get_logs(
        from_block=0, argument_filters={"lockId": lock_id}
    )
    assert len(emitted) == 2 and emitted[0]["args"]["nonce"] != emitted[1]["args"]["nonce"]
    executed = d.vault.events.Seized().get_logs(from_block=0, argument_filters={"lockId": lock_id})
    assert len(executed) == 1 and int(executed[0]["args"]["nonce"]) == int(
        emitted[1]["args"]["nonce"]
    )
    paid = int(executed[0]["args"]["paid"])
    assert paid == min(first.amount, 10 * COL)
    (booked,) = [e for e in venue.outbox(pending_only=False) if e.id == entry.id]
    assert booked.executed_at is not None and venue.receivable_e6() == 0
    recipient = Web3.to_checksum_address(net.address("recipient"))
    assert int(d.token.functions.balanceOf(recipient).call()) >= paid
    venue.ledger.check()


def test_expired_release_issued_again(devnet: dn.Devnet, tmp_path: Path) -> None:
    relayer, d, venue, sync, lock_id = _credited(
        devnet, tmp_path, "reissue-release", 3 * COL, 2 * COL
    )
    net = devnet

    try:
        src_id, vault = d.src.chain_id, d.vault_addr.lower()
        now = _chain_now(d)
        venue.set_asset_price(src_id, int(d.token.address, 16), st.SPOT_E8, now=now)
        key = PrivateKey.from_bytes(bytes(load_account(net.account("trader")).account.key))
        req = ReleaseRequest(key.address, src_id, vault, lock_id, 1, now + 600)
        entry = venue.request_release(sign(key, req, venue.domain), now=now)
        first = entry.message
        assert isinstance(first, Release)
        assert sync.run_once(now).sent  # markReleased, not executed: no relayer pass yet
        d.src.rpc("evm_increaseTime", [first.deadline - _chain_now(d) + 60])
        for _ in range(4):
            d.src.rpc("evm_mine", [])
        later = _chain_now(d)
        rep = sync.run_once(later)
        assert rep.releases_reissued == 1 and rep.reissued == 0 and rep.sent
        (again,) = [e for e in venue.outbox(pending_only=False) if e.id == entry.id]
        second = again.message
        assert isinstance(second, Release) and again.sent_at is not None
        assert second.lock_id == lock_id and second.nonce != first.nonce
        until(relayer, lambda: d.status(lock_id) == RELEASED, "the second Release to execute")

        def marked() -> bool:
            sync.run_once(later)
            (e,) = [e for e in venue.outbox(pending_only=False) if e.id == entry.id]
            return e.executed_at is not None

        until(relayer, marked, "the venue to mark the Release executed")
        assert sync.run_once(later + 10**6).releases_reissued == 0  # executed: never again
    finally:
        relayer.close()
        sync.close()
    emitted = d.credit.events.Release().get_logs(
        from_block=0, argument_filters={"lockId": lock_id}
    )
    assert len(emitted) == 2 and emitted[0]["args"]["nonce"] != emitted[1]["args"]["nonce"]
    executed = d.vault.events.Released().get_logs(
        from_block=0, argument_filters={"lockId": lock_id}
    )
    assert len(executed) == 1 and int(executed[0]["args"]["nonce"]) == int(
        emitted[1]["args"]["nonce"]
    )
    venue.ledger.check()
