"""Store and forward, live fan-out, stock Yjs compatibility, compaction, health and metrics
— against an in-process relay on 127.0.0.1, port 0."""

from __future__ import annotations

import asyncio
import json
import urllib.request

from pycrdt import Doc, Map

from clients.device.connection import sync_once
from engine.codec import (
    PROTOCOL_VERSION,
    Ack,
    Awareness,
    CaughtUp,
    Hello,
    Relayed,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
)
from relay.store import RelayStore
from relay.workers import compact_space
from tests.relay.conftest import Relay, raw, replica, running


def test_two_devices_sync_through_the_relay(relay_data: Relay) -> None:
    async def scenario() -> None:
        async with running(relay_data.config()) as url:
            phone, pc = replica("phone"), replica("pc")
            ann = phone.create("contact", {"first_name": "Ann"})
            sent = await sync_once(phone, url, "acme", relay_data.tokens["phone"])
            assert phone.outbox() == []  # acknowledged as durable
            assert sent.cursor == 1  # its own update, stored as seq 1: not fetched back
            got = await sync_once(pc, url, "acme", relay_data.tokens["pc"])
            assert pc.get("contact", ann)["first_name"] == "Ann"
            assert got.cursor == 1
            pc.update("contact", ann, {"last_name": "Lee"})
            await sync_once(pc, url, "acme", relay_data.tokens["pc"], cursor=got.cursor)
            await sync_once(phone, url, "acme", relay_data.tokens["phone"], cursor=sent.cursor)
            assert phone.get("contact", ann) == pc.get("contact", ann)

    asyncio.run(scenario())


def test_reconnect_receives_exactly_what_it_missed_in_order(relay_data: Relay) -> None:
    async def scenario() -> None:
        async with running(relay_data.config()) as url:
            writer = replica("pc")
            for n in range(5):
                writer.create("contact", {"first_name": f"N{n}"})
                await sync_once(writer, url, "acme", relay_data.tokens["pc"])
            async with raw(url, "acme", relay_data.tokens["phone"]) as client:
                await client.send(Hello(PROTOCOL_VERSION, "phone", 2))
                caught = await client.wait_for(lambda m: isinstance(m, CaughtUp))
                relayed = [m for m in client.inbox if isinstance(m, Relayed)]
                assert [m.seq for m in relayed] == [3, 4, 5]
                assert caught == CaughtUp(5)
                assert not any(isinstance(m, SyncStep2) for m in client.inbox)

    asyncio.run(scenario())


def test_live_fan_out_reaches_each_peer_once_in_order(relay_data: Relay) -> None:
    async def scenario() -> None:
        async with (
            running(relay_data.config()) as url,
            raw(url, "acme", relay_data.tokens["phone"]) as listener,
            raw(url, "acme", relay_data.tokens["pc"]) as sender,
        ):
                await listener.send(Hello(PROTOCOL_VERSION, "phone", 0), SyncStep1(b"\x00"))
                await listener.wait_for(lambda m: isinstance(m, CaughtUp))
                await sender.send(Hello(PROTOCOL_VERSION, "pc", 0), SyncStep1(b"\x00"))
                await sender.wait_for(lambda m: isinstance(m, CaughtUp))
                source = replica("pc")
                for n in range(20):
                    source.create("contact", {"first_name": f"N{n}"})
                updates = [u for _, u in source.outbox()]
                await sender.send(*(SyncUpdate(u) for u in updates))
                ack = await sender.wait_for(lambda m: isinstance(m, Ack) and m.count == 20)
                assert isinstance(ack, Ack) and ack.seq == 20
                seen = []
                while len(seen) < 20:
                    message = await listener.wait_for(lambda m: isinstance(m, Relayed))
                    assert isinstance(message, Relayed)
                    seen.append(message)
                assert [m.seq for m in seen] == list(range(1, 21))
                assert [m.update for m in seen] == updates
                assert not any(isinstance(m, Relayed) for m in sender.inbox)  # not echoed

    asyncio.run(scenario())


def test_a_stock_yjs_client_syncs_and_gets_awareness(relay_data: Relay) -> None:
    """A client speaking only y-protocols: SyncStep1/2, Update and awareness, no type 100."""

    async def scenario() -> None:
        async with running(relay_data.config()) as url:
            device = replica("phone")
            ann = device.create("contact", {"first_name": "Ann"})
            await sync_once(device, url, "acme", relay_data.tokens["phone"])
            doc: Doc = Doc()
            async with raw(url, "acme", relay_data.tokens["tablet"]) as stock:
                await stock.send(SyncStep1(doc.get_state()))
                step2 = await stock.wait_for(lambda m: isinstance(m, SyncStep2))
                assert isinstance(step2, SyncStep2)
                doc.apply_update(step2.update)
                asked = await stock.wait_for(lambda m: isinstance(m, SyncStep1))
                assert isinstance(asked, SyncStep1)
                contacts = doc.get("contacts", type=Map)
                assert ann in contacts
                # A stock client's own edit reaches our device; it gets no type-100 reply.
                events: list[bytes] = []
                doc.observe(lambda e: events.append(e.update))
                contacts[ann]["note|1|stock"] = '"hi"'
                await stock.send(SyncUpdate(events[0]))
                async with raw(url, "acme", relay_data.tokens["pc"]) as peer:
                    await peer.send(Hello(PROTOCOL_VERSION, "pc", 1))
                    relayed = await peer.wait_for(lambda m: isinstance(m, Relayed))
                    assert isinstance(relayed, Relayed) and relayed.update == events[0]
                    await peer.send(Awareness(b"\x01\x05\x01\x04null"))
                    presence = await stock.wait_for(lambda m: isinstance(m, Awareness))
                    assert presence == Awareness(b"\x01\x05\x01\x04null")
                assert all(type(m).__module__ == "engine.codec" and not isinstance(
                    m, (Ack, CaughtUp, Relayed)) for m in stock.inbox)
            store = RelayStore(relay_data.data)
            try:
                assert len(store.log_after("acme", 0)) == 2  # awareness is never stored
            finally:
                store.close()

    asyncio.run(scenario())


def test_compaction_bounds_the_log_and_new_peers_still_get_everything(relay_data: Relay) -> None:
    async def scenario() -> None:
        async with running(relay_data.config(compact_entries=10)) as url:
            writer = replica("pc")
            cursor = 0
            for n in range(25):
                writer.create("contact", {"first_name": f"N{n}"})
                cursor = (await sync_once(writer, url, "acme", relay_data.tokens["pc"],
                                          cursor=cursor)).cursor
            newcomer = replica("phone")
            await sync_once(newcomer, url, "acme", relay_data.tokens["phone"])
            assert newcomer.list("contact") == writer.list("contact")
        store = RelayStore(relay_data.data)
        try:
            entries, _, snapshot = store.log_stats("acme")
            assert snapshot > 0 and entries < 25
            assert store.head("acme") == 25
        finally:
            store.close()

    asyncio.run(scenario())


def test_a_cursor_older_than_the_snapshot_gets_the_state(relay_data: Relay) -> None:
    async def scenario() -> None:
        async with running(relay_data.config()) as url:
            writer, late = replica("pc"), replica("phone")
            writer.create("contact", {"first_name": "Ann"})
            await sync_once(writer, url, "acme", relay_data.tokens["pc"])
            cursor = (await sync_once(late, url, "acme", relay_data.tokens["phone"])).cursor
            for n in range(3):
                writer.create("contact", {"first_name": f"N{n}"})
            await sync_once(writer, url, "acme", relay_data.tokens["pc"])
            store = RelayStore(relay_data.data)
            folded, _ = compact_space(store, "acme", None)
            head = store.head("acme")
            store.close()
            assert folded == head > cursor
            report = await sync_once(late, url, "acme", relay_data.tokens["phone"], cursor=cursor)
            assert report.cursor == head
            assert late.list("contact") == writer.list("contact")

    asyncio.run(scenario())


def test_health_and_metrics(relay_data: Relay) -> None:
    async def scenario() -> None:
        async with running(relay_data.config()) as url:
            device = replica("phone")
            device.create("contact", {"first_name": "Ann"})
            await sync_once(device, url, "acme", relay_data.tokens["phone"])
            base = url.replace("ws://", "http://")

            def fetch(path: str) -> tuple[int, str, str]:
                with urllib.request.urlopen(base + path, timeout=5) as response:
                    return (response.status, response.headers["Content-Type"],
                            response.read().decode())

            status, kind, body = await asyncio.to_thread(fetch, "/healthz")
            assert status == 200 and kind == "application/json"
            assert json.loads(body)["status"] == "ok"
            status, kind, body = await asyncio.to_thread(fetch, "/metrics")
            assert status == 200 and kind.startswith("text/plain")
            assert "handsync_relay_updates_total 1.0" in body
            assert "handsync_relay_sessions_total 1.0" in body  # one sync so far
            await sync_once(device, url, "acme", relay_data.tokens["phone"])
            _, _, body = await asyncio.to_thread(fetch, "/metrics")
            assert "handsync_relay_sessions_total 2.0" in body

    asyncio.run(scenario())
