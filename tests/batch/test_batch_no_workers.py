"""A cluster without workers fails after a bounded wait, naming the scheduler; it never hangs.

The clusters here run in this process (``processes=False``) on free loopback ports, start in
milliseconds, and are closed by their fixture.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.batch.helpers import good_inputs, make_key, write_folder
from zkcollat.batch import BatchError, ClusterSpec, InputItem, NoWorkersError, prove_items
from zkcollat.batch.cluster import WorkerWatch, require_workers
from zkcollat.batch.tree import DaskHasher
from zkcollat.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

WAIT_S = 0.5


def _cluster(n_workers: int) -> Any:
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=False, protocol="tcp://",
        host="127.0.0.1", scheduler_port=0, dashboard_address=None,
        silence_logs=logging.ERROR,
    )


@pytest.fixture
def empty_cluster() -> Iterator[Any]:
    with _cluster(0) as cluster:
        yield cluster


def test_prove_items_without_workers_fails_naming_the_scheduler(
    empty_cluster: Any, tmp_path: Path
) -> None:
    from distributed import Client

    address = empty_cluster.scheduler_address
    items = [InputItem("a", "memory", good_inputs(1)[0])]
    with Client(empty_cluster.scheduler_address) as client:
        t = time.monotonic()
        # the key is not even read: the wait comes first (the path does not exist)
        with pytest.raises(NoWorkersError, match=f"scheduler at {address} has had no workers"):
            list(prove_items(client, items, tmp_path / "absent.zkpk", worker_timeout_s=WAIT_S))
        assert WAIT_S <= time.monotonic() - t < WAIT_S + 10


def test_cli_prove_batch_without_workers_exits_with_the_address(
    empty_cluster: Any, tmp_path: Path
) -> None:
    address = empty_cluster.scheduler_address
    folder = write_folder(tmp_path / "in", {"a": good_inputs(1)[0]})
    pk = tmp_path / "pk.zkpk"
    pk.write_bytes(b"not read: the batch stops before")
    result = CliRunner().invoke(
        main,
        ["prove-batch", "--inputs", str(folder), "--pk", str(pk), "--out",
         str(tmp_path / "out"), "--scheduler", address, "--worker-timeout", str(WAIT_S)],
    )
    assert result.exit_code == 2, result.output
    assert f"error: the Dask scheduler at {address} has had no workers for 0.5 s" in (
        result.output
    )
    assert "--worker-timeout" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_dask_hasher_without_workers_fails(empty_cluster: Any) -> None:
    from distributed import Client

    with Client(empty_cluster.scheduler_address) as client:
        hasher = DaskHasher(client, chunk=4, min_records=1, worker_timeout_s=WAIT_S)
        with pytest.raises(NoWorkersError, match=empty_cluster.scheduler_address):
            hasher.pairs(bytes(64 * 8))


def test_workers_that_join_in_time_are_waited_for(empty_cluster: Any) -> None:
    from distributed import Client

    with Client(empty_cluster.scheduler_address) as client:
        empty_cluster.scale(1)
        assert require_workers(client, 30) == 1


def test_all_workers_leaving_mid_batch_fails_instead_of_hanging(tmp_path: Path) -> None:
    from distributed import Client

    pk, _ = make_key(tmp_path)
    inputs = good_inputs(2)
    with _cluster(1) as cluster, Client(cluster.scheduler_address) as client:

        def items() -> Iterator[InputItem]:
            # read by prove_items after the key plugin is on the worker: now the worker goes
            cluster.scale(0)
            deadline = time.monotonic() + 30
            while client.scheduler_info()["workers"] and time.monotonic() < deadline:
                time.sleep(0.05)
            for i, inp in enumerate(inputs):
                yield InputItem(f"in-{i}", "memory", inp)

        with pytest.raises(NoWorkersError, match="while tasks were waiting"):
            list(prove_items(client, items(), pk, worker_timeout_s=WAIT_S))


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan"), "5", True])
def test_worker_timeout_must_be_positive_seconds(bad: Any) -> None:
    with pytest.raises(BatchError, match="worker timeout"):
        ClusterSpec(worker_timeout_s=bad)
    with pytest.raises(BatchError, match="worker timeout"):
        WorkerWatch(object(), bad)  # type: ignore[arg-type]


def test_cli_refuses_a_zero_worker_timeout(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["prove-batch", "--inputs", str(tmp_path), "--out", str(tmp_path / "o"),
               "--worker-timeout", "0"],
    )
    assert result.exit_code == 2 and "--worker-timeout" in result.output
