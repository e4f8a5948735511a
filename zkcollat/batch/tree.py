"""A vault's bulk tree build through the same Dask cluster: leaves and levels hashed in chunks.

:class:`DaskHasher` is a :class:`~zkcollat.vault.tree.TreeHasher` for ``Vault.insert_many``,
``vault_from_json`` and ``load_snapshot`` (``vault import``): the Poseidon(6) of the packed
locks and each level's ``H(left, right)`` are cut into chunks, scattered to the workers (the
data goes to them directly, not through the task graph), hashed there with the native batch
Poseidon, and joined in order. Levels too small to be worth a round trip (the top of the tree)
are hashed here. Each chunk's result must have exactly one word per input: a short or long
answer is refused. Hashes are not re-checked one by one (that would cost what they saved); a
snapshot import compares the rebuilt roots with the snapshot's, which catches a wrong hash.

On one machine the native batch Poseidon already uses every core, so this only pays off when
the cluster has more cores than the client machine (see docs/scaling.md).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from zkcollat.batch.cluster import WORKER_TIMEOUT_S, WorkerWatch, require_workers
from zkcollat.batch.errors import BatchError
from zkcollat.vault.tree import TreeHasher

if TYPE_CHECKING:
    from distributed import Client, Future

LOCK_RECORD = 6 * 32
PAIR_RECORD = 2 * 32


def poseidon_chunk(width: int, packed: bytes) -> bytes:
    """Runs on a worker: the native batch Poseidon of ``width``-word records."""
    from zkcollat.batch.worker import tune_allocator
    from zkcollat.curve import get_backend

    tune_allocator()  # chunks of megabytes: reuse their buffers (see tune_allocator)
    return get_backend().poseidon_packed(width, packed)


class DaskHasher(TreeHasher):
    """Hash in chunks of ``chunk`` records on ``client``'s workers; inputs of fewer than
    ``min_records`` records are hashed in this process. A cluster that has had no workers for
    ``worker_timeout_s`` seconds (none yet, or all gone) fails with NoWorkersError."""

    def __init__(self, client: Client, *, chunk: int = 1 << 14, min_records: int = 1 << 15,
                 worker_timeout_s: float = WORKER_TIMEOUT_S):
        if chunk < 1 or min_records < 1:
            raise BatchError(f"chunk = {chunk} and min_records = {min_records} must be >= 1")
        self.client = client
        self.worker_timeout_s = worker_timeout_s
        self.chunk = chunk
        self.min_records = min_records
        self.tasks = 0  # chunks sent to the cluster so far (for tests and benchmarks)

    def _map(self, width: int, record: int, packed: bytes) -> bytes | None:
        n = len(packed) // record
        if len(packed) % record:
            raise BatchError(f"{len(packed)} bytes are not whole {record}-byte records")
        if n < self.min_records:
            return None
        step = self.chunk * record
        chunks = [packed[i : i + step] for i in range(0, len(packed), step)]
        require_workers(self.client, self.worker_timeout_s)  # scatter would wait for one
        futures = self.client.scatter(chunks)
        tasks = self.client.map(poseidon_chunk, [width] * len(chunks), futures, pure=False)
        self._wait(tasks)
        results = self.client.gather(tasks)
        self.tasks += len(chunks)
        for i, (c, r) in enumerate(zip(chunks, results, strict=True)):
            if not isinstance(r, bytes) or len(r) * record != len(c) * 32:
                raise BatchError(f"chunk {i}: a worker returned a malformed hash result")
        return b"".join(results)

    def _wait(self, futures: list[Future[bytes]]) -> None:
        """Until every future is done, failing if the cluster is left without workers."""
        watch = WorkerWatch(self.client, self.worker_timeout_s)
        while not all(f.done() for f in futures):
            watch.check()
            time.sleep(0.02)

    def leaves(self, packed_locks: bytes) -> bytes:
        out = self._map(6, LOCK_RECORD, packed_locks)
        return super().leaves(packed_locks) if out is None else out

    def pairs(self, packed: bytes) -> bytes:
        out = self._map(2, PAIR_RECORD, packed)
        return super().pairs(packed) if out is None else out
