"""The relay as a real process: `handsync relay serve` started as a subprocess, killed
with SIGKILL while clients stream updates, and stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from clients.device.connection import sync_once
from engine.codec import PROTOCOL_VERSION, Ack, CaughtUp, Hello, SyncStep1, SyncUpdate
from tests.relay.conftest import TIMEOUT, Relay, raw, replica

HANDSYNC = str(Path(sys.executable).parent / "handsync")


@contextmanager
def relay_process(data: Path, *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start `handsync relay serve --port 0 OPTIONS…` and wait for its 'listening' line."""
    proc = subprocess.Popen(
        [HANDSYNC, "relay", "serve", "--data", str(data), "--port", "0", *options],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert proc.stderr is not None
        port = None
        for _ in range(100):  # bounded: the first lines are start-up logs
            line = proc.stderr.readline()
            if not line:
                break
            if '"listening"' in line:
                port = json.loads(line)["port"]
                break
        assert port is not None, f"relay did not start (exit {proc.poll()})"
        yield proc, f"ws://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.parametrize("kill_after", [1, 37, 150])
def test_acknowledged_updates_survive_sigkill(relay_data: Relay, kill_after: int) -> None:
    writer = replica("pc")
    ids = [writer.create("contact", {"first_name": f"N{n}"}) for n in range(300)]
    updates = [u for _, u in writer.outbox()]
    acked = 0

    async def stream(url: str, proc: subprocess.Popen[str]) -> None:
        nonlocal acked
        async with raw(url, "acme", relay_data.tokens["pc"]) as client:
            await client.send(Hello(PROTOCOL_VERSION, "pc", 0), SyncStep1(b"\x00"))
            await client.wait_for(lambda m: isinstance(m, CaughtUp))

            async def send_all() -> None:
                for update in updates:
                    await client.send(SyncUpdate(update))

            sender = asyncio.create_task(send_all())
            try:
                while True:
                    ack = await client.wait_for(lambda m: isinstance(m, Ack))
                    assert isinstance(ack, Ack)
                    acked = ack.count
                    if acked >= kill_after:
                        os.kill(proc.pid, signal.SIGKILL)
            except ConnectionClosed:
                pass
            finally:
                sender.cancel()

    with relay_process(relay_data.data) as (proc, url):
        asyncio.run(stream(url, proc))
        assert proc.wait(timeout=TIMEOUT) == -signal.SIGKILL
    assert acked >= kill_after

    with relay_process(relay_data.data) as (_, url):
        async def check() -> None:
            reader = replica("phone")
            await sync_once(reader, url, "acme", relay_data.tokens["phone"])
            present = {r["id"] for r in reader.list("contact")}
            assert set(ids[:acked]) <= present  # every acknowledged update survived
            # The writer resends what was not acknowledged; everyone converges.
            await sync_once(writer, url, "acme", relay_data.tokens["pc"])
            await sync_once(reader, url, "acme", relay_data.tokens["phone"])
            assert reader.list("contact") == writer.list("contact")
            assert len(reader.list("contact")) == 300

        asyncio.run(check())


def test_sigterm_closes_connections_with_1001_and_exits_cleanly(relay_data: Relay) -> None:
    async def scenario(url: str, proc: subprocess.Popen[str]) -> tuple[int, str]:
        async with raw(url, "acme", relay_data.tokens["phone"]) as client:
            await client.send(Hello(PROTOCOL_VERSION, "phone", 0), SyncStep1(b"\x00"))
            await client.wait_for(lambda m: isinstance(m, CaughtUp))
            proc.send_signal(signal.SIGTERM)
            return await client.closed()

    with relay_process(relay_data.data) as (proc, url):
        code, _ = asyncio.run(scenario(url, proc))
        assert code == 1001
        assert proc.wait(timeout=TIMEOUT) == 0
