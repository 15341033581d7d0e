"""Wrong device clocks, end to end: real relay and device processes under libfaketime.

The relay is the time reference. Its own clock is moved on by the test through a
libfaketime timestamp file (a controllable clock: nothing here waits in real time),
and each device command runs with its clock set off by a given number of seconds.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from relay.store import RelayStore
from tests.clients.conftest import HANDSYNC, TIMEOUT, start_relay

YEAR_S = 365 * 86400
_LIB_GLOBS = ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1",
              "/usr/local/lib/faketime/libfaketime.so.1")


def _find_libfaketime() -> str | None:
    for pattern in _LIB_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


@pytest.fixture(scope="session")
def libfaketime() -> str:
    """libfaketime's library; installed here (Debian package ``faketime``) where missing."""
    found = _find_libfaketime()
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "faketime"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
        found = _find_libfaketime()
    if found is None:
        pytest.skip("libfaketime is missing and cannot be installed here (needs root and "
                    "apt-get): install the 'faketime' package to run these tests")
    return found


def faked(lib: str, offset_s: int) -> dict[str, str]:
    """Environment for a process whose wall clock is ``offset_s`` seconds off."""
    return {**os.environ, "LD_PRELOAD": lib, "FAKETIME": f"{offset_s:+d}",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


@dataclass
class Clocks:
    """A relay whose time the test moves, and device homes with clocks set off from it."""

    lib: str
    relay_time: Path
    url: str
    relay: subprocess.Popen[str]
    data: Path
    homes: dict[str, Path] = field(default_factory=dict)
    skew: dict[str, int] = field(default_factory=dict)  # seconds, per device
    moved: int = 0  # seconds the true time moved on since the start

    def move_on(self, seconds: int) -> None:
        """The true time (the relay's, and every device's) moves on ``seconds``."""
        self.moved += seconds
        self.relay_time.write_text(f"{self.moved:+d}\n")

    def cli(self, device: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = faked(self.lib, self.skew[device] + self.moved)
        done = subprocess.run([HANDSYNC, *args, "--home", str(self.homes[device])],
                              capture_output=True, text=True, timeout=TIMEOUT, env=env)
        if done.returncode != 0:
            raise AssertionError(f"{device}: handsync {' '.join(args)} failed: {done.stderr}")
        return done

    def json(self, device: str, *args: str) -> Any:
        return json.loads(self.cli(device, *args, "--json").stdout)


@pytest.fixture
def clocks(tmp_path: Path, libfaketime: str) -> Iterator[Clocks]:
    data = tmp_path / "relay"
    store = RelayStore(data)
    now = int(time.time() * 1000)
    store.create_space("acme", now)
    tokens = {name: store.issue_token("acme", name, now)[1] for name in ("ann", "bob")}
    store.close()
    relay_time = tmp_path / "relay-time"
    relay_time.write_text("+0\n")
    relay, port = start_relay(data, env={
        "LD_PRELOAD": libfaketime, "FAKETIME_TIMESTAMP_FILE": str(relay_time),
        "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
    result = Clocks(libfaketime, relay_time, f"ws://127.0.0.1:{port}", relay, data)
    try:
        for name, text in tokens.items():
            home = tmp_path / name
            result.homes[name], result.skew[name] = home, 0
            subprocess.run([HANDSYNC, "device", "init", "--home", str(home), "--relay",
                            result.url, "--space", "acme", "--token", text, "--name", name,
                            "--no-auto-sync"], check=True, capture_output=True, timeout=TIMEOUT)
        yield result
    finally:
        relay.kill()
        relay.wait(timeout=TIMEOUT)
        if relay.stderr is not None:
            relay.stderr.close()


def title_everywhere(clocks: Clocks, rid: str) -> dict[str, tuple[str, list[Any]]]:
    """Each device's job title of ``rid`` and the values listed as its conflicts."""
    out = {}
    for name in clocks.homes:
        (record,) = clocks.json(name, "contact", "show", rid)
        lost = [c["value"] for c in clocks.json(name, "conflicts", "list")
                if c["record_id"] == rid and c["field"] == "job_title"]
        out[name] = (record["job_title"], lost)
    return out


def test_the_faketime_clock_is_really_a_year_ahead(clocks: Clocks) -> None:
    # The premise of the tests below: the device process reads a wrong wall clock.
    clocks.skew["ann"] = YEAR_S
    done = subprocess.run([sys.executable, "-c", "import time; print(time.time())"],
                          capture_output=True, text=True, env=faked(clocks.lib, YEAR_S),
                          check=True)
    assert float(done.stdout) - time.time() > YEAR_S - 60


def test_a_year_ahead_device_that_synced_before_loses_to_a_later_edit(clocks: Clocks) -> None:
    clocks.skew["ann"] = YEAR_S
    rid = clocks.cli("bob", "contact", "add", "--first-name", "Ann",
                     "--job-title", "Rep").stdout.strip()
    clocks.cli("bob", "sync")
    clocks.cli("ann", "sync")  # meets the relay: learns its offset of about -1 year
    clocks.cli("ann", "contact", "edit", rid, "--job-title", "Phone value")
    clocks.move_on(2)
    clocks.cli("bob", "contact", "edit", rid, "--job-title", "Office value")
    for name in ("ann", "bob", "ann"):
        clocks.cli(name, "sync")
    assert title_everywhere(clocks, rid) == {"ann": ("Office value", ["Phone value"]),
                                             "bob": ("Office value", ["Phone value"])}


def test_a_year_ahead_device_that_never_met_the_relay_loses_to_a_later_edit(
        clocks: Clocks) -> None:
    clocks.skew["ann"] = YEAR_S
    rid = clocks.cli("ann", "contact", "add", "--first-name", "Ann",
                     "--job-title", "Rep").stdout.strip()
    clocks.cli("ann", "contact", "edit", rid, "--job-title", "Phone value")
    clocks.cli("ann", "sync")  # its first contact: the edits are re-stamped, then sent
    clocks.cli("bob", "sync")
    (record,) = clocks.json("bob", "contact", "show", rid)
    # The relay took them, stamped with the time they were really made, in their order.
    assert (record["first_name"], record["job_title"]) == ("Ann", "Phone value")
    assert abs(_iso_s(record["updated_at"]) - time.time()) < 60
    clocks.move_on(2)
    clocks.cli("bob", "contact", "edit", rid, "--job-title", "Office value")
    for name in ("bob", "ann"):
        clocks.cli(name, "sync")
    assert title_everywhere(clocks, rid) == {"ann": ("Office value", []),
                                             "bob": ("Office value", [])}
    (record,) = clocks.json("ann", "contact", "show", rid)
    assert record["updated_by"] != "ann" and abs(_iso_s(record["updated_at"]) - time.time()) < 60


def test_a_year_behind_device_edits_are_accepted_with_their_real_time(clocks: Clocks) -> None:
    clocks.skew["ann"] = -YEAR_S
    rid = clocks.cli("bob", "contact", "add", "--first-name", "Ann",
                     "--job-title", "Rep").stdout.strip()
    clocks.cli("bob", "sync")
    clocks.cli("ann", "sync")
    clocks.move_on(2)
    clocks.cli("bob", "contact", "edit", rid, "--job-title", "Office value")
    clocks.move_on(2)
    clocks.cli("ann", "contact", "edit", rid, "--job-title", "Phone value")  # the later one
    for name in ("ann", "bob", "ann"):
        clocks.cli(name, "sync")
    assert title_everywhere(clocks, rid) == {"ann": ("Phone value", ["Office value"]),
                                             "bob": ("Phone value", ["Office value"])}
    (record,) = clocks.json("bob", "contact", "show", rid)
    edited = record["updated_at"]
    assert abs(_iso_s(edited) - time.time()) < 600  # its real time, not a year ago


def _iso_s(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
