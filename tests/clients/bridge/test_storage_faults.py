"""A bridge pass on a full disk stops with a clear error, keeps what it committed, and
finishes once there is room, without duplicating anything in the space or in Act!.

The disk is real: a small tmpfs for the bridge home (mounting needs root, as CI runs;
elsewhere the test is skipped)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from clients.device.home import Device
from engine.errors import StoreError
from tests.clients.bridge.helpers import public, world
from tests.disks import small_tmpfs


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MB tmpfs for the bridge home."""
    with small_tmpfs(tmp_path / "disk", 32) as mount:
        yield mount


def test_a_pass_on_a_full_disk_stops_cleanly_and_the_next_one_finishes(
        tmp_path: Path, small_disk: Path) -> None:
    with world(tmp_path / "world", seed_contacts=300, page_size=100) as w:
        moved = small_disk / "bridge"
        shutil.move(str(w.bridge_home), moved)
        w.bridge_home = moved
        before = {kind: len(w.act_records(kind)) for kind in ("contact", "note")}
        taken = small_disk / "taken"
        taken.write_bytes(b"\0" * (30 * 1024 * 1024))  # 2 MB left: too little for the mirror
        with pytest.raises(StoreError, match="full"):
            w.once()
        with Device(w.bridge_home) as bridge_device:
            kept = len(bridge_device.replica.list("contact"))
        total = len(public(w, "contact"))
        assert 0 < kept < total  # the pages committed before the disk filled stay
        taken.unlink()
        tally = w.once()
        assert tally.pulled["contact created"] == total - kept  # on from where it stopped
        assert {kind: len(w.act_records(kind)) for kind in ("contact", "note")} == before
        with w.device("ann") as ann:
            assert {r["id"] for r in ann.replica.list("contact")} == set(public(w, "contact"))
            assert len(ann.replica.list("note")) == len(public(w, "note"))
