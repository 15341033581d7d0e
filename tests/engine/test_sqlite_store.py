"""Tests of engine/sqlite_store.py beyond the conformance suite: files on disk.

A file that is not a usable handsync store must raise CorruptStoreError with a
clear message and keep every byte (invariant 6); what was committed must be
readable by another connection at once and after reopening (invariant 2).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import CorruptStoreError, StoreError
from engine.replica import Replica, ids_of
from engine.rows import sort_texts
from engine.schema import KINDS
from engine.sqlite_store import _SCHEMA, FORMAT_VERSION, SqliteStore
from engine.store import LOCAL, Batch, LogEntry, RecordQuery, RecordRow
from tests.engine.helpers import Clock, threaded


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row(rid: str, **kw: object) -> RecordRow:
    return RecordRow(kind="contact", id=rid, deleted=False, updated=1, updated_by="a",
                     data={"id": rid, **kw}, sort_key=rid, links=["c0"])


def real_store(path: Path, records: int = 400) -> Path:
    """Write a closed, fully checkpointed store with enough rows to span many pages."""
    store = SqliteStore(path)
    store.commit(Batch(meta={"replica_id": "a"}))
    for start in range(0, records, 100):
        store.commit(Batch([(os.urandom(300), LOCAL, start)],
                           [row(f"c{n}", note="x" * 500) for n in range(start, start + 100)]))
    store.close()
    return path


def assert_refused(path: Path, message: str) -> CorruptStoreError:
    digest, listing = sha256(path), sorted(os.listdir(path.parent))
    with pytest.raises(CorruptStoreError, match=message) as info:
        SqliteStore(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    assert sha256(path) == digest
    assert sorted(os.listdir(path.parent)) == listing  # no -wal/-shm/-journal left behind
    return info.value


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "random.db"
    path.write_bytes(bytes(range(256)) * 64)
    assert_refused(path, "not an SQLite file")


def test_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("first_name,last_name\nAnn,Lee\n")
    assert_refused(path, "not an SQLite file")


def test_a_truncated_store_is_refused(tmp_path: Path) -> None:
    source = real_store(tmp_path / "real.db")
    path = tmp_path / "truncated.db"
    shutil.copy(source, path)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    assert_refused(path, "malformed|damaged")


def test_an_sqlite_file_of_another_app_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ann')")
    conn.close()
    assert_refused(path, "not a handsync replica store")


def test_another_apps_meta_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('format', 'someone-else'), ('version', '3')")
    conn.close()
    assert_refused(path, "not a handsync replica store")


def test_a_meta_table_of_another_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (name TEXT)")
    conn.close()
    assert_refused(path, "not a usable handsync store")


def test_a_future_format_version_is_refused(tmp_path: Path) -> None:
    path = real_store(tmp_path / "future.db", records=100)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    conn.close()
    err = assert_refused(path, "format version 99 is not supported")
    assert f"reads {FORMAT_VERSION}" in str(err)


def _old_texts(path: Path) -> None:
    """Give every row the sort key and search text versions 1 and 2 wrote: fields in
    lower case, joined by U+001F (with the e-mail in the contact's sort tail)."""
    fields = {"contact": ("last_name", "first_name", "full_name", "company"),
              "note": ("display_date", "created")}
    conn = sqlite3.connect(path)
    with conn:
        for kind, rid, data in conn.execute("SELECT kind, id, data FROM records").fetchall():
            values = json.loads(data)
            key = "\x1f".join(str(values.get(n) or "").lower() for n in fields[kind])
            search = "\x1f".join(str(values[n]).lower() for n in KINDS[kind].search
                                 if isinstance(values.get(n), str))
            conn.execute("UPDATE records SET sort_key = ?, search = ? WHERE kind = ? AND id = ?",
                         (key, search, kind, rid))
    conn.close()


# Version 1 sorted contacts by one indexed key that ended with the e-mail.
_VERSION_1 = """
CREATE TABLE records_v1 (kind TEXT NOT NULL, id TEXT NOT NULL, deleted INTEGER NOT NULL,
                         updated INTEGER NOT NULL, updated_by TEXT NOT NULL,
                         sort_key TEXT NOT NULL, search TEXT NOT NULL, company_id TEXT,
                         company TEXT, data TEXT NOT NULL, PRIMARY KEY (kind, id));
INSERT INTO records_v1 SELECT kind, id, deleted, updated, updated_by,
    CASE kind WHEN 'contact' THEN sort_key || char(31) || sort_tail ELSE sort_key END,
    search, company_id, company, data FROM records;
DROP TABLE records;
ALTER TABLE records_v1 RENAME TO records;
CREATE INDEX records_sort ON records (kind, sort_key, id);
CREATE INDEX records_updated ON records (kind, updated);
UPDATE meta SET value = '1' WHERE key = 'format_version';
"""


def version_1_store(path: Path) -> list[str]:
    """Write a store as version 1 of handsync left it; return its contacts in list order."""
    a = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    for rid, last, email in (("k1", "Lee", "cy@x.example"), ("k2", "Lee", "al@x.example"),
                             ("k3", "Abe", "zz@x.example"), ("k4", "Lee", "bo@x.example")):
        a.create("contact", {"first_name": "Ann", "last_name": last, "email": email},
                 record_id=rid)
    a.create("note", {"text": "hello", "contact_ids": ["k1"]}, record_id="n1")
    order = ids_of(a.list())
    a.close()
    _old_texts(path)
    conn = sqlite3.connect(path)
    conn.executescript(_VERSION_1)
    conn.close()
    return order


def test_a_version_1_store_is_brought_to_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    order = version_1_store(path)
    assert order == ["k3", "k2", "k4", "k1"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT sort_key FROM records WHERE id = 'k1'").fetchone() == (
            "lee\x1fann\x1f\x1f\x1fcy@x.example",)
    conn.close()
    a = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    assert a.get_meta("format_version") == FORMAT_VERSION
    assert ids_of(a.list()) == order
    assert ids_of(a.list("note")) == ["n1"]
    a.update("contact", "k4", {"email": "aa@x.example"})
    assert ids_of(a.list()) == ["k3", "k4", "k2", "k1"]
    a.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT sort_key, sort_tail FROM records WHERE id = 'k1'"
                            ).fetchone() == (
            sort_texts("contact", {"first_name": "Ann", "last_name": "Lee"})[0], "cy@x.example")
    conn.close()


def test_a_version_2_store_is_brought_to_folded_search_and_collated_order(
        tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    a = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    for rid, first, last in (("z", "Zoe", "Zeller"), ("o", "Ola", "Øberg"),
                             ("m", "Jürgen", "Müller"), ("n", "Nils", "Nagel")):
        a.create("contact", {"first_name": first, "last_name": last}, record_id=rid)
    a.close()
    _old_texts(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
        # Version 2 put Øberg after Zeller (code point order) and found "muller" nowhere.
        assert [r[0] for r in conn.execute(
            "SELECT id FROM records WHERE kind = 'contact' ORDER BY sort_key")] == [
            "m", "n", "z", "o"]
        assert conn.execute("SELECT count(*) FROM records WHERE instr(search, 'muller')"
                            ).fetchone() == (0,)
    conn.close()
    b = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    assert b.get_meta("format_version") == FORMAT_VERSION
    assert ids_of(b.list()) == ["m", "n", "o", "z"]
    assert ids_of(b.search("muller")) == ["m"]
    assert ids_of(b.search("oberg")) == ["o"]
    b.close()


def test_a_store_keeps_its_locale_through_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "v2sv.db"
    a = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    a.set_locale("sv")
    for rid, last in (("z", "Zeller"), ("o", "Öberg"), ("a", "Andersson")):
        a.create("contact", {"last_name": last}, record_id=rid)
    a.close()
    _old_texts(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
    conn.close()
    b = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    assert b.locale == "sv"
    assert ids_of(b.list()) == ["a", "z", "o"]  # Swedish: Ö after Z
    b.close()


def version_3_store(path: Path, locale: str = "root") -> dict[str, str]:
    """Write a store as version 3 left it: collation keys as hex text, without ICU's
    final zero byte. Return its contacts' names by id."""
    a = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    if locale != "root":
        a.set_locale(locale)
    names = {"z": "Zeller", "o": "Öberg", "m": "Müller", "a": "Andersson", "n": "Nagel"}
    for rid, last in names.items():
        a.create("contact", {"first_name": "Ann", "last_name": last}, record_id=rid)
    a.create("company", {"name": "Ärzte Nord"}, record_id="co")
    a.create("note", {"text": "hello", "contact_ids": ["m"]}, record_id="n1")
    a.close()
    conn = sqlite3.connect(path)
    with conn:
        for rid, key in conn.execute("SELECT id, sort_key FROM records WHERE kind IN "
                                     "('contact', 'company')").fetchall():
            conn.execute("UPDATE records SET sort_key = ? WHERE id = ?", (key[:-1].hex(), rid))
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'format_version'")
        assert {t for (t,) in conn.execute("SELECT typeof(sort_key) FROM records")} == {"text"}
    conn.close()
    return names


@pytest.mark.parametrize(("locale", "order", "then"), [
    ("root", ["a", "m", "n", "o", "z"], ["a", "aa", "m", "n", "o", "z"]),
    ("sv", ["a", "m", "n", "z", "o"], ["a", "m", "n", "z", "aa", "o"])])  # Z Å Ä Ö
def test_a_version_3_store_keeps_its_collation_keys_as_bytes(
        tmp_path: Path, locale: str, order: list[str], then: list[str]) -> None:
    path = tmp_path / "v3.db"
    names = version_3_store(path, locale)
    b = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    assert b.get_meta("format_version") == FORMAT_VERSION == "4"
    assert ids_of(b.list()) == order  # read before the document is built
    assert ids_of(b.search("muller")) == ["m"]
    assert ids_of(b.list("note")) == ["n1"]
    b.create("contact", {"first_name": "Ann", "last_name": "Ångström"}, record_id="aa")
    assert ids_of(b.list()) == then  # the new row's key is bytes, as the migrated ones
    b.close()
    conn = sqlite3.connect(path)
    found = {rid: (kind, key) for kind, rid, key in conn.execute(
        "SELECT kind, id, sort_key FROM records")}
    conn.close()
    for rid, last in [*names.items(), ("aa", "Ångström")]:
        assert found[rid] == ("contact", sort_texts(
            "contact", {"first_name": "Ann", "last_name": last}, locale)[0])
        assert type(found[rid][1]) is bytes
    assert found["co"] == ("company", sort_texts("company", {"name": "Ärzte Nord"}, locale)[0])
    assert type(found["n1"][1]) is str  # ordered by time: text, as before


def test_a_version_3_store_with_an_unreadable_row_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "v3bad.db"
    version_3_store(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE records SET data = '{not json' WHERE id = 'o'")
    conn.close()
    assert_refused(path, "cannot bring the store from format version 3 to 4: the contact 'o'")
    with sqlite3.connect(path) as conn:  # still version 3, its keys still hex text
        assert conn.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone() \
            == ("3",)
        assert {t for (t,) in conn.execute("SELECT typeof(sort_key) FROM records")} == {"text"}
    conn.close()


def test_a_version_1_store_with_an_unreadable_row_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    version_1_store(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE records SET data = '{not json' WHERE id = 'k2'")
    conn.close()
    assert_refused(path, "cannot bring the store from format version 1 to .*'k2'")
    with sqlite3.connect(path) as conn:  # still version 1, still without the new column
        assert conn.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone() \
            == ("1",)
        assert "sort_tail" not in [c[1] for c in conn.execute("PRAGMA table_info(records)")]
    conn.close()


def test_a_zero_length_file_becomes_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    store = SqliteStore(path)
    assert store.commit(Batch([(b"u", LOCAL, 1)], meta={"replica_id": "a"})) == [1]
    store.close()
    reopened = SqliteStore(path)
    assert reopened.load().meta["replica_id"] == "a"
    assert reopened.log() == [LogEntry(1, b"u", LOCAL, 1)]
    reopened.close()


def test_a_missing_file_becomes_a_new_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "new.db")
    assert store.stats()["log_entries"] == 0
    assert store.load().meta["format_version"] == FORMAT_VERSION
    store.close()


def test_refused_errors_are_store_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"garbage" * 10)
    with pytest.raises(StoreError):
        SqliteStore(path)


def test_bad_synchronous_setting(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="synchronous"):
        SqliteStore(tmp_path / "x.db", synchronous="SOMETIMES")
    assert not (tmp_path / "x.db").exists()


def test_everything_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    store = SqliteStore(path, synchronous="NORMAL")
    store.commit(Batch([(b"u1", LOCAL, 5), (b"u2", "remote", 6), (b"u3", LOCAL, 7)],
                       [row("c1", first_name="Zoë", n=3)], {"replica_id": "a", "clock": "9"}))
    store.compact(b"SNAP", 1)
    store.ack_outbox(1)
    store.commit(Batch(rows=[RecordRow("contact", "c2", True, 8, "b", {"id": "c2"}, sort_key="c2",
                                       conflicts=[{"kind": "contact", "record_id": "c2",
                                                   "field": "x", "value": 1, "replica": "b",
                                                   "stamp": 3, "current": 2}])]))
    store.close()
    again = SqliteStore(path)
    loaded = again.load()
    assert (loaded.snapshot, loaded.snapshot_seq) == (b"SNAP", 1)
    assert loaded.log == [LogEntry(2, b"u2", "remote", 6), LogEntry(3, b"u3", LOCAL, 7)]
    assert (loaded.meta["replica_id"], loaded.meta["clock"]) == ("a", "9")
    assert again.outbox() == [LogEntry(3, b"u3", LOCAL, 7)]
    assert again.get_rows("contact", ["c1"])["c1"].data == {"id": "c1", "first_name": "Zoë",
                                                             "n": 3}
    assert [r.id for r in again.query(RecordQuery("contact", include_deleted=True))] == [
        "c1", "c2"]
    assert again.conflicts()[0]["current"] == 2
    assert again.commit(Batch([(b"u4", LOCAL, 8)])) == [4]
    again.close()


def test_a_commit_is_visible_to_another_connection_at_once(tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    writer = SqliteStore(path)
    reader = SqliteStore(path)
    writer.commit(Batch([(b"u1", LOCAL, 1)], [row("c1")], {"clock": "1"}))
    assert reader.log() == [LogEntry(1, b"u1", LOCAL, 1)]
    assert list(reader.get_rows("contact", ["c1"])) == ["c1"]
    writer.ack_outbox(1)
    assert reader.outbox() == []
    writer.compact(b"S", 1)
    assert reader.load().snapshot == b"S"
    writer.close()
    reader.close()


def test_a_failed_commit_leaves_the_file_usable(tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    store = SqliteStore(path)
    store.commit(Batch([(b"u1", LOCAL, 1)], [row("c1")]))
    with pytest.raises(TypeError):
        store.commit(Batch([(b"u2", LOCAL, 2)], [row("c2", bad={1, 2})]))
    assert store.commit(Batch([(b"u3", LOCAL, 3)])) == [2]
    store.close()
    again = SqliteStore(path)
    assert [e.update for e in again.log()] == [b"u1", b"u3"]
    assert list(again.get_rows("contact", ["c1", "c2"])) == ["c1"]
    again.close()


@pytest.fixture
def frequent_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SqliteStore:
    """A store whose background checkpoint starts every ~50 pages, and SQLite's own never."""
    import engine.sqlite_store

    monkeypatch.setattr(engine.sqlite_store, "CHECKPOINT_AFTER_PAGES", 50)
    store = SqliteStore(tmp_path / "s.sqlite", start=threaded)
    store.conn.execute("PRAGMA wal_autocheckpoint=0")
    return store


def test_checkpoints_run_in_the_background_and_keep_the_wal_small(
        frequent_checkpoints: SqliteStore) -> None:
    store = frequent_checkpoints
    path = store.path
    sizes = []
    for start in range(0, 3000, 100):
        store.commit(Batch(rows=[row(f"c{n}", note="x" * 500) for n in range(start, start + 100)]))
        store.wait_for_checkpoint()
        sizes.append(os.path.getsize(f"{path}-wal"))
    # Without checkpoints the WAL would hold all 30 commits (over 1.5 MB of rows); a
    # checkpointed WAL starts again from its beginning.
    assert max(sizes) < 4 * sizes[1]
    assert len(store.query(RecordQuery("contact"))) == 3000
    store.close()
    assert not os.path.exists(f"{path}-wal")  # the last connection folded it back


def test_the_wal_starts_again_when_checkpoints_end_inside_transactions(
        frequent_checkpoints: SqliteStore) -> None:
    """As under a steady stream of remote batches: each background checkpoint ends
    while the next transaction is open, so SQLite alone never restarts the WAL."""
    store = frequent_checkpoints
    path = store.path

    def rows_ending_a_checkpoint(start: int) -> Iterator[RecordRow]:
        for n in range(start, start + 100):
            if n == start + 50:
                store.wait_for_checkpoint()  # the one the previous commit started ends now
            yield row(f"c{n}", note="x" * 500)

    sizes = []
    for start in range(0, 3000, 100):
        store.commit(Batch(rows=rows_ending_a_checkpoint(start)))
        sizes.append(os.path.getsize(f"{path}-wal"))
    # Each commit writes ~100 pages; without the restarts the WAL holds all 30 commits.
    assert max(sizes) < 4 * sizes[0]
    assert len(store.query(RecordQuery("contact"))) == 3000
    store.close()
    again = SqliteStore(path)
    assert len(again.query(RecordQuery("contact"))) == 3000
    again.close()


def test_a_wal_restart_that_cannot_run_does_not_stop_the_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.sqlite_store

    monkeypatch.setattr(engine.sqlite_store, "CHECKPOINT_AFTER_PAGES", 1)
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, start=threaded)
    store.commit(Batch([(b"u1", LOCAL, 1)], [row("c1"), row("c2")]))
    store.wait_for_checkpoint()  # the next commit would copy what it left first
    reading = store.conn.execute("SELECT id FROM records")
    reading.fetchone()  # a read still open: SQLite refuses a checkpoint on this connection
    store.commit(Batch([(b"u2", LOCAL, 2)], [row("c3")]))
    reading.close()
    assert [e.update for e in store.log()] == [b"u1", b"u2"]
    store.close()
    again = SqliteStore(path)
    assert {r.id for r in again.query(RecordQuery("contact"))} == {"c1", "c2", "c3"}
    again.close()


def test_a_failed_background_checkpoint_is_raised_by_the_next_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.sqlite_store

    monkeypatch.setattr(engine.sqlite_store, "CHECKPOINT_AFTER_PAGES", 1)
    store = SqliteStore(tmp_path / "s.sqlite", start=threaded)
    broken = sqlite3.connect(tmp_path / "s.sqlite", check_same_thread=False)
    broken.close()
    store._checkpoint_conn = broken  # as if its disk failed under it
    store.commit(Batch(rows=[row("c1")]))
    store.wait_for_checkpoint()
    with pytest.raises(StoreError, match="background checkpoint failed"):
        store.commit(Batch(rows=[row("c2")]))  # nothing of it is written
    store._checkpoint_conn = None  # the disk is back: the next checkpoint opens a new one
    store.commit(Batch(rows=[row("c3")]))
    store.wait_for_checkpoint()
    assert {r.id for r in store.query(RecordQuery("contact"))} == {"c1", "c3"}
    store.close()


def test_rows_read_back_keep_integers_of_any_size(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "big.db")
    values = {"id": "k", "custom.big": 12345678901234567890123, "custom.small": 7,
              "custom.float": 1.5, "custom.text": "1234567890123456789012 digits",
              "recur_spec": {"every": [1, {"n": -98765432109876543210}]}}
    store.commit(Batch(rows=[row("k", **{k: v for k, v in values.items() if k != "id"})]))
    [back] = store.query(RecordQuery("contact"))
    assert back.data == values
    assert type(back.data["custom.big"]) is int and type(back.data["custom.small"]) is int
    assert type(back.data["recur_spec"]["every"][1]["n"]) is int
    store.close()


def test_rows_of_a_file_whose_text_is_utf_16_read_back(tmp_path: Path) -> None:
    # Rows' data is read as the bytes SQLite holds; handsync's files hold UTF-8, but
    # SQLite may also keep text as UTF-16, and such a file still reads right.
    values = {"first_name": "Jürgen", "last_name": "Müller", "custom.big": 2**70}
    made = SqliteStore(tmp_path / "utf8.db")
    made.commit(Batch(meta={"replica_id": "a"}, rows=[row("k", **values)]))
    made.close()
    path = tmp_path / "utf16.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA encoding = 'UTF-16le'")
    conn.executescript(_SCHEMA)
    source = sqlite3.connect(tmp_path / "utf8.db")  # ATTACH wants one encoding: copy
    for table in ("meta", "records", "links"):
        found = source.execute(f"SELECT * FROM {table}").fetchall()
        conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(found[0]))})", found)
    source.close()
    conn.commit()
    assert conn.execute("PRAGMA encoding").fetchone() == ("UTF-16le",)
    conn.close()
    store = SqliteStore(path)
    [found] = store.query(RecordQuery("contact"))
    assert found.data == {"id": "k", **values}
    assert store.get_rows("contact", ["k"])["k"] == found
    store.close()


def test_a_row_whose_data_is_not_json_raises(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "bad.db")
    store.commit(Batch(rows=[row("k", first_name="Ann")]))
    store.conn.execute("UPDATE records SET data = '{\"id\": \"k\", broken' WHERE id = 'k'")
    with pytest.raises(ValueError):
        store.get_rows("contact", ["k"])
    store.close()
