"""Stopping the PC's programs: signal handlers that work where asyncio's do not (Windows),
SIGBREAK where it exists, and naps short enough for a handler to run."""

from __future__ import annotations

import asyncio
import signal
from types import SimpleNamespace

import pytest

from clients.stop import SLICE, loop_stops, nap, on_stop, stop_signals


def test_sigbreak_is_a_stop_signal_where_it_exists() -> None:
    windows = SimpleNamespace(SIGINT=2, SIGTERM=15, SIGBREAK=21)  # the values on Windows
    assert stop_signals(windows) == (2, 15, 21)
    assert stop_signals(SimpleNamespace(SIGINT=2, SIGTERM=15)) == (2, 15)
    assert set(stop_signals()) >= {signal.SIGINT, signal.SIGTERM}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_on_stop_calls_back_and_restores_the_handlers(sig: signal.Signals) -> None:
    before = signal.getsignal(sig)
    calls: list[str] = []
    with on_stop(lambda: calls.append("stop")):
        signal.raise_signal(sig)
    assert calls == ["stop"]
    assert signal.getsignal(sig) is before


def test_a_stop_callback_may_unwind_the_main_thread() -> None:
    def stop() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), on_stop(stop):
        signal.raise_signal(signal.SIGTERM)
        pytest.fail("the handler should have raised")  # pragma: no cover


class WindowsLikeLoop(asyncio.SelectorEventLoop):
    """Behaves like Windows' event loops: no add_signal_handler."""

    def add_signal_handler(self, sig: int, callback: object, *args: object) -> None:
        raise NotImplementedError


@pytest.mark.parametrize("loop_class", [asyncio.SelectorEventLoop, WindowsLikeLoop])
def test_loop_stops_sets_the_event_with_or_without_loop_signal_handling(
    loop_class: type[asyncio.AbstractEventLoop],
) -> None:
    async def main() -> bool:
        stop = asyncio.Event()
        with loop_stops(asyncio.get_running_loop(), stop):
            signal.raise_signal(signal.SIGTERM)
            await asyncio.wait_for(stop.wait(), 5)
        return stop.is_set()

    before = signal.getsignal(signal.SIGTERM)
    loop = loop_class()
    try:
        assert loop.run_until_complete(main())
    finally:
        loop.close()
    assert signal.getsignal(signal.SIGTERM) is before


def test_nap_sleeps_the_whole_time_in_short_slices() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    nap(3.2, clock=lambda: now[0], sleep=sleep)
    assert sum(slept) == pytest.approx(3.2)
    assert max(slept) <= SLICE
    nap(0, clock=lambda: now[0], sleep=sleep)
    assert sum(slept) == pytest.approx(3.2)
