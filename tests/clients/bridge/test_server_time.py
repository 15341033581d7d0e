"""Activity times in the Act! server's local time zone (clients/bridge/server_time.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients.bridge.runner import BridgeConfig, init_bridge
from clients.bridge.server_time import from_server, server_zone, to_server
from engine.errors import ValidationError
from tests.clients.bridge.helpers import device_creates, world

BERLIN = server_zone("Europe/Berlin")
NEW_YORK = server_zone("America/New_York")


@pytest.mark.parametrize(("zone", "act", "utc"), [
    (BERLIN, "2026-12-04T10:00:00", "2026-12-04T09:00:00.000Z"),  # CET, +1
    (BERLIN, "2026-07-01T10:00:00", "2026-07-01T08:00:00.000Z"),  # CEST, +2
    (BERLIN, "2026-03-29T03:30:00", "2026-03-29T01:30:00.000Z"),  # the day clocks change
    (NEW_YORK, "2026-11-01T00:30:00", "2026-11-01T04:30:00.000Z"),  # EDT, -4
    (NEW_YORK, "2026-11-01T12:00:00", "2026-11-01T17:00:00.000Z"),  # EST, -5
])
def test_server_local_times_convert_both_ways(zone: object, act: str, utc: str) -> None:
    fields = {"start_time": act, "end_time": act, "subject": "Demo"}
    taken = from_server("activity", fields, zone)  # type: ignore[arg-type]
    assert taken == {"start_time": utc, "end_time": utc, "subject": "Demo"}
    assert to_server("activity", taken, zone) == fields  # type: ignore[arg-type]
    # An offset Act! attaches to a server-local time is not believed: the digits are local.
    assert from_server("activity", {"start_time": act + ".000Z"}, zone)[  # type: ignore[arg-type]
        "start_time"] == utc


def test_without_a_zone_and_outside_activities_nothing_changes() -> None:
    fields = {"start_time": "2026-12-04T10:00:00", "subject": "Demo"}
    assert from_server("activity", fields, None) == fields
    assert to_server("activity", fields, None) == fields
    assert from_server("history", fields, BERLIN) == fields
    assert from_server("activity", {"start_time": "soon"}, BERLIN) == {"start_time": "soon"}


def test_an_unknown_zone_is_refused_and_no_bridge_home_is_made(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a time zone"):
        server_zone("Mars/Olympus")
    config = BridgeConfig(act_url="http://127.0.0.1:9", database="d", user="u",
                          act_time_zone="Mars/Olympus")
    with pytest.raises(ValidationError, match="not a time zone"):
        init_bridge(tmp_path / "bridge", config, relay="ws://127.0.0.1:9", space="acme",
                    token="t")
    assert not (tmp_path / "bridge").exists()


def test_a_device_activity_reaches_act_in_server_time_and_comes_back_unchanged(
        tmp_path: Path) -> None:
    with world(tmp_path, act_time_zone="Europe/Berlin") as w:
        contact = device_creates(w, {"first_name": "Jürgen", "last_name": "Müller"})
        with w.edits("ann") as ann:
            activity = ann.create("activity", {"subject": "Demo", "contact_ids": [contact],
                                               "start_time": "2026-12-04T09:00:00Z",
                                               "end_time": "2026-12-04T10:00:00Z"})
        assert w.once().problems == []
        [held] = [r for r in w.act_records("activity") if r["subject"] == "Demo"]
        assert held["startTime"].startswith("2026-12-04T10:00:00")  # Berlin's wall clock
        assert held["endTime"].startswith("2026-12-04T11:00:00")
        assert w.once().problems == []  # read back: the same instant, nothing to change
        with w.device("bob") as bob:
            record = bob.replica.get("activity", activity)
            assert (record["start_time"], record["end_time"]) == (
                "2026-12-04T09:00:00.000Z", "2026-12-04T10:00:00.000Z")
            assert bob.replica.conflicts("activity") == []
        # Act! moves it to a summer day, later than the device's edit: 15:00 in Berlin is
        # 13:00 UTC.
        w.clock.now += 600
        act_id = held["id"]
        w.client().patch("tasks", act_id, {"startTime": "2026-07-01T15:00:00",
                                           "endTime": "2026-07-01T16:00:00"})
        assert w.once().problems == []
        with w.device("bob") as bob:
            record = bob.replica.get("activity", activity)
            assert record["start_time"] == "2026-07-01T13:00:00.000Z"
