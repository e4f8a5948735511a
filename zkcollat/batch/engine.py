"""The batch engine: many inputs, one proving key, any Dask cluster.

:func:`prove_items` is the core: it registers the key's :class:`ProvingKeyPlugin`, submits
the inputs as tasks (a bounded number in flight, so a million-line JSONL file is streamed,
not loaded), and yields one :class:`ProofResult` per input as tasks finish, in any order.
On the client, before any task is sent, each input is checked against the circuit's signal
names and ranges (a bad input fails at once, with the parser's reason); after a task returns,
its public signals must be the input's and its proof must verify under the key, so a faulty
or hostile worker cannot get a wrong proof accepted.

:func:`prove_batch` adds the files (:mod:`zkcollat.batch.files`): inputs already proved are
skipped, each proof is written as it arrives, failures leave their reason, and the caller gets
a :class:`BatchReport` and, through ``on_progress``, counts and the rate as the batch runs.

A worker that dies mid-task is Dask's business: the scheduler gives its tasks to the other
workers (the plugin loads the key into any replacement), and a task's result reaches the
client once, so each proof is written once.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zkcollat.batch.cluster import WORKER_TIMEOUT_S, WorkerWatch, require_workers
from zkcollat.batch.errors import BatchError
from zkcollat.batch.files import InputItem, OutputDir, count_inputs, iter_inputs
from zkcollat.errors import ZkcollatError

if TYPE_CHECKING:
    from distributed import Client, Future

    from zkcollat.groth16.keys import ProvingKey
    from zkcollat.r1cs.system import ConstraintSystem

#: Tasks in flight per worker: enough to keep each busy while results travel back.
IN_FLIGHT_PER_WORKER = 4
MIN_IN_FLIGHT = 16


@dataclass(frozen=True)
class ProofResult:
    """The outcome for one input: a proof and its public signals, or the reason there is none."""

    name: str
    source: str
    ok: bool
    proof: dict[str, Any] | None = None
    public: list[str] | None = None
    reason: str | None = None
    worker: str | None = None
    seconds: float | None = None


@dataclass
class BatchProgress:
    """Counts so far; ``total`` includes the inputs skipped as already done."""

    total: int
    proved: int = 0
    failed: int = 0
    skipped: int = 0
    elapsed_s: float = 0.0

    @property
    def finished(self) -> int:
        return self.proved + self.failed + self.skipped

    @property
    def rate(self) -> float:
        """Proofs per second since the batch started."""
        return self.proved / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass
class BatchReport:
    """What a batch did: names proved, skipped (already done), and failed with reasons."""

    total: int
    proved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    workers: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "proved": len(self.proved),
            "skipped": len(self.skipped),
            "failed": len(self.failures),
            "failures": dict(self.failures),
            "seconds": round(self.elapsed_s, 3),
            "proofsPerSecond": round(len(self.proved) / self.elapsed_s, 3)
            if self.elapsed_s > 0
            else 0.0,
            "workers": self.workers,
        }


class _Checker:
    """Client-side checks of inputs before sending and of results when they come back."""

    def __init__(self, pk: ProvingKey, cs: ConstraintSystem) -> None:
        self.vk = pk.vk
        self.cs = cs

    def expected_public(self, inputs: dict[str, Any]) -> list[int]:
        """The input's public values (InputError, naming each bad signal, if malformed)."""
        return self.cs.parse_inputs(inputs)[: self.cs.n_public]

    def check(self, result: dict[str, Any], expected: list[int]) -> str | None:
        """None if the worker's proof is one of this input's statement, else why not."""
        from zkcollat.formats.snarkjs import proof_from_json, public_from_json
        from zkcollat.groth16.verify import verify_or_raise

        try:
            public = public_from_json(result["public"])
            if public != expected:
                return "the worker returned public signals that are not this input's"
            verify_or_raise(self.vk, public, proof_from_json(result["proof"]))
        except (ZkcollatError, KeyError, TypeError) as e:
            return f"the worker returned a proof that does not verify: {e}"
        return None


def _workers(client: Client) -> int:
    info = client.scheduler_info()
    return len(info.get("workers", {}))


def _next_done(done: Any, watch: WorkerWatch) -> Future[Any]:
    """The next finished future of ``done`` (an ``as_completed``), checking while it waits
    that the cluster still has workers (NoWorkersError once it has had none for too long)."""
    while not done.has_ready():
        watch.check()
        with done.thread_condition:  # notified by as_completed when a future finishes
            done.thread_condition.wait(timeout=0.1)
    return next(done)


def _task_error(fut: Future[Any]) -> str:
    from distributed.scheduler import KilledWorker

    exc = fut.exception()
    if isinstance(exc, KilledWorker):
        return (
            "the task was running on workers that died, too many times (out of memory?): "
            f"{exc}"
        )
    return f"{type(exc).__name__}: {exc}"


def prove_items(
    client: Client,
    items: Iterable[InputItem],
    pk_path: str | os.PathLike[str],
    *,
    worker_pk_path: str | None = None,
    threads_per_worker: int | None = None,
    max_in_flight: int | None = None,
    worker_timeout_s: float = WORKER_TIMEOUT_S,
) -> Iterator[ProofResult]:
    """Prove each item on ``client``'s cluster; yield results as they finish.

    ``pk_path`` is read on the client (to check inputs and results, and to identify the
    key); the workers load ``worker_pk_path`` (default: the same path, absolute), which must
    hold the same key. Unreadable items and inputs the circuit refuses fail without a task.
    Outstanding tasks are cancelled and the plugin removed when the generator is closed.

    A cluster without workers does not hang the caller: the engine waits up to
    ``worker_timeout_s`` for a first worker before it reads the key, and gives up the same
    way if every worker leaves while tasks wait (:class:`~zkcollat.batch.NoWorkersError`,
    naming the scheduler's address).
    """
    from distributed import as_completed

    from zkcollat.batch.worker import ProvingKeyPlugin, load_key_and_circuit, prove_task
    from zkcollat.formats import pkey

    require_workers(client, worker_timeout_s)
    watch = WorkerWatch(client, worker_timeout_s)
    pk_file = os.path.abspath(os.fspath(pk_path))
    header = pkey.read_header(pk_file)
    pk, cs = load_key_and_circuit(pk_file, warn=True)
    checker = _Checker(pk, cs)
    plugin = ProvingKeyPlugin(worker_pk_path or pk_file, header["payload_sha256"],
                              threads_per_worker)
    try:
        client.register_plugin(plugin)
    except ZkcollatError:
        raise
    except Exception as e:  # a worker's setup failed: Dask re-raises its exception here
        raise BatchError(f"the workers could not load the proving key: {e}") from e
    limit = max_in_flight or max(MIN_IN_FLIGHT, IN_FLIGHT_PER_WORKER * max(1, _workers(client)))
    run = uuid.uuid4().hex[:12]
    pending: dict[str, tuple[InputItem, list[int]]] = {}
    done = as_completed(with_results=False)
    it = iter(items)
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                item = next(it, None)
                if item is None:
                    exhausted = True
                    break
                if item.inputs is None:
                    yield ProofResult(item.name, item.source, False, reason=item.error)
                    continue
                try:
                    expected = checker.expected_public(item.inputs)
                except ZkcollatError as e:
                    yield ProofResult(item.name, item.source, False, reason=str(e))
                    continue
                key = f"zkcollat-prove-{run}-{item.name}"
                if key in pending:
                    raise BatchError(f"two inputs are named {item.name!r} ({item.source})")
                fut = client.submit(prove_task, plugin.name, item.name, item.inputs, key=key,
                                    pure=False)
                pending[key] = (item, expected)
                done.add(fut)
            if not pending:
                return
            fut = _next_done(done, watch)
            item, expected = pending.pop(str(fut.key))
            if fut.status == "error":
                yield ProofResult(item.name, item.source, False, reason=_task_error(fut))
                continue
            if fut.status != "finished":
                yield ProofResult(item.name, item.source, False, reason=f"task {fut.status}")
                continue
            res = fut.result()
            fut.release()
            if not isinstance(res, dict) or not isinstance(res.get("ok"), bool):
                yield ProofResult(item.name, item.source, False,
                                  reason="the worker returned a malformed result")
                continue
            if not res["ok"]:
                yield ProofResult(item.name, item.source, False, reason=res["reason"],
                                  worker=res.get("worker"))
                continue
            why = checker.check(res, expected)
            if why is not None:
                yield ProofResult(item.name, item.source, False, reason=why,
                                  worker=res.get("worker"))
                continue
            yield ProofResult(item.name, item.source, True, proof=res["proof"],
                              public=res["public"], worker=res.get("worker"),
                              seconds=res.get("seconds"))
    finally:
        if pending:
            client.cancel(list(done.futures))
        # the cluster may be gone already: then there is nothing to undo
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(plugin.name)


def prove_batch(
    client: Client,
    inputs: str | os.PathLike[str],
    pk_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    worker_pk_path: str | None = None,
    threads_per_worker: int | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
    on_result: Callable[[ProofResult], None] | None = None,
    worker_timeout_s: float = WORKER_TIMEOUT_S,
) -> BatchReport:
    """Prove every input of ``inputs`` (folder or ``.jsonl``) not yet done in ``out_dir``.

    Writes ``NAME.public.json`` and ``NAME.proof.json`` per input (see
    :mod:`zkcollat.batch.files`), ``NAME.error.txt`` for a failure; returns the report.
    ``worker_timeout_s``: see :func:`prove_items`.
    """
    out = OutputDir(out_dir)
    total = count_inputs(inputs)
    report = BatchReport(total=total, workers=_workers(client))
    progress = BatchProgress(total=total)
    t0 = time.perf_counter()

    def tick() -> None:
        progress.elapsed_s = time.perf_counter() - t0
        if on_progress is not None:
            on_progress(progress)

    def todo() -> Iterator[InputItem]:
        for item in iter_inputs(inputs):
            if out.is_done(item.name):
                report.skipped.append(item.name)
                progress.skipped += 1
                tick()
            else:
                yield item

    tick()
    for result in prove_items(client, todo(), pk_path, worker_pk_path=worker_pk_path,
                              threads_per_worker=threads_per_worker,
                              worker_timeout_s=worker_timeout_s):
        record_failure = True
        if result.ok:
            try:
                out.write_result(result.name, result.proof, result.public)
            except BatchError as e:  # another run wrote it: no error file over its proof
                result = ProofResult(result.name, result.source, False, reason=str(e))
                record_failure = False
        if result.ok:
            report.proved.append(result.name)
            progress.proved += 1
        else:
            reason = f"{result.source}: {result.reason or 'unknown error'}"
            report.failures[result.name] = reason
            if record_failure:
                out.write_failure(result.name, reason)
            progress.failed += 1
        if on_result is not None:
            on_result(result)
        tick()
    report.elapsed_s = time.perf_counter() - t0
    if not report.workers:  # the workers joined after the batch started
        with contextlib.suppress(Exception):
            report.workers = _workers(client)
    return report
