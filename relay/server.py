"""The relay server: WebSocket sync endpoint, health and metrics on one port.

``/v1/spaces/<space>`` is the sync endpoint (the token in ``Authorization: Bearer``,
or, from a browser, which cannot set that header, as the WebSocket subprotocol
``handsync.token.<token>`` beside ``handsync``, or in ``?token=``); ``GET /healthz`` answers ``{"status": "ok", ...}``, or 503 with the
reason while the store cannot write; ``GET /metrics`` gives Prometheus text; ``/`` and
``/app/`` serve the handheld app (relay/static.py). A refused token is answered by accepting the
WebSocket and closing it at once with 4401 (bad, expired or revoked token) or
4403 (token of another space), so clients can show why.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import ssl
from collections.abc import Sequence
from functools import partial
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from engine.codec import CloseCode
from relay.config import RelayConfig
from relay.hub import Hub
from relay.peer import Peer
from relay.static import StaticFiles, is_static
from relay.store import RelayStore, Token
from relay.workers import now_ms

log = logging.getLogger("handsync.relay")
PATH_PREFIX = "/v1/spaces/"
#: The subprotocol a browser offers, and the relay takes, with its token beside it: a
#: page cannot set a WebSocket's headers, and a token in the address (``?token=``) ends
#: up in the access logs of proxies; a subprotocol header does not.
SUBPROTOCOL = "handsync"
TOKEN_PROTOCOL = "handsync.token."


def _token_from(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    for offered in request.headers.get_all("Sec-WebSocket-Protocol"):
        for protocol in offered.split(","):
            if protocol.strip().startswith(TOKEN_PROTOCOL):
                return protocol.strip()[len(TOKEN_PROTOCOL):]
    values = parse_qs(urlsplit(request.path).query).get("token")
    return values[0] if values else None


def _select_subprotocol(_: ServerConnection,
                        offered: Sequence[Subprotocol]) -> Subprotocol | None:
    """Take ``handsync`` when a client offers it (a browser carrying its token beside it),
    and go on without a subprotocol otherwise (the CLI, a stock Yjs client)."""
    return Subprotocol(SUBPROTOCOL) if SUBPROTOCOL in offered else None


def _space_from(path: str) -> str | None:
    route = urlsplit(path).path
    if not route.startswith(PATH_PREFIX):
        return None
    name = unquote(route[len(PATH_PREFIX):])
    return name or None


class RelayServer:
    """Start with :meth:`start` (or ``async with``); stop with :meth:`stop`."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        RelayStore(config.data).close()  # create or check the store before serving
        self.hub: Hub | None = None
        self.server: Server | None = None
        self.static = StaticFiles(config.web_root)
        self._watch: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Open the store threads and start listening."""
        loop = asyncio.get_running_loop()
        self.hub = Hub(self.config, loop)
        ssl_context = None
        if self.config.tls_cert is not None:
            ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_context.load_cert_chain(self.config.tls_cert, self.config.tls_key)
        self.server = await serve(
            self._handle, self.config.host, self.config.port,
            process_request=self._process_request, max_size=self.config.max_frame,
            compression=None, ssl=ssl_context, max_queue=64, write_limit=2**20,
            select_subprotocol=_select_subprotocol,
        )
        self._watch = loop.create_task(self.hub.watch_tokens())
        log.info('{"event": "listening", "host": "%s", "port": %d}', self.config.host, self.port)

    async def stop(self) -> None:
        """Stop accepting, close every connection with 1001, flush the store."""
        if self.server is not None:
            self.server.close(close_connections=True)
            await self.server.wait_closed()
        if self._watch is not None:
            self._watch.cancel()
        if self.hub is not None:
            self.hub.close()
        log.info('{"event": "stopped"}')

    async def __aenter__(self) -> RelayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def serve_forever(self) -> None:
        """Run until SIGTERM or SIGINT, then stop gracefully."""
        await self.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await self.stop()

    # ----------------------------------------------------------------- HTTP

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        route = urlsplit(request.path).path
        if route == "/healthz":
            assert self.hub is not None
            fault = self.hub.writer.fault
            if fault is not None:
                body = json.dumps({"status": "unavailable", "reason": f"the store cannot "
                                   f"write: {fault}", "connections": self.hub.connection_count})
                return _response(HTTPStatus.SERVICE_UNAVAILABLE, body, "application/json")
            body = json.dumps({"status": "ok", "connections": self.hub.connection_count})
            return _response(HTTPStatus.OK, body, "application/json")
        if route == "/metrics":
            assert self.hub is not None
            return _response(HTTPStatus.OK, generate_latest(self.hub.metrics.registry).decode(),
                             CONTENT_TYPE_LATEST)
        if is_static(route):
            return self.static.respond(request)
        if _space_from(request.path) is None:
            return _response(HTTPStatus.NOT_FOUND, "not found: use /app/, /v1/spaces/<space>, "
                             "/healthz or /metrics\n", "text/plain")
        return None

    # ------------------------------------------------------------ WebSocket

    async def _handle(self, ws: ServerConnection) -> None:
        assert self.hub is not None and ws.request is not None
        space = _space_from(ws.request.path) or ""
        token_text = _token_from(ws.request)
        token = await self.hub.reader.run(partial(_authenticate, token_text)) if token_text else None
        refusal = self._refusal(space, token_text, token)
        if isinstance(refusal, tuple):
            code, reason = refusal
            self.hub.metrics.errors.labels(code=str(code)).inc()
            log.info('{"event": "refused", "space": "%s", "code": %d, "reason": "%s"}',
                     space, code, reason)
            await ws.close(code, reason)
            return
        peer = Peer(ws, self.hub, space, refusal)
        self.hub.join(peer)
        log.info('{"event": "connected", "space": "%s", "device": "%s"}', space, peer.device)
        try:
            await peer.serve()
        finally:
            self.hub.leave(peer)
            log.info('{"event": "disconnected", "space": "%s", "device": "%s", "code": %s}',
                     space, peer.device, ws.close_code)

    def _refusal(self, space: str, token_text: str | None,
                 token: Token | None) -> tuple[int, str] | Token:
        assert self.hub is not None
        if self.hub.connection_count >= self.config.max_connections:
            return CloseCode.RATE_LIMITED, "too many connections; retry later"
        if not token_text:
            return CloseCode.UNAUTHORIZED, ("missing token (Authorization: Bearer, the "
                                            "subprotocol handsync.token.<token>, or ?token=)")
        if token is None:
            return CloseCode.UNAUTHORIZED, "unknown token"
        if not token.valid_at(now_ms()):
            return CloseCode.UNAUTHORIZED, "token revoked or expired"
        if token.space != space:
            return CloseCode.FORBIDDEN, "this token is not for this space"
        return token


def _authenticate(token_text: str, store: RelayStore) -> Token | None:
    return store.authenticate(token_text)


def _response(status: HTTPStatus, body: str, content_type: str) -> Response:
    data = body.encode()
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return Response(status.value, status.phrase, headers, data)
