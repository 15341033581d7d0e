"""Times as people type and read them: in their own time zone.

The engine stores every time in UTC (engine/schema.py). A time typed without an
offset (``2026-12-04 10:00``) is the user's local time: the zone given with
``--tz`` (or ``$HANDSYNC_TZ``), else this computer's. Read commands show times in
that zone, readably (``Thu 4 Dec 2026 10:00 CET``); ``--json`` keeps ISO-8601.

Without ``--tz`` the computer's zone is the C library's (``TZ``, /etc/localtime,
Windows' setting), asked for each moment, so daylight-saving changes are right.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import click

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def tz_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--tz ZONE``: the IANA time zone of times typed and shown."""
    return click.option(
        "--tz", "tz", envvar="HANDSYNC_TZ", default=None, metavar="ZONE", callback=_zone,
        help="Time zone of times typed without an offset and of times shown, e.g. "
             "Europe/Berlin (default: $HANDSYNC_TZ, then this computer's).")(func)


def _zone(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tzinfo | None:
    return zone_of(value)


def zone_of(name: str | None) -> tzinfo | None:
    """The zone called ``name``, or None for this computer's; BadParameter if unknown."""
    if name is None or not name.strip():
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # ~2 ms: only when a zone is named

    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{name!r} is not a time zone; use an IANA name such as "
                                 "Europe/Berlin, America/New_York or UTC",
                                 param_hint="--tz") from None


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    """A naive ``moment`` taken as wall-clock time in ``zone`` (None: this computer's)."""
    if moment.tzinfo is not None:
        return moment
    return moment.astimezone() if zone is None else moment.replace(tzinfo=zone)


def parse_time(text: str, zone: tzinfo | None, *, param: str, end_of_day: bool = False) -> str:
    """Return ``text`` (ISO-8601, offset optional) as ISO-8601 with its offset.

    Without an offset it is local time in ``zone``. A date alone is that day's start,
    or with ``end_of_day`` the next day's start. Raises BadParameter naming ``param``.
    """
    cleaned = text.strip()
    try:
        if len(cleaned) == 10:
            day = date.fromisoformat(cleaned)
            moment = datetime(day.year, day.month, day.day)
            if end_of_day:
                moment += timedelta(days=1)
        else:
            moment = datetime.fromisoformat(cleaned[:-1] + "+00:00"
                                            if cleaned.endswith(("Z", "z")) else cleaned)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date and time; write it as "
                                 "2026-12-04 10:00 (local time) or 2026-12-04T09:00:00Z",
                                 param_hint=param) from None
    return _local(moment, zone).isoformat()


def readable(value: str, zone: tzinfo | None) -> str:
    """A stored UTC time (``2026-12-04T09:00:00.000Z``) as ``Thu 4 Dec 2026 10:00 CET``
    in ``zone``; a value that is not a time is returned as it is."""
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except (ValueError, TypeError):
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        local = moment.astimezone(zone)
    except (OverflowError, OSError, ValueError):  # beyond what the C library handles (0001)
        local = moment
    return (f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year} "
            f"{local.hour:02d}:{local.minute:02d} {local.tzname() or ''}").rstrip()
