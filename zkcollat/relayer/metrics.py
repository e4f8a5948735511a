"""The relayer's Prometheus metrics (``prometheus_client``), on its own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 60, 120, 300)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.last_block = Gauge(
            "zkcollat_relayer_last_block",
            "Last block processed at the confirmation depth",
            ["chain"],
            registry=r,
        )
        self.pending = Gauge(
            "zkcollat_relayer_pending",
            "Work waiting: locks unattested, messages",
            ["what"],
            registry=r,
        )
        self.latency = Histogram(
            "zkcollat_relayer_latency_seconds",
            "lock: lock block to root accepted; seize/release: marked on the execution chain "
            "to executed on the source chain",
            ["direction"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.failures = Counter(
            "zkcollat_relayer_failures_total", "Failures by kind", ["what"], registry=r
        )
        self.txs = Counter(
            "zkcollat_relayer_transactions_total",
            "Transactions mined by kind",
            ["kind"],
            registry=r,
        )
        self.alarms = Counter(
            "zkcollat_relayer_alarms_total", "Alarms raised by kind", ["kind"], registry=r
        )

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        start_http_server(port, addr=host, registry=self.registry)
