"""What the Act! bridge remembers between polls: one SQLite file, ``bridge.sqlite``.

Tables:

* ``known``: per mirrored record, the Act! id, the values Act! is known to hold (as
  handsync fields, normalised, links as handsync ids), the digest of the replica's
  record when the bridge last compared it (engine ``Replica.record_digests``), and a
  state: ``live`` (in both), ``gone`` (deleted, or no longer visible in Act!),
  ``hidden`` (private in Act!: never on devices), ``local`` (made and deleted on a
  device before it reached Act!), ``refused`` (Act! refused it; ``note`` says why).
* ``members``: per group, the member contacts Act! is known to hold.
* ``pending``: creates in Act! whose outcome is not known yet (the bridge looks the
  record up before it POSTs again, so a crash never makes a duplicate).
* ``meta``: the file's format, the poll cursors and the status figures.

Every write is one transaction. The replica is committed first and this file after,
so a crash in between only makes the next poll compare again: every step is safe to
repeat.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import CorruptStoreError, StoreError
from engine.sqlite_store import roll_back

FORMAT = "handsync-bridge"
FORMAT_VERSION = "1"
STATES = ("live", "gone", "hidden", "local", "refused")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE known (kind TEXT NOT NULL, id TEXT NOT NULL, act_id TEXT, fields TEXT NOT NULL,
                    digest TEXT, state TEXT NOT NULL, note TEXT, PRIMARY KEY (kind, id));
CREATE UNIQUE INDEX known_act ON known (kind, act_id);
CREATE TABLE members (group_id TEXT NOT NULL, contact_id TEXT NOT NULL,
                      PRIMARY KEY (group_id, contact_id));
CREATE TABLE pending (kind TEXT NOT NULL, id TEXT NOT NULL, started_ms INTEGER NOT NULL,
                      body TEXT NOT NULL, sent TEXT NOT NULL, adopt TEXT NOT NULL,
                      PRIMARY KEY (kind, id));
"""


@dataclass
class Attempt:
    """A create sent to Act! whose outcome is not known: when it started, the exact body,
    the fields as sent (handsync names and ids) and the values the devices were to adopt."""

    started_ms: int
    body: dict[str, Any]
    sent: dict[str, Any]
    adopt: dict[str, Any]


@dataclass
class Known:
    """One record as the bridge last saw it on both sides."""

    kind: str
    id: str
    act_id: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    digest: str | None = None
    state: str = "live"
    note: str | None = None


class BridgeState:
    """The bridge's own file. A file that is not one is refused and left untouched."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        fresh = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            if not fresh:
                tables = {r[0] for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) \
                    if "meta" in tables else {}
                if meta.get("format") != FORMAT:
                    raise CorruptStoreError("SQLite file, but not a handsync bridge state file",
                                            path=self.path)
                if meta.get("format_version") != FORMAT_VERSION:
                    raise CorruptStoreError(
                        f"bridge state format {meta.get('format_version')} is not supported "
                        f"(this handsync reads {FORMAT_VERSION})", path=self.path)
            conn.execute("PRAGMA journal_mode=WAL")
            if fresh:
                conn.execute("BEGIN")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                 [("format", FORMAT), ("format_version", FORMAT_VERSION)])
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise CorruptStoreError(f"not a usable bridge state file ({exc})",
                                    path=self.path) from None
        except BaseException:
            conn.close()
            raise
        self.conn = conn

    def close(self) -> None:
        """Close the file."""
        self.conn.close()

    # meta -------------------------------------------------------------------------------

    def get(self, key: str, default: str | None = None) -> str | None:
        """One meta value."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def meta(self, prefix: str = "") -> dict[str, str]:
        """Meta values whose key starts with ``prefix``."""
        rows = self.conn.execute("SELECT key, value FROM meta WHERE key LIKE ? || '%'",
                                 (prefix,))
        return {str(k): str(v) for k, v in rows}

    # known records ------------------------------------------------------------------------

    def known(self, kind: str, record_id: str) -> Known | None:
        """The bridge's memory of one record (by handsync id), or None."""
        row = self.conn.execute("SELECT * FROM known WHERE kind = ? AND id = ?",
                                (kind, record_id)).fetchone()
        return _known(kind, row) if row else None

    def known_many(self, kind: str, ids: Iterable[str]) -> dict[str, Known]:
        """The bridge's memory of several records of ``kind``, by handsync id."""
        wanted = list(ids)
        out: dict[str, Known] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                    f"SELECT * FROM known WHERE kind = ? AND id IN ({marks})", [kind, *chunk]):
                out[row[1]] = _known(kind, row)
        return out

    def digests(self, kind: str) -> dict[str, str | None]:
        """The replica digest each known record had when last compared, by handsync id."""
        return dict(self.conn.execute("SELECT id, digest FROM known WHERE kind = ?", (kind,)))

    def act_ids(self, kind: str, state: str = "live") -> dict[str, str]:
        """Act! id of each record of ``kind`` in ``state``, by handsync id."""
        rows = self.conn.execute("SELECT id, act_id FROM known WHERE kind = ? AND state = ? "
                                 "AND act_id IS NOT NULL", (kind, state))
        return {str(i): str(a) for i, a in rows}

    def renamed(self, kind: str) -> dict[str, str]:
        """Records made on a device and created in Act! under another id: handsync id by Act! id."""
        rows = self.conn.execute("SELECT act_id, id FROM known WHERE kind = ? AND act_id != id",
                                 (kind,))
        return {str(a): str(i) for a, i in rows}

    def notes(self, limit: int = 50) -> list[str]:
        """What Act! refused, per record, as it stands (a later success clears it)."""
        rows = self.conn.execute("SELECT kind, id, note FROM known WHERE note IS NOT NULL "
                                 "ORDER BY kind, id LIMIT ?", (limit,))
        return [f"{kind} {rid}: {note}" for kind, rid, note in rows]

    def counts(self) -> dict[str, dict[str, int]]:
        """Known records per kind and state."""
        out: dict[str, dict[str, int]] = {}
        for kind, state, n in self.conn.execute(
                "SELECT kind, state, count(*) FROM known GROUP BY kind, state"):
            out.setdefault(kind, {})[state] = n
        return out

    # members ------------------------------------------------------------------------------

    def members(self, group_id: str) -> set[str]:
        """The group's members as Act! last held them (handsync ids)."""
        rows = self.conn.execute("SELECT contact_id FROM members WHERE group_id = ?",
                                 (group_id,))
        return {str(r[0]) for r in rows}

    # pending creates ----------------------------------------------------------------------

    def pending(self, kind: str, record_id: str) -> Attempt | None:
        """The create of this record whose outcome is not known, if any."""
        row = self.conn.execute("SELECT started_ms, body, sent, adopt FROM pending "
                                "WHERE kind = ? AND id = ?", (kind, record_id)).fetchone()
        if row is None:
            return None
        return Attempt(int(row[0]), json.loads(row[1]), json.loads(row[2]), json.loads(row[3]))

    def act_id_known(self, kind: str, act_id: str) -> bool:
        """True if some record of ``kind`` is already mirrored to or from this Act! id."""
        row = self.conn.execute("SELECT 1 FROM known WHERE kind = ? AND lower(act_id) = ?",
                                (kind, act_id.lower())).fetchone()
        return row is not None

    def pendings(self) -> list[tuple[str, str]]:
        """Every (kind, id) whose create in Act! has an unknown outcome."""
        return [(str(k), str(i)) for k, i in
                self.conn.execute("SELECT kind, id FROM pending ORDER BY started_ms")]

    # writing ------------------------------------------------------------------------------

    def write(self, *, known: Iterable[Known] = (), digests: Mapping[tuple[str, str], str] = {},
              meta: Mapping[str, str] = {}, members: Mapping[str, Iterable[str]] = {},
              pending: Mapping[tuple[str, str], Attempt | None] = {}) -> None:
        """Write everything given in one transaction.

        ``known`` replaces whole rows (StoreError, and nothing written, if that would give
        one Act! id to two records); ``digests`` only sets the digest of known rows;
        ``members`` replaces groups' member sets; ``pending`` records (an Attempt) or
        clears (None) a create whose outcome is not known.
        """
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            try:
                conn.executemany(
                    "INSERT INTO known (kind, id, act_id, fields, digest, state, note) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET "
                    "act_id = excluded.act_id, fields = excluded.fields, "
                    "digest = excluded.digest, state = excluded.state, note = excluded.note",
                    [(k.kind, k.id, k.act_id, _dumps(k.fields), k.digest, k.state, k.note)
                     for k in known])
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"bridge state: an Act! id would belong to two records "
                                 f"({exc}); nothing was written", path=self.path) from None
            conn.executemany("UPDATE known SET digest = ? WHERE kind = ? AND id = ?",
                             [(d, kind, rid) for (kind, rid), d in digests.items()])
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             list(meta.items()))
            for group_id, ids in members.items():
                conn.execute("DELETE FROM members WHERE group_id = ?", (group_id,))
                conn.executemany("INSERT INTO members (group_id, contact_id) VALUES (?, ?)",
                                 [(group_id, c) for c in sorted(set(ids))])
            for (kind, rid), attempt in pending.items():
                if attempt is None:
                    conn.execute("DELETE FROM pending WHERE kind = ? AND id = ?", (kind, rid))
                else:
                    conn.execute("INSERT OR REPLACE INTO pending (kind, id, started_ms, body, "
                                 "sent, adopt) VALUES (?, ?, ?, ?, ?, ?)",
                                 (kind, rid, attempt.started_ms, _dumps(attempt.body),
                                  _dumps(attempt.sent), _dumps(attempt.adopt)))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            roll_back(conn)
            raise StoreError(f"bridge state: cannot write ({exc}); nothing was written",
                             path=self.path) from None
        except BaseException:
            roll_back(conn)
            raise


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _known(kind: str, row: tuple[Any, ...]) -> Known:
    return Known(kind, row[1], row[2], json.loads(row[3]), row[4], row[5], row[6])
