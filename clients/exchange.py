"""Import and export of records: JSON, CSV (our names or Act!'s) and vCard.

Reading a file gives :class:`Row` objects (values keyed by our field names, not
yet checked); :func:`plan_import` checks every row and decides, for each, which
record it creates or updates, and :func:`apply_plan` writes. Nothing is written
until every row passed, so a file with one bad value changes nothing: the caller
gets one :class:`ImportRowError` naming the row, the column, the field and the
value, fixes the file and imports it again.

Re-importing the same file must not create duplicates, because a person who
imports their address list twice (or a corrected copy of it) expects the same
contacts, updated, not two of each. So a row's record id comes from the file's
own id when it has one (vCard UID, an ``id`` / ``Contact ID`` / ``GUID`` column);
otherwise an existing contact is looked up by e-mail, then by full name plus
company, and updated instead of a new one being created. An import never clears
a field: an empty cell means "not given".

:func:`render` writes records as JSON (our records, snake_case), CSV (our column
names plus custom columns) or vCard 3.0 (contacts only; fields a vCard has no
property for travel in one ``X-HANDSYNC`` JSON property, so nothing is lost).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import vobject

from engine.errors import HandsyncError, ValidationError
from engine.replica import Replica
from engine.schema import CUSTOM_PREFIX, KINDS, kind_spec, normalize_fields, validate_id

FORMATS = ("json", "csv", "vcard")
META_KEYS = ("deleted", "updated_at", "updated_by", "conflicts")
_EXTENSIONS = {".json": "json", ".csv": "csv", ".vcf": "vcard", ".vcard": "vcard"}
_ID_NAMESPACE = uuid.UUID("6f1f5b8e-3c1d-4c55-9a53-6b1f0e0d7a11")


class ExchangeError(HandsyncError):
    """A file cannot be imported or exported as asked (unreadable, unknown format, malformed)."""


class ImportRowError(ExchangeError):
    """One row of an import file holds a bad value; nothing was imported.

    ``where`` is the row as a person finds it ("row 4", "card 2", "record 3"),
    ``column`` the file's name for the value, ``field`` ours.
    """

    def __init__(self, where: str, message: str, *, column: str | None = None,
                 field: str | None = None, value: Any = None) -> None:
        self.where, self.column, self.field, self.value = where, column, field, value
        place = where + (f", column {column!r}" if column and column != field else "")
        place += f", field {field!r}" if field else ""
        shown = f" (value {value!r})" if value is not None else ""
        super().__init__(f"{place}: {message}{shown}; nothing was imported")


@dataclass
class Row:
    """One record read from a file: values under our field names (or custom names)."""

    where: str
    fields: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    source_id: str | None = None
    members: list[str] = field(default_factory=list)

    def put(self, name: str, value: Any, column: str) -> None:
        """Set a schema field; two columns giving it different values is an error."""
        if name in self.fields and self.fields[name] != value:
            raise ImportRowError(self.where, f"also given as {self.columns[name]!r} with "
                                 f"{self.fields[name]!r}", column=column, field=name, value=value)
        self.fields[name], self.columns[name] = value, column


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


# ------------------------------------------------------------------ columns

def column_key(name: str) -> str:
    """Return the form column names are compared in: lower case, letters and digits only."""
    return "".join(c for c in name.lower() if c.isalnum())


def _address_aliases(prefix: str, field_prefix: str) -> dict[str, str]:
    parts = {"line1": ("address1", "addressline1", "street", "address"),
             "line2": ("address2", "addressline2"), "line3": ("address3", "addressline3"),
             "city": ("city",), "state": ("state", "province", "region"),
             "postal_code": ("zip", "zipcode", "postalcode", "postcode"), "country": ("country",)}
    return {prefix + alias: f"{field_prefix}_{part}"
            for part, aliases in parts.items() for alias in aliases}


def _contact_aliases() -> dict[str, str]:
    aliases = {
        "contact": "full_name", "name": "full_name", "first": "first_name",
        "givenname": "first_name", "last": "last_name", "surname": "last_name",
        "familyname": "last_name", "middle": "middle_name", "prefix": "name_prefix",
        "suffix": "name_suffix", "companyname": "company", "organization": "company",
        "organisation": "company", "title": "job_title", "alternateemail": "alt_email",
        "alternateemailaddress": "alt_email", "email2": "alt_email", "phone": "business_phone",
        "workphone": "business_phone", "officephone": "business_phone",
        "phoneext": "business_phone_extension", "phoneextension": "business_phone_extension",
        "ext": "business_phone_extension", "extension": "business_phone_extension",
        "mobile": "mobile_phone", "cell": "mobile_phone", "cellphone": "mobile_phone",
        "fax": "fax_phone", "businessfax": "fax_phone", "altphone": "alternate_phone",
        "pager": "pager_phone", "web": "website", "url": "website", "webaddress": "website",
        "homepage": "website", "birthdate": "birthday", "dateofbirth": "birthday",
        "private": "is_private", "createdate": "created", "editdate": "edited",
        "letterdate": "last_letter_sent",
    }
    for phone in ("business", "mobile", "fax", "home", "alternate", "pager", "alt"):
        target = f"{'alternate' if phone == 'alt' else phone}_phone_extension"
        aliases.update({f"{phone}ext": target, f"{phone}phoneext": target})
    aliases.update(_address_aliases("", "business_address"))
    aliases.update(_address_aliases("business", "business_address"))
    aliases.update(_address_aliases("home", "home_address"))
    return aliases


_HAND_ALIASES: dict[str, dict[str, str]] = {
    "contact": _contact_aliases(),
    "company": {"companyname": "name", "company": "name", "web": "website", "url": "website",
                **_address_aliases("", "address")},
}


def _column_table(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for spec in kind_spec(kind).fields.values():
        table[column_key(spec.name)] = spec.name
        table.setdefault(column_key(spec.act), spec.name)
    for alias, target in _HAND_ALIASES.get(kind, {}).items():
        table.setdefault(alias, target)
    return table


_TABLES = {kind: _column_table(kind) for kind in KINDS}


def column_target(kind: str, column: str) -> tuple[str, str]:
    """Return what a file's column (or JSON key) holds, as (what, name).

    ``what`` is ``id`` (the file's own record id), ``field`` (one of our fields),
    ``members`` (a group's contact ids), ``meta`` (ignored: our export's read-only
    keys) or ``custom`` (anything else: kept as a custom field of that name).
    """
    if column.startswith(CUSTOM_PREFIX):
        return "custom", column[len(CUSTOM_PREFIX):]
    key = column_key(column)
    if key in ("id", "guid", "uid", "recordid", f"{kind}id", f"{kind}guid"):
        return "id", "id"
    if column in META_KEYS:
        return "meta", column
    if kind == "group" and column == "members":
        return "members", column
    target = _TABLES[kind].get(key)
    return ("field", target) if target else ("custom", column.strip())


# ------------------------------------------------------------------ reading

def read_text(path: Path) -> str:
    """Return a file's text (UTF-8, UTF-16 with BOM, or Windows-1252 as Act! writes it)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExchangeError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise ExchangeError(f"{path} is a binary file, not JSON, CSV or vCard")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ExchangeError(f"{path} is neither UTF-8 nor Windows-1252 text") from None


def detect_format(path: Path, text: str, given: str | None = None) -> str:
    """Return the format named, else the one the file's extension or first bytes show."""
    if given is not None:
        if given not in FORMATS:
            raise ExchangeError(f"unknown format {given!r}; use one of {', '.join(FORMATS)}")
        return given
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    if by_ext:
        return by_ext
    head = text.lstrip()[:20]
    if head.upper().startswith("BEGIN:VCARD"):
        return "vcard"
    if head.startswith(("[", "{")):
        return "json"
    raise ExchangeError(f"cannot tell the format of {path}; name it with --format "
                        f"({', '.join(FORMATS)})")


def read_rows(text: str, fmt: str, kind: str) -> list[Row]:
    """Parse a file's text into rows; ExchangeError if it is not valid ``fmt``."""
    kind_spec(kind)
    if fmt == "json":
        return _json_rows(text, kind)
    if fmt == "csv":
        return _csv_rows(text, kind)
    if fmt == "vcard":
        if kind != "contact":
            raise ExchangeError("vCard holds contacts only; use --kind contact")
        return _read_cards(text)
    raise ExchangeError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _put(row: Row, kind: str, column: str, value: Any) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return
    what, name = column_target(kind, column)
    if what == "id":
        row.source_id = str(value).strip()
    elif what == "field":
        row.put(name, _typed(kind, name, value, row.where, column), column)
    elif what == "members":
        row.members = _id_list(value)
    elif what == "custom":
        row.custom[name] = value
        row.columns[CUSTOM_PREFIX + name] = column


def _typed(kind: str, name: str, value: Any, where: str, column: str) -> Any:
    # CSV cells are text; lists of ids and JSON values need parsing back.
    kind_type = KINDS[kind].fields[name].type
    if not isinstance(value, str):
        return value
    if kind_type == "ids":
        return _id_list(value)
    if kind_type == "json":
        try:
            return json.loads(value)
        except ValueError:
            raise ImportRowError(where, "is not JSON", column=column, field=name,
                                 value=value) from None
    return value


def _id_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _json_rows(text: str, kind: str) -> list[Row]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ExchangeError(f"not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]  # Act!'s {"value": [...], "Count": n} envelope
    if not isinstance(data, list):
        raise ExchangeError("JSON import takes a list of records (or Act!'s {\"value\": [...]})")
    rows = []
    for number, item in enumerate(data, start=1):
        row = Row(f"record {number}")
        if not isinstance(item, dict):
            raise ImportRowError(row.where, "is not a JSON object", value=item)
        for key, value in item.items():
            if key in ("custom", "customFields") and isinstance(value, Mapping):
                for name, cvalue in value.items():
                    _put(row, kind, CUSTOM_PREFIX + str(name), cvalue)
            elif isinstance(value, Mapping):
                for sub, subvalue in value.items():  # Act!'s nested objects: businessAddress/city
                    _put(row, kind, f"{key}/{sub}", subvalue)
            else:
                _put(row, kind, key, value)
        rows.append(row)
    return rows


def _csv_rows(text: str, kind: str) -> list[Row]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ExchangeError("the CSV file has no header row")
        seen = {h for h in header if header.count(h) > 1 and h.strip()}
        if seen:
            raise ExchangeError(f"the CSV header names {sorted(seen)[0]!r} twice")
        rows = []
        for number, cells in enumerate(reader, start=2):  # numbered as a spreadsheet shows them
            if not any(c.strip() for c in cells):
                continue
            row = Row(f"row {number}")
            if len(cells) > len(header):
                raise ImportRowError(row.where, f"has {len(cells)} cells but the header "
                                     f"has {len(header)}")
            for column, cell in zip(header, cells, strict=False):
                if column.strip():
                    _put(row, kind, column, cell)
            rows.append(row)
    except csv.Error as exc:
        raise ExchangeError(f"not valid CSV (line {reader.line_num}): {exc}") from None
    return rows


# ------------------------------------------------------------------ planning

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


def apply_plan(replica: Replica, kind: str, plan: Iterable[Planned]) -> ImportResult:
    """Write a plan from :func:`plan_import` (pass it through a progress bar if you like).

    Each record is its own durable write; if writing stops half-way (disk full),
    importing the same file again finishes the job without duplicates.
    """
    result = ImportResult()
    for item in plan:
        _count(result, item)
        if item.action == "create":
            replica.create(kind, item.values, record_id=item.record_id)
        elif item.action == "restore":
            replica.restore(kind, item.record_id)
        if item.action in ("update", "restore") and item.values:
            replica.update(kind, item.record_id, item.values)
        for member in item.members:
            replica.add_to_group(item.record_id, member)
    return result


# ------------------------------------------------------------------ writing

def exportable(replica: Replica, kind: str) -> list[dict[str, Any]]:
    """Return the live records of ``kind`` as export writes them (no read-only keys)."""
    return [{k: v for k, v in r.items() if k not in META_KEYS} for r in replica.list(kind)]


def render(kind: str, fmt: str, records: Iterable[dict[str, Any]]) -> str:
    """Return records (from :func:`exportable`) as the text of a ``fmt`` file."""
    if fmt == "json":
        return json.dumps(list(records), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _render_csv(kind, list(records))
    if fmt == "vcard":
        if kind != "contact":
            raise ExchangeError("vCard holds contacts only; use --kind contact")
        return "".join(_write_card(record) for record in records)
    raise ExchangeError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def cell(value: Any) -> str:
    """Return a value as CSV text: lists joined with ';', JSON for structures."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ";".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _render_csv(kind: str, records: list[dict[str, Any]]) -> str:
    used = {k for r in records for k in r}
    columns = ["id", *(n for n in KINDS[kind].fields if n in used)]
    if kind == "group":
        columns.append("members")
    custom_names = sorted({n for r in records for n in r.get("custom") or {}})
    # A custom field whose name reads as one of ours on import is written as custom.<name>.
    headers = columns + [n if column_target(kind, n) == ("custom", n) else CUSTOM_PREFIX + n
                         for n in custom_names]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for record in records:
        custom = record.get("custom") or {}
        writer.writerow([cell(record.get(c)) for c in columns] +
                        [cell(custom.get(n)) for n in custom_names])
    return out.getvalue()


# ------------------------------------------------------------------ vCard

NOTES = "Notes"  # the custom field a vCard NOTE is kept in
_PHONE_TYPES = {"business_phone": ["WORK", "VOICE"], "mobile_phone": ["CELL", "VOICE"],
                "home_phone": ["HOME", "VOICE"], "fax_phone": ["WORK", "FAX"],
                "alternate_phone": ["VOICE", "X-ALTERNATE"], "pager_phone": ["PAGER"]}
_EMAIL_TYPES = {"email": ["INTERNET", "WORK", "PREF"], "alt_email": ["INTERNET", "X-ALTERNATE"],
                "personal_email": ["INTERNET", "HOME"]}
_ADDRESSES = {"business_address": "WORK", "home_address": "HOME"}
_ADDRESS_PARTS = {"city": "city", "state": "region", "postal_code": "code", "country": "country"}
_NAME_PARTS = {"last_name": "family", "first_name": "given", "middle_name": "additional",
               "name_prefix": "prefix", "name_suffix": "suffix"}
_IN_VCARD = {"full_name", "company", "department", "job_title", "website", "birthday",
             *_NAME_PARTS, *_PHONE_TYPES, *_EMAIL_TYPES,
             *(f"{a}_{p}" for a in _ADDRESSES for p in (*_ADDRESS_PARTS, "line1", "line2", "line3"))}
# Derived or binary properties: PHOTO and friends would not fit a 64 KiB text field.
_SKIPPED = {"version", "prodid", "rev", "photo", "logo", "sound", "key", "label", "kind"}


def _display_name(data: Mapping[str, Any]) -> str:
    parts = ("name_prefix", "first_name", "middle_name", "last_name", "name_suffix")
    composed = " ".join(str(data[p]) for p in parts if data.get(p))
    return str(data.get("full_name") or composed or data.get("company") or data.get("email") or "")


def _write_card(record: Mapping[str, Any]) -> str:
    card = vobject.vCard()
    card.add("uid").value = record["id"]
    card.add("fn").value = _display_name(record) or record["id"]
    card.add("n").value = vobject.vcard.Name(
        **{attr: record.get(name) or "" for name, attr in _NAME_PARTS.items()})
    if record.get("company") or record.get("department"):
        card.add("org").value = [record.get("company") or "",
                                 *([record["department"]] if record.get("department") else [])]
    for name, prop in (("job_title", "title"), ("website", "url"), ("birthday", "bday")):
        if record.get(name):
            card.add(prop).value = str(record[name])
    extra = {k: v for k, v in record.items() if k not in (*_IN_VCARD, "id", "custom")}
    for name, types in (*_EMAIL_TYPES.items(), *_PHONE_TYPES.items()):
        value = record.get(name)
        if not value:
            continue
        ext = record.get(f"{name}_extension")
        if ext and " x" not in value:
            value = f"{value} x{ext}"  # phones show the extension; X-HANDSYNC keeps the field
        line = card.add("tel" if name in _PHONE_TYPES else "email")
        line.value, line.params["TYPE"] = value, types
    for prefix, type_ in _ADDRESSES.items():
        lines = [record.get(f"{prefix}_line{n}") for n in (1, 2, 3)]
        parts = {attr: record.get(f"{prefix}_{p}") or "" for p, attr in _ADDRESS_PARTS.items()}
        if any(lines) or any(parts.values()):
            line = card.add("adr")
            line.value = vobject.vcard.Address(street="\n".join(x for x in lines if x), **parts)
            line.params["TYPE"] = [type_]
    custom = dict(record.get("custom") or {})
    if custom.get(NOTES) is not None:
        card.add("note").value = str(custom.pop(NOTES))
    if custom:
        extra["custom"] = custom
    if extra:
        card.add("x-handsync").value = json.dumps(extra, ensure_ascii=False, sort_keys=True)
    text: str = card.serialize()
    return text


def _types(line: Any) -> set[str]:
    found: set[str] = set()
    for key, values in line.params.items():
        if key.upper() == "TYPE":
            found.update(t.strip().lower() for v in values for t in v.split(","))
        elif not values or key.upper() == "PREF":  # vCard 2.1 "TEL;WORK:" and 4.0 PREF=1
            found.add(key.lower())
    return found


def _text(value: Any, joiner: str = " ") -> str:
    return joiner.join(str(v) for v in value) if isinstance(value, list) else str(value)


def _tel(value: str) -> str:
    text = value.strip()
    if not text.lower().startswith("tel:"):
        return text
    number, _, params = text[4:].partition(";")
    exts = [v for k, _, v in (p.partition("=") for p in params.split(";")) if k.lower() == "ext"]
    return f"{number} x{exts[0]}" if exts else number


def _slot(row: Row, order: list[str], value: Any, column: str, overflow: str) -> None:
    for name in order:
        if name not in row.fields:
            row.put(name, value, column)
            return
    previous = row.custom.get(overflow)
    row.custom[overflow] = f"{previous}; {value}" if previous else value


def _read_tel(row: Row, line: Any) -> None:
    types = _types(line)
    first = ("fax_phone" if "fax" in types else "pager_phone" if "pager" in types
             else "mobile_phone" if types & {"cell", "mobile", "iphone"}
             else "alternate_phone" if "x-alternate" in types
             else "home_phone" if "home" in types else "business_phone")
    _slot(row, [first, "business_phone", "alternate_phone"], _tel(line.value), "TEL",
          "Other phones")


def _read_email(row: Row, line: Any) -> None:
    types = _types(line)
    first = ("personal_email" if "home" in types else "alt_email" if "x-alternate" in types
             else "email")
    _slot(row, [first, "email", "alt_email"], line.value.strip(), "EMAIL", "Other e-mails")


def _read_adr(row: Row, line: Any) -> None:
    home = "home" in _types(line)
    taken = {p for p in _ADDRESSES if any(k.startswith(p) for k in row.fields)}
    free = [p for p in (("home_address", "business_address") if home
                        else ("business_address", "home_address")) if p not in taken]
    adr = line.value
    if not free:
        row.custom["Other addresses"] = str(adr).replace("\n", ", ")
        return
    lines = [x.strip() for x in _text(adr.street, "\n").split("\n") if x.strip()]
    lines += [x for x in (_text(adr.extended, ", "), _text(adr.box, ", ")) if x.strip()]
    lines = [*lines[:2], ", ".join(lines[2:])] if len(lines) > 3 else lines
    for n, text in enumerate(lines, start=1):
        row.put(f"{free[0]}_line{n}", text, "ADR")
    for part, attr in _ADDRESS_PARTS.items():
        if _text(getattr(adr, attr), ", ").strip():
            row.put(f"{free[0]}_{part}", _text(getattr(adr, attr), ", "), "ADR")


def _read_card(row: Row, card: Any) -> None:
    for key, lines in card.contents.items():
        first = lines[0].value
        if key == "uid":
            row.source_id = str(first)
        elif key == "n":
            for name, attr in _NAME_PARTS.items():
                if _text(getattr(first, attr)).strip():
                    row.put(name, _text(getattr(first, attr)), "N")
        elif key == "org":
            org = first if isinstance(first, list) else [first]
            for name, value in zip(("company", "department"), [org[0], ", ".join(org[1:])],
                                   strict=True):
                if value.strip():
                    row.put(name, value, "ORG")
        elif key in ("title", "url", "bday"):
            name = {"title": "job_title", "url": "website", "bday": "birthday"}[key]
            text = str(first).strip()
            if key == "bday" and len(text) == 8 and text.isdigit():  # vCard 4.0 basic form
                text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
            row.put(name, text, key.upper())
        elif key == "x-handsync":
            _read_extra(row, str(first))
        elif key in ("tel", "email", "adr"):
            for line in lines:
                {"tel": _read_tel, "email": _read_email, "adr": _read_adr}[key](row, line)
        elif key == "note":
            row.custom[NOTES] = "\n".join(str(line.value) for line in lines)
        elif key not in _SKIPPED and key != "fn":
            row.custom[key.upper()] = "; ".join(_text(line.value, ", ") for line in lines)
    if "fn" in card.contents:
        full = str(card.contents["fn"][0].value).strip()
        # FN is required in a vCard; keep it only if it says more than the name parts do.
        if full and full not in (_display_name(row.fields), row.source_id):
            row.put("full_name", full, "FN")
    for phone in _PHONE_TYPES:
        ext, number = row.fields.get(f"{phone}_extension"), row.fields.get(phone)
        if ext and isinstance(number, str) and number.endswith(f" x{ext}"):
            row.fields[phone] = number[: -len(f" x{ext}")]


def _read_extra(row: Row, text: str) -> None:
    try:
        extra = json.loads(text)
    except ValueError:
        raise ImportRowError(row.where, "X-HANDSYNC is not JSON", value=text[:60]) from None
    if not isinstance(extra, dict):
        raise ImportRowError(row.where, "X-HANDSYNC is not a JSON object", value=text[:60])
    for key, value in extra.items():
        if key == "custom" and isinstance(value, dict):
            row.custom.update(value)
        else:
            _put(row, "contact", key, value)


def _read_cards(text: str) -> list[Row]:
    try:
        cards = list(vobject.readComponents(text))
    except (vobject.base.VObjectError, ValueError, TypeError, AttributeError) as exc:
        raise ExchangeError(f"not a valid vCard file: {exc}") from None
    if not cards:
        raise ExchangeError("no vCard found in the file")
    rows = []
    for number, card in enumerate(cards, start=1):
        row = Row(f"card {number}")
        if card.name.upper() != "VCARD":
            raise ImportRowError(row.where, f"is a {card.name}, not a VCARD")
        try:
            _read_card(row, card)
        except (AttributeError, TypeError) as exc:
            raise ImportRowError(row.where, f"is not a usable vCard ({exc})") from None
        if not row.fields and not row.custom:
            raise ImportRowError(row.where, "has no name, e-mail, phone or company")
        rows.append(row)
    return rows
