"""Activity times in the Act! server's local time zone.

Act! stores times in UTC, but documents some activity times in the server's local
time zone. With ``bridge init --act-time-zone ZONE`` the bridge takes an activity's
``startTime`` and ``endTime`` as wall-clock time in ZONE both ways: what Act! gives
is converted to UTC before it reaches the devices, and what the devices hold is sent
to Act! as ZONE's wall-clock time without an offset. An offset or ``Z`` Act! puts on
such a value is not believed (the digits are the server's local time), so a value
written and read back lands where it was. Without the setting (the default) these
times are UTC like every other, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import ValidationError

#: Fields (our names) whose times Act! keeps in its server's local time zone.
SERVER_LOCAL = {"activity": ("start_time", "end_time")}


def server_zone(name: str | None) -> tzinfo | None:
    """The zone called ``name`` (None: Act! keeps these times in UTC); ValidationError if
    there is no such zone."""
    if name is None:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("not a time zone; use an IANA name such as Europe/Berlin",
                              field="act_time_zone", value=name) from None


def _wall_clock(text: str) -> datetime:
    """The date and time a value shows, whatever offset it carries."""
    cleaned = text.strip()
    cleaned = cleaned[:-1] if cleaned.endswith(("Z", "z")) else cleaned
    return datetime.fromisoformat(cleaned).replace(tzinfo=None)


def from_server(kind: str, fields: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    """``fields`` as Act! gave them, with its server-local times as UTC (ISO-8601, ``Z``).
    A value that is not a readable time is left for the schema to refuse."""
    out = dict(fields)
    if zone is None:
        return out
    for name in SERVER_LOCAL.get(kind, ()):
        value = out.get(name)
        if isinstance(value, str) and value.strip():
            try:
                local = _wall_clock(value).replace(tzinfo=zone)
            except ValueError:
                continue
            out[name] = local.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
    return out


def to_server(kind: str, fields: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    """``fields`` to send to Act!, with the server-local times as the server's wall-clock
    time (``YYYY-MM-DDTHH:MM:SS``, no offset)."""
    out = dict(fields)
    if zone is None:
        return out
    for name in SERVER_LOCAL.get(kind, ()):
        value = out.get(name)
        if isinstance(value, str) and value.strip():
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            out[name] = moment.astimezone(zone).replace(tzinfo=None).isoformat(
                timespec="seconds")
    return out
