"""Records as a person reads them: names, local times and Act!'s labels.

``--json`` prints records exactly as the library gives them (ids, snake_case names,
UTC times); without it, read commands print through this module: linked records by
name, times in the user's zone (clients/cli/times.py) and fields by their Act!
labels (engine/labels.py). A list prints one line per record, its id first and then
what it is ("Call with Jürgen Müller, Thu 4 Dec 2026 10:00 CET: Demo"); ``show``
prints one field per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

import click

from clients.cli.times import readable
from engine.labels import field_label
from engine.schema import KINDS

if TYPE_CHECKING:
    from engine.replica import Replica

_META = ("deleted", "updated_at", "updated_by", "conflicts")
# Fields holding ids of other records, and the kind of those records.
_LINK_KINDS = {"contact_ids": "contact", "company_ids": "company", "group_ids": "group",
               "opportunity_ids": "opportunity", "members": "contact", "company_id": "company"}
_HEADLINE_FIELDS = {
    "contact": ("full_name", "first_name", "last_name", "company"),
    "company": ("name",), "group": ("name",), "opportunity": ("name",),
    "activity": ("activity_type_name", "contact_ids", "start_time", "subject"),
    "history": ("regarding", "contact_ids", "start_time"),
    "note": ("contact_ids", "display_date", "text"),
}
Names = dict[tuple[str, str], str]


def _targets(kind: str) -> dict[str, str]:
    targets = dict(_LINK_KINDS)
    if kind in ("company", "group"):
        targets["parent_id"] = kind
    return targets


def link_names(replica: Replica, kind: str, records: Iterable[dict[str, Any]]) -> Names:
    """The name of every record the ``records`` (of ``kind``) link to, by (kind, id)."""
    wanted: dict[str, set[str]] = {}
    targets = _targets(kind)
    for record in records:
        for name, target in targets.items():
            value = record.get(name)
            linked = value if isinstance(value, list) else [value] if isinstance(value, str) else []
            wanted.setdefault(target, set()).update(linked)
    found: Names = {}
    for target, ids in wanted.items():
        for rid, row in replica.store.get_rows(target, sorted(ids)).items():
            found[(target, rid)] = record_name(target, row.data) or rid
    return found


def record_name(kind: str, data: dict[str, Any]) -> str:
    """What people call a record: a contact's full name, another record's name."""
    if kind == "contact":
        name = data.get("full_name") or " ".join(
            str(data[n]) for n in ("first_name", "last_name") if data.get(n))
        return str(name or data.get("email") or data.get("company") or "")
    return str(data.get("name") or data.get("subject") or data.get("regarding") or "")


def _value(kind: str, name: str, value: Any, zone: tzinfo | None, names: Names) -> str:
    target = _targets(kind).get(name)
    if target is not None:
        ids = value if isinstance(value, list) else [value]
        return ", ".join(names.get((target, str(i)), str(i)) for i in ids)
    spec = KINDS[kind].fields.get(name)
    if (spec is not None and spec.type == "datetime") or name == "updated_at":
        return readable(str(value), zone)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def headline(kind: str, record: dict[str, Any], zone: tzinfo | None, names: Names) -> str:
    """One phrase that says what the record is."""
    def shown(name: str) -> str:
        value = record.get(name)
        return "" if value in (None, [], "") else _value(kind, name, value, zone, names)

    if kind == "contact":
        who = record_name("contact", record)
        company = shown("company")
        return f"{who}, {company}" if company and company != who else who
    if kind in ("activity", "history", "note"):
        what = {"activity": shown("activity_type_name") or "Activity",
                "history": shown("regarding") or "History", "note": "Note"}[kind]
        who, when = shown("contact_ids"), shown("start_time" if kind != "note" else
                                                "display_date")
        text = f"{what} with {who}" if who else what
        text += f", {when}" if when else ""
        tail = shown("subject") if kind == "activity" else (
            shown("text").strip().splitlines()[0][:60] if kind == "note" and shown("text")
            else "")
        return f"{text}: {tail}" if tail else text
    return shown("name") or record.get("id", "")


def _fields(kind: str, record: dict[str, Any], skip: Iterable[str]) -> list[tuple[str, Any]]:
    left_out = {"id", *_META, *skip}
    return [(k, v) for k, v in record.items() if k not in left_out and v not in (None, [], {})]


def echo_records(records: list[dict[str, Any]], as_json: bool, *, kind: str,
                 replica: Replica | None = None, zone: tzinfo | None = None) -> None:
    """Print records as JSON, or one readable line each (needs ``replica`` for names)."""
    if as_json:
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    names = link_names(replica, kind, records) if replica is not None and records else {}
    for record in records:
        rest = ", ".join(f"{field_label(kind, k)}: {_value(kind, k, v, zone, names)}"
                         for k, v in _fields(kind, record, _HEADLINE_FIELDS.get(kind, ())))
        flags = (" [deleted]" if record.get("deleted") else "") + (
            f" [{record['conflicts']} conflict(s)]" if record.get("conflicts") else "")
        line = headline(kind, record, zone, names)
        click.echo(f"{record['id']}  {line}{' · ' + rest if rest else ''}{flags}")


def echo_record(record: dict[str, Any], *, kind: str, replica: Replica,
                zone: tzinfo | None) -> None:
    """Print one record readably: what it is, then a line per field."""
    names = link_names(replica, kind, [record])
    click.echo(headline(kind, record, zone, names))
    click.echo(f"  Id: {record['id']}")
    for name, value in _fields(kind, record, ()):
        click.echo(f"  {field_label(kind, name)}: {_value(kind, name, value, zone, names)}")
    for name in _META:
        value = record.get(name)
        if value not in (None, False, 0):
            click.echo(f"  {field_label(kind, name)}: {_value(kind, name, value, zone, names)}")
