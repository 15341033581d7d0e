"""Field registers: how one record's edits are stored and resolved.

A record is a map of *entries*. Each write of a field adds one entry under a key
unique to that write, ``<field>|<stamp>|<replica>`` (stamp in base 36, see
engine/clock.py), holding the value as JSON text; the write also removes the
entries its writer had as the field's current value. So:

* sequential writes leave one live entry per field;
* concurrent writes of one field leave several live entries: the one with the
  highest (stamp, replica) is the current value everywhere, the others are
  conflicts until someone resolves them;
* writes of different fields never touch each other.

Deletion is a register too (field ``_deleted``): a delete entry lists the keys
of the data entries its writer had seen. A record counts as deleted only if no
live data entry is missing from those lists, so an edit made concurrently with a
delete keeps the record alive and the delete shows as a conflict.

Everything here is a pure function of the live entries, so every replica that
holds the same entries computes the same record and the same conflicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, NamedTuple, Protocol

from engine.clock import decode_stamp, encode_stamp, stamp_wall_ms
from engine.schema import CUSTOM_PREFIX

DELETED = "_deleted"
TEXT_KEY = "_text"
MEMBER_PREFIX = "member:"


class Entry(NamedTuple):
    """One live write of a field.

    A named tuple rather than a dataclass: a replica keeps hundreds of thousands of
    these, and a tuple is smaller and quicker to make. The garbage collector still
    tracks each one (CPython stops tracking exact tuples of plain values only, not
    subclasses): 203k of a 10k-contact replica's ~500k tracked objects.
    """

    key: str
    field: str
    stamp: int
    replica: str
    value: Any

    @property
    def order(self) -> tuple[int, str]:
        """Sort key: the newest edit is the greatest; ties go to the greater replica id."""
        return (self.stamp, self.replica)


@dataclass(frozen=True, slots=True)
class Conflict:
    """A value that lost a same-field conflict and is kept for review."""

    kind: str
    record_id: str
    field: str
    value: Any
    replica: str
    stamp: int
    current: Any

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for JSON output and the store."""
        return {
            "kind": self.kind, "record_id": self.record_id, "field": self.field,
            "value": self.value, "replica": self.replica, "stamp": self.stamp,
            "current": self.current,
        }


@dataclass(slots=True)
class Resolved:
    """The current state of one record, derived from its live entries."""

    kind: str
    record_id: str
    data: dict[str, Any]
    deleted: bool
    updated: int
    updated_by: str
    conflicts: list[Conflict] = field(default_factory=list)
    fields: dict[str, list[Entry]] = field(default_factory=dict)


def entry_key(field_name: str, stamp: int, replica: str) -> str:
    """Return the key of a new entry for ``field_name`` written at ``stamp`` by ``replica``."""
    return f"{field_name}|{encode_stamp(stamp)}|{replica}"


def parse_entry(key: str, raw: Any) -> Entry | None:
    """Return the entry stored under ``key``, or None if the key is not an entry key."""
    parts = key.rsplit("|", 2)
    if len(parts) != 3 or raw.__class__ is not str:
        return None
    name, text, replica = parts
    try:
        # Every entry of one write shares its stamp: an initial sync decodes each once.
        stamp = _STAMPS.get(text)
        if stamp is None:
            stamp = decode_stamp(text)
            if len(_STAMPS) >= _STAMPS_KEPT:
                _STAMPS.clear()
            _STAMPS[text] = stamp
        # Most values are plain strings: skip the JSON parser when nothing is escaped.
        if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"' and "\\" not in raw \
                and raw.count('"') == 2:
            value: Any = raw[1:-1]
        else:
            value = json.loads(raw)
    except ValueError:
        return None
    return _new_entry(Entry, (key, name, stamp, replica, value))


_STAMPS: dict[str, int] = {}
_STAMPS_KEPT = 4096
_new_entry = tuple.__new__  # what Entry(...) calls, without its keyword handling


def encode_value(value: Any) -> str:
    """Return the JSON text an entry stores (JSON keeps ints as ints)."""
    # Most values are plain text that JSON writes between quotes as it is: no encoder
    # for those (an import writes 110,000 of them for 10k contacts).
    if value.__class__ is str and value.isprintable() and '"' not in value \
            and "\\" not in value:
        return f'"{value}"'
    return _ENCODER.encode(value)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class Items(Protocol):
    """Anything with ``items()`` of (key, value): a dict or a pycrdt Map."""

    def items(self) -> Iterable[tuple[str, Any]]: ...


def group_entries(raw: Items) -> dict[str, list[Entry]]:
    """Parse a record map's items and group the live entries by field."""
    grouped: dict[str, list[Entry]] = {}
    for key, value in raw.items():
        entry = parse_entry(key, value)
        if entry is not None:
            grouped.setdefault(entry.field, []).append(entry)
    return grouped


def winner(entries: Sequence[Entry]) -> Entry:
    """Return the entry every replica takes as the current value."""
    if len(entries) == 1:
        return entries[0]  # the common case: no concurrent write
    return max(entries, key=lambda e: e.order)


def superseded_by_edit(entries: list[Entry]) -> list[Entry]:
    """Entries an ordinary edit replaces: the current value and its equals.

    Real conflicts (other values) stay live until someone resolves them.
    """
    if not entries:
        return []
    current = winner(entries).value
    return [e for e in entries if e.value == current]


def _is_delete(entry: Entry) -> bool:
    return isinstance(entry.value, dict) and bool(entry.value.get("deleted"))


def texts_of(value: Any) -> list[str]:
    """The text items of ``value`` when it is a list, else none: how a delete's ``seen``
    and a record's links are read. Every replica writes lists of ids there; a peer that
    wrote something else (a number, true, a text) must not stop anyone's sync, and every
    engine must read it the same way (clients/web/src/registers.js does)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _delete_state(grouped: Mapping[str, list[Entry]]) -> tuple[bool, Entry | None]:
    """Return (deleted, the delete entry that lost to a concurrent edit, if any)."""
    entries = grouped.get(DELETED)
    if not entries:
        return False, None
    top = winner(entries)
    if not _is_delete(top):
        return False, None
    seen: set[str] = set()
    for entry in entries:
        if _is_delete(entry):
            seen.update(texts_of(entry.value.get("seen")))
    unseen = any(
        e.key not in seen for name, es in grouped.items() if not name.startswith("_") for e in es
    )
    return (False, top) if unseen else (True, None)


def resolve_record(
    kind: str, record_id: str, raw: Mapping[str, Any], text: str | None = None
) -> Resolved:
    """Derive the record, its deleted flag and its conflicts from its live entries."""
    return resolve_entries(kind, record_id, group_entries(raw), text)


def resolve_entries(
    kind: str, record_id: str, grouped: dict[str, list[Entry]], text: str | None = None
) -> Resolved:
    """:func:`resolve_record` for entries already parsed and grouped by field."""
    data: dict[str, Any] = {"id": record_id}
    custom: dict[str, Any] = {}
    members: list[str] = []
    conflicts: list[Conflict] = []
    updated, updated_by = 0, ""
    for name in sorted(grouped):
        entries = grouped[name]
        top = winner(entries)
        if top.stamp > updated:
            updated, updated_by = top.stamp, top.replica
        if name == DELETED:
            continue
        for loser in entries:
            if loser is not top and loser.value != top.value:
                conflicts.append(Conflict(kind, record_id, name, loser.value, loser.replica,
                                          loser.stamp, top.value))
        if top.value is None:
            continue
        if name.startswith(CUSTOM_PREFIX):
            custom[name[len(CUSTOM_PREFIX):]] = top.value
        elif name.startswith(MEMBER_PREFIX):
            if top.value is True:
                members.append(name[len(MEMBER_PREFIX):])
        else:
            data[name] = top.value
    if text is not None:
        data["text"] = text
    if custom:
        data["custom"] = custom
    if kind == "group":
        data["members"] = members
    deleted, lost_delete = _delete_state(grouped)
    for entry in grouped.get(DELETED, []):
        top = winner(grouped[DELETED])
        if entry is lost_delete or (entry is not top and _is_delete(entry) != _is_delete(top)):
            conflicts.append(Conflict(kind, record_id, DELETED, _is_delete(entry), entry.replica,
                                      entry.stamp, deleted))
    conflicts.sort(key=lambda c: (c.field, c.stamp, c.replica))
    return Resolved(kind, record_id, data, deleted, updated, updated_by, conflicts, grouped)


def refresh_fields(previous: Resolved, grouped: dict[str, list[Entry]],
                   names: set[str]) -> Resolved | None:
    """Re-resolve only the fields ``names`` of a record resolved before.

    ``grouped`` is the record's entries now; only the fields in ``names`` may differ
    from what ``previous`` was resolved from. Returns the same result as
    :func:`resolve_entries` would, or None when this shortcut does not apply and the
    record must be resolved whole: a change to the delete register or to group
    membership, a record that is deleted or whose delete lost to an edit, or a field
    that appears or disappears (the record's data keeps its fields in sorted order).
    """
    if previous.deleted or previous.kind == "group":
        return None
    for name in names:
        if name.startswith("_") or name.startswith(MEMBER_PREFIX):
            return None
    deletes = grouped.get(DELETED)
    if deletes and _is_delete(winner(deletes)):
        return None  # which data entries a delete saw decides whether it stands
    data = dict(previous.data)
    custom = data.get("custom") or {}
    if any(name.startswith(CUSTOM_PREFIX) for name in names):
        custom = dict(custom)  # a copy to change; otherwise the same values are kept
    conflicts = [c for c in previous.conflicts if c.field not in names]
    kind, record_id = previous.kind, previous.record_id
    for name in names:
        entries = grouped.get(name)
        is_custom = name.startswith(CUSTOM_PREFIX)
        target, slot = (custom, name[len(CUSTOM_PREFIX):]) if is_custom else (data, name)
        top = winner(entries) if entries else None
        if top is None or top.value is None:
            if slot in target:
                return None
            if top is None:
                continue
        elif slot not in target:
            return None
        else:
            target[slot] = top.value
        for loser in entries or ():
            if loser is not top and loser.value != top.value:
                conflicts.append(Conflict(kind, record_id, name, loser.value, loser.replica,
                                          loser.stamp, top.value))
    if custom:
        data["custom"] = custom
    # The record's last edit: a changed field's newest entry if it is newer than every
    # entry before (the usual case), otherwise found again over all fields. Either way in
    # resolve_entries' order, so that equal stamps tie alike.
    updated, updated_by = 0, ""
    for field_name in sorted(names):
        entries = grouped.get(field_name)
        if entries and (newest := winner(entries)).stamp > updated:
            updated, updated_by = newest.stamp, newest.replica
    if updated <= previous.updated:
        updated, updated_by = 0, ""
        for field_name in sorted(grouped):
            newest = winner(grouped[field_name])
            if newest.stamp > updated:
                updated, updated_by = newest.stamp, newest.replica
    conflicts.sort(key=lambda c: (c.field, c.stamp, c.replica))
    return Resolved(kind, record_id, data, False, updated, updated_by, conflicts, grouped)


def replace_value(previous: Resolved, grouped: dict[str, list[Entry]],
                  entry: Entry) -> Resolved | None:
    """:func:`refresh_fields` for the commonest change of all, taken the short way.

    That change is an ordinary edit of one field seen after the edit before it:
    ``entry`` replaces the one live entry of its field, which held a value. Then no
    conflict appears or goes and the field keeps its place in the data. The record's
    last edit is ``entry`` if it is newer than every entry of the record, or stays
    what it was if both ``entry`` and the entry it replaces are older than that.
    ``grouped`` is the record's entries before the change. Returns what
    :func:`resolve_entries` would give once ``grouped[entry.field]`` is ``[entry]``
    (the caller makes it so), or None when the change is not that one. The conflicts
    list is ``previous``'s own.
    """
    name, value = entry.field, entry.value
    if (value is None or previous.deleted or previous.kind in _WHOLE_KINDS or DELETED in grouped
            or name not in previous.data or name in _DERIVED or name.startswith(CUSTOM_PREFIX)):
        return None
    entries = grouped.get(name)
    if entries is None or len(entries) != 1:
        return None  # the field held no value, or a conflict this edit may resolve
    updated, updated_by = previous.updated, previous.updated_by
    if entry.stamp > updated:
        updated, updated_by = entry.stamp, entry.replica
    elif entry.stamp == updated or entries[0].stamp >= updated:
        return None  # a tie, or the replaced entry was the last edit: find it again
    data = previous.data.copy()
    data[name] = value
    return Resolved(previous.kind, previous.record_id, data, False, updated, updated_by,
                    previous.conflicts, grouped)


_WHOLE_KINDS = frozenset({"group", "note"})  # members and note text are not plain fields
_DERIVED = frozenset({"custom", "text", "members"})  # data keys resolve_entries makes itself


def stamp_to_iso(stamp: int) -> str:
    """Return the wall-clock time of a stamp as ISO-8601 UTC (for display)."""
    from datetime import datetime

    moment = datetime.fromtimestamp(stamp_wall_ms(stamp) / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
