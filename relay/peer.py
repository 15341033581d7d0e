"""One connected peer: its protocol state, its bounded outgoing queue, its writer task.

The asyncio layer only moves bytes: :class:`Peer` decodes frames with the
engine's codec, asks its hub (:class:`PeerHub`) to store and fan out updates,
and queues frames for its single writer task. Nothing is sent per message with a
fire-and-forget task, and the queue is bounded in bytes: a peer that cannot keep up is
closed with 4408 and catches up when it returns.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from engine.codec import (
    PROTOCOL_VERSION,
    Ack,
    Awareness,
    CaughtUp,
    CloseCode,
    Error,
    Hello,
    Message,
    QueryAwareness,
    Relayed,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    Time,
    decode,
    decode_state_vector,
    encode,
)
from engine.errors import ProtocolError

if TYPE_CHECKING:
    from relay.config import Metrics, RelayConfig
    from relay.store import Token
    from relay.workers import CatchUp

log = logging.getLogger("handsync.relay")
PACK_BYTES = 64 * 1024


@dataclass
class RateLimit:
    """A token bucket: ``rate`` messages per second, bursts up to ``burst``."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    stamp: float = field(init=False, default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def allow(self, count: int = 1) -> bool:
        """Take ``count`` tokens if there are enough."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < count:
            return False
        self.tokens -= count
        return True


@dataclass(slots=True)
class Forward:
    """A durable update on its way to every other peer, encoded once per flavour."""

    seq: int
    update: bytes
    _relayed: bytes | None = None
    _plain: bytes | None = None

    def frame(self, handsync: bool) -> bytes:
        """``Relayed`` for our clients, a plain Yjs update for stock ones."""
        if handsync:
            if self._relayed is None:
                self._relayed = encode(Relayed(self.seq, self.update))
            return self._relayed
        if self._plain is None:
            self._plain = encode(SyncUpdate(self.update))
        return self._plain


class PeerHub(Protocol):
    """What a peer asks of the hub that holds it (:class:`relay.hub.Hub` is one).

    Declared here so that the peer needs nothing from the hub's module: the hub
    imports peers, never the other way round.
    """

    config: RelayConfig
    metrics: Metrics

    def store_update(self, peer: Peer, update: bytes) -> None: ...
    def broadcast_awareness(self, sender: Peer, payload: bytes) -> None: ...
    async def read_tail(self, space: str, cursor: int) -> CatchUp | None: ...
    async def read_whole(self, space: str) -> CatchUp: ...
    async def read_state(self, space: str, state_vector: bytes | None,
                         with_state_vector: bool = False) -> CatchUp: ...


class Peer:
    """The relay's side of one WebSocket connection to a space."""

    def __init__(self, ws: ServerConnection, hub: PeerHub, space: str, token: Token) -> None:
        self.ws = ws
        self.hub = hub
        self.space = space
        self.token = token
        self.device = token.device
        self.handsync = False  # True once the peer said Hello: it gets type-100 messages
        self.catching_up = True
        self.backlog: list[Forward] = []
        self._backlog_bytes = 0
        self.sent_seq = 0
        self.acked = 0
        self.closing = False
        self._queue: collections.deque[bytes] = collections.deque()
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._limit = RateLimit(hub.config.rate, hub.config.burst)
        self._answered_step1 = False
        self._close: tuple[int, str] = (CloseCode.NORMAL, "")
        self._writer: asyncio.Task[None] | None = None
        self._sending = False
        self._abort: asyncio.Task[None] | None = None

    # ------------------------------------------------------------- receiving

    async def serve(self) -> None:
        """Read frames until the connection ends; the writer task runs beside it."""
        writer = self._writer = asyncio.create_task(self._write_loop())
        try:
            async for frame in self.ws:
                if self.closing:
                    break
                if isinstance(frame, str):
                    self.fail(CloseCode.BAD_MESSAGE, "text frames are not part of the protocol")
                    break
                try:
                    messages = decode(frame)
                    # The limit counts messages, so packing many into one frame cannot evade it.
                    if not self._limit.allow(len(messages)):
                        self.fail(CloseCode.RATE_LIMITED, "too many messages; slow down")
                        break
                    for message in messages:
                        await self._handle(message)
                except ProtocolError as exc:
                    self.fail(exc.code, exc.reason)
                    break
                except Exception:  # a bug of ours: report it, never leave the peer guessing
                    log.exception('{"event": "internal-error", "space": "%s", "device": "%s"}',
                                  self.space, self.device)
                    self.fail(CloseCode.INTERNAL, "internal relay error; retry later")
                    break
        except ConnectionClosed:
            pass
        finally:
            self.closing = True
            self._wake.set()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            if self._abort is not None:
                await self._abort

    async def _handle(self, message: Message) -> None:
        if isinstance(message, Hello):
            await self._hello(message)
        elif isinstance(message, SyncStep1):
            await self._step1(message.state_vector)
        elif isinstance(message, (SyncStep2, SyncUpdate)):
            self._update(message.update)
        elif isinstance(message, Awareness):
            self.hub.broadcast_awareness(self, message.payload)
        elif isinstance(message, QueryAwareness):
            pass  # the relay keeps no awareness states
        else:
            raise ProtocolError(f"{type(message).__name__} is not sent to a relay",
                                code=CloseCode.BAD_MESSAGE)

    async def _hello(self, hello: Hello) -> None:
        self.handsync = True  # it speaks our extension: errors reach it as Error messages
        if hello.protocol_version != PROTOCOL_VERSION:
            raise ProtocolError(f"protocol version {hello.protocol_version} is not supported "
                                f"(this relay speaks {PROTOCOL_VERSION})",
                                code=CloseCode.UNSUPPORTED_VERSION)
        self.tell_time()  # first: the device re-stamps with it before it sends its edits
        if hello.resume_cursor > 0:
            tail = await self.hub.read_tail(self.space, hello.resume_cursor)
            if tail is not None:
                for entry in tail.entries or []:
                    self._queue_message(Relayed(entry.seq, entry.update))
                self._caught_up(tail.head)
                return
            # Compaction folded part of what this peer missed: send the state instead.
            await self._step1(None)

    async def _step1(self, state_vector: bytes | None) -> None:
        if state_vector is not None:
            decode_state_vector(state_vector)  # ProtocolError (4400) if it is not one
        if self.handsync and state_vector in (None, b"\x00"):
            # A new device gets the snapshot and the log after it as stored, unmerged:
            # it merges them once anyway, when it applies them.
            whole = await self.hub.read_whole(self.space)
            assert whole.diff is not None
            self._queue_message(SyncStep2(whole.diff))
            for entry in whole.entries or []:
                self._queue_message(Relayed(entry.seq, entry.update))
            self._caught_up(whole.head)
            self._answered_step1 = True
            return
        ask_back = not self.handsync and not self._answered_step1
        catch_up = await self.hub.read_state(self.space, state_vector, ask_back)
        assert catch_up.diff is not None
        self._queue_message(SyncStep2(catch_up.diff))
        if self.handsync:
            self._caught_up(catch_up.head)
        else:
            if ask_back and catch_up.state_vector is not None:
                # A stock Yjs client sends its offline edits when asked with our SyncStep1.
                self._queue_message(SyncStep1(catch_up.state_vector))
            self._flush_backlog(catch_up.head)
        self._answered_step1 = True

    def _caught_up(self, head: int) -> None:
        self._flush_backlog(head)
        self._queue_message(CaughtUp(max(head, self.sent_seq)))

    def _flush_backlog(self, head: int) -> None:
        self.sent_seq = max(self.sent_seq, head)
        self.catching_up = False
        backlog, self.backlog = self.backlog, []
        self._backlog_bytes = 0
        for forward in backlog:
            self.deliver(forward)

    def _update(self, update: bytes) -> None:
        if self.token.read_only:
            raise ProtocolError("this token is read-only: updates are refused",
                                code=CloseCode.FORBIDDEN)
        if len(update) > self.hub.config.max_update:
            raise ProtocolError(f"update of {len(update)} bytes is over the relay's limit of "
                                f"{self.hub.config.max_update}", code=CloseCode.PAYLOAD_TOO_LARGE)
        self.hub.store_update(self, update)

    # --------------------------------------------------------------- sending

    def tell_time(self) -> None:
        """Send the relay's time (only to a peer that speaks our extension)."""
        if self.handsync:
            self._queue_message(Time(int(time.time() * 1000)))

    def committed(self, seq: int) -> None:
        """One of this peer's updates is durable as ``seq``: acknowledge it."""
        self.acked += 1
        if self.handsync:
            self._queue_message(Ack(self.acked, seq))

    def deliver(self, forward: Forward) -> None:
        """Forward another peer's durable update, in log order, exactly once."""
        if self.catching_up:
            # Held until the catch-up is sent; bounded like the live queue, so a peer
            # that never asks for its catch-up cannot make the relay grow without end.
            self._backlog_bytes += len(forward.update)
            if self._backlog_bytes > self.hub.config.queue_bytes:
                self.fail(CloseCode.TOO_SLOW, "did not start syncing; reconnect to catch up")
                return
            self.backlog.append(forward)
            return
        if forward.seq <= self.sent_seq:
            return  # already part of this peer's catch-up
        self.sent_seq = forward.seq
        self._queue_frame(forward.frame(self.handsync), live=True)

    def send_awareness(self, payload: bytes) -> None:
        """Forward presence data (dropped for a peer that is catching up)."""
        if not self.catching_up:
            self._queue_message(Awareness(payload), live=True)

    def fail(self, code: int, reason: str) -> None:
        """Tell the peer why (if it speaks our extension) and close with ``code``."""
        if self.closing:
            return
        log.info('{"event": "refused", "space": "%s", "device": "%s", "code": %d, '
                 '"reason": "%s"}', self.space, self.device, code, reason.replace('"', "'"))
        self.hub.metrics.errors.labels(code=str(code)).inc()
        if self.handsync:
            error = encode(Error(code, reason))
            self._queue.append(error)
            self._queued_bytes += len(error)
        self.closing = True
        self._close = (code, reason)
        self._wake.set()
        if self._sending and self._writer is not None:
            # The writer is blocked on a peer that does not read: stop it and close now
            # (websockets aborts the TCP connection if the close handshake stalls).
            self._writer.cancel()
            self._abort = asyncio.get_running_loop().create_task(self.ws.close(code, reason))

    def _queue_message(self, message: Message, *, live: bool = False) -> None:
        self._queue_frame(encode(message), live=live)

    def _queue_frame(self, frame: bytes, *, live: bool = False) -> None:
        """Queue a frame. Live traffic is bounded: catch-up and acks are one-off answers."""
        if self.closing:
            return
        if live and self._queue and self._queued_bytes + len(frame) > self.hub.config.queue_bytes:
            self.fail(CloseCode.TOO_SLOW, "too slow to keep up; reconnect to catch up")
            return
        self._queue.append(frame)
        self._queued_bytes += len(frame)
        self._wake.set()

    async def _write_loop(self) -> None:
        """The one task that sends on this connection."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._queue:
                    self._sending = True
                    await self.ws.send(self._next_frame())
                    self._sending = False
                if self.closing:
                    code, reason = self._close
                    await self.ws.close(code, reason)
                    return
        except ConnectionClosed:
            self.closing = True

    def _next_frame(self) -> bytes:
        frame = self._queue.popleft()
        size = len(frame)
        if self.handsync:
            # Our clients read every message of a frame: pack small ones together.
            # (A stock Yjs client reads one message per frame.)
            parts = [frame]
            while self._queue and size + len(self._queue[0]) <= PACK_BYTES:
                size += len(self._queue[0])
                parts.append(self._queue.popleft())
            frame = b"".join(parts)
        self._queued_bytes -= size
        return frame
