"""What the bridge's passes share: the mirroring constants, the tally of a pass, and
small pure helpers (Act!'s stamps, OData literals, comparing values with what Act!
holds). The rules themselves are in clients/bridge/mirror.py (pull, sweep, members)
and clients/bridge/push.py (device changes to Act!).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from clients.act.mapping import READ_ONLY
from clients.act.richtext import plain_text
from clients.act.wire import odata_string
from engine.errors import HandsyncError

WRITER = "act"
#: Link order: a record's links point to kinds mirrored before it.
ORDER = ("company", "group", "contact", "opportunity", "note", "history", "activity")
#: Act!'s own stamps: carried by the record's updated_at, not mirrored as fields.
NOT_MIRRORED = frozenset({"edited", "edited_by"})
#: Fields holding record ids, and the kind they point to (None: the record's own kind).
LINKS: dict[str, str | None] = {
    "company_id": "company", "parent_id": None, "contact_ids": "contact",
    "company_ids": "company", "group_ids": "group", "opportunity_ids": "opportunity",
}
#: Kinds whose custom fields Act! describes in its metadata.
CUSTOM_KINDS = ("contact", "company")
BATCH = 500
#: How far Act!'s clock may be behind ours when looking up a create that may have landed.
CLOCK_SLACK = timedelta(minutes=10)


@dataclass
class Tally:
    """What one pass moved (or, dry, would move), per direction and kind."""

    pulled: dict[str, int] = field(default_factory=dict)
    pushed: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: Something Act! refused suggests records changed there unseen: sweep next pass.
    sweep_due: bool = False

    def add(self, direction: str, what: str, n: int = 1) -> None:
        """Count ``n`` of ``what`` (such as ``contact created``) in ``direction``."""
        if n:
            counts = self.pulled if direction == "pull" else self.pushed
            counts[what] = counts.get(what, 0) + n

    def total(self, direction: str) -> int:
        """Everything counted in one direction."""
        return sum((self.pulled if direction == "pull" else self.pushed).values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` and the status file."""
        return {"pulled": dict(sorted(self.pulled.items())),
                "pushed": dict(sorted(self.pushed.items())), "problems": list(self.problems)}


def edited_ms(body: Mapping[str, Any], fallback: int) -> int:
    """Act!'s ``edited`` stamp of a record in epoch milliseconds (``fallback`` if absent)."""
    raw = body.get("edited")
    if not isinstance(raw, str) or not raw:
        return fallback
    try:
        stamp = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)  # Act! stores UTC
    return int(stamp.timestamp() * 1000)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def failure_text(exc: BaseException) -> str:
    """One line for the status: our errors' own message, others' with their type."""
    return str(exc) if isinstance(exc, HandsyncError) else f"{type(exc).__name__}: {exc}"


def same_values(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True if two records' values are the same, Act!'s own stamps left aside."""
    return all_sent(a, b) and all_sent(b, a)


def all_sent(fields: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
    """True if every field went to Act! as the device holds it; False if one was left out
    or changed (a link to a record Act! lacks, a custom value sent typed): the record is
    then compared again on the next pass instead of being settled at its digest."""
    return all(sent.get(k, MISSING) == v for k, v in fields.items() if k not in READ_ONLY)


#: Act!'s field types (MetaData.Schema.NewColumn.type in its definition) by the value each holds.
_FIELD_TYPES = {"number": "number", "currency": "number", "decimal": "number",
                "yesno": "bool", "boolean": "bool", "int32": "number", "int64": "number",
                "double": "number", "bit": "bool"}


def value_type(column: Mapping[str, Any]) -> str:
    """``number``, ``bool`` or ``string``: what a field described by Act!'s metadata
    (``MetaData.Schema.Column``) holds, from its ``type`` (Act!'s field type, such as
    ``Currency`` or ``YesNo``), else its ``dataType``."""
    for key in ("type", "dataType"):
        raw = column.get(key)
        if isinstance(raw, str) and raw.strip():
            found = _FIELD_TYPES.get(raw.strip().lower())
            if found:
                return found
    return "string"


def typed_value(value: Any, value_type: str) -> Any:
    """A device's custom value in the type Act!'s metadata gives the field (a number typed
    as text becomes a number); anything else is sent as it is, for Act! to judge."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if value_type == "number":
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return value
    if value_type == "bool" and text.lower() in _BOOLS:
        return _BOOLS[text.lower()]
    return value


_BOOLS = {"true": True, "yes": True, "1": True, "on": True,
          "false": False, "no": False, "0": False, "off": False}


UNSURE = object()
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def stamp_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def odata_literal(value: str) -> str:
    """An OData literal for a body value: date-times bare (OData v4 refuses a quoted string
    compared with a DateTimeOffset property), everything else a quoted string."""
    return value if _DATETIME.match(value) else odata_string(value)


def holds_text(record: Mapping[str, Any], body: Mapping[str, Any], *,
               strict: bool = False) -> bool:
    """True if an Act! record holds the values of ``body``.

    Text is compared trimmed and case-insensitively (as Act! compares), date-times as
    instants, dates by calendar day. Values Act! may store in another form (phones,
    numbers, nested addresses) and links are left out, since a false "no" would make a
    duplicate; with ``strict`` (when nothing else identifies the record) phones are
    compared by their digits and numbers and flags by value too."""
    for key, value in body.items():
        if key == "noteText" or isinstance(value, Mapping | list):
            continue
        have = _field(record, key)
        if key == "details" and isinstance(have, str):
            have = plain_text(have)  # rich text, from a server that ignored format=text
        if isinstance(value, str) and not key.endswith(_REFORMATTED):
            if not _same(have, value):
                return False
        elif strict and not _loosely_same(have, value):
            return False
    custom = body.get("customFields")
    have_custom = _field(record, "customFields")
    if isinstance(custom, Mapping) and custom:
        if not isinstance(have_custom, Mapping):
            return False
        return all(_same(_field(have_custom, k), v) for k, v in custom.items()
                   if isinstance(v, str))
    return True


def _loosely_same(have: Any, want: Any) -> bool:
    if isinstance(want, str) and isinstance(have, str):
        return _DIGITS.sub("", have) == _DIGITS.sub("", want)
    if want in (None, "") or have in (None, ""):
        return want in (None, "") and have in (None, "")
    return bool(have == want)


_DIGITS = re.compile(r"[^0-9]")


def note_snippet(text: str) -> str | None:
    """Up to 40 characters of a note's text to find it by with ``contains``: the longest
    run, near the start, of characters that Act!'s RTF storage keeps as they are
    (printable ASCII other than backslash and braces). None if no run of 4 exists."""
    best = ""
    for run in re.findall(r"[ -\[\]-z|~]+", text[:400].replace("\\", "\n")):
        run = run.strip()
        if len(run) > len(best):
            best = run
        if len(best) >= 40:
            break
    return best[:40].strip() if len(best.strip()) >= 4 else None


_REFORMATTED = ("Phone", "Extension", "CountryCode")


def _field(record: Mapping[str, Any], key: str) -> Any:
    # .NET reads property names case-insensitively, so a body's name may differ in case.
    if key in record:
        return record[key]
    lowered = key.lower()
    return next((v for k, v in record.items() if k.lower() == lowered), None)


def _same(have: Any, want: str) -> bool:
    if not isinstance(have, str):
        return not want.strip() and have is None
    if _DATETIME.match(want) and _DATETIME.match(have.strip()):
        return instant(have) == instant(want)
    if _DATE.match(want) and have.strip()[:10] == want and (
            len(have.strip()) == 10 or have.strip()[10:].startswith("T00:00:00")):
        return True  # a date Act! sends as midnight
    return have.strip().casefold() == want.strip().casefold()


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
