"""The record model of a space: kinds, fields, types, and value normalisation.

One space mirrors one Act! database. Each record kind has a fixed set of
snake_case fields (the Act! JSON name of each is kept for the bridge and for
docs/act-fields.md). A field that is not in the schema is not dropped: it goes
into the record's ``custom`` map. Every value passes :func:`normalize_fields`
before anything is written; a bad value raises :class:`ValidationError` naming
record, field and value. :func:`schema_export` gives the model as plain data, with
the search folding rules (:func:`folding_rules`, applied by :func:`fold`).
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from engine.errors import UnknownKindError, ValidationError
from engine.fold import FOLDING
from engine.fold import fold as fold  # re-exported: the function the rules describe

MAX_TEXT = 64 * 1024
MAX_NOTE_TEXT = 1024 * 1024
MAX_JSON = 64 * 1024
CUSTOM_PREFIX = "custom."

_ID_RE = re.compile(r"^[A-Za-z0-9{}][A-Za-z0-9_.:{}-]{0,127}$")
_EMAIL_RE = re.compile(r"^[^@\s|]+@[^@\s|]+\.[^@\s|.]+$")
_PHONE_EXT_RE = re.compile(r"^(?P<num>.*?)[\s,;]*(?:x|ext\.?|extension|#)\s*(?P<ext>\d{1,10})$", re.I)
_PHONE_CHARS_RE = re.compile(r"^[0-9A-Za-z+().\-/ ]+$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field: our name, its type, the Act! JSON name, and for enums the choices."""

    name: str
    type: str
    act: str
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class KindSpec:
    """One record kind: its root name in the document and its fields."""

    name: str
    root: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...] = ()
    search: tuple[str, ...] = ()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _f(name: str, type_: str = "text", act: str | None = None, choices: tuple[Any, ...] = ()) -> FieldSpec:
    return FieldSpec(name, type_, act or _camel(name), choices)


def _address(prefix: str, act: str) -> list[FieldSpec]:
    parts = ["line1", "line2", "line3", "city", "state", "postal_code", "country"]
    return [_f(f"{prefix}_{p}", "text", f"{act}/{_camel(p)}") for p in parts]


def _phone(name: str) -> list[FieldSpec]:
    # Act! names a phone's parts after its kind: businessPhone, businessExtension,
    # businessCountryCode (an int32), as its Swagger definition of Contacts.Contact has them.
    act, kind = _camel(name), _camel(name.removesuffix("_phone"))
    return [
        _f(name, "phone", act),
        _f(f"{name}_extension", "text", f"{kind}Extension"),
        _f(f"{name}_country_code", "int", f"{kind}CountryCode"),
    ]


_STAMPS = [_f("created", "datetime"), _f("edited", "datetime")]
_LINKS = [
    _f("contact_ids", "ids", "contacts"),
    _f("company_ids", "ids", "companies"),
    _f("group_ids", "ids", "groups"),
    _f("opportunity_ids", "ids", "opportunities"),
]

_CONTACT = [
    _f("contact_type", "enum", choices=("Contact", "Secondary", "User")),
    _f("company_id", "id", "companyID"),
    _f("full_name"), _f("name_prefix"), _f("first_name"), _f("middle_name"), _f("last_name"),
    _f("name_suffix"), _f("salutation"), _f("company"), _f("job_title"), _f("department"),
    _f("email", "email", "emailAddress"), _f("alt_email", "email", "altEmailAddress"),
    _f("personal_email", "email", "personalEmailAddress"),
    *_phone("business_phone"), *_phone("mobile_phone"), *_phone("fax_phone"),
    *_phone("home_phone"), *_phone("alternate_phone"), *_phone("pager_phone"),
    *_address("business_address", "businessAddress"), *_address("home_address", "homeAddress"),
    _f("website"), _f("id_status"), _f("referred_by"), _f("last_results"),
    _f("birthday", "date"), _f("messenger_id", act="messengerID"), _f("is_private", "bool"),
    _f("record_manager_id", "id", "recordManagerID"), _f("record_manager"),
    *_STAMPS, _f("edited_by"),
    _f("last_reach", "datetime"), _f("last_attempt", "datetime"), _f("last_meeting", "datetime"),
    _f("last_letter_sent", "datetime"), _f("last_email", "datetime"),
]
_COMPANY = [
    _f("name"), _f("parent_id", "id", "parentID"),
    *_address("address", "address"), *_address("billing_address", "billingAddress"),
    *_address("shipping_address", "shippingAddress"),
    _f("phone", "phone"), _f("phone_extension"), _f("fax", "phone"), _f("fax_extension"),
    _f("toll_free_phone", "phone"), _f("website"), _f("industry"), _f("territory"),
    _f("region"), *_STAMPS,
]
_GROUP = [_f("name"), _f("description"), _f("parent_id", "id", "parentID"), *_STAMPS]
_NOTE = [
    _f("text", "note_text", "noteText"), _f("note_type_id", "int", "noteTypeID"),
    _f("display_date", "datetime"), _f("is_private", "bool"), *_STAMPS, *_LINKS,
]
_HISTORY = [
    _f("regarding"), _f("details"), _f("start_time", "datetime"), _f("end_time", "datetime"),
    _f("duration", "duration"), _f("history_type_id", "int", "historyTypeID"),
    _f("history_type", act="historyType/name"), _f("is_private", "bool"), *_STAMPS, *_LINKS,
]
_ACTIVITY = [
    _f("series_id", "id", "seriesID"), _f("subject"), _f("details"),
    _f("start_time", "datetime"), _f("end_time", "datetime"), _f("duration", "duration"),
    _f("is_timeless", "bool"), _f("is_all_day", "bool"), _f("location"),
    _f("activity_type_id", "int", "activityTypeId"), _f("activity_type_name"),
    _f("activity_priority_id", "int", "activityPriorityId"), _f("activity_priority_name"),
    _f("is_alarmed", "bool"), _f("lead_minutes", "int"), _f("is_cleared", "bool"),
    _f("is_private", "bool"), _f("recur_spec", "json"), _f("scheduled_by"), _f("scheduled_for"),
    *_STAMPS, *_LINKS,
]
_OPPORTUNITY = [
    _f("name"), _f("status", "enum", choices=(0, 1, 2, 3)), _f("probability", "int"),
    _f("product_total", "number"), _f("weighted_total", "number"),
    _f("open_date", "datetime"), _f("estimated_close_date", "datetime"),
    _f("actual_close_date", "datetime"), _f("stage", act="stage/name"),
    _f("stage_id", "id", "stage/id"), *_STAMPS,
    _f("contact_ids", "ids", "contacts"), _f("company_ids", "ids", "companies"),
]

_NAME_SEARCH = ("full_name", "first_name", "last_name", "company", "email", "alt_email",
                "personal_email", "business_phone", "mobile_phone", "home_phone",
                "alternate_phone", "fax_phone", "pager_phone")

KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in [
        KindSpec("contact", "contacts", {f.name: f for f in _CONTACT}, search=_NAME_SEARCH),
        KindSpec("company", "companies", {f.name: f for f in _COMPANY}, ("name",),
                 ("name", "phone", "website")),
        KindSpec("group", "groups", {f.name: f for f in _GROUP}, ("name",), ("name",)),
        KindSpec("note", "notes", {f.name: f for f in _NOTE}, search=("text",)),
        KindSpec("history", "histories", {f.name: f for f in _HISTORY},
                 search=("regarding", "details")),
        KindSpec("activity", "activities", {f.name: f for f in _ACTIVITY},
                 search=("subject", "details", "location")),
        KindSpec("opportunity", "opportunities", {f.name: f for f in _OPPORTUNITY}, ("name",),
                 ("name", "stage")),
    ]
}
LINKED_KINDS = ("note", "history", "activity", "opportunity")
_STATUS_NAMES = {"open": 0, "won": 1, "lost": 2, "inactive": 3}


def kind_spec(kind: str) -> KindSpec:
    """Return the spec of ``kind``; raises UnknownKindError naming the valid kinds."""
    try:
        return KINDS[kind]
    except KeyError:
        raise UnknownKindError(
            f"unknown record kind; use one of {', '.join(KINDS)}", kind=None, value=kind
        ) from None


def validate_id(value: Any, *, kind: str | None = None, field: str | None = None) -> str:
    """Return ``value`` if it is an acceptable record id, else raise ValidationError.

    Ids are 1-128 characters of letters, digits and ``_ . : { } -`` (Act! GUIDs,
    with or without braces, and UUIDs fit).
    """
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise ValidationError(
            "not a valid record id (1-128 letters, digits, _ . : { } -)",
            kind=kind, field=field, value=value,
        )
    return value


def _utf8_ok(text: str) -> bool:
    # pycrdt panics (mid-transaction) on text that UTF-8 cannot encode (lone surrogates).
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_custom_name(name: Any, *, kind: str, record_id: str | None) -> str:
    """Return a usable custom field name or raise ValidationError."""
    if (
        not isinstance(name, str)
        or not name.strip()
        or len(name) > 100
        or "|" in name
        or name.startswith("_")
        or _CONTROL_RE.search(name)
        or not _utf8_ok(name)
    ):
        raise ValidationError(
            "not a valid custom field name (1-100 characters, no '|', not starting with '_')",
            kind=kind, record_id=record_id, field=str(name), value=name,
        )
    return name.strip()


def normalize_fields(
    kind: str, fields: Mapping[str, Any], *, record_id: str | None = None
) -> dict[str, Any]:
    """Validate and normalise ``fields`` for a record of ``kind``.

    Returns a new dict keyed by schema field name, or ``custom.<name>`` for fields
    the schema does not know (also those given inside a ``custom`` mapping).
    ``None`` or an empty string clears a field. Raises ValidationError on the
    first bad value; the caller must then write nothing.
    """
    spec = kind_spec(kind)
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "custom":
            if not isinstance(value, Mapping):
                raise ValidationError("custom must be a mapping of name to value",
                                      kind=kind, record_id=record_id, field=name, value=value)
            for cname, cvalue in value.items():
                key = CUSTOM_PREFIX + validate_custom_name(cname, kind=kind, record_id=record_id)
                out[key] = _normalize_custom(kind, record_id, key, cvalue)
        elif name in spec.fields:
            out[name] = normalize_value(spec.fields[name], value, kind=kind, record_id=record_id)
        elif name in ("id", "deleted", "kind", "members"):
            raise ValidationError("is not a field you can set", kind=kind, record_id=record_id,
                                  field=name, value=value)
        else:
            key = CUSTOM_PREFIX + validate_custom_name(
                name[len(CUSTOM_PREFIX):] if name.startswith(CUSTOM_PREFIX) else name,
                kind=kind, record_id=record_id)
            out[key] = _normalize_custom(kind, record_id, key, value)
    return out


def _normalize_custom(kind: str, record_id: str | None, field: str, value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value, MAX_TEXT, kind, record_id, field)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _finite(value, kind, record_id, field)
    raise ValidationError("custom fields hold text, numbers, true/false or nothing",
                          kind=kind, record_id=record_id, field=field, value=value)


def normalize_value(spec: FieldSpec, value: Any, *, kind: str, record_id: str | None) -> Any:
    """Return the normal form of one value for ``spec``; raise ValidationError if bad."""
    if value is None or (isinstance(value, str) and not value.strip() and spec.type != "note_text"):
        return None
    handler = _HANDLERS[spec.type]
    try:
        return handler(spec, value)
    except ValidationError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError(str(exc), kind=kind, record_id=record_id, field=spec.name,
                              value=value) from None


def _text(value: Any, limit: int, kind: str, record_id: str | None, field: str) -> str | None:
    if not isinstance(value, str):
        raise ValidationError("must be text", kind=kind, record_id=record_id, field=field,
                              value=value)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(f"is longer than {limit} characters", kind=kind,
                              record_id=record_id, field=field, value=value[:40] + "...")
    if not _utf8_ok(value):
        raise ValidationError("is not valid Unicode text", kind=kind, record_id=record_id,
                              field=field, value=value)
    return value or None


def _finite(value: float, kind: str, record_id: str | None, field: str) -> float:
    if not math.isfinite(value):
        raise ValidationError("must be a finite number", kind=kind, record_id=record_id,
                              field=field, value=value)
    return value


def _h_text(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("must be text")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValueError(f"is longer than {MAX_TEXT} characters")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if not _utf8_ok(value):
        raise ValueError("is not valid Unicode text")
    return str(value)


def _h_note_text(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("must be text")
    if len(value) > MAX_NOTE_TEXT:
        raise ValueError(f"is longer than {MAX_NOTE_TEXT} characters")
    if not _utf8_ok(value):
        raise ValueError("is not valid Unicode text")
    return value


def _h_email(spec: FieldSpec, value: Any) -> str:
    text = _h_text(spec, value).lower()
    if not _EMAIL_RE.match(text):
        raise ValueError("is not an e-mail address")
    return text


def _h_phone(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = " ".join(_h_text(spec, value).split())
    match = _PHONE_EXT_RE.match(text)
    number, ext = (match["num"].strip(), match["ext"]) if match else (text, None)
    if not _PHONE_CHARS_RE.match(number) or sum(c.isdigit() for c in number) < 3 or len(text) > 64:
        raise ValueError("is not a phone number")
    return f"{number} x{ext}" if ext else number


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    else:
        raise TypeError("must be an ISO-8601 date and time")
    # Times without an offset are taken as UTC, the way Act! stores them.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _h_datetime(spec: FieldSpec, value: Any) -> str:
    try:
        moment = _parse_datetime(value)
    except ValueError:
        raise ValueError("is not an ISO-8601 date and time") from None
    # isoformat, not strftime: %Y does not pad years before 1000 (Act! uses 0001-01-01).
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def _h_date(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, (str, datetime)):
        raise TypeError("must be an ISO-8601 date")
    try:
        if isinstance(value, str) and len(value.strip()) == 10:
            return date.fromisoformat(value.strip()).isoformat()
        # A birthday that comes as a date-time keeps its calendar date.
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(
            value.strip().rstrip("Zz"))
        return moment.date().isoformat()
    except ValueError:
        raise ValueError("is not an ISO-8601 date (YYYY-MM-DD)") from None


_TRUE = {"true", "yes", "1", "y", "on"}
_FALSE = {"false", "no", "0", "n", "off"}


def _h_bool(spec: FieldSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("must be true or false")


def _h_int(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,18}", value.strip()):
        return int(value.strip())
    raise ValueError("must be a whole number")


def _h_number(spec: FieldSpec, value: Any) -> int | float:
    if isinstance(value, bool):
        raise TypeError("must be a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d{1,18}", text):
            return int(text)
        number = float(text)
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
        return number
    raise TypeError("must be a number")


_DURATION_PART = re.compile(r"(\d+)\s*(day|hour|minute)s?", re.I)


def _h_duration(spec: FieldSpec, value: Any) -> str:
    """Act! sends durations as text (its definition types them as strings): kept as sent.
    A number is taken as minutes (older records and CSV files hold those) and written the
    way Act! shows durations, "1 hour 30 minutes", so nothing is lost either way."""
    if isinstance(value, bool):
        raise TypeError("must be a duration such as '30 minutes'")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0 or value != int(value):
            raise ValueError("must be a whole, non-negative number of minutes")
        return minutes_text(int(value))
    return _h_text(spec, value)


def minutes_text(minutes: int) -> str:
    """Whole minutes as Act! shows a duration: ``90`` -> ``"1 hour 30 minutes"``."""
    hours, rest = divmod(minutes, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((hours, "hour"), (rest, "minute"))
             if n]
    return " ".join(parts) or "0 minutes"


def duration_minutes(text: str) -> int | None:
    """The minutes a duration text such as ``"1 hour 30 minutes"`` stands for, or None."""
    parts = _DURATION_PART.findall(text)
    if not parts:
        return None
    scale = {"day": 1440, "hour": 60, "minute": 1}
    return sum(int(n) * scale[unit.lower()] for n, unit in parts)


def _h_enum(spec: FieldSpec, value: Any) -> Any:
    if spec.name == "status" and isinstance(value, str):
        value = _STATUS_NAMES.get(value.strip().lower(), value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
    if isinstance(value, str):
        for choice in spec.choices:
            if isinstance(choice, str) and choice.lower() == value.strip().lower():
                return choice
    elif not isinstance(value, bool):
        for choice in spec.choices:
            if value == choice:
                return choice  # the choice itself: 1.0 is stored as 1
    raise ValueError(f"must be one of {', '.join(map(str, spec.choices))}")


def _id_or_raise(value: Any) -> str:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid record id (1-128 letters, digits, _ . : {{ }} -)")
    return value


def _h_id(spec: FieldSpec, value: Any) -> str:
    return _id_or_raise(value.strip() if isinstance(value, str) else value)


def _h_ids(spec: FieldSpec, value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError("must be a list of record ids")
    seen: dict[str, None] = {}
    for item in value:
        if isinstance(item, Mapping):  # Act! link arrays hold {id, name}
            item = item.get("id")
        seen[_id_or_raise(item)] = None
    return sorted(seen)


def _h_json(spec: FieldSpec, value: Any) -> Any:
    try:
        text = json.dumps(value, sort_keys=True, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
    except (TypeError, ValueError):
        raise ValueError("must be plain JSON data") from None
    if len(text) > MAX_JSON:
        raise ValueError(f"is larger than {MAX_JSON} bytes of JSON")
    return json.loads(text)


_HANDLERS = {
    "text": _h_text, "note_text": _h_note_text, "email": _h_email, "phone": _h_phone,
    "datetime": _h_datetime, "date": _h_date, "bool": _h_bool, "int": _h_int,
    "number": _h_number, "enum": _h_enum, "duration": _h_duration, "id": _h_id,
    "ids": _h_ids, "json": _h_json,
}


def folding_rules() -> dict[str, Any]:
    """The search folding rules as plain JSON data (engine/fold.py): what the
    JavaScript engine applies so that it folds text exactly as :func:`fold` does."""
    return copy.deepcopy(FOLDING)


def schema_export() -> dict[str, Any]:
    """The record model as plain JSON data, for the JavaScript engine: each kind's
    root, fields (type, Act! name, label, choices), required and search fields, and
    the search folding rules."""
    from engine.labels import labels  # it reads this module's KINDS

    names = labels()
    return {
        "kinds": {
            kind: {"root": spec.root, "required": list(spec.required),
                   "search": list(spec.search),
                   "fields": {name: {"type": f.type, "act": f.act, "label": names[kind][name],
                                     "choices": list(f.choices)}
                              for name, f in spec.fields.items()}}
            for kind, spec in KINDS.items()
        },
        "folding": folding_rules(),
    }
