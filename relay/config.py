"""The relay's settings (docs/operations.md lists each one) and its Prometheus metrics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class RelayConfig:
    """Everything the relay can be told; docs/operations.md lists each setting."""

    data: Path
    host: str = "127.0.0.1"
    port: int = 8765
    max_frame: int = 64 * 1024 * 1024
    max_update: int = 32 * 1024 * 1024
    queue_bytes: int = 32 * 1024 * 1024
    rate: float = 2000.0
    burst: float = 10000.0
    max_connections: int = 10000
    compact_entries: int = 10000
    retention_days: float = 14.0
    revoke_poll: float = 0.5
    #: Seconds an edit's stamp may be past the relay's time; later ones are refused (4425).
    max_skew: float = 300.0
    tls_cert: Path | None = None
    tls_key: Path | None = None
    max_db_bytes: int = 0  # refuse writes that would grow the store past this (0: no limit)
    #: The folder holding the app's app/ and src/ (None: the installed clients/web).
    web_root: Path | None = None


class Metrics:
    """The relay's Prometheus metrics, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge("handsync_relay_connections", "Open sync connections",
                                 registry=r)
        self.sessions = Counter("handsync_relay_sessions_total",
                                "Sync connections accepted (a device's syncs)", registry=r)
        self.updates = Counter("handsync_relay_updates_total", "Updates stored and acknowledged",
                               registry=r)
        self.update_bytes = Counter("handsync_relay_update_bytes_total",
                                    "Bytes of updates stored", registry=r)
        self.forwarded = Counter("handsync_relay_forwarded_total",
                                 "Updates forwarded to other peers", registry=r)
        self.errors = Counter("handsync_relay_errors_total", "Connections refused or closed "
                              "for a protocol reason, by close code", ["code"], registry=r)
        self.commits = Counter("handsync_relay_commits_total", "Group commits", registry=r)
        self.commit_batch = Histogram("handsync_relay_commit_batch_updates",
                                      "Updates per group commit", registry=r,
                                      buckets=(1, 2, 5, 10, 50, 100, 500, 1000, 2000))
        self.compactions = Counter("handsync_relay_compactions_total", "Compactions run",
                                   registry=r)
        self.store_failures = Counter(
            "handsync_relay_store_failures_total", "Store writes that failed (disk full, I/O "
            "error, read-only or locked file), by operation", ["op"], registry=r)
