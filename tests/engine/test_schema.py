"""Tests of engine/schema.py: value normalisation, custom fields, and refused values.

Normal forms are checked on :func:`normalize_fields` directly and, where the CRDT
could change them (numbers), through a replica and a second replica that applied
its update. Every kind of bad value is checked through the replica API: the
ValidationError names kind, record, field and value, and nothing was written.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from pycrdt import Doc, Map

from engine.errors import UnknownKindError, ValidationError
from engine.replica import Replica
from engine.schema import (
    KINDS,
    MAX_NOTE_TEXT,
    MAX_TEXT,
    duration_minutes,
    kind_spec,
    minutes_text,
    normalize_fields,
    validate_custom_name,
    validate_id,
)
from tests.engine.helpers import make


def norm(kind: str, **fields: Any) -> dict[str, Any]:
    return normalize_fields(kind, fields, record_id="r1")


# ------------------------------------------------------------------ normal forms


def test_text_is_trimmed_and_blank_clears() -> None:
    assert norm("contact", first_name="  Ann  ", last_name="", job_title="   ") == {
        "first_name": "Ann", "last_name": None, "job_title": None}


def test_note_text_keeps_its_whitespace() -> None:
    assert norm("note", text="  two spaces\n") == {"text": "  two spaces\n"}
    assert norm("note", text="") == {"text": ""}


def test_email_is_trimmed_and_lower_cased() -> None:
    assert norm("contact", email=" Ann.Lee@Example.COM ") == {"email": "ann.lee@example.com"}


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("555-123-4567 ext. 89", "555-123-4567 x89"),
        ("555-123-4567 ext 89", "555-123-4567 x89"),
        ("555-123-4567 extension 7", "555-123-4567 x7"),
        ("555-123-4567x89", "555-123-4567 x89"),
        ("(555) 123-4567 #12", "(555) 123-4567 x12"),
        ("  +1  555   123 4567 ", "+1 555 123 4567"),
        ("555.123.4567", "555.123.4567"),
        (5551234567, "5551234567"),
    ],
)
def test_phone_keeps_its_extension(given: Any, normal: str) -> None:
    assert norm("contact", business_phone=given) == {"business_phone": normal}


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("2024-03-01T10:00:00+02:00", "2024-03-01T08:00:00.000Z"),
        ("2024-03-01T01:30:00+05:00", "2024-02-29T20:30:00.000Z"),
        ("2024-03-01T10:00:00-08:00", "2024-03-01T18:00:00.000Z"),
        ("2024-03-01T10:00:00Z", "2024-03-01T10:00:00.000Z"),
        ("2024-03-01T10:00:00", "2024-03-01T10:00:00.000Z"),  # naive is UTC
        ("2024-03-01 10:00:00.123456", "2024-03-01T10:00:00.123Z"),
        ("2024-03-01", "2024-03-01T00:00:00.000Z"),
        ("0001-01-01T00:00:00", "0001-01-01T00:00:00.000Z"),  # Act!'s "no date"
        (datetime(2024, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=-5))),
         "2024-03-01T15:00:00.000Z"),
        (datetime(2024, 3, 1, 10, 0), "2024-03-01T10:00:00.000Z"),
        (date(2024, 3, 1), "2024-03-01T00:00:00.000Z"),
    ],
)
def test_datetimes_become_iso_utc(given: Any, normal: str) -> None:
    assert norm("contact", last_meeting=given) == {"last_meeting": normal}
    # The normal form is a fixed point.
    assert norm("contact", last_meeting=normal) == {"last_meeting": normal}


@pytest.mark.parametrize(
    ("given", "normal"),
    [("2024-02-29", "2024-02-29"), (date(1980, 5, 17), "1980-05-17"),
     (datetime(1980, 5, 17, 23, 0), "1980-05-17"), ("1980-05-17T00:00:00Z", "1980-05-17")],
)
def test_dates(given: Any, normal: str) -> None:
    assert norm("contact", birthday=given) == {"birthday": normal}


@pytest.mark.parametrize(
    ("given", "normal"),
    [(True, True), (False, False), (1, True), (0, False), ("yes", True), (" No ", False),
     ("TRUE", True), ("off", False)],
)
def test_bools(given: Any, normal: bool) -> None:
    assert norm("contact", is_private=given)["is_private"] is normal


def test_ints_and_numbers_keep_their_type() -> None:
    out = norm("history", history_type_id="42")
    assert out == {"history_type_id": 42} and type(out["history_type_id"]) is int
    assert type(norm("history", history_type_id=7.0)["history_type_id"]) is int
    assert type(norm("opportunity", product_total=1.5)["product_total"]) is float
    assert norm("opportunity", product_total="2.5") == {"product_total": 2.5}
    assert type(norm("opportunity", product_total="30")["product_total"]) is int


def test_durations_are_kept_as_act_writes_them() -> None:
    # Act!'s definition types History.duration and ActivityOccurrence.duration as strings.
    assert norm("history", duration=" 1 hour 30 minutes ") == {"duration": "1 hour 30 minutes"}
    assert norm("activity", duration="00:45:00") == {"duration": "00:45:00"}
    # Minutes (older records, CSV files) become the same kind of text, nothing lost.
    assert norm("history", duration=90) == {"duration": "1 hour 30 minutes"}
    assert norm("history", duration=60) == {"duration": "1 hour"}
    assert norm("history", duration=0) == {"duration": "0 minutes"}
    assert duration_minutes("1 hour 30 minutes") == 90
    assert duration_minutes("2 days 1 minute") == 2881 and duration_minutes("soon") is None
    for minutes in (0, 1, 59, 60, 61, 1439, 100_000):
        assert duration_minutes(minutes_text(minutes)) == minutes


def test_opportunity_status_has_four_values_and_the_stage_is_kept_by_name_and_id() -> None:
    assert [norm("opportunity", status=s)["status"] for s in
            ("Open", "won", "LOST", "Inactive", 3, "2")] == [0, 1, 2, 3, 3, 2]
    assert norm("opportunity", stage=" Proposal ", stage_id="s-1") == {
        "stage": "Proposal", "stage_id": "s-1"}


def test_enums() -> None:
    assert norm("contact", contact_type="secondary") == {"contact_type": "Secondary"}
    assert norm("opportunity", status="Won") == {"status": 1}
    assert norm("opportunity", status="2") == {"status": 2}
    assert norm("opportunity", status=0) == {"status": 0}
    assert type(norm("opportunity", status=1.0)["status"]) is int  # the choice, not the float


def test_ids_and_id_lists() -> None:
    guid = "{0E0F2A44-1B2C-4D5E-8F90-A1B2C3D4E5F6}"
    assert norm("contact", company_id=f"  {guid} ") == {"company_id": guid}
    links = ["c2", "c1", "c2", {"id": "c3", "name": "Ann"}]
    assert norm("note", contact_ids=links) == {"contact_ids": ["c1", "c2", "c3"]}
    assert norm("note", contact_ids=()) == {"contact_ids": []}


def test_json_field() -> None:
    spec = {"every": 2, "days": ["mon", "thu"], "until": None, "ratio": 0.5}
    assert norm("activity", recur_spec=spec) == {"recur_spec": spec}


def test_unknown_fields_go_to_custom() -> None:
    out = norm("contact", favourite_colour=" blue ", **{"custom.size": 3},
               custom={"ratio": 1.5, "vip": True, "nothing": None})
    assert out == {"custom.favourite_colour": "blue", "custom.size": 3, "custom.ratio": 1.5,
                   "custom.vip": True, "custom.nothing": None}


def test_unknown_fields_come_back_under_custom() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann", "favourite_colour": "blue",
                               "custom": {"size": 3}})
    record = a.get("contact", rid)
    assert record["custom"] == {"favourite_colour": "blue", "size": 3}
    assert "favourite_colour" not in record


def test_ints_and_floats_survive_the_crdt() -> None:
    # pycrdt itself turns ints into floats: the reason entries hold JSON text.
    doc: Doc[Any] = Doc()
    doc["m"] = m = Map()
    m["n"] = 1
    assert type(m["n"]) is float

    a, b = make("a", 1), make("b", 2)
    hid = a.create("history", {"regarding": "call", "duration": 90, "history_type_id": 3,
                               "custom": {"count": 3, "ratio": 2.0, "score": 4}})
    b.apply_remote([u for _, u in a.outbox()])
    for replica in (a, b):
        record = replica.get("history", hid)
        assert record["duration"] == "1 hour 30 minutes"
        assert type(record["history_type_id"]) is int
        assert type(record["custom"]["count"]) is int
        assert type(record["custom"]["ratio"]) is float and record["custom"]["ratio"] == 2.0
    a.update("history", hid, {"custom": {"score": 1.25}})
    b.apply_remote([u for _, u in a.outbox(a.last_seq - 1)])
    assert type(b.get("history", hid)["custom"]["score"]) is float
    assert b.get("history", hid) == a.get("history", hid)


def test_every_kind_has_act_names_and_unknown_kind_is_refused() -> None:
    for spec in KINDS.values():
        assert all(f.act for f in spec.fields.values())
        assert set(spec.required) <= set(spec.fields)
    with pytest.raises(UnknownKindError) as info:
        kind_spec("contacts")
    assert info.value.value == "contacts"
    assert "contact" in str(info.value)
    with pytest.raises(UnknownKindError):
        normalize_fields("lead", {"name": "x"})


@pytest.mark.parametrize("good", ["c1", "a" * 128, "{GUID-1}", "ns:thing.v2_x"])
def test_validate_id_accepts(good: str) -> None:
    assert validate_id(good) == good


@pytest.mark.parametrize("bad", ["", " c1", "a b", "a|b", "-lead", "a" * 129, 12, None])
def test_validate_id_refuses(bad: Any) -> None:
    with pytest.raises(ValidationError) as info:
        validate_id(bad, kind="contact", field="id")
    assert (info.value.kind, info.value.field, info.value.value) == ("contact", "id", bad)


@pytest.mark.parametrize("bad", ["", "  ", "a|b", "_secret", "x" * 101, "tab\x01", 5, "\ud800"])
def test_validate_custom_name_refuses(bad: Any) -> None:
    with pytest.raises(ValidationError):
        validate_custom_name(bad, kind="contact", record_id="c1")


# ------------------------------------------------------------- refused values

SAME = object()  # the error's value is the value given

BAD = [
    ("contact", "first_name", 5, SAME),
    ("contact", "first_name", "x" * (MAX_TEXT + 1), "x" * 40 + "..."),
    ("contact", "first_name", "a\x00b", SAME),
    ("contact", "first_name", "x\ud800", SAME),  # lone surrogate: pycrdt would panic
    ("contact", "email", "ann.example.com", SAME),
    ("contact", "email", "ann@example", SAME),
    ("contact", "business_phone", "12", SAME),
    ("contact", "business_phone", "call me!", SAME),
    ("contact", "last_reach", "yesterday", SAME),
    ("contact", "last_reach", 1_700_000_000, SAME),
    ("contact", "birthday", "31/12/1980", SAME),
    ("contact", "is_private", "maybe", SAME),
    ("contact", "is_private", 2, SAME),
    ("contact", "contact_type", "Boss", SAME),
    ("contact", "company_id", "bad id!", SAME),
    ("history", "history_type_id", 1.5, SAME),
    ("history", "history_type_id", True, SAME),
    ("history", "duration", -5, SAME),
    ("history", "duration", 1.5, SAME),
    ("history", "duration", True, SAME),
    ("history", "duration", float("inf"), SAME),
    ("opportunity", "status", 7, SAME),
    ("opportunity", "status", "Pending", SAME),
    ("contact", "business_phone_country_code", "UK", SAME),
    ("note", "contact_ids", "c1", SAME),
    ("note", "contact_ids", ["c1", "not an id"], SAME),
    ("note", "text", "x" * (MAX_NOTE_TEXT + 1), SAME),
    ("activity", "recur_spec", {"days": {"mon"}}, SAME),
    ("activity", "recur_spec", [float("nan")], SAME),
    ("contact", "custom", ["not", "a", "mapping"], SAME),
    ("contact", "custom.colours", ["red", "blue"], SAME),
    ("contact", "custom.ratio", float("nan"), SAME),
    ("contact", "_secret", 1, "_secret"),  # the bad part is the name
    ("contact", "id", "c9", SAME),
    ("contact", "deleted", True, SAME),
    ("group", "members", ["c1"], SAME),
]


BASE: dict[str, dict[str, Any]] = {
    "contact": {"first_name": "Base"}, "company": {"name": "Base"}, "group": {"name": "Base"},
    "opportunity": {"name": "Base"}, "note": {"text": "Base"}, "history": {"regarding": "Base"},
    "activity": {"subject": "Base"},
}


def _setup(kind: str) -> tuple[Replica, str, dict[str, Any], dict[str, int], bytes]:
    replica = make("a", 1)
    rid = replica.create(kind, BASE[kind])
    return (replica, rid, replica.get(kind, rid), replica.store.stats(),
            replica.state_vector())


@pytest.mark.parametrize(("kind", "field", "value", "expected"), BAD,
                         ids=[f"{k}.{f}-{i}" for i, (k, f, _, _) in enumerate(BAD)])
def test_bad_value_in_update_is_refused_and_nothing_is_written(
    kind: str, field: str, value: Any, expected: Any
) -> None:
    replica, rid, before, stats, sv = _setup(kind)
    with pytest.raises(ValidationError) as info:
        replica.update(kind, rid, {"location": "changed", field: value})
    err = info.value
    assert (err.kind, err.record_id) == (kind, rid)
    assert err.field == field
    want = value if expected is SAME else expected
    assert err.value == want or (err.value is value)  # nan != nan
    assert rid in str(err) and field in str(err)
    assert replica.get(kind, rid) == before
    assert replica.store.stats() == stats
    assert replica.state_vector() == sv
    assert [seq for seq, _ in replica.outbox()] == [1]


@pytest.mark.parametrize(("kind", "field", "value", "expected"), BAD[::3])
def test_bad_value_in_create_is_refused_and_nothing_is_written(
    kind: str, field: str, value: Any, expected: Any
) -> None:
    replica, _, _, stats, sv = _setup(kind)
    with pytest.raises(ValidationError) as info:
        replica.create(kind, {**BASE[kind], field: value}, record_id="new-1")
    assert (info.value.kind, info.value.record_id, info.value.field) == (kind, "new-1", field)
    assert replica.store.stats() == stats
    assert replica.state_vector() == sv
    assert len(replica.list(kind, include_deleted=True)) == 1


def test_bad_custom_name_is_named() -> None:
    replica, rid, before, stats, _ = _setup("contact")
    with pytest.raises(ValidationError) as info:
        replica.update("contact", rid, {"custom": {"a|b": 1}})
    assert (info.value.kind, info.value.record_id, info.value.field, info.value.value) == (
        "contact", rid, "a|b", "a|b")
    assert replica.get("contact", rid) == before and replica.store.stats() == stats


def test_missing_required_field_is_refused() -> None:
    replica = make("a", 1)
    with pytest.raises(ValidationError) as info:
        replica.create("company", {"industry": "Retail"})
    assert (info.value.kind, info.value.record_id, info.value.field) == ("company", "a-1", "name")
    assert replica.store.stats()["log_entries"] == 0
    cid = replica.create("company", {"name": "Acme"})
    stats = replica.store.stats()
    with pytest.raises(ValidationError) as info:
        replica.update("company", cid, {"name": "  "})
    assert (info.value.record_id, info.value.field) == (cid, "name")
    assert replica.get("company", cid)["name"] == "Acme"
    assert replica.store.stats() == stats


def test_bad_record_id_is_refused() -> None:
    replica = make("a", 1)
    with pytest.raises(ValidationError) as info:
        replica.create("contact", {"first_name": "Ann"}, record_id="has space")
    assert (info.value.kind, info.value.field, info.value.value) == (
        "contact", "id", "has space")
    assert replica.store.stats()["log_entries"] == 0
