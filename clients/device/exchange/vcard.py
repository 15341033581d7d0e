"""vCard files: contacts as vCard 3.0 out; 2.1, 3.0 and 4.0 in.

Fields a vCard has no property for travel in one ``X-HANDSYNC`` JSON property, so
exporting and importing again loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import vobject

from clients.device.exchange.rows import ExchangeError, ImportRowError, Row, put

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


def render(records: Iterable[Mapping[str, Any]]) -> str:
    """Return contacts as the text of a vCard 3.0 file."""
    return "".join(_write_card(record) for record in records)


def read(text: str) -> list[Row]:
    """Parse a vCard file's text into rows, one a card."""
    return _read_cards(text)


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
            put(row, "contact", key, value)


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
