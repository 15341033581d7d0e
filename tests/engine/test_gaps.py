"""Tests of engine/gaps.py through the public API: out-of-order, missing and bad updates.

pycrdt 0.14 leaves updates applied out of causal order pending forever in some
cases (engine/gaps.py describes it). These tests show the defect on a raw
pycrdt Doc with the very bytes a replica sends, and show that a Replica given
the same bytes in the same order still converges.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text, merge_updates

from engine.codec import decode_state_vector
from engine.errors import ProtocolError, RecordNotFoundError
from engine.gaps import GapTracker, checked_merge, left_waiting
from engine.replica import Replica
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore
from tests.engine.helpers import make


def take_outbox(replica: Replica) -> list[bytes]:
    """Return the replica's unacknowledged updates one by one, and acknowledge them."""
    updates = [update for _, update in replica.outbox()]
    replica.acknowledge(replica.last_seq)
    return updates


TEXTS = ["hello", "jello", "jelly", "belly"]


def note_edits(texts: list[str] = TEXTS) -> tuple[Replica, str, list[bytes], list[bytes]]:
    """Replica A creates a note and rewrites it once per text: (A, id, create, [edit...])."""
    a = make("a", 1)
    nid = a.create("note", {"text": texts[0]})
    created = take_outbox(a)
    edits = []
    for text in texts[1:]:
        a.update("note", nid, {"text": text})
        [update] = take_outbox(a)  # one local call, one update
        edits.append(update)
    return a, nid, created, edits


def test_raw_pycrdt_does_not_converge_on_reversed_updates() -> None:
    # The defect this module defends against, with a replica's own bytes.
    a, nid, created, edits = note_edits()
    raw: Doc[Any] = Doc(client_id=9)
    for update in created + edits[::-1]:
        raw.apply_update(update)
    text = str(raw.get("notes", type=Map)[nid]["_text"])
    assert a.get("note", nid)["text"] == "belly"
    assert text != "belly"
    # Detectable: the state vector stays behind what was received.
    assert raw.get_state() != a.state_vector()
    reference: Doc[Any] = Doc(client_id=8)
    reference.apply_update(merge_updates(*created, *edits))
    assert str(reference.get("notes", type=Map)[nid]["_text"]) == "belly"


def test_replica_converges_on_reversed_note_edits() -> None:
    a, nid, created, edits = note_edits()
    b = make("b", 2)
    b.apply_remote(created)
    results = [b.apply_remote([update]) for update in reversed(edits)]
    assert [r.missing for r in results] == [True] * (len(edits) - 1) + [False]
    assert not b.missing
    assert b.get("note", nid) == a.get("note", nid)
    assert b.state_vector() == a.state_vector()


def test_replica_converges_on_reversed_field_edits() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    created = take_outbox(a)
    edits = []
    for n in range(5):
        a.update("contact", rid, {"first_name": f"Ann {n}", "job_title": f"title {n % 2}"})
        edits.extend(take_outbox(a))
    b = make("b", 2)
    for update in [*reversed(edits), *created]:  # even the create comes last
        b.apply_remote([update])
    assert not b.missing
    assert b.get("contact", rid) == a.get("contact", rid)
    assert b.get("contact", rid)["first_name"] == "Ann 4"


def test_a_missing_middle_update_is_reported_until_it_arrives() -> None:
    a, nid, created, edits = note_edits(["hello", "jello", "jelly", "belly", "bells"])
    b = make("b", 2)
    b.apply_remote(created)
    first, middle, *later = edits
    assert not b.apply_remote([first]).missing  # in order so far
    for update in later:
        assert b.apply_remote([update]).missing
        assert b.missing
    assert b.get("note", nid)["text"] != a.get("note", nid)["text"]
    assert b.apply_remote([]).missing  # nothing new: still waiting
    result = b.apply_remote([middle])
    assert not result.missing and not b.missing
    assert result.records == 1
    assert b.get("note", nid) == a.get("note", nid)


def test_a_wait_for_a_missing_update_survives_restart_and_compaction(tmp_path: Path) -> None:
    a, nid, created, edits = note_edits(["hello", "jello", "jelly", "belly", "bells"])
    path = tmp_path / "b.db"
    b = make("b", 2, SqliteStore(path))
    b.apply_remote(created)
    for update in [edits[3], edits[2], edits[0]]:
        b.apply_remote([update])
    assert b.missing
    b.compact()
    b.close()
    b = make("b", 2, SqliteStore(path))
    assert b.missing
    assert not b.apply_remote([edits[1]]).missing
    assert b.get("note", nid) == a.get("note", nid)
    b.close()
    b = make("b", 2, SqliteStore(path))
    assert not b.missing
    assert b.get("note", nid) == a.get("note", nid)
    b.close()


def test_duplicates_change_nothing() -> None:
    a, nid, created, edits = note_edits()
    b = make("b", 2)
    everything = created + edits
    b.apply_remote(everything)
    b.apply_remote(everything[::-1])
    for update in everything:
        b.apply_remote([update, update])
    assert not b.missing
    assert b.get("note", nid) == a.get("note", nid)


@settings(max_examples=40)
@given(st.data())
def test_any_order_with_duplicates_converges(data: st.DataObject) -> None:
    a, nid, created, edits = note_edits(["hello", "jello", "jelly", "belly", "bells", "bell"])
    a.update("note", nid, {"is_private": True})
    edits.extend(take_outbox(a))
    everything = created + edits
    order = data.draw(st.permutations(everything))
    extra = data.draw(st.lists(st.sampled_from(everything), max_size=4))
    b = make("b", 2)
    for update in [*order, *extra]:
        b.apply_remote([update])
    assert not b.missing
    assert b.get("note", nid) == a.get("note", nid)


# ------------------------------------------------------------------ bad input


def snapshot_of(replica: Replica) -> tuple[Any, ...]:
    return (replica.store.stats(), replica.store.log(), replica.state_vector(), replica.diff(),
            replica.list("contact", include_deleted=True), replica.missing)


# merge_updates accepts these bytes (found by fuzzing a real update) and turns them into
# an update that apply_update cannot decode.
TRUNCATED = (b'\x01\x04\x01\x00\'\x01\x08contacts\x03a-1\x01!\x00\x01\x00\x14first_name|u3uhbsw|'
             b'a\x01(\x00\x01\x00\x13last_name|u3uhbsw|a\x01w\x03"B"\xa2\x00\x01\x00\x14first_'
             b'name|u3uiqdc|a\x01w\x03"X"\x01\x01\x01\x01\x01')


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00", b"\xff" * 10, random.Random(7).randbytes(64), b"hello world", TRUNCATED],
    ids=["empty", "zero", "ff", "random", "text", "truncated"],
)
def test_garbage_is_a_protocol_error_and_changes_nothing(garbage: bytes) -> None:
    a = make("a", 1)
    a.create("contact", {"first_name": "Ann"})
    b = make("b", 2)
    b.apply_remote([a.diff()])
    before = snapshot_of(b)
    with pytest.raises(ProtocolError) as info:
        b.apply_remote([garbage])
    assert info.value.code == 4400
    assert "not a valid Yjs update" in info.value.reason
    assert snapshot_of(b) == before


def test_the_truncated_update_gets_past_merge() -> None:
    # So the test above exercises the second line of defence, not only the first:
    # merge_updates re-encodes these bytes into an update that cannot be decoded.
    merged = merge_updates(TRUNCATED)
    with pytest.raises(ValueError, match="decode"):
        Doc().apply_update(merged)


def test_one_bad_update_among_good_ones_applies_none_of_them() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann"})
    good = take_outbox(a)
    b = make("b", 2)
    before = snapshot_of(b)
    with pytest.raises(ProtocolError, match="update 2 of 3"):
        b.apply_remote([*good, b"\x07garbage", *good])
    assert snapshot_of(b) == before
    b.apply_remote(good)
    assert b.get("contact", rid)["first_name"] == "Ann"


def test_checked_merge_names_the_bad_update() -> None:
    doc: Doc[Any] = Doc()
    doc["t"] = Text("x")
    good = doc.get_update()
    assert checked_merge([good]) == merge_updates(good)
    with pytest.raises(ProtocolError, match=r"update 3 of 3 \(4 bytes\)"):
        checked_merge([good, good, b"\x01\x02\x03\x04"])


def test_gap_tracker_holds_back_what_does_not_follow_on_and_releases_it_in_order() -> None:
    a, _, created, edits = note_edits()
    doc: Doc[Any] = Doc(client_id=5)
    doc.apply_update(merge_updates(*created))
    before = doc.get_update()
    tracker = GapTracker()
    assert not tracker.settle(doc, [edits[2]])  # waits for edits 0 and 1: not applied at all
    assert tracker.missing and tracker.waiting == [edits[2]]
    assert doc.get_update() == before
    assert tracker.snapshot_meta()["gap"] == "1"
    assert not tracker.settle(doc, [edits[1]]) and tracker.waiting == [edits[2], edits[1]]
    assert doc.get_update() == before
    assert tracker.settle(doc, [edits[0]])
    assert not tracker.missing and tracker.snapshot_meta() == {"gap": "0", "waiting": ""}
    assert doc.get_state() == a.state_vector()


def test_left_waiting_sees_what_pycrdt_did_not_integrate() -> None:
    _, _, created, edits = note_edits()
    doc: Doc[Any] = Doc(client_id=5)
    doc.apply_update(merge_updates(*created))
    doc.apply_update(edits[1])
    assert left_waiting(doc, edits[1])
    doc.apply_update(edits[0])
    assert not left_waiting(doc, edits[0])


def test_foreign_values_in_a_root_are_stored_and_do_not_break_the_replica() -> None:
    # A stock Yjs client may write anything; its update must still be kept.
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann"})
    foreign: Doc[Any] = Doc(client_id=77)
    foreign.apply_update(a.diff())
    with foreign.transaction():
        foreign.get("contacts", type=Map)["not-a-record"] = "just text"
    result = a.apply_remote([foreign.get_update(a.state_vector())])
    assert result.records == 0
    assert a.store.stats()["log_entries"] == 2
    assert a.state_vector() == foreign.get_state()
    a.update("contact", rid, {"last_name": "Lee"})
    assert [r["id"] for r in a.list()] == [rid]


# ------------------------------------------- records that arrive while a gap is open


def gap_scenario() -> tuple[Replica, Replica, list[bytes]]:
    """b writes three updates; a gets the last two before the first (a gap)."""
    b = make("b", 3)
    b.create("group", {"name": "first"}, record_id="g0")
    b.update("group", "g0", {"description": "edited"})
    b.create("contact", {"first_name": "Ann"}, record_id="c1")
    updates = take_outbox(b)
    a = make("a", 2)
    a.apply_remote([updates[2]])
    a.apply_remote([updates[1]])
    assert a.missing
    return a, b, updates


def test_a_record_whose_creation_waits_is_not_shown_until_the_gap_closes() -> None:
    a, b, updates = gap_scenario()
    assert a.list() == [] and a.list("group") == []
    with pytest.raises(RecordNotFoundError):
        a.update("contact", "c1", {"job_title": "CEO"})
    a.apply_remote([updates[0]])
    assert not a.missing
    assert [r["id"] for r in a.list()] == ["c1"]
    a.update("contact", "c1", {"job_title": "CEO"})
    b.apply_remote([u for _, u in a.outbox()])
    assert a.get("contact", "c1") == b.get("contact", "c1")
    assert b.get("contact", "c1")["job_title"] == "CEO"
    assert a.list("group") == b.list("group")


def test_a_remote_edit_that_depends_on_a_waiting_update_waits_with_it() -> None:
    a, _, updates = gap_scenario()
    c = make("c", 4)  # a third replica that has everything of b's, in order
    c.apply_remote(updates)
    c.update("contact", "c1", {"last_name": "Lee"})
    a.apply_remote(take_outbox(c))
    assert a.missing
    with pytest.raises(RecordNotFoundError):
        a.get("contact", "c1")
    a.apply_remote([updates[0]])
    assert not a.missing
    assert a.get("contact", "c1")["last_name"] == "Lee"
    assert a.list("contact") == c.list("contact")
    assert a.list("group") == c.list("group")
    c.update("contact", "c1", {"job_title": "After the gap"})
    a.apply_remote(take_outbox(c))
    assert a.get("contact", "c1") == c.get("contact", "c1")


def test_reopening_while_own_updates_wait_never_reuses_their_ids() -> None:
    # A replica whose store was lost gets its own second update back before its first:
    # reopened with the same client id, yrs would hand out the first one's clock values.
    a = make("a", 2)
    a.create("group", {"name": "g"}, record_id="g0")
    a.update("group", "g0", {"description": "edited"})
    own = take_outbox(a)
    store = MemoryStore()
    lost = make("a", 2, store)
    lost.apply_remote([own[1]])
    assert lost.missing
    lost.compact()
    again = make("a", 2, store)
    assert again.missing
    again.create("contact", {"first_name": "after the restart"}, record_id="c9")
    again.apply_remote([own[0]])
    a.apply_remote(take_outbox(again))
    assert not again.missing and not a.missing
    assert decode_state_vector(again.state_vector()) == decode_state_vector(a.state_vector())
    for replica in (again, a):
        assert replica.get("group", "g0")["description"] == "edited"
        assert replica.get("contact", "c9")["first_name"] == "after the restart"
    assert again.list("group") == a.list("group")


def test_every_delivery_order_ends_with_the_same_rows() -> None:
    # Reversed, the group's delete integrates only when the gap closes, without an
    # event for the group: every row is derived again then.
    a = make("a", 1)
    a.create("note", {"text": "abc"}, record_id="n1")
    a.create("group", {"name": "g"}, record_id="g1")
    a.edit_note_text("n1", 1, insert="X")
    a.delete("group", "g1")
    updates = take_outbox(a)
    for order in itertools.permutations(updates):
        b = make("b", 2)
        for update in order:
            b.apply_remote([update])
        assert not b.missing
        for kind in ("note", "group"):
            assert b.list(kind, include_deleted=True) == a.list(kind, include_deleted=True)


def test_reopening_during_a_gap_shows_what_it_showed_before() -> None:
    b = make("b", 3)
    b.create("note", {"text": "abc"}, record_id="n0")
    b.create("note", {"text": "abc"}, record_id="n1")
    b.edit_note_text("n0", 2, insert="2")
    b.edit_note_text("n1", 1, insert="3")
    b.create("note", {"text": "abc"}, record_id="n4")
    updates = take_outbox(b)
    store = MemoryStore()
    a = make("a", 2, store)
    a.create("note", {"text": "mine"}, record_id="m1")
    for index in (3, 1, 2, 4):
        a.apply_remote([updates[index]])
    assert a.missing
    shown = a.list("note", include_deleted=True)
    assert [r["id"] for r in shown] == ["m1"]  # everything of b's waits for its first update
    again = make("a", 2, store)
    assert again.missing
    assert again.list("note", include_deleted=True) == shown
    again.edit_note_text("m1", 4, insert="!")
    again.apply_remote([updates[0]])
    assert not again.missing
    text = again.get("note", "n1")["text"]
    again.edit_note_text("n1", len(text), insert="!")
    b.apply_remote(take_outbox(again))
    assert again.list("note") == b.list("note")
    assert b.get("note", "n1")["text"] == "a3bc!" and b.get("note", "m1")["text"] == "mine!"


def test_settle_stops_when_yrs_cannot_integrate_what_looked_ready(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # If the struct check ever calls an update ready that yrs cannot integrate, settle()
    # must still end, and keep the update waiting.
    _, _, created, edits = note_edits()
    doc: Doc[Any] = Doc(client_id=5)
    doc.apply_update(merge_updates(*created))
    monkeypatch.setattr("engine.gaps._follows_on", lambda rest, state: True)
    applies = 0
    real_apply = doc.apply_update

    def counted(update: bytes) -> None:
        nonlocal applies
        applies += 1
        assert applies < 50, "settle() keeps retrying an update it cannot integrate"
        real_apply(update)

    monkeypatch.setattr(doc, "apply_update", counted)
    tracker = GapTracker()
    tracker.settle(doc, [edits[2]])
    assert tracker.waiting == [edits[2]]


def test_an_update_whose_structs_cannot_be_read_is_refused_not_applied_unchecked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, created, edits = note_edits()
    b = make("b", 2)
    b.apply_remote(created)
    b.apply_remote([edits[2]])  # waits for edits 0 and 1: the careful way from now on
    before = snapshot_of(b)

    def unreadable(update: bytes, state: dict[int, int]) -> bool:
        raise ProtocolError("unknown content type 99", code=4400)

    monkeypatch.setattr("engine.gaps.is_ready", unreadable)
    with pytest.raises(ProtocolError, match="cannot tell whether an update follows on"):
        b.apply_remote([edits[0]])
    assert snapshot_of(b) == before
    monkeypatch.undo()
    b.apply_remote([edits[0], edits[1]])
    assert not b.missing
