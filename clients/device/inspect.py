"""Looking inside a replica, for people who debug sync: its CRDT state, its update
log, the registers behind one record, and how two replicas differ.

Every function here only reads; each returns plain data (ready for JSON) that the
``handsync inspect`` commands print. Times are ISO-8601 UTC; clock stamps are also
given raw (``wall_ms << 16 | counter``, see engine/clock.py).
"""

from __future__ import annotations

import json
from typing import Any

from pycrdt import Doc, Map

from engine.clock import make_stamp
from engine.codec import decode_state_vector
from engine.errors import RecordNotFoundError
from engine.registers import TEXT_KEY, Entry, resolve_record, stamp_to_iso, winner
from engine.replica import Replica
from engine.schema import KINDS, kind_spec

_VOLATILE = ("updated_at", "updated_by", "conflicts")


def ms_to_iso(ms: int) -> str:
    """Return milliseconds since the epoch as ISO-8601 UTC."""
    return stamp_to_iso(make_stamp(ms))


def state_vector(replica: Replica) -> dict[str, int]:
    """Return the replica's state vector as {Yjs client id: clock} (ids as text, for JSON)."""
    decoded = decode_state_vector(replica.state_vector())
    return {str(client): clock for client, clock in sorted(decoded.items())}


def replica_state(replica: Replica) -> dict[str, Any]:
    """Return the state vector, log/snapshot/outbox sizes and record counts of a replica."""
    stats = replica.store.stats()
    outbox = replica.outbox()
    by_kind: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        records = replica.list(kind, include_deleted=True)
        deleted = sum(1 for r in records if r["deleted"])
        by_kind[kind] = {"live": len(records) - deleted, "deleted": deleted}
    return {
        "replica_id": replica.replica_id,
        "state_vector": state_vector(replica),
        "last_seq": replica.last_seq,
        "log_updates": stats["log_entries"],
        "log_bytes": stats["log_bytes"],
        "snapshot_bytes": stats["snapshot_bytes"],
        "outbox_updates": len(outbox),
        "outbox_bytes": sum(len(update) for _, update in outbox),
        "records": stats["records"],
        "records_by_kind": by_kind,
        "conflicts": len(replica.conflicts()),
        "waiting_for_earlier_updates": replica.missing,
    }


def log_entries(replica: Replica, limit: int | None = None) -> list[dict[str, Any]]:
    """Return the newest ``limit`` log entries (all if None), oldest first.

    Entries folded into the snapshot by compaction are gone from the log; the
    snapshot's size is in :func:`replica_state`.
    """
    entries = replica.store.log()
    if limit is not None:
        entries = entries[-limit:] if limit else []
    waiting = {seq for seq, _ in replica.outbox()}
    return [{"seq": e.seq, "origin": e.origin, "time": ms_to_iso(e.at_ms), "at_ms": e.at_ms,
             "bytes": len(e.update), "in_outbox": e.seq in waiting} for e in entries]


def _entry(entry: Entry, ahead: dict[str, int]) -> dict[str, Any]:
    out = {"value": entry.value, "stamp": entry.stamp, "time": stamp_to_iso(entry.stamp),
           "replica": entry.replica}
    if entry.key in ahead:
        out["note"] = ahead_note(ahead[entry.key])
    return out


def ahead_note(ms: int) -> str:
    """The note shown beside a value stamped ``ms`` past the relay's time."""
    hours = ms / 3_600_000
    span = f"{hours / 24:.0f} days" if hours >= 48 else f"{ms / 60_000:.0f} minutes"
    return (f"stamped {span} past the relay's time: written on a wrong clock; it wins "
            f"over later edits until someone edits or resolves it")


def conflicts_noted(replica: Replica) -> list[dict[str, Any]]:
    """The replica's conflicts; one whose kept or other value is stamped in the future
    (past the allowed skew) carries a ``note`` saying so."""
    found = replica.conflicts()
    ahead: dict[tuple[str, str], list[tuple[Entry, int]]] = {}
    for conflict in found:
        key = (conflict["kind"], conflict["record_id"])
        if key not in ahead:
            ahead[key] = replica.entries_ahead(*key)
        notes = [f"{entry.value!r} from {entry.replica} is {ahead_note(ms)}"
                 for entry, ms in ahead[key] if entry.field == conflict["field"]]
        if notes:
            conflict["note"] = "; ".join(notes)
    return found


def record_registers(replica: Replica, kind: str, record_id: str) -> dict[str, Any]:
    """Return one record field by field: current value, its stamp, who wrote it, conflicts.

    Raises RecordNotFoundError (deleted records are shown, with ``deleted`` true).
    Register names are raw: ``custom.<name>``, ``_deleted``, ``member:<contact id>``.
    """
    spec = kind_spec(kind)
    replica.get(kind, record_id, include_deleted=True)
    # The replica keeps its document private; a copy rebuilt from its full update
    # shows the registers exactly as every replica resolves them.
    doc: Doc[Any] = Doc()
    doc.apply_update(replica.diff())
    raw = doc.get(spec.root, type=Map).get(record_id)
    if not isinstance(raw, Map):
        raise RecordNotFoundError("not in the document", kind=kind, record_id=record_id)
    text = str(raw[TEXT_KEY]) if TEXT_KEY in raw else None
    resolved = resolve_record(kind, record_id, {k: v for k, v in raw.items() if k != TEXT_KEY},
                              text)
    ahead = {entry.key: ms for entry, ms in replica.entries_ahead(kind, record_id)}
    fields = []
    for name, entries in sorted(resolved.fields.items()):
        top = winner(entries)
        others = [_entry(e, ahead) for e in sorted(entries, key=lambda e: e.order)
                  if e is not top and e.value != top.value]
        fields.append({"field": name, **_entry(top, ahead), "entries": len(entries),
                       "conflicts": others})
    if text is not None:
        fields.append({"field": "text", "value": text, "stamp": None, "time": None,
                       "replica": None, "entries": None, "conflicts": [],
                       "merge": "collaborative text (merges character by character)"})
    return {
        "kind": kind, "id": record_id, "deleted": resolved.deleted,
        "updated": stamp_to_iso(resolved.updated) if resolved.updated else None,
        "updated_stamp": resolved.updated, "updated_by": resolved.updated_by or None,
        "conflicts": len(resolved.conflicts), "fields": fields,
    }


def _label(record: dict[str, Any]) -> str:
    composed = " ".join(str(record[p]) for p in ("first_name", "last_name") if record.get(p))
    parts = [record.get("full_name"), composed, *(record.get(n) for n in (
        "name", "subject", "regarding", "company", "email"))]
    label = next((str(p) for p in parts if p), "")
    return f"{label} (deleted)".strip() if record.get("deleted") else label


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in record.items() if k not in (*_VOLATILE, "custom")}
    flat.update({f"custom.{k}": v for k, v in (record.get("custom") or {}).items()})
    return flat


def _conflict_key(conflict: dict[str, Any]) -> str:
    return json.dumps(conflict, sort_keys=True, ensure_ascii=False)


def diff_replicas(a: Replica, b: Replica) -> dict[str, Any]:
    """Return what differs between two replicas of a space.

    ``state_vector`` lists the Yjs clients whose clocks differ (who has updates the
    other lacks); ``only_in_a`` / ``only_in_b`` the records one of them lacks;
    ``fields`` the fields of common records whose values differ (``deleted``
    included); ``conflicts_only_in_a`` / ``_b`` the unresolved conflicts one lists
    and the other does not. ``same`` is true when records and conflicts match.
    """
    sva, svb = state_vector(a), state_vector(b)
    clients = sorted(set(sva) | set(svb), key=int)
    vector = {c: {"a": sva.get(c, 0), "b": svb.get(c, 0)} for c in clients
              if sva.get(c, 0) != svb.get(c, 0)}
    only_a: list[dict[str, Any]] = []
    only_b: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    for kind in KINDS:
        ra = {r["id"]: r for r in a.list(kind, include_deleted=True)}
        rb = {r["id"]: r for r in b.list(kind, include_deleted=True)}
        only_a += [{"kind": kind, "id": i, "name": _label(ra[i])} for i in sorted(ra.keys() - rb)]
        only_b += [{"kind": kind, "id": i, "name": _label(rb[i])} for i in sorted(rb.keys() - ra)]
        for rid in sorted(ra.keys() & rb.keys()):
            fa, fb = _flat(ra[rid]), _flat(rb[rid])
            fields += [{"kind": kind, "id": rid, "field": name, "a": fa.get(name),
                        "b": fb.get(name)}
                       for name in sorted(fa.keys() | fb.keys()) if fa.get(name) != fb.get(name)]
    ca = {_conflict_key(c): c for c in a.conflicts()}
    cb = {_conflict_key(c): c for c in b.conflicts()}
    conflicts_a = [ca[k] for k in sorted(ca.keys() - cb.keys())]
    conflicts_b = [cb[k] for k in sorted(cb.keys() - ca.keys())]
    return {
        "same": not (only_a or only_b or fields or conflicts_a or conflicts_b),
        "replica_a": a.replica_id, "replica_b": b.replica_id, "state_vector": vector,
        "only_in_a": only_a, "only_in_b": only_b, "fields": fields,
        "conflicts_only_in_a": conflicts_a, "conflicts_only_in_b": conflicts_b,
    }
