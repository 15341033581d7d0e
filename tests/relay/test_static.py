"""The relay serves the handheld app (relay/static.py): content types, ETag and 304,
Cache-Control, GET and HEAD only, nothing outside the app's folders, and every file it
serves is one the Python package ships — against an in-process relay on 127.0.0.1."""

from __future__ import annotations

import glob
import hashlib
import http.client
import json
import ssl
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from relay.static import CONTENT_TYPES, StaticFiles, default_web_root
from tests.relay.conftest import TIMEOUT, Relay, serving_in_thread
from tests.relay.test_limits import _self_signed

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "clients" / "web"


@pytest.fixture
def relay_port(relay_data: Relay) -> Iterator[int]:
    """A relay on 127.0.0.1, port 0, in a thread of its own; yields its port."""
    yield from _serve(relay_data, None)


def _serve(relay_data: Relay, web_root: Path | None, **changes: Any) -> Iterator[int]:
    with serving_in_thread(relay_data.config(web_root=web_root, **changes)) as port:
        yield port


def request(port: int, path: str, method: str = "GET",
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request (the path is sent exactly as given); status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        answer = conn.getresponse()
        body = answer.read()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body
    finally:
        conn.close()


@pytest.mark.parametrize(("path", "file", "content_type"), [
    ("/app/", "app/index.html", "text/html; charset=utf-8"),
    ("/app/index.html", "app/index.html", "text/html; charset=utf-8"),
    ("/app/main.js", "app/main.js", "text/javascript; charset=utf-8"),
    ("/app/sw.js", "app/sw.js", "text/javascript; charset=utf-8"),
    ("/app/app.css", "app/app.css", "text/css; charset=utf-8"),
    ("/app/manifest.webmanifest", "app/manifest.webmanifest", "application/manifest+json"),
    ("/app/icons/icon-192.png", "app/icons/icon-192.png", "image/png"),
    ("/src/schema.json", "src/schema.json", "application/json"),
    ("/src/fold.js", "src/fold.js", "text/javascript; charset=utf-8"),
])
def test_app_files_are_served_with_their_content_type_etag_and_revalidation(
        relay_port: int, path: str, file: str, content_type: str) -> None:
    status, headers, body = request(relay_port, path)
    expected = (WEB / file).read_bytes()
    assert status == 200
    assert body == expected
    assert headers["content-type"] == content_type
    assert headers["content-length"] == str(len(expected))
    assert headers["cache-control"] == "no-cache"
    assert headers["etag"] == '"' + hashlib.sha256(expected).hexdigest()[:32] + '"'
    assert headers["x-content-type-options"] == "nosniff"


def test_svg_files_get_their_content_type(tmp_path: Path, relay_data: Relay) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    for port in _serve(relay_data, tmp_path):
        status, headers, _ = request(port, "/app/logo.svg")
        assert (status, headers["content-type"]) == (200, "image/svg+xml")


def test_the_worker_bundle_is_revalidated_and_etag_gives_304(relay_port: int) -> None:
    bundle = WEB / "app" / "dist" / "worker.js"
    path = "/" + bundle.relative_to(WEB).as_posix()
    status, headers, body = request(relay_port, path)
    assert status == 200 and body == bundle.read_bytes()
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["cache-control"] == "no-cache"

    status, again, body = request(relay_port, path, headers={"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")
    assert again["etag"] == headers["etag"]
    status, _, _ = request(relay_port, path, headers={"If-None-Match": '"other", W/' + headers["etag"]})
    assert status == 304
    status, _, body = request(relay_port, path, headers={"If-None-Match": '"stale"'})
    assert status == 200 and body == bundle.read_bytes()


def test_a_changed_file_gets_a_new_etag(tmp_path: Path, relay_data: Relay) -> None:
    (tmp_path / "app").mkdir()
    page = tmp_path / "app" / "index.html"
    page.write_text("<p>one</p>")
    for port in _serve(relay_data, tmp_path):
        _, first, _ = request(port, "/app/")
        page.write_text("<p>two, longer</p>")
        status, second, body = request(port, "/app/", headers={"If-None-Match": first["etag"]})
        assert (status, body) == (200, b"<p>two, longer</p>")
        assert second["etag"] != first["etag"]


def test_head_answers_the_headers_without_the_body(relay_port: int) -> None:
    status, headers, body = request(relay_port, "/app/main.js", method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len((WEB / "app" / "main.js").read_bytes()))
    assert headers["etag"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_only_get_and_head(relay_port: int, method: str) -> None:
    status, headers, _ = request(relay_port, "/app/", method=method)
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/", "/app"])
def test_the_root_leads_to_the_app(relay_port: int, path: str) -> None:
    status, headers, _ = request(relay_port, path)
    assert status == 302 and headers["location"] == "app/"  # relative: proxies' prefixes


@pytest.mark.parametrize("path", [
    "/app/../package.json",
    "/app/%2e%2e/package.json",
    "/app/%2E%2E/tsconfig.json",
    "/vendor/..%2fpackage.json",
    "/vendor/yjs@13.6.33/dist/yjs.mjs",
    "/app/..%5cpackage.json",
    "/app/icons/../../../package.json",
    "/app/%2e%2e/%2e%2e/relay/server.py",
    "/app/..%2f..%2fpyproject.toml",
    "/src/../../../pyproject.toml",
    "/vendor/..%5c..%5cpackage.json",
    "/app/./index.html",
    "/app//index.html",
    "/app/%00index.html",
    "/app/.hidden.js",
    "/app/icons/",
    "/app/nosuchfile.js",
    "/make_bundle.py",
    "/app/../make_bundle.py",
    "/src/../package.json",
    "/node_modules/yjs/package.json",
    "/app/%2fetc%2fpasswd",
])
def test_nothing_outside_the_apps_folders_is_served(relay_port: int, path: str) -> None:
    status, _, body = request(relay_port, path)
    assert status == 404, body


def test_a_file_of_an_unknown_kind_is_not_served(tmp_path: Path, relay_data: Relay) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes.txt").write_text("not for the browser")
    (tmp_path / "src" / "ok.js").write_text("export {};")
    for port in _serve(relay_data, tmp_path):
        assert request(port, "/src/notes.txt")[0] == 404
        assert request(port, "/src/ok.js")[0] == 200


def test_a_symbolic_link_out_of_the_folder_is_not_followed(tmp_path: Path,
                                                            relay_data: Relay) -> None:
    secret = tmp_path / "secret.js"
    secret.write_text("export const password = 1;")
    (tmp_path / "web" / "app").mkdir(parents=True)
    (tmp_path / "web" / "app" / "link.js").symlink_to(secret)
    for port in _serve(relay_data, tmp_path / "web"):
        assert request(port, "/app/link.js")[0] == 404


def test_the_app_over_the_relays_own_tls(relay_data: Relay, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(cafile=str(cert))
    for port in _serve(relay_data, None, tls_cert=cert, tls_key=key):
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=TIMEOUT, context=context)
        try:
            conn.request("GET", "/app/")
            answer = conn.getresponse()
            assert answer.status == 200
            assert answer.read() == (WEB / "app" / "index.html").read_bytes()
        finally:
            conn.close()


def test_the_sync_endpoint_and_probes_still_answer(relay_port: int) -> None:
    status, _, body = request(relay_port, "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = request(relay_port, "/elsewhere")
    assert status == 404 and b"/app/" in body


def test_precache_lists_every_file_the_app_may_load_and_each_is_served(relay_port: int) -> None:
    status, headers, body = request(relay_port, "/app/precache.json")
    assert status == 200 and headers["cache-control"] == "no-cache"
    files = json.loads(body)["files"]
    assert "./" in files and "./main.js" in files and "./manifest.webmanifest" in files
    assert "./sw.js" not in files and "./index.html" not in files
    assert "./dist/worker.js" in files
    assert any(f.startswith("../src/") for f in files)
    for file in files:
        path = "/app/" + file.removeprefix("./") if file.startswith("./") else file[2:]
        assert request(relay_port, path, method="HEAD")[0] == 200, file
    listed = {f.removeprefix("./") for f in files if f.startswith("./")}
    on_disk = {p.relative_to(WEB / "app").as_posix() for p in (WEB / "app").rglob("*")
               if p.suffix in CONTENT_TYPES} - {"sw.js", "index.html"}
    assert on_disk <= listed


def test_the_python_package_ships_every_file_the_relay_serves() -> None:
    """Every URL the relay would serve matches a package-data glob of pyproject.toml
    (expanded as setuptools expands them), so a pip-installed relay serves the app."""
    assert default_web_root().resolve() == WEB
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["clients"]
    shipped = {Path(p).resolve() for pattern in patterns
               for p in glob.glob(str(ROOT / "clients" / pattern), recursive=True)}
    files = StaticFiles(WEB)
    served = [*files.precache_list(), "./sw.js", "./index.html"]
    for url in served:
        route = "/app/" + url.removeprefix("./") if url.startswith("./") else url[2:]
        path = files.resolve("/app/index.html" if route == "/app/" else route)
        assert path is not None, url
        assert path in shipped, f"{url} is served but not in the package data"
    assert (WEB / "app" / "dist" / "worker.js").resolve() in shipped
