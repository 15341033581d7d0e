"""The replica keeps parsed entries and skips rewriting unchanged links and conflicts;
what the SQLite store holds must stay exactly what a fresh replica derives."""

from __future__ import annotations

import gc
import sqlite3
import weakref
from pathlib import Path

import pytest

from engine import sqlite_store
from engine.errors import StoreError
from engine.replica import Replica, ids_of
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore, RecordRow
from tests.engine.helpers import Clock


def exchange(a: Replica, b: Replica) -> None:
    b.apply_remote([u for _, u in a.outbox()])
    a.apply_remote([u for _, u in b.outbox()])


def stored_view(path: Path) -> tuple[object, object, object]:
    fresh = Replica(SqliteStore(path), clock=Clock(0))
    try:
        return (fresh.list("contact", include_deleted=True), fresh.conflicts(),
                fresh.list("group", include_deleted=True))
    finally:
        fresh.close()


def test_rows_links_and_conflicts_stay_exact_through_cached_updates(tmp_path: Path) -> None:
    a = Replica(SqliteStore(tmp_path / "a.sqlite"), clock=Clock(1_000), replica_id="a")
    b = Replica(SqliteStore(tmp_path / "b.sqlite"), clock=Clock(2_000), replica_id="b")
    ann = a.create("contact", {"first_name": "Ann", "email": "ann@x.example"})
    team = a.create("group", {"name": "Team"})
    a.add_to_group(team, ann)
    exchange(a, b)
    a.update("contact", ann, {"email": "a@x.example"})
    b.update("contact", ann, {"email": "b@x.example"})
    exchange(a, b)
    assert len(a.conflicts()) == 1
    # Other fields change: the conflict and the membership must stay stored.
    a.update("contact", ann, {"job_title": "CEO"})
    b.update("group", team, {"description": "core"})
    exchange(a, b)
    assert stored_view(tmp_path / "a.sqlite") == (a.list("contact", include_deleted=True),
                                                   a.conflicts(), a.list("group"))
    assert len(a.conflicts()) == 1 and a.list("contact", group=team)[0]["id"] == ann
    # Resolving and leaving the group change them: the store must follow.
    b.resolve("contact", ann, "email", "ann@x.example")
    b.remove_from_group(team, ann)
    exchange(a, b)
    for replica, name in ((a, "a"), (b, "b")):
        assert replica.conflicts() == []
        assert replica.list("contact", group=team) == []
        assert stored_view(tmp_path / f"{name}.sqlite") == (
            replica.list("contact", include_deleted=True), [], replica.list("group"))
    a.close()
    b.close()


def test_apply_remote_reports_progress_over_the_records_it_resolves() -> None:
    source = Replica(MemoryStore(), clock=Clock(1), replica_id="src")
    for n in range(1200):
        source.create("contact", {"first_name": f"N{n}"})
    target = Replica(MemoryStore(), clock=Clock(5), replica_id="dst")
    calls: list[tuple[int, int]] = []
    target.apply_remote([source.diff()], progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (1200, 1200)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert {total for _, total in calls} == {1200}
    assert len(calls) >= 3  # reported along the way, not only at the end


def test_resolve_cannot_clear_a_required_field_and_writes_nothing() -> None:
    import pytest

    from engine.errors import ValidationError
    from engine.store import MemoryStore

    replica = Replica(MemoryStore(), clock=Clock(1), replica_id="a")
    gid = replica.create("group", {"name": "Team"})
    before = replica.store.stats()
    with pytest.raises(ValidationError) as caught:
        replica.resolve("group", gid, "name", None)
    assert caught.value.field == "name" and caught.value.record_id == gid
    assert replica.store.stats() == before
    assert replica.get("group", gid)["name"] == "Team"


def test_a_new_replicas_first_big_sync_is_stored_as_its_snapshot(tmp_path: Path) -> None:
    from engine.replica import COMPACT_MIN_BYTES
    from engine.store import MemoryStore

    a = Replica(MemoryStore(), clock=Clock(1_000), replica_id="a")
    n = 0
    while len(a.diff()) <= COMPACT_MIN_BYTES:
        for _ in range(100):
            a.create("contact", {"first_name": f"P{n}", "last_name": "Smith" * 40,
                                 "email": f"p{n}@example.com"})
            n += 1
    path = tmp_path / "b.sqlite"
    b = Replica(SqliteStore(path), clock=Clock(2_000), replica_id="b")
    full = a.diff()
    assert b.apply_remote([full]).records == n
    stats = b.store.stats()
    assert (stats["log_entries"], stats["records"]) == (0, n)
    assert stats["snapshot_bytes"] > COMPACT_MIN_BYTES
    b.close()
    again = Replica(SqliteStore(path), clock=Clock(3_000))
    assert again.state_vector() == a.state_vector()
    assert again.list(limit=3) == a.list(limit=3)
    # Not fresh any more: a second big update is logged as usual.
    small = Replica(MemoryStore(), clock=Clock(4_000), replica_id="c")
    small.create("contact", {"first_name": "Zed"})
    again.apply_remote([small.diff()])
    assert again.store.stats()["log_entries"] == 1
    again.close()


def stored_columns(path: Path) -> list[tuple[object, ...]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT kind, id, deleted, updated, updated_by, sort_key, sort_tail, search, company_id, "
            "company, data FROM records ORDER BY kind, id").fetchall() + conn.execute(
            "SELECT kind, id, target FROM links ORDER BY kind, id, target").fetchall()
    finally:
        conn.close()


def test_rows_updated_column_by_column_are_stored_exactly_as_written_whole(
        tmp_path: Path) -> None:
    # Cached rows are written with an UPDATE of the columns that may have changed only;
    # every stored column must still be what a replica writing whole rows stores.
    a = Replica(SqliteStore(tmp_path / "a.sqlite"), clock=Clock(1_000), replica_id="a")
    b = Replica(SqliteStore(tmp_path / "b.sqlite"), clock=Clock(2_000), replica_id="b")
    ids = [a.create("contact", {"first_name": f"P{n}", "last_name": "Smith",
                                "mobile_phone": f"+1 555 01{n:02d}", "company": "Acme",
                                "job_title": "Buyer", "email": f"p{n}@x.example"})
           for n in range(7)]
    call = a.create("history", {"regarding": "Call", "contact_ids": [ids[0]]})
    exchange(a, b)
    b.update("contact", ids[0], {"job_title": "CEO"})           # no indexed column changes
    b.update("contact", ids[1], {"last_name": "Adams"})         # the sort key changes
    b.update("contact", ids[2], {"mobile_phone": "555 0199"})   # the search text changes
    b.update("contact", ids[3], {"company": "Blue Ridge"})      # company and sort key
    b.update("contact", ids[6], {"email": "p6@y.example"})      # the sort tail and search
    b.update("history", call, {"contact_ids": [ids[0], ids[1]]})  # the links
    a.update("contact", ids[4], {"email": "mine@x.example"})    # a conflict: `updated`
    b.update("contact", ids[4], {"email": "theirs@x.example"})  # may stay as it was
    exchange(a, b)
    a.update("contact", ids[5], {"job_title": "CFO"})
    a.delete("contact", ids[5])
    exchange(a, b)
    assert a.list("contact")[0]["last_name"] == "Adams"
    assert [r["id"] for r in a.search("5550199")] == [ids[2]]
    assert [r["id"] for r in a.search("p6@y.example")] == [ids[6]]
    assert ids_of(a.list("history", linked_to=ids[1])) == [call]
    fresh_path = tmp_path / "fresh.sqlite"
    fresh = Replica(SqliteStore(fresh_path), clock=Clock(3_000), replica_id="f")
    fresh.apply_remote([a.diff()])
    for replica in (a, b, fresh):
        replica.close()
    expected = stored_columns(fresh_path)
    assert stored_columns(tmp_path / "a.sqlite") == expected
    assert stored_columns(tmp_path / "b.sqlite") == expected


def test_a_row_hint_for_a_row_the_store_lacks_writes_the_whole_row(tmp_path: Path) -> None:
    from engine.store import Batch, RecordQuery, RecordRow

    store = SqliteStore(tmp_path / "s.sqlite")
    row = RecordRow(kind="contact", id="c1", deleted=False, updated=5, updated_by="a",
                    data={"id": "c1", "first_name": "Ann"}, sort_key="ann", links=["c0"],
                    side_unchanged=True, changed_columns=frozenset({"data"}))
    store.commit(Batch(rows=[row]))
    (stored,) = store.query(RecordQuery("contact"))
    assert (stored.data, stored.sort_key, stored.updated, stored.links) == (
        row.data, "ann", 5, ["c0"])
    store.close()


def test_a_remote_stamp_from_the_future_is_kept_by_the_clock_across_a_restart(
        tmp_path: Path) -> None:
    # Rows are made while the store writes them; the clock they move must still be what
    # the same commit stores, or a local edit after a restart would lose to an older one.
    # (Ahead by less than the allowed skew: the clock follows no stamp further.)
    ahead = Replica(MemoryStore(), clock=Clock(200_000), replica_id="ahead", client_id=2)
    rid = ahead.create("contact", {"first_name": "Ann", "email": "old@x.example"})
    path = tmp_path / "a.sqlite"
    a = Replica(SqliteStore(path), clock=Clock(1_000), replica_id="a", client_id=1)
    a.apply_remote([u for _, u in ahead.outbox()])
    a.close()
    a = Replica(SqliteStore(path), clock=Clock(1_000), replica_id="a", client_id=1)
    assert a.clock.last >= ahead.clock.last
    a.update("contact", rid, {"email": "new@x.example"})  # made later, on a slow clock
    assert a.get("contact", rid)["email"] == "new@x.example"
    ahead.apply_remote([u for _, u in a.outbox()])
    assert ahead.get("contact", rid)["email"] == "new@x.example"
    a.close()


def test_a_store_failing_half_way_through_the_rows_keeps_nothing_and_the_replica_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = Replica(MemoryStore(), clock=Clock(1), replica_id="src", client_id=2)
    ids = [source.create("contact", {"first_name": f"N{n}"}) for n in range(40)]
    path = tmp_path / "a.sqlite"
    a = Replica(SqliteStore(path), clock=Clock(5), replica_id="a", client_id=1)
    a.apply_remote([u for _, u in source.outbox()])
    before, seq = stored_view(path), a.last_seq
    after = source.last_seq
    for n, rid in enumerate(ids):
        source.update("contact", rid, {"job_title": f"T{n}"})
    edits = [u for _, u in source.outbox(after_seq=after)]

    monkeypatch.setattr(sqlite_store, "ROW_CHUNK", 8)
    chunks: list[int] = []
    write_rows = sqlite_store.write_rows

    def failing(conn: sqlite3.Connection, rows: list[RecordRow]) -> None:
        chunks.append(len(rows))
        if len(chunks) == 3:
            raise sqlite3.OperationalError("disk I/O error")
        write_rows(conn, rows)

    monkeypatch.setattr(sqlite_store, "write_rows", failing)
    with pytest.raises(StoreError, match="disk I/O error"):
        a.apply_remote(edits)
    assert chunks == [8, 8, 8]  # rows were being written as they were made
    assert stored_view(path) == before  # the first chunks' rows were rolled back
    assert a.store.log(seq) == []
    # The document holds nothing the store lacks: the edits are not half there.
    assert a.diff() == Replica(SqliteStore(path), clock=Clock(0)).diff()
    assert "job_title" not in a.get("contact", ids[0])

    monkeypatch.setattr(sqlite_store, "write_rows", write_rows)
    # The document transaction that made the rows has ended, so local edits work; the
    # relay sends the unstored updates again, and this time they are stored.
    a.update("contact", ids[0], {"last_name": "Local"})
    assert a.apply_remote(edits).records == 40
    a.close()
    fresh = Replica(SqliteStore(path), clock=Clock(0))
    titles = {c["id"]: c["job_title"] for c in fresh.list("contact")}
    assert titles == {rid: f"T{n}" for n, rid in enumerate(ids)}
    assert fresh.get("contact", ids[0])["last_name"] == "Local"
    fresh.close()


def test_a_closed_replica_is_freed_at_once(tmp_path: Path) -> None:
    # Its objects are many (a 10k-contact replica: ~500k); left to the garbage collector
    # they would stay until its next full pass, and make every pass longer meanwhile.
    gc.collect()
    gc.disable()
    try:
        a = Replica(SqliteStore(tmp_path / "a.sqlite"), clock=Clock(5), replica_id="a")
        for n in range(20):
            a.create("contact", {"first_name": f"N{n}"})
        a.list()
        doc, rows = weakref.ref(a._doc), weakref.ref(a._rows)
        a.close()
        del a
        assert (doc(), rows()) == (None, None)
    finally:
        gc.enable()
