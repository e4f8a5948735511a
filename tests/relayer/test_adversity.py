"""The relayer and the committee under attack and failure, on two anvil nodes (in process).

A dishonest member is outvoted and reported; honest members refuse what they cannot read;
a reorg shallower than the confirmation depth is absorbed (the reorged-out lock never reaches
an attested root); a deeper one halts the relayer with an alarm; an execution node that goes
away is retried with backoff and the work resumes when it is back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zkcollat.attest.attestation import RootAttestation
from zkcollat.chain.errors import RpcUnavailable
from zkcollat.relayer import devnet as dn
from zkcollat.relayer.config import MemberEndpoint
from zkcollat.relayer.member import Refused
from zkcollat.relayer.service import Halt, Relayer
from zkcollat.relayer.store import RelayerStore
from zkcollat.relayer.story import COL

from .helpers import Driver, config, in_process, members, until

pytestmark = pytest.mark.slow

SEIZED, RELEASED = 3, 2


def _alarms(r: Relayer, kind: str) -> list[str]:
    return [d for k, d in r.store.alarms() if k == kind]


def test_dishonest_member_outvoted_and_reported(devnet: dn.Devnet, tmp_path: Path) -> None:
    cfg = config(devnet, tmp_path)
    ms = members(devnet, cfg)
    honest = in_process(ms)
    liar_addr = cfg.members[0].address
    liar = ms[liar_addr]

    def ask(ep: MemberEndpoint, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if ep.address != liar_addr:
            return honest(ep, path, body)
        if path == "/v1/root":  # signs a root the vault never had
            other = (int(body["root"], 16) + 1).to_bytes(32, "big")
            att = RootAttestation.from_json({**body, "root": "0x" + other.hex()})
            return {
                "member": liar_addr,
                "signature": liar.key.sign_digest(att.digest(liar.registry_domain)).hex(),
            }
        # a message no event supports: the honest reading with twice the amount
        ans = liar.sign_message(body)
        msg = liar.read_message(body["tx"], body["logIndex"])
        from zkcollat.margin.messages import Seize

        assert isinstance(msg, Seize)
        forged = Seize(
            msg.source_chain_id, msg.vault, msg.lock_id, 2 * msg.amount, msg.nonce, msg.deadline
        )
        return {**ans, "signature": liar.key.sign_digest(forged.digest()).hex()}

    r = Relayer(cfg, ask=ask)
    d = Driver(devnet, "liar")
    d.approve(100 * COL)
    lock_id = d.lock_id(d.lock(5 * COL))
    until(r, lambda: d.accepted(lock_id), "the root with the lock to be accepted")
    assert any(liar_addr in a and "recovers to" in a for a in _alarms(r, "member_misbehaved"))
    d.credit_lock(lock_id, 4 * COL)
    d.mark("seize", lock_id, 4 * COL)
    until(r, lambda: d.status(lock_id) == SEIZED, "the seize to be executed")
    assert len(_alarms(r, "member_misbehaved")) >= 2
    # the honest members refuse what they cannot read themselves
    m1 = ms[cfg.members[1].address]
    head = d.src.head()
    blk = d.src.block(head - 5)
    assert blk is not None
    bad_root = {
        "sourceChainId": str(d.src.chain_id),
        "vault": cfg.vault,
        "blockNumber": str(blk.number),
        "root": "0x" + (12345).to_bytes(32, "big").hex(),
        "timestamp": str(blk.timestamp),
    }
    with pytest.raises(Refused, match="root at block"):
        m1.sign_root(bad_root)
    with pytest.raises(Refused, match="not .* blocks below the head"):
        m1.sign_root({**bad_root, "blockNumber": str(head + 5)})
    lock_tx = d.lock(1 * COL)  # a vault transaction: not a credit contract event
    with pytest.raises(Refused, match="unknown to this member|not the credit contract"):
        m1.sign_message({"tx": lock_tx.hash_hex, "logIndex": 0})
    r.close()


def test_shallow_reorg_absorbed(devnet: dn.Devnet, tmp_path: Path) -> None:
    cfg = config(devnet, tmp_path)
    r = Relayer(cfg, ask=in_process(members(devnet, cfg)))
    d = Driver(devnet, "reorg1")
    d.approve(100 * COL)
    r.run_once()
    src = d.src
    depth = cfg.source.confirmations
    # Stop interval mining so that the reorg hits exactly the lock's block, then put it back.
    src.rpc("evm_setIntervalMining", [0])
    try:
        rec = d.lock(3 * COL, wait=False)
        src.rpc("anvil_mine", ["0x1"])
        mined = d.sender("trader", "source").resume(rec)
        assert mined.state == "mined"
        gone_id = d.lock_id(mined)
        assert src.head() - mined.block < depth  # not yet confirmed: the relayer skipped it
        r.run_once()
        src.rpc("anvil_reorg", [1, []])  # the lock's block is replaced by an empty one
        assert src.receipt(mined.hash) is None
    finally:
        src.rpc("evm_setIntervalMining", [int(devnet.side("source")["blockTimeS"])])
    # the same lock id is taken by another lock, with another amount
    new_id = d.lock_id(d.lock(7 * COL))
    assert new_id == gone_id
    until(r, lambda: d.accepted(new_id), "the root with the new lock to be accepted")
    amounts = {lk.lock_id: lk.amount for lk in r.mirror.locks()}
    assert amounts[new_id] == 7 * COL
    # every root the registry accepted is one of the mirror's, which never held the 3 COL lock
    for ev in d.registry.events.RootAccepted().get_logs(from_block=0):
        root = int.from_bytes(ev["args"]["root"], "big")
        assert any(r.mirror.root_at(n) == root for n in range(1, r.mirror.size + 1))
    assert r.store.alarms() == []
    r.close()


def test_execution_node_down_then_back(devnet: dn.Devnet, tmp_path: Path) -> None:
    cfg = config(devnet, tmp_path)
    r = Relayer(cfg, ask=in_process(members(devnet, cfg)))
    r.exe.retries = 2
    d = Driver(devnet, "down")
    d.approve(100 * COL)
    r.run_once()
    node = dn.load(devnet.dir).node("execution")  # its pid now: an earlier test restarts it
    assert dn.stop_anvil(node)  # SIGTERM: the node saves its state
    try:
        lock_id = d.lock_id(d.lock(2 * COL))
        with pytest.raises(RpcUnavailable, match="did not answer"):
            r.run_once()
        fails = r.metrics.failures.labels(what="rpc_retry")._value.get()
        assert fails >= 2
    finally:
        dn.up(devnet.dir, log=lambda _s: None)  # the same node back, from its saved state
    r.exe.retries = 6
    until(r, lambda: d.accepted(lock_id), "the lock made while the node was down")
    r.close()


def test_deep_reorg_halts_with_alarm(devnet: dn.Devnet, tmp_path: Path) -> None:
    cfg = config(devnet, tmp_path)
    r = Relayer(cfg, ask=in_process(members(devnet, cfg)))
    r.run_once()
    processed = r.src_follow.processed()
    d = Driver(devnet, "reorg2")
    depth = d.src.head() - processed + 2  # reaches two processed blocks
    d.src.rpc("anvil_reorg", [depth, []])
    with pytest.raises(Halt, match="reorg_too_deep"):
        r.run_once()
    assert _alarms(r, "reorg_too_deep")
    r.close()
    # a restart on the same store does not get past it
    r2 = Relayer(cfg, ask=in_process(members(devnet, cfg)))
    with pytest.raises(Halt):
        r2.run_once()
    assert RelayerStore(cfg.store, create=False).journal.mined_duplicates() == []
    r2.close()


def test_venue_breaker_while_execution_node_down(devnet: dn.Devnet, tmp_path: Path) -> None:
    """The execution node goes away: the venue's sync fails with an error naming the node (it
    books nothing half-way), no root reaches the venue, and once the silence passes the breaker
    the venue is reduce-only (no new risk, no release). The node back, the relayer attests the
    lock made meanwhile, the venue learns it and the breaker resets; then both chains and the
    venue agree."""
    import time

    from zkcollat.chain.keystore import load_account
    from zkcollat.relayer.story import make_venue
    from zkcollat.relayer.venue_sync import VenueSync

    interval_s, breaker_s, window_s = 5, 40, 45
    cfg = config(devnet, tmp_path / "relayer")
    r = Relayer(cfg, ask=in_process(members(devnet, cfg)))
    d = Driver(devnet, "breaker")
    venue = make_venue(
        devnet,
        tmp_path / "venue",
        {
            "attestation_interval_s": interval_s,
            "breaker_latency_s": breaker_s,
            "latency_window_s": window_s,
        },
    )
    sync = VenueSync(
        venue,
        cfg,
        load_account(devnet.account("venue")).account,
        tmp_path / "venue" / "sync.sqlite",
        start_blocks=(d.src.head(), d.exe.head()),
    )
    src_id, vault = d.src.chain_id, d.vault_addr.lower()

    def venue_root() -> int | None:
        latest = venue.registry.latest(src_id, vault)
        return None if latest is None else int(latest.root)

    def chain_root() -> int:
        key = d.src.w3.keccak(d.src.w3.codec.encode(["uint256", "address"], [src_id, vault]))
        blk = int(d.registry.functions.latestBlock(key).call())
        return int(d.vault.functions.currentRoot().call(block_identifier=blk))

    def synced(lock_id: int) -> bool:
        sync.run_once()
        return d.accepted(lock_id) and venue_root() == chain_root()

    d.approve(100 * COL)
    first = d.lock_id(d.lock(2 * COL))
    until(r, lambda: synced(first), "the venue to learn the first lock's root", timeout_s=120)
    assert not venue.reduce_only(int(time.time()))
    before = venue_root()

    node = dn.load(devnet.dir).node("execution")  # its pid now: an earlier test restarts it
    assert dn.stop_anvil(node)  # SIGTERM: the node saves its state
    try:
        r.exe.retries = sync.exe.retries = 1
        during = d.lock_id(d.lock(3 * COL))
        with pytest.raises(RpcUnavailable, match="did not answer"):
            r.run_once()
        with pytest.raises(RpcUnavailable, match=rf"{node.rpc}.* did not answer"):
            sync.run_once()
        assert venue_root() == before  # nothing learnt, nothing served from half a pass
        latest = venue.registry.latest(src_id, vault)
        assert latest is not None
        trip_at = int(latest.timestamp) + interval_s + breaker_s + 1
        while int(time.time()) < trip_at:
            with pytest.raises(RpcUnavailable):
                sync.run_once()
            time.sleep(1)
        now = int(time.time())
        assert venue.reduce_only(now)
        assert venue.registry.observed_latency_s(
            src_id, vault, now=now, window_s=window_s, interval_s=interval_s
        ) > breaker_s
    finally:
        dn.up(devnet.dir, log=lambda _s: None)  # the same node back, from its saved state
    r.exe.retries = sync.exe.retries = 6

    # the lock made during the outage is attested; fresh roots clear the breaker once the late
    # one has left the venue's latency window
    until(r, lambda: synced(during), "the lock made while the node was down", timeout_s=120)
    deadline = time.monotonic() + window_s + 120
    last = during
    while venue.reduce_only(int(time.time())):
        assert time.monotonic() < deadline, "the venue's breaker did not reset"
        last = d.lock_id(d.lock(1 * COL))
        until(r, lambda n=last: synced(n), "a fresh root", timeout_s=120)
    assert not venue.reduce_only(int(time.time()))

    # both chains and the venue agree: every lock committed, attested, Locked on the vault
    size = int(d.vault.functions.leafCount().call())
    assert size > last >= during > first
    assert all(d.status(i) == 1 for i in (first, during, last))  # LockStatus.Active
    assert venue_root() == chain_root() == int(d.vault.functions.currentRoot().call())
    assert r.store.alarms() == []
    assert r.store.journal.mined_duplicates() == []
    assert sync.journal.mined_duplicates() == []
    sync.close()
    r.close()
