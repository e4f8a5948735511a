"""The lock-report stream of ``margin sync`` on an in-memory source chain: each Locked log is
signed by the members and taken by the venue exactly once, across restarts, replays and
crashes between the venue and the sync store; a reorg stops the reports of blocks that left
the chain before the new chain's are taken, so a lock re-read under another id or amount is
never counted twice; too few signatures wait for the next pass."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.chain.fakechain import FakeChain, tx_hash
from tests.margin.helpers import (
    ALICE,
    BOB,
    COMMITTEE_KEYS,
    DAY,
    E6,
    EXEC_CHAIN,
    NOW,
    SRC,
    VAULT,
    WETH,
    make_config,
    ready_venue,
)
from zkcollat.attest.lock_report import LockReport
from zkcollat.chain.client import LogRef
from zkcollat.chain.errors import ChainError
from zkcollat.chain.journal import ChainJournal
from zkcollat.db import open_store
from zkcollat.margin.config import ProvisionalParams
from zkcollat.margin.venue import Venue
from zkcollat.relayer import sync_store
from zkcollat.relayer.config import MemberEndpoint
from zkcollat.relayer.report_stream import REPORT_FAILED, ReportStream, RetryPolicy
from zkcollat.relayer.reports import ReportRefused

CAP = 1_500 * E6
PROV = ProvisionalParams(
    extra_haircut_bps=2000, max_account_e6=CAP, fund_fraction_bps=5000, verification_window_s=3600
)
DEPTH = 1


def venue(db: Any = ":memory:") -> Venue:
    v, _ = ready_venue(make_config(provisional=PROV), db)
    v.fund_insurance(10_000 * E6, now=NOW)
    return v


def event(
    tx: str, lock_id: int, owner: str = ALICE, amount: int = 10**17, dest: int = EXEC_CHAIN
) -> bytes:
    """A Locked log's payload: transaction ``tx`` gave lock ``lock_id``."""
    return tx.encode() + b"|" + json.dumps([lock_id, owner, amount, dest]).encode()


class Source:
    """The source node every party reads (members and the sync alike)."""

    def __init__(self) -> None:
        self.chain = FakeChain(SRC, VAULT)
        self.offline: set[str] = set()
        self.unsigned: set[int] = set()  # lock ids no member signs
        self.asked = 0

    def locked(self, lg: LogRef) -> int | None:
        return int(json.loads(lg.data.split(b"|", 1)[1])[0])

    def read(self, tx: str, log_index: int) -> LockReport:
        want = bytes.fromhex(tx.removeprefix("0x"))
        c = self.chain
        for n, b in enumerate(c.blocks):
            for i, data in enumerate(c.payloads[n]):
                if tx_hash(data) == want and i == log_index:
                    if n > c.head() - DEPTH:
                        raise ReportRefused(f"block {n} is not {DEPTH} below the head")
                    lock_id, owner, amount, dest = json.loads(data.split(b"|", 1)[1])
                    exp = NOW + 30 * DAY
                    return LockReport(
                        SRC, VAULT, lock_id, owner, dest, WETH, amount, exp, n, b.hash
                    )
        raise ReportRefused(f"transaction {tx} is unknown to this node")

    def ask(self, domain: Any) -> Any:
        keys = {k.address: k for k in COMMITTEE_KEYS}

        def ask(ep: MemberEndpoint, path: str, body: dict[str, Any]) -> dict[str, Any]:
            self.asked += 1
            if ep.address in self.offline:
                return {"error": "unreachable"}
            try:
                rep = self.read(body["tx"], body["logIndex"])
            except ReportRefused as e:
                return {"error": str(e)}
            if rep.lock_id in self.unsigned:
                return {"error": f"lock {rep.lock_id}: cannot sign now"}
            sig = keys[ep.address].sign_digest(rep.digest(domain))
            return {"report": rep.to_json(), "signature": sig.hex()}

        return ask


def stream(
    src: Source, v: Venue, path: Path, retry: RetryPolicy | None = None
) -> ReportStream:
    cfg = SimpleNamespace(
        source=SimpleNamespace(chain_id=SRC, report_confirmations=DEPTH),
        vault=VAULT,
        members=[MemberEndpoint(k.address, f"http://m{i}") for i, k in enumerate(COMMITTEE_KEYS)],
        threshold=2,
    )
    db = open_store(path, sync_store.SCHEMA, create=True)
    dom = v.registry.config.domain
    return ReportStream(
        v,
        cfg,  # type: ignore[arg-type]
        src.chain,  # type: ignore[arg-type]
        None,
        db,
        ChainJournal(db),
        src.ask(dom),
        dom,
        start_block=0,
        read=src.read,
        locked=src.locked,
        retry=retry or RetryPolicy(),
    )


def counted(v: Venue, account: str, now: int) -> int:
    return v.margin(account, now=now).collateral_value_e6


def test_each_lock_reported_once_at_the_report_depth(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite")
    src.chain.mine([event("t1", 0), event("t2", 1, BOB)])
    assert s.run_once(NOW).taken == []  # block 1 is the head: not at the report depth yet
    src.chain.mine([])
    out = s.run_once(NOW + 1)
    assert [(p.lock_id, p.account, p.block_number) for p in out.taken] == [
        (0, ALICE, 1),
        (1, BOB, 1),
    ]
    assert all(len(p.signers) == 2 for p in out.taken)
    assert s.run_once(NOW + 2).taken == []  # nothing twice
    src.chain.mine([event("t3", 2)])
    src.chain.mine([])
    assert [p.lock_id for p in s.run_once(NOW + 3).taken] == [2]
    assert [r[-1] for r in s.rows()] == ["done"] * 3
    assert counted(v, ALICE, NOW + 3) == 2 * v.provisional_full_value(
        v.provisional[(SRC, VAULT, 0)], NOW + 3
    )


def test_restart_mid_stream_and_replayed_ranges_take_nothing_twice(tmp_path: Path) -> None:
    src, v = Source(), venue(tmp_path / "venue.sqlite")
    path = tmp_path / "sync.sqlite"
    s = stream(src, v, path)
    for i in range(6):
        src.chain.mine([event(f"t{i}", i)])
    s.follow.max_range = 2
    s.follow.poll(s._on_logs, max_ranges=2)  # stopped after two ranges (blocks 0..3)
    s.db.close()
    s = stream(
        src, Venue.open(tmp_path / "venue.sqlite", make_config(provisional=PROV), v.signer), path
    )
    s.run_once(NOW)
    s.follow.journal.set_cursor(SRC, 2, src.chain.blocks[2].hash, "reports")  # replay 3..5
    s.run_once(NOW + 1)
    assert [r[3] for r in s.rows()] == [0, 1, 2, 3, 4] and {r[-1] for r in s.rows()} == {"done"}
    assert sorted(k[2] for k in s.venue.provisional) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("venue_took_it", [True, False])
def test_crash_between_the_venue_and_the_sync_store(tmp_path: Path, venue_took_it: bool) -> None:
    """The row is intended when the sync stops: done if the venue holds the report of that
    block, else taken on the next pass; never twice."""
    src, v = Source(), venue(tmp_path / "venue.sqlite")
    s = stream(src, v, tmp_path / "sync.sqlite")
    src.chain.mine([event("t1", 0)])
    src.chain.mine([])
    real = v.report_lock

    def crash(signed: Any, *, now: int) -> Any:
        if venue_took_it:
            real(signed, now=now)
        raise KeyboardInterrupt

    v.report_lock = crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        s.run_once(NOW)
    assert [r[-1] for r in s.rows()] == ["intended"]
    s.db.close()
    v2 = Venue.open(tmp_path / "venue.sqlite", make_config(provisional=PROV), v.signer)
    s = stream(src, v2, tmp_path / "sync.sqlite")
    out = s.run_once(NOW + 1)
    assert len(out.taken) == (0 if venue_took_it else 1) and out.refused == []
    assert [r[-1] for r in s.rows()] == ["done"] and list(v2.provisional) == [(SRC, VAULT, 0)]


def test_too_few_signatures_wait_and_keep_what_was_gathered(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite")
    src.offline = {k.address for k in COMMITTEE_KEYS[1:]}
    src.chain.mine([event("t1", 0)])
    src.chain.mine([])
    out = s.run_once(NOW)
    assert out.taken == [] and out.waiting == 1 and v.provisional == {}
    src.offline = {COMMITTEE_KEYS[0].address}  # the first member's signature was kept
    out = s.run_once(NOW + RetryPolicy().base_s)  # its next try
    [p] = out.taken
    assert set(p.signers) == {k.address for k in COMMITTEE_KEYS[:2]}


def alarms(s: ReportStream) -> list[tuple[str, str]]:
    with s.db.read() as c:
        return [(str(k), str(d)) for k, d in c.execute("SELECT kind, detail FROM sync_alarm")]


def test_a_report_never_signed_is_given_up_after_the_limit_without_blocking_others(
    tmp_path: Path,
) -> None:
    """Backoff between attempts, ``failed`` with its reason and an alarm at the limit, attempts
    kept across a restart; the other locks are taken meanwhile; tried again only on purpose."""
    src, v = Source(), venue(tmp_path / "venue.sqlite")
    pol = RetryPolicy(limit=3, base_s=10, max_s=15)
    path = tmp_path / "sync.sqlite"
    s = stream(src, v, path, pol)
    src.unsigned = {0}
    src.chain.mine([event("t1", 0), event("t2", 1, BOB)])
    src.chain.mine([])
    out = s.run_once(NOW)
    assert [p.lock_id for p in out.taken] == [1] and out.waiting == 1 and out.failed == []
    asked = src.asked
    assert s.run_once(NOW + 9).waiting == 1 and src.asked == asked  # backing off (10 s)
    src.chain.mine([event("t3", 2)])
    src.chain.mine([])
    out = s.run_once(NOW + 10)  # attempt 2; the new lock is taken in the same pass
    assert [p.lock_id for p in out.taken] == [2] and out.failed == []
    s.db.close()  # a restart keeps the attempts and the next try
    s = stream(
        src, Venue.open(tmp_path / "venue.sqlite", make_config(provisional=PROV), v.signer), path,
        pol,
    )
    asked = src.asked
    assert s.run_once(NOW + 24).failed == [] and src.asked == asked  # waits 15 s (the cap)
    out = s.run_once(NOW + 25)  # attempt 3 = the limit
    assert len(out.failed) == 1 and "0 of 2 signatures" in out.failed[0]
    assert "cannot sign now" in out.failed[0] and out.waiting == 0
    [(tx, _i, lock, n, why)] = s.failed()
    assert (lock, n) == (0, 3) and "cannot sign now" in why
    assert [r[-1] for r in s.rows()] == ["failed", "done", "done"]
    [(kind, detail)] = alarms(s)
    assert kind == REPORT_FAILED and f"{tx}:0 after 3 attempts" in detail
    asked = src.asked
    out = s.run_once(NOW + 10_000)
    assert out.failed == [] and out.waiting == 0 and src.asked == asked  # given up: not asked
    assert (SRC, VAULT, 0) not in s.venue.provisional
    src.unsigned = set()
    assert s.retry_failed() == 1  # on purpose: from the first attempt again
    [p] = s.run_once(NOW + 10_001).taken
    assert p.lock_id == 0 and [r[-1] for r in s.rows()] == ["done"] * 3
    assert len(alarms(s)) == 1


def test_a_report_that_fails_then_succeeds_is_taken_once(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite", RetryPolicy(limit=3, base_s=5, max_s=5))
    src.unsigned = {0}
    src.chain.mine([event("t1", 0)])
    src.chain.mine([])
    assert s.run_once(NOW).waiting == 1
    src.unsigned = set()
    assert s.run_once(NOW + 1).taken == []  # still backing off
    [p] = s.run_once(NOW + 5).taken
    assert p.lock_id == 0 and [r[-1] for r in s.rows()] == ["done"]
    for t in (NOW + 100, NOW + 10_000):
        out = s.run_once(t)
        assert out.taken == [] and out.failed == [] and out.waiting == 0
    assert list(v.provisional) == [(SRC, VAULT, 0)] and alarms(s) == []


def test_a_node_error_while_reading_counts_as_an_attempt(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite", RetryPolicy(limit=2, base_s=0, max_s=0))
    src.chain.mine([event("t1", 0), event("t2", 1)])
    src.chain.mine([])
    real = s.read

    def flaky(tx: str, log_index: int) -> LockReport:
        if log_index == 0:
            raise ChainError("node timed out")
        return real(tx, log_index)

    s.read = flaky
    assert [p.lock_id for p in s.run_once(NOW).taken] == [1]
    out = s.run_once(NOW + 1)
    assert len(out.failed) == 1 and "reading it: node timed out" in out.failed[0]


def test_retry_policy_refuses_nonsense() -> None:
    for bad in ((0, 1, 1), (1, -1, 1), (1, 10, 5)):
        with pytest.raises(ValueError, match="bad retry policy"):
            RetryPolicy(*bad)
    assert [RetryPolicy(8, 30, 100).wait_s(n) for n in (1, 2, 3, 4, 99)] == [30, 60, 100, 100, 100]


def test_what_the_venue_would_refuse_is_never_sent_to_the_members(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite")
    src.chain.mine([event("t1", 0, dest=EXEC_CHAIN + 1)])  # a lock for another chain
    src.chain.mine([])
    out = s.run_once(NOW)
    assert out.taken == [] and len(out.refused) == 1 and "destChainId" in out.refused[0]
    assert src.asked == 0 and [r[-1] for r in s.rows()] == ["refused"]
    assert s.run_once(NOW + 1).refused == []  # decided once


def test_a_pending_report_in_a_block_the_reorg_kept_is_still_taken(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite")
    src.offline = {k.address for k in COMMITTEE_KEYS}
    src.chain.mine([event("t1", 0)])
    src.chain.mine([])
    src.chain.mine([])
    assert s.run_once(NOW).waiting == 1
    src.chain.reorg(2)  # block 1 (the lock) stays, the blocks after it change
    for _ in range(3):
        src.chain.mine([])
    src.offline = set()
    out = s.run_once(NOW + RetryPolicy().base_s)
    assert [p.block_number for p in out.taken] == [1] and [r[-1] for r in s.rows()] == ["done"]


def test_reorg_reported_lock_gone_stops_counting_and_the_account_is_checked(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite")
    src.chain.mine([event("t1", 0)])
    src.chain.mine([])
    s.run_once(NOW)
    assert counted(v, ALICE, NOW) > 0
    src.chain.reorg(1)  # the lock's block left the chain, the lock with it
    src.chain.mine([])
    src.chain.mine([])
    out = s.run_once(NOW + 5)
    assert [p.status for p in out.reorged] == ["reorged"] and out.taken == []
    assert counted(v, ALICE, NOW + 5) == 0 and v.provisional_exposure_e6(NOW + 5) == 0
    assert v.resolve_reports(now=NOW + 3600).resolved == []


def test_reorg_same_lock_again_in_another_block_keeps_counting_once(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite")
    src.chain.mine([event("t1", 0)])
    src.chain.mine([])
    s.run_once(NOW)
    before = counted(v, ALICE, NOW)
    src.chain.reorg(1)
    src.chain.mine([])
    src.chain.mine([event("t1", 0)])  # the same transaction, the same lock, a later block
    src.chain.mine([])
    out = s.run_once(NOW + 5)
    assert [p.lock_id for p in out.reorged] == [0] and [p.block_number for p in out.taken] == [2]
    assert out.liquidations == [] and counted(v, ALICE, NOW + 5) == before
    p = v.provisional[(SRC, VAULT, 0)]
    assert p.status == "active" and p.deadline == NOW + 3600  # the first report's window


def test_reorg_lock_re_signed_under_another_id_and_amount_never_double(tmp_path: Path) -> None:
    src, v = Source(), venue()
    s = stream(src, v, tmp_path / "sync.sqlite")
    src.chain.mine([event("t1", 0, amount=10**17)])
    src.chain.mine([])
    s.run_once(NOW)
    one = counted(v, ALICE, NOW)
    src.chain.reorg(1)
    src.chain.mine([event("tB", 0, BOB, 10**17)])  # Bob's lock took id 0
    src.chain.mine([event("t1", 1, amount=2 * 10**17)])  # Alice's transaction again: id 1, more
    src.chain.mine([])
    out = s.run_once(NOW + 5)
    assert [p.lock_id for p in out.reorged] == [0]
    assert sorted((p.lock_id, p.account) for p in out.taken) == [(0, BOB), (1, ALICE)]
    assert counted(v, ALICE, NOW + 5) == 2 * one  # lock 1 alone (twice the amount)
    assert [p.lock_id for p in v.reports_of(ALICE)] == [1] and counted(v, BOB, NOW + 5) == one


@example(steps=[("lock", 0), ("lock", 0), ("lock", 1), ("lock", 0), ("pass", 0), ("reorg", 3)])
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("lock"), st.integers(0, 2)),
            st.tuples(st.just("reorg"), st.integers(1, 3)),
            st.tuples(st.just("pass"), st.just(0)),
            st.tuples(st.just("restart"), st.just(0)),
        ),
        max_size=20,
    )
)
def test_reports_follow_the_chain(tmp_path_factory: Any, steps: Any) -> None:
    """Whatever locks, reorgs, passes and restarts: after a final pass the reports that count
    are exactly the locks of the node's chain at the report depth, each once."""
    d = tmp_path_factory.mktemp("s")
    src, v = Source(), venue(d / "venue.sqlite")
    s = stream(src, v, d / "sync.sqlite")
    n, t = 0, NOW
    for op, arg in steps:
        t += 1
        if op == "lock":
            src.chain.mine([event(f"t{n + i}", n + i, amount=10**15) for i in range(arg)])
            n += arg
        elif op == "reorg" and src.chain.head() - arg >= 1:
            src.chain.reorg(src.chain.head() - arg + 1)
            src.chain.mine([])
        elif op == "pass":
            s.run_once(t)
        elif op == "restart":
            s.db.close()
            v = Venue.open(d / "venue.sqlite", make_config(provisional=PROV), v.signer)
            s = stream(src, v, d / "sync.sqlite")
    s.run_once(t + 1)
    c = src.chain
    want = {
        (json.loads(data.split(b"|", 1)[1])[0], c.blocks[b].hash)
        for b in range(1, c.head() - DEPTH + 1)
        for data in c.payloads[b]
    }
    active = {(p.lock_id, p.block_hash) for p in v.provisional.values() if p.status == "active"}
    assert active == want
    s.db.close()
