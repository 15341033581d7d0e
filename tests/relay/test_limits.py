"""A peer too slow to read is cut off with 4408 and catches up later; wss:// with TLS;
relay stats from the CLI."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from pathlib import Path

from click.testing import CliRunner

from clients.cli.main import cli
from clients.device.connection import sync_once
from engine.codec import PROTOCOL_VERSION, Ack, CaughtUp, Hello, SyncStep1, SyncUpdate
from tests.relay.conftest import Relay, raw, replica, running


def test_a_peer_that_does_not_read_is_closed_with_4408_and_catches_up(relay_data: Relay) -> None:
    source = replica("pc")
    big = "x" * 60_000
    for n in range(40):
        source.create("contact", {"first_name": f"N{n}", "details": big})
    updates = [u for _, u in source.outbox()]

    async def scenario() -> None:
        async with running(relay_data.config(queue_bytes=256 * 1024)) as url:
            async with raw(url, "acme", relay_data.tokens["phone"]) as sleeper:
                await sleeper.send(Hello(PROTOCOL_VERSION, "phone", 0), SyncStep1(b"\x00"))
                await sleeper.wait_for(lambda m: isinstance(m, CaughtUp))
                async with raw(url, "acme", relay_data.tokens["pc"]) as sender:
                    await sender.send(Hello(PROTOCOL_VERSION, "pc", 0), SyncStep1(b"\x00"))
                    await sender.wait_for(lambda m: isinstance(m, CaughtUp))
                    for update in updates:  # the sleeper reads none of this
                        await sender.send(SyncUpdate(update))
                    await sender.wait_for(lambda m: isinstance(m, Ack) and m.count == 40)
                code, reason = await sleeper.closed(timeout=30)
                assert code == 4408 and "slow" in reason
            # The sender was not disturbed, and the slow device catches up on return.
            late = replica("phone")
            await sync_once(late, url, "acme", relay_data.tokens["phone"])
            assert len(late.list("contact")) == 40

    asyncio.run(scenario())


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60)
    return cert, key


def test_wss_with_a_certificate(relay_data: Relay, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(cafile=str(cert))

    async def scenario() -> None:
        async with running(relay_data.config(tls_cert=cert, tls_key=key)) as url:
            wss = url.replace("ws://", "wss://")
            phone = replica("phone")
            ann = phone.create("contact", {"first_name": "Ann"})
            await sync_once(phone, wss, "acme", relay_data.tokens["phone"], ssl=context)
            pc = replica("pc")
            await sync_once(pc, wss, "acme", relay_data.tokens["pc"], ssl=context)
            assert pc.get("contact", ann)["first_name"] == "Ann"

    asyncio.run(scenario())


def test_stats_show_log_snapshot_and_devices(relay_data: Relay) -> None:
    async def scenario() -> None:
        async with running(relay_data.config()) as url:
            phone = replica("phone")
            for n in range(3):
                phone.create("contact", {"first_name": f"N{n}"})
                await sync_once(phone, url, "acme", relay_data.tokens["phone"])
            await sync_once(replica("pc"), url, "acme", relay_data.tokens["pc"])

    asyncio.run(scenario())
    result = CliRunner().invoke(cli, ["relay", "stats", "--json", "--data", str(relay_data.data)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    acme = report["spaces"]["acme"]
    assert acme["head"] == 3 and acme["log_entries"] == 3 and acme["log_bytes"] > 0
    assert acme["connected"] == 0
    devices = {d["device"]: d for d in acme["devices"]}
    assert devices["pc"]["behind"] == 0
    assert report["bytes_on_disk"] > 0
    text = CliRunner().invoke(cli, ["relay", "stats", "--data", str(relay_data.data)])
    assert "acme: 0 connected, head 3" in text.output


def test_a_peer_that_never_starts_syncing_is_cut_off_not_buffered_forever(
        relay_data: Relay) -> None:
    source = replica("pc")
    for n in range(10):
        source.create("contact", {"first_name": f"N{n}", "details": "y" * 60_000})
    updates = [u for _, u in source.outbox()]

    async def scenario() -> None:
        async with (
            running(relay_data.config(queue_bytes=256 * 1024)) as url,
            raw(url, "acme", relay_data.tokens["phone"]) as silent,
        ):
            # Connected and authenticated, but it never sends Hello or SyncStep1.
            async with raw(url, "acme", relay_data.tokens["pc"]) as sender:
                await sender.send(Hello(PROTOCOL_VERSION, "pc", 0), SyncStep1(b"\x00"))
                await sender.wait_for(lambda m: isinstance(m, CaughtUp))
                for update in updates:
                    await sender.send(SyncUpdate(update))
                await sender.wait_for(lambda m: isinstance(m, Ack) and m.count == 10)
            code, reason = await silent.closed()
            assert code == 4408 and "syncing" in reason

    asyncio.run(scenario())
