"""Where a batch runs: a LocalCluster on this machine, or an existing Dask cluster.

Tasks carry witnesses, and witnesses hold the amounts and expiries that a proof hides. So:

* the default LocalCluster listens on the loopback interface over TLS, with a temporary
  certificate authority made for this run only (``Security.temporary()``): another user of
  the machine who finds the port cannot join the cluster or read a task;
* a remote scheduler is reached over ``tls://`` with the cluster's certificates (Dask's
  security settings: files given here, or ``distributed.comm.tls.*`` in the Dask config);
* plain ``tcp://`` is accepted only to this machine (a loopback address or ``localhost``),
  unless the caller says ``insecure=True``; any other protocol is refused.

Whatever :func:`open_client` starts, it stops when the ``with`` block ends, error or not.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zkcollat.batch.errors import BatchError, NoWorkersError, SchedulerRefused

if TYPE_CHECKING:
    from distributed import Client
    from distributed.security import Security

#: Seconds to wait for a remote scheduler, and for local workers to start.
CONNECT_TIMEOUT_S = 60
#: Default seconds to wait for a worker when the cluster has none (before the first task, and
#: whenever every worker has left mid-batch); ``--worker-timeout`` on the command line.
WORKER_TIMEOUT_S = 60.0
#: How often a waiting client asks the scheduler how many workers it has.
WORKER_POLL_S = 1.0
#: Dask settings for the nannies of the LocalCluster that :func:`open_client` starts. Dask
#: puts ``MALLOC_TRIM_THRESHOLD_=65536`` into the environment of the worker processes it
#: spawns, and into this process's own environment (inherited by anything it starts later);
#: it slows the prover (see :func:`zkcollat.batch.worker.tune_allocator`), so it is left out.
LOCAL_NANNY_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
#: Dask settings passed to those worker processes: no statistical profiler. It samples every
#: thread's stack every 10 ms for the dashboard, which a local batch cluster does not start.
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


@dataclass(frozen=True)
class ClusterSpec:
    """How to reach the workers.

    ``scheduler`` is None for a LocalCluster of ``workers`` processes (default: one per core);
    ``threads_per_worker`` is the number of threads each worker's prover uses (the native
    backend's thread pool; a worker proves one input at a time, with one Dask thread).
    ``tls_*`` are PEM files for a ``tls://`` scheduler (CA, client certificate, its key); when
    absent, Dask's config (``distributed.comm.tls.ca-file``, ``...client.cert``,
    ``...client.key``) is used. ``worker_timeout_s`` is how long work waits for a worker when
    the cluster has none (see :func:`require_workers`).
    """

    scheduler: str | None = None
    workers: int | None = None
    threads_per_worker: int = 1
    insecure: bool = False
    tls_ca_file: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    worker_timeout_s: float = WORKER_TIMEOUT_S

    def __post_init__(self) -> None:
        check_worker_timeout(self.worker_timeout_s)
        if self.scheduler is not None and self.workers is not None:
            raise BatchError("give a scheduler address or a number of local workers, not both")
        for name, v in (("workers", self.workers), ("threads_per_worker", self.threads_per_worker)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise BatchError(f"{name} = {v!r} must be a positive integer")


def is_local_host(host: str) -> bool:
    """Whether ``host`` names this machine's loopback interface (no DNS lookup: a name that
    merely resolves to a local address is not trusted)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_scheduler_address(address: str, *, insecure: bool = False) -> tuple[str, str]:
    """``(protocol, host)`` of a scheduler address that the policy above allows.

    Raises :class:`SchedulerRefused` naming the rule for ``tcp://`` to another host without
    ``insecure``, for protocols other than ``tls`` and ``tcp``, and for malformed addresses.
    An address without ``protocol://`` is ``tcp://`` (as in Dask).
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    if not isinstance(address, str) or not address.strip():
        raise SchedulerRefused(f"scheduler address {address!r} is empty")
    try:
        protocol, location = parse_address(address.strip())
    except (ValueError, TypeError) as e:
        raise SchedulerRefused(f"scheduler address {address!r} is malformed: {e}") from e
    if protocol not in ("tls", "tcp"):
        raise SchedulerRefused(
            f"scheduler address {address!r}: protocol {protocol!r} is not supported; "
            "use tls://HOST:PORT (or tcp:// to this machine)"
        )
    try:
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as e:
        raise SchedulerRefused(
            f"scheduler address {address!r} needs a host and a port: {e}"
        ) from e
    if not host or not port:
        raise SchedulerRefused(f"scheduler address {address!r} needs a host and a port")
    if protocol == "tls" or is_local_host(host) or insecure:
        return protocol, host
    raise SchedulerRefused(
        f"refusing plain tcp:// to {host}: tasks carry witnesses (the amounts a proof hides) "
        "unencrypted; use tls://HOST:PORT with the cluster's certificates, or --insecure "
        "if the network is trusted"
    )


def remote_security(spec: ClusterSpec) -> Security:
    """The TLS settings for a ``tls://`` scheduler (certificates required)."""
    from distributed.security import Security

    kwargs = {
        k: v
        for k, v in (
            ("tls_ca_file", spec.tls_ca_file),
            ("tls_client_cert", spec.tls_cert),
            ("tls_client_key", spec.tls_key),
        )
        if v is not None
    }
    sec = Security(require_encryption=True, **kwargs)  # the rest from the Dask config
    if not getattr(sec, "tls_ca_file", None):
        raise SchedulerRefused(
            "a tls:// scheduler needs the cluster's CA certificate: give --tls-ca-file "
            "(and --tls-cert/--tls-key when the cluster checks client certificates), or set "
            "distributed.comm.tls.ca-file in the Dask config"
        )
    return sec


@contextmanager
def open_client(spec: ClusterSpec) -> Iterator[Client]:
    """A Dask client for ``spec``; a LocalCluster it started is closed on exit."""
    from distributed import Client, LocalCluster
    from distributed.security import Security

    if spec.scheduler is None:
        import dask

        n = spec.workers or _cores()
        # The nannies read this when they are made, and keep it for any worker they restart.
        with dask.config.set(LOCAL_NANNY_CONFIG):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                protocol="tls://",
                host="127.0.0.1",
                security=Security.temporary(),
                dashboard_address=None,
                silence_logs=logging.ERROR,
                # the native prover's thread pool reads this when it starts, in each worker
                env={"RAYON_NUM_THREADS": str(spec.threads_per_worker)},
                config=LOCAL_WORKER_CONFIG,
            )
        with cluster, Client(cluster, timeout=CONNECT_TIMEOUT_S) as client:
            yield client
        return
    protocol, _host = check_scheduler_address(spec.scheduler, insecure=spec.insecure)
    security = remote_security(spec) if protocol == "tls" else None
    try:
        client = Client(spec.scheduler, security=security, timeout=CONNECT_TIMEOUT_S)
    except OSError as e:
        raise BatchError(f"cannot reach the Dask scheduler at {spec.scheduler}: {e}") from e
    with client:
        yield client


def check_worker_timeout(timeout_s: float) -> float:
    """``timeout_s`` as a float if it is a finite number of seconds > 0 (BatchError if not)."""
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float):
        raise BatchError(f"worker timeout {timeout_s!r} must be a number of seconds")
    if not 0 < timeout_s < float("inf"):
        raise BatchError(f"worker timeout {timeout_s!r} must be a finite number of seconds > 0")
    return float(timeout_s)


def _no_workers(client: Client, timeout_s: float, when: str) -> NoWorkersError:
    address = getattr(getattr(client, "scheduler", None), "address", None) or "(unknown)"
    return NoWorkersError(
        f"the Dask scheduler at {address} has had no workers for {timeout_s:g} s {when}: "
        f"start workers (`dask worker {address} ...`, see docs/scaling.md) or allow a longer "
        "wait (--worker-timeout)"
    )


def worker_count(client: Client) -> int:
    """The number of workers the scheduler has now (one round trip)."""
    return len(client.scheduler_info().get("workers", {}))


def require_workers(client: Client, timeout_s: float = WORKER_TIMEOUT_S) -> int:
    """The number of workers, after waiting up to ``timeout_s`` for the first one to join.

    Tasks sent to a scheduler without workers wait forever; this turns that into a
    :class:`NoWorkersError` naming the scheduler's address.
    """
    timeout_s = check_worker_timeout(timeout_s)
    n = worker_count(client)
    if n:
        return n
    try:
        client.wait_for_workers(1, timeout=timeout_s)
    except TimeoutError as e:  # distributed's WorkerStartTimeoutError is one
        raise _no_workers(client, timeout_s, "before the first task") from e
    return max(1, worker_count(client))


class WorkerWatch:
    """Raises :class:`NoWorkersError` once the cluster has had no workers for ``timeout_s``
    (every worker died or left mid-batch, and none replaced them): call :meth:`check` while
    waiting for results. It asks the scheduler at most every :data:`WORKER_POLL_S` seconds."""

    def __init__(self, client: Client, timeout_s: float = WORKER_TIMEOUT_S) -> None:
        self.client = client
        self.timeout_s = check_worker_timeout(timeout_s)
        self.last_seen = self.next_poll = time.monotonic()

    def check(self) -> None:
        now = time.monotonic()
        if now < self.next_poll:
            return
        self.next_poll = now + WORKER_POLL_S
        if worker_count(self.client):
            self.last_seen = now
        elif now - self.last_seen >= self.timeout_s:
            raise _no_workers(self.client, self.timeout_s, "while tasks were waiting")


def _cores() -> int:
    import os

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
