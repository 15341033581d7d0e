"""Turning a resolved record into the row the store keeps, and back into plain data."""

from __future__ import annotations

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
_PHONE_CHARS = set("0123456789+-(). /")
MAX_SEARCH_TEXT = 4096


def build_row(resolved: Resolved) -> RecordRow:
    """Return the store row for a resolved record."""
    data = resolved.data
    spec = KINDS[resolved.kind]
    parts: list[str] = []
    for name in spec.search:
        value = data.get(name)
        if isinstance(value, str):
            parts.append(value[:MAX_SEARCH_TEXT].lower())
            if spec.fields[name].type == "phone":
                parts.append("".join(c for c in value if c.isdigit()))
    sort_key = "\x1f".join(str(data.get(n) or "").lower() for n in _SORT_FIELDS[resolved.kind])
    if resolved.kind == "group":
        links = list(data.get("members", []))
    else:
        links = list(data.get("contact_ids", []))
    return RecordRow(
        kind=resolved.kind, id=resolved.record_id, deleted=resolved.deleted,
        updated=resolved.updated, updated_by=resolved.updated_by, data=data,
        search="\x1f".join(parts), sort_key=sort_key,
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
