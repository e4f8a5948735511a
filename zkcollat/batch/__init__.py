"""Proving at scale on Dask: many inputs, one key, a LocalCluster or any Dask cluster.

    from zkcollat.batch import ClusterSpec, open_client, prove_batch

    with open_client(ClusterSpec(workers=2)) as client:          # or scheduler="tls://..."
        report = prove_batch(client, "inputs/", "proving_key.zkpk", "proofs/")
    print(report.as_dict())

:func:`prove_items` is the same engine without files, for a relayer that holds its inputs in
memory (:class:`InputItem` objects) and wants the proofs back. The modules: ``cluster``
(where it runs, and the transport policy), ``worker`` (the key plugin and the task),
``files`` (inputs, atomic outputs), ``engine`` (the loop), ``tree`` (a vault's tree levels
hashed in parallel chunks).
"""

from zkcollat.batch.cluster import ClusterSpec, check_scheduler_address, open_client
from zkcollat.batch.engine import (
    BatchProgress,
    BatchReport,
    ProofResult,
    prove_batch,
    prove_items,
)
from zkcollat.batch.errors import BatchError, NoWorkersError, SchedulerRefused, WorkerKeyError
from zkcollat.batch.files import InputItem, OutputDir, count_inputs, iter_inputs

__all__ = [
    "BatchError",
    "BatchProgress",
    "BatchReport",
    "ClusterSpec",
    "InputItem",
    "NoWorkersError",
    "OutputDir",
    "ProofResult",
    "SchedulerRefused",
    "WorkerKeyError",
    "check_scheduler_address",
    "count_inputs",
    "iter_inputs",
    "open_client",
    "prove_batch",
    "prove_items",
]
