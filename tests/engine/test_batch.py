"""Tests of Replica.batch() and Replica.record_digests(), used by the Act! bridge."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ValidationError
from engine.replica import Replica
from engine.sqlite_store import SqliteStore
from engine.updates import read_shape
from tests.engine.helpers import Clock, make


def test_a_batch_commits_its_changes_in_one_store_transaction(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    a = make("a", 1, store)
    commits: list[int] = []
    real = store.commit
    store.commit = lambda batch: commits.append(len(batch.updates)) or real(batch)  # type: ignore[method-assign]
    with a.batch():
        for n in range(5):
            a.create("contact", {"first_name": f"P{n}"})
        assert commits == []  # nothing written until the block ends
        with a.batch():  # a nested block joins the outer one
            a.write_external("contact", "ext-1", {"first_name": "Ext"}, edited_ms=1_700_000_100_000,
                             writer="act")
        assert commits == []
    assert commits == [1]  # the six changes' updates merged into one log entry
    a.close()
    again = Replica(SqliteStore(tmp_path / "r.sqlite"), clock=Clock(), client_id=7)
    assert sorted(r["first_name"] for r in again.list()) == ["Ext", "P0", "P1", "P2", "P3", "P4"]
    assert len(again.outbox()) == 1
    peer = make("b", 2)
    peer.apply_remote([update for _, update in again.outbox()])
    assert sorted(r["first_name"] for r in peer.list()) == ["Ext", "P0", "P1", "P2", "P3", "P4"]
    again.close()


def test_a_batch_ending_in_an_error_keeps_what_was_done_before_it(tmp_path: Path) -> None:
    a = make("a", 1, SqliteStore(tmp_path / "r.sqlite"))
    with pytest.raises(ValidationError), a.batch():
        a.create("contact", {"first_name": "Kept"})
        a.create("contact", {"email": "not an address"})
    a.close()
    again = Replica(SqliteStore(tmp_path / "r.sqlite"), clock=Clock(), client_id=7)
    assert [r["first_name"] for r in again.list()] == ["Kept"]
    again.close()


def test_record_digests_change_only_for_the_records_that_changed(tmp_path: Path) -> None:
    a = make("a", 1, SqliteStore(tmp_path / "r.sqlite"))
    c1 = a.create("contact", {"first_name": "Ann"})
    c2 = a.create("contact", {"first_name": "Bob"})
    before = a.record_digests("contact")
    assert set(before) == {c1, c2}
    a.update("contact", c1, {"first_name": "Anne"})
    after = a.record_digests("contact")
    assert after[c1] != before[c1] and after[c2] == before[c2]
    a.delete("contact", c2)
    assert a.record_digests("contact")[c2] != after[c2]
    with pytest.raises(ValidationError):
        a.record_digests("nonsense")
    a.close()


def test_a_field_edited_again_and_again_in_one_batch_keeps_the_last_value(tmp_path: Path) -> None:
    # Each edit removes the entry the one before added: the rows are made from the change
    # events of every transaction in the block, the last event of a key counting.
    a = make("a", 1, SqliteStore(tmp_path / "a.sqlite"))
    rid = a.create("contact", {"first_name": "Ann", "email": "a0@x.example"})
    a.get("contact", rid)  # cached, so the rows come from the events alone
    with a.batch():
        for n in range(1, 4):
            a.update("contact", rid, {"email": f"a{n}@x.example", "job_title": f"T{n}"})
        a.update("contact", rid, {"job_title": None})
    assert (a.get("contact", rid)["email"], a.get("contact", rid).get("job_title")) == (
        "a3@x.example", None)
    peer = make("b", 2)
    peer.apply_remote([u for _, u in a.outbox()])  # the whole history merged in one update
    assert peer.get("contact", rid) == {**a.get("contact", rid)}
    a.close()
    again = Replica(SqliteStore(tmp_path / "a.sqlite"), clock=Clock(), client_id=7)
    assert again.list() == peer.list()
    again.close()


def test_a_batch_update_holds_this_replicas_changes_and_no_one_elses() -> None:
    a, b, c = make("a", 1), make("b", 2), make("c", 3)
    theirs = b.create("contact", {"first_name": "From B"})
    a.apply_remote([b.diff()])
    with a.batch():
        mine = [a.create("contact", {"first_name": f"A{n}"}) for n in range(3)]
        a.update("contact", mine[0], {"last_name": "Edited"})
        a.update("contact", theirs, {"last_name": "Edited by A"})
    (entry,) = [update for _, update in a.outbox()]
    assert set(read_shape(entry).ranges) == {1}  # a's structs only, none of b's
    c.apply_remote([entry])
    assert c.missing and c.list() == []  # its edit of B's record waits for B's update
    c.apply_remote([b.diff()])
    assert not c.missing
    assert c.list() == a.list()
    assert sorted(r["first_name"] for r in c.list()) == ["A0", "A1", "A2", "From B"]
    assert c.get("contact", theirs)["last_name"] == "Edited by A"


def test_a_batch_that_changes_nothing_logs_nothing() -> None:
    a = make("a", 1)
    rid = a.create("contact", {"first_name": "Ann"})
    before = a.outbox()
    with a.batch():
        a.update("contact", rid, {"first_name": "Ann"})
    assert a.outbox() == before
