"""Export and import commands: records to and from JSON, CSV and vCard files.

Thin wrappers over clients/device/exchange/. Long work shows a progress bar on a
terminal and stays quiet when the output is piped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from clients.cli.records import home_option, opened
from clients.device.exchange.files import detect_format, read_rows, read_text, render
from clients.device.exchange.plan import (
    ImportResult,
    apply_plan,
    exportable,
    plan_import,
    summarize,
)
from clients.device.exchange.rows import FORMATS
from engine.schema import KINDS


def _interactive() -> bool:
    """True when a person watches: progress bars are drawn only then."""
    return sys.stdout.isatty()


def _write_file(path: Path, text: str) -> None:
    # Written whole and renamed into place: an interrupted export leaves no half file.
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from exc


@click.command("export")
@home_option
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="json, csv or vcard (vCard 3.0). Default: from --output's extension, else json.")
@click.option("--kind", type=click.Choice(list(KINDS)), default="contact", show_default=True,
              help="Which records (vCard: contacts only).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def export(home: Path, fmt: str | None, kind: str, output: Path | None) -> None:
    """Write records as JSON, CSV or vCard 3.0 (deleted records are left out).

    JSON is a list of records with their id and snake_case fields; CSV has our
    column names plus one column per custom field; vCard keeps the fields it has
    no property for in an X-HANDSYNC property, so importing it back loses nothing.

    \b
    Example:
        handsync export --format vcard --output contacts.vcf
        handsync export --format csv --kind company > companies.csv
    """
    if fmt is None:
        fmt = detect_format(output, "", None) if output else "json"
    with opened(home) as device:
        records = exportable(device.replica, kind)
    if output is not None and _interactive():
        with click.progressbar(records, label=f"Exporting {len(records)} {kind} record(s)") as bar:
            text = render(kind, fmt, bar)
    else:
        text = render(kind, fmt, records)
    if output is None:
        click.echo(text, nl=False)
        return
    _write_file(output, text)
    click.echo(f"exported {len(records)} {kind} record(s) to {output}")


@click.command("import")
@home_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="json, csv or vcard. Default: from the file's extension or first bytes.")
@click.option("--kind", type=click.Choice(list(KINDS)), default="contact", show_default=True,
              help="Which records the file holds (vCard: contacts).")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; "
              "write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def import_(home: Path, file: Path, fmt: str | None, kind: str, dry_run: bool,
            as_json: bool) -> None:
    """Import records from a JSON, CSV or vCard (3.0/4.0) file; importing again adds no duplicates.

    CSV and JSON take our snake_case names, Act!'s JSON names and Act!-style
    columns ("First Name", "E-mail", "Business Phone", "ZIP Code" …); other columns
    become custom fields. A record is matched by the file's id (vCard UID, an
    "id", "Contact ID" or "GUID" column), else by e-mail, else by full name and
    company, and updated; empty cells never clear a field. Every row is checked
    first: one bad value stops the import with its row, column and value, and
    nothing is written. CSV rows are numbered as a spreadsheet shows them (the
    header is row 1).

    \b
    Example:
        handsync import contacts.csv
        handsync import export.vcf --dry-run
    """
    started = time.monotonic()
    text = read_text(file)
    fmt = detect_format(file, text, fmt)
    rows = read_rows(text, fmt, kind)
    with opened(home) as device:
        plan = plan_import(device.replica, kind, rows)
        if dry_run:
            result = summarize(plan)
        elif _interactive():
            with click.progressbar(plan, label=f"Importing {len(plan)} {kind} record(s)") as bar:
                result = apply_plan(device.replica, kind, bar)
        else:
            result = apply_plan(device.replica, kind, plan)
    _report(file, fmt, kind, dry_run, result, time.monotonic() - started, as_json)


def _report(file: Path, fmt: str, kind: str, dry_run: bool, result: ImportResult,
            seconds: float, as_json: bool) -> None:
    if as_json:
        summary: dict[str, Any] = {"file": str(file), "format": fmt, "kind": kind,
                                   "dry_run": dry_run, **result.to_dict(),
                                   "seconds": round(seconds, 3)}
        click.echo(json.dumps(summary))
        return
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {result.rows} {kind} record(s) from {file}: {result.created} created, "
               f"{result.updated} updated, {result.restored} restored, "
               f"{result.unchanged} unchanged ({seconds:.1f} s)")
