"""engine/materialize.py keeps rows up to date change by change; the shortcuts it takes
(one field re-resolved, search text and sort key reused, a bounded cache) must always
give exactly what resolving the whole record from scratch gives."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from engine import rows
from engine.clock import make_stamp
from engine.registers import (
    DELETED,
    Entry,
    encode_value,
    entry_key,
    parse_entry,
    refresh_fields,
    replace_value,
    resolve_entries,
)
from engine.replica import Replica
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore, RecordQuery, Store
from tests.engine.helpers import Clock

T = 1_700_000_000_000
FIELDS = ["first_name", "last_name", "email", "job_title", "mobile_phone", "custom:Region",
          DELETED]
VALUES = st.one_of(st.none(), st.sampled_from(["a", "B", "ann@x.example", "+1 555 0100", "x"]))
SOME_VALUES = st.sampled_from([None, "a", "B", "ann@x.example", "+1 555 0100", "x"])  # None 1 in 6


def entry(name: str, tick: int, replica: str, value: Any) -> Entry:
    if name == DELETED:
        value = {"deleted": bool(value), "seen": []}
    parsed = parse_entry(entry_key(name, make_stamp(T + tick), replica), encode_value(value))
    assert parsed is not None
    return parsed


writes = st.lists(st.tuples(st.sampled_from(FIELDS), st.integers(0, 20),
                            st.sampled_from("abc"), VALUES), max_size=12)


plain_writes = st.lists(st.tuples(st.sampled_from(FIELDS[:-1]), st.integers(0, 20),
                                  st.sampled_from("abc"), VALUES), max_size=12)  # no delete


def grouped_of(ws: list[tuple[str, int, str, Any]]) -> dict[str, list[Entry]]:
    grouped: dict[str, list[Entry]] = {}
    for name, tick, replica, value in ws:
        e = entry(name, tick, replica, value)
        if all(x.key != e.key for x in grouped.get(name, [])):
            grouped.setdefault(name, []).append(e)
    return grouped


@settings(max_examples=300, deadline=None)
@given(before=writes, after=writes, kind=st.sampled_from(["contact", "company"]))
def test_refresh_fields_gives_what_resolving_the_whole_record_gives(
        before: list[tuple[str, int, str, Any]], after: list[tuple[str, int, str, Any]],
        kind: str) -> None:
    old = grouped_of(before)
    previous = resolve_entries(kind, "r1", old)
    new = grouped_of(after)
    changed = {name for name in set(old) | set(new) if old.get(name) != new.get(name)}
    merged = {**{k: v for k, v in old.items() if k not in changed},
              **{k: v for k, v in new.items() if k in changed}}
    refreshed = refresh_fields(previous, merged, changed)
    whole = resolve_entries(kind, "r1", merged)
    if refreshed is not None:
        assert refreshed == whole
        assert list(refreshed.data) == list(whole.data)  # same field order, same JSON
        prev_row = rows.build_row(previous)
        assert rows.build_row(refreshed, prev_row, changed) == rows.build_row(whole)
        # With the search text cached by field, only the changed fields' parts are redone.
        parts: list[str | None] = []
        prev_row = rows.build_row(previous, search_parts=parts)
        assert rows.build_row(refreshed, prev_row, changed, parts) == rows.build_row(whole)
        fresh: list[str | None] = []
        rows.build_row(whole, search_parts=fresh)
        assert parts == fresh


def test_refresh_fields_declines_deletes_membership_and_new_fields() -> None:
    base = {"first_name": [entry("first_name", 1, "a", "Ann")]}
    previous = resolve_entries("contact", "r1", base)
    added = {**base, "email": [entry("email", 2, "a", "ann@x.example")]}
    assert refresh_fields(previous, added, {"email"}) is None
    deleted = {**base, DELETED: [entry(DELETED, 2, "a", True)]}
    assert refresh_fields(previous, deleted, {DELETED}) is None
    renamed = {"first_name": [entry("first_name", 2, "b", "Anna")]}
    refreshed = refresh_fields(previous, renamed, {"first_name"})
    assert refreshed is not None and refreshed.data["first_name"] == "Anna"
    assert refreshed.updated_by == "b"


COLUMNS = ("deleted", "updated", "updated_by", "sort_key", "sort_tail", "search", "company_id",
           "company", "data")


@settings(max_examples=500, deadline=None)
@given(before=st.one_of(plain_writes, writes), name=st.sampled_from(FIELDS), held=SOME_VALUES,
       held_tick=st.integers(0, 20), tick=st.integers(0, 40),
       replica=st.sampled_from("abc"), value=SOME_VALUES,
       kind=st.sampled_from(["contact", "company"]))
def test_replace_value_gives_what_resolving_the_whole_record_gives(
        before: list[tuple[str, int, str, Any]], name: str, held: Any, held_tick: int, tick: int,
        replica: str, value: Any, kind: str) -> None:
    old = grouped_of(before)
    if held is not None:  # mostly, the field holds one value: what an ordinary edit replaces
        old[name] = [entry(name, held_tick, "b", held)]
    previous = resolve_entries(kind, "r1", old)
    parts: list[str | None] = []
    previous_row = rows.build_row(previous, search_parts=parts)
    new = entry(name, tick, replica, value)
    grouped = dict(old)
    replaced = replace_value(previous, grouped, new)
    grouped[name] = [new]
    whole = resolve_entries(kind, "r1", grouped)
    event("declined" if replaced is None
          else "taken, not the record's last edit" if new.stamp < previous.updated else "taken")
    if replaced is None:
        return
    assert replaced == whole
    assert list(replaced.data) == list(whole.data)  # same field order, same JSON
    row = rows.with_value(previous_row, replaced, name, parts)
    expected = rows.build_row(whole)
    hints = ("side_unchanged", "changed_columns")
    assert {k: v for k, v in vars_of(row).items() if k not in hints} == {
        k: v for k, v in vars_of(expected).items() if k not in hints}
    # The hints may only leave out what did not change.
    assert row.changed_columns is not None
    assert {c for c in COLUMNS if getattr(row, c) != getattr(previous_row, c)} <= row.changed_columns
    assert not row.side_unchanged or (row.links, row.conflicts) == (previous_row.links,
                                                                    previous_row.conflicts)


def vars_of(row: rows.RecordRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}


def test_replace_value_takes_an_ordinary_edit_and_declines_the_rest() -> None:
    base = {"first_name": [entry("first_name", 1, "a", "Ann")],
            "email": [entry("email", 2, "a", "ann@x.example")]}
    previous = resolve_entries("contact", "r1", base)
    edit = entry("email", 3, "b", "ann@y.example")
    replaced = replace_value(previous, base, edit)
    assert replaced is not None
    assert (replaced.data["email"], replaced.updated, replaced.updated_by) == (
        "ann@y.example", edit.stamp, "b")
    assert replace_value(previous, base, entry("email", 2, "b", "old@x.example")) is None  # a tie
    older = replace_value(previous, base, entry("first_name", 1, "b", "Anna"))  # seen late
    assert older is not None and older.data["first_name"] == "Anna"
    assert (older.updated, older.updated_by) == (previous.updated, "a")  # still the e-mail's
    assert replace_value(previous, base, entry("email", 1, "b", "old@x.example")) is None
    assert replace_value(previous, base, entry("email", 3, "b", None)) is None  # cleared
    assert replace_value(previous, base, entry("job_title", 3, "b", "CEO")) is None  # new field
    custom = {**base, "custom.Region": [entry("custom.Region", 2, "a", "North")]}
    assert replace_value(resolve_entries("contact", "r1", custom), custom,
                         entry("custom.Region", 3, "b", "South")) is None
    # A raw field named like a key resolve_entries makes itself: the whole record decides.
    raw = {**custom, "custom": [entry("custom", 2, "a", "raw")]}
    assert resolve_entries("contact", "r1", raw).data["custom"] == {"Region": "North"}
    assert replace_value(resolve_entries("contact", "r1", raw), raw,
                         entry("custom", 3, "b", "new")) is None
    torn = {**base, "email": [*base["email"], entry("email", 2, "b", "b@x.example")]}
    assert replace_value(resolve_entries("contact", "r1", torn), torn, edit) is None  # conflict
    deleted = {**base, DELETED: [entry(DELETED, 1, "a", False)]}
    assert replace_value(resolve_entries("contact", "r1", deleted), deleted, edit) is None
    team = {"name": [entry("name", 1, "a", "Team")]}
    group = resolve_entries("group", "g1", team)
    assert replace_value(group, team, entry("name", 2, "a", "Core")) is None


ops = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 4),
                         st.sampled_from(["email", "last_name", "job_title", "mobile_phone",
                                          "custom", "delete", "restore", "resolve", "sync",
                                          "reopen"]),
                         st.integers(0, 2)),
               min_size=1, max_size=30)


CHOICES = {"email": ["x@y.example", "z@y.example", None], "last_name": ["Okafor", "Smith", "Ng"],
           "job_title": ["CEO", "CFO", None], "mobile_phone": ["+1 555 0101", "555 0102 x7", None],
           "custom": ["North", "South", None], "resolve": ["r@y.example", "x@y.example", None]}


def apply_op(replica: Replica, rid: str, what: str, choice: int) -> None:
    value = CHOICES.get(what, [None])[choice % len(CHOICES.get(what, [None]))]
    record = replica.get("contact", rid, include_deleted=True)
    if what == "delete":
        replica.delete("contact", rid)
    elif what == "restore":
        replica.restore("contact", rid)
    elif record["deleted"]:
        return
    elif what == "resolve":
        replica.resolve("contact", rid, "email", value)
    elif what == "custom":
        replica.update("contact", rid, {"custom": {"Region": value}})
    else:
        replica.update("contact", rid, {what: value})


def stored_rows(replica: Replica) -> list[tuple[object, ...]]:
    """Every column the store keeps, search text and sort keys included."""
    return [(r.kind, r.id, r.deleted, r.updated, r.updated_by, r.data, r.search, r.sort_key,
             r.sort_tail, r.company_id, r.company, r.links, r.conflicts)
            for r in replica.store.query(RecordQuery("contact", include_deleted=True))]


def scratch_view(replica: Replica) -> tuple[object, object, object]:
    scratch = Replica(MemoryStore(), clock=Clock(0), replica_id="scratch")
    scratch.apply_remote([replica.diff()])
    return (scratch.list("contact", include_deleted=True), scratch.conflicts(),
            stored_rows(scratch))


class Stores:
    """Where the two replicas of a run keep their data: memory, or SQLite files that
    each "reopen" step closes and opens again (the store's column hints, its row
    writes and reads, and a replica rebuilt from a file all take part)."""

    def __init__(self, kind: str, directory: str) -> None:
        self.kind, self.directory = kind, Path(directory)
        self.memory: dict[str, MemoryStore] = {}

    def open(self, name: str, cache: int) -> Replica:
        store: Store
        if self.kind == "sqlite":
            store = SqliteStore(self.directory / f"{name}.sqlite", synchronous="OFF")
        else:
            store = self.memory.setdefault(name, MemoryStore())
        replica = Replica(store, clock=Clock(1_000), replica_id=name, client_id=ord(name))
        replica._rows._cache_records = cache  # evictions must not change any row
        return replica


def check_rows_change_by_change(kind: str, steps: list[tuple[str, int, str, int]],
                                cache: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        stores = Stores(kind, directory)
        replicas = {name: stores.open(name, cache) for name in ("a", "b")}
        ids = [replicas["a"].create("contact", {"first_name": f"P{i}", "last_name": "Smith",
                                                "email": f"p{i}@x.example"}) for i in range(5)]
        sent = {"a": 0, "b": 0}

        def sync() -> None:
            for src, dst in (("a", "b"), ("b", "a")):
                out = replicas[src].outbox(sent[src])
                if out:
                    sent[src] = out[-1][0]
                    replicas[dst].apply_remote([u for _, u in out])

        sync()
        for who, index, what, value in steps:
            if what == "sync":
                sync()
            elif what == "reopen":
                replicas[who].close()
                replicas[who] = stores.open(who, cache)
            else:
                apply_op(replicas[who], ids[index], what, value)
        sync()
        for replica in replicas.values():
            assert (replica.list("contact", include_deleted=True), replica.conflicts(),
                    stored_rows(replica)) == scratch_view(replica)
            replica.close()


@settings(max_examples=300, deadline=None)
@given(steps=ops, cache=st.sampled_from([1, 3, 1000]))
def test_rows_kept_change_by_change_match_the_document_resolved_whole(
        steps: list[tuple[str, int, str, int]], cache: int) -> None:
    check_rows_change_by_change("memory", steps, cache)


@settings(max_examples=150, deadline=None)
@given(steps=ops, cache=st.sampled_from([1, 3, 1000]))
def test_rows_kept_change_by_change_match_on_sqlite_files_reopened_at_random(
        steps: list[tuple[str, int, str, int]], cache: int) -> None:
    check_rows_change_by_change("sqlite", steps, cache)
