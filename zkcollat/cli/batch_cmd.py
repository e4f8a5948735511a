"""``zkcollat prove-batch``: many inputs, one proving key, on Dask (:mod:`zkcollat.batch`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from zkcollat.cli._common import EXIT_REJECTED, bars_shown, emit, existing_file, json_option

if TYPE_CHECKING:
    from zkcollat.batch import ClusterSpec

F = TypeVar("F", bound=Callable[..., Any])


_CLUSTER_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--scheduler",
        default=None,
        help="A running Dask scheduler, tls://HOST:PORT (tcp:// only to this machine, or with "
        "--insecure). Default: a cluster of local worker processes.",
    ),
    click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Without --scheduler: local worker processes (default: one per core).",
    ),
    click.option(
        "--threads-per-worker",
        type=click.IntRange(min=1),
        default=None,
        help="Native threads of each worker (a worker proves one input at a time); default 1 "
        "for local workers; a remote worker keeps its RAYON_NUM_THREADS if set.",
    ),
    click.option(
        "--worker-timeout",
        type=click.FloatRange(min=0, min_open=True, max=1e9),
        default=None,
        help="Seconds to wait for a worker when the cluster has none (none joined yet, or all "
        "left) before failing; default 60.",
    ),
    click.option(
        "--tls-ca-file", default=None, help="tls://: the cluster's CA certificate (PEM)."
    ),
    click.option("--tls-cert", default=None, help="tls://: this client's certificate (PEM)."),
    click.option("--tls-key", default=None, help="tls://: this client's private key (PEM)."),
    click.option(
        "--insecure",
        is_flag=True,
        help="Allow plain tcp:// to another host: data (witnesses: the hidden amounts) "
        "travels unencrypted.",
    ),
]


def cluster_options(f: F) -> F:
    """The options that say where Dask work runs (``prove-batch``, ``vault import``)."""
    for opt in reversed(_CLUSTER_OPTIONS):
        f = opt(f)
    return f


def cluster_spec(
    scheduler: str | None,
    workers: int | None,
    threads_per_worker: int | None,
    insecure: bool,
    tls_ca_file: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    worker_timeout: float | None = None,
) -> ClusterSpec:
    """The :class:`ClusterSpec` of those options; a refused scheduler address fails here,
    before any work."""
    from zkcollat.batch import ClusterSpec, check_scheduler_address
    from zkcollat.batch.cluster import WORKER_TIMEOUT_S

    if scheduler is not None:
        check_scheduler_address(scheduler, insecure=insecure)
    return ClusterSpec(
        scheduler=scheduler,
        workers=workers,
        threads_per_worker=threads_per_worker or 1,
        insecure=insecure,
        tls_ca_file=tls_ca_file,
        tls_cert=tls_cert,
        tls_key=tls_key,
        worker_timeout_s=WORKER_TIMEOUT_S if worker_timeout is None else worker_timeout,
    )


@click.command("prove-batch")
@click.option(
    "--inputs",
    "inputs",
    required=True,
    type=click.Path(),
    help="A folder of input.json files (NAME.json) or a JSON-lines file (one input a line).",
)
@click.option(
    "--pk",
    "pk_path",
    default="proving_key.zkpk",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Proving key (.zkpk), read here to check inputs and proofs.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for NAME.proof.json and NAME.public.json (created; done inputs are skipped).",
)
@click.option(
    "--worker-pk",
    default=None,
    help="The key's path on the workers, if not the same as --pk (same key required).",
)
@cluster_options
@json_option
def prove_batch_cmd(
    inputs: str,
    pk_path: str,
    out_dir: str,
    scheduler: str | None,
    workers: int | None,
    threads_per_worker: int | None,
    worker_pk: str | None,
    tls_ca_file: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    insecure: bool,
    worker_timeout: float | None,
    as_json: bool,
) -> None:
    """Prove every input of a folder or JSONL file with one key, on Dask.

    Without --scheduler the proofs are made by a cluster of worker processes on this machine
    (over TLS with a certificate made for the run). Each worker loads the key once. Each
    proof is written, atomically, as OUT/NAME.proof.json and OUT/NAME.public.json as soon as
    it is checked; a failed input leaves OUT/NAME.error.txt with the reason and does not stop
    the others. Run again to retry the failures: done inputs are skipped. Exit status 1 when
    some inputs failed.

    \b
    Examples:
      zkcollat prove-batch --inputs inputs/ --pk proving_key.zkpk --out proofs/ --workers 2
      zkcollat prove-batch --inputs locks.jsonl --pk /shared/proving_key.zkpk --out proofs/ \\
          --scheduler tls://scheduler.internal:8786 --tls-ca-file ca.pem \\
          --tls-cert client.pem --tls-key client.key
    """
    from zkcollat.batch import BatchProgress, open_client
    from zkcollat.batch import prove_batch as run_batch
    from zkcollat.batch.files import count_inputs

    spec = cluster_spec(
        scheduler, workers, threads_per_worker, insecure, tls_ca_file, tls_cert, tls_key,
        worker_timeout,
    )
    existing_file(pk_path, "proving key")
    total = count_inputs(inputs)
    bar: Any = None
    shown = [0]

    def on_progress(p: BatchProgress) -> None:
        if bar is None:
            return
        bar.update(p.finished - shown[0], f"{p.rate:.2f} proofs/s, {p.failed} failed")
        shown[0] = p.finished

    with open_client(spec) as client:
        if bars_shown():  # a terminal, and not -q
            bar = click.progressbar(
                length=total, label="proving", file=sys.stderr, item_show_func=lambda s: s
            )
            bar.__enter__()
        try:
            report = run_batch(
                client,
                inputs,
                pk_path,
                out_dir,
                worker_pk_path=worker_pk,
                threads_per_worker=threads_per_worker,
                on_progress=on_progress,
                worker_timeout_s=spec.worker_timeout_s,
            )
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
    out = report.as_dict()
    out["out"] = out_dir

    def text() -> str:
        lines = [
            f"proved {out['proved']}, skipped {out['skipped']} (already done), failed "
            f"{out['failed']} of {out['total']} inputs in {out['seconds']:.1f} s "
            f"({out['proofsPerSecond']:.2f} proofs/s on {out['workers']} workers); "
            f"proofs in {out_dir}"
        ]
        lines += [f"failed {name}: {reason}" for name, reason in report.failures.items()]
        return "\n".join(lines)

    emit(as_json, out, text)
    if not report.ok:
        sys.exit(EXIT_REJECTED)
