"""The handheld app's files, served over plain HTTP on the relay's own port.

The app is static: ``clients/web/app/`` (the shell, its screens, and ``dist/worker.js``,
the engine's worker bundled with yjs and lib0 by ``make web``) and ``clients/web/src/``
(the JavaScript engine, whose modules the page imports as they are). They ship inside
the Python package, so a relay installed with pip serves them with no Node at run time.

URLs mirror the folders (``/app/…``, ``/src/…``), so that a relative import such as
``../src/rows.js`` means the same file to the type checker and to the browser. ``/`` and ``/app`` redirect to ``/app/``; ``/app/precache.json`` lists
every file the service worker must keep for an offline cold start.

Only GET and HEAD; only regular files with a known extension inside those two
folders (no dot-files, no ``..``, no symbolic link leading out): anything else is
404, never a file from elsewhere. Every file has a strong ETag (a hash of its
bytes) and ``If-None-Match`` gets 304. Cache-Control is ``no-cache`` (kept, but
revalidated with the ETag on each use), so a new relay release reaches phones at their
next open.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

#: File extension → Content-Type; a file with any other extension is not served.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
#: URL prefix → folder under the web root.
MOUNTS = {"/app/": "app", "/src/": "src"}
REVALIDATE = "no-cache"
PRECACHE = "/app/precache.json"
#: Not listed for the service worker to keep: itself (the browser fetches it anyway).
_NOT_PRECACHED = {"/app/sw.js"}


def default_web_root() -> Path:
    """``clients/web`` of the installed package, found without importing ``clients``."""
    spec = importlib.util.find_spec("clients")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the clients package is not installed: no app to serve")
    return Path(next(iter(spec.submodule_search_locations))) / "web"


def is_static(route: str) -> bool:
    """Does this path belong to the app (rather than the sync endpoint or the probes)?"""
    return route in ("/", "/app") or any(route.startswith(p) for p in MOUNTS)


@dataclass(frozen=True)
class _Loaded:
    data: bytes
    etag: str
    key: tuple[int, int]  # (mtime_ns, size): reread the file when either changes


class StaticFiles:
    """Answer the app's HTTP requests from the files under ``root``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_web_root()).resolve()
        self._cache: dict[Path, _Loaded] = {}

    # ------------------------------------------------------------------ routing

    def respond(self, request: Request) -> Response:
        route = urlsplit(request.path).path
        if request.method not in ("GET", "HEAD"):
            response = _plain(HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD here\n")
            response.headers["Allow"] = "GET, HEAD"
            return response
        if route in ("/", "/app"):
            response = _plain(HTTPStatus.FOUND, "the app is at /app/\n")
            # Relative, so that behind a proxy's path prefix it stays under the prefix.
            response.headers["Location"] = "app/"
            return response
        if route == PRECACHE:
            body = json.dumps({"files": self.precache_list()}, indent=1).encode()
            return self._file_response(request, body, _etag(body), ".json", REVALIDATE)
        if route == "/app/":
            route = "/app/index.html"
        path = self.resolve(route)
        if path is None:
            return _plain(HTTPStatus.NOT_FOUND, "not found\n")
        loaded = self._load(path)
        if loaded is None:
            return _plain(HTTPStatus.NOT_FOUND, "not found\n")
        return self._file_response(request, loaded.data, loaded.etag, path.suffix, REVALIDATE)

    def resolve(self, route: str) -> Path | None:
        """The file a URL path names, or None when it names nothing we serve."""
        prefix = next((p for p in MOUNTS if route.startswith(p)), None)
        if prefix is None:
            return None
        parts = unquote(route[len(prefix):]).split("/")
        # Refuse rather than normalise: a request with "..", ".", an empty or a hidden
        # segment, a backslash or a NUL is not one the app ever makes.
        if any(not p or p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
            return None
        base = self.root / MOUNTS[prefix]
        try:
            path = base.joinpath(*parts).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if not path.is_relative_to(base.resolve()) or not path.is_file():
            return None
        if path.suffix not in CONTENT_TYPES:
            return None
        return path

    def precache_list(self) -> list[str]:
        """Every URL the app may load, relative to /app/ (as the service worker sees them)."""
        urls: list[str] = []
        for prefix, folder in MOUNTS.items():
            base = self.root / folder
            if not base.is_dir():
                continue
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    rel = Path(dirpath, name).relative_to(base).as_posix()
                    url = prefix + rel
                    if url not in _NOT_PRECACHED and self.resolve(url) is not None:
                        urls.append("./" + rel if prefix == "/app/" else ".." + url)
        # The shell itself is requested as /app/, not /app/index.html.
        return ["./" if u == "./index.html" else u for u in urls]

    # ---------------------------------------------------------------- responses

    def _load(self, path: Path) -> _Loaded | None:
        try:
            stat = path.stat()
            key = (stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(path)
            if cached is not None and cached.key == key:
                return cached
            data = path.read_bytes()
        except OSError:
            return None
        loaded = _Loaded(data, _etag(data), key)
        self._cache[path] = loaded
        return loaded

    @staticmethod
    def _file_response(request: Request, data: bytes, etag: str, suffix: str,
                       cache_control: str) -> Response:
        headers = Headers([("ETag", etag), ("Cache-Control", cache_control),
                           ("X-Content-Type-Options", "nosniff"),
                           ("Date", formatdate(usegmt=True))])
        if _matches(request.headers.get("If-None-Match"), etag):
            return Response(HTTPStatus.NOT_MODIFIED.value, HTTPStatus.NOT_MODIFIED.phrase,
                            headers, b"")
        headers["Content-Type"] = CONTENT_TYPES[suffix]
        headers["Content-Length"] = str(len(data))
        body = b"" if request.method == "HEAD" else data
        return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, body)


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    """If-None-Match: "*", or a list of (possibly weak) tags, one of which is ours."""
    if header is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _plain(status: HTTPStatus, text: str) -> Response:
    data = text.encode()
    headers = Headers([("Content-Type", "text/plain; charset=utf-8"),
                       ("Content-Length", str(len(data)))])
    return Response(status.value, status.phrase, headers, data)
