"""Turning a resolved record into the row the store keeps, and back into plain data."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

from engine.registers import Resolved, stamp_to_iso
from engine.schema import KINDS
from engine.store import RecordRow

_SORT_FIELDS = {
    "contact": ("last_name", "first_name", "full_name", "company", "email"),
    "company": ("name",), "group": ("name",), "opportunity": ("name",),
    "note": ("display_date", "created"), "history": ("start_time", "regarding"),
    "activity": ("start_time", "subject"),
}
_SORT_SET = {kind: frozenset(names) for kind, names in _SORT_FIELDS.items()}
_SEARCH_FIELDS = {kind: frozenset(spec.search) for kind, spec in KINDS.items()}
_SEARCH_PLAN = {kind: tuple((name, spec.fields[name].type == "phone") for name in spec.search)
                for kind, spec in KINDS.items()}
_NON_DIGITS = re.compile(r"[^0-9]")
_PHONE_CHARS = set("0123456789+-(). /")
MAX_SEARCH_TEXT = 4096


def build_row(resolved: Resolved, previous: RecordRow | None = None,
              changed: AbstractSet[str] | None = None) -> RecordRow:
    """Return the store row for a resolved record.

    With ``previous`` (this record's last row) and ``changed`` (the only fields that
    differ since), the search text and sort key are reused unless a changed field
    feeds them.
    """
    data = resolved.data
    kind = resolved.kind
    if previous is not None and changed is not None and not _SEARCH_FIELDS[kind] & changed:
        search = previous.search
    else:
        parts: list[str] = []
        for name, is_phone in _SEARCH_PLAN[kind]:
            value = data.get(name)
            if value.__class__ is str:
                parts.append(value[:MAX_SEARCH_TEXT].lower())
                if is_phone:
                    parts.append(_NON_DIGITS.sub("", value))
        search = "\x1f".join(parts)
    if previous is not None and changed is not None and not _SORT_SET[kind] & changed:
        sort_key = previous.sort_key
    else:
        sort_key = "\x1f".join(str(data.get(n) or "").lower() for n in _SORT_FIELDS[kind])
    links = list(data.get("members" if kind == "group" else "contact_ids", []))
    return RecordRow(
        kind=kind, id=resolved.record_id, deleted=resolved.deleted,
        updated=resolved.updated, updated_by=resolved.updated_by, data=data,
        search=search, sort_key=sort_key,
        company_id=data.get("company_id"), company=data.get("company"), links=links,
        conflicts=[c.to_dict() for c in resolved.conflicts],
    )


def to_record(row: RecordRow) -> dict[str, Any]:
    """Return a row as the plain record callers see."""
    record = dict(row.data)
    record["deleted"] = row.deleted
    record["updated_at"] = stamp_to_iso(row.updated) if row.updated else None
    record["updated_by"] = row.updated_by or None
    record["conflicts"] = len(row.conflicts)
    return record


def search_needle(text: str) -> str:
    """Return what to look for in a row's search text: lower case, or digits for a phone."""
    needle = text.strip().lower()
    if needle and set(needle) <= _PHONE_CHARS and sum(c.isdigit() for c in needle) >= 3:
        return "".join(c for c in needle if c.isdigit())
    return needle
