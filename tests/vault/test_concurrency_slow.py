"""Processes against one vault file (issue 13), slow: two writers appending at random moments
with readers in between, and kill -9 during `vault add --locks` of 10,000 locks."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from zkcollat.vault import Vault

CHILD = Path(__file__).with_name("concurrency_child.py")
ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.slow
def test_two_writers_and_readers(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    Vault.open(path, 12).close()
    rounds = 60
    procs = [subprocess.Popen([sys.executable, str(CHILD), str(path), "writer", str(w),
                               str(rounds), str(w)], stdout=subprocess.PIPE, text=True,
                              env=_env()) for w in (1, 2)]
    procs += [subprocess.Popen([sys.executable, str(CHILD), str(path), "reader", "-",
                                str(rounds), str(10 + r)], stdout=subprocess.PIPE, text=True,
                               env=_env()) for r in (1, 2)]
    outs = []
    for p in procs:
        out, _ = p.communicate(timeout=600)
        assert p.returncode == 0
        outs.append(out.split("\n"))
    added = [tuple(map(int, ln.split()[1:])) for o in outs[:2] for ln in o if ln]
    seen = [(int(ln.split()[1]), int(ln.split()[2])) for o in outs[2:] for ln in o if ln]
    with Vault.open(path) as v:
        v.check_integrity()
        total = sum(n for _, n in added)
        assert v.size == total
        # the appends tile 0..size-1: no lock lost, none written twice
        ids = sorted(i for first, n in added for i in range(first, first + n))
        assert ids == list(range(total))
        locks = list(v.locks())
        marks = Counter((lk.owner, lk.amount) for lk in locks)
        assert all(c == 1 for c in marks.values())
        for w in (1, 2):
            mine = sorted(lk.amount for lk in locks if lk.owner == w)
            assert mine == list(range(10**6, 10**6 + len(mine)))  # each writer's, in order
        # every root a reader saw is the root of the final tree at that size
        for size, root in seen:
            assert v.root_at(size) == root


@pytest.mark.slow
def test_kill_9_during_a_10000_lock_add(tmp_path: Path) -> None:
    n = 10_000
    locks = [{"owner": str(0x1000 + i), "destChainId": "1", "assetId": str(0xA55E7),
              "amount": str(10**18 + i), "expiry": "1900000000"} for i in range(n)]
    (tmp_path / "locks.json").write_text(json.dumps(locks))
    empty = tmp_path / "empty.sqlite"
    with Vault.open(empty, 20) as v:
        v.insert_many([], block_number=1)
    cmd = [sys.executable, "-m", "zkcollat.cli", "vault", "add", "VAULT", "--locks",
           str(tmp_path / "locks.json"), "--block", "2"]

    def run_once(at: float | None) -> tuple[Path, int | None]:
        path = tmp_path / "v.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        shutil.copy(empty, path)
        proc = subprocess.Popen([str(path) if a == "VAULT" else a for a in cmd],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
        if at is not None:
            try:
                proc.wait(timeout=at)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=600)
        return path, proc.returncode

    t0 = time.monotonic()
    path, code = run_once(None)
    full = time.monotonic() - t0
    assert code == 0
    with Vault.open(path) as v:
        assert v.size == n
        reference_root = v.root
    rng = random.Random(13)
    outcomes = Counter()
    for _ in range(50):
        path, code = run_once(rng.uniform(0.0, full * 1.1))
        with Vault.open(path) as v:
            assert v.size in (0, n), (code, v.size)
            v.check_integrity()
            if v.size == n:
                assert v.root == reference_root and v.block_root(2).size == n
            else:
                assert [br.block_number for br in v.block_roots] == [1]
            outcomes["all" if v.size else "none"] += 1
        assert code in (0, -signal.SIGKILL)
    assert outcomes["none"] > 0  # the kills did land mid-way
