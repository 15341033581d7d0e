"""The storage interface of a replica, and its in-memory implementation.

A store keeps, for one replica:

* an append-only **log** of CRDT updates (local and received), each with a
  sequence number, its origin and the time it was written;
* one compacted **snapshot** that stands for every log entry up to a sequence
  number (:meth:`Store.compact` swaps them atomically);
* an **outbox** of local updates the relay has not yet acknowledged;
* a queryable table of **current records** (the resolved view of the CRDT),
  with their conflicts, so list and search never load every record;
* small **meta** values (replica id, clock).

:meth:`Store.commit` writes one :class:`Batch` (updates, outbox, records, meta)
atomically: after it returns the batch survives a crash; if it raises, nothing of
it was written. ``SqliteStore`` (engine/sqlite_store.py) is the durable
implementation, :class:`MemoryStore` the one for tests; tests/engine/
test_store_conformance.py runs the same suite against both.
"""

from __future__ import annotations

import copy
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One stored update."""

    seq: int
    update: bytes
    origin: str
    at_ms: int


@dataclass(slots=True)
class RecordRow:
    """The current state of one record as the store keeps it.

    ``links`` holds the contact ids a record is tied to: a group's members, or
    the contacts of a note, history, activity or opportunity.
    """

    kind: str
    id: str
    deleted: bool
    updated: int
    updated_by: str
    data: dict[str, Any]
    search: str = ""
    #: Lists are ordered by (sort_key, sort_tail, id). The tail holds fields that only
    #: break ties and change often (a contact's e-mail): kept out of the store's index,
    #: an edit of them leaves the index alone. The key is bytes (a collation key) for
    #: kinds ordered by name and text for kinds ordered by time (engine/rows.py): the
    #: rows of one kind hold one type, compared bytewise or by code point.
    sort_key: str | bytes = ""
    sort_tail: str = ""
    company_id: str | None = None
    company: str | None = None
    links: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: A hint for commit(): links and conflicts are as the store already has them.
    side_unchanged: bool = False
    #: A hint for commit(): the store holds this record, and only these columns may
    #: differ from what it holds, named among ``deleted``, ``updated``, ``updated_by``,
    #: ``data``, ``search``, ``sort_key``, ``sort_tail``, ``company_id`` and ``company``
    #: (links and conflicts are ``side_unchanged``'s). None: write the whole row.
    #: MemoryStore ignores it; tests/engine/test_materialize.py checks it on SQLite.
    changed_columns: frozenset[str] | None = None


@dataclass(slots=True)
class Batch:
    """What one :meth:`Store.commit` writes, all or nothing.

    ``updates`` are (update, origin, at_ms) triples appended to the log; those
    whose origin is ``"local"`` also go to the outbox. ``snapshot``, if given,
    then replaces the snapshot and every log entry, as :meth:`Store.compact`
    does, in the same transaction: it must hold the whole document.

    ``rows`` may be an iterator that makes each row as it is asked for: a store
    consumes it once, entirely, and only then reads ``meta`` (so the iterator may
    still add to it). A replica hands its changed records this way, so that a row
    is written while the record's objects are still in the CPU's caches.
    """

    updates: list[tuple[bytes, str, int]] = field(default_factory=list)
    rows: Iterable[RecordRow] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    snapshot: bytes | None = None


@dataclass(slots=True)
class Loaded:
    """Everything a replica needs to rebuild its document on open."""

    snapshot: bytes | None
    snapshot_seq: int
    log: list[LogEntry]
    meta: dict[str, str]


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """A filter over current records; every condition given must hold.

    ``company`` matches the company id or, case-insensitively, the company name.
    ``linked_to`` keeps records whose ``links`` hold that contact id; ``group``
    keeps contacts that are members of that group. ``edited_since`` is a clock
    stamp. ``text`` is a substring of the record's search text, folded as it is
    (:func:`engine.rows.search_needle`).
    """

    kind: str
    group: str | None = None
    company: str | None = None
    linked_to: str | None = None
    edited_since: int | None = None
    include_deleted: bool = False
    text: str | None = None
    limit: int | None = None
    offset: int = 0


LOCAL = "local"
#: The meta key of the locale the rows' sort keys are made in (engine/collation.py).
LOCALE_META = "locale"
#: The meta key of :func:`engine.collation.key_version` of the ICU that made them.
KEYS_META = "sort_keys"


class Store(ABC):
    """The storage interface every replica store implements."""

    @abstractmethod
    def load(self) -> Loaded:
        """Return the snapshot, the log after it, and the meta values."""

    @abstractmethod
    def commit(self, batch: Batch) -> list[int]:
        """Write ``batch`` atomically and durably; return the log seq of each update.

        Consumes ``batch.rows`` entirely before reading ``batch.meta`` (see :class:`Batch`).
        """

    @abstractmethod
    def compact(self, snapshot: bytes, upto_seq: int,
                meta: dict[str, str] | None = None) -> None:
        """Replace log entries up to ``upto_seq`` by ``snapshot`` (and set ``meta``), atomically."""

    @abstractmethod
    def get_rows(self, kind: str, ids: Iterable[str]) -> dict[str, RecordRow]:
        """Return the stored rows of these ids (missing ids are left out)."""

    @abstractmethod
    def query(self, query: RecordQuery) -> list[RecordRow]:
        """Return the rows matching ``query``, ordered by (sort_key, sort_tail, id)."""

    @abstractmethod
    def conflicts(self, kind: str | None = None, record_id: str | None = None) -> list[dict[str, Any]]:
        """Return the stored conflicts, optionally of one kind or one record."""

    @abstractmethod
    def digests(self, kind: str) -> dict[str, str]:
        """Return a digest of each row of ``kind`` (its data and deleted flag), by id."""

    @abstractmethod
    def outbox(self, after_seq: int = 0, limit: int | None = None) -> list[LogEntry]:
        """Return local updates not yet acknowledged, oldest first."""

    @abstractmethod
    def ack_outbox(self, upto_seq: int) -> int:
        """Drop outbox entries up to ``upto_seq``; return how many were dropped."""

    @abstractmethod
    def log(self, after_seq: int = 0, limit: int | None = None) -> list[LogEntry]:
        """Return log entries after ``after_seq`` (those not yet compacted)."""

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Return counts and sizes: log_entries, log_bytes, snapshot_bytes, outbox, records."""

    def close(self) -> None:  # noqa: B027 - optional for stores without resources
        """Release the store's resources; the store must not be used afterwards."""


def row_matches(row: RecordRow, query: RecordQuery) -> bool:
    """The filter semantics of :class:`RecordQuery`, for stores that filter in Python."""
    if row.kind != query.kind or (row.deleted and not query.include_deleted):
        return False
    if query.edited_since is not None and row.updated < query.edited_since:
        return False
    if query.text is not None and query.text not in row.search:
        return False
    if query.company is not None and not (
        row.company_id == query.company
        or (row.company or "").lower() == query.company.lower()
    ):
        return False
    return query.linked_to is None or query.linked_to in row.links


def row_digest(deleted: bool, data: str) -> str:
    """The digest :meth:`Store.digests` gives: 16 hex digits over the flag and the data."""
    return hashlib.blake2b(f"{int(deleted)}:{data}".encode(), digest_size=8).hexdigest()


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _normal_row(row: RecordRow) -> RecordRow:
    # As SqliteStore gives them back: links a sorted set, conflicts by (field, stamp, replica).
    row.links = sorted(set(row.links))
    row.conflicts.sort(key=lambda c: (c["field"], c["stamp"], c["replica"]))
    return row


class MemoryStore(Store):
    """A store that keeps everything in memory; for tests and throw-away replicas."""

    def __init__(self) -> None:
        self._meta: dict[str, str] = {}
        self._snapshot: bytes | None = None
        self._snapshot_seq = 0
        self._log: list[LogEntry] = []
        self._outbox: list[LogEntry] = []
        self._rows: dict[tuple[str, str], RecordRow] = {}
        self._seq = 0

    def load(self) -> Loaded:
        return Loaded(self._snapshot, self._snapshot_seq, list(self._log), dict(self._meta))

    def commit(self, batch: Batch) -> list[int]:
        # Copy everything first, so a batch that cannot be copied writes nothing.
        entries = [LogEntry(self._seq + n, bytes(update), origin, at_ms)
                   for n, (update, origin, at_ms) in enumerate(batch.updates, start=1)]
        rows = [_normal_row(copy.deepcopy(row)) for row in batch.rows]
        meta = {str(k): str(v) for k, v in batch.meta.items()}
        self._log.extend(entries)
        self._outbox.extend(e for e in entries if e.origin == LOCAL)
        self._seq += len(entries)
        self._rows.update(((row.kind, row.id), row) for row in rows)
        self._meta.update(meta)
        if batch.snapshot is not None:
            self.compact(batch.snapshot, self._seq)
        return [e.seq for e in entries]

    def compact(self, snapshot: bytes, upto_seq: int,
                meta: dict[str, str] | None = None) -> None:
        self._meta.update(meta or {})
        self._snapshot = bytes(snapshot)
        self._snapshot_seq = upto_seq
        self._log = [e for e in self._log if e.seq > upto_seq]

    def get_rows(self, kind: str, ids: Iterable[str]) -> dict[str, RecordRow]:
        found = (self._rows.get((kind, i)) for i in ids)
        return {row.id: copy.deepcopy(row) for row in found if row is not None}

    def query(self, query: RecordQuery) -> list[RecordRow]:
        rows = [r for r in self._rows.values() if row_matches(r, query)]
        if query.group is not None:
            group = self._rows.get(("group", query.group))
            members = set(group.links) if group and not group.deleted else set()
            rows = [r for r in rows if r.id in members]
        rows.sort(key=lambda r: (r.sort_key, r.sort_tail, r.id))
        end = None if query.limit is None else query.offset + query.limit
        return [copy.deepcopy(r) for r in rows[query.offset:end]]

    def digests(self, kind: str) -> dict[str, str]:
        return {i: row_digest(row.deleted, _canonical(row.data))
                for (k, i), row in self._rows.items() if k == kind}

    def conflicts(self, kind: str | None = None, record_id: str | None = None) -> list[dict[str, Any]]:
        out = []
        for (k, i), row in sorted(self._rows.items()):
            if (kind is None or k == kind) and (record_id is None or i == record_id):
                out.extend(copy.deepcopy(row.conflicts))
        return out

    def outbox(self, after_seq: int = 0, limit: int | None = None) -> list[LogEntry]:
        entries = [e for e in self._outbox if e.seq > after_seq]
        return entries if limit is None else entries[:limit]

    def ack_outbox(self, upto_seq: int) -> int:
        before = len(self._outbox)
        self._outbox = [e for e in self._outbox if e.seq > upto_seq]
        return before - len(self._outbox)

    def log(self, after_seq: int = 0, limit: int | None = None) -> list[LogEntry]:
        entries = [e for e in self._log if e.seq > after_seq]
        return entries if limit is None else entries[:limit]

    def stats(self) -> dict[str, int]:
        return {
            "log_entries": len(self._log),
            "log_bytes": sum(len(e.update) for e in self._log),
            "snapshot_bytes": len(self._snapshot or b""),
            "outbox": len(self._outbox),
            "records": len(self._rows),
        }
