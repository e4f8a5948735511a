"""What runs on the workers: the proving key, loaded once per worker, and the proving task.

The key is not an argument of the tasks (a multi-megabyte argument to ``client.map`` is
copied into every task and Dask warns, then fails, on large graphs): a
:class:`ProvingKeyPlugin` registered with the client makes every worker, including workers
that join or restart later, load the key from a path *on that worker* (a copy on each
machine, or shared storage) and compile the circuit the key names. The plugin checks that
the worker's key file is the client's key (same payload hash), so a stale copy on one
machine cannot produce proofs for another key.

Tasks get the plugin's name and one input object, and return a small dict: the proof and
public signals on success, or the reason the input was refused (an error of the zkcollat
hierarchy: bad or out-of-range signals, an unsatisfied constraint). Anything else raises, and
Dask reports it as the task's error.

The plugin also sets the worker's memory allocator back to reusing the prover's buffers
(:func:`tune_allocator`): Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``,
under which every proof maps and faults in its buffers afresh.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from distributed import WorkerPlugin, get_worker

from zkcollat.batch.errors import WorkerKeyError
from zkcollat.errors import KeyFormatError, ZkcollatError

if TYPE_CHECKING:
    from distributed import Worker

    from zkcollat.groth16.keys import ProvingKey
    from zkcollat.r1cs.system import ConstraintSystem

PLUGIN_PREFIX = "zkcollat-proving-key-"

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Allocations up to this size come from the heap and are reused after free (the ceiling
#: glibc's own dynamic threshold reaches on 64-bit); larger ones are mapped and unmapped.
MMAP_THRESHOLD_BYTES = 32 << 20
#: Free memory at the top of the heap kept for reuse rather than returned to the system.
TRIM_THRESHOLD_BYTES = 64 << 20
_allocator_tuned = False


def tune_allocator() -> bool:
    """Let this process's allocator keep large freed buffers for the next proof.

    Dask's nanny starts each worker process with ``MALLOC_TRIM_THRESHOLD_=65536`` (its
    ``distributed.nanny.pre-spawn-environ``), to hand memory back to the system. Setting that
    variable also turns off glibc's dynamic mmap threshold, so every buffer over 128 KiB that
    the prover allocates is mapped fresh and unmapped when freed: a CollateralLock(20) proof
    then takes about 8,500 page faults instead of about 40 (benchmarks/bench_batch.py shows
    both). This sets the two thresholds to the values that glibc's dynamic rule settles on in a
    process started without the variable. Called by :class:`ProvingKeyPlugin` on every worker
    (local or remote) and by the tree hasher's tasks; idempotent. Returns True once the
    thresholds are set (glibc on Linux), False where there is no ``mallopt`` to call.
    """
    global _allocator_tuned
    if _allocator_tuned:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # a C library without mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success, 0 on error (musl's stub always 0)
    _allocator_tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    return _allocator_tuned


def load_key_and_circuit(path: str, *, warn: bool = False) -> tuple[ProvingKey, ConstraintSystem]:
    """The key at ``path`` and the compiled circuit it was made for (digests compared);
    ``warn`` for the development-key warning (the client warns once, the workers not)."""
    from zkcollat.formats import pkey
    from zkcollat.groth16.keys import circuit_of_key
    from zkcollat.groth16.qap import circuit_digest
    from zkcollat.statements import by_name

    pk = pkey.load(path, warn=warn)
    name, params = circuit_of_key(pk)
    cs = by_name(name, **params).compile()
    if circuit_digest(cs) != pk.circuit_digest or cs.n_wires != pk.n_wires:
        raise KeyFormatError(
            f"proving key {path!r} names circuit {name} {params}, but its digest is not that "
            "circuit's: the key was made for another version of the circuit"
        )
    return pk, cs


class ProvingKeyPlugin(WorkerPlugin):
    """Loads one proving key (and its circuit) into each worker, once.

    ``pk_path`` is the key's path as the workers see it; ``payload_sha256`` the hash from
    the client's copy (:func:`zkcollat.formats.pkey.read_header`); ``threads`` the size of the
    native prover's thread pool, applied when the worker's environment does not set
    ``RAYON_NUM_THREADS`` already (the pool reads it once, when first used).
    """

    def __init__(self, pk_path: str, payload_sha256: str, threads: int | None = None) -> None:
        self.name = PLUGIN_PREFIX + payload_sha256[:16]
        self.pk_path = pk_path
        self.payload_sha256 = payload_sha256
        self.threads = threads
        self.pk: ProvingKey | None = None
        self.cs: ConstraintSystem | None = None
        self.allocator_tuned = False

    def setup(self, worker: Worker) -> None:
        from zkcollat.curve import get_backend
        from zkcollat.formats import pkey

        if self.threads is not None:
            os.environ.setdefault("RAYON_NUM_THREADS", str(self.threads))
        self.allocator_tuned = tune_allocator()  # before the key's buffers are allocated
        where = f"worker {worker.address}: proving key {self.pk_path!r}"
        try:
            header = pkey.read_header(self.pk_path)
        except KeyFormatError as e:
            raise WorkerKeyError(f"worker {worker.address}: {e}") from e
        if header["payload_sha256"] != self.payload_sha256:
            raise WorkerKeyError(
                f"{where} is not the client's key (payload hash {header['payload_sha256'][:16]}"
                f"... vs {self.payload_sha256[:16]}...): copy the same key to every worker"
            )
        try:
            pk, cs = load_key_and_circuit(self.pk_path)
        except ZkcollatError as e:
            raise WorkerKeyError(f"{where}: {e}") from e
        pk.vectors(get_backend())  # load the query vectors now, not in the first task
        self.pk, self.cs = pk, cs

    def teardown(self, worker: Worker) -> None:
        self.pk = self.cs = None


def prove_task(plugin_name: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Prove one input with the key of plugin ``plugin_name`` (runs on a worker)."""
    from zkcollat.formats.snarkjs import proof_to_json, public_to_json
    from zkcollat.groth16.prove import fullprove

    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    if not isinstance(plugin, ProvingKeyPlugin) or plugin.pk is None or plugin.cs is None:
        raise WorkerKeyError(f"worker {worker.address} has no proving key {plugin_name!r}")
    t0 = time.perf_counter()
    try:
        proof, public = fullprove(plugin.pk, plugin.cs, inputs)
    except ZkcollatError as e:
        # The solver's message ends with the values of the wires involved, private inputs
        # (the amount) among them; a batch's reasons end up in logs: keep the rule only.
        reason = str(e).split("; wires: ", 1)[0]
        return {"name": name, "ok": False, "reason": reason, "worker": worker.address}
    return {
        "name": name,
        "ok": True,
        "proof": proof_to_json(proof),
        "public": public_to_json(public),
        "seconds": time.perf_counter() - t0,
        "worker": worker.address,
    }
