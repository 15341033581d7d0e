"""The relay survives storage faults: a full disk, a read-only database, a size limit.

Each test runs `handsync relay serve` as a real process. While the store cannot write,
the relay refuses updates with 4500 and acknowledges none of them, answers /healthz
with 503 and the reason, counts the failures in /metrics, keeps serving reads, and
takes writes again by itself once the fault clears. The faults are real: a small
tmpfs filled up, and an ext4 image whose database files are made immutable (chattr +i,
which stops root too) under the running relay; both need root, as CI runs. The size
limit (`--max-db-mb`, SQLite's max_page_count) needs no privileges.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from engine.codec import PROTOCOL_VERSION, Ack, CaughtUp, Hello, SyncStep1, SyncUpdate
from engine.replica import Replica
from engine.store import MemoryStore
from relay.store import RelayStore
from tests.disks import ext4_image, small_tmpfs
from tests.relay.conftest import TIMEOUT, Relay, now_ms, raw
from tests.relay.test_process import relay_process

SPACE = "acme"


def updates(count: int, seed: int = 1) -> list[bytes]:
    """``count`` updates of ~2 KB each, every one a new contact with incompressible text."""
    rng = random.Random(seed)
    writer = Replica(MemoryStore(), clock=now_ms, replica_id="pc")
    for n in range(count):
        blob = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(2000))
        writer.create("contact", {"first_name": f"N{n}", "custom": {"blob": blob}})
    return [u for _, u in writer.outbox()]


def http(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def push(url: str, token: str, frames: list[bytes]) -> tuple[int, int | None, str]:
    """Send ``frames`` one by one, each after the last was acknowledged; return how many
    were acknowledged and the close code and reason if the relay closed first."""
    acked = 0
    async with raw(url, SPACE, token) as client:
        await client.send(Hello(PROTOCOL_VERSION, "pc", 0), SyncStep1(b"\x00"))
        await client.wait_for(lambda m: isinstance(m, CaughtUp))
        try:
            for frame in frames:
                await client.send(SyncUpdate(frame))
                ack = await client.wait_for(lambda m: isinstance(m, Ack))
                assert isinstance(ack, Ack)
                acked = ack.count
        except ConnectionClosed as exc:
            assert exc.rcvd is not None, "closed without a close frame"
            return acked, exc.rcvd.code, exc.rcvd.reason
    return acked, None, ""


async def wait_health(base: str, status: int) -> dict[str, object]:
    """Poll /healthz (every 50 ms, at most TIMEOUT seconds) until it answers ``status``."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            code, body = await asyncio.to_thread(http, f"{base}/healthz")
            if code == status:
                return dict(json.loads(body))
            await asyncio.sleep(0.05)  # polling a condition under a deadline, not a wait


def stored(data: Path) -> list[bytes]:
    store = RelayStore(data)
    try:
        return [entry.update for entry in store.log_after(SPACE, 0)]
    finally:
        store.close()


def check_caught_up_reads(url: str, token: str) -> None:
    """A new device still catches up (reads work while writes fail)."""
    async def scenario() -> None:
        async with raw(url, SPACE, token) as client:
            await client.send(Hello(PROTOCOL_VERSION, "phone", 0), SyncStep1(b"\x00"))
            await client.wait_for(lambda m: isinstance(m, CaughtUp))
    asyncio.run(scenario())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs for the relay's data."""
    with small_tmpfs(tmp_path / "disk", 3) as mount:
        yield mount


def relay_on(disk: Path, relay_data: Relay) -> Path:
    data = disk / "relay"
    shutil.copytree(relay_data.data, data)
    return data


def test_a_full_disk_refuses_updates_with_4500_and_recovers_when_space_is_freed(
        small_disk: Path, relay_data: Relay) -> None:
    data = relay_on(small_disk, relay_data)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (1024 * 1024))
    frames = updates(900)
    token = relay_data.tokens["pc"]
    with relay_process(data) as (_, url):
        base = url.replace("ws://", "http://")
        first, code, reason = asyncio.run(push(url, token, frames))
        assert code == 4500, (first, code, reason)
        assert "cannot store updates now" in reason and "full" in reason
        assert 0 < first < len(frames)
        health = asyncio.run(wait_health(base, 503))
        assert health["status"] == "unavailable" and "full" in str(health["reason"])
        _, metrics = http(f"{base}/metrics")
        assert 'handsync_relay_store_failures_total{op="append"}' in metrics
        check_caught_up_reads(url, relay_data.tokens["phone"])
        filler.unlink()  # space freed: the relay's write probe notices by itself
        assert asyncio.run(wait_health(base, 200))["status"] == "ok"
        second, code, _ = asyncio.run(push(url, token, frames[first:first + 40]))
        assert (second, code) == (40, None)
    # Exactly what was acknowledged is stored, once: nothing refused slipped in.
    assert stored(data) == frames[:first + 40]


@pytest.fixture
def ext4_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB ext4 filesystem on a loop device (root only), for chattr; else skipped."""
    with ext4_image(tmp_path / "ext4", 8) as mount:
        yield mount


def chattr(flag: str, data: Path) -> None:
    # Immutable even for root (who ignores file modes), also through open descriptors.
    files = [data / "relay.sqlite", data / "relay.sqlite-wal"]
    subprocess.run(["chattr", flag, *map(str, files)], check=True)


def test_a_database_made_read_only_under_the_relay_refuses_updates_and_recovers(
        ext4_disk: Path, relay_data: Relay) -> None:
    data = relay_on(ext4_disk, relay_data)
    frames = updates(20, seed=2)
    token = relay_data.tokens["pc"]
    with relay_process(data) as (_, url):
        base = url.replace("ws://", "http://")
        assert asyncio.run(push(url, token, frames[:5]))[:2] == (5, None)
        chattr("+i", data)
        try:
            acked, code, reason = asyncio.run(push(url, token, frames[5:10]))
            assert (acked, code) == (0, 4500)
            assert "disk I/O error" in reason, reason
            assert asyncio.run(wait_health(base, 503))["status"] == "unavailable"
            check_caught_up_reads(url, relay_data.tokens["phone"])
        finally:
            chattr("-i", data)
        assert asyncio.run(wait_health(base, 200))["status"] == "ok"
        assert asyncio.run(push(url, token, frames[5:20]))[:2] == (15, None)
    assert stored(data) == frames


def test_a_size_limit_refuses_updates_and_never_acknowledges_what_it_did_not_store(
        relay_data: Relay) -> None:
    frames = updates(400, seed=3)
    token = relay_data.tokens["pc"]
    with relay_process(relay_data.data, "--max-db-mb", "0.5") as (_, url):
        base = url.replace("ws://", "http://")
        acked, code, reason = asyncio.run(push(url, token, frames))
        assert code == 4500 and "cannot store updates now" in reason, (acked, code, reason)
        assert 0 < acked < len(frames)
        health = asyncio.run(wait_health(base, 503))
        assert "full" in str(health["reason"])
        _, metrics = http(f"{base}/metrics")
        assert 'handsync_relay_store_failures_total{op="append"}' in metrics
        check_caught_up_reads(url, relay_data.tokens["phone"])
        # Still refused on a new connection: the writer thread lives and says so.
        again, code, _ = asyncio.run(push(url, token, frames[acked:acked + 1]))
        assert (again, code) == (0, 4500)
    assert stored(relay_data.data) == frames[:acked]


def test_a_failed_compaction_is_logged_and_retried_after_a_backoff(
        relay_data: Relay, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from relay import hub as hub_module
    from relay.server import RelayServer

    calls: list[str] = []

    def flaky(data_dir: str, space: str, live: list[int], retention_ms: int) -> tuple[int, int]:
        calls.append(space)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return 0, 0

    monkeypatch.setattr(hub_module, "compact_in_process", flaky)

    async def scenario() -> None:
        server = RelayServer(relay_data.config(compact_entries=1))
        await server.start()
        assert server.hub is not None
        hub = server.hub
        hub._compactor = ThreadPoolExecutor(max_workers=1)  # type: ignore[assignment]
        try:
            hub._log_entries[SPACE] = 5
            with pytest.raises(OSError):
                await hub.compact(SPACE)
            hub._maybe_compact(SPACE)  # within the backoff: no new attempt
            assert calls == [SPACE] and not hub._tasks
            assert 29 < hub._compact_after[SPACE] - asyncio.get_running_loop().time() <= 30
            hub._compact_after[SPACE] = 0.0  # the backoff has passed
            hub._maybe_compact(SPACE)
            await asyncio.gather(*hub._tasks)
            assert calls == [SPACE, SPACE]
            assert SPACE not in hub._compact_after  # a success clears the backoff
            samples = {s.labels.get("op"): s.value for m in hub.metrics.registry.collect()
                       if m.name == "handsync_relay_store_failures" for s in m.samples
                       if s.name.endswith("_total")}
            assert samples["compact"] == 1
        finally:
            await server.stop()

    with caplog.at_level("ERROR", logger="handsync.relay"):
        asyncio.run(scenario())
    assert any('"compaction-failed"' in r.getMessage() and "retry_in_s" in r.getMessage()
               for r in caplog.records)
