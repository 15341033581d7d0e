"""``handsync sync --watch``: stay connected, live both ways, and never give up.

While connected, updates flow both ways as they happen. When the connection
drops or the relay is unreachable, it retries with exponential backoff and jitter
(1 s doubling up to a cap, never longer than the sync interval). When another
handsync command wants the home (see clients/device/home.py), it disconnects, lets the
command run, and reconnects — which also pushes that command's edits.
A refused token (4401/4403) stops the watch with a plain message: retrying cannot help,
and the local data stays as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from pathlib import Path

from clients.device.connection import SyncError, open_space
from clients.device.home import Device, handoff_requested
from engine.codec import CloseCode
from engine.session import CursorAdvanced, Failed, Received, Synced, SyncSession

POLL = 0.5
REFUSALS = (CloseCode.UNAUTHORIZED, CloseCode.FORBIDDEN, CloseCode.NOT_FOUND)


async def _live(device: Device, stop: asyncio.Event, say: Callable[[str], None]) -> None:
    """One connection: sync live until stop, a handoff request, or a failure (raises)."""
    config = device.config
    session = SyncSession(device.replica, resume_cursor=device.cursor)
    async with open_space(config.relay, config.space, config.token, timeout=None) as ws:
        session.connect()
        for frame in session.data_to_send():
            await ws.send(frame)
        while not stop.is_set() and not handoff_requested(device.home):
            try:
                # websockets' recv() may be cancelled without losing data.
                received = await asyncio.wait_for(ws.recv(), POLL)
            except TimeoutError:
                continue
            if isinstance(received, str):
                raise SyncError("the relay sent a text frame")
            session.receive_data(received)
            for out in session.data_to_send():
                await ws.send(out)
            for event in session.events_received():
                if isinstance(event, CursorAdvanced):
                    device.replica.set_meta({"app.cursor": str(event.seq)})
                elif isinstance(event, Received) and event.records:
                    say(f"received {event.updates} update(s), {event.records} record(s) changed")
                elif isinstance(event, Synced):
                    say("in sync")
                elif isinstance(event, Failed):
                    raise SyncError(f"the relay refused: {event.reason} (code {event.code})",
                                    code=event.code)


async def _pause(seconds: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def watch(home: Path, stop: asyncio.Event, say: Callable[[str], None], *,
                max_backoff: float = 60.0) -> None:
    """Keep ``home`` in sync until ``stop`` is set; raises SyncError on a refused token."""
    backoff = 1.0
    while not stop.is_set():
        device = await asyncio.to_thread(Device, home)
        cap = min(max_backoff, float(device.config.sync_interval))
        try:
            await _live(device, stop, say)
            backoff = 1.0
        except SyncError as exc:
            if exc.code in REFUSALS:
                raise
            delay = min(cap, backoff) * random.uniform(0.5, 1.5)
            say(f"{exc}; retrying in {delay:.1f} s")
            backoff = min(cap, backoff * 2)
            device.close()  # let other commands use the home while we wait
            await _pause(delay, stop)
            continue
        finally:
            device.close()
        while handoff_requested(home) and not stop.is_set():
            await _pause(POLL, stop)  # the other command takes the lock, then we retake it
