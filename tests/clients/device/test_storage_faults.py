"""A device on a full disk: an edit fails with a clear message and changes nothing; a sync
stops cleanly, keeps what was committed, and finishes once there is room again.

The disk is real: a small tmpfs (mounting needs root, as CI runs; elsewhere skipped).
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.conftest import Space, run
from tests.disks import small_tmpfs


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs."""
    with small_tmpfs(tmp_path / "disk", 8) as mount:
        yield mount


def fill(disk: Path) -> Path:
    """Take every free byte of ``disk``; return the file to delete to free them again."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def names(home: Path) -> list[str]:
    listed = run("contact", "list", "--json", "--home", str(home)).stdout
    return sorted(c["first_name"] for c in json.loads(listed))


def test_an_edit_on_a_full_disk_fails_clearly_and_changes_nothing(
        small_disk: Path, space: Space) -> None:
    home = small_disk / "home"
    run("device", "init", "--home", str(home), "--relay", "ws://127.0.0.1:9", "--space",
        "acme", "--token", "t", "--name", "full", "--no-auto-sync")
    run("contact", "add", "--home", str(home), "--first-name", "Ann")
    filler = fill(small_disk)
    failed = run("contact", "add", "--home", str(home), "--first-name", "Bob",
                 "--set", f"notes={'x' * 3000}", check=False)
    assert failed.returncode == 1
    assert "disk" in failed.stderr and "room" in failed.stderr, failed.stderr
    assert "not a usable" not in failed.stderr  # a full disk is not a damaged file
    filler.unlink()
    assert names(home) == ["Ann"]
    run("contact", "add", "--home", str(home), "--first-name", "Cleo")
    assert names(home) == ["Ann", "Cleo"]


def test_a_sync_on_a_full_disk_stops_cleanly_and_resumes(small_disk: Path,
                                                         space: Space) -> None:
    source = space.homes["ann"]
    contacts = [{"first_name": f"P{n}", "custom": {"notes": f"{'z' * 2000} {n}"}}
                for n in range(300)]
    (source.parent / "many.json").write_text(json.dumps(contacts))
    space.cli("ann", "import", str(source.parent / "many.json"))
    space.cli("ann", "sync")
    token = run("relay", "token", "issue", "acme", "--device", "bob2", "--data",
                str(space.data)).stdout.split()[-1]
    home = small_disk / "bob"
    run("device", "init", "--home", str(home), "--relay", space.url, "--space", "acme",
        "--token", token, "--name", "bob2", "--no-auto-sync")
    # ~1 MB is left for a first sync that needs ~3 MB (the state, its rows, the WAL).
    taken = small_disk / "taken"
    taken.write_bytes(b"\0" * (7 * 1024 * 1024))
    failed = run("sync", "--home", str(home), check=False)
    assert failed.returncode == 1
    assert "disk" in failed.stderr and "full" in failed.stderr, failed.stderr
    # The cursor stayed (the full disk refused even the note of the error: it stays unset).
    assert json.loads(run("status", "--home", str(home), "--json").stdout)["cursor"] == 0
    assert names(home) == []  # nothing half-applied
    taken.unlink()
    run("sync", "--home", str(home))
    assert names(home) == sorted(f"P{n}" for n in range(300))
