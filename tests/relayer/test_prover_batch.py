"""``prove_locks``: many locks with one key, here or through the batch engine on a Dask cluster
(CollateralLock(4) keys, so that proofs take milliseconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.batch.helpers import make_key, vault
from zkcollat.batch import ClusterSpec, SchedulerRefused
from zkcollat.formats.snarkjs import vk_from_json
from zkcollat.groth16.verify import verify
from zkcollat.relayer.prover import LockProof, LockRequest, prove_locks

DEST = 42161
REQUESTS = [
    LockRequest(0, 8 * 10**18, 1_890_000_000),
    LockRequest(3, 10**19 + 3, 1_900_000_003, owner=0xA11CE + 3),  # exactly the amount, expiry
    LockRequest(5, 10**19 + 6, 1_890_000_000),  # one unit above the amount
    LockRequest(7, 10**18, 1_900_000_008),  # a second after the lock's expiry
    LockRequest(16, 1, 1),  # no such lock
    LockRequest(2, 1, 1, owner=0xB0B),  # another owner
]
REFUSED = {
    2: "above lock 5's amount",
    3: "before the requested minExpiry",
    4: "not in the vault",
    5: "not the expected owner",
}


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_key(tmp_path_factory.mktemp("key"))


def _check(key: tuple[Path, Path], results: list[LockProof]) -> None:
    vk = vk_from_json(json.loads(key[1].read_text()))
    v = vault()
    assert [r.request for r in results] == REQUESTS
    for i, r in enumerate(results):
        if i in REFUSED:
            assert not r.ok and r.proof is None and REFUSED[i] in (r.reason or ""), (i, r)
            continue
        assert r.ok and r.public is not None and r.proof is not None, (i, r.reason)
        req = r.request
        assert (r.public.lockId, r.public.threshold, r.public.minExpiry) == (
            req.lock_id, req.threshold, req.min_expiry
        )
        assert (r.public.root, r.public.destChainId) == (v.root, DEST)
        assert verify(vk, r.public.to_list(), r.proof)
        assert not verify(vk, [*r.public.to_list()[:-1], r.public.minExpiry + 1], r.proof)


def test_prove_locks_here(key: tuple[Path, Path]) -> None:
    _check(key, prove_locks(vault(), REQUESTS, pk_path=key[0], dest_chain_id=DEST))


def test_remote_plain_tcp_refused_before_connecting(key: tuple[Path, Path]) -> None:
    spec = ClusterSpec(scheduler="tcp://192.0.2.7:8786")
    with pytest.raises(SchedulerRefused, match="refusing plain tcp:// to 192.0.2.7"):
        prove_locks(vault(), REQUESTS, pk_path=key[0], dest_chain_id=DEST, cluster=spec)


def test_only_refusals_need_no_cluster(key: tuple[Path, Path]) -> None:
    spec = ClusterSpec(scheduler="tcp://192.0.2.7:8786")  # never reached: nothing to prove
    out = prove_locks(vault(), REQUESTS[4:], pk_path=key[0], dest_chain_id=DEST, cluster=spec)
    assert [r.ok for r in out] == [False, False]


@pytest.mark.slow
def test_prove_locks_on_a_dask_cluster(key: tuple[Path, Path]) -> None:
    spec = ClusterSpec(workers=2)  # a TLS LocalCluster of 2 worker processes
    _check(key, prove_locks(vault(), REQUESTS, pk_path=key[0], dest_chain_id=DEST, cluster=spec))


def test_the_cluster_specs_worker_timeout_is_the_one_waited(key: tuple[Path, Path]) -> None:
    """A cluster without workers: the relayer gives up after its own spec's ``worker_timeout_s``,
    not the engine's 60 s default (the error names the scheduler and the timeout it waited)."""
    import logging

    from distributed import LocalCluster

    from zkcollat.batch import NoWorkersError

    with LocalCluster(
        n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1", scheduler_port=0,
        dashboard_address=None, silence_logs=logging.ERROR,
    ) as empty:
        spec = ClusterSpec(scheduler=empty.scheduler_address, worker_timeout_s=0.5)
        waited = rf"{empty.scheduler_address} has had no workers for 0\.5 s"
        with pytest.raises(NoWorkersError, match=waited):
            prove_locks(vault(), REQUESTS[:1], pk_path=key[0], dest_chain_id=DEST, cluster=spec)
