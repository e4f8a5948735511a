"""The batch engine on real Dask clusters of 2 worker processes (slow: clusters take seconds).

Most tests share one LocalCluster whose certificates are written to files, and reach it as a
remote ``tls://`` scheduler would be reached (``ClusterSpec(scheduler=..., tls_*=...)``); the
crash test starts its own cluster the way ``prove-batch`` does by default. Every cluster is
closed when its test or module ends.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batch.helpers import good_inputs, make_key, write_folder
from zkcollat.batch import (
    BatchError,
    ClusterSpec,
    InputItem,
    ProofResult,
    open_client,
    prove_batch,
    prove_items,
)
from zkcollat.formats.snarkjs import proof_from_json, public_from_json, vk_from_json
from zkcollat.groth16.verify import verify

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_key(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterSpec]:
    """A 2-worker TLS LocalCluster, and the spec that reaches it with certificate files."""
    from distributed import LocalCluster
    from distributed.security import Security

    sec = Security.temporary()
    certs = tmp_path_factory.mktemp("certs")
    files = {}
    for attr in ("tls_ca_file", "tls_client_cert", "tls_client_key"):
        (certs / attr).write_text(getattr(sec, attr))
        files[attr] = str(certs / attr)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, protocol="tls://", host="127.0.0.1",
        security=sec, dashboard_address=None, silence_logs=logging.ERROR,
        env={"RAYON_NUM_THREADS": "1"},
    ) as cluster:
        yield ClusterSpec(
            scheduler=cluster.scheduler_address, tls_ca_file=files["tls_ca_file"],
            tls_cert=files["tls_client_cert"], tls_key=files["tls_client_key"],
        )


def _verify_all(
    out: Path, vk_path: Path, names: list[str], inputs: list[dict[str, object]]
) -> None:
    vk = vk_from_json(json.loads(vk_path.read_text()))
    for name, inp in zip(names, inputs, strict=True):
        public = public_from_json(json.loads((out / f"{name}.public.json").read_text()))
        proof = proof_from_json(json.loads((out / f"{name}.proof.json").read_text()))
        assert verify(vk, public, proof), name
        assert public[0] == int(str(inp["root"])) and public[5] == int(str(inp["threshold"]))


def test_twenty_proofs_all_verify_over_tls(
    keys: tuple[Path, Path], tls_cluster: ClusterSpec, tmp_path: Path
) -> None:
    pk, vk = keys
    inputs = good_inputs(20)
    names = [f"lock-{i:02d}" for i in range(20)]
    folder = write_folder(tmp_path / "in", dict(zip(names, inputs, strict=True)))
    assert tls_cluster.scheduler is not None and tls_cluster.scheduler.startswith("tls://")
    with open_client(tls_cluster) as client:
        report = prove_batch(client, folder, pk, tmp_path / "out")
        assert report.ok and sorted(report.proved) == names and report.workers == 2
        _verify_all(tmp_path / "out", vk, names, inputs)
        # run again: everything is done, nothing is proved twice
        again = prove_batch(client, folder, pk, tmp_path / "out")
    assert again.proved == [] and sorted(again.skipped) == names and again.ok


def test_bad_inputs_among_good_ones_reported_and_retried(
    keys: tuple[Path, Path], tls_cluster: ClusterSpec, tmp_path: Path
) -> None:
    pk, vk = keys
    good = good_inputs(6)
    below = dict(good[0], threshold=str(10**30))  # above the lock's amount: unsatisfiable
    missing = {k: v for k, v in good[1].items() if k != "minExpiry"}
    aliased = dict(good[2], owner=str(int(str(good[2]["owner"])) + 2**254))  # >= r
    files: dict[str, object] = {f"good-{i}": g for i, g in enumerate(good)}
    files |= {"below": below, "missing": missing, "aliased": aliased, "garbled": "{not json"}
    folder = write_folder(tmp_path / "in", files)
    out = tmp_path / "out"
    with open_client(tls_cluster) as client:
        report = prove_batch(client, folder, pk, out)
        assert sorted(report.proved) == [f"good-{i}" for i in range(6)]
        assert set(report.failures) == {"below", "missing", "aliased", "garbled"}
        below_reason = report.failures["below"]
        assert "collateral_lock/amount" in below_reason and "not satisfied" in below_reason
        assert "10000000000000000000" not in below_reason  # the hidden amount stays out of logs
        assert "missing: minExpiry" in report.failures["missing"]
        assert "owner" in report.failures["aliased"] and ">= r" in report.failures["aliased"]
        assert "not valid JSON" in report.failures["garbled"]
        for name in report.failures:
            assert not (out / f"{name}.proof.json").exists()
            assert (out / f"{name}.error.txt").read_text().strip() == report.failures[name]
        _verify_all(out, vk, report.proved, [good[int(n[5:])] for n in report.proved])
        # fix one input and run again: the good ones are skipped, the fixed one proved
        (folder / "below.json").write_text(json.dumps(dict(good[0], threshold="1")))
        again = prove_batch(client, folder, pk, out)
    assert sorted(again.skipped) == [f"good-{i}" for i in range(6)]
    assert again.proved == ["below"] and not (out / "below.error.txt").exists()
    assert set(again.failures) == {"missing", "aliased", "garbled"}


def test_workers_with_another_key_are_refused(
    keys: tuple[Path, Path], tls_cluster: ClusterSpec, tmp_path: Path
) -> None:
    pk, _ = keys
    other_pk, _ = make_key(tmp_path, seed="another-setup")
    folder = write_folder(tmp_path / "in", {"a": good_inputs(1)[0]})
    with (
        open_client(tls_cluster) as client,
        pytest.raises(BatchError, match="not the client's key"),
    ):
        prove_batch(client, folder, pk, tmp_path / "out", worker_pk_path=str(other_pk))
    with open_client(tls_cluster) as client, pytest.raises(BatchError, match="does not exist"):
        prove_batch(client, folder, pk, tmp_path / "out", worker_pk_path=str(tmp_path / "no"))


def test_library_api_in_memory(keys: tuple[Path, Path], tls_cluster: ClusterSpec) -> None:
    pk, vk_path = keys
    vk = vk_from_json(json.loads(vk_path.read_text()))
    items = [InputItem(f"m{i}", "memory", inp) for i, inp in enumerate(good_inputs(3))]
    with open_client(tls_cluster) as client:
        results = list(prove_items(client, items, pk))
    assert sorted(r.name for r in results) == ["m0", "m1", "m2"]
    for r in results:
        assert r.ok and r.proof is not None and r.public is not None
        assert verify(vk, public_from_json(r.public), proof_from_json(r.proof))


def test_worker_killed_halfway_batch_completes_each_proof_once(
    keys: tuple[Path, Path], tmp_path: Path
) -> None:
    pk, vk = keys
    inputs = good_inputs(20)
    names = [f"lock-{i:02d}" for i in range(20)]
    folder = write_folder(tmp_path / "in", dict(zip(names, inputs, strict=True)))
    written: Counter[str] = Counter()
    killed: list[int] = []
    workers_seen: set[str] = set()
    # prove-batch's default cluster (with --threads-per-worker 2)
    with open_client(ClusterSpec(workers=2, threads_per_worker=2)) as client:
        pids: dict[str, int] = client.run(os.getpid)
        assert len(pids) == 2
        # a lambda travels by value (os.environ.get would carry this process's environment)
        threads = client.run(lambda: os.environ.get("RAYON_NUM_THREADS"))
        assert list(threads.values()) == ["2", "2"]  # the native pool's size on each worker

        def worker_settings() -> dict[str, object]:
            """Runs on a worker (a local function travels by value): what open_client's
            cluster and the key plugin set there."""
            import dask

            from zkcollat.batch import worker

            return {
                "profile": dask.config.get("distributed.worker.profile.enabled"),
                "allocator_tuned": worker._allocator_tuned,
            }

        def on_result(r: ProofResult) -> None:
            written[r.name] += 1
            workers_seen.add(r.worker or "")
            if sum(written.values()) == 6 and not killed:  # halfway through the first half
                victim = next(iter(pids.values()))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        report = prove_batch(client, folder, pk, tmp_path / "out", on_result=on_result)
        client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
        after = client.run(os.getpid)
        settings = client.run(worker_settings)
    assert killed and killed[0] not in after.values()  # that worker is gone (and replaced)
    # both workers, the replacement too: no profiler; any that proved has its
    # allocator reusing buffers (the key plugin's tune_allocator)
    assert settings and all(not s["profile"] for s in settings.values())
    provers = {w for w in workers_seen if w in settings}
    assert provers and all(settings[w]["allocator_tuned"] for w in provers)
    assert report.ok, report.failures
    assert sorted(report.proved) == names
    assert set(written.values()) == {1}
    assert sorted(os.listdir(tmp_path / "out")) == sorted(
        [f"{n}.proof.json" for n in names] + [f"{n}.public.json" for n in names]
    )
    _verify_all(tmp_path / "out", vk, names, inputs)


def test_cli_prove_batch_jsonl(keys: tuple[Path, Path], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from zkcollat.cli import main

    pk, vk = keys
    inputs = good_inputs(3)
    lines = [json.dumps(i) for i in inputs] + ['{"root": "1"}']
    (tmp_path / "locks.jsonl").write_text("\n".join(lines) + "\n")
    args = ["prove-batch", "--inputs", str(tmp_path / "locks.jsonl"), "--pk", str(pk),
            "--out", str(tmp_path / "out"), "--workers", "2", "--threads-per-worker", "1"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 1, (result.output, result.exception)  # one input failed
    out = json.loads(result.stdout)
    assert (out["total"], out["proved"], out["failed"], out["workers"]) == (4, 3, 1, 2)
    assert "missing: destChainId" in out["failures"]["locks-000004"]
    _verify_all(tmp_path / "out", vk, [f"locks-{i:06d}" for i in (1, 2, 3)], inputs)
    assert "development setup" in result.stderr  # the key's warning, once
    assert result.stderr.count("development setup") == 1
