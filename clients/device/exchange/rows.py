"""Rows read from import files, and the names their columns go by.

Every reader (:mod:`.jsonfile`, :mod:`.csvfile`, :mod:`.vcard`) turns a file into
:class:`Row` objects: values keyed by our field names (or custom names), not yet
checked. :func:`column_target` says what a file's column holds, from our names,
Act!'s names and the names people give columns in spreadsheets.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from engine.errors import HandsyncError
from engine.schema import CUSTOM_PREFIX, KINDS, kind_spec

FORMATS = ("json", "csv", "vcard")
META_KEYS = ("deleted", "updated_at", "updated_by", "conflicts")


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
                **_address_aliases("", "address"),
                # Older tools (and handsync before it followed Act!'s definition) wrote a
                # company's address as businessAddress.
                **_address_aliases("businessaddress", "address")},
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


@functools.lru_cache(maxsize=4096)  # asked once per cell: 110,000 times for 10k contacts
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

def put(row: Row, kind: str, column: str, value: Any) -> None:
    """Put a file's value under what ``column`` holds; blank values are "not given"."""
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

