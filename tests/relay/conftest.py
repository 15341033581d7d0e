"""Fixtures for relay tests: a data directory with a space and tokens, an in-process
relay on 127.0.0.1 port 0, and a raw protocol client that waits on events under timeouts."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from engine.codec import Message, decode, encode
from engine.replica import Replica
from engine.store import MemoryStore
from relay.config import RelayConfig
from relay.server import RelayServer
from relay.store import RelayStore

TIMEOUT = 10.0


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Relay:
    """A data directory with space ``acme`` (tokens ``phone``, ``pc``, ``viewer`` read-only)
    and space ``other`` (token ``stranger``)."""

    data: Path
    tokens: dict[str, str]

    def config(self, **changes: Any) -> RelayConfig:
        return replace(RelayConfig(self.data, port=0, revoke_poll=0.1), **changes)

    def store(self) -> RelayStore:
        return RelayStore(self.data)

    def token_id(self, name: str) -> str:
        return self.tokens[name].split("_")[1]


@pytest.fixture
def relay_data(tmp_path: Path) -> Relay:
    store = RelayStore(tmp_path / "relay")
    store.create_space("acme", now_ms())
    store.create_space("other", now_ms())
    tokens = {
        "phone": store.issue_token("acme", "phone", now_ms())[1],
        "pc": store.issue_token("acme", "pc", now_ms())[1],
        "tablet": store.issue_token("acme", "tablet", now_ms())[1],
        "viewer": store.issue_token("acme", "viewer", now_ms(), read_only=True)[1],
        "expired": store.issue_token("acme", "old", now_ms(), expires_ms=now_ms() - 1)[1],
        "stranger": store.issue_token("other", "stranger", now_ms())[1],
    }
    store.close()
    return Relay(tmp_path / "relay", tokens)


@asynccontextmanager
async def running(config: RelayConfig) -> AsyncIterator[str]:
    """Run a relay in this event loop; yield its base URL."""
    server = RelayServer(config)
    await server.start()
    try:
        yield f"ws://127.0.0.1:{server.port}"
    finally:
        await server.stop()


@contextmanager
def serving_in_thread(config: RelayConfig) -> Iterator[int]:
    """Run a relay in an event loop on a thread of its own (for tests that speak plain
    HTTP or drive a browser from this thread); yield its port."""
    loop = asyncio.new_event_loop()
    server = RelayServer(config)
    started = threading.Event()
    stop = asyncio.Event()

    async def run() -> None:
        await server.start()
        started.set()
        await stop.wait()
        await server.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert started.wait(TIMEOUT), "relay did not start"
    try:
        yield server.port
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(TIMEOUT)
        loop.close()


class RawClient:
    """A protocol-level client: send messages, wait for the ones you expect."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.inbox: list[Message] = []

    async def send(self, *messages: Message) -> None:
        await self.ws.send(b"".join(encode(m) for m in messages))

    async def wait_for(self, predicate: Callable[[Message], bool],
                       timeout: float = TIMEOUT) -> Message:
        """Return (and remove) the first received message matching ``predicate``."""
        async with asyncio.timeout(timeout):
            while True:
                for index, message in enumerate(self.inbox):
                    if predicate(message):
                        return self.inbox.pop(index)
                frame = await self.ws.recv()
                assert isinstance(frame, bytes)
                self.inbox.extend(decode(frame))

    async def closed(self, timeout: float = TIMEOUT) -> tuple[int, str]:
        """Wait until the relay closes the connection; return its code and reason."""
        async with asyncio.timeout(timeout):
            try:
                while True:
                    frame = await self.ws.recv()
                    if isinstance(frame, bytes):
                        self.inbox.extend(decode(frame))
            except ConnectionClosed as exc:
                assert exc.rcvd is not None, "closed without a close frame"
                return exc.rcvd.code, exc.rcvd.reason


@asynccontextmanager
async def raw(url: str, space: str, token: str | None, *, query: bool = False,
              subprotocol: bool = False,
              max_size: int = 64 * 1024 * 1024) -> AsyncIterator[RawClient]:
    """A raw client with ``token`` in the Authorization header, or in the query string,
    or (as the web app sends it) as a subprotocol beside ``handsync``."""
    in_header = token is not None and not query and not subprotocol
    headers = {"Authorization": f"Bearer {token}"} if in_header else {}
    target = f"{url}/v1/spaces/{space}" + (f"?token={token}" if query and token else "")
    offered = ([Subprotocol("handsync"), Subprotocol(f"handsync.token.{token}")]
               if subprotocol and token else None)
    async with connect(target, additional_headers=headers, max_size=max_size,
                       compression=None, subprotocols=offered) as ws:
        yield RawClient(ws)


def replica(name: str) -> Replica:
    return Replica(MemoryStore(), clock=now_ms, replica_id=name)
