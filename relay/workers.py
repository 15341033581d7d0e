"""The relay's store threads: one writer (group commit), one reader, one compactor.

SQLite work never runs on the event loop. The :class:`Writer` thread takes every
update queued since its last commit, checks that pycrdt can decode each one,
appends the good ones in **one** transaction (group commit), and only then hands
the results back to the loop in sequence order — so an update is acknowledged and
forwarded only after it is durable (invariant 1), and in the same order on every
connection.

The writer never dies of a storage fault (a full disk, an I/O error, a read-only or
locked file): the failed transaction is rolled back, none of its updates is
acknowledged, each is handed back with ``fault`` set (their senders are closed with
4500 and send them again later), and :attr:`Writer.fault` says why until a write
succeeds again. Meanwhile the writer probes the store every ``PROBE_EVERY`` seconds,
so the relay takes writes again by itself once the fault clears.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pycrdt import Doc, get_state, get_update, merge_updates

from engine.clock import make_stamp, stamp_wall_ms
from engine.codec import CloseCode
from engine.errors import ProtocolError, StoreError
from engine.updates import live_stamp_after
from relay.config import Metrics
from relay.store import LogRecord, RelayStore

T = TypeVar("T")
MAX_GROUP = 2000
PROBE_EVERY = 1.0  # seconds between write probes while the store refuses writes
log = logging.getLogger("handsync.relay")


def now_ms() -> int:
    """Wall-clock milliseconds (the relay, unlike the engine, may read the clock)."""
    return int(time.time() * 1000)


def check_update(update: bytes) -> None:
    """Raise ProtocolError unless pycrdt can decode ``update``."""
    try:
        Doc().apply_update(update)
    except Exception:
        raise ProtocolError(f"an update of {len(update)} bytes is not a valid Yjs update",
                            code=4400) from None


def check_stamps(update: bytes, now: int, max_skew_ms: int) -> None:
    """Raise ProtocolError (4425) if ``update`` writes a live entry stamped more than
    ``max_skew_ms`` past ``now``. Reads the update's structs; never applies it."""
    newest = live_stamp_after(update, make_stamp(now + max_skew_ms + 1) - 1)
    if newest is not None:
        ahead = (stamp_wall_ms(newest) - now) / 1000
        raise ProtocolError(f"an edit is stamped {ahead:.0f} s past the relay's time (at most "
                            f"{max_skew_ms / 1000:.0f} s allowed): correct the clock and "
                            f"re-stamp", code=CloseCode.CLOCK_SKEW)


@dataclass(slots=True)
class Pending:
    """An update waiting for the writer; ``owner`` is the connection that sent it."""

    space: str
    update: bytes
    device: str
    owner: Any


@dataclass(slots=True)
class Committed:
    """The writer's verdict on one update: its seq, or the error that refused it."""

    pending: Pending
    seq: int = 0
    error: ProtocolError | None = None
    fault: str | None = None  # the store could not write it: nothing was stored


class Writer(threading.Thread):
    """The single writer thread. Call :meth:`submit` from the event loop."""

    def __init__(self, data_dir: Path, loop: asyncio.AbstractEventLoop,
                 on_committed: Callable[[list[Committed]], None], *,
                 metrics: Metrics | None = None, max_bytes: int = 0,
                 max_skew_ms: int = 300_000) -> None:
        super().__init__(name="relay-writer", daemon=True)
        self.store = RelayStore(data_dir)
        self.store.limit_size(max_bytes)
        self.max_skew_ms = max_skew_ms
        self._loop = loop
        self._on_committed = on_committed
        self._metrics = metrics
        self._queue: queue.SimpleQueue[Pending | Callable[[RelayStore], None] | None] = \
            queue.SimpleQueue()
        self.commits = 0
        self.fault: str | None = None  # why the store refuses writes now, if it does

    def submit(self, pending: Pending) -> None:
        """Queue an update; the verdict arrives through ``on_committed`` on the loop."""
        self._queue.put(pending)

    def call(self, job: Callable[[RelayStore], None]) -> None:
        """Run ``job(store)`` on the writer thread, in order with the updates."""
        self._queue.put(job)

    def stop(self) -> None:
        """Finish what is queued, then stop (join the thread after this)."""
        self._queue.put(None)

    def run(self) -> None:
        stopping = False
        while not stopping:
            try:
                item = self._queue.get(timeout=PROBE_EVERY if self.fault else None)
            except queue.Empty:
                self._probe()
                continue
            batch: list[Pending] = []
            while True:
                if item is None:
                    stopping = True
                elif isinstance(item, Pending):
                    batch.append(item)
                else:
                    self._flush(batch)
                    batch = []
                    self._job(item)
                if stopping or len(batch) >= MAX_GROUP:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._flush(batch)
        self.store.close()

    def _flush(self, batch: list[Pending]) -> None:
        if not batch:
            return
        results = [Committed(p) for p in batch]
        try:
            self._append(results)
        except Exception as exc:  # a bug of ours: refuse the batch, keep the thread alive
            log.exception('{"event": "internal-error", "where": "writer"}')
            for result in results:
                if result.error is None and not result.seq:
                    result.fault = f"internal relay error ({type(exc).__name__})"
        self._loop.call_soon_threadsafe(self._on_committed, results)

    def _append(self, results: list[Committed]) -> None:
        good: list[Committed] = []
        now = now_ms()
        for result in results:
            try:
                check_update(result.pending.update)
                check_stamps(result.pending.update, now, self.max_skew_ms)
                good.append(result)
            except ProtocolError as exc:
                result.error = exc
        if not good:
            return
        try:
            seqs = self.store.append(
                [(r.pending.space, r.pending.update, r.pending.device) for r in good], now_ms())
        except StoreError as exc:
            self._failed("append", exc)
            for result in good:
                result.fault = self.fault
            return
        for result, seq in zip(good, seqs, strict=True):
            result.seq = seq
        self.commits += 1
        self._recovered()

    def _job(self, job: Callable[[RelayStore], None]) -> None:
        try:
            job(self.store)
        except (StoreError, sqlite3.Error) as exc:
            self._failed("job", exc)  # bookkeeping (devices seen): lost, not fatal
        except Exception:
            log.exception('{"event": "internal-error", "where": "writer job"}')

    def _probe(self) -> None:
        try:
            self.store.probe_write(now_ms())
        except (StoreError, sqlite3.Error) as exc:
            self._failed("probe", exc)
        else:
            self._recovered()

    def _failed(self, op: str, exc: Exception) -> None:
        # Peers are told the reason without the server's file path; the log has both.
        text = exc.message if isinstance(exc, StoreError) else str(exc)
        reason = text.replace("relay store write failed: ", "")
        if self._metrics is not None:
            self._metrics.store_failures.labels(op=op).inc()
        if self.fault is None:
            log.error('{"event": "store-fault", "op": "%s", "reason": "%s"}', op,
                      str(exc).replace('"', "'"))
        self.fault = reason

    def _recovered(self) -> None:
        if self.fault is not None:
            log.info('{"event": "store-recovered", "after": "%s"}',
                     self.fault.replace('"', "'"))
            self.fault = None
            # The WAL grew as far as the disk let it: copy it into the database and
            # shrink it, so the space freed lasts (best effort: readers may hold it).
            try:
                self.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                log.info('{"event": "checkpoint-deferred", "reason": "%s"}',
                         str(exc).replace('"', "'"))


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What a connection needs to catch up: either log entries or a state diff."""

    head: int
    entries: list[LogRecord] | None = None
    diff: bytes | None = None
    state_vector: bytes | None = None


class Reader:
    """One reader thread with its own connection, for catch-up and polling reads."""

    def __init__(self, data_dir: Path) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-reader")
        self._store: RelayStore | None = None
        self._data_dir = data_dir

    async def run(self, job: Callable[[RelayStore], T]) -> T:
        """Run ``job(store)`` on the reader thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, job)

    def _call(self, job: Callable[[RelayStore], T]) -> T:
        if self._store is None:
            self._store = RelayStore(self._data_dir)
        return job(self._store)

    def close(self) -> None:
        """Stop the thread and close its connection."""
        def shut() -> None:
            if self._store is not None:
                self._store.close()
        self._executor.submit(shut).result()
        self._executor.shutdown()


def read_tail(store: RelayStore, space: str, cursor: int) -> CatchUp | None:
    """Log entries after ``cursor``, or None if compaction already folded some of them."""
    with store.read_transaction():
        upto, _ = store.snapshot_info(space)
        if cursor < upto:
            return None
        entries = store.log_after(space, cursor)
        head = entries[-1].seq if entries else store.head(space)
    return CatchUp(head, entries=entries)


def read_whole(store: RelayStore, space: str) -> CatchUp:
    """Everything, as stored: the snapshot as ``diff`` and the log after it as ``entries``.

    For a new device: merging them first would cost the relay ~0.15 s per new device of a
    10k-contact space, and the device merges what it receives anyway.
    """
    with store.read_transaction():
        upto, snapshot = store.snapshot(space)
        entries = store.log_after(space, upto)
    head = entries[-1].seq if entries else upto
    return CatchUp(head, entries=entries, diff=snapshot or Doc().get_update())


def read_state(store: RelayStore, space: str, state_vector: bytes | None,
               with_state_vector: bool = False) -> CatchUp:
    """The diff a peer with ``state_vector`` lacks and the head it stands for
    (and the relay's own state vector, only if asked: it costs a pass over the state)."""
    with store.read_transaction():
        upto, snapshot = store.snapshot(space)
        entries = store.log_after(space, upto)
        head = entries[-1].seq if entries else upto
    parts = ([snapshot] if snapshot else []) + [e.update for e in entries]
    state = merge_updates(*parts) if len(parts) != 1 else parts[0]
    if not parts:
        state = Doc().get_update()
    try:
        if state_vector is None or state_vector == b"\x00":
            diff = state  # a new device gets all of it; no diff to compute
        else:
            diff = get_update(state, state_vector)
    except ValueError:
        raise ProtocolError("the state vector cannot be used with this space's state",
                            code=4400) from None
    return CatchUp(head, diff=diff,
                   state_vector=get_state(state) if with_state_vector else None)


def compact_space(store: RelayStore, space: str, keep_after: int | None) -> tuple[int, int]:
    """Fold the log of ``space`` up to ``keep_after`` (or its head) into the snapshot.

    Returns (entries folded, snapshot bytes). Safe to run beside the writer:
    SQLite serialises the final swap, and only entries read here are dropped.
    """
    with store.read_transaction():
        upto, snapshot = store.snapshot(space)
        entries = store.log_after(space, upto)
    if keep_after is not None:
        entries = [e for e in entries if e.seq <= keep_after]
    if not entries:
        return 0, len(snapshot or b"")
    parts = ([snapshot] if snapshot else []) + [e.update for e in entries]
    merged = merge_updates(*parts)
    store.replace_snapshot(space, entries[-1].seq, merged, now_ms())
    return len(entries), len(merged)


def compact_in_process(data_dir: str, space: str, live: list[int],
                       retention_ms: int) -> tuple[int, int]:
    """Compact ``space`` from a worker process (see :func:`compact_space`).

    Keeps the log after the oldest cursor of devices seen within ``retention_ms``
    and of the connected peers (``live``), so their reconnects stay cheap.
    """
    store = RelayStore(Path(data_dir))
    try:
        horizon = now_ms() - retention_ms
        cursors = [c for _, seen, c in store.devices(space) if seen >= horizon]
        keep_after = min(cursors + live) if cursors or live else None
        return compact_space(store, space, keep_after)
    finally:
        store.close()
