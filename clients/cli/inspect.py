"""``handsync inspect``: look inside replicas (CRDT state, update log, registers, differences).

Thin wrappers over clients/device/inspect.py; every command only reads and takes ``--json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from clients.cli.records import home_option, opened
from clients.device.inspect import diff_replicas, log_entries, record_registers, replica_state
from engine.schema import KINDS


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _short(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


@click.group()
def inspect() -> None:
    """Look inside replicas: CRDT state, update log, field registers, differences.

    \b
    Example:
        handsync inspect state --json
    """


@inspect.command("state")
@home_option
@click.option("--json", "as_json", is_flag=True)
def inspect_state(home: Path, as_json: bool) -> None:
    """Show the state vector ({client: clock}), log, snapshot and outbox sizes, record counts.

    \b
    Example:
        handsync inspect state --json
    """
    with opened(home) as device:
        state = replica_state(device.replica)
    if as_json:
        _echo_json(state)
        return
    for key, value in state.items():
        if key == "state_vector":
            click.echo(f"state vector ({len(value)} client(s)):")
            for client, clock in value.items():
                click.echo(f"  client {client}: clock {clock}")
        elif key == "records_by_kind":
            click.echo("records by kind:")
            for kind, counts in value.items():
                click.echo(f"  {kind}: {counts['live']} live, {counts['deleted']} deleted")
        else:
            click.echo(f"{key.replace('_', ' ')}: {value}")


@inspect.command("log")
@home_option
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Show the newest N entries (0: none, just the count).")
@click.option("--all", "show_all", is_flag=True, help="Show every entry.")
@click.option("--json", "as_json", is_flag=True)
def inspect_log(home: Path, limit: int, show_all: bool, as_json: bool) -> None:
    """List the update log: seq, origin, time, size, and whether the relay still lacks it.

    Updates folded into the snapshot by compaction are no longer listed.

    \b
    Example:
        handsync inspect log --limit 20
    """
    with opened(home) as device:
        entries = log_entries(device.replica, None if show_all else limit)
    if as_json:
        _echo_json(entries)
        return
    for e in entries:
        waiting = "  (in outbox)" if e["in_outbox"] else ""
        click.echo(f"{e['seq']:>8}  {e['time']}  {e['origin']:<8} {e['bytes']:>8} B{waiting}")


@inspect.command("record")
@home_option
@click.argument("kind", type=click.Choice(list(KINDS)), metavar="KIND")
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True)
def inspect_record(home: Path, kind: str, record_id: str, as_json: bool) -> None:
    """Show each field of a record: value, clock stamp (ISO and raw), editing replica, conflicts.

    \b
    Example:
        handsync inspect record contact 8c1d… --json
    """
    with opened(home) as device:
        detail = record_registers(device.replica, kind, record_id)
    if as_json:
        _echo_json(detail)
        return
    flags = " [deleted]" if detail["deleted"] else ""
    click.echo(f"{kind} {record_id}{flags}: updated {detail['updated']} by "
               f"{detail['updated_by']}, {detail['conflicts']} conflict(s)")
    for f in detail["fields"]:
        stamp = f"{f['time']} (stamp {f['stamp']}) by {f['replica']}" if f["stamp"] else f["merge"]
        click.echo(f"  {f['field']} = {_short(f['value'])}  {stamp}")
        if f.get("note"):
            click.echo(f"      note: {f['note']}")
        for c in f["conflicts"]:
            click.echo(f"      conflict: {_short(c['value'])}  {c['time']} (stamp {c['stamp']}) "
                       f"by {c['replica']}")
            if c.get("note"):
                click.echo(f"      note: {c['note']}")


@inspect.command("diff")
@click.argument("home_a", type=click.Path(file_okay=False, path_type=Path))
@click.argument("home_b", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def inspect_diff(home_a: Path, home_b: Path, as_json: bool) -> None:
    """Show what differs between two device homes: records, fields, conflicts, state vectors.

    \b
    Example:
        handsync inspect diff ~/hs-phone ~/hs-laptop --json
    """
    if home_a.resolve() == home_b.resolve():
        raise click.UsageError("HOME_A and HOME_B are the same folder")
    with opened(home_a) as a, opened(home_b) as b:
        diff = diff_replicas(a.replica, b.replica)
    if as_json:
        _echo_json(diff)
        return
    _print_diff(diff)


def _print_diff(diff: dict[str, Any]) -> None:
    for client, clocks in diff["state_vector"].items():
        click.echo(f"client {client}: clock {clocks['a']} in A, {clocks['b']} in B")
    for side in ("a", "b"):
        for r in diff[f"only_in_{side}"]:
            click.echo(f"only in {side.upper()}: {r['kind']} {r['id']} {r['name']}".rstrip())
    for f in diff["fields"]:
        click.echo(f"{f['kind']} {f['id']} {f['field']}: A {_short(f['a'])}, B {_short(f['b'])}")
    for side in ("a", "b"):
        for c in diff[f"conflicts_only_in_{side}"]:
            click.echo(f"conflict only in {side.upper()}: {c['kind']} {c['record_id']} "
                       f"{c['field']} {_short(c['value'])} from {c['replica']}")
    if diff["same"]:
        click.echo("A and B hold the same records and conflicts")
