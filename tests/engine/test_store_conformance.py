"""The store conformance suite: one set of tests run against every Store implementation.

A new store passes when this file passes with it added to ``STORES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.sqlite_store import SqliteStore
from engine.store import LOCAL, Batch, LogEntry, MemoryStore, RecordQuery, RecordRow, Store

STORES: dict[str, Callable[[Path], Store]] = {
    "memory": lambda tmp: MemoryStore(),
    "sqlite": lambda tmp: SqliteStore(tmp / "replica.db"),
}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made = STORES[request.param](tmp_path)
    yield made
    made.close()


def row(kind: str, rid: str, **kw: Any) -> RecordRow:
    kw.setdefault("data", {"id": rid})
    return RecordRow(kind=kind, id=rid, deleted=kw.pop("deleted", False),
                     updated=kw.pop("updated", 1), updated_by=kw.pop("updated_by", "a"), **kw)


def conflict(kind: str, rid: str, field: str, value: Any, stamp: int) -> dict[str, Any]:
    return {"kind": kind, "record_id": rid, "field": field, "value": value,
            "replica": "b", "stamp": stamp, "current": "now"}


def ids(rows: list[RecordRow]) -> list[str]:
    return [r.id for r in rows]


def test_a_new_store_is_empty(store: Store) -> None:
    loaded = store.load()
    assert (loaded.snapshot, loaded.snapshot_seq, loaded.log) == (None, 0, [])
    assert "replica_id" not in loaded.meta
    assert store.stats() == {"log_entries": 0, "log_bytes": 0, "snapshot_bytes": 0,
                             "outbox": 0, "records": 0}
    assert store.outbox() == [] and store.log() == [] and store.conflicts() == []


def test_commit_appends_to_log_and_local_updates_to_outbox(store: Store) -> None:
    seqs = store.commit(Batch([(b"u1", LOCAL, 10), (b"u22", "remote", 11), (b"u3", LOCAL, 12)],
                              meta={"replica_id": "a", "clock": "5"}))
    assert seqs == [1, 2, 3]
    assert store.log() == [LogEntry(1, b"u1", LOCAL, 10), LogEntry(2, b"u22", "remote", 11),
                           LogEntry(3, b"u3", LOCAL, 12)]
    assert store.outbox() == [LogEntry(1, b"u1", LOCAL, 10), LogEntry(3, b"u3", LOCAL, 12)]
    assert store.commit(Batch([(b"u4", LOCAL, 13)], meta={"clock": "6"})) == [4]
    loaded = store.load()
    assert [e.seq for e in loaded.log] == [1, 2, 3, 4]
    assert (loaded.meta["replica_id"], loaded.meta["clock"]) == ("a", "6")
    assert store.stats() == {"log_entries": 4, "log_bytes": 9, "snapshot_bytes": 0,
                             "outbox": 3, "records": 0}


def test_commit_of_nothing_writes_nothing(store: Store) -> None:
    assert store.commit(Batch()) == []
    assert store.stats()["log_entries"] == 0 and store.load().log == []


def test_a_failing_commit_writes_nothing(store: Store) -> None:
    store.commit(Batch([(b"u1", LOCAL, 1)], [row("contact", "c1")], {"clock": "1"}))
    before = (store.load(), store.stats(), store.get_rows("contact", ["c1", "c2"]))
    bad = row("contact", "c2", data={"id": "c2", "x": (n for n in range(3))})
    with pytest.raises(TypeError):
        store.commit(Batch([(b"u2", LOCAL, 2)], [row("contact", "c1", updated=9), bad],
                           {"clock": "2"}))
    assert (store.load(), store.stats(), store.get_rows("contact", ["c1", "c2"])) == before
    assert store.commit(Batch([(b"u3", LOCAL, 3)])) == [2]  # no sequence number was used up


def test_log_and_outbox_paging(store: Store) -> None:
    store.commit(Batch([(bytes([n]), LOCAL if n % 2 else "remote", n) for n in range(1, 8)]))
    assert [e.seq for e in store.log(after_seq=3)] == [4, 5, 6, 7]
    assert [e.seq for e in store.log(after_seq=3, limit=2)] == [4, 5]
    assert [e.seq for e in store.outbox()] == [1, 3, 5, 7]
    assert [e.seq for e in store.outbox(after_seq=1, limit=2)] == [3, 5]
    assert all(e.origin == LOCAL for e in store.outbox())


def test_ack_drops_outbox_entries_up_to_seq(store: Store) -> None:
    store.commit(Batch([(b"a", LOCAL, 1), (b"b", LOCAL, 2), (b"c", "remote", 3),
                        (b"d", LOCAL, 4)]))
    assert store.ack_outbox(2) == 2
    assert [e.update for e in store.outbox()] == [b"d"]
    assert store.ack_outbox(2) == 0
    assert store.ack_outbox(100) == 1
    assert store.outbox() == []
    assert len(store.log()) == 4  # acknowledging never touches the log


def test_compact_replaces_the_log_up_to_seq(store: Store) -> None:
    store.commit(Batch([(b"aa", LOCAL, 1), (b"bb", "remote", 2), (b"cc", LOCAL, 3)]))
    store.compact(b"SNAPSHOT", 2)
    loaded = store.load()
    assert (loaded.snapshot, loaded.snapshot_seq) == (b"SNAPSHOT", 2)
    assert [e.update for e in loaded.log] == [b"cc"]
    assert [e.seq for e in store.log()] == [3]
    assert store.stats() == {"log_entries": 1, "log_bytes": 2, "snapshot_bytes": 8,
                             "outbox": 2, "records": 0}
    assert [e.update for e in store.outbox()] == [b"aa", b"cc"]  # the outbox survives
    # Sequence numbers are never reused, even after the log was emptied.
    store.compact(b"SNAP2", 3)
    assert store.load().log == [] and store.load().snapshot == b"SNAP2"
    assert store.commit(Batch([(b"dd", LOCAL, 4)])) == [4]


def test_a_batch_with_a_snapshot_replaces_the_whole_log_with_it(store: Store) -> None:
    store.commit(Batch([(b"aa", LOCAL, 1), (b"bb", "remote", 2)]))
    row = RecordRow(kind="contact", id="c1", deleted=False, updated=5, updated_by="a",
                    data={"id": "c1"})
    assert store.commit(Batch([(b"cc", "remote", 3)], [row], {"k": "v"}, b"WHOLE")) == [3]
    loaded = store.load()
    assert (loaded.snapshot, loaded.snapshot_seq, loaded.log) == (b"WHOLE", 3, [])
    assert loaded.meta["k"] == "v" and list(store.get_rows("contact", ["c1"])) == ["c1"]
    assert [e.update for e in store.outbox()] == [b"aa"]
    assert store.commit(Batch([], [], {}, b"AGAIN")) == []
    assert store.load().snapshot_seq == 3  # seqs are never reused
    assert store.commit(Batch([(b"dd", LOCAL, 4)])) == [4]


def test_rows_round_trip(store: Store) -> None:
    data = {"id": "c1", "first_name": "Zoë", "n": 3, "x": 2.0, "tags": ["a", "b"],
            "custom": {"nested": {"k": None}}}
    r = row("contact", "c1", data=data, updated=77, updated_by="bee", search="zoë\x1fzz",
            sort_key="lee\x1fzoë", company_id="co1", company="Acme", links=["c9", "c2", "c2"],
            conflicts=[conflict("contact", "c1", "x", 1, 5),
                       conflict("contact", "c1", "n", [1], 4)])
    store.commit(Batch(rows=[r]))
    got = store.get_rows("contact", ["c1", "missing"])
    assert list(got) == ["c1"]
    c1 = got["c1"]
    assert c1.data == data and type(c1.data["n"]) is int and type(c1.data["x"]) is float
    assert (c1.kind, c1.deleted, c1.updated, c1.updated_by) == ("contact", False, 77, "bee")
    assert (c1.search, c1.sort_key, c1.company_id, c1.company) == (
        "zoë\x1fzz", "lee\x1fzoë", "co1", "Acme")
    assert c1.links == ["c2", "c9"]  # a set, in order
    assert [(c["field"], c["value"]) for c in c1.conflicts] == [("n", [1]), ("x", 1)]
    assert store.get_rows("company", ["c1"]) == {}
    assert store.stats()["records"] == 1


def test_row_data_round_trips_big_integers_and_any_text(store: Store) -> None:
    data = {"id": "c1", "custom": {"big": 2**70, "small": -3, "ratio": 0.5, "name": "Zoë 😀"}}
    store.commit(Batch(rows=[RecordRow(kind="contact", id="c1", deleted=False, updated=1,
                                       updated_by="a", data=data)]))
    got = store.get_rows("contact", ["c1"])["c1"].data
    assert got == data and isinstance(got["custom"]["big"], int)


def test_rows_are_replaced_not_merged(store: Store) -> None:
    store.commit(Batch(rows=[row("group", "g1", links=["c1", "c2"],
                                 conflicts=[conflict("group", "g1", "name", "x", 1)])]))
    store.commit(Batch(rows=[row("group", "g1", links=["c3"], deleted=True)]))
    g1 = store.get_rows("group", ["g1"])["g1"]
    assert (g1.links, g1.conflicts, g1.deleted) == (["c3"], [], True)
    assert store.conflicts() == []
    assert store.stats()["records"] == 1


def test_returned_rows_are_copies(store: Store) -> None:
    store.commit(Batch(rows=[row("contact", "c1", data={"id": "c1", "tags": ["a"]})]))
    got = store.get_rows("contact", ["c1"])["c1"]
    got.data["tags"].append("MUTATED")
    got.links.append("MUTATED")
    assert store.get_rows("contact", ["c1"])["c1"].data == {"id": "c1", "tags": ["a"]}
    assert store.query(RecordQuery("contact"))[0].links == []


def test_get_rows_many_ids(store: Store) -> None:
    store.commit(Batch(rows=[row("contact", f"c{n}") for n in range(1200)]))
    wanted = [f"c{n}" for n in range(0, 1300, 3)]
    assert sorted(store.get_rows("contact", wanted)) == sorted(
        f"c{n}" for n in range(0, 1200, 3))


@pytest.fixture
def filled(store: Store) -> Store:
    rows = [
        row("contact", "c1", sort_key="adams", updated=10, search="ann\x1fadams",
            company_id="co1", company="Acme"),
        row("contact", "c2", sort_key="baker", updated=20, search="bob\x1fbaker",
            company_id="co2", company="Ünïcorn GmbH"),
        row("contact", "c3", sort_key="baker", updated=30, search="cy\x1fbaker",
            company="ACME"),
        row("contact", "c4", sort_key="cole", updated=40, search="dee\x1fcole", deleted=True,
            company_id="co1"),
        row("contact", "c5", sort_key="", updated=50, search="eve"),
        row("group", "g1", sort_key="vip", links=["c1", "c3", "c4"]),
        row("group", "g2", sort_key="old", links=["c2"], deleted=True),
        row("note", "n1", sort_key="2024", links=["c1"], updated=15),
        row("note", "n2", sort_key="2023", links=["c1", "c2"], updated=25),
        row("history", "h1", links=["c2"]),
    ]
    store.commit(Batch(rows=rows))
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (RecordQuery("contact"), ["c5", "c1", "c2", "c3"]),  # sort key, then id
        (RecordQuery("contact", include_deleted=True), ["c5", "c1", "c2", "c3", "c4"]),
        (RecordQuery("company"), []),
        (RecordQuery("contact", group="g1"), ["c1", "c3"]),
        (RecordQuery("contact", group="g1", include_deleted=True), ["c1", "c3", "c4"]),
        (RecordQuery("contact", group="g2"), []),  # a deleted group has no members
        (RecordQuery("contact", group="nope"), []),
        (RecordQuery("contact", company="co1"), ["c1"]),
        (RecordQuery("contact", company="co1", include_deleted=True), ["c1", "c4"]),
        (RecordQuery("contact", company="acme"), ["c1", "c3"]),
        (RecordQuery("contact", company="ünïcorn gmbh"), ["c2"]),
        (RecordQuery("contact", company="ÜNÏCORN GMBH"), ["c2"]),
        (RecordQuery("contact", company="acm"), []),
        (RecordQuery("note", linked_to="c1"), ["n2", "n1"]),
        (RecordQuery("note", linked_to="c2"), ["n2"]),
        (RecordQuery("history", linked_to="c2"), ["h1"]),
        (RecordQuery("group", linked_to="c3"), ["g1"]),
        (RecordQuery("note", linked_to="c3"), []),
        (RecordQuery("contact", edited_since=20), ["c5", "c2", "c3"]),  # inclusive
        (RecordQuery("contact", edited_since=21), ["c5", "c3"]),
        (RecordQuery("contact", edited_since=51, include_deleted=True), []),
        (RecordQuery("contact", text="baker"), ["c2", "c3"]),
        (RecordQuery("contact", text="er\x1f"), []),
        (RecordQuery("contact", text="e"), ["c5", "c2", "c3"]),
        (RecordQuery("contact", limit=2), ["c5", "c1"]),
        (RecordQuery("contact", limit=2, offset=2), ["c2", "c3"]),
        (RecordQuery("contact", offset=3), ["c3"]),
        (RecordQuery("contact", limit=0), []),
        (RecordQuery("contact", offset=10), []),
        (RecordQuery("contact", text="baker", company="acme", group="g1", edited_since=25),
         ["c3"]),
    ],
)
def test_query(filled: Store, query: RecordQuery, expected: list[str]) -> None:
    assert ids(filled.query(query)) == expected


def test_query_returns_whole_rows(filled: Store) -> None:
    [g1] = filled.query(RecordQuery("group", text=None, linked_to="c1"))
    assert (g1.id, g1.links, g1.sort_key) == ("g1", ["c1", "c3", "c4"], "vip")


def test_conflicts_by_kind_and_record(store: Store) -> None:
    store.commit(Batch(rows=[
        row("contact", "c2", conflicts=[conflict("contact", "c2", "email", "x@y.z", 3)]),
        row("contact", "c1", conflicts=[conflict("contact", "c1", "phone", "555", 9),
                                        conflict("contact", "c1", "city", None, 8),
                                        conflict("contact", "c1", "city", {"a": 1.5}, 2)]),
        row("note", "n1", conflicts=[conflict("note", "n1", "_deleted", True, 4)]),
        row("note", "n2"),
    ]))
    every = store.conflicts()
    assert [(c["kind"], c["record_id"], c["field"], c["stamp"]) for c in every] == [
        ("contact", "c1", "city", 2), ("contact", "c1", "city", 8), ("contact", "c1", "phone", 9),
        ("contact", "c2", "email", 3), ("note", "n1", "_deleted", 4)]
    assert every[0] == conflict("contact", "c1", "city", {"a": 1.5}, 2)
    assert every[1]["value"] is None
    assert [c["record_id"] for c in store.conflicts("note")] == ["n1"]
    assert [c["field"] for c in store.conflicts("contact", "c1")] == ["city", "city", "phone"]
    assert store.conflicts(record_id="c2")[0]["value"] == "x@y.z"
    assert store.conflicts("group") == []


def test_digests_change_with_a_rows_data_or_deleted_flag_and_only_then(store: Store) -> None:
    store.commit(Batch([], [row("contact", "c1", data={"first_name": "Ann"}),
                            row("contact", "c2", data={"first_name": "Bob"}),
                            row("company", "k1", data={"name": "Acme"})]))
    before = store.digests("contact")
    assert sorted(before) == ["c1", "c2"]
    assert before["c1"] != before["c2"]
    store.commit(Batch([], [row("contact", "c1", data={"first_name": "Ann"}, updated=9)]))
    assert store.digests("contact") == before  # same content, newer stamp: same digest
    store.commit(Batch([], [row("contact", "c1", data={"first_name": "Anne"})]))
    changed = store.digests("contact")
    assert changed["c1"] != before["c1"] and changed["c2"] == before["c2"]
    store.commit(Batch([], [row("contact", "c2", data={"first_name": "Bob"}, deleted=True)]))
    assert store.digests("contact")["c2"] != before["c2"]
    assert list(store.digests("company")) == ["k1"]
    assert store.digests("note") == {}
