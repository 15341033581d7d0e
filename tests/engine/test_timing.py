"""engine/timing.py: the offset to the relay's time, re-stamping unacknowledged edits, the
bounded drift of the hybrid clock, and outside writers' clocks (no event loop, no relay)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from engine.clock import MAX_SKEW_MS, stamp_wall_ms
from engine.errors import StoreError
from engine.registers import DELETED
from engine.replica import Replica
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore
from engine.timing import OFFSET_TOLERANCE_MS
from engine.updates import live_entries, merge, newest_live_stamp

NOW = 1_795_000_000_000
YEAR = 365 * 86_400_000


class Wall:
    """A device's wall clock: the true time (``true``) plus ``skew``; 1 ms on per reading."""

    def __init__(self, skew: int = 0) -> None:
        self.true = NOW
        self.skew = skew

    def __call__(self) -> int:
        self.true += 1
        return self.true + self.skew


def sync(a: Replica, b: Replica) -> None:
    """The issue's exchange: each gets what it lacks from the other (state-vector diffs)."""
    b.apply_remote([a.diff(b.state_vector())])
    a.apply_remote([b.diff(a.state_vector())])


def stamps(replica: Replica) -> list[int]:
    """Wall times (ms) of the live entries of the replica's unacknowledged edits."""
    update = merge([u for _, u in replica.outbox()])
    return sorted(stamp_wall_ms(s) for _, s in live_entries(update))


def edited_ms(replica: Replica, record_id: str) -> int:
    """When the record was last edited, as its ``updated_at`` says (ms)."""
    text = replica.get("contact", record_id)["updated_at"]
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def test_the_issue_example_ends_with_the_act_value_everywhere() -> None:
    """The issue's script, with each replica meeting the relay's time as it syncs."""
    true = Wall()
    phone = Replica(MemoryStore(), clock=lambda: true() + YEAR, replica_id="phone")
    office = Replica(MemoryStore(), clock=lambda: true() + 1000, replica_id="office")
    bridge = Replica(MemoryStore(), clock=lambda: true() + 2000, replica_id="bridge")
    relay = true  # the relay's clock is the true one

    def relay_sync(a: Replica, b: Replica) -> None:
        a.meet_time(relay.true)
        b.meet_time(relay.true)
        sync(a, b)

    c = office.create("contact", {"first_name": "Ann", "job_title": "Rep"})
    relay_sync(office, phone)
    relay_sync(office, bridge)
    phone.update("contact", c, {"job_title": "Phone value"})
    relay_sync(phone, office)
    relay_sync(office, bridge)
    true.true += 60_000  # a minute later, in true time, the office edits in Act!
    bridge.write_external("contact", c, {"job_title": "Act! value"},
                          edited_ms=true.true, writer="act")
    relay_sync(bridge, office)
    relay_sync(office, phone)
    assert [r.get("contact", c)["job_title"] for r in (office, phone, bridge)] == \
        ["Act! value"] * 3
    assert [x["value"] for x in bridge.conflicts()] == ["Phone value"]
    for replica in (office, phone, bridge):  # nobody's clock was dragged a year ahead
        assert stamp_wall_ms(replica.clock.last) < true.true + MAX_SKEW_MS


def test_a_future_stamp_does_not_drag_the_clock_past_the_allowed_skew() -> None:
    phone = Replica(MemoryStore(), clock=Wall(YEAR), replica_id="phone")
    office = Replica(MemoryStore(), clock=Wall(), replica_id="office")
    c = phone.create("contact", {"first_name": "Ann"})
    office.apply_remote([u for _, u in phone.outbox()])
    assert stamp_wall_ms(office.clock.last) <= NOW + MAX_SKEW_MS + 10
    office.update("contact", c, {"job_title": "Buyer"})  # another field: no conflict
    (entry, ahead), = office.entries_ahead("contact", c)
    assert entry.field == "first_name" and entry.replica == "phone" and ahead > YEAR - 1000
    assert stamp_wall_ms(office.clock.last) <= NOW + MAX_SKEW_MS + 10


def test_first_meeting_restamps_unacknowledged_edits_in_their_order() -> None:
    wall = Wall(YEAR)
    phone = Replica(MemoryStore(), clock=wall, replica_id="phone")
    c = phone.create("contact", {"first_name": "Ann", "job_title": "Rep"})
    wall.true += 5_000
    phone.update("contact", c, {"job_title": "Buyer"})
    wall.true += 5_000
    phone.update("contact", c, {"email": "ann@x.example"})
    before = stamps(phone)
    assert phone.meet_time(wall.true) is True
    after = stamps(phone)
    shift = after[0] - before[0]
    assert abs(shift + YEAR) <= 5
    assert after == [s + shift for s in before]  # one shift: order and gaps kept
    assert phone.time_offset == shift and phone.restamped
    got = phone.get("contact", c)
    assert (got["job_title"], got["email"], got["first_name"]) == ("Buyer", "ann@x.example", "Ann")
    assert phone.conflicts() == []
    assert stamp_wall_ms(phone.clock.last) == max(after)  # the clock came back
    phone.update("contact", c, {"job_title": "CFO"})  # and later edits follow on
    assert stamp_wall_ms(phone.clock.last) < NOW + 20_000


def test_only_the_relays_view_is_restamped_not_acknowledged_edits() -> None:
    wall = Wall(YEAR)
    phone = Replica(MemoryStore(), clock=wall, replica_id="phone")
    c = phone.create("contact", {"first_name": "Ann"})
    phone.acknowledge(phone.last_seq)  # the relay holds it (say it was stamped right)
    phone.update("contact", c, {"job_title": "Buyer"})
    phone.meet_time(wall.true)
    (entry,) = [e for es in phone._grouped("contact", c, phone._container("contact", c))
                .values() for e in es if e.field == "first_name"]
    assert stamp_wall_ms(entry.stamp) > NOW + YEAR - 1000  # acknowledged: left as it was
    assert stamps(phone)[-1] < NOW + 1000  # the edit still waiting: re-stamped


def test_an_offset_within_the_tolerance_changes_nothing() -> None:
    wall = Wall(0)
    phone = Replica(MemoryStore(), clock=wall, replica_id="phone")
    assert phone.meet_time(wall.true) is False
    assert phone.time_offset is not None and abs(phone.time_offset) <= 2
    phone.create("contact", {"first_name": "Ann"})
    before = stamps(phone)
    assert phone.meet_time(wall.true + OFFSET_TOLERANCE_MS - 10) is False
    assert stamps(phone) == before and not phone.restamped


def test_a_changed_offset_restamps_by_the_change_only() -> None:
    wall = Wall(0)
    phone = Replica(MemoryStore(), clock=wall, replica_id="phone")
    phone.meet_time(wall.true)
    wall.skew = 3_600_000  # set an hour ahead by hand while offline
    phone.create("contact", {"first_name": "Ann"})
    (made,) = stamps(phone)
    assert made > NOW + 3_600_000 - 10
    assert phone.meet_time(wall.true) is True
    (now,) = stamps(phone)
    assert abs(now - (made - 3_600_000)) <= 5


def test_a_restamped_delete_still_covers_what_it_saw() -> None:
    wall = Wall(YEAR)
    phone = Replica(MemoryStore(), clock=wall, replica_id="phone")
    c = phone.create("contact", {"first_name": "Ann"})
    phone.update("contact", c, {"job_title": "Buyer"})
    phone.delete("contact", c)
    phone.meet_time(wall.true)
    assert phone.get("contact", c, include_deleted=True)["deleted"] is True
    assert phone.conflicts() == []
    office = Replica(MemoryStore(), clock=Wall(), replica_id="office")
    office.apply_remote([u for _, u in phone.outbox()])
    assert office.get("contact", c, include_deleted=True)["deleted"] is True
    assert [x for x in office.conflicts() if x["field"] == DELETED] == []


def test_the_outbox_merged_shows_only_the_new_stamps_and_builds_the_same_record() -> None:
    wall = Wall(YEAR)
    phone = Replica(MemoryStore(), clock=wall, replica_id="phone")
    c = phone.create("contact", {"first_name": "Ann", "job_title": "Rep"})
    first = [u for _, u in phone.outbox()]
    assert stamp_wall_ms(newest_live_stamp(first[0]) or 0) > NOW + YEAR - 1000
    phone.meet_time(wall.true)
    merged = merge([u for _, u in phone.outbox()])
    assert stamp_wall_ms(newest_live_stamp(merged) or 0) < NOW + 1000
    office = Replica(MemoryStore(), clock=Wall(), replica_id="office")
    office.apply_remote([merged])
    assert office.get("contact", c)["job_title"] == "Rep"
    assert office.entries_ahead("contact", c) == []


def test_the_offset_and_the_restamp_are_one_commit_and_never_applied_twice(
        tmp_path: Path) -> None:
    wall = Wall(YEAR)
    path = tmp_path / "phone.sqlite"
    phone = Replica(SqliteStore(path), clock=wall, replica_id="phone")
    c = phone.create("contact", {"first_name": "Ann"})
    phone.meet_time(wall.true)
    once = stamps(phone)
    phone.close()
    phone = Replica(SqliteStore(path), clock=wall, replica_id="phone")
    assert phone.time_offset is not None and abs(phone.time_offset + YEAR) < 10
    assert phone.restamped and stamps(phone) == once
    assert phone.meet_time(wall.true) is False  # the same offset again: no second shift
    assert stamps(phone) == once
    assert stamp_wall_ms(phone.clock.last) < NOW + 1000
    phone.acknowledge(phone.last_seq)
    assert not phone.restamped
    assert phone.get("contact", c)["first_name"] == "Ann"
    phone.close()


def test_a_failed_commit_keeps_the_old_offset_and_stamps(
        monkeypatch: pytest.MonkeyPatch) -> None:
    wall = Wall(YEAR)
    store = MemoryStore()
    phone = Replica(store, clock=wall, replica_id="phone")
    phone.create("contact", {"first_name": "Ann"})
    before = stamps(phone)

    def broken(*_: object) -> list[int]:
        raise StoreError("disk full")

    monkeypatch.setattr(store, "commit", broken)
    with pytest.raises(StoreError):
        phone.meet_time(wall.true)
    monkeypatch.undo()
    assert phone.time_offset is None and not phone.restamped
    assert stamps(phone) == before
    assert phone.meet_time(wall.true) is True  # and it is done once the store works


def test_an_outside_writers_stamps_are_corrected_by_its_measured_offset() -> None:
    bridge = Replica(MemoryStore(), clock=Wall(), replica_id="bridge")
    bridge.set_writer_offset("act", -3_600_000)  # Act!'s server clock: an hour behind
    c = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    bridge.write_external("contact", c, {"first_name": "Ann"}, edited_ms=NOW - 3_600_000 + 5,
                          writer="act")
    assert abs(edited_ms(bridge, c) - NOW) < 50  # on the relay's time
    bridge.set_writer_offset("act", -3_600_000 + OFFSET_TOLERANCE_MS // 2)  # noise: ignored
    assert bridge.writer_offset("act") == -3_600_000


def test_an_outside_edit_is_never_stamped_later_than_now() -> None:
    bridge = Replica(MemoryStore(), clock=Wall(), replica_id="bridge")
    c = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    bridge.write_external("contact", c, {"first_name": "Ann"}, edited_ms=NOW + YEAR,
                          writer="act")
    assert bridge.entries_ahead("contact", c) == []
    assert stamp_wall_ms(bridge.clock.last) <= NOW + 10
