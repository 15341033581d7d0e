"""Record shapes of the Act! sandbox: field types, validation of request bodies, rendering.

The JSON names and types are those of Act!'s Swagger definition (public copy: GitHub
api-evangelist/act, ``openapi/_original/act-web-api-swagger.json``; the part the bridge uses is
in tests/contract/act_web_api.json): ``Contacts.Contact``, ``Companies.Company``,
``Groups.Group``, ``Notes.Note``, ``Histories.History``, ``Activities.ActivityOccurrence`` and
``Opportunities.Opportunity``, each with the properties the bridge mirrors. A stored record is a
dict holding every field of its kind (``None`` when unset), link arrays reduced to lists of ids,
an opportunity's stage as its id, and the private key ``_owner`` (the user id that owns the
record, for private records). ``build`` turns a request body into such a dict or raises
``BadRequest``; ``render`` turns a stored record back into the JSON Act! would send.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from clients.act.richtext import is_rtf, plain_text, to_html, to_rtf
from clients.act_sandbox.odata import ODataSchema
from engine.schema import minutes_text

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ADDRESS_PARTS = ("line1", "line2", "line3", "city", "state", "postalCode", "country",
                 "latitude", "longitude")
_COORDINATES = frozenset({"latitude", "longitude"})
LINK_KINDS = {"contacts": "contact", "companies": "company", "groups": "group",
              "opportunities": "opportunity"}
CONTACT_TYPES = ("Contact", "Secondary", "User")
HISTORY_TYPES = {1: "Call Completed", 2: "Call Attempted", 3: "Call Left Message",
                 4: "Meeting Held", 5: "To-do Done", 6: "E-mail Sent", 7: "Letter Sent",
                 8: "Field Changed"}
ACTIVITY_TYPES = {1: "Call", 2: "Meeting", 3: "To-do", 4: "Appointment", 1000: "Demo"}
PRIORITIES = {0: "Low", 1: "Medium", 2: "High"}
# Custom field types (Act!'s names) and the scalar type each is stored and compared as.
CUSTOM_TYPES = {"Character": "string", "Number": "number", "Currency": "number",
                "Date": "date", "DateTime": "datetime", "YesNo": "bool"}
NOTE_TYPE_GENERAL = 100
#: Opportunity status names by number (Act!'s definition: 0 Open, 1 Won, 2 Lost, 3 Inactive).
STATUSES = ("Open", "Won", "Lost", "Inactive")
#: The sandbox's one sales process and its stages (Act!'s Opportunities.Process and .Stage).
PROCESS = {"id": "6c2e4b7a-0d1f-4e35-9a8b-3f2c1d0e9a71", "name": "Standard Sales Process",
           "description": "The sandbox's sales process", "status": "Active", "stagesCount": 5}
STAGES = {stage["id"]: stage for stage in (
    {"id": f"{n:08x}-5d1e-4c3b-8a2f-0e9d8c7b6a50", "name": name, "description": f"{name} stage",
     "probability": chance, "number": n}
    for n, (name, chance) in enumerate(
        [("Initial Communication", 10), ("Needs Assessment", 25), ("Proposal", 50),
         ("Negotiation", 75), ("Closing", 90)], start=1))}
#: Fields holding rich text, answered as RTF unless the request asks otherwise (``format``).
RICH_TEXT = {"note": "noteText", "history": "details", "activity": "details"}
FORMATS = ("auto", "rtf", "text", "html")


class BadRequest(ValueError):
    """A request body or parameter the sandbox refuses; ``str()`` is the 400 message."""


@dataclass(frozen=True)
class CustomField:
    """One custom field of a kind: ``name`` is the JSON key inside ``customFields``."""

    name: str
    display_name: str
    type: str  # a key of CUSTOM_TYPES


def _fields(spec: str) -> dict[str, str]:
    """``"type: a b c; type: d"`` -> {a: type, …}: keeps the kind tables below readable."""
    out: dict[str, str] = {}
    for group in spec.split(";"):
        type_, _, names = group.partition(":")
        for name in names.split():
            out[name] = type_.strip()
    return out


_KINDS_OF_PHONE = ("business", "mobile", "fax", "home", "alternate", "pager")
_PHONES = " ".join(f"{p}Phone {p}Extension {p}MaskFormat" for p in _KINDS_OF_PHONE)
_COUNTRY_CODES = " ".join(f"{p}CountryCode" for p in _KINDS_OF_PHONE)
_LINKS = "links: contacts companies groups opportunities"
_STAMPS = "datetime: created edited"
FIELDS: dict[str, dict[str, str]] = {
    "contact": _fields(
        f"guid: id companyID recordManagerID; string: contactType fullName namePrefix firstName"
        f" middleName lastName nameSuffix salutation company jobTitle department emailAddress"
        f" altEmailAddress personalEmailAddress {_PHONES} website idStatus referredBy lastResults"
        f" messengerID recordManager editedBy; int: {_COUNTRY_CODES}; bool: isPrivate;"
        f" {_STAMPS} birthday lastReach lastAttempt lastMeeting lastLetterSent lastEmail;"
        f" address: businessAddress homeAddress; custom: customFields"),
    "company": _fields(
        f"guid: id parentID recordManagerID; string: name phone phoneExtension fax faxExtension"
        f" tollFreePhone website industry territory region editedBy recordManager;"
        f" bool: isPrivate; address: address billingAddress shippingAddress;"
        f" custom: customFields; {_STAMPS}"),
    "group": _fields(f"guid: id parentID; string: name description; {_STAMPS}"),
    "note": _fields(f"guid: id; string: noteText; int: noteTypeID; datetime: displayDate;"
                    f" bool: isPrivate; {_STAMPS}; {_LINKS}"),
    "history": _fields(f"guid: id; string: regarding details; datetime: startTime endTime;"
                       f" string: duration; int: historyTypeID; type: historyType;"
                       f" bool: isPrivate; {_STAMPS}; {_LINKS}"),
    "activity": _fields(
        f"guid: id seriesID; string: subject details location activityTypeName"
        f" activityPriorityName scheduledBy scheduledFor duration; datetime: startTime endTime;"
        f" bool: isTimeless isAllDay isAlarmed isCleared isPrivate;"
        f" int: activityTypeId activityPriorityId leadMinutes; json: recurSpec; {_STAMPS};"
        f" {_LINKS}"),
    "opportunity": _fields(
        f"guid: id; string: name; stage: stage; status: status; int: probability;"
        f" number: productTotal weightedTotal;"
        f" datetime: openDate estimatedCloseDate actualCloseDate; {_STAMPS};"
        f" links: contacts companies"),
}
# Set by the server, never by a body: accepted in PUT/PATCH bodies (so a GET result can be sent
# back) but ignored.
# ``duration`` is derived from the start and end times; ``recurSpec`` is ignored on writes at
# /api/tasks ("Recur Spec will be ignored", says Act!'s definition of Tasks_PostTasks and
# Tasks_PutTasks); ``seriesID`` is read-only there.
READ_ONLY = frozenset({"id", "created", "edited", "editedBy", "recordManager", "historyType",
                       "activityTypeName", "activityPriorityName", "weightedTotal",
                       "scheduledBy", "duration", "recurSpec", "seriesID"})
REQUIRED = {"company": ("name",), "group": ("name",), "opportunity": ("name",)}
DEFAULTS: dict[str, dict[str, Any]] = {
    "contact": {"contactType": "Contact"},
    "note": {"noteTypeID": NOTE_TYPE_GENERAL},
    "history": {"historyTypeID": 1},
    "activity": {"activityTypeId": 1, "activityPriorityId": 0, "leadMinutes": 15},
    "opportunity": {"status": 0, "probability": 0, "productTotal": 0},
}


def stamp(when: datetime) -> str:
    """UTC ISO-8601 with milliseconds and ``Z``, the form of every stamp the sandbox sends."""
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def blank(kind: str) -> dict[str, Any]:
    """A stored record of ``kind`` with every field at its default."""
    record: dict[str, Any] = {}
    for name, type_ in FIELDS[kind].items():
        if type_ == "bool":
            record[name] = False
        elif type_ in ("links", "custom"):
            record[name] = [] if type_ == "links" else {}
        elif type_ == "address":
            record[name] = dict.fromkeys(ADDRESS_PARTS)
        else:
            record[name] = None
    record.update(copy.deepcopy(DEFAULTS.get(kind, {})))
    return record


def odata_schema(kind: str, custom: list[CustomField]) -> ODataSchema:
    """What ``$filter``/``$orderby``/``$select`` may name on ``kind``."""
    scalars: dict[str, str] = {}
    complex_: set[str] = set()
    for name, type_ in FIELDS[kind].items():
        if type_ == "address":
            scalars.update({f"{name}/{part}": "string" for part in ADDRESS_PARTS})
            complex_.add(name)
        elif type_ == "custom":
            scalars.update({f"{name}/{f.name}": CUSTOM_TYPES[f.type] for f in custom})
            complex_.add(name)
        elif type_ == "type":
            scalars.update({f"{name}/id": "int", f"{name}/name": "string"})
            complex_.add(name)
        elif type_ in ("links", "json"):
            complex_.add(name)
        elif type_ == "stage":
            complex_.add(name)  # selectable, not filterable: the sandbox stores the id only
        elif type_ == "status":
            scalars[name] = "int"
        else:
            scalars[name] = type_
    return ODataSchema(kind, scalars, frozenset(complex_))


@dataclass
class WriteContext:
    """What ``build`` needs from the store: custom field definitions and reference checks.

    ``visible(kind, id)`` must say whether the id names a record the caller may see;
    ``user_name(id)`` gives a user's display name or None for an unknown user.
    """

    custom: list[CustomField]
    visible: Callable[[str, str], bool]
    user_name: Callable[[str], str | None]
    me_id: str
    me_name: str


def build(kind: str, body: Any, base: Mapping[str, Any] | None, partial: bool,
          ctx: WriteContext) -> dict[str, Any]:
    """The stored record a POST (base None), PUT or PATCH (``partial``) body asks for.

    Server-managed fields (id, stamps, ``_owner``) are copied from ``base`` and must be set by
    the caller for a new record. Raises BadRequest, naming the field, for anything invalid.
    """
    if not isinstance(body, dict):
        raise BadRequest(f"The request body must be a JSON object describing a {kind}.")
    fields = FIELDS[kind]
    folded = {name.casefold(): name for name in fields}
    # .NET's JSON reader matches property names case-insensitively; so does the sandbox.
    given: dict[str, Any] = {}
    for key, value in body.items():
        name = folded.get(str(key).casefold())
        if name is None:
            raise BadRequest(f"'{key}' is not a property of a {kind}.")
        given[name] = value
    record = copy.deepcopy(dict(base)) if base is not None and partial else blank(kind)
    if base is not None and not partial:
        for name in [*READ_ONLY, "_owner", "recordManagerID"]:
            if name in base:
                record[name] = copy.deepcopy(base[name])
    for name, value in given.items():
        if name in READ_ONLY:
            continue
        record[name] = _convert(kind, name, fields[name], value, record.get(name), partial, ctx)
    for name in REQUIRED.get(kind, ()):
        if not record.get(name):
            raise BadRequest(f"A {kind} needs a '{name}'.")
    _derive(kind, record, given, ctx)
    return record


def _convert(kind: str, name: str, type_: str, value: Any, old: Any, partial: bool,
             ctx: WriteContext) -> Any:
    where = f"{kind} field '{name}'"
    if type_ == "address":
        return _address(kind, name, value, old if partial else None)
    if type_ == "custom":
        return _custom(kind, name, value, old if partial else None, ctx.custom)
    if type_ == "links":
        return _links(where, name, value, ctx)
    if type_ == "json":
        return copy.deepcopy(value)
    if type_ == "stage":
        return _stage(where, value)
    if type_ == "status":
        return 0 if value is None else _status(where, value)
    if value is None:
        if type_ == "bool":
            return False
        return DEFAULTS.get(kind, {}).get(name)
    result = scalar(where, type_, value)
    if kind == "contact" and name == "contactType" and result not in CONTACT_TYPES:
        raise BadRequest(f"{where} must be one of {', '.join(CONTACT_TYPES)}, not {value!r}.")
    _check_reference(kind, name, result, where, ctx)
    return result


def scalar(where: str, type_: str, value: Any) -> Any:
    """Check and normalise one scalar value of ``type_`` (see odata.SCALAR_TYPES)."""
    if type_ == "string" and isinstance(value, str):
        return value
    if type_ == "bool" and isinstance(value, bool):
        return value
    if type_ == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if type_ == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if type_ == "guid" and isinstance(value, str) and GUID.match(value):
        return value.lower()
    if type_ in ("datetime", "date") and isinstance(value, str):
        try:
            if type_ == "date":
                return date.fromisoformat(value[:10]).isoformat()
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return stamp(parsed)
    names = {"string": "text", "bool": "true or false", "int": "a whole number",
             "number": "a number", "guid": "a GUID", "datetime": "an ISO-8601 date-time",
             "date": "a date (YYYY-MM-DD)"}
    raise BadRequest(f"{where} must be {names.get(type_, type_)}, not {value!r}.")


def _check_reference(kind: str, name: str, value: Any, where: str, ctx: WriteContext) -> None:
    target = {("contact", "companyID"): "company", ("company", "parentID"): "company",
              ("group", "parentID"): "group"}.get((kind, name))
    if target is not None and not ctx.visible(target, value):
        raise BadRequest(f"{where}: there is no {target} with id {value}.")
    if name == "recordManagerID" and ctx.user_name(value) is None:
        raise BadRequest(f"{where}: there is no user with id {value}.")
    if name == "historyTypeID" and value not in HISTORY_TYPES:
        raise BadRequest(f"{where}: unknown history type {value}.")
    if name == "activityTypeId" and value not in ACTIVITY_TYPES:
        raise BadRequest(f"{where}: unknown activity type {value}.")
    if name == "activityPriorityId" and value not in PRIORITIES:
        raise BadRequest(f"{where}: unknown priority {value}.")
    if kind == "opportunity" and name == "probability" and not 0 <= value <= 100:
        raise BadRequest(f"{where} must be between 0 and 100, not {value}.")


def _stage(where: str, value: Any) -> str | None:
    """An opportunity's stage: an ``Opportunities.Stage`` object naming a stage of the
    process by ``id`` or by ``name``; stored as the stage's id."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest(f"{where} must be an object such as {{\"id\": …}} or "
                         f"{{\"name\": …}}, not {value!r}.")
    folded = {str(k).casefold(): v for k, v in value.items()}
    wanted_id, wanted_name = folded.get("id"), folded.get("name")
    for stage in STAGES.values():
        if isinstance(wanted_id, str) and wanted_id.lower() == stage["id"]:
            return str(stage["id"])
        if wanted_id is None and isinstance(wanted_name, str) and \
                wanted_name.strip().casefold() == str(stage["name"]).casefold():
            return str(stage["id"])
    names = ", ".join(str(s["name"]) for s in STAGES.values())
    raise BadRequest(f"{where}: {value!r} is not a stage of the sales process ({names}).")


def _status(where: str, value: Any) -> int:
    """Opportunity status: a name (Open, Won, Lost, Inactive) or its number 0-3, as .NET
    reads an enum; stored as the number."""
    if isinstance(value, str):
        for number, name in enumerate(STATUSES):
            if value.strip().casefold() == name.casefold():
                return number
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(STATUSES):
        return value
    raise BadRequest(f"{where} must be one of {', '.join(STATUSES)} (or 0-3), not {value!r}.")


def _address(kind: str, name: str, value: Any,
             old: Mapping[str, Any] | None) -> dict[str, Any]:
    where = f"{kind} field '{name}'"
    result = dict(old) if old is not None else dict.fromkeys(ADDRESS_PARTS)
    if value is None:
        return dict.fromkeys(ADDRESS_PARTS)
    if not isinstance(value, dict):
        raise BadRequest(f"{where} must be an object with {', '.join(ADDRESS_PARTS)}.")
    folded = {p.casefold(): p for p in ADDRESS_PARTS}
    for key, part_value in value.items():
        part = folded.get(str(key).casefold())
        if part is None:
            raise BadRequest(f"{where}: '{key}' is not part of an address.")
        if part in _COORDINATES:
            if part_value is not None and (isinstance(part_value, bool) or
                                           not isinstance(part_value, int | float)):
                raise BadRequest(f"{kind} field '{name}/{part}' must be a number, not "
                                 f"{part_value!r}.")
        elif part_value is not None and not isinstance(part_value, str):
            raise BadRequest(f"{kind} field '{name}/{part}' must be text, not {part_value!r}.")
        result[part] = part_value
    return result


def _custom(kind: str, name: str, value: Any, old: Mapping[str, Any] | None,
            custom: list[CustomField]) -> dict[str, Any]:
    where = f"{kind} field '{name}'"
    result = dict(old) if old is not None else {}
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"{where} must be an object of custom field values.")
    folded = {f.name.casefold(): f for f in custom}
    for key, field_value in value.items():
        spec = folded.get(str(key).casefold())
        if spec is None:
            known = ", ".join(f.name for f in custom) or "none"
            raise BadRequest(f"{where}: '{key}' is not a custom field (known: {known}).")
        if field_value is None:
            result.pop(spec.name, None)
        else:
            result[spec.name] = scalar(f"{kind} field '{name}/{spec.name}'",
                                       CUSTOM_TYPES[spec.type],
                                       field_value)
    return result


def _links(where: str, name: str, value: Any, ctx: WriteContext) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(f"{where} must be a list of {{\"id\": …}} objects.")
    ids: list[str] = []
    for item in value:
        raw = item.get("id") if isinstance(item, dict) else item
        if not isinstance(raw, str) or not GUID.match(raw):
            raise BadRequest(f"{where}: {item!r} is not a link to a record id.")
        if not ctx.visible(LINK_KINDS[name], raw.lower()):
            raise BadRequest(f"{where}: there is no {LINK_KINDS[name]} with id {raw}.")
        ids.append(raw.lower())
    return list(dict.fromkeys(ids))


_NAME_PARTS = ("namePrefix", "firstName", "middleName", "lastName", "nameSuffix")


def _derive(kind: str, record: dict[str, Any], given: Mapping[str, Any],
            ctx: WriteContext) -> None:
    """Fill the fields Act! computes from others."""
    if kind == "contact":
        if record.get("recordManagerID") is None:
            record["recordManagerID"] = ctx.me_id
        record["recordManager"] = ctx.user_name(record["recordManagerID"])
        record["_owner"] = record["recordManagerID"]
        _full_name(record, given)
    elif kind == "company" and record.get("recordManagerID") is None:
        record["recordManagerID"] = ctx.me_id
        record["recordManager"] = ctx.user_name(ctx.me_id)
    elif kind == "history":
        type_id = record["historyTypeID"]
        record["historyType"] = {"id": type_id, "name": HISTORY_TYPES.get(type_id)}
    elif kind == "activity":
        if not record["contacts"]:
            raise BadRequest("An activity needs at least one contact in 'contacts'.")
        record["activityTypeName"] = ACTIVITY_TYPES.get(record["activityTypeId"])
        record["activityPriorityName"] = PRIORITIES.get(record["activityPriorityId"])
        record["scheduledBy"] = record.get("scheduledBy") or ctx.me_name
        record["scheduledFor"] = record.get("scheduledFor") or ctx.me_name
    elif kind == "opportunity":
        total, chance = record.get("productTotal") or 0, record.get("probability") or 0
        record["weightedTotal"] = round(total * chance / 100, 2)
    if kind in ("history", "activity"):
        record["duration"] = duration_of(record)


def duration_of(record: Mapping[str, Any]) -> str | None:
    """``endTime - startTime`` as Act! shows a duration (``"1 hour 30 minutes"``), or None."""
    start, end = record.get("startTime"), record.get("endTime")
    if not (isinstance(start, str) and isinstance(end, str)):
        return None
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return minutes_text(int(seconds // 60)) if seconds >= 0 else None


def _full_name(record: dict[str, Any], given: Mapping[str, Any]) -> None:
    """Act! keeps fullName and the name parts in step: a new full name is split into parts,
    new parts are joined into the full name."""
    if "fullName" in given and not any(p in given for p in _NAME_PARTS):
        words = (record.get("fullName") or "").split()
        record.update(dict.fromkeys(_NAME_PARTS))
        if words:
            record["firstName"] = words[0]
        if len(words) > 1:
            record["lastName"] = words[-1]
        if len(words) > 2:
            record["middleName"] = " ".join(words[1:-1])
        return
    composed = " ".join(p for p in (record.get(n) for n in _NAME_PARTS) if p)
    record["fullName"] = composed or record.get("fullName")


def render(kind: str, record: Mapping[str, Any],
           link: Callable[[str, str], dict[str, Any] | None],
           text_format: str = "auto") -> dict[str, Any]:
    """The JSON Act! sends for a stored record: private keys dropped, rich text (note text,
    history and activity details) as RTF unless ``text_format`` is ``"text"`` or ``"html"``,
    links as ``link(kind, id)`` gives them (``{id, displayName}`` for contacts, ``{id, name}``
    otherwise, or None for a record the caller may not see, which is then left out), the
    stage as an ``Opportunities.Stage`` object and the status by name."""
    out: dict[str, Any] = {}
    types = FIELDS[kind]
    for name, value in record.items():
        if name.startswith("_"):
            continue
        if types.get(name) == "links":
            links = (link(LINK_KINDS[name], i) for i in value)
            out[name] = [item for item in links if item is not None]
        elif types.get(name) == "stage":
            out[name] = stage_object(value)
        elif types.get(name) == "status":
            out[name] = STATUSES[value] if isinstance(value, int) else value
        elif isinstance(value, dict | list):
            out[name] = copy.deepcopy(value)
        else:
            out[name] = value
    field = RICH_TEXT.get(kind)
    if field is not None and isinstance(out.get(field), str):
        out[field] = rich_text(out[field], text_format)
    return out


def stage_object(stage_id: Any) -> dict[str, Any] | None:
    """The ``Opportunities.Stage`` object of a stored stage id (None for none)."""
    stage = STAGES.get(stage_id) if isinstance(stage_id, str) else None
    return None if stage is None else {**stage, "process": dict(PROCESS)}


def rich_text(stored: str, text_format: str) -> str:
    """Stored rich text (RTF, or plain text as a client wrote it) as ``format`` asks:
    ``text`` plain, ``html`` HTML, ``rtf`` or ``auto`` (the default) RTF."""
    if text_format == "text":
        return plain_text(stored)
    if text_format == "html":
        return to_html(plain_text(stored))
    return stored if is_rtf(stored) else to_rtf(stored)
