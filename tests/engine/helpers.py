"""Deterministic replicas for engine tests: injected clock, ids and Yjs client ids."""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.replica import Replica
from engine.store import MemoryStore, Store

T0 = 1_700_000_000_000


class Clock:
    """A wall clock that moves 1 ms per reading; set ``now`` to jump."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        self.now += 1
        return self.now


def make(name: str, client_id: int, store: Store | None = None, now: int = T0) -> Replica:
    """A replica named ``name`` whose new record ids are ``<name>-1``, ``<name>-2`` …"""
    counter = iter(range(1, 10_000))
    return Replica(store or MemoryStore(), clock=Clock(now), replica_id=name,
                   new_id=lambda: f"{name}-{next(counter)}", client_id=client_id)


def threaded(job: Callable[[], None]) -> threading.Thread:
    """A checkpoint starter on a thread, as the device client passes to SqliteStore."""
    thread = threading.Thread(target=job, name="test-checkpoint", daemon=True)
    thread.start()
    return thread
