"""The hub: every space's connected peers, the store threads, and the metrics.

The hub is where durability meets fan-out: :meth:`Hub.store_update` queues an
update for the writer thread, and :meth:`Hub.on_committed` — called on the loop,
in sequence order, only after the commit — acknowledges each update to its
sender and forwards it to the space's other peers.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from engine.codec import CloseCode
from relay.config import Metrics, RelayConfig
from relay.peer import Forward, Peer
from relay.store import RelayStore
from relay.workers import (
    CatchUp,
    Committed,
    Pending,
    Reader,
    Writer,
    compact_in_process,
    now_ms,
    read_state,
    read_tail,
    read_whole,
)

log = logging.getLogger("handsync.relay")
COMPACT_RETRY = 30.0  # seconds before a failed compaction is tried again (then doubling)


class Hub:
    """Peers by space, and the threads that store and read updates."""

    def __init__(self, config: RelayConfig, loop: asyncio.AbstractEventLoop) -> None:
        self.config = config
        self.metrics = Metrics()
        self.peers: dict[str, set[Peer]] = defaultdict(set)
        self.writer = Writer(config.data, loop, self.on_committed, metrics=self.metrics,
                             max_bytes=config.max_db_bytes,
                             max_skew_ms=int(config.max_skew * 1000))
        self.reader = Reader(config.data)
        # pycrdt's merge holds the GIL (~0.1 s for a 10k-contact state): in a thread it
        # would stall every connection, so compaction runs in a process of its own.
        self._compactor = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self._log_entries: dict[str, int] = defaultdict(int)
        self._compacting: set[str] = set()
        self._compact_after: dict[str, float] = {}  # loop time before which not to retry
        self._compact_backoff: dict[str, float] = {}
        self._tasks: set[asyncio.Task[tuple[int, int]]] = set()
        self.writer.call(lambda store: store.reset_connections())
        self.writer.start()

    @property
    def connection_count(self) -> int:
        """How many peers are connected, over all spaces."""
        return sum(len(p) for p in self.peers.values())

    def join(self, peer: Peer) -> None:
        """Register a peer: from now on it receives (or buffers) the space's updates."""
        self.peers[peer.space].add(peer)
        self.metrics.connections.inc()
        self.metrics.sessions.inc()
        space, device = peer.space, peer.device
        self.writer.call(lambda store: store.touch_device(space, device, 0, now_ms(), 1))

    def leave(self, peer: Peer) -> None:
        """Forget a peer and remember how far it got."""
        self.peers[peer.space].discard(peer)
        self.metrics.connections.dec()
        space, device, seq = peer.space, peer.device, peer.sent_seq
        self.writer.call(lambda store: store.touch_device(space, device, seq, now_ms(), -1))

    def store_update(self, peer: Peer, update: bytes) -> None:
        """Queue an update for durable storage; acks and fan-out follow the commit."""
        self.writer.submit(Pending(peer.space, update, peer.device, peer))

    def on_committed(self, results: list[Committed]) -> None:
        """On the loop, in seq order: acknowledge and forward each durable update."""
        self.metrics.commits.inc()
        self.metrics.commit_batch.observe(len(results))
        for result in results:
            sender: Peer = result.pending.owner
            if result.error is not None:
                if result.error.code == CloseCode.CLOCK_SKEW:
                    sender.tell_time()  # what the device corrects its offset with
                sender.fail(result.error.code, result.error.reason)
                continue
            if result.fault is not None:
                # Nothing of it was stored: the sender keeps it and sends it again later.
                sender.fail(CloseCode.INTERNAL, f"the relay cannot store updates now "
                            f"({result.fault}); retry later")
                continue
            self.metrics.updates.inc()
            self.metrics.update_bytes.inc(len(result.pending.update))
            sender.committed(result.seq)
            forward = Forward(result.seq, result.pending.update)
            peers = self.peers.get(result.pending.space, ())
            for peer in peers:
                if peer is not sender:
                    peer.deliver(forward)
            self.metrics.forwarded.inc(max(0, len(peers) - 1))
            self._log_entries[result.pending.space] += 1
            self._maybe_compact(result.pending.space)

    def broadcast_awareness(self, sender: Peer, payload: bytes) -> None:
        """Relay presence data to the space's other peers; it is never stored."""
        for peer in self.peers.get(sender.space, ()):
            if peer is not sender:
                peer.send_awareness(payload)

    async def read_tail(self, space: str, cursor: int) -> CatchUp | None:
        """Log entries after ``cursor`` (None if compacted away)."""
        return await self.reader.run(lambda store: read_tail(store, space, cursor))

    async def read_whole(self, space: str) -> CatchUp:
        """The snapshot and the log after it, unmerged (for a new device)."""
        return await self.reader.run(lambda store: read_whole(store, space))

    async def read_state(self, space: str, state_vector: bytes | None,
                         with_state_vector: bool = False) -> CatchUp:
        """The diff against ``state_vector`` and the head it stands for."""
        return await self.reader.run(
            lambda store: read_state(store, space, state_vector, with_state_vector))

    def _maybe_compact(self, space: str) -> None:
        if self._log_entries[space] < self.config.compact_entries or space in self._compacting:
            return
        if asyncio.get_running_loop().time() < self._compact_after.get(space, 0.0):
            return  # the last attempt failed: wait out its backoff
        self._compacting.add(space)
        task = asyncio.get_running_loop().create_task(self.compact(space))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def compact(self, space: str) -> tuple[int, int]:
        """Fold the log into the snapshot, keeping what recently seen devices still miss."""
        retention_ms = int(self.config.retention_days * 86_400_000)
        live = [p.sent_seq for p in self.peers.get(space, ())]

        try:
            loop = asyncio.get_running_loop()
            folded, size = await loop.run_in_executor(
                self._compactor, compact_in_process, str(self.config.data), space, live,
                retention_ms)
        except Exception as exc:
            self._compact_failed(space, exc)
            raise
        finally:
            self._compacting.discard(space)
        self._log_entries[space] = max(0, self._log_entries[space] - folded)
        self._compact_after.pop(space, None)
        self._compact_backoff.pop(space, None)
        self.metrics.compactions.inc()
        log.info('{"event": "compacted", "space": "%s", "entries": %d, "snapshot_bytes": %d}',
                 space, folded, size)
        return folded, size

    def _compact_failed(self, space: str, exc: Exception) -> None:
        """Log a failed compaction and wait before the next try (doubling, up to an hour)."""
        backoff = min(self._compact_backoff.get(space, COMPACT_RETRY / 2) * 2, 3600.0)
        self._compact_backoff[space] = backoff
        self._compact_after[space] = asyncio.get_running_loop().time() + backoff
        self.metrics.store_failures.labels(op="compact").inc()
        log.error('{"event": "compaction-failed", "space": "%s", "reason": "%s", '
                  '"retry_in_s": %.0f}', space, str(exc).replace('"', "'"), backoff)

    async def watch_tokens(self) -> None:
        """Close connections whose token was revoked or expired (checked twice a second)."""
        while True:
            await asyncio.sleep(self.config.revoke_poll)
            peers = [p for ps in self.peers.values() for p in ps]
            ids = {p.token.id for p in peers}
            if not ids:
                continue
            bad = await self.reader.run(partial(_invalid, ids))
            for peer in peers:
                if peer.token.id in bad:
                    peer.fail(CloseCode.UNAUTHORIZED, "token revoked or expired")

    def close(self) -> None:
        """Stop the store threads after what is queued is committed."""
        self.writer.stop()
        self.writer.join()
        self.reader.close()
        self._compactor.shutdown(wait=True, cancel_futures=True)


def _invalid(ids: set[str], store: RelayStore) -> set[str]:
    return store.invalid_tokens(ids, now_ms())
