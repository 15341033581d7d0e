"""Three device homes and a real relay process, driven through the command line."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.clients.conftest import TIMEOUT, Space, run


def _strip(records: list[dict[str, object]]) -> list[dict[str, object]]:
    return sorted(records, key=lambda r: str(r["id"]))


@pytest.mark.parametrize("order", [("ann", "bob", "cat"), ("cat", "ann", "bob")])
def test_offline_edits_everywhere_converge_in_any_sync_order(space: Space,
                                                             order: tuple[str, ...]) -> None:
    ids = {}
    for name in ("ann", "bob", "cat"):
        ids[name] = space.cli(name, "contact", "add", "--first-name", name.title(),
                              "--company", "Acme").stdout.strip()
    for name in order:
        space.cli(name, "sync")
    for name in order:
        space.cli(name, "sync")
    # Now each edits a different field of every contact, offline.
    for name, field in (("ann", "--job-title"), ("bob", "--department"), ("cat", "--website")):
        for rid in ids.values():
            space.cli(name, "contact", "edit", rid, field, f"{name}-value")
    for name in order:
        space.cli(name, "sync")
    for name in order:
        space.cli(name, "sync")
    views = [_strip(space.contacts(name)) for name in ("ann", "bob", "cat")]
    assert views[0] == views[1] == views[2]
    assert len(views[0]) == 3
    for record in views[0]:
        assert record["job_title"] == "ann-value"
        assert record["department"] == "bob-value"
        assert record["website"] == "cat-value"


def test_same_field_conflict_is_visible_everywhere_and_resolvable_from_any(space: Space) -> None:
    rid = space.cli("ann", "contact", "add", "--first-name", "Dee").stdout.strip()
    space.cli("ann", "sync")
    for name in ("bob", "cat"):
        space.cli(name, "sync")
    for name in ("ann", "bob", "cat"):
        space.cli(name, "contact", "edit", rid, "--email", f"{name}@dee.example")
    for _, name in itertools.product(range(2), ("ann", "bob", "cat")):
        space.cli(name, "sync")
    lists = [space.json(name, "conflicts", "list") for name in ("ann", "bob", "cat")]
    assert lists[0] == lists[1] == lists[2]
    assert len(lists[0]) == 2  # the newest e-mail is current, the two others are listed
    current = {space.json(name, "contact", "show", rid)[0]["email"] for name in ("ann", "bob")}
    assert len(current) == 1
    space.cli("cat", "conflicts", "resolve", "contact", rid, "email", "dee@dee.example")
    for name in ("cat", "ann", "bob"):
        space.cli(name, "sync")
    for name in ("ann", "bob", "cat"):
        assert space.json(name, "conflicts", "list") == []
        assert space.json(name, "contact", "show", rid)[0]["email"] == "dee@dee.example"


_SYNC_AND_REPORT = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from clients.device.home import Device
    from clients.device.connection import sync_once
    from engine.session import Acknowledged

    device = Device(Path(sys.argv[1]))
    orig = device.replica.acknowledge
    def acknowledge(seq):
        count = orig(seq)
        print("acked", seq, flush=True)
        sys.stdin.readline()  # wait here, right after the first ack, for the parent's kill
        return count
    device.replica.acknowledge = acknowledge
    asyncio.run(sync_once(device.replica, device.config.relay, device.config.space,
                          device.config.token, cursor=device.cursor))
""")


def test_a_device_killed_mid_sync_resumes_and_converges(space: Space, tmp_path: Path) -> None:
    for n in range(3):
        space.cli("ann", "contact", "add", "--first-name", f"N{n}")
    # Many edits so the sync takes several acknowledged batches.
    script = tmp_path / "sync_and_report.py"
    script.write_text(_SYNC_AND_REPORT)
    bulk = tmp_path / "bulk.py"
    bulk.write_text(textwrap.dedent("""
        import sys
        from pathlib import Path
        from clients.device.home import Device
        with Device(Path(sys.argv[1])) as d:
            for n in range(600):
                d.replica.create("contact", {"first_name": f"Bulk{n}"})
    """))
    subprocess.run([sys.executable, str(bulk), str(space.homes["ann"])], check=True,
                   timeout=120)
    proc = subprocess.Popen([sys.executable, str(script), str(space.homes["ann"])],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("acked"), line
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=TIMEOUT)
    proc.stdout.close()
    assert proc.stdin is not None
    proc.stdin.close()
    waiting = space.json("ann", "status")["waiting_edits"]
    assert waiting > 0  # killed before everything was acknowledged
    space.cli("ann", "sync")
    assert space.json("ann", "status")["waiting_edits"] == 0
    space.cli("bob", "sync")
    assert _strip(space.contacts("bob")) == _strip(space.contacts("ann"))
    assert len(space.contacts("bob")) == 603


def test_a_revoked_device_is_told_plainly_and_keeps_its_data(space: Space) -> None:
    rid = space.cli("bob", "contact", "add", "--first-name", "Kept").stdout.strip()
    run("relay", "token", "revoke", space.token_ids["bob"], "--data", str(space.data))
    done = space.cli("bob", "sync", check=False)
    assert done.returncode == 1
    assert "revoked" in done.stderr and "4401" in done.stderr
    assert "kept locally" in done.stderr
    assert space.json("bob", "contact", "show", rid)[0]["first_name"] == "Kept"
    assert space.json("bob", "status")["waiting_edits"] == 1


def test_sync_reports_an_unreachable_relay(space: Space) -> None:
    space.relay.send_signal(signal.SIGTERM)
    space.relay.wait(timeout=TIMEOUT)
    done = space.cli("ann", "sync", check=False)
    assert done.returncode == 1
    assert "cannot reach the relay" in done.stderr


def _wait_line(proc: subprocess.Popen[str], needle: str, timeout: float = TIMEOUT) -> str:
    """Read the process's stderr until a line contains ``needle`` (bounded by ``timeout``).

    Reads the raw pipe (not the buffered text wrapper) so no line hides in a buffer.
    """
    import os
    import selectors
    import time

    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    pending = _partial.setdefault(proc.pid, b"")
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            *lines, pending = pending.split(b"\n")
            for number, line in enumerate(lines):
                if needle.encode() in line:
                    _partial[proc.pid] = b"\n".join([*lines[number + 1:], pending])
                    return line.decode()
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(timeout=left):
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            pending += chunk
    _partial[proc.pid] = pending
    raise AssertionError(f"no line with {needle!r} within {timeout} s")


_partial: dict[int, bytes] = {}


def test_watching_devices_survive_a_relay_restart_and_converge(space: Space) -> None:
    from tests.clients.conftest import HANDSYNC, start_relay

    watchers = {
        name: subprocess.Popen([HANDSYNC, "sync", "--watch", "--home", str(space.homes[name])],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        for name in ("ann", "bob")
    }
    try:
        for proc in watchers.values():
            _wait_line(proc, "in sync")
        space.relay.send_signal(signal.SIGTERM)
        space.relay.wait(timeout=TIMEOUT)
        for proc in watchers.values():
            _wait_line(proc, "retrying")
        space.relay, _ = start_relay(space.data, space.port)
        # An edit made while ann's watch runs: the command takes the home, the watch pushes it.
        rid = space.cli("ann", "contact", "add", "--first-name", "Live").stdout.strip()
        _wait_line(watchers["bob"], "record(s) changed")
    finally:
        for proc in watchers.values():
            proc.send_signal(signal.SIGTERM)
        for proc in watchers.values():
            proc.wait(timeout=TIMEOUT)
            if proc.stderr is not None:
                proc.stderr.close()
    assert all(proc.returncode == 0 for proc in watchers.values())
    assert space.json("bob", "contact", "show", rid)[0]["first_name"] == "Live"
    assert _strip(space.contacts("bob")) == _strip(space.contacts("ann"))
