"""Device end-to-end fixtures: a real relay subprocess and device homes driven through the
`handsync` command line, exactly as people use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from relay.store import RelayStore

HANDSYNC = str(Path(sys.executable).parent / "handsync")
TIMEOUT = 30


def run(*args: str, check: bool = True, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run `handsync ARGS…` and return the finished process."""
    done = subprocess.run([HANDSYNC, *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"handsync {' '.join(args)} failed: {done.stderr}")
    return done


def start_relay(data: Path, port: int = 0,
                env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], int]:
    """Start `handsync relay serve` (with ``env`` added to the environment) and wait for its
    'listening' line."""
    proc = subprocess.Popen([HANDSYNC, "relay", "serve", "--data", str(data), "--port",
                             str(port)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env={**os.environ, **(env or {})})
    assert proc.stderr is not None
    for _ in range(100):
        line = proc.stderr.readline()
        if not line:
            break
        if '"listening"' in line:
            return proc, int(json.loads(line)["port"])
    proc.kill()
    raise AssertionError("the relay did not start")


@dataclass
class Space:
    """A running relay with space `acme` and a device home per name."""

    data: Path
    url: str
    relay: subprocess.Popen[str]
    port: int
    homes: dict[str, Path] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)

    def cli(self, device: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(*args, "--home", str(self.homes[device]), check=check)

    def json(self, device: str, *args: str) -> Any:
        return json.loads(self.cli(device, *args, "--json").stdout)

    def contacts(self, device: str) -> list[dict[str, Any]]:
        return list(self.json(device, "contact", "list"))


@pytest.fixture
def space(tmp_path: Path) -> Iterator[Space]:
    data = tmp_path / "relay"
    store = RelayStore(data)
    now = int(time.time() * 1000)
    store.create_space("acme", now)
    tokens = {name: store.issue_token("acme", name, now) for name in ("ann", "bob", "cat")}
    store.close()
    relay, port = start_relay(data)
    url = f"ws://127.0.0.1:{port}"
    result = Space(data, url, relay, port)
    try:
        for name, (token, text) in tokens.items():
            home = tmp_path / name
            run("device", "init", "--home", str(home), "--relay", url, "--space", "acme",
                "--token", text, "--name", name)
            result.homes[name] = home
            result.token_ids[name] = token.id
        yield result
    finally:
        if result.relay.poll() is None:
            result.relay.kill()
        result.relay.wait(timeout=TIMEOUT)
        if result.relay.stderr is not None:
            result.relay.stderr.close()
