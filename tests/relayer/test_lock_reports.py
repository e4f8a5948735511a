"""Lock reports on the committee's side (docs/protocol.md s.9): what a member refuses to sign,
how the relayer gathers a threshold over its own reading (a lying member outvoted and reported,
too few honest ones: nothing), and the venue taking the result. The quick tests run in-process
members over a table of logs (no node); the slow one reads a lock from an anvil devnet."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.margin.helpers import (
    COMMITTEE_KEYS,
    EXEC_CHAIN,
    NOW,
    SRC,
    VAULT,
    WETH,
    make_config,
    ready_venue,
)
from zkcollat.attest import errors as AE
from zkcollat.attest.attestation import zkcollat_domain
from zkcollat.attest.eip712 import Domain, normalize_address
from zkcollat.attest.lock_report import LockReport, SignedLockReport
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.margin.config import ProvisionalParams
from zkcollat.relayer.config import ConfigError, MemberEndpoint, load_config
from zkcollat.relayer.member import Member, Refused
from zkcollat.relayer.reports import (
    LOCK_PATH,
    ReportCollector,
    ReportRefused,
    check_report_depth,
    lock_request,
    report_from_event,
)
from zkcollat.vault import Lock

REGISTRY = "0x" + "ab" * 20
HASH = b"\x42" * 32
LOCK = Lock(3, int("0x" + "a1" * 20, 16), EXEC_CHAIN, int(WETH, 16), 2 * 10**18, NOW + 30 * 86_400)


def locked(lock: Lock, **over: Any) -> tuple[str, dict[str, Any]]:
    """The decoded ``Locked`` event, as web3 hands it to the member."""
    args: dict[str, Any] = {
        "lockId": lock.lock_id,
        "depositor": "0x" + "de" * 20,
        "token": normalize_address(lock.asset_id),
        "owner": normalize_address(lock.owner),
        "destChainId": lock.dest_chain_id,
        "amount": lock.amount,
        "expiry": lock.expiry,
        "leaf": lock.leaf(),
    }
    args.update(over)
    return "Locked", args


class OfflineMember(Member):
    """A member whose source node is a table: ``(tx, logIndex) -> (event, block, hash)``, with
    a head and the canonical hash of each block. Signing is the real member's."""

    def __init__(self, key: PrivateKey, logs: dict[tuple[str, int], Any], head: int,
                 canonical: dict[int, bytes], depth: int = 1) -> None:
        self.key, self.address = key, key.address
        self.registry_domain = zkcollat_domain(EXEC_CHAIN, REGISTRY)
        self.logs, self.head, self.canonical, self.depth = logs, head, canonical, depth

    def read_lock(self, tx: str, log_index: int) -> LockReport:
        if (tx, log_index) not in self.logs:
            raise ReportRefused(f"transaction {tx} has no log with index {log_index}")
        event, number, block_hash = self.logs[(tx, log_index)]
        check_report_depth(number, self.head, self.depth, self.canonical.get(number) == block_hash)
        return report_from_event(SRC, VAULT, event, number, block_hash)


def endpoints() -> list[MemberEndpoint]:
    return [MemberEndpoint(k.address, f"http://m{i}") for i, k in enumerate(COMMITTEE_KEYS)]


def asker(members: dict[str, Member]) -> Any:
    def ask(ep: MemberEndpoint, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert path == LOCK_PATH
        try:
            return members[ep.address].sign_lock(body)
        except (Refused, ReportRefused) as e:
            return {"error": str(e)}

    return ask


def honest(key: PrivateKey, head: int = 110, depth: int = 1) -> OfflineMember:
    return OfflineMember(key, {("0xaa", 0): (locked(LOCK), 100, HASH)}, head, {100: HASH}, depth)


def domain() -> Domain:
    return zkcollat_domain(EXEC_CHAIN, REGISTRY)


def reading() -> LockReport:
    return report_from_event(SRC, VAULT, locked(LOCK), 100, HASH)


# --- what a member signs -------------------------------------------------------------------------


def test_member_signs_what_it_read_at_the_report_depth() -> None:
    m = honest(COMMITTEE_KEYS[0])
    ans = m.sign_lock({"tx": "0xaa", "logIndex": 0})
    assert ans["report"] == reading().to_json() and ans["member"] == m.address
    rep = LockReport.from_json(ans["report"])
    assert rep.owner == normalize_address(LOCK.owner) and rep.amount == LOCK.amount


@pytest.mark.parametrize(
    "member, match",
    [
        (honest(COMMITTEE_KEYS[0], head=100), "not 1 blocks below"),
        (honest(COMMITTEE_KEYS[0], head=104, depth=5), "not 5 blocks below"),
        (OfflineMember(COMMITTEE_KEYS[0], {("0xaa", 0): (locked(LOCK), 100, HASH)}, 110,
                       {100: b"\x01" * 32}), "no longer canonical"),
        (OfflineMember(COMMITTEE_KEYS[0], {("0xaa", 0): (locked(LOCK, leaf=5), 100, HASH)},
                       110, {100: HASH}), "not Poseidon"),
        (OfflineMember(COMMITTEE_KEYS[0], {("0xaa", 0): (("RootCommitted", {}), 100, HASH)},
                       110, {100: HASH}), "not a Locked event"),
        (OfflineMember(COMMITTEE_KEYS[0], {("0xaa", 0): (locked(LOCK, amount=2**128), 100,
                                                          HASH)}, 110, {100: HASH}), "malformed"),
        (honest(COMMITTEE_KEYS[0]), "no log with index"),
    ],
)
def test_member_refusals(member: OfflineMember, match: str) -> None:
    idx = 1 if match == "no log with index" else 0
    with pytest.raises(ReportRefused, match=match):
        member.sign_lock({"tx": "0xaa", "logIndex": idx})


def test_request_shape() -> None:
    assert lock_request({"tx": "0x1", "logIndex": 2}) == ("0x1", 2)
    for bad in ({"tx": "0x1"}, {"tx": 1, "logIndex": 2}, {"tx": "0x1", "logIndex": True}):
        with pytest.raises(ReportRefused, match="needs 'tx'"):
            lock_request(bad)


def test_report_depth_is_configured_and_not_deeper_than_for_roots(tmp_path: Path) -> None:
    doc: dict[str, Any] = {
        "source": {"rpc": "http://127.0.0.1:1", "chainId": 1, "vault": VAULT, "confirmations": 4},
        "execution": {"rpc": "http://127.0.0.1:2", "chainId": EXEC_CHAIN, "registry": REGISTRY,
                      "credit": "0x" + "cc" * 20},
        "committee": {"threshold": 2, "members": [
            {"address": e.address, "url": e.url} for e in endpoints()]},
    }
    p = tmp_path / "relayer.json"
    p.write_text(json.dumps(doc))
    assert load_config(p).source.report_confirmations == 1
    doc["source"]["reportConfirmations"] = 3
    p.write_text(json.dumps(doc))
    assert load_config(p).source.report_confirmations == 3
    doc["source"]["reportConfirmations"] = 5
    p.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="shallower depth than roots"):
        load_config(p)


# --- the relayer gathers, the venue counts --------------------------------------------------------


class Liar(OfflineMember):
    """Signs a report of twice the amount the log carries."""

    def read_lock(self, tx: str, log_index: int) -> LockReport:
        rep = super().read_lock(tx, log_index)
        return replace(rep, amount=rep.amount * 2)


def test_threshold_gathered_over_the_relayer_reading_and_accepted_by_the_venue() -> None:
    liar = Liar(COMMITTEE_KEYS[0], {("0xaa", 0): (locked(LOCK), 100, HASH)}, 110, {100: HASH})
    ms: dict[str, Member] = {liar.address: liar}
    ms.update({k.address: honest(k) for k in COMMITTEE_KEYS[1:]})
    problems: list[tuple[str, str, str]] = []
    col = ReportCollector(endpoints(), 2, asker(ms), domain(), lambda *p: problems.append(p))
    signed = col.collect(reading(), "0xaa", 0)
    assert signed is not None and len(signed.signatures) == 2
    assert [(k, who) for k, who, _ in problems] == [("member_misbehaved", liar.address)]
    v, _ = ready_venue(
        make_config(provisional=ProvisionalParams(max_account_e6=10**12, fund_fraction_bps=10_000))
    )
    v.fund_insurance(10**12, now=NOW)
    owner = normalize_address(LOCK.owner)
    p = v.report_lock(SignedLockReport.from_json(json.loads(json.dumps(signed.to_json()))), now=NOW)
    assert p.account == owner and p.amount == LOCK.amount
    assert set(p.signers) == {k.address for k in COMMITTEE_KEYS[1:]}
    assert v.margin(owner, now=NOW).collateral_value_e6 > 0


def test_too_few_honest_members_give_no_report() -> None:
    liar = Liar(COMMITTEE_KEYS[0], {("0xaa", 0): (locked(LOCK), 100, HASH)}, 110, {100: HASH})
    shallow = honest(COMMITTEE_KEYS[1], head=100)  # its node has not seen the depth yet
    ms: dict[str, Member] = {liar.address: liar, shallow.address: shallow,
                             COMMITTEE_KEYS[2].address: honest(COMMITTEE_KEYS[2])}
    problems: list[tuple[str, str, str]] = []
    col = ReportCollector(endpoints(), 2, asker(ms), domain(), lambda *p: problems.append(p))
    assert col.collect(reading(), "0xaa", 0) is None
    assert sorted(k for k, _, _ in problems) == ["member_misbehaved", "member_refused"]
    assert list(col.have) == [COMMITTEE_KEYS[2].address]
    # what was gathered is one signature: the venue refuses it
    v, _ = ready_venue()
    one = SignedLockReport(reading(), v.registry.config.domain, tuple(col.have.values()))
    with pytest.raises(AE.ThresholdNotMetError):
        v.report_lock(one, now=NOW)
    # the shallow member's node catches up: a second pass completes the report
    ms[shallow.address] = honest(COMMITTEE_KEYS[1])
    assert col.collect(reading(), "0xaa", 0) is not None


# --- on a devnet ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_lock_reported_from_the_devnet_and_credited_provisionally(
    devnet: Any, tmp_path: Path
) -> None:
    from zkcollat.margin.ledger import INSURANCE
    from zkcollat.relayer.service import Relayer
    from zkcollat.relayer.story import make_venue

    from .helpers import Driver, config, members

    cfg = config(devnet, tmp_path / "r")
    ms = members(devnet, cfg)
    relayer = Relayer(cfg, ask=asker(dict(ms)))
    try:
        d = Driver(devnet, "report")
        d.approve(10**18)
        rec = d.lock(10**18)
        lock_id = d.lock_id(rec)
        receipt = d.src.receipt(rec.hash)
        assert receipt is not None
        idx = next(
            int(lg["logIndex"]) for lg in receipt["logs"] if str(lg["address"]).lower() == cfg.vault
        )
        tx = "0x" + rec.hash.hex()

        def attempt() -> SignedLockReport | None:
            try:
                return relayer.report_lock(tx, idx)
            except ReportRefused as e:  # the relayer's own node: not deep enough yet
                assert "report depth" in str(e)
                return None

        deadline = time.monotonic() + 60
        signed = attempt()
        while signed is None and time.monotonic() < deadline:
            time.sleep(0.5)
            signed = attempt()
        assert signed is not None
        assert signed.report.lock_id == lock_id and signed.report.amount == 10**18
        v = make_venue(devnet, tmp_path / "venue")
        now = int(time.time())
        v.fund_insurance(10**12, now=now)
        v.set_asset_price(cfg.source.chain_id, signed.report.asset_id, 3000 * 10**8, now=now)
        p = v.report_lock(signed, now=now)
        assert p.account == d.trader.lower()
        assert v.margin(p.account, now=now).collateral_value_e6 > 0
        assert v.ledger.cash[INSURANCE] == 10**12
    finally:
        relayer.close()


# --- automatic reports through margin sync (slow, the module's devnet) ---------------------------


def _optimistic_setup(devnet: Any, tmp_path: Path, run: str) -> Any:
    """A venue with the devnet's committee, funded and priced, its sync asking the in-process
    members for lock reports; the relayer (roots) is not run until a test wants the proof."""
    from types import SimpleNamespace

    from zkcollat.chain.keystore import load_account
    from zkcollat.margin.instruments import OptionSpec
    from zkcollat.relayer.service import Relayer
    from zkcollat.relayer.story import make_venue
    from zkcollat.relayer.venue_sync import VenueSync

    from .helpers import Driver, config, in_process, members

    cfg = config(devnet, tmp_path / "r")
    ask = in_process(members(devnet, cfg))
    d = Driver(devnet, run)
    v = make_venue(devnet, tmp_path / "venue")
    sync = VenueSync(
        v,
        cfg,
        load_account(devnet.account("venue")).account,
        tmp_path / "venue" / "sync.sqlite",
        start_blocks=(d.src.head(), d.exe.head()),
        ask=ask,
    )
    now = int(time.time())
    token = int(devnet.side("source")["token"], 16)
    v.fund_insurance(10**12, now=now)
    v.set_asset_price(cfg.source.chain_id, token, 3000 * 10**8, now=now)
    v.set_market("ETH", 3000 * 10**8, 6000, now=now)
    put = OptionSpec("ETH", (now // 86_400 + 30) * 86_400, 2800 * 10**8, "P")
    ins = v.list_instrument(put, now=now)
    keys = {w: PrivateKey.from_bytes(bytes(load_account(devnet.account(w)).account.key))
            for w in ("trader", "maker")}
    v.deposit(keys["maker"].address, 10**12, now=now)
    return SimpleNamespace(
        cfg=cfg, ask=ask, d=d, v=v, sync=sync, put=put, ins=ins, keys=keys,
        relayer=lambda: Relayer(cfg, ask=ask),
    )


def _sell_on_report(s: Any, now: int) -> int:
    """The trader sells as many puts as its margin allows to the maker's bid: lots sold."""
    from zkcollat.margin.risk import OpenOrder
    from zkcollat.margin.signed import Order, sign

    v, put, ins = s.v, s.put, s.ins
    nonces = iter(range(10**6))

    def order(who: str, buy: bool, lots: int, price: int, **kw: bool) -> Any:
        flags = {"market": False, "ioc": False, "post_only": False, "reduce_only": False, **kw}
        o = Order(s.keys[who].address, put.name, buy, lots, price, nonce=next(nonces) + now,
                  expiry=now + 600, **flags)
        return sign(s.keys[who], o, v.domain)

    bid = ins.round_down(v.mark_e8(put.name, now))
    v.place(order("maker", True, 1000, bid, post_only=True), now=now)
    trader = s.keys["trader"].address.lower()
    lo, hi = 0, 1000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        probe = [OpenOrder(put.name, False, mid * ins.lot_e6, bid)]
        if v.margin(trader, now=now, orders=probe).meets_im:
            lo = mid
        else:
            hi = mid - 1
    assert lo > 0, "the report does not margin a single lot"
    rep = v.place(order("trader", False, lo, bid, ioc=True), now=now)
    return sum(f.lots for f in rep.fills)


def _reported(s: Any, lock_id: int) -> Any:
    key = (s.cfg.source.chain_id, s.cfg.vault, lock_id)
    deadline = time.monotonic() + 90
    while key not in s.v.provisional:
        assert time.monotonic() < deadline, "margin sync did not report the lock"
        s.sync.run_once()
        time.sleep(0.3)
    return s.v.provisional[key]


@pytest.mark.slow
def test_sync_reports_a_lock_it_is_traded_on_then_its_proof_makes_it_final(
    devnet: Any, tmp_path: Path
) -> None:
    from .helpers import until

    s = _optimistic_setup(devnet, tmp_path, "final")
    d, v = s.d, s.v
    d.approve(10**18)
    lock_id = d.lock_id(d.lock(10**18))
    p = _reported(s, lock_id)
    trader = d.trader.lower()
    assert (p.status, p.account, p.amount, len(p.signers)) == ("active", trader, 10**18, 2)
    assert not d.accepted(lock_id)  # credited before its root is attested
    now = int(time.time())
    assert v.margin_final(trader, now=now).collateral_value_e6 == 0
    assert v.margin(trader, now=now).collateral_value_e6 > 0
    assert _sell_on_report(s, now) > 0
    assert v.margin_final(trader, now=now).equity_e6 < 0 <= v.margin(trader, now=now).equity_e6
    rep = s.sync.run_once()
    assert rep.reports == 0 and rep.reports_reorged == 0  # nothing taken twice

    relayer = s.relayer()
    try:
        until(relayer, lambda: d.accepted(lock_id), "the lock's root to be attested", 120)
    finally:
        relayer.close()
    d.credit_lock(lock_id, 10**18)
    key = p.key
    deadline = time.monotonic() + 90
    resolved: list[str] = []
    while v.get_credit(*key) is None:
        assert time.monotonic() < deadline, "margin sync did not replay the credit"
        resolved += s.sync.run_once().reports_resolved
        time.sleep(0.3)
    assert v.provisional[key].status == "confirmed"  # final through sync, in the credit's pass
    now = int(time.time())
    assert v.margin_final(trader, now=now).collateral_value_e6 > 0
    assert v.margin(trader, now=now).collateral_value_e6 == v.margin_final(
        trader, now=now
    ).collateral_value_e6  # counted once: the report stopped, the credit counts
    assert v.ledger.positions_of(trader) != {}  # the position stands on the proven credit
    v.audit()


@pytest.mark.slow
def test_sync_lapses_a_report_without_proof_and_liquidates_at_the_deadline(
    devnet: Any, tmp_path: Path
) -> None:
    s = _optimistic_setup(devnet, tmp_path, "lapse")
    d, v = s.d, s.v
    d.approve(10**18)
    lock_id = d.lock_id(d.lock(10**18))
    p = _reported(s, lock_id)
    trader = d.trader.lower()
    now = int(time.time())
    assert _sell_on_report(s, now) > 0
    counted = v.margin(trader, now=now).collateral_value_e6
    before = s.sync.run_once(p.deadline - 1)
    assert before.reports_resolved == [] and before.liquidated == []
    rep = s.sync.run_once(p.deadline)  # no proof came: the keeper pass inside sync
    assert rep.reports_resolved == [f"{lock_id}:lapsed"] and rep.liquidated == [trader]
    assert v.provisional[p.key].status == "lapsed"
    assert v.ledger.positions_of(trader) == {}
    assert 0 < counted <= v.config.provisional.max_account_e6
    assert s.sync.run_once(p.deadline + 1).reports_resolved == []
    v.audit()
