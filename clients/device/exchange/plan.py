"""Deciding what an import does, and doing it.

:func:`plan_import` checks every row (from :mod:`clients.device.exchange.files`) and
decides, for each, which record it creates or updates; :func:`apply_plan` writes.
Nothing is written until every row passed, so a file with one bad value changes
nothing: the caller gets one :class:`ImportRowError` naming the row, the column,
the field and the value, fixes the file and imports it again.

Re-importing the same file must not create duplicates, because a person who
imports their address list twice (or a corrected copy of it) expects the same
contacts, updated, not two of each. So a row's record id comes from the file's
own id when it has one (vCard UID, an ``id`` / ``Contact ID`` / ``GUID`` column);
otherwise an existing contact is looked up by e-mail, then by full name plus
company, and updated instead of a new one being created. An import never clears
a field: an empty cell means "not given".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from clients.device.exchange.rows import META_KEYS, ImportRowError, Row
from engine.errors import ValidationError
from engine.replica import Replica
from engine.schema import CUSTOM_PREFIX, kind_spec, normalize_fields, validate_id

_ID_NAMESPACE = uuid.UUID("6f1f5b8e-3c1d-4c55-9a53-6b1f0e0d7a11")
# Records per commit: one fsync and one outbox entry (a ~0.5 MB update for 1,000 contacts).
BATCH = 1000


@dataclass
class Planned:
    """What importing one row does: ``action`` is create, update, restore or unchanged."""

    where: str
    action: str
    record_id: str
    values: dict[str, Any]
    members: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """Counts of what an import did."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    restored: int = 0
    unchanged: int = 0

    def to_dict(self) -> dict[str, int]:
        """Plain-data form for ``--json``."""
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "restored": self.restored, "unchanged": self.unchanged}


def stable_id(source: str) -> str:
    """Return the record id for a file's own id: itself if it is a valid id, else a
    UUID derived from it (the same every time, so re-imports find the record)."""
    text = source.strip()
    if text.lower().startswith("urn:uuid:"):
        text = text[len("urn:uuid:"):]
    try:
        return validate_id(text)
    except ValidationError:
        return str(uuid.uuid5(_ID_NAMESPACE, text))


def _name_key(data: Mapping[str, Any]) -> tuple[str, str] | None:
    name = data.get("full_name") or " ".join(
        str(data[p]) for p in ("first_name", "middle_name", "last_name") if data.get(p))
    if not name:
        return None
    return " ".join(str(name).casefold().split()), " ".join(
        str(data.get("company") or "").casefold().split())


class _Index:
    """The records of one kind, and for contacts where to find them by e-mail and name."""

    def __init__(self, replica: Replica, kind: str) -> None:
        self.kind = kind
        self.records = {r["id"]: r for r in replica.list(kind, include_deleted=True)}
        self.by_email: dict[str, str] = {}
        self.by_name: dict[tuple[str, str], str] = {}
        self.contacts = (set(self.records) if kind == "contact" else
                         {r["id"] for r in replica.list("contact")} if kind == "group" else set())
        for rid, record in self.records.items():
            if not record.get("deleted"):
                self.remember(rid, record)

    def remember(self, rid: str, data: Mapping[str, Any]) -> None:
        if self.kind != "contact":
            return
        if data.get("email"):
            self.by_email.setdefault(data["email"], rid)
        key = _name_key(data)
        if key:
            self.by_name.setdefault(key, rid)

    def find(self, values: Mapping[str, Any]) -> str | None:
        if self.kind != "contact":
            return None
        if values.get("email") in self.by_email:
            return self.by_email[values["email"]]
        key = _name_key(values)
        return self.by_name.get(key) if key else None


def _normalized(kind: str, row: Row) -> dict[str, Any]:
    fields: dict[str, Any] = dict(row.fields)
    if row.custom:
        fields["custom"] = row.custom
    try:
        return normalize_fields(kind, fields)
    except ValidationError as exc:
        column = row.columns.get(exc.field or "") or row.columns.get(CUSTOM_PREFIX + str(exc.field))
        reason = str(exc).split(": ", 1)[-1].rsplit(" (value ", 1)[0]
        raise ImportRowError(row.where, reason, column=column, field=exc.field,
                             value=exc.value) from None


def _current(data: Mapping[str, Any], key: str) -> Any:
    if key.startswith(CUSTOM_PREFIX):
        return (data.get("custom") or {}).get(key[len(CUSTOM_PREFIX):])
    return data.get(key)


def plan_import(replica: Replica, kind: str, rows: Iterable[Row]) -> list[Planned]:
    """Check every row and decide what each does; raises ImportRowError on the first bad one.

    Writes nothing: pass the plan to :func:`apply_plan`.
    """
    spec = kind_spec(kind)
    index = _Index(replica, kind)
    plan = []
    for row in rows:
        values = _normalized(kind, row)
        found = stable_id(row.source_id) if row.source_id else index.find(values)
        rid = found or str(uuid.uuid4())
        for member in row.members:
            if member not in index.contacts:
                raise ImportRowError(row.where, "no contact has this id", field="members",
                                     value=member)
        existing = index.records.get(rid)
        if existing is None:
            missing = [name for name in spec.required if values.get(name) is None]
            if missing:
                raise ImportRowError(row.where, "is required", field=missing[0])
            action, changed = "create", {k: v for k, v in values.items() if v is not None}
            data: dict[str, Any] = {"id": rid}
        else:
            data = existing
            changed = {k: v for k, v in values.items() if v != _current(existing, k)}
            action = "restore" if existing.get("deleted") else "update" if changed else "unchanged"
        members = [m for m in row.members if m not in data.get("members", [])]
        if action == "unchanged" and members:
            action = "update"
        plan.append(Planned(row.where, action, rid, changed, members))
        merged = _merge(data, changed, members)
        index.records[rid] = merged
        index.remember(rid, merged)
    return plan


def _merge(data: Mapping[str, Any], changed: Mapping[str, Any], members: list[str]) -> dict[str, Any]:
    merged = {k: v for k, v in data.items() if k != "deleted"}
    custom = dict(merged.get("custom") or {})
    for key, value in changed.items():
        if key.startswith(CUSTOM_PREFIX):
            custom[key[len(CUSTOM_PREFIX):]] = value
        else:
            merged[key] = value
    if custom:
        merged["custom"] = custom
    if members:
        merged["members"] = sorted({*merged.get("members", []), *members})
    return merged


def _count(result: ImportResult, item: Planned) -> None:
    result.rows += 1
    counter = {"create": "created", "update": "updated", "restore": "restored",
               "unchanged": "unchanged"}[item.action]
    setattr(result, counter, getattr(result, counter) + 1)


def summarize(plan: Iterable[Planned]) -> ImportResult:
    """Return what a plan would do, without writing (for a dry run)."""
    result = ImportResult()
    for item in plan:
        _count(result, item)
    return result


def apply_plan(replica: Replica, kind: str, plan: Iterable[Planned], *,
               batch: int = BATCH) -> ImportResult:
    """Write a plan from :func:`plan_import` (pass it through a progress bar if you like).

    Records are written ``batch`` at a time, each batch one durable commit and one
    outbox entry (one update for the relay and every peer to integrate, not one per
    record). If writing stops half-way (disk full), the batches written stay, and
    importing the same file again finishes the job without duplicates.
    """
    result = ImportResult()
    items = iter(plan)
    while chunk := list(islice(items, batch)):
        with replica.batch():
            for item in chunk:
                _count(result, item)
                _write(replica, kind, item)
    return result


def _write(replica: Replica, kind: str, item: Planned) -> None:
    if item.action == "create":
        replica.create(kind, item.values, record_id=item.record_id)
    elif item.action == "restore":
        replica.restore(kind, item.record_id)
    if item.action in ("update", "restore") and item.values:
        replica.update(kind, item.record_id, item.values)
    for member in item.members:
        replica.add_to_group(item.record_id, member)


def exportable(replica: Replica, kind: str) -> list[dict[str, Any]]:
    """Return the live records of ``kind`` as export writes them (no read-only keys)."""
    return [{k: v for k, v in r.items() if k not in META_KEYS} for r in replica.list(kind)]

