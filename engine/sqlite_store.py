"""The durable replica store: one SQLite file in WAL mode, written with the sqlite3
module (sqlite-utils creates the tables of a new file).

Tables: ``meta`` (format marker, replica id, clock), ``snapshot`` (one row),
``log`` (append-only updates), ``outbox`` (local updates awaiting the relay's
acknowledgement), ``records`` (current records, indexed for list and search),
``links`` (group members and contact links), ``conflicts``.

A file that is not SQLite, is truncated or corrupt, or is SQLite but not a
handsync replica store raises :class:`CorruptStoreError` on open and is never
modified. One that cannot be opened for want of room or rights (a full disk, a
read-only or locked file) raises :class:`StoreError`: the file may be fine.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from engine.collation import ROOT, key_version
from engine.errors import CorruptStoreError, StoreError
from engine.rows import COLLATED, record_sort_key, search_text, sort_texts
from engine.sqlite_rows import ROW_COLUMNS, conflict_dicts, rows_from, write_rows
from engine.store import (
    KEYS_META,
    LOCAL,
    LOCALE_META,
    Batch,
    Loaded,
    LogEntry,
    RecordQuery,
    RecordRow,
    Store,
    row_digest,
)

if TYPE_CHECKING:
    import sqlite_utils

FORMAT = "handsync-replica"
FORMAT_VERSION = "4"
#: Versions this handsync opens and brings up to FORMAT_VERSION (see _migrate).
MIGRATES_FROM = ("1", "2", "3")
CACHE_KIB = 64 * 1024
WAL_CHECKPOINT_PAGES = 16000
CHECKPOINT_AFTER_PAGES = 8000
# Rows are written as they come, this many at a time: a row goes to SQLite soon after the
# replica made it, while its objects are still in the CPU's caches.
ROW_CHUNK = 128

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "update" BLOB NOT NULL,
                  origin TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE outbox (seq INTEGER PRIMARY KEY, "update" BLOB NOT NULL, at_ms INTEGER NOT NULL);
-- sort_key holds BLOBs (collation keys) for kinds ordered by name, text for the others:
-- a column of TEXT affinity keeps a BLOB as it is, and files of every version share it.
CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, deleted INTEGER NOT NULL,
                      updated INTEGER NOT NULL, updated_by TEXT NOT NULL, sort_key TEXT NOT NULL,
                      search TEXT NOT NULL, company_id TEXT, company TEXT, data TEXT NOT NULL,
                      sort_tail TEXT NOT NULL DEFAULT '', PRIMARY KEY (kind, id));
CREATE INDEX records_sort ON records (kind, sort_key, id);
CREATE INDEX records_updated ON records (kind, updated);
CREATE TABLE links (kind TEXT NOT NULL, id TEXT NOT NULL, target TEXT NOT NULL,
                    PRIMARY KEY (kind, id, target));
CREATE INDEX links_target ON links (target, kind);
CREATE TABLE conflicts (kind TEXT NOT NULL, id TEXT NOT NULL, field TEXT NOT NULL,
                        value TEXT NOT NULL, replica TEXT NOT NULL, stamp INTEGER NOT NULL,
                        current TEXT NOT NULL);
CREATE INDEX conflicts_record ON conflicts (kind, id);
"""


# SQLite's primary result codes that say the file could not be used, not that it is bad:
# PERM, BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN.
_ENVIRONMENT_ERRORS = frozenset({3, 5, 6, 8, 10, 13, 14})


class Job(Protocol):
    """A checkpoint that ``start`` began: running, or ended (``threading.Thread`` is one)."""

    def is_alive(self) -> bool: ...
    def join(self) -> None: ...


Starter = Callable[[Callable[[], None]], Job]


class _Done:
    """A job that already ran."""

    def is_alive(self) -> bool:
        return False

    def join(self) -> None:
        return None


def run_now(job: Callable[[], None]) -> Job:
    """The default ``start``: run the job at once on the caller's thread."""
    job()
    return _Done()


class SqliteStore(Store):
    """A replica store in one SQLite file at ``path`` (created if missing or empty).

    ``synchronous`` is SQLite's setting: ``FULL`` (default) survives power loss,
    ``NORMAL`` survives a process crash and is faster.

    Every commit is durable in the WAL when it returns. Copying the WAL back into the
    file (a checkpoint) runs with a connection of its own, through ``start``: by
    default at once, on the caller's thread, after the commit that makes it due. The
    engine starts no thread of its own; a program that can spare one passes a
    ``start`` that runs the job on a thread it owns (the device client does, see
    ``clients.device.home.start_thread``), and the caller then goes on while SQLite,
    which releases the GIL, copies. Call :meth:`close` when done.
    """

    def __init__(self, path: str | os.PathLike[str], *, synchronous: str = "FULL",
                 start: Starter | None = None) -> None:
        self.path = os.fspath(path)
        if synchronous not in ("FULL", "NORMAL", "OFF"):
            raise StoreError(f"synchronous must be FULL, NORMAL or OFF, not {synchronous!r}")
        fresh = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        self._synchronous = synchronous
        self._start: Starter = start or run_now
        self._checkpointer: Job | None = None
        self._checkpoint_conn: sqlite3.Connection | None = None
        self._checkpoint_error: sqlite3.Error | RuntimeError | None = None
        self._unchecked_pages = 0
        self._restart_due = False  # a background checkpoint ended: see _let_wal_restart
        # The file is only ever read through SQLite: opening and closing it with open()
        # would drop this process's SQLite locks on it (POSIX locks are per process).
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn = conn
        try:
            # SQLite's lower() folds ASCII only; company names are matched the way Python does.
            conn.create_function("handsync_lower", 1, _lower, deterministic=True)
            if not fresh:
                self._check_existing()
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous}")
            # Remote edits rewrite rows all over the records table: a page cache that holds
            # a 10k-contact space's rows and indexes (up to 64 MiB, used only as filled)
            # halves their cost, and so do rare checkpoints (see _checkpoint_soon).
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
            if fresh:
                self._create()
        except sqlite3.OperationalError as exc:
            if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) not in _ENVIRONMENT_ERRORS:
                conn.close()
                raise CorruptStoreError(f"not a usable handsync store ({exc})",
                                        path=self.path) from None
            # The file may be fine: the disk is full, read-only or failing, or it is locked.
            conn.close()
            raise StoreError(f"cannot open the store ({exc}); check that the disk has room "
                             "and the file can be written", path=self.path) from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "not a database" in str(exc):
                raise CorruptStoreError("not a handsync store (not an SQLite file)",
                                        path=self.path) from None
            raise CorruptStoreError(f"not a usable handsync store ({exc})", path=self.path) from None
        except BaseException:
            conn.close()
            raise

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The connection through sqlite-utils, which creates the schema. Imported when
        first used: a command that opens an existing home is ~40 ms faster without it."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def _check_existing(self) -> None:
        conn = self.conn
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise CorruptStoreError(f"the file is damaged: {problems[0]}", path=self.path)
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
                        ).fetchone() is None:
            raise CorruptStoreError("SQLite file, but not a handsync replica store", path=self.path)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT:
            raise CorruptStoreError("SQLite file, but not a handsync replica store", path=self.path)
        version = meta.get("format_version")
        if version in MIGRATES_FROM:
            self._migrate(version, meta.get(LOCALE_META, ROOT))
        elif version != FORMAT_VERSION:
            raise CorruptStoreError(
                f"store format version {meta.get('format_version')} is not supported "
                f"(this handsync reads {FORMAT_VERSION})", path=self.path)

    def _migrate(self, version: str, locale: str) -> None:
        """Bring a version 1, 2 or 3 store to version 4, in one transaction.

        Version 2 keeps a contact's e-mail out of the indexed sort key, in ``sort_tail``
        (engine/rows.py), so that an edit of an e-mail rewrites no index entry. Version 3
        orders names by a collation key in the space's locale (engine/collation.py) and
        folds the search text (engine/fold.py). Version 4 keeps the collation key as the
        bytes ICU makes (a BLOB) instead of their hex text. Rows are derived data, so
        what changed is computed again from each row's stored fields: from version 3
        only the sort keys of the kinds ordered by name.
        """
        with self._transaction() as conn:
            if version == "1":
                conn.execute("ALTER TABLE records ADD COLUMN sort_tail TEXT NOT NULL DEFAULT ''")
            kinds = sorted(COLLATED) if version == "3" else []
            sql = "SELECT kind, id, data FROM records"
            if kinds:
                sql += f" WHERE kind IN ({','.join('?' * len(kinds))})"
            texts: list[tuple[Any, ...]] = []
            # The cursor lives only in the loop: a refusal must leave no statement open,
            # or closing could not fold the WAL back into the file.
            for kind, rid, data in conn.execute(sql, kinds):
                try:
                    fields = json.loads(data)
                    if version == "3":
                        texts.append((record_sort_key(kind, fields, locale), kind, rid))
                    else:
                        texts.append((*sort_texts(kind, fields, locale),
                                      search_text(kind, fields), kind, rid))
                except (ValueError, TypeError, KeyError, AttributeError):
                    # Rolled back by the transaction: the file stays as it was.
                    raise CorruptStoreError(f"cannot bring the store from format version "
                                            f"{version} to {FORMAT_VERSION}: the {kind} {rid!r} "
                                            "holds unreadable data", path=self.path) from None
            if version == "3":
                conn.executemany("UPDATE records SET sort_key = ? WHERE kind = ? AND id = ?",
                                 texts)
            else:
                conn.executemany("UPDATE records SET sort_key = ?, sort_tail = ?, search = ? "
                                 "WHERE kind = ? AND id = ?", texts)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'format_version'",
                         (FORMAT_VERSION,))
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                         (KEYS_META, key_version()))

    def _create(self) -> None:
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.table("meta").insert_all(
                [{"key": "format", "value": FORMAT}, {"key": "format_version", "value": FORMAT_VERSION}]
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self.conn, self.path)

    def load(self) -> Loaded:
        snap = self.conn.execute("SELECT seq, data FROM snapshot WHERE id = 1").fetchone()
        snapshot, seq = (bytes(snap[1]), snap[0]) if snap else (None, 0)
        return Loaded(snapshot, seq, self.log(seq), self._meta())

    def _meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def commit(self, batch: Batch) -> list[int]:
        self._check_checkpoint()
        self._let_wal_restart()
        seqs: list[int] = []
        written_rows = 0
        with self._transaction() as conn:
            for update, origin, at_ms in batch.updates:
                cur = conn.execute('INSERT INTO log ("update", origin, at_ms) VALUES (?, ?, ?)',
                                   (update, origin, at_ms))
                seq = int(cur.lastrowid or 0)
                if origin == LOCAL:
                    conn.execute('INSERT INTO outbox (seq, "update", at_ms) VALUES (?, ?, ?)',
                                 (seq, update, at_ms))
                seqs.append(seq)
            rows = iter(batch.rows)
            while chunk := list(islice(rows, ROW_CHUNK)):
                write_rows(conn, chunk)
                written_rows += len(chunk)
            if batch.meta:
                conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 list(batch.meta.items()))
            if batch.snapshot is not None:
                self._replace_snapshot(conn, batch.snapshot, self._head(conn))
        # A low guess of the pages this wrote to the WAL (a 1000-row batch of remote edits
        # at 10k contacts writes ~1,000-1,300): one per row and update, the updates' bytes.
        written = sum(len(u) for u, _, _ in batch.updates) + len(batch.snapshot or b"")
        self._checkpoint_soon(written_rows + len(batch.updates) + written // 4096 + 1)
        return seqs

    def _checkpoint_soon(self, pages: int) -> None:
        """Start a checkpoint (through ``start``) once about CHECKPOINT_AFTER_PAGES are new.

        A checkpoint copies each page once however often the WAL holds it, and remote
        edits keep rewriting the same few thousand pages (records and their indexes):
        at 10k contacts one costs ~25-35 ms whether it follows 1,000 edits or 10,000.
        So it runs rarely, off the caller's thread when ``start`` gives one. SQLite's own
        checkpoint, which
        runs inside the commit that crosses its limit, stays as a backstop at
        WAL_CHECKPOINT_PAGES (64 MiB), for small commits and for when this falls behind.
        """
        self._unchecked_pages += pages
        if self._unchecked_pages < CHECKPOINT_AFTER_PAGES:
            return
        if self._checkpoint_running() or self._restart_due:
            return  # the next commit asks again, or first lets the WAL restart
        self._unchecked_pages = 0
        # Called after a commit went through: whatever fails here must not make it look
        # as if it had not, so it is kept and raised by the next commit.
        try:
            if self._checkpoint_conn is None:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                # The checkpoint syncs the file (or not) as this store's setting says.
                conn.execute(f"PRAGMA synchronous={self._synchronous}")
                self._checkpoint_conn = conn
            conn = self._checkpoint_conn
            self._checkpointer = self._start(lambda: self._checkpoint(conn))
        except (sqlite3.Error, RuntimeError) as error:  # RuntimeError: no thread to start
            self._checkpoint_error = error

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        # PASSIVE: copy what no reader still needs, never wait for readers or writers.
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._restart_due = True
        except sqlite3.Error as error:
            self._checkpoint_error = error  # raised by the next commit, on the caller's thread

    def _let_wal_restart(self) -> None:
        """After a background checkpoint, copy what it left and let the WAL start again.

        SQLite writes the WAL from its beginning again only in a transaction that began
        when every frame had been copied into the file. Under a steady stream of
        commits the background checkpoint almost never ends between two of them: it
        copies the frames up to its start while the next transaction is already open,
        and that one's frames follow. The WAL would then only grow until SQLite's own
        checkpoint (at WAL_CHECKPOINT_PAGES) ran inside a commit: at 10k contacts a
        40 ms stall that copies everything written since, and meanwhile a WAL file of
        64 MiB, which grows at a cost of its own. So the first commit after a
        background checkpoint first copies, here, the little written since it began
        (one or a few commits' pages), and no new background checkpoint starts before
        that: the WAL starts again from its beginning once per background checkpoint.
        """
        if not self._restart_due or self._checkpoint_running():
            return
        self._restart_due = False
        self._unchecked_pages = 0
        # Only the WAL's size is at stake, so an error leaves the commit to go on: SQLite
        # refuses this while a read is still open on the connection, say, and a failing
        # disk fails the commit itself. The next background checkpoint tries again.
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _checkpoint_running(self) -> bool:
        return self._checkpointer is not None and self._checkpointer.is_alive()

    def _check_checkpoint(self) -> None:
        error, self._checkpoint_error = self._checkpoint_error, None
        if error is not None:
            raise StoreError(f"a background checkpoint failed: {error}", path=self.path)

    def wait_for_checkpoint(self) -> None:
        """Wait until a background checkpoint, if one runs, has ended (for tests and tools)."""
        if self._checkpointer is not None:
            self._checkpointer.join()

    @staticmethod
    def _head(conn: sqlite3.Connection) -> int:
        """The newest log seq ever handed out (log entries may have been compacted away)."""
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'log'").fetchone()
        return int(row[0]) if row else 0

    def compact(self, snapshot: bytes, upto_seq: int,
                meta: dict[str, str] | None = None) -> None:
        self._check_checkpoint()
        with self._transaction() as conn:
            self._replace_snapshot(conn, snapshot, upto_seq)
            if meta:
                conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 list(meta.items()))
        self._checkpoint_soon(len(snapshot) // 4096 + 1)

    @staticmethod
    def _replace_snapshot(conn: sqlite3.Connection, snapshot: bytes, upto_seq: int) -> None:
        conn.execute("INSERT OR REPLACE INTO snapshot (id, seq, data) VALUES (1, ?, ?)",
                     (upto_seq, snapshot))
        conn.execute("DELETE FROM log WHERE seq <= ?", (upto_seq,))

    def get_rows(self, kind: str, ids: Iterable[str]) -> dict[str, RecordRow]:
        wanted = list(ids)
        found: dict[str, RecordRow] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {ROW_COLUMNS} FROM records r WHERE r.kind = ? AND r.id IN ({marks})",
                [kind, *chunk])
            found.update((row.id, row) for row in rows_from(self.conn, rows))
        return found

    def query(self, query: RecordQuery) -> list[RecordRow]:
        where: list[str] = ["r.kind = ?"]
        params: list[Any] = [query.kind]
        if not query.include_deleted:
            where.append("r.deleted = 0")
        if query.edited_since is not None:
            where.append("r.updated >= ?")
            params.append(query.edited_since)
        if query.text is not None:
            where.append("instr(r.search, ?) > 0")
            params.append(query.text)
        if query.company is not None:
            where.append("(r.company_id = ? OR handsync_lower(r.company) = ?)")
            params += [query.company, query.company.lower()]
        if query.linked_to is not None:
            where.append("EXISTS (SELECT 1 FROM links l WHERE l.kind = r.kind AND l.id = r.id "
                         "AND l.target = ?)")
            params.append(query.linked_to)
        if query.group is not None:
            where.append("r.id IN (SELECT l.target FROM links l JOIN records g ON g.kind = "
                         "'group' AND g.id = l.id AND g.deleted = 0 WHERE l.kind = 'group' "
                         "AND l.id = ?)")
            params.append(query.group)
        # A search reads every row of the kind anyway: walking them in index order cost
        # ~3x a plain walk that sorts the matches (unary + keeps the index out of it).
        order = "+r.sort_key" if query.text is not None else "r.sort_key"
        sql = (f"SELECT {ROW_COLUMNS} FROM records r WHERE {' AND '.join(where)} "
               f"ORDER BY {order}, r.sort_tail, r.id")
        if query.limit is not None or query.offset:
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if query.limit is None else query.limit, query.offset]
        return rows_from(self.conn, self.conn.execute(sql, params))

    def digests(self, kind: str) -> dict[str, str]:
        # Over the stored text, unparsed: a digest only has to change when the row does.
        rows = self.conn.execute("SELECT id, deleted, data FROM records WHERE kind = ?", (kind,))
        return {i: row_digest(bool(deleted), data) for i, deleted, data in rows}

    def conflicts(self, kind: str | None = None, record_id: str | None = None) -> list[dict[str, Any]]:
        where: list[str] = ["1"]
        params: list[Any] = []
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if record_id is not None:
            where.append("id = ?")
            params.append(record_id)
        sql = (f"SELECT * FROM conflicts WHERE {' AND '.join(where)} "
               "ORDER BY kind, id, field, stamp, replica")
        return conflict_dicts(self.conn.execute(sql, params))

    def outbox(self, after_seq: int = 0, limit: int | None = None) -> list[LogEntry]:
        rows = self.conn.execute(
            'SELECT seq, "update", at_ms FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?',
            (after_seq, -1 if limit is None else limit))
        return [LogEntry(seq, bytes(update), LOCAL, at_ms) for seq, update, at_ms in rows]

    def ack_outbox(self, upto_seq: int) -> int:
        with self._transaction() as conn:
            return conn.execute("DELETE FROM outbox WHERE seq <= ?", (upto_seq,)).rowcount

    def log(self, after_seq: int = 0, limit: int | None = None) -> list[LogEntry]:
        rows = self.conn.execute(
            'SELECT seq, "update", origin, at_ms FROM log WHERE seq > ? ORDER BY seq LIMIT ?',
            (after_seq, -1 if limit is None else limit))
        return [LogEntry(seq, bytes(u), origin, at_ms) for seq, u, origin, at_ms in rows]

    def stats(self) -> dict[str, int]:
        one = self.conn.execute
        log_entries, log_bytes = one('SELECT count(*), coalesce(sum(length("update")), 0) FROM log'
                                     ).fetchone()
        snap = one("SELECT coalesce(sum(length(data)), 0) FROM snapshot").fetchone()[0]
        return {
            "log_entries": log_entries, "log_bytes": log_bytes, "snapshot_bytes": snap,
            "outbox": one("SELECT count(*) FROM outbox").fetchone()[0],
            "records": one("SELECT count(*) FROM records").fetchone()[0],
        }

    def close(self) -> None:
        # The checkpoint connection goes first: the last connection to close folds the
        # WAL back into the file and removes it.
        self.wait_for_checkpoint()
        if self._checkpoint_conn is not None:
            self._checkpoint_conn.close()
        self.conn.close()
        self._check_checkpoint()

def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def roll_back(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already: after some errors (a
    full disk at COMMIT) it rolls back by itself, and a second ROLLBACK would raise over
    the error that matters. For every SQLite store of the project."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as error:
                roll_back(self.conn)
                raise StoreError(f"commit failed: {error}", path=self.path) from None
        else:
            roll_back(self.conn)
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"write failed: {exc}", path=self.path) from exc
