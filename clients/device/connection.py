"""Moving a :class:`~engine.session.SyncSession`'s bytes over a WebSocket.

This is the device client's I/O layer: open a connection to
``<relay>/v1/spaces/<space>``, feed received frames to the session, send what it
wants to send, and stop when the relay confirms we are in sync (``Synced``) or
the session fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from ssl import SSLContext

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from engine.codec import CloseCode
from engine.errors import HandsyncError
from engine.replica import Replica
from engine.session import (
    Acknowledged,
    CursorAdvanced,
    Failed,
    Received,
    SessionEvent,
    Synced,
    SyncSession,
)

MAX_FRAME = 64 * 1024 * 1024
OPEN_TIMEOUT = 10.0


class SyncError(HandsyncError):
    """Syncing failed; ``code`` is the relay's close code when it gave one."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        self.code = code
        super().__init__(message)


@dataclass
class SyncReport:
    """What one sync moved."""

    sent: int = 0
    received: int = 0
    records: int = 0
    cursor: int = 0
    events: list[SessionEvent] = field(default_factory=list)


def space_url(relay: str, space: str) -> str:
    """The sync endpoint of ``space`` on the relay at base URL ``relay``."""
    return f"{relay.rstrip('/')}/v1/spaces/{space}"


@asynccontextmanager
async def open_space(relay: str, space: str, token: str, *, timeout: float | None,
                     ssl: SSLContext | None = None) -> AsyncIterator[ClientConnection]:
    """Connect to a space; every way that can fail becomes one clear SyncError.

    ``timeout`` bounds the whole conversation (None: no bound, for ``sync --watch``).
    """
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with asyncio.timeout(timeout):
            async with connect(space_url(relay, space), additional_headers=headers,
                               max_size=MAX_FRAME, compression=None, ssl=ssl,
                               open_timeout=OPEN_TIMEOUT) as ws:
                yield ws
    except TimeoutError:
        waited = OPEN_TIMEOUT if timeout is None else timeout
        raise SyncError(f"no answer from the relay within {waited:g} s") from None
    except ConnectionClosed as exc:
        rcvd = exc.rcvd
        if rcvd is not None and rcvd.code >= 4000:
            raise SyncError(f"the relay refused: {rcvd.reason} (code {rcvd.code})",
                            code=rcvd.code) from None
        raise SyncError(f"the connection to the relay closed: {exc}") from None
    except (OSError, InvalidHandshake, InvalidURI) as exc:
        raise SyncError(f"cannot reach the relay at {relay}: {exc}") from None


async def _pump(ws: ClientConnection, session: SyncSession) -> None:
    for frame in session.data_to_send():
        await ws.send(frame)


async def sync_once(replica: Replica, relay: str, space: str, token: str, *,
                    cursor: int = 0, timeout: float = 30.0,
                    on_cursor: Callable[[int], None] | None = None,
                    ssl: SSLContext | None = None,
                    progress: Callable[[int, int], None] | None = None) -> SyncReport:
    """Connect, exchange everything, wait for the relay's durable acks, disconnect.

    Raises SyncError with a clear message if the relay is unreachable or refuses.
    A refusal of our stamps (4425, a clock that jumped) is answered once: the relay's
    time came with it, the session re-stamped, and a second connection sends them.
    """
    reached = [cursor]

    def advanced(seq: int) -> None:
        reached[0] = seq
        if on_cursor is not None:
            on_cursor(seq)

    try:
        return await _sync(replica, relay, space, token, cursor=cursor, timeout=timeout,
                           on_cursor=advanced, ssl=ssl, progress=progress)
    except SyncError as exc:
        if exc.code != CloseCode.CLOCK_SKEW:
            raise
    return await _sync(replica, relay, space, token, cursor=reached[0], timeout=timeout,
                       on_cursor=advanced, ssl=ssl, progress=progress)


async def _sync(replica: Replica, relay: str, space: str, token: str, *, cursor: int,
                timeout: float, on_cursor: Callable[[int], None] | None,
                ssl: SSLContext | None,
                progress: Callable[[int, int], None] | None) -> SyncReport:
    report = SyncReport(cursor=cursor)
    session = SyncSession(replica, resume_cursor=cursor, progress=progress)
    async with open_space(relay, space, token, timeout=timeout, ssl=ssl) as ws:
        session.connect()
        report.sent += sum(1 for _ in replica.outbox())
        await _pump(ws, session)
        async for frame in ws:
            if isinstance(frame, str):
                raise SyncError("the relay sent a text frame")
            session.receive_data(frame)
            await _pump(ws, session)
            if _absorb(session.events_received(), report, on_cursor):
                return report
    raise SyncError("the relay closed the connection before we were in sync")


def _absorb(events: list[SessionEvent], report: SyncReport,
            on_cursor: Callable[[int], None] | None) -> bool:
    done = False
    for event in events:
        report.events.append(event)
        if isinstance(event, Received):
            report.received += event.updates
            report.records += event.records
        elif isinstance(event, CursorAdvanced):
            report.cursor = event.seq
            if on_cursor is not None:
                on_cursor(event.seq)
        elif isinstance(event, Failed):
            raise SyncError(f"the relay refused: {event.reason} (code {event.code})",
                            code=event.code)
        elif isinstance(event, Synced):
            done = True
        elif isinstance(event, Acknowledged):
            pass
    return done


async def probe(relay: str, space: str, token: str, cursor: int, *,
                timeout: float = 5.0, ssl: SSLContext | None = None) -> str:
    """Say whether the relay is reachable and takes the token, without syncing.

    Returns ``"ok"``; raises SyncError (with the relay's close code when it refused).
    """
    from engine.codec import PROTOCOL_VERSION, CaughtUp, Hello, decode, encode

    async with open_space(relay, space, token, timeout=timeout, ssl=ssl) as ws:
        # The relay answers a Hello with what we missed and CaughtUp: proof enough.
        await ws.send(encode(Hello(PROTOCOL_VERSION, "probe", max(cursor, 1))))
        async for frame in ws:
            if isinstance(frame, bytes) and any(isinstance(m, CaughtUp) for m in decode(frame)):
                return "ok"
    raise SyncError("the relay closed the connection without answering")
