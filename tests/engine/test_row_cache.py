"""The replica keeps parsed entries and skips rewriting unchanged links and conflicts;
what the SQLite store holds must stay exactly what a fresh replica derives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.replica import Replica
from engine.sqlite_store import SqliteStore


def counter(start: int) -> Callable[[], int]:
    now = [start]

    def clock() -> int:
        now[0] += 1
        return now[0]

    return clock


def exchange(a: Replica, b: Replica) -> None:
    b.apply_remote([u for _, u in a.outbox()])
    a.apply_remote([u for _, u in b.outbox()])


def stored_view(path: Path) -> tuple[object, object, object]:
    fresh = Replica(SqliteStore(path), clock=counter(0))
    try:
        return (fresh.list("contact", include_deleted=True), fresh.conflicts(),
                fresh.list("group", include_deleted=True))
    finally:
        fresh.close()


def test_rows_links_and_conflicts_stay_exact_through_cached_updates(tmp_path: Path) -> None:
    a = Replica(SqliteStore(tmp_path / "a.sqlite"), clock=counter(1_000), replica_id="a")
    b = Replica(SqliteStore(tmp_path / "b.sqlite"), clock=counter(2_000), replica_id="b")
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
    from engine.store import MemoryStore

    source = Replica(MemoryStore(), clock=counter(1), replica_id="src")
    for n in range(1200):
        source.create("contact", {"first_name": f"N{n}"})
    target = Replica(MemoryStore(), clock=counter(5), replica_id="dst")
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

    replica = Replica(MemoryStore(), clock=counter(1), replica_id="a")
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

    a = Replica(MemoryStore(), clock=counter(1_000), replica_id="a")
    n = 0
    while len(a.diff()) <= COMPACT_MIN_BYTES:
        for _ in range(100):
            a.create("contact", {"first_name": f"P{n}", "last_name": "Smith" * 40,
                                 "email": f"p{n}@example.com"})
            n += 1
    path = tmp_path / "b.sqlite"
    b = Replica(SqliteStore(path), clock=counter(2_000), replica_id="b")
    full = a.diff()
    assert b.apply_remote([full]).records == n
    stats = b.store.stats()
    assert (stats["log_entries"], stats["records"]) == (0, n)
    assert stats["snapshot_bytes"] > COMPACT_MIN_BYTES
    b.close()
    again = Replica(SqliteStore(path), clock=counter(3_000))
    assert again.state_vector() == a.state_vector()
    assert again.list(limit=3) == a.list(limit=3)
    # Not fresh any more: a second big update is logged as usual.
    small = Replica(MemoryStore(), clock=counter(4_000), replica_id="c")
    small.create("contact", {"first_name": "Zed"})
    again.apply_remote([small.diff()])
    assert again.store.stats()["log_entries"] == 1
    again.close()
