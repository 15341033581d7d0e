"""Turning a resolved record into the row the store keeps, and back into plain data.

One definition owns a row: ``build_row(resolve_entries(kind, id, entries))``, the
record resolved whole (engine/registers.py) and every column derived from it. The
rest are shortcuts for the commonest changes: ``build_row`` with ``previous`` and
``changed`` (re-derive only what changed fields feed), ``with_value`` (an ordinary
one-field edit), and the materializer's cached paths. tests/engine/test_materialize.py
proves each equal to the whole derivation on random records and edits, column by
column, on memory and on SQLite files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Any

from engine.collation import ROOT
from engine.collation import sort_key as collation_key
from engine.fold import fold, fold_both
from engine.registers import Resolved, stamp_to_iso, texts_of
from engine.schema import KINDS
from engine.store import RecordRow

# Lists are ordered by these fields, then by the tail's, then by id. The tail's fields only
# break ties; they are not in the store's index, so editing them costs no index update.
_SORT_FIELDS = {
    "contact": ("last_name", "first_name", "full_name", "company"),
    "company": ("name",), "group": ("name",), "opportunity": ("name",),
    "note": ("display_date", "created"), "history": ("start_time", "regarding"),
    "activity": ("start_time", "subject"),
}
#: Kinds ordered by name: their sort key is a collation key in the space's language
# (engine/collation.py). The others begin with a time, ordered as ISO-8601 text.
COLLATED = frozenset({"contact", "company", "group", "opportunity"})
_SORT_TAIL = {kind: ("email",) if kind == "contact" else () for kind in _SORT_FIELDS}
_SORT_SET = {kind: frozenset(names) for kind, names in _SORT_FIELDS.items()}
_TAIL_SET = {kind: frozenset(names) for kind, names in _SORT_TAIL.items()}
_LINKS = {kind: "members" if kind == "group" else "contact_ids" for kind in _SORT_FIELDS}
_SEARCH_FIELDS = {kind: frozenset(spec.search) for kind, spec in KINDS.items()}
_SEARCH_PLAN = {kind: tuple((name, spec.fields[name].type == "phone") for name in spec.search)
                for kind, spec in KINDS.items()}
_SEARCH_PLACE = {kind: {name: n for n, (name, _) in enumerate(plan)}
                 for kind, plan in _SEARCH_PLAN.items()}
_NON_DIGITS = re.compile(r"[^0-9]")
_PHONE_CHARS = set("0123456789+-(). /")
#: The search text's separator between fields: a needle never holds it, so a match
#: never runs from one field into the next.
SEPARATOR = "\x1f"
MAX_SEARCH_TEXT = 4096


def build_row(resolved: Resolved, previous: RecordRow | None = None,
              changed: AbstractSet[str] | None = None,
              search_parts: list[str | None] | None = None,
              locale: str = ROOT) -> RecordRow:
    """Return the store row for a resolved record.

    With ``previous`` (this record's last row) and ``changed`` (the only fields that
    differ since), the search text and sort key are reused unless a changed field
    feeds them. ``search_parts`` is the caller's cache of the record's search text,
    one part per search field: filled here when empty, and then kept up to date in
    place, so that a changed field only re-derives its own part. Pass it only
    together with ``previous`` and ``changed``, or empty. ``locale`` orders names
    (:func:`engine.collation.check_locale`).
    """
    data = resolved.data
    kind = resolved.kind
    search = sort_key = sort_tail = None
    touched: AbstractSet[str] | None = None  # the search fields to re-derive; None: all
    if previous is not None and changed is not None:
        touched = _SEARCH_FIELDS[kind] & changed
        if not touched:
            search = previous.search
        if not _SORT_SET[kind] & changed:
            sort_key = previous.sort_key
        if not _TAIL_SET[kind] & changed:
            sort_tail = previous.sort_tail
    if search is None:
        search = _search_text(kind, data, touched, [] if search_parts is None else search_parts)
    if sort_key is None:
        sort_key = record_sort_key(kind, data, locale)
    if sort_tail is None:
        sort_tail = _sort_text(data, _SORT_TAIL[kind])
    links = texts_of(data.get(_LINKS[kind]))
    return RecordRow(
        kind=kind, id=resolved.record_id, deleted=resolved.deleted,
        updated=resolved.updated, updated_by=resolved.updated_by, data=data,
        search=search, sort_key=sort_key, sort_tail=sort_tail,
        company_id=data.get("company_id"), company=data.get("company"), links=links,
        conflicts=[c.to_dict() for c in resolved.conflicts],
    )


def with_value(previous: RecordRow, resolved: Resolved, name: str,
               search_parts: list[str | None], locale: str = ROOT) -> RecordRow:
    """:func:`build_row` for a record of which only the value of the field ``name``
    changed (:func:`engine.registers.replace_value`): not its conflicts, not its
    deleted flag. The row shares its conflicts, and its links unless ``name`` holds
    them, with ``previous``; ``search_parts`` is as for :func:`build_row`. The row's
    hints for the store name the columns that may differ from ``previous``."""
    data = resolved.data
    kind = resolved.kind
    search, sort_key, sort_tail = previous.search, previous.sort_key, previous.sort_tail
    if name in _SEARCH_FIELDS[kind]:
        search = _search_text(kind, data, (name,), search_parts)
    if name in _SORT_SET[kind]:
        sort_key = record_sort_key(kind, data, locale)
    if name in _TAIL_SET[kind]:
        sort_tail = _sort_text(data, _SORT_TAIL[kind])
    links = previous.links
    if name == _LINKS[kind]:
        links = texts_of(data.get(name))
    return RecordRow(kind, resolved.record_id, resolved.deleted, resolved.updated,
                     resolved.updated_by, data, search, sort_key, sort_tail,
                     data.get("company_id"), data.get("company"), links, previous.conflicts,
                     links == previous.links,
                     _value_columns(kind, name, sort_key != previous.sort_key))


_VALUE_COLUMNS: dict[tuple[str, str, bool], frozenset[str]] = {}


def _value_columns(kind: str, name: str, sort_changed: bool) -> frozenset[str]:
    """The store columns an edit of the field ``name`` may change."""
    key = (kind, name, sort_changed)
    columns = _VALUE_COLUMNS.get(key)
    if columns is None:
        names = {"updated", "updated_by", "data"}
        if name in _SEARCH_FIELDS[kind]:
            names.add("search")
        if sort_changed:
            names.add("sort_key")
        if name in _TAIL_SET[kind]:
            names.add("sort_tail")
        if name in ("company", "company_id"):
            names.add(name)
        if len(_VALUE_COLUMNS) >= 4096:  # field names come from peers: keep it bounded
            _VALUE_COLUMNS.clear()
        columns = _VALUE_COLUMNS[key] = frozenset(names)
    return columns


def sort_texts(kind: str, data: dict[str, Any], locale: str = ROOT) -> tuple[str, str]:
    """A record's sort key and sort tail (see :class:`engine.store.RecordRow`)."""
    return record_sort_key(kind, data, locale), _sort_text(data, _SORT_TAIL[kind])


def search_text(kind: str, data: dict[str, Any]) -> str:
    """A record's search text (see :class:`engine.store.RecordRow`)."""
    return _search_text(kind, data, None, [])


def record_sort_key(kind: str, data: dict[str, Any], locale: str = ROOT) -> str:
    """A record's sort key: for the :data:`COLLATED` kinds a collation key in ``locale``."""
    names = _SORT_FIELDS[kind]
    if kind in COLLATED:
        return collation_key([str(data.get(n) or "") for n in names], locale)
    return _sort_text(data, names)


def _sort_text(data: dict[str, Any], names: tuple[str, ...]) -> str:
    return "\x1f".join([str(data.get(n) or "").lower() for n in names])


def _search_text(kind: str, data: dict[str, Any], touched: Iterable[str] | None,
                 parts: list[str | None]) -> str:
    """The search text, from ``parts`` brought up to date for the ``touched`` fields
    (all of them when None or when ``parts`` is still empty)."""
    plan = _SEARCH_PLAN[kind]
    if touched is not None and len(parts) == len(plan):
        place = _SEARCH_PLACE[kind]
        for name in touched:
            parts[place[name]] = _search_part(data.get(name), plan[place[name]][1])
    else:
        parts[:] = [_search_part(data.get(name), is_phone) for name, is_phone in plan]
    return "\x1f".join([part for part in parts if part is not None])


def _search_part(value: Any, is_phone: bool) -> str | None:
    """One field's share of the search text: its text folded (engine/fold.py), and
    folded with punctuation joined when that differs, and for a phone also its digits;
    None when the field holds no text."""
    if value.__class__ is not str:
        return None
    if is_phone:
        return f"{fold(value[:MAX_SEARCH_TEXT])}{SEPARATOR}{_NON_DIGITS.sub('', value)}"
    spaced, joined = fold_both(value[:MAX_SEARCH_TEXT])
    return spaced if spaced == joined else f"{spaced}{SEPARATOR}{joined}"


def to_record(row: RecordRow) -> dict[str, Any]:
    """Return a row as the plain record callers see."""
    record = dict(row.data)
    record["deleted"] = row.deleted
    record["updated_at"] = stamp_to_iso(row.updated) if row.updated else None
    record["updated_by"] = row.updated_by or None
    record["conflicts"] = len(row.conflicts)
    return record


def search_needle(text: str) -> str:
    """Return what to look for in a row's search text: ``text`` folded as the search
    text is (engine/fold.py), or its digits when it looks like a phone number."""
    needle = text.strip()
    if needle and set(needle) <= _PHONE_CHARS and sum(c.isdigit() for c in needle) >= 3:
        return "".join(c for c in needle if c.isdigit())
    return fold(needle)
