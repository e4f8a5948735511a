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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zkcollat.batch.errors import BatchError, SchedulerRefused

if TYPE_CHECKING:
    from distributed import Client
    from distributed.security import Security

#: Seconds to wait for a remote scheduler, and for local workers to start.
CONNECT_TIMEOUT_S = 60


@dataclass(frozen=True)
class ClusterSpec:
    """How to reach the workers.

    ``scheduler`` is None for a LocalCluster of ``workers`` processes (default: one per core);
    ``threads_per_worker`` is the number of threads each worker's prover uses (the native
    backend's thread pool; a worker proves one input at a time, since the prover holds the
    GIL). ``tls_*`` are PEM files for a ``tls://`` scheduler (CA, client certificate, its key);
    when absent, Dask's config (``distributed.comm.tls.ca-file``, ``...client.cert``,
    ``...client.key``) is used.
    """

    scheduler: str | None = None
    workers: int | None = None
    threads_per_worker: int = 1
    insecure: bool = False
    tls_ca_file: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None

    def __post_init__(self) -> None:
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
        n = spec.workers or _cores()
        with LocalCluster(
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
        ) as cluster, Client(cluster, timeout=CONNECT_TIMEOUT_S) as client:
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


def _cores() -> int:
    import os

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
