"""The relay as the time reference: its Time message, and stamps from the future refused
(4425) and stored nowhere while it keeps serving the others — in-process relay, 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from clients.cli.main import cli
from clients.device.connection import sync_once
from engine.clock import MAX_SKEW_MS, stamp_wall_ms
from engine.codec import (
    PROTOCOL_VERSION,
    Ack,
    CloseCode,
    Error,
    Hello,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    Time,
    encode,
)
from engine.replica import Replica
from engine.store import MemoryStore
from engine.updates import newest_live_stamp
from relay.store import RelayStore
from tests.relay.conftest import Relay, now_ms, raw, replica, running
from tests.relay.test_bad_input import check, frames, greet, stored

YEAR_MS = 365 * 86_400_000


def ahead(name: str, ms: int) -> Replica:
    """A replica whose wall clock runs ``ms`` ahead, that never met a relay."""
    return Replica(MemoryStore(), clock=lambda: now_ms() + ms, replica_id=name)


def test_hello_is_answered_first_with_the_relays_time(relay_data: Relay) -> None:
    async def go() -> None:
        async with running(relay_data.config()) as url, \
                raw(url, "acme", relay_data.tokens["phone"]) as client:
            before = now_ms()
            await client.send(Hello(PROTOCOL_VERSION, "phone", 0), SyncStep1(b"\x00"))
            first = await client.wait_for(lambda m: True)
            assert isinstance(first, Time)
            assert before - 1000 <= first.now_ms <= now_ms() + 1000
    asyncio.run(go())


def test_a_stock_yjs_client_never_gets_the_time_message(relay_data: Relay) -> None:
    async def go() -> None:
        async with running(relay_data.config()) as url, \
                raw(url, "acme", relay_data.tokens["phone"]) as client:
            await client.send(SyncStep1(b"\x00"))  # no Hello: a stock y-websocket client
            await client.wait_for(lambda m: isinstance(m, SyncStep2))
            await client.wait_for(lambda m: isinstance(m, SyncStep1))  # asks for ours
            assert not [m for m in client.inbox if isinstance(m, Time)]
    asyncio.run(go())


def test_an_update_stamped_a_year_ahead_is_refused_with_4425_and_stored_nowhere(
        relay_data: Relay) -> None:
    forger = ahead("tablet", YEAR_MS)
    forger.create("contact", {"first_name": "Eve", "job_title": "From the future"})
    (_, update), = forger.outbox()
    assert stamp_wall_ms(newest_live_stamp(update) or 0) > now_ms() + YEAR_MS - 60_000
    # check(): closed with the code and a reason, the log unchanged, nothing forwarded,
    # and the relay goes on serving a third peer and the bystander.
    outcome = check(relay_data, frames(encode(SyncUpdate(update))), CloseCode.CLOCK_SKEW)
    assert "past the relay's time" in outcome.reason
    # The relay's time comes just before the refusal: what the device corrects itself with.
    kinds = [type(m) for m in outcome.inbox]
    assert kinds[-2:] == [Time, Error], kinds


def test_a_stamp_within_the_allowed_skew_is_accepted(relay_data: Relay) -> None:
    async def go() -> None:
        async with running(relay_data.config()) as url:
            near = ahead("phone", MAX_SKEW_MS - 60_000)
            near.create("contact", {"first_name": "Ann"})
            (_, update), = near.outbox()
            async with raw(url, "acme", relay_data.tokens["phone"]) as client:
                await greet(client, "phone")
                await client.send(SyncUpdate(update))  # raw: its stamps as they are
                await client.wait_for(lambda m: isinstance(m, Ack))
        assert [u for _, u, _ in stored(relay_data)] == [update]
    asyncio.run(go())


def test_the_allowed_skew_is_a_relay_setting(relay_data: Relay) -> None:
    near = ahead("tablet", 20_000)
    near.create("contact", {"first_name": "Ann"})
    (_, update), = near.outbox()
    check(relay_data, frames(encode(SyncUpdate(update))), CloseCode.CLOCK_SKEW,
          config=relay_data.config(max_skew=10.0))


def test_a_device_a_year_ahead_that_never_met_the_relay_is_restamped_and_accepted(
        relay_data: Relay) -> None:
    async def go() -> None:
        async with running(relay_data.config()) as url:
            phone = ahead("phone", YEAR_MS)
            rid = phone.create("contact", {"first_name": "Ann", "job_title": "Rep"})
            phone.update("contact", rid, {"job_title": "Buyer"})
            await sync_once(phone, url, "acme", relay_data.tokens["phone"])
            assert phone.outbox() == [] and not phone.restamped
            assert phone.time_offset is not None and abs(phone.time_offset + YEAR_MS) < 5000
            office = replica("office")
            await sync_once(office, url, "acme", relay_data.tokens["pc"])
            got = office.get("contact", rid)
            assert got["job_title"] == "Buyer"
            store = RelayStore(relay_data.data)
            try:
                logged = [r.update for r in store.log_after("acme", 0)]
            finally:
                store.close()
            newest = max(stamp_wall_ms(newest_live_stamp(u) or 0) for u in logged)
            assert abs(newest - now_ms()) < 60_000  # what the relay holds: the real time
    asyncio.run(go())


def test_a_device_whose_clock_jumped_while_offline_is_restamped_on_reconnect(
        relay_data: Relay) -> None:
    async def go() -> None:
        skew = [0]
        phone = Replica(MemoryStore(), clock=lambda: now_ms() + skew[0], replica_id="phone")
        async with running(relay_data.config()) as url:
            rid = phone.create("contact", {"first_name": "Ann"})
            await sync_once(phone, url, "acme", relay_data.tokens["phone"])
            assert phone.time_offset is not None and abs(phone.time_offset) < 1000
            skew[0] = YEAR_MS  # set a year ahead by hand, offline
            phone.update("contact", rid, {"job_title": "Buyer"})
            await sync_once(phone, url, "acme", relay_data.tokens["phone"])
            assert phone.outbox() == []
            assert abs(stamp_wall_ms(phone.clock.last) - now_ms()) < 60_000
            office = replica("office")
            await sync_once(office, url, "acme", relay_data.tokens["pc"])
            assert office.get("contact", rid)["job_title"] == "Buyer"
    asyncio.run(go())


def test_a_time_message_sent_to_the_relay_is_refused_with_4400(relay_data: Relay) -> None:
    outcome = check(relay_data, frames(encode(Time(now_ms()))), CloseCode.BAD_MESSAGE)
    assert "Time" in outcome.reason


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_max_skew_that_cannot_work_is_refused_before_the_relay_starts(
        relay_data: Relay, value: str) -> None:
    result = CliRunner().invoke(cli, ["relay", "serve", "--data", str(relay_data.data),
                                      "--port", "0", "--max-skew", value])
    assert result.exit_code == 2 and "--max-skew" in result.output


def test_a_value_that_only_looks_like_a_future_stamp_is_accepted(relay_data: Relay) -> None:
    async def go() -> None:
        async with running(relay_data.config()) as url:
            phone = replica("phone")
            rid = phone.create("contact", {"first_name": "Ann",
                                           "job_title": "odd |zzzzzzzzzzz| title"})
            await sync_once(phone, url, "acme", relay_data.tokens["phone"])
            assert phone.outbox() == []
            office = replica("office")
            await sync_once(office, url, "acme", relay_data.tokens["pc"])
            assert office.get("contact", rid)["job_title"] == "odd |zzzzzzzzzzz| title"
    asyncio.run(go())


def test_a_stock_yjs_client_sending_a_future_stamp_is_closed_with_4425(
        relay_data: Relay) -> None:
    forger = ahead("tablet", YEAR_MS)
    forger.create("contact", {"first_name": "Eve"})
    (_, update), = forger.outbox()
    # No Hello: it gets the close code and reason, no type-100 message, and nothing is kept.
    outcome = check(relay_data, frames(encode(SyncUpdate(update))), CloseCode.CLOCK_SKEW,
                    greet_first=False, error_message=False)
    assert not [m for m in outcome.inbox if isinstance(m, (Time, Error))]


@pytest.mark.parametrize("refusals", [1, 2])
def test_sync_once_answers_one_refusal_of_its_stamps_with_one_more_connection(
        relay_data: Relay, monkeypatch: pytest.MonkeyPatch, refusals: int) -> None:
    from clients.device import connection

    real = connection._sync
    calls: list[int] = []

    async def refused_first(*args: object, **kwargs: object) -> connection.SyncReport:
        calls.append(1)
        if len(calls) <= refusals:  # as the relay does: Time came, then Error(4425)
            raise connection.SyncError("the relay refused: ahead (code 4425)",
                                       code=CloseCode.CLOCK_SKEW)
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(connection, "_sync", refused_first)

    async def go() -> None:
        async with running(relay_data.config()) as url:
            phone = replica("phone")
            phone.create("contact", {"first_name": "Ann"})
            if refusals == 1:
                await sync_once(phone, url, "acme", relay_data.tokens["phone"])
                assert phone.outbox() == []
            else:  # a second refusal in a row is reported, not retried for ever
                with pytest.raises(connection.SyncError) as info:
                    await sync_once(phone, url, "acme", relay_data.tokens["phone"])
                assert info.value.code == CloseCode.CLOCK_SKEW and phone.outbox() != []
    asyncio.run(go())
    assert len(calls) == 2
