"""Device commands: set-up, syncing, status, and the note/history/activity/group/conflict
commands that are not plain record CRUD."""

from __future__ import annotations

import json
import sys
from datetime import tzinfo
from pathlib import Path
from typing import Any

import click

from clients.cli.present import echo_record, echo_records
from clients.cli.records import home_option, local_times, opened
from clients.cli.times import parse_time, tz_option
from clients.device.connection import SyncError
from clients.device.home import init_home
from engine.errors import HandsyncError


@click.group()
def device() -> None:
    """Set up this device.

    \b
    Example:
        handsync device init --relay ws://127.0.0.1:8765 --space acme --token hs_…
    """


@device.command("init")
@home_option
@click.option("--relay", required=True, help="The relay's base URL: ws://host:port or wss://…")
@click.option("--space", required=True, help="The space (one Act! database).")
@click.option("--token", required=True, help="This device's token from the relay admin.")
@click.option("--name", default="device", show_default=True, help="A name for this device.")
@click.option("--auto-sync/--no-auto-sync", default=True, show_default=True,
              help="Sync quickly before showing data, when the relay is reachable.")
def device_init(home: Path, relay: str, space: str, token: str, name: str,
                auto_sync: bool) -> None:
    """Create the local replica and its configuration in HOME.

    \b
    Example:
        handsync device init --home ~/hs --relay ws://127.0.0.1:8765 --space acme \\
            --token hs_3f9a1c2b7d4e_… --name anns-phone
    """
    config = init_home(home, relay, space, token, name, auto_sync=auto_sync)
    click.echo(f"device {config.name} ({config.replica_id}) ready in {home}")


@click.command()
@home_option
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for the relay.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--watch", is_flag=True, help="Stay connected, live both ways, retrying with "
              "backoff; other commands may still use the home. Stop with Ctrl-C.")
def sync(home: Path, timeout: float, as_json: bool, watch: bool) -> None:
    """Sync now: send local edits, receive others', wait for the relay's durable acks.

    \b
    Example:
        handsync sync
        handsync sync --watch
    """
    if watch:
        _watch(home)
        return
    bar = RecordsBar(sys.stderr.isatty() and not as_json)
    with opened(home) as dev:
        try:
            report = dev.sync(timeout=timeout, progress=bar.update)
        except SyncError as exc:
            raise click.ClickException(f"{exc}; your edits are kept locally") from exc
        finally:
            bar.close()
        summary = {"sent": report.sent, "received": report.received,
                   "records_changed": report.records,
                   "conflicts": len(dev.replica.conflicts()), "cursor": report.cursor}
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(f"sent {summary['sent']} update(s), received {summary['received']} "
                   f"({summary['records_changed']} record(s) changed), "
                   f"{summary['conflicts']} unresolved conflict(s)")


class RecordsBar:
    """A progress bar for large batches of received records (an initial sync), shown
    only on a terminal and only once a batch is big enough to take a moment."""

    MIN_RECORDS = 1000

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._done = 0

    def update(self, done: int, total: int) -> None:
        """Called by the replica while it resolves received records."""
        if not self.enabled or total < self.MIN_RECORDS:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="applying received records",
                                          file=sys.stderr)
            self._bar.__enter__()
            self._done = 0
        self._bar.update(done - self._done)
        self._done = done
        if done >= total:
            self.close()

    def close(self) -> None:
        """Finish the bar if one is showing."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _watch(home: Path) -> None:
    import asyncio
    import time

    from clients.device.watch import watch
    from clients.stop import loop_stops

    def say(text: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {text}", err=True)

    async def run() -> None:
        stop = asyncio.Event()
        with loop_stops(asyncio.get_running_loop(), stop):
            await watch(home, stop, say)

    try:
        asyncio.run(run())
    except HandsyncError as exc:
        raise click.ClickException(f"{exc}; your local data is kept") from exc


@click.command()
@home_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--offline", is_flag=True, help="Do not check the relay.")
def status(home: Path, as_json: bool, offline: bool) -> None:
    """Show last sent, last received, edits waiting, conflicts, and whether the relay answers.

    \b
    Example:
        handsync status --json
    """
    with opened(home) as dev:
        info = dev.status()
        if not offline:
            info["relay_check"] = dev.probe()
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        click.echo(f"{key.replace('_', ' ')}: {value if value is not None else '-'}")


@click.group()
def conflicts() -> None:
    """List and resolve values that lost a same-field conflict.

    \b
    Example:
        handsync conflicts list
    """


@conflicts.command("list")
@home_option
@click.option("--json", "as_json", is_flag=True)
def conflicts_list(home: Path, as_json: bool) -> None:
    """List unresolved conflicts: record, field, kept value and the other value.

    \b
    Example:
        handsync conflicts list --json
    """
    from clients.device.inspect import conflicts_noted

    with opened(home, show=True) as dev:
        found = conflicts_noted(dev.replica)
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    for c in found:
        click.echo(f"{c['kind']} {c['record_id']} {c['field']}: kept {c['current']!r}, "
                   f"also {c['value']!r} (from {c['replica']})")
        if c.get("note"):
            click.echo(f"  note: {c['note']}")


@conflicts.command("resolve")
@home_option
@click.argument("kind")
@click.argument("record_id", metavar="ID")
@click.argument("field")
@click.argument("value")
def conflicts_resolve(home: Path, kind: str, record_id: str, field: str, value: str) -> None:
    """Settle FIELD of a record to VALUE (any value); the conflict goes on every device.

    \b
    Example:
        handsync conflicts resolve contact 8c1d… email ann@acme.example
    """
    parsed: Any = value
    if field in ("deleted", "_deleted"):
        parsed = value.lower() in ("true", "yes", "1")
    with opened(home) as dev:
        dev.replica.resolve(kind, record_id, field, parsed)
    click.echo(f"{kind} {record_id} {field} resolved")


@click.group()
def note() -> None:
    """Notes linked to contacts; bodies merge character by character.

    \b
    Example:
        handsync note add CONTACT_ID "Met at the fair"
    """


@note.command("add")
@home_option
@click.argument("contact_id")
@click.argument("text")
def note_add(home: Path, contact_id: str, text: str) -> None:
    """Add a note to a contact; prints its id.

    \b
    Example:
        handsync note add 8c1d… "Call back Tuesday"
    """
    with opened(home) as dev:
        dev.replica.get("contact", contact_id)
        click.echo(dev.replica.create(
            "note", {"text": text, "contact_ids": [contact_id]}))


@note.command("edit")
@home_option
@click.argument("note_id")
@click.argument("text")
def note_edit(home: Path, note_id: str, text: str) -> None:
    """Replace a note's body (written as character edits, so others' edits survive).

    \b
    Example:
        handsync note edit 51ab… "Call back Wednesday"
    """
    with opened(home) as dev:
        dev.replica.update("note", note_id, {"text": text})
    click.echo(f"note {note_id} updated")


def _linked_list(kind: str) -> click.Command:
    @click.command("list", help=f"List a contact's {kind} records (or all).\n\n\b\nExample:\n"
                   f"    handsync {kind} list --contact 8c1d…")
    @home_option
    @click.option("--contact", help="Only those linked to this contact.")
    @click.option("--json", "as_json", is_flag=True)
    @tz_option
    def list_linked(home: Path, contact: str | None, as_json: bool, tz: tzinfo | None) -> None:
        with opened(home, show=True) as dev:
            records = dev.replica.list(kind, linked_to=contact)
            echo_records(records, as_json, kind=kind, replica=dev.replica, zone=tz)

    return list_linked


def _linked_show(kind: str) -> click.Command:
    @click.command("show", help=f"Show one {kind} record: linked contacts by name, times "
                   f"local.\n\n\b\nExample:\n    handsync {kind} show ID --tz Europe/Berlin")
    @home_option
    @click.argument("record_id", metavar="ID")
    @click.option("--json", "as_json", is_flag=True)
    @tz_option
    def show_linked(home: Path, record_id: str, as_json: bool, tz: tzinfo | None) -> None:
        with opened(home, show=True) as dev:
            record = dev.replica.get(kind, record_id, include_deleted=True)
            if as_json:
                echo_records([record], True, kind=kind)
            else:
                echo_record(record, kind=kind, replica=dev.replica, zone=tz)

    return show_linked


note.add_command(_linked_list("note"))
note.add_command(_linked_show("note"))


@click.group()
def history() -> None:
    """History entries (calls, meetings, e-mails done) linked to contacts.

    \b
    Example:
        handsync history add CONTACT_ID --regarding "Phone call"
    """


@history.command("add")
@home_option
@click.argument("contact_id")
@click.option("--regarding", required=True)
@click.option("--details")
@click.option("--start-time", help="When (local time unless it has an offset); default: none.")
@tz_option
def history_add(home: Path, contact_id: str, regarding: str, details: str | None,
                start_time: str | None, tz: tzinfo | None) -> None:
    """Record something done with a contact; prints its id.

    \b
    Example:
        handsync history add 8c1d… --regarding "Phone call" --start-time "2026-12-04 10:00"
    """
    fields = local_times("history", {"regarding": regarding, "details": details,
                                     "start_time": start_time, "contact_ids": [contact_id]}, tz)
    with opened(home) as dev:
        dev.replica.get("contact", contact_id)
        click.echo(dev.replica.create("history", fields))


history.add_command(_linked_list("history"))
history.add_command(_linked_show("history"))


@click.group()
def activity() -> None:
    """Scheduled activities (calls, meetings, to-dos) linked to contacts.

    \b
    Example:
        handsync activity list --from 2026-12-01 --to 2026-12-07
    """


@activity.command("add")
@home_option
@click.argument("contact_id")
@click.option("--subject", required=True)
@click.option("--start-time", required=True,
              help="Local time such as '2026-12-04 10:00', or ISO-8601 with an offset.")
@click.option("--end-time", help="Local time, or ISO-8601 with an offset.")
@click.option("--type", "type_name", default="Call", show_default=True,
              help="Call, Meeting, To-do, Appointment or a custom type.")
@tz_option
def activity_add(home: Path, contact_id: str, subject: str, start_time: str,
                 end_time: str | None, type_name: str, tz: tzinfo | None) -> None:
    """Schedule an activity with a contact; prints its id.

    \b
    Example:
        handsync activity add 8c1d… --subject "Demo" --start-time "2026-12-04 10:00"
    """
    fields = local_times("activity", {
        "subject": subject, "start_time": start_time, "end_time": end_time,
        "activity_type_name": type_name, "contact_ids": [contact_id]}, tz)
    with opened(home) as dev:
        dev.replica.get("contact", contact_id)
        click.echo(dev.replica.create("activity", fields))


@activity.command("list")
@home_option
@click.option("--contact", help="Only those linked to this contact.")
@click.option("--from", "start",
              help="Calendar view from this date or time (local unless it has an offset).")
@click.option("--to", "end", help="… up to this time, or to the end of this date.")
@click.option("--include-cleared", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@tz_option
def activity_list(home: Path, contact: str | None, start: str | None, end: str | None,
                  include_cleared: bool, as_json: bool, tz: tzinfo | None) -> None:
    """List activities, optionally as a calendar between --from and --to.

    \b
    Example:
        handsync activity list --from 2026-12-01 --to 2026-12-07 --tz Europe/Berlin
    """
    lo = _utc(parse_time(start, tz, param="--from")) if start else ""
    # A date alone runs to the next day's start, which is left out; a time is kept.
    hi = _utc(parse_time(end, tz, param="--to", end_of_day=True)) if end else None
    to_day = end is not None and len(end.strip()) == 10
    with opened(home, show=True) as dev:
        records = dev.replica.list("activity", linked_to=contact)
        chosen = [r for r in records
                  if (include_cleared or not r.get("is_cleared"))
                  and (r.get("start_time") or "") >= lo
                  and (hi is None or (r.get("start_time") or "") < hi
                       or (not to_day and r.get("start_time") == hi))]
        chosen.sort(key=lambda r: r.get("start_time") or "")
        echo_records(chosen, as_json, kind="activity", replica=dev.replica, zone=tz)


def _utc(text: str) -> str:
    """A time with an offset as the engine stores it (UTC, to the millisecond)."""
    from engine.schema import kind_spec, normalize_value

    return str(normalize_value(kind_spec("activity").fields["start_time"], text,
                               kind="activity", record_id=None))


activity.add_command(_linked_show("activity"))


@activity.command("clear")
@home_option
@click.argument("activity_id")
def activity_clear(home: Path, activity_id: str) -> None:
    """Mark an activity done.

    \b
    Example:
        handsync activity clear 77aa…
    """
    with opened(home) as dev:
        dev.replica.update("activity", activity_id, {"is_cleared": True})
    click.echo(f"activity {activity_id} cleared")


@click.group()
def group() -> None:
    """Groups and their members.

    \b
    Example:
        handsync group create "Key accounts"
    """


@group.command("create")
@home_option
@click.argument("name")
@click.option("--description")
def group_create(home: Path, name: str, description: str | None) -> None:
    """Create a group; prints its id.

    \b
    Example:
        handsync group create "Key accounts"
    """
    with opened(home) as dev:
        click.echo(dev.replica.create(
            "group", {"name": name, "description": description}))


@group.command("assign")
@home_option
@click.argument("group_id")
@click.argument("contact_id")
def group_assign(home: Path, group_id: str, contact_id: str) -> None:
    """Add a contact to a group.

    \b
    Example:
        handsync group assign 0f3e… 8c1d…
    """
    with opened(home) as dev:
        dev.replica.add_to_group(group_id, contact_id)
    click.echo(f"{contact_id} added to group {group_id}")


@group.command("unassign")
@home_option
@click.argument("group_id")
@click.argument("contact_id")
def group_unassign(home: Path, group_id: str, contact_id: str) -> None:
    """Take a contact out of a group.

    \b
    Example:
        handsync group unassign 0f3e… 8c1d…
    """
    with opened(home) as dev:
        dev.replica.remove_from_group(group_id, contact_id)
    click.echo(f"{contact_id} removed from group {group_id}")


@group.command("list")
@home_option
@click.option("--json", "as_json", is_flag=True)
def group_list(home: Path, as_json: bool) -> None:
    """List groups with their members.

    \b
    Example:
        handsync group list --json
    """
    with opened(home, show=True) as dev:
        echo_records(dev.replica.list("group"), as_json, kind="group",
                     replica=dev.replica)
