"""Followers on one chain at two depths, each with its own cursor, and a shallow stream that
goes back over a reorg instead of halting (docs/protocol.md s.9)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.chain.fakechain import FakeChain
from zkcollat.chain.client import BlockRef, LogRef
from zkcollat.chain.errors import ReorgTooDeep
from zkcollat.chain.follow import Follower
from zkcollat.chain.journal import KEEP_BLOCK_HASHES, ChainJournal, open_journal


class Seen:
    """A handler that keeps what it saw in the journal's store (so a rollback forgets it)."""

    def __init__(self, j: ChainJournal) -> None:
        self.j = j
        with j.store.write() as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS seen (stream TEXT, tx BLOB, block INTEGER, "
                "hash BLOB, PRIMARY KEY (stream, tx, hash))"
            )
        self.rewinds: list[int] = []

    def handler(self, stream: str) -> Any:
        def handle(logs: list[LogRef], end: BlockRef) -> None:
            with self.j.store.write() as c:
                for lg in logs:
                    c.execute(
                        "INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?)",
                        (stream, lg.tx_hash, lg.block_number, lg.block_hash),
                    )

        return handle

    def on_reorg(self, first: int) -> None:
        self.rewinds.append(first)
        with self.j.store.write() as c:
            c.execute("DELETE FROM seen WHERE stream = 'reports' AND block >= ?", (first,))

    def txs(self, stream: str) -> list[bytes]:
        with self.j.store.read() as c:
            rows = c.execute(
                "SELECT tx FROM seen WHERE stream = ? ORDER BY block, tx", (stream,)
            ).fetchall()
        return [bytes(r[0]) for r in rows]


def _followers(chain: FakeChain, j: ChainJournal, seen: Seen) -> tuple[Follower, Follower]:
    main = Follower(chain, j, [chain.address], depth=6, max_range=4)  # type: ignore[arg-type]
    reports = Follower(
        chain,  # type: ignore[arg-type]
        j,
        [chain.address],
        depth=1,
        max_range=4,
        stream="reports",
        on_reorg=seen.on_reorg,
    )
    return main, reports


def test_two_depths_two_cursors(tmp_path: Path) -> None:
    chain = FakeChain()
    j = open_journal(tmp_path / "j.sqlite")
    seen = Seen(j)
    main, reports = _followers(chain, j, seen)
    for i in range(10):
        chain.mine([b"lock%d" % i])
    assert reports.poll(seen.handler("reports")) == 10  # blocks 0..9 (head 10, depth 1)
    assert main.poll(seen.handler("main")) == 5  # blocks 0..4 (depth 6)
    assert reports.processed() == 9 and main.processed() == 4
    assert len(seen.txs("reports")) == 9 and len(seen.txs("main")) == 4
    j.close()


def test_shallow_stream_rewinds_over_a_reorg_the_deep_one_never_saw(tmp_path: Path) -> None:
    chain = FakeChain()
    j = open_journal(tmp_path / "j.sqlite")
    seen = Seen(j)
    main, reports = _followers(chain, j, seen)
    for i in range(10):
        chain.mine([b"lock%d" % i])
    reports.poll(seen.handler("reports"))
    main.poll(seen.handler("main"))
    chain.reorg(8)  # blocks 8.. replaced: lock7 dropped, lock8 and lock9 re-included later
    chain.mine([b"other"])
    chain.mine([b"lock8", b"lock9"])
    chain.mine([])
    reports.poll(seen.handler("reports"))
    assert seen.rewinds == [8]
    got = seen.txs("reports")

    tx = {hashlib.sha256(b).digest(): b for b in [b"lock%d" % i for i in range(10)] + [b"other"]}
    assert [tx[t] for t in got] == [b"lock%d" % i for i in range(7)] + [
        b"other",
        *sorted([b"lock8", b"lock9"], key=lambda b: hashlib.sha256(b).digest()),
    ]
    main.poll(seen.handler("main"))  # the deep stream reads the new chain only
    assert main.processed() == chain.head() - 6
    j.close()


def test_deep_stream_still_halts(tmp_path: Path) -> None:
    chain = FakeChain()
    j = open_journal(tmp_path / "j.sqlite")
    seen = Seen(j)
    main, _ = _followers(chain, j, seen)
    for i in range(10):
        chain.mine([b"lock%d" % i])
    main.poll(seen.handler("main"))
    chain.reorg(2)
    for _ in range(10):
        chain.mine([])
    with pytest.raises(ReorgTooDeep, match="deeper than the depth"):
        main.poll(seen.handler("main"))


def test_rewind_below_every_remembered_block_reads_from_the_start(tmp_path: Path) -> None:
    chain = FakeChain()
    j = open_journal(tmp_path / "j.sqlite")
    seen = Seen(j)
    _, reports = _followers(chain, j, seen)
    for i in range(4):
        chain.mine([b"lock%d" % i])
    reports.poll(seen.handler("reports"))  # one range: blocks 0..3, one hash remembered
    chain.reorg(1)
    chain.mine([b"lock9"])
    chain.mine([])
    reports.poll(seen.handler("reports"))
    assert seen.rewinds == [0] and seen.txs("reports") == [hashlib.sha256(b"lock9").digest()]


def test_rewind_past_every_remembered_block_of_a_long_stream_halts(tmp_path: Path) -> None:
    chain = FakeChain()
    j = open_journal(tmp_path / "j.sqlite")
    seen = Seen(j)
    _, reports = _followers(chain, j, seen)
    for _ in range(KEEP_BLOCK_HASHES + 10):
        chain.mine([])
    reports.max_range = 600  # one range past the kept hashes (not what a follower does)
    reports.poll(seen.handler("reports"))
    chain.reorg(5)
    for _ in range(KEEP_BLOCK_HASHES + 10):
        chain.mine([])
    with pytest.raises(ReorgTooDeep, match="none of the blocks it remembers"):
        reports.poll(seen.handler("reports"))
    assert seen.rewinds == []


def test_crash_in_a_range_replays_it(tmp_path: Path) -> None:
    """A handler that fails leaves cursor and writes as they were: the next poll reads again."""
    chain = FakeChain()
    j = open_journal(tmp_path / "j.sqlite")
    seen = Seen(j)
    _, reports = _followers(chain, j, seen)
    for i in range(6):
        chain.mine([b"lock%d" % i])
    ok = seen.handler("reports")
    calls = []

    def crashing(logs: list[LogRef], end: BlockRef) -> None:
        ok(logs, end)
        calls.append(end.number)
        if len(calls) == 2:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        reports.poll(crashing)
    assert reports.processed() == 3 and len(seen.txs("reports")) == 3  # blocks 0..3 kept
    reports.poll(ok)
    assert reports.processed() == 5 and len(seen.txs("reports")) == 5
    j.close()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("mine"), st.integers(0, 2)),
            st.tuples(st.just("reorg"), st.integers(1, 5)),
            st.tuples(st.just("poll"), st.integers(1, 3)),
            st.tuples(st.just("restart"), st.just(0)),
        ),
        max_size=30,
    )
)
def test_shallow_stream_ends_with_the_node_chain(tmp_path_factory: Any, steps: Any) -> None:
    """Whatever mining, reorgs (up to 5 blocks), partial polls and restarts happen, after a
    full poll the stream has seen exactly the logs of the node's chain up to head - depth."""
    path = tmp_path_factory.mktemp("j") / "j.sqlite"
    chain = FakeChain()
    j = open_journal(path)
    seen = Seen(j)
    _, reports = _followers(chain, j, seen)
    n = 0
    for op, arg in steps:
        if op == "mine":
            chain.mine([b"tx%d" % (n + i) for i in range(arg)])
            n += arg
        elif op == "reorg" and chain.head() - arg >= 1:
            chain.reorg(chain.head() - arg + 1)
            chain.mine([])
        elif op == "poll":
            reports.poll(seen.handler("reports"), max_ranges=arg)
        elif op == "restart":
            j.close()
            j = open_journal(path, create=False)
            seen = Seen(j)
            _, reports = _followers(chain, j, seen)
    reports.poll(seen.handler("reports"))
    want = (
        sorted(lg.tx_hash for lg in chain.logs([chain.address], 1, chain.head() - 1))
        if chain.head() >= 2
        else []
    )
    assert sorted(seen.txs("reports")) == want
    j.close()
