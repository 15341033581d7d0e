"""Tests of engine/replica.py: the record API, conflicts, and durability on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map

from engine.clock import make_stamp
from engine.errors import (
    RecordDeletedError,
    RecordExistsError,
    RecordNotFoundError,
    StoreError,
    UnknownKindError,
    ValidationError,
)
from engine.registers import encode_value, entry_key
from engine.replica import Replica, ids_of
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore
from tests.engine.helpers import Clock, make

T0 = 1_700_000_000_000




def exchange(*replicas: Replica) -> None:
    """Bring every replica up to date with every other (state-vector sync)."""
    for x in replicas:
        for y in replicas:
            if x is not y:
                y.apply_remote([x.diff(y.state_vector())])


def test_create_and_get() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": " Ann ", "email": "Ann@X.com"})
    assert rid == "a-1"
    record = a.get("contact", rid)
    assert record == {"id": rid, "first_name": "Ann", "email": "ann@x.com", "deleted": False,
                      "updated_at": "2023-11-14T22:13:20.001Z", "updated_by": "a",
                      "conflicts": 0}
    assert a.create("contact", {"first_name": "Bob"}, record_id="{GUID-1}") == "{GUID-1}"
    assert ids_of(a.list()) == [rid, "{GUID-1}"]


def test_create_with_a_taken_id_is_refused_and_writes_nothing() -> None:
    a = make("a", 1)
    a.create("contact", {"first_name": "Ann"}, record_id="c1")
    a.create("contact", {"first_name": "Gone"}, record_id="c2")
    a.delete("contact", "c2")
    stats = a.store.stats()
    for rid in ("c1", "c2"):
        with pytest.raises(RecordExistsError) as info:
            a.create("contact", {"first_name": "Other"}, record_id=rid)
        assert (info.value.kind, info.value.record_id) == ("contact", rid)
    assert a.store.stats() == stats
    assert a.get("contact", "c1")["first_name"] == "Ann"
    a.create("company", {"name": "Same id, other kind"}, record_id="c1")


def test_missing_records_and_unknown_kinds() -> None:
    a = make("a", 1)
    for call in (lambda: a.get("contact", "nope"), lambda: a.update("contact", "nope", {}),
                 lambda: a.delete("contact", "nope"), lambda: a.restore("contact", "nope"),
                 lambda: a.resolve("contact", "nope", "first_name", "x")):
        with pytest.raises(RecordNotFoundError) as info:
            call()
        assert info.value.record_id == "nope"
    for call in (lambda: a.create("lead", {}), lambda: a.get("lead", "x"),
                 lambda: a.list("lead"), lambda: a.search("x", "lead"),
                 lambda: a.update("lead", "x", {})):
        with pytest.raises(UnknownKindError):
            call()
    assert a.store.stats()["log_entries"] == 0


def test_update_changes_only_the_fields_given() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann", "last_name": "Lee", "job_title": "CEO",
                               "custom": {"colour": "red"}})
    a.update("contact", rid, {"last_name": "Smith", "job_title": None, "size": 3})
    record = a.get("contact", rid)
    assert (record["first_name"], record["last_name"]) == ("Ann", "Smith")
    assert "job_title" not in record
    assert record["custom"] == {"colour": "red", "size": 3}
    a.update("contact", rid, {"custom": {"colour": ""}})
    assert a.get("contact", rid)["custom"] == {"size": 3}


def test_an_update_that_changes_nothing_writes_nothing() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann"})
    before = a.store.load(), a.store.stats()
    a.update("contact", rid, {"first_name": "Ann", "last_name": None})
    a.update("contact", rid, {})
    a.restore("contact", rid)  # not deleted
    assert (a.store.load(), a.store.stats()) == before


def test_delete_and_restore() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann"})
    a.delete("contact", rid)
    with pytest.raises(RecordDeletedError):
        a.get("contact", rid)
    assert a.get("contact", rid, include_deleted=True)["deleted"] is True
    assert a.list() == [] and ids_of(a.list(include_deleted=True)) == [rid]
    outbox = len(a.outbox())
    a.delete("contact", rid)  # already deleted: nothing to do
    assert len(a.outbox()) == outbox
    a.restore("contact", rid)
    assert a.get("contact", rid)["first_name"] == "Ann"
    assert a.conflicts() == []


def test_editing_a_deleted_record_is_refused() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann"})
    gid = a.create("group", {"name": "VIP"})
    nid = a.create("note", {"text": "hi"})
    for kind, record_id in (("contact", rid), ("group", gid), ("note", nid)):
        a.delete(kind, record_id)
    stats = a.store.stats()
    for call in (lambda: a.update("contact", rid, {"first_name": "Bob"}),
                 lambda: a.resolve("contact", rid, "first_name", "Bob"),
                 lambda: a.add_to_group(gid, "whoever"),
                 lambda: a.edit_note_text(nid, 0, insert="x")):
        with pytest.raises(RecordDeletedError, match="restore"):
            call()
    a.restore("group", gid)
    with pytest.raises(RecordDeletedError) as info:
        a.add_to_group(gid, rid)  # the contact is still deleted
    assert (info.value.kind, info.value.record_id) == ("contact", rid)
    assert a.store.stats()["log_entries"] == stats["log_entries"] + 1


@pytest.fixture(name="a")
def crm() -> Replica:
    """A replica with contacts, a company, a group and linked records."""
    clock = Clock()
    a = Replica(MemoryStore(), clock=clock, replica_id="a", new_id=lambda: "unused",
                client_id=1)
    a.create("company", {"name": "Acme Ltd"}, record_id="co1")
    a.create("contact", {"first_name": "Ann", "last_name": "Adams", "company": "Acme Ltd",
                         "company_id": "co1", "email": "ann@acme.com",
                         "business_phone": "555-123-4567"}, record_id="c1")
    a.create("contact", {"first_name": "Bob", "last_name": "Baker", "company": "Ünïcorn GmbH",
                         "mobile_phone": "(555) 987-6543 ext. 12"}, record_id="c2")
    a.create("contact", {"first_name": "Cy", "last_name": "Cole", "company": "ACME LTD",
                         "company_id": "co2"}, record_id="c3")
    a.create("contact", {"first_name": "Dee", "last_name": "Dunn", "company_id": "co1"},
             record_id="c4")
    a.delete("contact", "c4")
    a.create("note", {"text": "Ann wants a quote", "contact_ids": ["c1"]}, record_id="n1")
    a.create("history", {"regarding": "Call", "contact_ids": ["c1", "c2"]}, record_id="h1")
    a.create("activity", {"subject": "Visit", "contact_ids": ["c2"]}, record_id="a1")
    a.create("opportunity", {"name": "Big deal", "contact_ids": ["c3"]}, record_id="o1")
    a.create("group", {"name": "VIP"}, record_id="g1")
    a.add_to_group("g1", "c1")
    a.add_to_group("g1", "c3")
    clock.now = T0 + 60_000
    a.update("contact", "c2", {"job_title": "Buyer"})  # stamped at T0 + 60_001
    return a


def test_list_is_in_name_order_and_pages(a: Replica) -> None:
    assert ids_of(a.list()) == ["c1", "c2", "c3"]
    assert ids_of(a.list("contact", include_deleted=True)) == ["c1", "c2", "c3", "c4"]
    assert ids_of(a.list(limit=2)) == ["c1", "c2"]
    assert ids_of(a.list(limit=2, offset=2)) == ["c3"]
    assert ids_of(a.list(offset=1)) == ["c2", "c3"]
    assert ids_of(a.list("company")) == ["co1"]
    for bad in ({"limit": -1}, {"offset": -1}, {"limit": True}):
        with pytest.raises(ValidationError):
            a.list(**bad)
    with pytest.raises(ValidationError):
        a.search("ann", limit=-1)


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_namesakes_are_listed_by_email_then_id(store: str, tmp_path: Path) -> None:
    # The e-mail is kept out of the store's sort index, but still orders namesakes.
    a = Replica(MemoryStore() if store == "memory" else SqliteStore(tmp_path / "a.db"),
                clock=Clock(), replica_id="a", client_id=1)
    same = {"first_name": "Ann", "last_name": "Lee", "company": "Acme"}
    for rid, email in (("x1", "cy@acme.example"), ("x2", "ann@acme.example"), ("x3", ""),
                       ("x4", "bo@acme.example"), ("x5", "ann@acme.example")):
        a.create("contact", {**same, "email": email or None}, record_id=rid)
    a.create("contact", {"first_name": "Zed", "last_name": "Abbot"}, record_id="x9")
    assert ids_of(a.list()) == ["x9", "x3", "x2", "x5", "x4", "x1"]
    a.update("contact", "x1", {"email": "AA@acme.example"})
    a.update("contact", "x2", {"email": "zz@acme.example"})
    assert ids_of(a.list()) == ["x9", "x3", "x1", "x5", "x4", "x2"]
    assert ids_of(a.list(limit=2, offset=2)) == ["x1", "x5"]
    assert ids_of(a.search("acme")) == ["x3", "x1", "x5", "x4", "x2"]


def test_list_by_group_and_company(a: Replica) -> None:
    assert ids_of(a.list(group="g1")) == ["c1", "c3"]
    assert ids_of(a.list(company="co1")) == ["c1"]
    assert ids_of(a.list(company="co1", include_deleted=True)) == ["c1", "c4"]
    assert ids_of(a.list(company="acme ltd")) == ["c1", "c3"]
    assert ids_of(a.list(company="ÜNÏCORN GMBH")) == ["c2"]
    assert ids_of(a.list(company="co1", group="g1")) == ["c1"]


def test_list_linked_to_a_contact(a: Replica) -> None:
    assert ids_of(a.list("note", linked_to="c1")) == ["n1"]
    assert ids_of(a.list("history", linked_to="c1")) == ["h1"]
    assert ids_of(a.list("history", linked_to="c2")) == ["h1"]
    assert ids_of(a.list("activity", linked_to="c2")) == ["a1"]
    assert ids_of(a.list("activity", linked_to="c1")) == []
    assert ids_of(a.list("opportunity", linked_to="c3")) == ["o1"]
    assert ids_of(a.list("group", linked_to="c3")) == ["g1"]
    a.update("note", "n1", {"contact_ids": ["c2"]})
    assert ids_of(a.list("note", linked_to="c1")) == []


def test_list_edited_since(a: Replica) -> None:
    later = make_stamp(T0 + 60_001)
    assert ids_of(a.list(edited_since=later)) == ["c2"]
    assert ids_of(a.list(edited_since=later + 1)) == []
    assert ids_of(a.list(edited_since="2023-11-14T22:14:20.001Z")) == ["c2"]
    assert ids_of(a.list(edited_since="2023-11-14T23:14:20.002+01:00")) == []
    assert ids_of(a.list(edited_since="2023-11-14T22:14:20")) == ["c2"]
    moment = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert ids_of(a.list(edited_since=moment)) == ["c1", "c2", "c3"]
    with pytest.raises(ValidationError):
        a.list(edited_since="last tuesday")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ann", ["c1"]), ("ADAMS", ["c1"]), ("acme", ["c1", "c3"]), ("ünïcorn", ["c2"]),
     ("ann@acme.com", ["c1"]), ("987-6543", ["c2"]), ("555 987 6543", ["c2"]),
     ("5551234567", ["c1"]), ("(555) 123", ["c1"]), ("dee", []), ("zzz", [])],
)
def test_search(a: Replica, text: str, expected: list[str]) -> None:
    assert ids_of(a.search(text)) == expected


def test_search_options(a: Replica) -> None:
    assert ids_of(a.search("dee", include_deleted=True)) == ["c4"]
    assert ids_of(a.search("quote", "note")) == ["n1"]
    assert ids_of(a.search("acme", limit=1)) == ["c1"]
    assert ids_of(a.search("acme", "company")) == ["co1"]
    with pytest.raises(ValidationError):
        a.search("   ")


def test_group_membership(a: Replica) -> None:
    assert a.get("group", "g1")["members"] == ["c1", "c3"]
    a.remove_from_group("g1", "c1")
    assert ids_of(a.list(group="g1")) == ["c3"]
    assert a.get("group", "g1")["members"] == ["c3"]
    with pytest.raises(RecordNotFoundError):
        a.add_to_group("g1", "nobody")
    with pytest.raises(RecordNotFoundError):
        a.add_to_group("g-missing", "c1")
    a.delete("contact", "c3")
    assert ids_of(a.list(group="g1")) == []
    a.restore("contact", "c3")
    a.delete("group", "g1")
    assert ids_of(a.list(group="g1")) == []


def test_concurrent_membership_changes_both_apply() -> None:
    a, b = make("a", 1), make("b", 2)
    for rid in ("c1", "c2"):
        a.create("contact", {"first_name": rid}, record_id=rid)
    a.create("group", {"name": "VIP"}, record_id="g1")
    exchange(a, b)
    a.add_to_group("g1", "c1")
    b.add_to_group("g1", "c2")
    exchange(a, b)
    assert ids_of(a.list(group="g1")) == ids_of(b.list(group="g1")) == ["c1", "c2"]


def concurrent_names() -> tuple[Replica, Replica, str]:
    """a and b rename one contact at the same time; b's edit is the later one."""
    a, b = make("a", 1), make("b", 2, now=T0 + 500)
    rid = a.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    exchange(a, b)
    a.update("contact", rid, {"first_name": "Anna", "email": "anna@x.com"})
    b.update("contact", rid, {"first_name": "Annie", "job_title": "CEO"})
    exchange(a, b)
    return a, b, rid


def test_concurrent_same_field_edits_pick_the_newest_and_list_the_other() -> None:
    a, b, rid = concurrent_names()
    assert a.get("contact", rid) == b.get("contact", rid)
    record = a.get("contact", rid)
    assert (record["first_name"], record["email"], record["job_title"]) == (
        "Annie", "anna@x.com", "CEO")
    assert record["conflicts"] == 1
    [c] = a.conflicts()
    assert c == b.conflicts()[0]
    assert (c["record_id"], c["field"], c["value"], c["replica"], c["current"]) == (
        rid, "first_name", "Anna", "a", "Annie")
    assert a.conflicts("contact", rid) == [c] and a.conflicts("note") == []


def test_update_keeps_real_conflicts_listed() -> None:
    a, b, rid = concurrent_names()
    a.update("contact", rid, {"first_name": "Third"})
    exchange(a, b)
    assert b.get("contact", rid)["first_name"] == "Third"
    assert [(c["value"], c["current"]) for c in b.conflicts()] == [("Anna", "Third")]


@pytest.mark.parametrize("value", ["Annie", "Anna", "Someone else", None])
def test_resolve_settles_the_field_everywhere(value: Any) -> None:
    a, b, rid = concurrent_names()
    b.resolve("contact", rid, "first_name", value)
    exchange(a, b)
    assert a.conflicts() == b.conflicts() == []
    assert a.get("contact", rid) == b.get("contact", rid)
    assert a.get("contact", rid).get("first_name") == value


def test_resolve_a_custom_field_and_a_member() -> None:
    a, b = make("a", 1), make("b", 2, now=T0 + 500)
    a.create("contact", {"first_name": "x"}, record_id="c1")
    a.create("group", {"name": "VIP"}, record_id="g1")
    exchange(a, b)
    a.update("contact", "c1", {"colour": "red"})
    b.update("contact", "c1", {"colour": "blue"})
    a.add_to_group("g1", "c1")
    b.remove_from_group("g1", "c1")
    exchange(a, b)
    assert sorted(c["field"] for c in a.conflicts()) == ["custom.colour", "member:c1"]
    a.resolve("contact", "c1", "custom.colour", "green")
    a.resolve("group", "g1", "member:c1", True)
    exchange(a, b)
    assert b.conflicts() == []
    assert b.get("contact", "c1")["custom"] == {"colour": "green"}
    assert b.get("group", "g1")["members"] == ["c1"]


def test_resolve_refuses_bad_values() -> None:
    a, _, rid = concurrent_names()
    stats = a.store.stats()
    with pytest.raises(ValidationError) as info:
        a.resolve("contact", rid, "email", "not an address")
    assert (info.value.record_id, info.value.field) == (rid, "email")
    with pytest.raises(ValidationError):
        a.resolve("contact", rid, "deleted", "yes")
    assert a.store.stats() == stats and len(a.conflicts()) == 1


def delete_vs_edit() -> tuple[Replica, Replica, str]:
    a, b = make("a", 1), make("b", 2)
    rid = a.create("contact", {"first_name": "Ann"})
    exchange(a, b)
    a.delete("contact", rid)
    b.update("contact", rid, {"last_name": "Lee"})
    exchange(a, b)
    return a, b, rid


def test_an_edit_concurrent_with_a_delete_keeps_the_record() -> None:
    a, b, rid = delete_vs_edit()
    for replica in (a, b):
        record = replica.get("contact", rid)
        assert (record["deleted"], record["last_name"], record["conflicts"]) == (False, "Lee", 1)
        [c] = replica.conflicts()
        assert (c["field"], c["value"], c["replica"], c["current"]) == (
            "_deleted", True, "a", False)
    a.update("contact", rid, {"job_title": "CEO"})  # alive: editable on the deleting side
    exchange(a, b)
    assert b.get("contact", rid)["job_title"] == "CEO"


@pytest.mark.parametrize("deleted", [True, False])
def test_delete_conflict_is_resolved_with_field_deleted(deleted: bool) -> None:
    a, b, rid = delete_vs_edit()
    b.resolve("contact", rid, "deleted", deleted)
    exchange(a, b)
    for replica in (a, b):
        assert replica.conflicts() == []
        assert replica.get("contact", rid, include_deleted=True)["deleted"] is deleted
        assert replica.get("contact", rid, include_deleted=True)["last_name"] == "Lee"


def test_apply_remote_counts_changed_records() -> None:
    a, b = make("a", 1), make("b", 2)
    a.create("contact", {"first_name": "Ann"})
    a.create("contact", {"first_name": "Bob"})
    result = b.apply_remote([u for _, u in a.outbox()])
    assert (result.records, result.missing) == (2, False)
    assert result.seq == b.last_seq == 1
    assert b.apply_remote([a.diff()]).records == 0  # nothing new
    assert b.outbox() == []  # received updates are not sent again


def test_a_store_of_another_replica_is_refused() -> None:
    store = MemoryStore()
    make("a", 1, store).create("contact", {"first_name": "Ann"})
    with pytest.raises(StoreError, match="belongs to replica 'a'"):
        make("b", 2, store)
    assert Replica(store, clock=Clock()).replica_id == "a"


# ------------------------------------------------------------ durability (SQLite)


def second(path: Path) -> Replica:
    """Another replica object on the same file, the first one still open."""
    return Replica(SqliteStore(path), clock=Clock(), client_id=99)


def test_every_local_change_is_in_the_file_when_the_call_returns(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    a = make("a", 1, SqliteStore(path))
    peer = make("p", 2)
    peer.create("contact", {"first_name": "From peer"}, record_id="p1")
    steps: list[tuple[Callable[[], object], Callable[[Replica], object], object]] = [
        (lambda: a.create("contact", {"first_name": "Ann"}, record_id="c1"),
         lambda r: r.get("contact", "c1")["first_name"], "Ann"),
        (lambda: a.update("contact", "c1", {"last_name": "Lee"}),
         lambda r: r.get("contact", "c1")["last_name"], "Lee"),
        (lambda: a.create("group", {"name": "VIP"}, record_id="g1"),
         lambda r: r.get("group", "g1")["members"], []),
        (lambda: a.add_to_group("g1", "c1"), lambda r: ids_of(r.list(group="g1")), ["c1"]),
        (lambda: a.remove_from_group("g1", "c1"), lambda r: ids_of(r.list(group="g1")), []),
        (lambda: a.create("note", {"text": "héllo", "contact_ids": ["c1"]}, record_id="n1"),
         lambda r: ids_of(r.list("note", linked_to="c1")), ["n1"]),
        (lambda: a.edit_note_text("n1", 5, insert=" wörld"),
         lambda r: r.get("note", "n1")["text"], "héllo wörld"),
        (lambda: a.update("note", "n1", {"text": "bye"}),
         lambda r: r.get("note", "n1")["text"], "bye"),
        (lambda: a.delete("contact", "c1"), lambda r: ids_of(r.list()), []),
        (lambda: a.restore("contact", "c1"), lambda r: ids_of(r.list()), ["c1"]),
        (lambda: a.resolve("contact", "c1", "job_title", "CEO"),
         lambda r: r.get("contact", "c1")["job_title"], "CEO"),
        (lambda: a.apply_remote([peer.diff()]),
         lambda r: r.get("contact", "p1")["first_name"], "From peer"),
        (lambda: a.acknowledge(a.last_seq), lambda r: r.outbox(), []),
        (lambda: a.compact(), lambda r: r.store.stats()["log_entries"], 0),
    ]
    for step, (call, read, expected) in enumerate(steps):
        call()
        other = second(path)
        try:
            assert read(other) == expected, f"step {step}"
            assert other.list(include_deleted=True) == a.list(include_deleted=True)
        finally:
            other.close()
    a.close()


def edit_a_lot(a: Replica) -> None:
    a.create("company", {"name": "Acme"}, record_id="co1")
    a.create("group", {"name": "VIP"}, record_id="g1")
    for n in range(30):
        rid = f"c{n}"
        a.create("contact", {"first_name": f"Name {n}", "company_id": "co1",
                             "custom": {"n": n, "ratio": n / 4}}, record_id=rid)
        a.update("contact", rid, {"last_name": f"Last {n}", "is_private": n % 2 == 0})
        if n % 3 == 0:
            a.add_to_group("g1", rid)
        if n % 5 == 0:
            a.delete("contact", rid)
        a.create("note", {"text": f"note {n} é", "contact_ids": [rid]}, record_id=f"n{n}")
        a.edit_note_text(f"n{n}", 0, insert="✓ ")


def contents(r: Replica) -> dict[str, Any]:
    every = {kind: r.list(kind, include_deleted=True)
             for kind in ("contact", "company", "group", "note")}
    return {"lists": every, "conflicts": r.conflicts(), "sv": r.state_vector(),
            "doc": sorted(r.diff())}


def test_reopen_after_many_edits(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    a = make("a", 1, SqliteStore(path))
    edit_a_lot(a)
    before, last_stamp, outbox = contents(a), a.clock.last, a.outbox()
    a.close()
    # The wall clock went back an hour while the app was closed.
    b = make("a", 1, SqliteStore(path), now=T0 - 3_600_000)
    assert contents(b) == before
    assert b.outbox() == outbox
    assert b.clock.last >= last_stamp
    b.update("contact", "c1", {"job_title": "New"})
    assert ids_of(b.list(edited_since=last_stamp + 1)) == ["c1"]
    b.close()


def test_compaction_keeps_contents_and_outbox(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    a = make("a", 1, SqliteStore(path))
    edit_a_lot(a)
    before, outbox = contents(a), a.outbox()
    a.compact()
    stats = a.store.stats()
    assert (stats["log_entries"], stats["outbox"]) == (0, len(outbox))
    assert stats["snapshot_bytes"] > 0
    a.update("contact", "c1", {"job_title": "After compaction"})
    a.close()
    b = make("a", 1, SqliteStore(path))
    assert b.get("contact", "c1")["job_title"] == "After compaction"
    assert contents(b)["lists"]["note"] == before["lists"]["note"]
    assert b.outbox()[:len(outbox)] == outbox and len(b.outbox()) == len(outbox) + 1
    # The outbox alone is still enough for a peer to rebuild everything.
    peer = make("p", 2)
    peer.apply_remote([u for _, u in b.outbox()])
    assert contents(peer)["lists"] == contents(b)["lists"]
    assert b.acknowledge(outbox[1][0]) == 2
    assert len(b.outbox()) == len(outbox) - 1
    assert b.acknowledge(b.last_seq) == len(outbox) - 1
    b.close()
    c = make("a", 1, SqliteStore(path))
    assert c.outbox() == [] and c.acknowledge(c.last_seq) == 0
    assert c.get("contact", "c1")["job_title"] == "After compaction"
    c.close()


def contents_without_document(r: Replica) -> dict[str, Any]:
    every = {kind: r.list(kind, include_deleted=True)
             for kind in ("contact", "company", "group", "note")}
    return {"lists": every, "conflicts": r.conflicts()}


def test_reading_a_reopened_replica_builds_no_document_and_an_edit_does(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    a = make("a", 1, SqliteStore(path))
    edit_a_lot(a)
    before, vector, outbox = contents_without_document(a), a.state_vector(), a.outbox()
    a.close()
    b = make("a", 1, SqliteStore(path))
    # list, get, search and conflicts read the store's rows
    assert contents_without_document(b) == before
    assert ids_of(b.search("Name 12")) == ["c12"]
    assert b.get("contact", "c1")["last_name"] == "Last 1"
    assert (b.outbox(), b.missing, b.last_seq) == (outbox, False, outbox[-1][0])
    assert not b.document_built
    assert b.state_vector() == vector  # built now, from what the store held at opening
    assert b.document_built
    b.update("contact", "c1", {"job_title": "Built late"})
    assert b.get("contact", "c1")["job_title"] == "Built late"
    b.close()
    c = make("a", 1, SqliteStore(path))
    c.close()  # closing one never built is fine


def test_a_replica_whose_rebuild_failed_refuses_every_call_until_reopened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.replica

    path = tmp_path / "a.db"
    a = make("a", 1, SqliteStore(path))
    rid = a.create("contact", {"first_name": "Ann"})

    def failing_commit(batch: Any) -> list[int]:
        raise StoreError("disk I/O error")

    def failing_load(loaded: Any, client_id: int | None) -> Any:
        raise StoreError("cannot read the store")

    monkeypatch.setattr(a.store, "commit", failing_commit)
    monkeypatch.setattr(engine.replica, "load_document", failing_load)
    with pytest.raises(StoreError, match="disk I/O error"):
        a.update("contact", rid, {"last_name": "Lee"})
    for call in (lambda: a.get("contact", rid), lambda: a.list(), lambda: a.search("Ann"),
                 lambda: a.update("contact", rid, {"job_title": "x"}), lambda: a.outbox(),
                 lambda: a.state_vector(), lambda: a.apply_remote([b"x"])):
        with pytest.raises(StoreError, match="must be opened again"):
            call()
    monkeypatch.undo()
    a.close()
    b = make("a", 1, SqliteStore(path))
    assert b.get("contact", rid)["first_name"] == "Ann" and "last_name" not in b.get("contact", rid)
    b.close()


def test_links_and_seen_lists_a_faulty_peer_wrote_wrong_do_not_stop_a_sync() -> None:
    """A peer that wrote a note's contact_ids as true, a group's members as 5 and a
    delete's seen as a number must not make every other replica's sync fail: such a
    value holds no ids (engine/registers.py's texts_of, as the web engine reads it)."""
    doc = Doc()
    stamp = make_stamp(T0)
    with doc.transaction():
        doc.get("notes", type=Map)["n1"] = Map({
            entry_key("text", stamp, "faulty"): encode_value("hello"),
            entry_key("contact_ids", stamp, "faulty"): encode_value(True)})
        doc.get("groups", type=Map)["g1"] = Map({
            entry_key("name", stamp, "faulty"): encode_value("Team"),
            entry_key("members", stamp, "faulty"): encode_value(5)})
        doc.get("contacts", type=Map)["c1"] = Map({
            entry_key("first_name", stamp, "faulty"): encode_value("Ann"),
            entry_key("_deleted", stamp + 1, "faulty"): encode_value({"deleted": True, "seen": 7})})
    replica = make("a", 1)
    replica.apply_remote([doc.get_update()])
    assert replica.get("note", "n1")["text"] == "hello"
    assert replica.list("contact", group="g1") == []
    # Nothing seen by the delete: the first name it did not list keeps the contact alive.
    assert replica.get("contact", "c1")["first_name"] == "Ann"
    replica.create("contact", {"first_name": "Bea"})  # and the replica goes on working
    assert len(replica.list("contact")) == 2
