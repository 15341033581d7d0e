"""Tests of engine/registers.py: resolving a record from hand-made entries.

Each test builds the raw record map the way replicas write it (``field|stamp|replica``
keys holding JSON text) and checks the value, the deleted flag and the conflicts
that every replica holding those entries must compute.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.clock import make_stamp
from engine.registers import (
    DELETED,
    Entry,
    encode_value,
    entry_key,
    group_entries,
    parse_entry,
    resolve_record,
    stamp_to_iso,
    superseded_by_edit,
    winner,
)

T = 1_700_000_000_000


def s(n: int) -> int:
    """The stamp of the n-th millisecond after T."""
    return make_stamp(T + n)


def raw(*writes: tuple[str, int, str, Any]) -> dict[str, str]:
    """A record map holding one entry per (field, stamp, replica, value)."""
    return {entry_key(f, stamp, rep): encode_value(v) for f, stamp, rep, v in writes}


def keys(record: dict[str, str], field: str | None = None) -> list[str]:
    return sorted(k for k in record if field is None or k.startswith(field + "|"))


def delete_entry(stamp: int, replica: str, seen: list[str]) -> tuple[str, int, str, Any]:
    return (DELETED, stamp, replica, {"deleted": True, "seen": seen})


def test_sequential_writes_give_one_value_each() -> None:
    record = raw(("first_name", s(1), "a", "Ann"), ("last_name", s(2), "b", "Lee"))
    r = resolve_record("contact", "c1", record)
    assert r.data == {"id": "c1", "first_name": "Ann", "last_name": "Lee"}
    assert r.conflicts == []
    assert not r.deleted
    assert (r.updated, r.updated_by) == (s(2), "b")


def test_concurrent_writes_newest_wins_and_the_other_is_a_conflict() -> None:
    record = raw(("first_name", s(5), "a", "Ann"), ("first_name", s(9), "b", "Anna"))
    r = resolve_record("contact", "c1", record)
    assert r.data["first_name"] == "Anna"
    [c] = r.conflicts
    assert (c.kind, c.record_id, c.field) == ("contact", "c1", "first_name")
    assert (c.value, c.replica, c.stamp, c.current) == ("Ann", "a", s(5), "Anna")
    assert c.to_dict() == {"kind": "contact", "record_id": "c1", "field": "first_name",
                           "value": "Ann", "replica": "a", "stamp": s(5), "current": "Anna"}


def test_same_stamp_tie_goes_to_the_greater_replica_id() -> None:
    forwards = raw(("job_title", s(3), "alpha", "CEO"), ("job_title", s(3), "beta", "CTO"))
    backwards = dict(reversed(list(forwards.items())))
    for record in (forwards, backwards):
        r = resolve_record("contact", "c1", record)
        assert r.data["job_title"] == "CTO"
        assert [(c.value, c.replica) for c in r.conflicts] == [("CEO", "alpha")]


def test_three_way_conflict_lists_both_losers_in_stamp_order() -> None:
    record = raw(("city", s(7), "c", "Paris"), ("city", s(2), "a", "Rome"),
                 ("city", s(4), "b", "Oslo"))
    r = resolve_record("contact", "c1", record)
    assert r.data["city"] == "Paris"
    assert [(c.value, c.stamp) for c in r.conflicts] == [("Rome", s(2)), ("Oslo", s(4))]
    assert all(c.current == "Paris" for c in r.conflicts)


def test_equal_concurrent_values_are_not_conflicts() -> None:
    record = raw(("email", s(1), "a", "x@y.com"), ("email", s(2), "b", "x@y.com"))
    r = resolve_record("contact", "c1", record)
    assert r.data["email"] == "x@y.com"
    assert r.conflicts == []
    assert len(r.fields["email"]) == 2


def test_different_fields_never_conflict() -> None:
    record = raw(("first_name", s(1), "a", "Ann"), ("last_name", s(1), "b", "Lee"))
    assert resolve_record("contact", "c1", record).conflicts == []


def test_a_cleared_field_is_absent_but_a_concurrent_value_is_kept_as_conflict() -> None:
    record = raw(("website", s(8), "a", None), ("website", s(3), "b", "example.com"))
    r = resolve_record("contact", "c1", record)
    assert "website" not in r.data
    [c] = r.conflicts
    assert (c.value, c.current) == ("example.com", None)


def test_custom_fields_and_note_text() -> None:
    record = raw(("custom.colour", s(1), "a", "blue"), ("custom.size", s(1), "a", 3))
    r = resolve_record("note", "n1", record, text="body")
    assert r.data == {"id": "n1", "text": "body", "custom": {"colour": "blue", "size": 3}}


def test_group_members_come_from_member_registers() -> None:
    record = raw(("name", s(1), "a", "VIP"), ("member:c2", s(2), "a", True),
                 ("member:c1", s(3), "a", True), ("member:c3", s(4), "a", False))
    r = resolve_record("group", "g1", record)
    assert r.data["members"] == ["c1", "c2"]
    assert "members" not in resolve_record("contact", "c1", raw(("name", s(1), "a", "x"))).data


def test_concurrent_add_and_remove_of_a_member_is_a_conflict() -> None:
    record = raw(("member:c1", s(5), "a", False), ("member:c1", s(4), "b", True))
    r = resolve_record("group", "g1", record)
    assert r.data["members"] == []
    assert [(c.field, c.value, c.current) for c in r.conflicts] == [("member:c1", True, False)]


def test_delete_that_saw_every_entry_deletes() -> None:
    record = raw(("first_name", s(1), "a", "Ann"), ("last_name", s(2), "a", "Lee"))
    record.update(raw(delete_entry(s(3), "a", keys(record))))
    r = resolve_record("contact", "c1", record)
    assert r.deleted
    assert r.conflicts == []
    assert r.data["first_name"] == "Ann"  # deleted records keep their content
    assert (r.updated, r.updated_by) == (s(3), "a")


def test_edit_concurrent_with_delete_keeps_the_record_and_lists_the_delete() -> None:
    record = raw(("first_name", s(1), "a", "Ann"))
    seen = keys(record)
    record.update(raw(("last_name", s(4), "b", "Lee")))  # b did not see the delete
    record.update(raw(delete_entry(s(5), "a", seen)))
    r = resolve_record("contact", "c1", record)
    assert not r.deleted
    assert r.data["last_name"] == "Lee"
    [c] = r.conflicts
    assert (c.field, c.value, c.replica, c.stamp, c.current) == (DELETED, True, "a", s(5), False)


def test_delete_with_a_later_stamp_still_loses_to_an_unseen_edit() -> None:
    # Stamps do not decide delete-vs-edit: only what the delete saw does.
    record = raw(("first_name", s(1), "a", "Ann"))
    seen = keys(record)
    record.update(raw(("first_name", s(2), "b", "Anna")))
    del record[entry_key("first_name", s(1), "a")]  # b's edit replaced the old entry
    record.update(raw(delete_entry(s(99), "a", seen)))
    assert not resolve_record("contact", "c1", record).deleted


def test_two_concurrent_deletes_delete_without_conflict() -> None:
    record = raw(("first_name", s(1), "a", "Ann"))
    seen = keys(record)
    record.update(raw(delete_entry(s(2), "a", seen), delete_entry(s(3), "b", seen)))
    r = resolve_record("contact", "c1", record)
    assert r.deleted
    assert r.conflicts == []


def test_restore_wins_over_the_delete_it_replaced() -> None:
    record = raw(("first_name", s(1), "a", "Ann"), (DELETED, s(6), "a", {"deleted": False}))
    r = resolve_record("contact", "c1", record)
    assert not r.deleted
    assert r.conflicts == []


def test_concurrent_restore_and_delete_lists_the_loser() -> None:
    record = raw(("first_name", s(1), "a", "Ann"))
    seen = keys(record)
    record.update(raw((DELETED, s(4), "a", {"deleted": False}), delete_entry(s(5), "b", seen)))
    r = resolve_record("contact", "c1", record)
    assert r.deleted
    assert [(c.field, c.value, c.replica, c.current) for c in r.conflicts] == [
        (DELETED, False, "a", True)]


def test_resolution_is_independent_of_entry_order() -> None:
    record = raw(("first_name", s(5), "a", "Ann"), ("first_name", s(9), "b", "Anna"),
                 ("last_name", s(2), "c", "Lee"), ("custom.x", s(1), "a", 1.5))
    seen = keys(record)[:2]
    record.update(raw(delete_entry(s(10), "a", seen)))
    forward = resolve_record("contact", "c1", record)
    backward = resolve_record("contact", "c1", dict(reversed(list(record.items()))))
    assert forward.data == backward.data
    assert forward.conflicts == backward.conflicts
    assert forward.deleted == backward.deleted is False


@pytest.mark.parametrize(
    ("key", "value"),
    [("_text", "body"), ("first_name", '"x"'), ("first_name|NOTSTAMP|a", '"x"'),
     ("first_name|-1|a", '"x"'), ("first_name|1|a", "not json"), ("first_name|1|a", 5)],
)
def test_keys_and_values_that_are_not_entries_are_ignored(key: str, value: Any) -> None:
    assert parse_entry(key, value) is None
    record = raw(("last_name", s(1), "a", "Lee"))
    record[key] = value
    r = resolve_record("contact", "c1", record)
    assert r.data == {"id": "c1", "last_name": "Lee"}
    assert r.conflicts == []


def test_parse_entry_and_group_entries() -> None:
    key = entry_key("custom.a|b", s(1), "rep")
    entry = parse_entry(key, encode_value({"n": 1}))
    assert entry == Entry(key, "custom.a|b", s(1), "rep", {"n": 1})
    grouped = group_entries(raw(("x", s(1), "a", 1), ("x", s(2), "b", 2), ("y", s(1), "a", 3)))
    assert {name: sorted(e.value for e in es) for name, es in grouped.items()} == {
        "x": [1, 2], "y": [3]}


def test_encode_value_keeps_ints_and_floats_apart() -> None:
    assert encode_value(1) == "1"
    assert encode_value(1.0) == "1.0"
    assert encode_value("é") == '"é"'
    with pytest.raises(ValueError):
        encode_value(float("nan"))


def test_winner_and_superseded_by_edit() -> None:
    entries = [Entry("k1", "f", s(1), "a", "x"), Entry("k2", "f", s(3), "b", "y"),
               Entry("k3", "f", s(2), "c", "y"), Entry("k4", "f", s(3), "a", "z")]
    assert winner(entries).key == "k2"
    # An edit replaces the current value and its equals; other values stay as conflicts.
    assert sorted(e.key for e in superseded_by_edit(entries)) == ["k2", "k3"]
    assert superseded_by_edit([]) == []


def test_stamp_to_iso() -> None:
    assert stamp_to_iso(make_stamp(1_700_000_000_123, 5)) == "2023-11-14T22:13:20.123Z"


@given(st.one_of(st.text(), st.integers(), st.none(), st.booleans(),
                 st.floats(allow_nan=False, allow_infinity=False),
                 st.lists(st.text(max_size=5), max_size=3)))
def test_encode_value_writes_what_json_writes(value: Any) -> None:
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert encode_value(value) == expected
