"""The workers' allocator: freed prover buffers are reused, not mapped afresh for every proof.

Dask's nanny starts worker processes with ``MALLOC_TRIM_THRESHOLD_=65536``, which turns off
glibc's dynamic mmap threshold: each large buffer is then mapped, faulted in page by page, and
unmapped when freed. ``tune_allocator`` (called by the key plugin on every worker) sets the
thresholds back. Counted in minor page faults (an operation count, not a timing), in fresh
processes started with Dask's variable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc's mallopt (Linux)"
)

ROUNDS = 40
BUFFER = 4 << 20  # 1,024 pages: like the prover's FFT and MSM buffers, far above 128 KiB

CHILD = f"""
import ctypes, json, resource, sys
# no transparent huge pages, whatever the machine's setting: pages are counted at 4 KiB
ctypes.CDLL(None).prctl(41, 1, 0, 0, 0)  # PR_SET_THP_DISABLE
from zkcollat.batch.worker import tune_allocator
tuned = [tune_allocator(), tune_allocator()] if sys.argv[1] == "tune" else []
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
before = faults()
for _ in range({ROUNDS}):
    buf = bytearray({BUFFER})
    buf[::4096] = b"\\x01" * ({BUFFER} // 4096)  # touch every page
    del buf
print(json.dumps({{"tuned": tuned, "faults": faults() - before}}))
"""


def _run(mode: str) -> dict[str, object]:
    env = dict(os.environ, MALLOC_TRIM_THRESHOLD_="65536")  # as Dask's nanny sets it
    out = subprocess.run([sys.executable, "-c", CHILD, mode], env=env, capture_output=True,
                         text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_under_dasks_trim_threshold_every_buffer_faults_afresh() -> None:
    plain = _run("plain")
    assert plain["tuned"] == []
    # each round faults in (nearly) all of its 1,024 pages again
    assert isinstance(plain["faults"], int) and plain["faults"] >= ROUNDS * 1024 * 3 // 4


def test_tuned_allocator_reuses_the_buffer() -> None:
    tuned = _run("tune")
    assert tuned["tuned"] == [True, True]  # set once, and idempotent
    # the first round faults the buffer in; later rounds reuse it
    assert isinstance(tuned["faults"], int) and tuned["faults"] < 4 * 1024
