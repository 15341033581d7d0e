"""Record commands: contacts, notes, histories, activities, groups, conflicts.

Each command is a thin wrapper over one Replica call on the device home. Fields
are options named after the schema (``--first-name``, ``--email`` …) or
``--set NAME=VALUE`` for any field, custom ones included. Times typed without an
offset are local (``--tz``, clients/cli/times.py). Read commands print records
readably (clients/cli/present.py), or with ``--json`` with their ``id``,
snake_case field names and UTC times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import tzinfo
from pathlib import Path
from typing import Any

import click

from clients.cli.present import echo_record, echo_records
from clients.cli.times import parse_time, tz_option
from clients.device.home import Device, default_home
from engine.schema import KINDS

__all__ = ["echo_records", "home_option", "opened", "record_group"]
_EXAMPLE = {
    "contact": "--first-name Ann --last-name Lee --email ann@acme.example",
    "company": "--name 'Acme Ltd'", "group": "--name 'Key accounts'",
    "opportunity": "--name 'Acme renewal' --status open",
}


def home_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--home DIR`` (default ``$HANDSYNC_HOME``, then the per-user data folder)."""
    return click.option(
        "--home", type=click.Path(file_okay=False, path_type=Path),
        default=lambda: str(default_home()),
        show_default="$HANDSYNC_HOME, else ~/.local/share/handsync or, on Windows, "
        "%LOCALAPPDATA%\\handsync",
        help="The device home folder.")(func)


@contextmanager
def opened(home: Path, *, show: bool = False) -> Iterator[Device]:
    """Open the home (its errors reach the group, which shows them: relay/group.py).

    ``show``: the command shows data, so with ``auto_sync`` on it first does a quick
    sync and says on stderr whether it could.
    """
    with Device(home) as device:
        if show and device.config.auto_sync:
            click.echo(device.quick_sync(), err=True)
        yield device


def _field_options(kind: str, func: Callable[..., Any]) -> Callable[..., Any]:
    for name, spec in reversed(list(KINDS[kind].fields.items())):
        if spec.type in ("ids", "json", "note_text"):
            continue
        func = click.option(f"--{name.replace('_', '-')}", name, default=None,
                            help=f"{spec.type} (Act! {spec.act})")(func)
    return click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
                        help="Set any field, custom ones included (repeatable).")(func)


def _fields(kind: str, values: dict[str, Any], assignments: tuple[str, ...],
            zone: tzinfo | None) -> dict[str, Any]:
    fields = {k: v for k, v in values.items() if v is not None}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--set")
        fields[name.strip()] = value
    return local_times(kind, fields, zone)


def local_times(kind: str, fields: dict[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    """``fields`` with each time typed without an offset taken as local time in ``zone``."""
    specs = KINDS[kind].fields
    return {name: parse_time(value, zone, param=f"--{name.replace('_', '-')}")
            if name in specs and specs[name].type == "datetime" and isinstance(value, str)
            and value.strip() else value
            for name, value in fields.items()}


def record_group(kind: str, noun: str) -> click.Group:
    """Build the add/edit/delete/restore/show/list/search commands for one kind."""

    @click.group(name=noun, help=f"Work with {noun} records, offline.\n\n\b\nExample:\n"
                 f"    handsync {noun} list --json")
    def group() -> None:
        pass

    def add(home: Path, record_id: str | None, as_json: bool, assignments: tuple[str, ...],
            tz: tzinfo | None, **values: Any) -> None:
        fields = _fields(kind, values, assignments, tz)
        with opened(home) as device:
            rid = device.replica.create(kind, fields, record_id=record_id)
            if as_json:
                echo_records([device.replica.get(kind, rid)], True, kind=kind)
            else:
                click.echo(rid)

    group.command("add", help=f"Create a {noun}; prints its id (--json: the record).\n\n\b\n"
                  f"Example:\n    handsync {noun} add {_EXAMPLE.get(kind, '')}")(
        home_option(click.option("--id", "record_id", help="Use this id (e.g. an Act! GUID).")(
            click.option("--json", "as_json", is_flag=True, help="Print the whole record.")(
                tz_option(_field_options(kind, add))))))

    def edit(home: Path, record_id: str, assignments: tuple[str, ...], tz: tzinfo | None,
             **values: Any) -> None:
        fields = _fields(kind, values, assignments, tz)
        if not fields:
            raise click.UsageError("give at least one field to change")
        with opened(home) as device:
            device.replica.update(kind, record_id, fields)
            click.echo(f"{noun} {record_id} updated")

    group.command("edit", help=f"Change only the given fields of a {noun}.\n\n\b\nExample:\n"
                  f"    handsync {noun} edit ID {_EXAMPLE.get(kind, '')}")(
        home_option(click.argument("record_id", metavar="ID")(
            tz_option(_field_options(kind, edit)))))

    for verb, call, done in (("delete", "delete", "moved to the trash"),
                             ("restore", "restore", "restored")):
        @group.command(verb, help=f"{verb.capitalize()} a {noun}.\n\n\b\nExample:\n"
                       f"    handsync {noun} {verb} ID")
        @home_option
        @click.argument("record_id", metavar="ID")
        def simple(home: Path, record_id: str, call: str = call, done: str = done) -> None:
            with opened(home) as device:
                getattr(device.replica, call)(kind, record_id)
                click.echo(f"{noun} {record_id} {done}")

    @group.command("show", help=f"Show one {noun}.\n\n\b\nExample:\n"
                   f"    handsync {noun} show ID --json")
    @home_option
    @click.argument("record_id", metavar="ID")
    @click.option("--json", "as_json", is_flag=True)
    @tz_option
    def show(home: Path, record_id: str, as_json: bool, tz: tzinfo | None) -> None:
        with opened(home, show=True) as device:
            record = device.replica.get(kind, record_id, include_deleted=True)
            if as_json:
                echo_records([record], True, kind=kind)
                return
            echo_record(record, kind=kind, replica=device.replica, zone=tz)

    @group.command("list", help=f"List {noun} records.\n\n\b\nExample:\n"
                   f"    handsync {noun} list --limit 20 --json")
    @home_option
    @click.option("--group", help="Only members of this group (contacts).")
    @click.option("--company", help="Company id or name.")
    @click.option("--contact", "linked_to", help="Only records linked to this contact.")
    @click.option("--edited-since", help="Date and time (local unless it has an offset).")
    @click.option("--include-deleted", is_flag=True)
    @click.option("--limit", type=click.IntRange(min=1))
    @click.option("--json", "as_json", is_flag=True)
    @tz_option
    def list_(home: Path, group: str | None, company: str | None, linked_to: str | None,
              edited_since: str | None, include_deleted: bool, limit: int | None,
              as_json: bool, tz: tzinfo | None) -> None:
        since = None if edited_since is None else parse_time(edited_since, tz,
                                                             param="--edited-since")
        with opened(home, show=True) as device:
            records = device.replica.list(
                kind, group=group, company=company, linked_to=linked_to,
                edited_since=since, include_deleted=include_deleted, limit=limit)
            echo_records(records, as_json, kind=kind, replica=device.replica, zone=tz)

    @group.command("search", help=f"Find {noun} records by name, company, e-mail or phone, "
                   "as people type them: without accents or punctuation, in any case."
                   f"\n\n\b\nExample:\n    handsync {noun} search muller")
    @home_option
    @click.argument("text")
    @click.option("--limit", type=click.IntRange(min=1))
    @click.option("--json", "as_json", is_flag=True)
    @tz_option
    def search(home: Path, text: str, limit: int | None, as_json: bool,
               tz: tzinfo | None) -> None:
        with opened(home, show=True) as device:
            found = device.replica.search(text, kind, limit=limit)
            echo_records(found, as_json, kind=kind, replica=device.replica, zone=tz)

    return group


contact = record_group("contact", "contact")
company = record_group("company", "company")
opportunity = record_group("opportunity", "opportunity")
