"""The Act! sandbox: a local stand-in for the Act! Web API, over one SQLite file.

It serves the operations the bridge uses, as Act!'s own Swagger definition of the Web API
documents them (public copy: GitHub api-evangelist/act,
``openapi/_original/act-web-api-swagger.json``, with its ``conventions/`` and ``rate-limits/``
notes; tests/contract/act_web_api.json is the extract the contract test checks), with the
observed quirks kept on purpose so that a client that works here works against Act!:

- ``GET /act.web.api/api/system`` needs no login; ``GET /act.web.api/authorize`` takes Basic
  credentials plus ``Act-Database-Name`` and answers a JWT as plain text; every other call needs
  ``Authorization: Bearer <jwt>`` and the same ``Act-Database-Name``.
- A wrong user, password or database, and a malformed or expired token, all get a bare 401
  with an empty body; a call with no ``Authorization`` at all gets the 500 Act! was seen to
  answer (ASP.NET's error object with a ``System.NullReferenceException``).
- Responses carry ``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (documented for Act!'s
  cloud; ``rate_headers`` off drops them, as a self-hosted server would); over the limit: 429
  with neither ``Retry-After`` nor a documented format to rely on (docs/act-sandbox.md).
- Collections come as a bare array (Act!'s conventions), or as ``{"value": […], "Count": n}``
  with ``envelope="value"`` to test that clients cope with both.
- The rest (OData, unstable ``$skip``, private records, no tombstones, POST duplicates,
  memberships that leave ``edited`` alone) lives in clients/act_sandbox/api.py and
  clients/act_sandbox/odata.py; docs/act-sandbox.md describes it all.

Use ``ActSandbox(store, config).handle(...)`` directly, ``make_server`` to serve it over HTTP
(``serve_forever`` in a thread of your own), or ``run`` for the command line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from clients.act_sandbox.api import (
    COLLECTIONS,
    MethodNotAllowed,
    NotFound,
    Reply,
    Request,
    Resources,
    utc_now,
)
from clients.act_sandbox.odata import ODataError
from clients.act_sandbox.schema import BadRequest
from clients.act_sandbox.seed import seed
from clients.act_sandbox.store import SandboxStore
from clients.stop import stop_signals

PREFIX = "/act.web.api"
# Utilities.SystemInfo, as Act!'s definition shapes it.
API_VERSION = {"apiVersion": "1.1.1324.1", "sdkVersion": "25.101.0.0", "update": 0}
MAX_BODY = 16 * 1024 * 1024


@dataclass
class SandboxConfig:
    """How one sandbox behaves. ``user`` is the Act! display name that may log in;
    ``token_lifetime`` is in seconds (Act! gave about 65 minutes); ``envelope`` is ``"array"``
    or ``"value"``; at most ``rate_limit`` requests are served per ``rate_window`` seconds."""

    database: str = "ActDemo"
    user: str = "Sam Sandbox"
    password: str = ""
    token_lifetime: float = 65 * 60
    envelope: str = "array"
    rate_limit: int = 6000
    rate_window: float = 60.0
    rate_headers: bool = True

    def __post_init__(self) -> None:
        if self.envelope not in ("array", "value"):
            raise ValueError(f"envelope must be 'array' or 'value', not {self.envelope!r}")
        if self.rate_limit < 1 or self.rate_window <= 0 or self.token_lifetime <= 0:
            raise ValueError("rate_limit, rate_window and token_lifetime must be positive")


class _Unauthorized(Exception):
    """401 with no body: Act! never says which credential was wrong."""


class _Anonymous(Exception):
    """A call with no credentials at all: Act! answered it with a 500 (see module doc)."""


class ActSandbox:
    """The whole API as a function from request to response; thread-safe (one lock).

    ``clock`` returns epoch seconds; tests pass a fake one to expire tokens and roll the
    rate-limit window without waiting.
    """

    def __init__(self, store: SandboxStore, config: SandboxConfig,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._secret = store.secret
        self.me_id = store.ensure_user(config.user)
        self._resources = Resources(store, self.me_id, config.user, config.envelope,
                                    utc_now(clock))
        self._requests = 0
        self._window_start = clock()
        self._window_count = 0

    def handle(self, method: str, target: str, headers: Mapping[str, str],
               body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        """Answer one request: ``headers`` keys must be lower-case. Returns (status, headers,
        body bytes)."""
        with self._lock:
            self._requests += 1
            limit_headers, over = self._count_request()
            if over:
                reply = Reply(429, {"message": "Rate limit exceeded; retry after the time in "
                                               "X-RateLimit-Reset."})
            else:
                reply = self._route(method, target, headers, body)
        return _frame(reply, limit_headers if self.config.rate_headers else {})

    def _count_request(self) -> tuple[dict[str, str], bool]:
        """A fixed window of ``rate_window`` seconds; Reset is when it ends (epoch seconds)."""
        now = self.clock()
        if now >= self._window_start + self.config.rate_window:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        limit = self.config.rate_limit
        headers = {"X-RateLimit-Limit": str(limit),
                   "X-RateLimit-Remaining": str(max(0, limit - self._window_count)),
                   "X-RateLimit-Reset": str(math.ceil(self._window_start +
                                                      self.config.rate_window))}
        return headers, self._window_count > limit

    def _route(self, method: str, target: str, headers: Mapping[str, str],
               body: bytes) -> Reply:
        url = urlsplit(target)
        path = unquote(url.path).rstrip("/")
        if not path.lower().startswith(PREFIX):
            return Reply(404, {"message": f"Nothing here; the API lives under {PREFIX}."})
        rest = path[len(PREFIX):].strip("/").split("/")
        lowered = [p.lower() for p in rest]
        try:
            if lowered == ["api", "system"]:
                return Reply(200, API_VERSION) if method == "GET" else _not_allowed(method)
            if lowered == ["authorize"]:
                if method != "GET":
                    return _not_allowed(method)
                return Reply(200, self._authorize(headers).encode(),
                             {"Content-Type": "text/plain; charset=utf-8"})
            self._authenticate(headers)
            if lowered[0] != "api":
                raise NotFound(f"No HTTP resource was found that matches '{path}'.")
            pairs = parse_qsl(url.query, keep_blank_values=True)
            multi: dict[str, list[str]] = {}
            for key, value in pairs:
                multi.setdefault(key, []).append(value)
            request = Request(method, rest[1:], dict(pairs), multi, body, self._requests)
            return self._resources.dispatch(request)
        except _Unauthorized:
            return Reply(401, b"")
        except _Anonymous:
            return Reply(500, _error_object("Object reference not set to an instance of an "
                                            "object.", "System.NullReferenceException"))
        except (BadRequest, ODataError) as exc:
            return Reply(400, {"message": str(exc)})
        except NotFound as exc:
            return Reply(404, {"message": str(exc)})
        except MethodNotAllowed as exc:
            return Reply(405, {"message": str(exc)})
        except Exception as exc:  # a sandbox bug must answer 500, not kill the connection
            traceback.print_exc(file=sys.stderr)
            return Reply(500, _error_object(f"{exc} (a sandbox bug; see its log)",
                                            type(exc).__name__))

    # Tokens ------------------------------------------------------------------------------

    def _authorize(self, headers: Mapping[str, str]) -> str:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            # "A bearer token may itself be presented to /authorize to obtain a fresh token"
            # (api-evangelist/act, conventions/act-conventions.yml).
            self._authenticate(headers)
            return self._token()
        if scheme.lower() != "basic":
            raise _Unauthorized
        try:
            user, sep, password = base64.b64decode(credentials.strip(), validate=True) \
                .decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Unauthorized from exc
        ok_user = sep == ":" and user.casefold() == self.config.user.casefold()
        ok_password = hmac.compare_digest(password.encode(), self.config.password.encode())
        if not (ok_user and ok_password and self._database_matches(headers)):
            raise _Unauthorized
        return self._token()

    def _token(self) -> str:
        now = self.clock()
        # Whole seconds, as JWT libraries expect; the token may end up to a second early.
        payload = {"sub": self.me_id, "name": self.config.user, "db": self.config.database,
                   "iat": int(now), "exp": int(now + self.config.token_lifetime),
                   "jti": secrets.token_hex(8)}
        return self._sign(payload)

    def _database_matches(self, headers: Mapping[str, str]) -> bool:
        return headers.get("act-database-name", "").casefold() == \
            self.config.database.casefold()

    def _sign(self, payload: dict[str, Any]) -> str:
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        mac = hmac.new(self._secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(mac)}"

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        if not headers.get("authorization", "").strip():
            raise _Anonymous
        scheme, _, token = headers.get("authorization", "").partition(" ")
        parts = token.strip().split(".")
        if scheme.lower() != "bearer" or len(parts) != 3 or not self._database_matches(headers):
            raise _Unauthorized
        expected = hmac.new(self._secret, f"{parts[0]}.{parts[1]}".encode(),
                            hashlib.sha256).digest()
        try:
            valid = hmac.compare_digest(_unb64(parts[2]), expected)
            claims = json.loads(_unb64(parts[1])) if valid else {}
        except ValueError as exc:
            raise _Unauthorized from exc
        if (not valid or claims.get("sub") != self.me_id
                or str(claims.get("db", "")).casefold() != self.config.database.casefold()
                or not isinstance(claims.get("exp"), int | float)
                or self.clock() >= claims["exp"]):
            raise _Unauthorized


def _plural(kind: str) -> str:
    return next(name for name, k in COLLECTIONS.items() if k == kind)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _not_allowed(method: str) -> Reply:
    return Reply(405, {"message": f"The requested resource does not support http method "
                                  f"'{method}'."})


def _error_object(detail: str, exception_type: str) -> dict[str, str]:
    """ASP.NET Web API's error object, the body Act! answers a 500 with."""
    return {"message": "An error has occurred.", "exceptionMessage": detail,
            "exceptionType": exception_type, "stackTrace": "   at act.web.api (sandbox)"}


def _frame(reply: Reply, extra: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
    headers = {**extra, **reply.headers}
    if reply.body is None:
        body = b""
    elif isinstance(reply.body, bytes):
        body = reply.body
    else:
        body = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    return reply.status, headers, body


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 framing around ``ActSandbox.handle`` (keep-alive, so clients reuse sockets)."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, each response of a
    # kept-alive connection would wait for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server: SandboxServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True  # the unread body would be taken for a request
            self._send(411, {}, b'{"message": "Send a Content-Length; chunked bodies are not '
                                b'accepted."}')
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            self._send(413, {}, b'{"message": "The body is too large or its length is bad."}')
            return
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, payload = self.server.app.handle(self.command, self.path, headers,
                                                              body)
        self._send(status, out_headers, payload)

    def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        if self.close_connection:
            self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class SandboxServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer bound to one ``ActSandbox``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: ActSandbox, verbose: bool = False) -> None:
        self.app = app
        self.verbose = verbose
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """The API base URL, with the real port when bound to port 0."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{PREFIX}"


def make_server(app: ActSandbox, host: str = "127.0.0.1", port: int = 0,
                verbose: bool = False) -> SandboxServer:
    """Bind (port 0 picks a free port); the caller runs ``serve_forever`` and later
    ``shutdown()`` and ``server_close()``."""
    return SandboxServer((host, port), app, verbose)


def run(data: Path, config: SandboxConfig, host: str, port: int, seed_contacts: int | None,
        echo: Callable[[str], None], verbose: bool = False) -> None:
    """Open (or create) the data file, seed it if asked and empty, and serve until SIGTERM,
    SIGINT or (Windows) SIGBREAK. Prints the URL it listens on. Raises StoreError for an
    unusable data file."""
    store = SandboxStore(data)
    try:
        if seed_contacts is not None:
            if store.is_empty():
                started = time.perf_counter()
                counts = seed(store, seed_contacts, config.user)
                summary = ", ".join(f"{n} {_plural(kind)}" for kind, n in counts.items())
                echo(f"seeded {summary} in {time.perf_counter() - started:.1f} s")
            else:
                echo(f"{data} already holds data; not seeding")
        server = make_server(ActSandbox(store, config), host, port, verbose)
        stop = threading.Event()

        def on_signal(signum: int, _frame: object) -> None:
            # shutdown() waits for serve_forever to return, so it cannot run on this thread.
            if not stop.is_set():
                stop.set()
                threading.Thread(target=server.shutdown, daemon=True).start()

        previous = {sig: signal.signal(sig, on_signal) for sig in stop_signals()}
        try:
            echo(f"Act! sandbox listening on {server.url} (database {config.database}, "
                 f"user {config.user})")
            server.serve_forever()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            server.server_close()
        echo("Act! sandbox stopped")
    finally:
        store.close()
