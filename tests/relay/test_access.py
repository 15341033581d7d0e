"""Access control (invariant 5): who may connect to a space, read it and write it, and how fast
a revoked token is cut off — against an in-process relay on 127.0.0.1, port 0."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time

import pytest
from click.testing import CliRunner
from websockets.exceptions import ConnectionClosed

from clients.cli.main import cli
from clients.device.connection import sync_once
from engine.codec import (
    PROTOCOL_VERSION,
    Ack,
    CaughtUp,
    CloseCode,
    Error,
    Hello,
    Message,
    Relayed,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
)
from relay.store import parse_token
from tests.relay.conftest import RawClient, Relay, now_ms, raw, replica, running

SYNC_REPLIES = (SyncStep1, SyncStep2, SyncUpdate, Relayed, CaughtUp, Ack)


def stored(relay_data: Relay, space: str = "acme") -> list[tuple[int, bytes, str]]:
    """The relay log of ``space`` as a second connection to the file sees it."""
    store = relay_data.store()
    try:
        return [(r.seq, r.update, r.device) for r in store.log_after(space, 0)]
    finally:
        store.close()


async def greet(client: RawClient, name: str) -> CaughtUp:
    """Say Hello with an empty state and wait for the catch-up to end."""
    await client.send(Hello(PROTOCOL_VERSION, name, 0), SyncStep1(b"\x00"))
    caught = await client.wait_for(lambda m: isinstance(m, CaughtUp))
    assert isinstance(caught, CaughtUp)
    return caught


async def seed(relay_data: Relay, url: str) -> str:
    """Store one contact in ``acme`` through the phone; return its id."""
    phone = replica("phone")
    ann = phone.create("contact", {"first_name": "Ann"})
    await sync_once(phone, url, "acme", relay_data.tokens["phone"])
    assert phone.outbox() == []
    return ann


async def attempt(url: str, space: str, token: str | None, *, query: bool = False,
                  subprotocol: bool = False) -> tuple[int, str, list[Message]]:
    """Connect, try to read and write at once, and return how the relay closed."""
    writer = replica("intruder")
    writer.create("contact", {"first_name": "Mallory"})
    async with raw(url, space, token, query=query, subprotocol=subprotocol) as client:
        # The relay may have closed before we got to write: that is fine.
        with contextlib.suppress(ConnectionClosed):
            await client.send(Hello(PROTOCOL_VERSION, "intruder", 0), SyncStep1(b"\x00"),
                              SyncUpdate(writer.diff()))
        code, reason = await client.closed()
        return code, reason, client.inbox


async def expect_refused(relay_data: Relay, space: str, token: str | None, code: int, *,
                         query: bool = False, subprotocol: bool = False) -> str:
    """Assert the relay refuses ``token`` on ``space`` with ``code`` and leaks and stores nothing."""
    async with running(relay_data.config()) as url:
        await seed(relay_data, url)
        before = {name: stored(relay_data, name) for name in ("acme", "other")}
        got, reason, inbox = await attempt(url, space, token, query=query,
                                           subprotocol=subprotocol)
        assert got == code, (got, reason)
        assert reason.strip(), "the close frame must say why"
        assert not [m for m in inbox if isinstance(m, SYNC_REPLIES)], inbox
        assert {name: stored(relay_data, name) for name in ("acme", "other")} == before
        return reason


def test_missing_token_is_refused_with_4401(relay_data: Relay) -> None:
    reason = asyncio.run(expect_refused(relay_data, "acme", None, CloseCode.UNAUTHORIZED))
    assert "token" in reason


def test_unknown_token_is_refused_with_4401(relay_data: Relay) -> None:
    asyncio.run(expect_refused(relay_data, "acme", "hs_0123456789ab_notatoken",
                               CloseCode.UNAUTHORIZED))


def test_garbage_token_is_refused_with_4401(relay_data: Relay) -> None:
    asyncio.run(expect_refused(relay_data, "acme", "not-even-shaped-like-a-token",
                               CloseCode.UNAUTHORIZED))


def test_wrong_secret_for_a_real_token_id_is_refused_with_4401(relay_data: Relay) -> None:
    real = relay_data.tokens["phone"]
    forged = f"hs_{relay_data.token_id('phone')}_{'A' * len(parse_token(real)[1])}"  # type: ignore[index]
    assert forged != real
    asyncio.run(expect_refused(relay_data, "acme", forged, CloseCode.UNAUTHORIZED))


def test_expired_token_is_refused_with_4401(relay_data: Relay) -> None:
    asyncio.run(expect_refused(relay_data, "acme", relay_data.tokens["expired"],
                               CloseCode.UNAUTHORIZED))


@pytest.mark.parametrize(("space", "token"), [("acme", "stranger"), ("other", "phone")])
def test_token_of_another_space_is_refused_with_4403(relay_data: Relay, space: str,
                                                      token: str) -> None:
    asyncio.run(expect_refused(relay_data, space, relay_data.tokens[token],
                               CloseCode.FORBIDDEN))


def test_bad_token_in_the_query_string_is_refused_with_4401(relay_data: Relay) -> None:
    asyncio.run(expect_refused(relay_data, "acme", "hs_0123456789ab_notatoken",
                               CloseCode.UNAUTHORIZED, query=True))


def test_bad_token_as_a_subprotocol_is_refused_with_4401(relay_data: Relay) -> None:
    asyncio.run(expect_refused(relay_data, "acme", "hs_0123456789ab_notatoken",
                               CloseCode.UNAUTHORIZED, subprotocol=True))


@pytest.mark.parametrize("carrier", ["query", "subprotocol"])
def test_token_in_the_query_string_or_as_a_subprotocol_is_accepted(relay_data: Relay,
                                                                   carrier: str) -> None:
    async def scenario() -> None:
        async with running(relay_data.config()) as url:
            ann = await seed(relay_data, url)
            async with raw(url, "acme", relay_data.tokens["pc"], query=carrier == "query",
                           subprotocol=carrier == "subprotocol") as client:
                # The relay takes "handsync" when it is offered (a browser needs one taken).
                assert client.ws.subprotocol == ("handsync" if carrier == "subprotocol" else None)
                await client.send(Hello(PROTOCOL_VERSION, "pc", 0), SyncStep1(b"\x00"))
                await client.wait_for(lambda m: isinstance(m, CaughtUp))
                # A new device gets the snapshot (SyncStep2) and the log after it (Relayed).
                updates = [m.update for m in client.inbox if isinstance(m, SyncStep2 | Relayed)]
                assert updates
                browser = replica("browser")
                browser.apply_remote(updates)
                assert browser.get("contact", ann)["first_name"] == "Ann"

    asyncio.run(scenario())


@pytest.mark.parametrize("carrier", [SyncUpdate, SyncStep2])
def test_read_only_token_reads_but_cannot_write(relay_data: Relay,
                                                carrier: type[SyncUpdate | SyncStep2]) -> None:
    async def scenario() -> None:
        async with running(relay_data.config()) as url, \
                raw(url, "acme", relay_data.tokens["viewer"]) as viewer:
            await greet(viewer, "viewer")
            ann = await seed(relay_data, url)
            relayed = await viewer.wait_for(lambda m: isinstance(m, Relayed))
            assert isinstance(relayed, Relayed)
            mirror = replica("viewer")
            mirror.apply_remote([relayed.update])
            assert mirror.get("contact", ann)["first_name"] == "Ann"

            before = stored(relay_data)
            assert len(before) == 1
            mirror.update("contact", ann, {"last_name": "Vandal"})
            await viewer.send(carrier(mirror.diff()))
            error = await viewer.wait_for(lambda m: isinstance(m, Error))
            assert error == Error(CloseCode.FORBIDDEN, error.reason)  # type: ignore[union-attr]
            code, reason = await viewer.closed()
            assert code == CloseCode.FORBIDDEN and reason.strip()
            assert not [m for m in viewer.inbox if isinstance(m, Ack)]
            assert stored(relay_data) == before

    asyncio.run(scenario())


async def _revoke_cuts_off_only_that_token(relay_data: Relay, poll: float) -> float:
    async with running(relay_data.config(revoke_poll=poll)) as url:
        async with raw(url, "acme", relay_data.tokens["phone"]) as phone, \
                raw(url, "acme", relay_data.tokens["pc"]) as pc:
            await greet(phone, "phone")
            await greet(pc, "pc")

            store = relay_data.store()  # another connection to the file, as the CLI has
            try:
                start = time.monotonic()
                store.revoke_token(relay_data.token_id("phone"), now_ms())
            finally:
                store.close()
            code, reason = await phone.closed(timeout=5.0)
            elapsed = time.monotonic() - start
            assert code == CloseCode.UNAUTHORIZED and reason.strip(), (code, reason)
            assert Error(CloseCode.UNAUTHORIZED, reason) in phone.inbox
            assert elapsed < 1.0, f"revoked token still connected after {elapsed:.3f} s"

            # The other device's connection is untouched: it writes and it reads.
            mine = replica("pc")
            mine.create("contact", {"first_name": "Bea"})
            await pc.send(SyncUpdate(mine.diff()))
            ack = await pc.wait_for(lambda m: isinstance(m, Ack))
            assert isinstance(ack, Ack) and ack.count == 1
            tablet = replica("tablet")
            cal = tablet.create("contact", {"first_name": "Cal"})
            await sync_once(tablet, url, "acme", relay_data.tokens["tablet"])
            relayed = await pc.wait_for(lambda m: isinstance(m, Relayed))
            mine.apply_remote([relayed.update])  # type: ignore[union-attr]
            assert mine.get("contact", cal)["first_name"] == "Cal"
            assert [device for _, _, device in stored(relay_data)] == ["pc", "tablet"]

        code, _, inbox = await attempt(url, "acme", relay_data.tokens["phone"])
        assert code == CloseCode.UNAUTHORIZED
        assert not [m for m in inbox if isinstance(m, SYNC_REPLIES)]
        assert len(stored(relay_data)) == 2
        return elapsed


@pytest.mark.parametrize("poll", [0.1, 0.5], ids=["poll-0.1s", "poll-0.5s-default"])
def test_revoking_a_token_closes_its_live_connection_within_a_second(relay_data: Relay,
                                                                    poll: float) -> None:
    asyncio.run(_revoke_cuts_off_only_that_token(relay_data, poll))


def test_token_expiring_while_connected_is_cut_off(relay_data: Relay) -> None:
    store = relay_data.store()
    try:
        expires = now_ms() + 1000
        _, text = store.issue_token("acme", "short", now_ms(), expires_ms=expires)
    finally:
        store.close()

    async def scenario() -> None:
        async with running(relay_data.config()) as url, raw(url, "acme", text) as client:
            await greet(client, "short")
            code, reason = await client.closed(timeout=5.0)
            late = now_ms() - expires
            assert code == CloseCode.UNAUTHORIZED and reason.strip(), (code, reason)
            assert late < 1000, f"expired token still connected {late} ms after expiry"

    asyncio.run(scenario())


# ------------------------------------------------------------------------------- CLI


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, ["relay", "token", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_issue_prints_a_working_token_and_list_never_shows_secrets(relay_data: Relay) -> None:
    data = str(relay_data.data)
    text = _invoke("issue", "acme", "--device", "laptop", "--data", data).strip()
    parsed = parse_token(text)
    assert parsed is not None, text
    token_id, secret = parsed

    listed = _invoke("list", "acme", "--data", data)
    as_json = _invoke("list", "acme", "--json", "--data", data)
    rows = {row["id"]: row for row in json.loads(as_json)}
    assert rows[token_id]["device"] == "laptop" and rows[token_id]["valid"] is True
    assert token_id in listed and "laptop" in listed
    secrets = [secret] + [parse_token(t)[1] for t in relay_data.tokens.values()]  # type: ignore[index]
    for hidden in secrets:
        assert hidden not in listed and hidden not in as_json
        digest = hashlib.sha256(hidden.encode()).hexdigest()
        assert digest not in listed and digest not in as_json

    async def scenario() -> None:
        async with running(relay_data.config()) as url, raw(url, "acme", text) as client:
            await greet(client, "laptop")

    asyncio.run(scenario())


def test_tokens_are_stored_only_as_hashes(relay_data: Relay) -> None:
    data = str(relay_data.data)
    text = _invoke("issue", "acme", "--device", "laptop", "--data", data).strip()
    texts = [text, *relay_data.tokens.values()]
    files = sorted(relay_data.data.glob("relay.sqlite*"))
    assert files
    blob = b"".join(path.read_bytes() for path in files)
    for token_text in texts:
        token_id, secret = parse_token(token_text)  # type: ignore[misc]
        assert token_id.encode() in blob  # we are looking at the right bytes
        assert hashlib.sha256(secret.encode()).hexdigest().encode() in blob
        assert secret.encode() not in blob
        assert token_text.encode() not in blob


def test_cli_revoke_cuts_off_a_live_connection(relay_data: Relay) -> None:
    data = str(relay_data.data)

    async def scenario() -> None:
        async with running(relay_data.config()) as url, \
                raw(url, "acme", relay_data.tokens["phone"]) as phone:
            await greet(phone, "phone")
            start = time.monotonic()
            out = await asyncio.to_thread(
                _invoke, "revoke", relay_data.token_id("phone"), "--data", data)
            assert relay_data.token_id("phone") in out
            code, reason = await phone.closed(timeout=5.0)
            elapsed = time.monotonic() - start
            assert code == CloseCode.UNAUTHORIZED and reason.strip()
            assert elapsed < 1.0, f"revoked token still connected after {elapsed:.3f} s"

    asyncio.run(scenario())
    rows = {row["id"]: row for row in json.loads(_invoke("list", "acme", "--json", "--data", data))}
    assert rows[relay_data.token_id("phone")]["revoked"] is not None
    assert rows[relay_data.token_id("phone")]["valid"] is False
    missing = CliRunner().invoke(cli, ["relay", "token", "revoke", "nosuchtoken", "--data", data])
    assert missing.exit_code != 0 and "no such token" in missing.output
