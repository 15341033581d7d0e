"""The Act! sandbox's data: one SQLite file (stdlib sqlite3, WAL) and an in-memory copy.

SQLite is the truth; every record is also held parsed in memory so that a query over 10,000
contacts does not parse 10,000 JSON documents per request. Each write commits one transaction
first and updates the memory copy only after the commit, so a refused or failed write leaves
both untouched. One process owns the file while it runs. The store is not thread-safe: the
server calls it under one lock.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from clients.act_sandbox.schema import FIELDS, LINK_KINDS, CustomField

FORMAT = "handsync-act-sandbox-1"
KINDS = tuple(FIELDS)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS members (
    group_id TEXT NOT NULL, contact_id TEXT NOT NULL, PRIMARY KEY (group_id, contact_id));
CREATE TABLE IF NOT EXISTS custom_fields (
    kind TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL,
    display_name TEXT NOT NULL, type TEXT NOT NULL, PRIMARY KEY (kind, name));
"""
# Fresh databases get Act!'s fifteen generic user fields on contacts and companies.
DEFAULT_CUSTOM = [CustomField(f"user{n}", f"User {n}", "Character") for n in range(1, 16)]
USER_NAMESPACE = uuid.UUID("4f6c1d2e-9a53-4b0e-8f3c-6a1d2b7e5c90")


class StoreError(Exception):
    """The data file cannot be used; ``str()`` says why and what to do."""


def user_id_for(name: str) -> str:
    """The GUID of an Act! user: derived from the display name, so it survives re-seeding."""
    return str(uuid.uuid5(USER_NAMESPACE, name))


class SandboxStore:
    """Records, group memberships, users and custom field definitions of one sandbox database.

    Open it with the data file path (created if missing) and ``close()`` it when done.
    Records handed out are the store's own dicts: callers must copy before changing them.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from exc
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{path} is not an Act! sandbox database ({exc}); "
                             "give --data a new file name or a file the sandbox created") from exc
        except StoreError:
            self._db.close()
            raise
        self._records: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}
        self._members: dict[str, set[str]] = {}
        self._groups_of: dict[str, set[str]] = {}
        self._users: dict[str, str] = {}
        self._load()

    def _open(self) -> None:
        tables = {row[0] for row in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path} is an SQLite file of something else (tables: "
                             f"{', '.join(sorted(tables))}); the sandbox will not touch it")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            found = self._meta("format")
            if found is None:
                self._db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
                self._db.execute("INSERT INTO meta VALUES ('secret', ?)",
                                 (secrets.token_hex(32),))
                for kind in ("contact", "company"):
                    self._write_custom(kind, DEFAULT_CUSTOM)
            elif found != FORMAT:
                raise StoreError(f"{self.path} holds sandbox format {found!r}; this version "
                                 f"reads {FORMAT!r}")

    def _load(self) -> None:
        for kind, rid, body in self._db.execute("SELECT kind, id, body FROM records "
                                                "ORDER BY rowid"):
            self._records[kind][rid] = json.loads(body)
        for group_id, contact_id in self._db.execute("SELECT group_id, contact_id FROM members"):
            self._members.setdefault(group_id, set()).add(contact_id)
            self._groups_of.setdefault(contact_id, set()).add(group_id)
        self._users = dict(self._db.execute("SELECT id, name FROM users").fetchall())
        self._custom: dict[str, list[CustomField]] = {kind: [] for kind in KINDS}
        for kind, name, display, type_ in self._db.execute(
                "SELECT kind, name, display_name, type FROM custom_fields ORDER BY position"):
            self._custom[kind].append(CustomField(name, display, type_))

    def close(self) -> None:
        """Close the file; the store must not be used afterwards."""
        self._db.close()

    def _transaction(self) -> Any:
        """``with store._transaction():`` commits on success, rolls back on any exception."""
        return _Transaction(self._db)

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @property
    def secret(self) -> bytes:
        """The key that signs this database's tokens (kept, so tokens survive a restart)."""
        return bytes.fromhex(self._meta("secret") or "")

    # Users -------------------------------------------------------------------------------

    def ensure_user(self, name: str) -> str:
        """The id of the user called ``name``, created if it is new."""
        uid = user_id_for(name)
        if uid not in self._users:
            with self._transaction():
                self._db.execute("INSERT INTO users VALUES (?, ?)", (uid, name))
            self._users[uid] = name
        return uid

    def user_name(self, uid: str) -> str | None:
        """A user's display name, or None if no such user exists."""
        return self._users.get(uid)

    # Custom fields -----------------------------------------------------------------------

    def custom_fields(self, kind: str) -> list[CustomField]:
        """The custom fields of ``kind`` in Act!'s order (empty for kinds without them)."""
        return list(self._custom.get(kind, ()))

    def _write_custom(self, kind: str, fields: list[CustomField]) -> None:
        self._db.execute("DELETE FROM custom_fields WHERE kind = ?", (kind,))
        self._db.executemany("INSERT INTO custom_fields VALUES (?, ?, ?, ?, ?)",
                             [(kind, n, f.name, f.display_name, f.type)
                              for n, f in enumerate(fields)])

    # Records -----------------------------------------------------------------------------

    def records(self, kind: str) -> Iterable[dict[str, Any]]:
        """Every stored record of ``kind`` (private ones included: callers filter)."""
        return self._records[kind].values()

    def get(self, kind: str, rid: str) -> dict[str, Any] | None:
        """The stored record, or None."""
        return self._records[kind].get(rid)

    def count(self, kind: str) -> int:
        return len(self._records[kind])

    def is_empty(self) -> bool:
        """True when the database holds no records at all (seeding needs that)."""
        return not any(self._records.values())

    def put(self, kind: str, record: dict[str, Any]) -> None:
        """Insert or replace ``record`` (keyed by its ``id``); the store keeps the dict."""
        body = json.dumps(record, separators=(",", ":"))
        with self._transaction():
            self._db.execute("INSERT INTO records VALUES (?, ?, ?) ON CONFLICT (kind, id) "
                             "DO UPDATE SET body = excluded.body", (kind, record["id"], body))
        self._records[kind][record["id"]] = record

    def delete(self, kind: str, rid: str) -> None:
        """Delete a record and what hangs on it, leaving no trace (Act! has no tombstones).

        Links to it disappear from notes, histories, activities and opportunities, without
        touching their ``edited``; a note or history left linked to nothing is deleted too, and
        so is an activity left without a contact. Group memberships go with the contact or group.
        """
        changed: list[tuple[str, dict[str, Any] | None, str]] = [(kind, None, rid)]
        link_field = {k: f for f, k in LINK_KINDS.items()}.get(kind)
        for other in ("note", "history", "activity", "opportunity"):
            for record in self._records[other].values():
                if link_field is None or rid not in record.get(link_field, ()):
                    continue
                updated = dict(record)
                updated[link_field] = [i for i in record[link_field] if i != rid]
                orphan = (other in ("note", "history") and not any(
                    updated.get(f) for f in LINK_KINDS)) or (
                    other == "activity" and not updated["contacts"])
                changed.append((other, None if orphan else updated, record["id"]))
        if kind == "company":
            for record in self._records["contact"].values():
                if record.get("companyID") == rid:
                    changed.append(("contact", {**record, "companyID": None}, record["id"]))
        with self._transaction():
            for k, new, key in changed:
                if new is None:
                    self._db.execute("DELETE FROM records WHERE kind = ? AND id = ?", (k, key))
                else:
                    self._db.execute("UPDATE records SET body = ? WHERE kind = ? AND id = ?",
                                     (json.dumps(new, separators=(",", ":")), k, key))
            if kind in ("contact", "group"):
                column = "contact_id" if kind == "contact" else "group_id"
                self._db.execute(f"DELETE FROM members WHERE {column} = ?", (rid,))
        for k, new, key in changed:
            if new is None:
                self._records[k].pop(key, None)
            else:
                self._records[k][key] = new
        if kind == "contact":
            for group_id in self._groups_of.pop(rid, set()):
                self._members[group_id].discard(rid)
        elif kind == "group":
            for contact_id in self._members.pop(rid, set()):
                self._groups_of[contact_id].discard(rid)

    # Group membership --------------------------------------------------------------------

    def members(self, group_id: str) -> set[str]:
        """Ids of the group's member contacts (a copy)."""
        return set(self._members.get(group_id, ()))

    def groups_of(self, contact_id: str) -> set[str]:
        """Ids of the groups a contact belongs to (a copy)."""
        return set(self._groups_of.get(contact_id, ()))

    def change_members(self, group_id: str, add: Iterable[str] = (),
                       remove: Iterable[str] = ()) -> None:
        """Add and remove members in one transaction. No record's ``edited`` changes: in Act!
        a membership change is invisible to change tracking."""
        add, remove = list(add), list(remove)
        with self._transaction():
            self._db.executemany("INSERT OR IGNORE INTO members VALUES (?, ?)",
                                 [(group_id, c) for c in add])
            self._db.executemany("DELETE FROM members WHERE group_id = ? AND contact_id = ?",
                                 [(group_id, c) for c in remove])
        for contact_id in add:
            self._members.setdefault(group_id, set()).add(contact_id)
            self._groups_of.setdefault(contact_id, set()).add(group_id)
        for contact_id in remove:
            self._members.get(group_id, set()).discard(contact_id)
            self._groups_of.get(contact_id, set()).discard(group_id)

    # Bulk loading (seeding) ----------------------------------------------------------------

    def load(self, records: dict[str, list[dict[str, Any]]], members: list[tuple[str, str]],
             custom: dict[str, list[CustomField]], users: dict[str, str]) -> None:
        """Write a whole data set in one transaction (seeding); the store must be empty."""
        if not self.is_empty():
            raise StoreError(f"{self.path} already holds records; seeding needs an empty one")
        rows = [(kind, r["id"], json.dumps(r, separators=(",", ":")))
                for kind, batch in records.items() for r in batch]
        with self._transaction():
            self._db.executemany("INSERT OR IGNORE INTO users VALUES (?, ?)",
                                 list(users.items()))
            self._db.executemany("INSERT INTO records VALUES (?, ?, ?)", rows)
            self._db.executemany("INSERT OR IGNORE INTO members VALUES (?, ?)", members)
            for kind, fields in custom.items():
                self._write_custom(kind, fields)
        self._records = {k: {} for k in KINDS}
        self._members, self._groups_of = {}, {}
        self._load()


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
