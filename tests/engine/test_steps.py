"""A batch of more than APPLY_STEP updates is integrated a step at a time, in one commit:
the same result as taking it at once, and still whole or not at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from engine import replica as replica_module
from engine import sqlite_store
from engine.errors import ProtocolError, StoreError
from engine.replica import APPLY_STEP, Replica
from engine.sqlite_store import SqliteStore
from engine.store import RecordRow
from tests.engine.helpers import make
from tests.engine.test_gaps import TRUNCATED, snapshot_of

EDITS = 600  # three steps: 256, 256, 88


def batch() -> tuple[list[bytes], list[bytes]]:
    """(the creates of 60 contacts, then 600 one-field edits of them, one update each)."""
    source = make("src", 2)
    ids = [source.create("contact", {"first_name": f"P{n}", "email": f"p{n}@x.example"})
           for n in range(60)]
    creates = [u for _, u in source.outbox()]
    after = source.last_seq
    for n in range(EDITS):
        field = ("email", "job_title", "mobile_phone")[n % 3]
        value = {"email": f"e{n}@x.example", "job_title": f"T{n}"}.get(field, f"555 {n:04d}")
        source.update("contact", ids[n % 60], {field: value})
    return creates, [u for _, u in source.outbox(after)]


def target(path: Path, creates: list[bytes]) -> Replica:
    r = Replica(SqliteStore(path), clock=lambda: 1_700_000_000_000, replica_id="dst",
                client_id=1)
    r.apply_remote(creates)
    return r


def view(r: Replica) -> tuple[Any, ...]:
    return r.list("contact", include_deleted=True), r.conflicts(), r.state_vector()


def test_a_large_batch_is_taken_in_steps_in_one_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert EDITS > 2 * APPLY_STEP
    creates, edits = batch()
    whole = target(tmp_path / "whole.db", creates)
    monkeypatch.setattr(replica_module, "APPLY_STEP", 10**9)
    assert whole.apply_remote(edits).records == 60
    monkeypatch.undo()

    a = target(tmp_path / "a.db", creates)
    commits: list[int] = []
    real = a.store.commit
    a.store.commit = lambda b: commits.append(len(b.updates)) or real(b)  # type: ignore[method-assign]
    calls: list[tuple[int, int]] = []
    result = a.apply_remote(edits, progress=lambda done, total: calls.append((done, total)))
    assert (result.records, result.missing) == (60, False)
    assert commits == [3]  # one commit, one log entry per step
    assert calls == [(256, 600), (512, 600), (600, 600)]
    assert view(a) == view(whole)
    a.close()
    again = Replica(SqliteStore(tmp_path / "a.db"), clock=lambda: 0, client_id=9)
    assert view(again) == view(whole)
    assert again.diff() == whole.diff()
    again.close()
    whole.close()


@pytest.mark.parametrize("bad", [b"\x07garbage", TRUNCATED], ids=["garbage", "truncated"])
def test_a_bad_update_in_a_late_step_applies_none_of_the_batch(tmp_path: Path,
                                                               bad: bytes) -> None:
    creates, edits = batch()
    a = target(tmp_path / "a.db", creates)
    before = snapshot_of(a)
    with pytest.raises(ProtocolError) as info:
        a.apply_remote([*edits[:550], bad, *edits[550:]])
    assert info.value.code == 4400
    assert snapshot_of(a) == before
    assert a.apply_remote(edits).records == 60  # the good ones still go in afterwards
    a.close()


def test_a_batch_with_a_hole_is_taken_the_careful_way(tmp_path: Path) -> None:
    creates, edits = batch()
    whole = make("whole", 3)
    whole.apply_remote(creates + edits)
    a = target(tmp_path / "a.db", creates)
    result = a.apply_remote(edits[:300] + edits[301:])  # the hole is in the second step
    assert result.missing
    a.close()  # what waits is kept across a restart
    a = Replica(SqliteStore(tmp_path / "a.db"), clock=lambda: 0, client_id=1)
    assert a.missing
    assert not a.apply_remote([edits[300]]).missing
    assert view(a)[:2] == view(whole)[:2]
    a.close()


def test_a_store_failing_in_a_late_step_keeps_nothing_of_the_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creates, edits = batch()
    a = target(tmp_path / "a.db", creates)
    before = snapshot_of(a)
    monkeypatch.setattr(sqlite_store, "ROW_CHUNK", 8)
    chunks: list[int] = []
    write_rows = sqlite_store.write_rows

    def failing(conn: sqlite3.Connection, rows: list[RecordRow]) -> None:
        chunks.append(len(rows))
        if len(chunks) == 12:  # 60 rows a step: chunk 12 is in the second step
            raise sqlite3.OperationalError("disk I/O error")
        write_rows(conn, rows)

    monkeypatch.setattr(sqlite_store, "write_rows", failing)
    with pytest.raises(StoreError, match="disk I/O error"):
        a.apply_remote(edits)
    assert snapshot_of(a) == before  # the first step's rows and the document undone
    monkeypatch.setattr(sqlite_store, "write_rows", write_rows)
    assert a.apply_remote(edits).records == 60
    a.close()
