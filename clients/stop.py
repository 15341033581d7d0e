"""How the programs a PC runs are asked to stop, the same way on Windows and POSIX.

- POSIX: SIGINT (Ctrl+C) and SIGTERM (``kill``, ``systemctl stop``).
- Windows: SIGINT (Ctrl+C) and SIGBREAK (Ctrl+Break; the C runtime also delivers the
  console's close, log-off and shut-down events as SIGBREAK). SIGTERM is handled too but
  no other process can send it there; Task Scheduler's "End" terminates the process
  outright, which the bridge survives like any crash (everything it stored is committed).

Two traps this module exists for: ``loop.add_signal_handler`` raises NotImplementedError
on Windows' event loops, and on Windows ``time.sleep`` is woken by Ctrl+C only, so a
handler for Ctrl+Break would wait for the end of a long sleep; :func:`nap` sleeps in
short slices instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from types import FrameType, ModuleType
from typing import Any

#: The longest a pending stop waits for the main thread while it naps.
SLICE = 0.5


def stop_signals(module: ModuleType | Any = signal) -> tuple[int, ...]:
    """SIGINT, SIGTERM and, where it exists (Windows), SIGBREAK."""
    found = [module.SIGINT, module.SIGTERM]
    brk = getattr(module, "SIGBREAK", None)
    if brk is not None:
        found.append(brk)
    return tuple(found)


@contextlib.contextmanager
def on_stop(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` on the main thread when asked to stop; it may raise (e.g.
    KeyboardInterrupt) to unwind. The previous handlers come back on exit. Call it from
    the main thread (Python's rule for signal handlers)."""
    def handler(signum: int, frame: FrameType | None) -> None:
        callback()

    previous = {sig: signal.signal(sig, handler) for sig in stop_signals()}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def loop_stops(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> Iterator[None]:
    """Set ``stop`` when asked to stop, with the loop's own signal handling where it has
    one and plain handlers where it raises NotImplementedError (Windows)."""
    added: list[int] = []
    try:
        for sig in stop_signals():
            loop.add_signal_handler(sig, stop.set)
            added.append(sig)
    except NotImplementedError:
        for sig in added:
            loop.remove_signal_handler(sig)
        def wake() -> None:
            loop.call_soon_threadsafe(stop.set)

        with on_stop(wake):
            yield
        return
    try:
        yield
    finally:
        for sig in added:
            loop.remove_signal_handler(sig)


def nap(seconds: float, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep) -> None:
    """Sleep ``seconds`` in slices of at most :data:`SLICE`, so a stop handler runs promptly
    on every platform (Python runs handlers between slices)."""
    end = clock() + seconds
    while (left := end - clock()) > 0:
        sleep(min(SLICE, left))
