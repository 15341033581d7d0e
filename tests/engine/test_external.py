"""Replica.write_external: edits made in Act! (read by the bridge) enter the space stamped
with Act!'s own edit time, and follow the same conflict rules as device edits."""

from __future__ import annotations

import pytest

from engine.clock import MAX_SKEW_MS, stamp_wall_ms
from engine.errors import ValidationError
from engine.replica import Replica
from engine.store import MemoryStore
from tests.engine.helpers import Clock

T = 1_795_000_000_000  # ms
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def pair() -> tuple[Replica, Replica]:
    bridge = Replica(MemoryStore(), clock=Clock(T), replica_id="bridge")
    phone = Replica(MemoryStore(), clock=Clock(T), replica_id="phone")
    return bridge, phone


def sync(a: Replica, b: Replica) -> None:
    for src, dst in ((a, b), (b, a)):
        dst.apply_remote([u for _, u in src.outbox()])


def phone_edits_an_act_title() -> tuple[Replica, Replica]:
    """Act! sets the title "Buyer" (at T - 10 s); the phone then sets "CFO" (about T)."""
    bridge, phone = pair()
    bridge.write_external("contact", GUID, {"job_title": "Buyer"}, edited_ms=T - 10_000,
                          writer="act")
    sync(bridge, phone)
    phone.update("contact", GUID, {"job_title": "CFO"})
    sync(bridge, phone)
    return bridge, phone


def test_a_new_act_record_keeps_its_guid_and_act_edit_time() -> None:
    bridge, phone = pair()
    written = bridge.write_external("contact", GUID, {"first_name": "Ann", "email": "A@X.example"},
                                    edited_ms=T - 60_000, writer="act")
    assert written == ["email", "first_name"]
    sync(bridge, phone)
    got = phone.get("contact", GUID)
    assert (got["first_name"], got["email"], got["updated_by"]) == ("Ann", "a@x.example", "act")
    assert got["updated_at"] == "2026-11-18T11:05:40.000Z"


def test_the_same_values_again_write_nothing() -> None:
    bridge, _ = pair()
    bridge.write_external("contact", GUID, {"first_name": "Ann"}, edited_ms=T, writer="act")
    outbox = len(bridge.outbox())
    assert bridge.write_external("contact", GUID, {"first_name": "Ann"}, edited_ms=T + 5,
                                 writer="act") == []
    assert len(bridge.outbox()) == outbox


def test_a_later_act_edit_replaces_the_earlier_one_without_a_conflict() -> None:
    bridge, _ = pair()
    bridge.write_external("contact", GUID, {"job_title": "Buyer"}, edited_ms=T, writer="act")
    bridge.write_external("contact", GUID, {"job_title": "Head buyer"}, edited_ms=T + 1000,
                          writer="act")
    assert bridge.get("contact", GUID)["job_title"] == "Head buyer"
    assert bridge.conflicts() == []


def test_a_newer_device_edit_wins_and_the_act_value_is_listed() -> None:
    bridge, phone = phone_edits_an_act_title()
    bridge.write_external("contact", GUID, {"job_title": "Chief buyer"}, edited_ms=T - 5_000,
                          writer="act")  # made in Act! before the phone's edit
    sync(bridge, phone)
    for replica in (bridge, phone):
        assert replica.get("contact", GUID)["job_title"] == "CFO"
        assert [(c["value"], c["replica"]) for c in replica.conflicts()] == [
            ("Chief buyer", "act")]


def test_a_newer_act_edit_wins_and_an_unseen_device_value_is_listed() -> None:
    bridge, phone = phone_edits_an_act_title()
    bridge.write_external("contact", GUID, {"job_title": "CEO"}, edited_ms=T + 60_000,
                          writer="act")
    sync(bridge, phone)
    for replica in (bridge, phone):
        assert replica.get("contact", GUID)["job_title"] == "CEO"
        assert [c["value"] for c in replica.conflicts()] == ["CFO"]  # typed, never lost


def test_a_device_value_act_has_seen_is_replaced_without_a_conflict() -> None:
    bridge, phone = phone_edits_an_act_title()
    # The bridge pushed "CFO" to Act!; someone then changed it there.
    bridge.write_external("contact", GUID, {"job_title": "CEO"}, edited_ms=T + 60_000,
                          writer="act", seen={"job_title": "CFO"})
    sync(bridge, phone)
    assert phone.get("contact", GUID)["job_title"] == "CEO" and phone.conflicts() == []


def test_an_act_edit_keeps_a_record_deleted_on_a_device_alive() -> None:
    bridge, phone = pair()
    bridge.write_external("contact", GUID, {"first_name": "Ann"}, edited_ms=T - 10_000,
                          writer="act")
    sync(bridge, phone)
    phone.delete("contact", GUID)
    bridge.write_external("contact", GUID, {"company": "Acme"}, edited_ms=T + 1, writer="act")
    sync(bridge, phone)
    for replica in (bridge, phone):
        assert replica.get("contact", GUID)["company"] == "Acme"
        assert [c["field"] for c in replica.conflicts()] == ["_deleted"]


def test_a_later_local_edit_replaces_an_act_edit_from_the_future_without_following_its_clock(
        ) -> None:
    bridge, _ = pair()
    future = T + 3_600_000  # Act!'s server clock runs an hour ahead
    bridge.write_external("contact", GUID, {"first_name": "Ann"}, edited_ms=future, writer="act")
    bridge.update("contact", GUID, {"first_name": "Anna"})
    got = bridge.get("contact", GUID)
    assert got["first_name"] == "Anna" and got["updated_by"] == "bridge"
    # Bounded drift: the clock follows the future stamp only up to the allowed skew.
    assert T < stamp_wall_ms(bridge.clock.last) <= T + MAX_SKEW_MS + 10


def test_notes_text_and_links_come_from_act_too() -> None:
    bridge, phone = pair()
    bridge.write_external("note", "n-1", {"text": "Called about the order", "contact_ids": [GUID]},
                          edited_ms=T, writer="act")
    assert bridge.write_external("note", "n-1", {"text": "Called about the big order"},
                                 edited_ms=T + 10, writer="act") == ["text"]
    sync(bridge, phone)
    assert phone.get("note", "n-1")["text"] == "Called about the big order"
    assert [n["id"] for n in phone.list("note", linked_to=GUID)] == ["n-1"]


@pytest.mark.parametrize("case", ["bad value", "bad writer", "bad id"])
def test_bad_input_writes_nothing(case: str) -> None:
    bridge, _ = pair()
    fields, writer, rid = {"email": "ann@x.example"}, "act", GUID
    if case == "bad value":
        fields = {"email": "not an address"}
    elif case == "bad writer":
        writer = "act|web"  # "|" separates the parts of an entry key
    else:
        rid = "bad id with spaces"
    with pytest.raises(ValidationError):
        bridge.write_external("contact", rid, fields, edited_ms=T, writer=writer)
    assert bridge.outbox() == [] and bridge.list(include_deleted=True) == []
