"""Act! Web API records to handsync fields, and handsync edits back to Act! bodies.

engine/schema.py keeps, for every field, its Act! JSON name (the table is in
docs/act-fields.md). The name is one of:

* a plain property: ``firstName`` ↔ ``first_name``;
* a path into a nested object: ``businessAddress/city`` ↔ ``business_address_city``,
  ``historyType/name`` ↔ ``history_type``;
* a link list of ``{"id", "name"}`` objects: ``contacts`` ↔ ``contact_ids``.

Act!'s ``customFields`` object becomes the record's ``custom`` map, and a record's
custom map goes back into ``customFields``: custom fields are never dropped.
Top-level properties the schema does not know (Act! versions add some) are left
out of the record and returned by :func:`unknown_properties`, so the bridge can
say so instead of dropping them silently. The record id is the Act! GUID and is
not a field. ``created``, ``edited`` and ``editedBy`` are Act!'s own: they are
read, never written back, and so are a history's or an activity's ``duration``, which Act!
derives from the start and end times, and an activity's ``seriesID`` and ``recurSpec``.

Rich text (``noteText``, and the ``details`` of histories and activities) is asked for as
plain text with :data:`TEXT_PARAMS`; a server that ignores that still answers RTF or HTML,
which :func:`from_act` turns into plain text. An opportunity's ``status`` is the name Act!'s
definition gives it (``Open``, ``Won``, ``Lost``, ``Inactive``; the record model keeps 0-3).
Names and types follow Act!'s Swagger definition (api-evangelist/act,
``openapi/_original/act-web-api-swagger.json``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clients.act.richtext import plain_text
from engine.schema import CUSTOM_PREFIX, kind_spec

CUSTOM_FIELDS = "customFields"
# Act!'s own stamps; the duration it derives from start and end; a task's series id and
# recurrence, which /api/tasks ignores on writes ("Recur Spec will be ignored").
READ_ONLY = frozenset({"created", "edited", "edited_by", "duration", "series_id", "recur_spec"})
_MISSING: Any = object()

#: The Web API's collection path of each record kind (activities are Act!'s "tasks").
RESOURCES = {
    "contact": "contacts", "company": "companies", "group": "groups", "note": "notes",
    "history": "History", "activity": "tasks", "opportunity": "opportunities",
}
#: The ``recordType`` of ``/api/metadata/{recordType}/fields`` for kinds that have fields.
RECORD_TYPES = {"contact": "Contact", "company": "Company", "group": "Group",
                "opportunity": "Opportunity"}
#: Act! names of the rich-text fields of each kind.
RICH_TEXT = {"note": frozenset({"noteText"}), "history": frozenset({"details"}),
             "activity": frozenset({"details"})}
#: Query parameters for every read and write of a kind with rich text: plain text, please.
TEXT_PARAMS = {"format": "text"}
#: Opportunity status names, by the number the record model keeps.
STATUS_NAMES = ("Open", "Won", "Lost", "Inactive")


def params_for(kind: str) -> dict[str, str] | None:
    """The query parameters every request about records of ``kind`` carries (or None)."""
    return dict(TEXT_PARAMS) if kind in RICH_TEXT else None


def from_act(kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Return the handsync fields of an Act! record (as ``create``/``update`` take them).

    Values are as Act! sent them; :func:`engine.schema.normalize_fields` checks and
    normalises them when the replica writes them.
    """
    out: dict[str, Any] = {}
    for field in kind_spec(kind).fields.values():
        value = _dig(body, field.act.split("/"))
        if value is _MISSING:
            continue
        if field.type == "ids":
            value = [_link_id(item) for item in value or ()]
        elif isinstance(value, str) and field.act in RICH_TEXT.get(kind, ()):
            value = plain_text(value)  # a server that ignored format=text
        out[field.name] = value
    custom = body.get(CUSTOM_FIELDS)
    if isinstance(custom, Mapping) and custom:
        out["custom"] = dict(custom)
    return out


def to_act(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Return the Act! body that sets exactly ``fields`` (for a PATCH or a POST).

    ``fields`` uses handsync names, as :meth:`Replica.get` returns them or as a
    change lists them (``custom.<name>`` keys or a ``custom`` mapping both work).
    Act!'s own stamps and unknown names are left out.
    """
    spec = kind_spec(kind)
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "custom" and isinstance(value, Mapping):
            body.setdefault(CUSTOM_FIELDS, {}).update(value)
        elif name.startswith(CUSTOM_PREFIX):
            body.setdefault(CUSTOM_FIELDS, {})[name[len(CUSTOM_PREFIX):]] = value
        elif name in spec.fields and name not in READ_ONLY:
            field = spec.fields[name]
            if field.type == "ids":
                value = [{"id": item} for item in value or ()]
            elif kind == "opportunity" and name == "status":
                value = _status_name(value)
            elif field.type == "date" and isinstance(value, str) and len(value) == 10:
                value += "T00:00:00"  # Act!'s definition types a birthday as a date-time
            _put(body, field.act.split("/"), value)
    return body


def unknown_properties(kind: str, body: Mapping[str, Any]) -> list[str]:
    """Top-level properties of an Act! record that no handsync field stands for."""
    known = {field.act.split("/")[0] for field in kind_spec(kind).fields.values()}
    known |= {"id", CUSTOM_FIELDS}
    return sorted(key for key in body if key not in known)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any],
                   names: Iterable[str] | None = None) -> dict[str, Any]:
    """The fields of ``after`` that differ from ``before`` (custom fields one by one).

    A field missing from ``after`` but set in ``before`` comes back as None (cleared).
    ``names`` limits the comparison to those fields (``custom`` stands for every
    custom field).
    """
    flat_before, flat_after = _flatten(before), _flatten(after)
    keys = set(flat_before) | set(flat_after)
    if names is not None:
        wanted = set(names)
        keys = {key for key in keys if key in wanted
                or ("custom" in wanted and key.startswith(CUSTOM_PREFIX))}
    return {key: flat_after.get(key) for key in sorted(keys)
            if flat_after.get(key) != flat_before.get(key)}


def _flatten(fields: Mapping[str, Any]) -> dict[str, Any]:
    out = {key: value for key, value in fields.items() if key != "custom"}
    custom = fields.get("custom")
    if isinstance(custom, Mapping):
        out.update((CUSTOM_PREFIX + key, value) for key, value in custom.items())
    return out


def _dig(body: Mapping[str, Any], path: list[str]) -> Any:
    value: Any = body
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _put(body: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        body = body.setdefault(part, {})
    body[path[-1]] = value


def _status_name(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(STATUS_NAMES):
        return STATUS_NAMES[value]
    return value


def _link_id(item: Any) -> Any:
    return item.get("id") if isinstance(item, Mapping) else item
