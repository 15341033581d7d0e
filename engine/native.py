"""The private parts of pycrdt the engine reads, all here and nowhere else.

Reading a 10k-contact document through pycrdt's public ``Map`` costs a Python
transaction per key; the engine reads the native (Rust) maps under one raw
transaction instead, and observes the native maps' deep events (see
engine/materialize.py). Those names are pycrdt's internals, so they may change
with any release: pyproject.toml pins pycrdt to :data:`PINNED`, and
tests/engine/test_native.py fails loudly when the installed version differs or one
of these parts no longer behaves as the engine expects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pycrdt import Map, Transaction
from pycrdt._pycrdt import Map as NativeMap

PINNED = "0.14.13"

__all__ = ["PINNED", "NativeMap", "insert_all", "native_map", "observe_deep",
           "raw_transaction"]


def native_map(shared: Map[Any]) -> Any:
    """The native map behind an integrated pycrdt ``Map`` (a :class:`NativeMap`)."""
    return shared.integrated


def raw_transaction(txn: Transaction) -> Any:
    """The native transaction behind a pycrdt ``Transaction``, for native reads."""
    return txn._txn


def observe_deep(shared: Map[Any], callback: Callable[[list[Any]], None]) -> Any:
    """Observe a map's deep events through its native map; returns the subscription
    (call its ``drop()`` to stop)."""
    return shared.integrated.observe_deep(callback)


def insert_all(shared: Map[Any], items: Mapping[str, str]) -> None:
    """Set text values of an integrated map, in order, in one native pass: the same
    structs as setting them one by one through pycrdt (which opens a Python
    transaction per key: ~60 us for a new 11-field contact, ~25 us this way)."""
    with shared.doc.transaction() as txn:
        native, handle = shared.integrated, txn._txn
        for key, value in items.items():
            native.insert(handle, key, value)
