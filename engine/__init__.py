"""handsync's sync engine: the pure core (no sockets, no asyncio, no clock reads).

Start with :class:`engine.replica.Replica` over a store
(:class:`engine.sqlite_store.SqliteStore` or :class:`engine.store.MemoryStore`).
"""

from __future__ import annotations
