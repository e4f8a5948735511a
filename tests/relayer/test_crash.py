"""kill -9 of the relayer and of a committee member at random moments while locks, seizes and
releases flow: afterwards every lock is attested, every message executed exactly once, and no
(kind, vault, lockId, nonce) was mined twice."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter

import pytest

from zkcollat.relayer import devnet as dn
from zkcollat.relayer.procs import Services
from zkcollat.relayer.store import RelayerStore
from zkcollat.relayer.story import COL

from .helpers import Driver

pytestmark = pytest.mark.slow

KILLS = 20
LOCKS = 10
SEIZED, RELEASED = 3, 2


def _wait(what: str, cond: object, timeout_s: float = 180.0) -> None:
    assert callable(cond)
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def test_kill_relayer_and_member_at_random(devnet: dn.Devnet) -> None:
    rng = random.Random(2126)
    svc = Services(devnet)
    svc.start_all()
    stop = threading.Event()
    kills: list[str] = []

    def killer() -> None:
        while len(kills) < KILLS and not stop.is_set():
            if stop.wait(rng.uniform(1.0, 4.0)):
                return
            name = rng.choice(["relayer", "member-1"])
            svc.kill(name, signal.SIGKILL)
            kills.append(name)
            time.sleep(rng.uniform(0.0, 1.0))
            if name == "relayer":
                svc.start_relayer()
            else:
                svc.start_member(1)

    t = threading.Thread(target=killer, daemon=True)
    try:
        svc.wait_ready()
        t.start()
        d = Driver(devnet, "crash")
        d.approve(1000 * COL)
        ids = [d.lock_id(d.lock((i + 1) * COL)) for i in range(LOCKS)]
        _wait("every lock attested", lambda: d.accepted(max(ids)))
        seize, release = ids[:3], ids[3:6]
        for lock_id in seize + release:
            d.credit_lock(lock_id, COL)
        for lock_id in seize:
            d.mark("seize", lock_id, COL)
        for lock_id in release:
            d.mark("release", lock_id)
        t.join(timeout=300)
        assert len(kills) == KILLS, kills
        # the services run again (the killer restarted each one); the work completes
        _wait(
            "every message executed",
            lambda: (
                all(d.status(i) == SEIZED for i in seize)
                and all(d.status(i) == RELEASED for i in release)
            ),
        )
    finally:
        stop.set()
        t.join(timeout=30)
        svc.stop_all()
    # exactly once on the vault
    seized = Counter(
        int(e["args"]["lockId"]) for e in d.vault.events.Seized().get_logs(from_block=0)
    )
    released = Counter(
        int(e["args"]["lockId"]) for e in d.vault.events.Released().get_logs(from_block=0)
    )
    assert all(seized[i] == 1 for i in seize) and all(released[i] == 1 for i in release)
    store = RelayerStore(devnet.dir / "relayer.sqlite", create=False)
    j = store.journal
    assert j.mined_duplicates() == []
    mined = [r for r in j.all_txs() if r.state == "mined" and r.kind in ("seize", "release")]
    assert len(mined) == len({(r.kind, r.key) for r in mined}) == 6
    assert store.alarms() == []
