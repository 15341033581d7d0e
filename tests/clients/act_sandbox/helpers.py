"""What the Act! sandbox tests share: the login settings, a movable clock, and the sandbox
served on 127.0.0.1 in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clients.act_sandbox.seed import seed
from clients.act_sandbox.server import ActSandbox, SandboxConfig, make_server
from clients.act_sandbox.store import SandboxStore

START = 1_795_000_000.0  # 2026-11-18T11:06:40Z
USER, PASSWORD, DB = "Sam Sandbox", "s3cret", "ActDemo"
TIMEOUT = 20.0


class Clock:
    """Epoch seconds, moved by the test."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextmanager
def serve_sandbox(directory: Path, clock: Clock, seed_contacts: int = 0,
                  **config: Any) -> Iterator[tuple[str, SandboxStore]]:
    """Run the sandbox over ``directory``/act.sqlite on port 0; yield its URL and store."""
    store = SandboxStore(directory / "act.sqlite")
    if seed_contacts:
        seed(store, seed_contacts, USER)
    app = ActSandbox(store, SandboxConfig(database=DB, user=USER, password=PASSWORD, **config),
                     clock)
    server = make_server(app)
    # A short poll interval keeps shutdown() quick; it is not used for synchronisation.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    try:
        yield server.url, store
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)
        store.close()
