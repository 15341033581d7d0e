"""Fixtures for the browser tests: Chromium driven by Playwright (tests/web/browser.py
finds or installs it), and a real relay process — `python -m relay serve` of this
checkout on 127.0.0.1 with a free port — with space ``acme`` and a device token."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from relay.config import RelayConfig
from relay.store import RelayStore
from tests.clients.conftest import run
from tests.relay.conftest import serving_in_thread
from tests.web.browser import chromium

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0
#: A browser profile the size of a phone, as every browser test and tool opens one.
PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
                         "is_mobile": True, "has_touch": True}


@dataclass
class RelayProcess:
    """A running relay: its base URL (http://127.0.0.1:PORT), its data folder, and a
    token for ``acme`` (the browser's, and one per further device asked for)."""

    proc: subprocess.Popen[str]
    url: str
    token: str
    log: list[str] = field(default_factory=list)
    data: Path | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def device(self, home: Path, name: str, *, space: str = "acme",
               token: str | None = None) -> Path:
        """Make a command-line device home syncing ``space`` on this relay, with the token
        issued for ``name`` unless ``token`` is given; return the home."""
        run("device", "init", "--home", str(home), "--relay", self.url.replace("http", "ws", 1),
            "--space", space, "--token", token or self.tokens[name], "--name", name)
        return home

    def stop(self) -> None:
        """SIGTERM, then wait (bounded) for the process to end."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(TIMEOUT)


def _start_relay(data: Path, devices: tuple[str, ...] = ()) -> RelayProcess:
    """Create space ``acme`` with a token for the browser and for each of ``devices``,
    and start a relay on it."""
    store = RelayStore(data)
    try:
        now = int(time.time() * 1000)
        store.create_space("acme", now)
        tokens = {name: store.issue_token("acme", name, now)[1]
                  for name in ("browser", *devices)}
    finally:
        store.close()
    relay = _serve(data, tokens["browser"], port=0)
    relay.tokens = tokens
    return relay


def restart(relay: RelayProcess) -> RelayProcess:
    """Start a stopped relay again on its port and its data (the same spaces and tokens)."""
    assert relay.data is not None and relay.proc.poll() is not None
    again = _serve(relay.data, relay.token, port=relay.port)
    again.tokens = relay.tokens
    return again


def _serve(data: Path, token: str, port: int) -> RelayProcess:
    # From the checkout's root, so `-m relay` is this tree's code, whatever is installed.
    proc = subprocess.Popen(
        [sys.executable, "-m", "relay", "serve", "--data", str(data), "--port", str(port)],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    listening: int | None = None
    log: list[str] = []
    for _ in range(100):  # bounded: the listening line is among the first
        line = proc.stderr.readline()
        if not line:
            break
        log.append(line)
        if '"listening"' in line:
            listening = int(json.loads(line)["port"])
            break
    if listening is None:
        proc.kill()
        proc.wait(TIMEOUT)
        raise AssertionError(f"relay did not start (exit {proc.poll()}): {''.join(log)}")
    relay = RelayProcess(proc, f"http://127.0.0.1:{listening}", token, log, data)
    # Keep reading its log so that a full pipe never blocks it.
    stream = proc.stderr
    threading.Thread(target=lambda: relay.log.extend(stream), daemon=True).start()
    return relay


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    """A relay shared by a module's tests (they only read the app from it)."""
    running = _start_relay(tmp_path_factory.mktemp("relay"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def own_relay(tmp_path: Path) -> Iterator[RelayProcess]:
    """A relay for one test, which may stop it."""
    running = _start_relay(tmp_path / "relay")
    try:
        yield running
    finally:
        running.stop()


@dataclass
class AppCopyRelay:
    """An in-process relay serving a copy of clients/web that a test may change."""

    url: str
    web: Path


@pytest.fixture
def app_copy_relay(tmp_path: Path) -> Iterator[AppCopyRelay]:
    web = tmp_path / "web"
    for folder in ("app", "src"):
        shutil.copytree(ROOT / "clients" / "web" / folder, web / folder)
    (tmp_path / "relay").mkdir()
    with serving_in_thread(RelayConfig(tmp_path / "relay", port=0, web_root=web)) as port:
        yield AppCopyRelay(f"http://127.0.0.1:{port}", web)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(executable) if executable else None,
            args=["--no-sandbox"], timeout=TIMEOUT * 3000)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile (no storage, no service worker) at a phone's size."""
    made = browser.new_context(**PHONE)
    made.set_default_timeout(TIMEOUT * 1000)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
