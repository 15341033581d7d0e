"""Bad input (invariant 6): each kind of bad frame, message or load gets its close code and a
reason, changes nothing stored, and does not disturb the other peers of the space — against an
in-process relay on 127.0.0.1, port 0."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from websockets.exceptions import ConnectionClosed

from clients.device.connection import sync_once
from engine.codec import (
    PROTOCOL_VERSION,
    Ack,
    CaughtUp,
    CloseCode,
    Error,
    Hello,
    Message,
    QueryAwareness,
    Relayed,
    SyncStep1,
    SyncUpdate,
    encode,
)
from engine.replica import Replica
from relay.config import RelayConfig
from tests.relay.conftest import RawClient, Relay, raw, replica, running

Attack = Callable[[RawClient], Awaitable[None]]


@dataclass
class Outcome:
    code: int
    reason: str
    inbox: list[Message]

    def errors(self) -> list[Error]:
        return [m for m in self.inbox if isinstance(m, Error)]


def stored(relay_data: Relay) -> list[tuple[int, bytes, str]]:
    """The relay log of ``acme`` as a second connection to the file sees it."""
    store = relay_data.store()
    try:
        return [(r.seq, r.update, r.device) for r in store.log_after("acme", 0)]
    finally:
        store.close()


async def greet(client: RawClient, name: str) -> None:
    """Join with an empty state; forget the catch-up (the snapshot and the log after it)."""
    await client.send(Hello(PROTOCOL_VERSION, name, 0), SyncStep1(b"\x00"))
    await client.wait_for(lambda m: isinstance(m, CaughtUp))
    client.inbox.clear()


async def send_frames(client: RawClient, *frames: bytes | str) -> None:
    """Send raw frames; stop quietly if the relay has already closed on us."""
    with contextlib.suppress(ConnectionClosed):
        for frame in frames:
            await client.ws.send(frame)


async def closed(client: RawClient, timeout: float = 5.0) -> tuple[int, str]:
    try:
        return await client.closed(timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"the relay did not close the connection within {timeout} s") \
            from None


async def still_served(relay_data: Relay, url: str, writer: Replica, bystander: RawClient,
                       before: list[tuple[int, bytes, str]]) -> None:
    """A third peer syncs an edit; the bystander receives it live; only it is appended."""
    dan = writer.create("contact", {"first_name": "Dan"})
    await sync_once(writer, url, "acme", relay_data.tokens["phone"])
    assert writer.outbox() == []
    relayed = await bystander.wait_for(lambda m: isinstance(m, Relayed))
    assert isinstance(relayed, Relayed)
    mirror = replica("mirror")
    mirror.apply_remote([e[1] for e in before] + [relayed.update])
    assert mirror.get("contact", dan)["first_name"] == "Dan"
    after = stored(relay_data)
    assert after[:-1] == before and len(after) == len(before) + 1
    assert relayed.seq == after[-1][0] and after[-1][2] == "phone"


async def run_attack(relay_data: Relay, attack: Attack, *,
                     config: RelayConfig | None = None, greet_first: bool = True) -> Outcome:
    """Seed the space, connect a bystander, let the tablet attack, check nothing else moved."""
    async with running(config or relay_data.config()) as url:
        writer = replica("phone")
        writer.create("contact", {"first_name": "Ann"})
        await sync_once(writer, url, "acme", relay_data.tokens["phone"])
        async with raw(url, "acme", relay_data.tokens["pc"]) as bystander:
            await greet(bystander, "pc")
            before = stored(relay_data)
            assert len(before) == 1
            async with raw(url, "acme", relay_data.tokens["tablet"]) as attacker:
                if greet_first:
                    await greet(attacker, "tablet")
                await attack(attacker)
                code, reason = await closed(attacker)
                outcome = Outcome(code, reason, attacker.inbox)
            assert stored(relay_data) == before, "bad input changed the stored log"
            assert not [m for m in outcome.inbox if isinstance(m, Ack)], outcome.inbox
            assert not [m for m in bystander.inbox if isinstance(m, Relayed)], bystander.inbox
            await still_served(relay_data, url, writer, bystander, before)
    return outcome


def check(relay_data: Relay, attack: Attack, code: int, *, config: RelayConfig | None = None,
          greet_first: bool = True, error_message: bool = True) -> Outcome:
    outcome = asyncio.run(run_attack(relay_data, attack, config=config, greet_first=greet_first))
    assert outcome.code == code, (outcome.code, outcome.reason)
    assert outcome.reason.strip(), f"close {outcome.code} without a reason"
    if error_message:  # a peer that said Hello is told why in an Error message too
        assert [e.code for e in outcome.errors()] == [code], outcome.inbox
        assert outcome.errors()[0].reason.strip()
    return outcome


def frames(*data: bytes | str) -> Attack:
    async def attack(client: RawClient) -> None:
        await send_frames(client, *data)
    return attack


def test_text_frame_is_refused_with_4400(relay_data: Relay) -> None:
    check(relay_data, frames("hello relay"), CloseCode.BAD_MESSAGE)


def test_text_frame_before_hello_is_refused_with_4400(relay_data: Relay) -> None:
    outcome = check(relay_data, frames('{"type": "sync"}'), CloseCode.BAD_MESSAGE,
                    greet_first=False, error_message=False)
    assert outcome.errors() == [], "a peer that never said Hello must get no type-100 message"


def test_malformed_binary_frame_is_refused_with_4400(relay_data: Relay) -> None:
    # SyncUpdate announcing 5 bytes of update, holding 2.
    check(relay_data, frames(b"\x00\x02\x05ab"), CloseCode.BAD_MESSAGE)


def test_malformed_message_after_a_good_one_in_the_same_frame_stores_nothing(
        relay_data: Relay) -> None:
    good = replica("tablet")
    good.create("contact", {"first_name": "Eve"})
    frame = encode(SyncUpdate(good.diff())) + b"\x00\x02\x05ab"
    check(relay_data, frames(frame), CloseCode.BAD_MESSAGE)


def test_unknown_message_type_is_refused_with_4400(relay_data: Relay) -> None:
    check(relay_data, frames(b"\x07"), CloseCode.BAD_MESSAGE)


def test_empty_frame_is_refused_with_4400(relay_data: Relay) -> None:
    check(relay_data, frames(b""), CloseCode.BAD_MESSAGE)


def test_update_pycrdt_cannot_decode_is_refused_with_4400_and_never_stored(
        relay_data: Relay) -> None:
    check(relay_data, frames(encode(SyncUpdate(b"\x01\x02garbage"))), CloseCode.BAD_MESSAGE)


def test_state_vector_pycrdt_cannot_decode_is_refused_with_4400(relay_data: Relay) -> None:
    # Well-framed SyncStep1, but its state vector claims 127 clients and holds none.
    check(relay_data, frames(encode(SyncStep1(b"\x7f"))), CloseCode.BAD_MESSAGE)


def test_oversize_frame_is_refused_with_1009(relay_data: Relay) -> None:
    # A well-formed SyncUpdate, so only its size can be the reason for the close.
    frame = encode(SyncUpdate(b"\x00" * 1990))
    assert len(frame) > 1000
    check(relay_data, frames(frame), CloseCode.MESSAGE_TOO_BIG,
          config=relay_data.config(max_frame=1000), error_message=False)


def test_update_over_max_update_is_refused_with_4413(relay_data: Relay) -> None:
    big = replica("tablet")
    big.create("note", {"text": "x" * 1000})
    update = big.diff()
    assert 500 < len(update) < 64 * 1024
    check(relay_data, frames(encode(SyncUpdate(update))), CloseCode.PAYLOAD_TOO_LARGE,
          config=relay_data.config(max_update=500))


def test_unsupported_protocol_version_is_refused_with_4426(relay_data: Relay) -> None:
    hello = encode(Hello(PROTOCOL_VERSION + 1, "tablet", 0)) + encode(SyncStep1(b"\x00"))
    # docs/protocol.md, session flow step 2: "answered with Error(4426, …) and close 4426".
    outcome = check(relay_data, frames(hello), CloseCode.UNSUPPORTED_VERSION, greet_first=False)
    assert not [m for m in outcome.inbox if not isinstance(m, Error)], outcome.inbox


@pytest.mark.parametrize("message", [Ack(1, 1), CaughtUp(1), Relayed(1, b"\x00\x00")],
                         ids=["Ack", "CaughtUp", "Relayed"])
def test_relay_only_message_from_a_client_is_refused_with_4400(relay_data: Relay,
                                                                message: Message) -> None:
    check(relay_data, frames(encode(message)), CloseCode.BAD_MESSAGE)


def test_relayed_message_carrying_a_real_update_is_not_stored(relay_data: Relay) -> None:
    forger = replica("tablet")
    forger.create("contact", {"first_name": "Forged"})
    check(relay_data, frames(encode(Relayed(99, forger.diff()))), CloseCode.BAD_MESSAGE)


def test_message_flood_is_refused_with_4429(relay_data: Relay) -> None:
    # The greeting took one token of the burst of 5: 20 more frames must overflow it.
    check(relay_data, frames(*[encode(QueryAwareness())] * 20), CloseCode.RATE_LIMITED,
          config=relay_data.config(rate=5.0, burst=5.0))


def test_message_flood_packed_into_one_frame_is_refused_with_4429(relay_data: Relay) -> None:
    # The limit is in messages per second (RateLimit, `--rate` help): packing must not evade it.
    packed = encode(QueryAwareness()) * 20
    check(relay_data, frames(packed), CloseCode.RATE_LIMITED,
          config=relay_data.config(rate=5.0, burst=5.0))


def test_too_many_connections_are_refused_with_4429(relay_data: Relay) -> None:
    async def scenario() -> None:
        async with (running(relay_data.config(max_connections=2)) as url,
                    raw(url, "acme", relay_data.tokens["phone"]) as phone,
                    raw(url, "acme", relay_data.tokens["pc"]) as pc):
            await greet(phone, "phone")
            await greet(pc, "pc")
            before = stored(relay_data)
            intruder = replica("tablet")
            intruder.create("contact", {"first_name": "Third"})
            async with raw(url, "acme", relay_data.tokens["tablet"]) as third:
                with contextlib.suppress(ConnectionClosed):
                    await third.send(Hello(PROTOCOL_VERSION, "tablet", 0),
                                     SyncStep1(b"\x00"), SyncUpdate(intruder.diff()))
                code, reason = await closed(third)
            assert code == CloseCode.RATE_LIMITED and reason.strip(), (code, reason)
            assert not [m for m in third.inbox if not isinstance(m, Error)], third.inbox
            assert stored(relay_data) == before

            # Both admitted connections still write, and each hears the other.
            for sender, listener, name in ((phone, pc, "Pia"), (pc, phone, "Quin")):
                source = replica(f"src-{name}")
                rid = source.create("contact", {"first_name": name})
                await sender.send(SyncUpdate(source.diff()))
                assert isinstance(await sender.wait_for(lambda m: isinstance(m, Ack)), Ack)
                relayed = await listener.wait_for(lambda m: isinstance(m, Relayed))
                assert isinstance(relayed, Relayed)
                check_copy = replica(f"chk-{name}")
                check_copy.apply_remote([relayed.update])
                assert check_copy.get("contact", rid)["first_name"] == name
            assert [d for _, _, d in stored(relay_data)] == ["phone", "pc"]

    asyncio.run(scenario())
