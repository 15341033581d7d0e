"""CSV mode of the bridge: for an Act! without the Web API, through its text-delimited
export and import.

Each pass:

1. **Reads the export** (``--act-csv FILE``), when it changed since the last pass. Every
   row must carry Act!'s record id (a ``Contact ID``, ``ID`` or ``GUID`` column: include
   it in the export), because the id, not a name or an e-mail, says which contact a row
   is. The fields that differ from the previous export become edits stamped with the
   row's ``Edit Date`` (the file's modification time if the export has none). A contact
   missing from a new export was deleted in Act! and leaves the devices, so export all
   contacts every time; an export with no rows is refused rather than read as "all
   deleted".
2. **Writes the import file** beside it (``<name>.import.csv``): every contact whose
   values on the devices differ from the last export, one row each, with Act!'s id in
   ``Contact ID`` (empty for a contact made on a device) and our id in ``handsync id``.
   A contact Act! has carries only its changed values (other cells stay empty, so an
   import does not overwrite what was changed in Act! since); a new one carries all.
   The file is rewritten whole on each pass, so it always holds exactly what Act! still
   lacks. Import it once: a row without a Contact ID creates a contact each time it is
   imported. Map ``handsync id`` to a user field when importing and include that field
   in the export: a contact made on a device is then recognised in the next export
   instead of coming back as a second contact.

Values Act! has not confirmed (by a new export) are never taken as Act!'s, so a value
waiting in the import file is not overwritten by the older export.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from clients.act.client import ActClient
from clients.act.mapping import READ_ONLY
from clients.bridge.mirror import Mirror
from clients.bridge.rules import NOT_MIRRORED, Tally, edited_ms
from clients.bridge.state import BridgeState, Known
from clients.device.exchange.files import read_rows, read_text
from clients.device.exchange.rows import ExchangeError
from engine.errors import HandsyncError, ValidationError
from engine.replica import Replica
from engine.schema import CUSTOM_PREFIX, kind_spec, validate_id

KIND = "contact"
ID_COLUMN = "Contact ID"
OUR_ID_COLUMN = "handsync id"
_OUR_ID_KEYS = ("handsyncid", "handsync")


def import_path(export: Path) -> Path:
    """Where the import file for Act! is written: beside the export."""
    return export.with_name(export.stem + ".import.csv")


def mirror_csv(replica: Replica, state: BridgeState, export: Path, *, clock: Callable[[], int],
               dry_run: bool = False, progress: Callable[[str], None] | None = None) -> Tally:
    """One CSV-mode pass; returns what moved (or would move, with ``dry_run``)."""
    say = progress or (lambda _: None)
    mirror = Mirror(replica, cast(ActClient, _NoWebApi()), state, clock=clock, dry_run=dry_run, sweep=False,
                    progress=say)
    _read_export(mirror, export)
    _write_import(mirror, export)
    return mirror.tally


def _read_export(mirror: Mirror, export: Path) -> None:
    try:
        text = read_text(export)
        mtime = int(os.stat(export).st_mtime * 1000)
    except OSError as exc:
        raise ExchangeError(f"cannot read the Act! export {export}: {exc.strerror}") from None
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest == mirror.state.get("csv.export"):
        return
    rows = read_rows(text, "csv", KIND)
    if not rows:
        raise ExchangeError(f"the Act! export {export} holds no contacts; nothing was changed "
                            "(export every contact, with the Contact ID column)")
    for row in rows:  # every row is checked before anything is written
        if not row.source_id:
            raise ExchangeError(f"{export}, {row.where}: no Act! id; export with the "
                                "'Contact ID' column so rows are matched by id, never by "
                                "name; nothing was changed")
        try:
            validate_id(row.source_id, kind=KIND, field=ID_COLUMN)
        except ValidationError as exc:
            raise ExchangeError(f"{export}, {row.where}: {exc}; nothing was changed") from None
    state = mirror.state
    renamed = state.renamed(KIND)
    remember: list[Known] = []
    listed: set[str] = set()
    with mirror.replica.batch():
        for row in rows:
            act_id = str(row.source_id)
            ours = _our_id(row.custom)
            if ours is not None and state.known(KIND, ours) is None:
                ours = None  # not a contact this bridge wrote out: Act!'s id is the id
            rid = renamed.get(act_id) or ours or act_id
            listed.add(act_id.lower())
            raw: dict[str, Any] = {k: v for k, v in row.fields.items() if k not in NOT_MIRRORED}
            raw.update((CUSTOM_PREFIX + k, v) for k, v in row.custom.items())
            known = state.known(KIND, rid)
            if known is not None and known.act_id is None:
                # Made on a device and now back from Act! with Act!'s id.
                known = Known(KIND, rid, act_id, known.fields, None, "live")
                mirror.tally.add("push", "contact confirmed by Act!")
            when = edited_ms(_stamp(row.fields.get("edited")), mtime)
            record = mirror.take(KIND, rid, act_id, raw, known, when,
                                 private=bool(row.fields.get("is_private")))
            if record is not None:
                remember.append(record)
            elif known is not None and known.act_id != act_id:
                remember.append(Known(KIND, rid, act_id, known.fields, known.digest,
                                      known.state))
    if mirror.dry:
        mirror.gone(KIND, state.act_ids(KIND), listed)
        return
    state.write(known=remember)
    mirror.gone(KIND, state.act_ids(KIND), listed)
    state.write(meta={"csv.export": digest})
    mirror.say(f"read {len(rows)} contacts from {export.name}")


def _write_import(mirror: Mirror, export: Path) -> None:
    """Write every contact whose device values differ from what Act! last exported."""
    replica, state = mirror.replica, mirror.state
    spec = kind_spec(KIND)
    rows: list[dict[str, Any]] = []
    digests = replica.record_digests(KIND)
    known_all = state.known_many(KIND, list(digests))
    for rid in sorted(digests):
        try:
            record = replica.get(KIND, rid)
        except HandsyncError:
            continue  # deleted on a device: an import cannot delete, Act! keeps it
        known = known_all.get(rid)
        if known is not None and known.state == "hidden":
            continue
        if known is not None and known.state == "gone":
            # Gone from the export but edited on a device (kept): it goes back as new.
            known = None
        current = {k: v for k, v in record.items() if k in spec.fields
                   and k not in READ_ONLY and v is not None}
        current.update((CUSTOM_PREFIX + k, v) for k, v in (record.get("custom") or {}).items())
        held = known.fields if known is not None and known.state == "live" else {}
        new = known is None or known.act_id is None
        # A contact Act! has gets only the values that differ from its export, so an
        # import does not overwrite what someone changed in Act! since (a value cleared
        # on a device cannot be written this way: an empty cell means "unchanged").
        values = current if new else {k: v for k, v in current.items()
                                      if held.get(k) != v}
        if not values:
            continue
        rows.append({ID_COLUMN: (known.act_id if known else None) or "", OUR_ID_COLUMN: rid,
                     **values})
        mirror.tally.add("push", "contact created" if new else "contact updated")
        if known is None and not mirror.dry:
            state.write(known=[Known(KIND, rid, None, {}, None, "local")])
    if mirror.dry:
        return
    target = import_path(export)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(_render(rows), encoding="utf-8-sig")  # a BOM: Windows tools read UTF-8 then
    os.replace(tmp, target)
    if rows:
        mirror.say(f"wrote {len(rows)} contacts for Act! to {target.name}; import them "
                   "into Act! (match on Contact ID)")


def _render(rows: list[dict[str, Any]]) -> str:
    spec = kind_spec(KIND)
    used = {k for r in rows for k in r}
    names = [n for n in spec.fields if n in used]
    custom = sorted(k for k in used if k.startswith(CUSTOM_PREFIX))
    header = [ID_COLUMN, OUR_ID_COLUMN, *(_title(n) for n in names),
              *(k[len(CUSTOM_PREFIX):] for k in custom)]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[ID_COLUMN], row[OUR_ID_COLUMN],
                         *(_cell(row.get(n)) for n in names), *(_cell(row.get(k)) for k in custom)])
    return out.getvalue()


def _title(name: str) -> str:
    """``business_phone`` → ``Business Phone``: Act!'s style, and read back by our reader."""
    return " ".join(part.capitalize() for part in name.split("_"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _our_id(custom: dict[str, Any]) -> str | None:
    for name in list(custom):
        if "".join(c for c in name.lower() if c.isalnum()) in _OUR_ID_KEYS:
            value = str(custom.pop(name)).strip()
            return value or None
    return None


def _stamp(value: Any) -> Mapping[str, Any]:
    return {"edited": value} if isinstance(value, str) else {}


class _NoWebApi:
    """Stands where the Act! client would be: CSV mode never calls the Web API."""

    def __getattr__(self, name: str) -> Any:
        raise HandsyncError(f"CSV mode has no Act! Web API (called {name})")
