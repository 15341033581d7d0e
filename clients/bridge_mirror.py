"""One mirroring pass between Act! and the bridge's replica of the space.

A pass runs, for each record kind in link order (companies, groups, contacts,
opportunities, notes, histories, activities):

1. **Pull**: every Act! record edited since the kind's cursor. The fields that
   differ from what Act! was known to hold become field-level edits stamped with
   Act!'s ``edited`` time (``Replica.write_external``), so an untouched field never
   overwrites a device's edit, and the newest edit of a field wins everywhere.
   Private records never reach the replica; one that becomes private leaves it.
2. **Sweep** (every ``sweep_every`` passes): Act! has no delete feed, so the ids
   Act! lists are compared with the mirrored ones; a record missing from Act! was
   deleted or made private there and leaves the devices (never sent back as a
   delete). Group members are compared the same way, since membership changes do
   not touch ``edited``.
3. **Push**: records whose replica digest changed since the bridge last looked are
   compared with what Act! is known to hold; the differences go to Act! as a PATCH
   of only those fields, a POST for a new record (looked up first after an uncertain
   failure, so never twice) or a DELETE. What was sent becomes what Act! is known to
   hold, so it does not come back as a new edit (no echo).

With ``dry_run`` nothing is written anywhere and the tally says what would move.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from clients.act_client import ActBadRequest, ActClient, ActError, ActNotFound
from clients.act_mapping import READ_ONLY, RESOURCES, from_act, to_act
from clients.act_wire import odata_string
from clients.bridge_state import Attempt, BridgeState, Known
from engine.errors import HandsyncError, ValidationError
from engine.replica import Replica
from engine.schema import CUSTOM_PREFIX, kind_spec, normalize_fields

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


class Mirror:
    """One pass. ``clock`` is wall time in ms; ``progress`` gets lines for people."""

    def __init__(self, replica: Replica, act: ActClient, state: BridgeState, *,
                 clock: Callable[[], int], dry_run: bool = False, sweep: bool = True,
                 page_size: int = 1000, progress: Callable[[str], None] | None = None) -> None:
        self.replica, self.act, self.state = replica, act, state
        self.clock, self.dry, self.sweep = clock, dry_run, sweep
        self.page_size = page_size
        self.say = progress or (lambda _: None)
        self.tally = Tally()
        self._custom: dict[str, dict[str, str] | None] = {}
        # Act! ids that may be what an uncertain create made: not pulled this pass.
        self._blocked: dict[str, set[str]] = {kind: set() for kind in ORDER}
        # Device-made records created in Act! under Act!'s id: the only ids that differ.
        self._to_local = {kind: state.renamed(kind) for kind in ORDER}
        self._to_act = {kind: {v: k for k, v in m.items()} for kind, m in self._to_local.items()}

    def run(self) -> Tally:
        """Pull, sweep and push every kind; return the tally."""
        self.settle_pending()
        for kind in ORDER:
            self.pull(kind)
        if self.sweep:
            for kind in ORDER:
                self.sweep_deletes(kind)
        for kind in ORDER:
            self.push(kind)
        self.members()
        return self.tally

    def settle_pending(self) -> None:
        """Settle creates whose outcome is unknown (the bridge stopped, or Act! did not
        answer) before anything is pulled: a record that did land in Act! must be known as
        the device's record, not pulled as a new one."""
        if self.dry:
            return
        for kind, rid in self.state.pendings():
            try:
                record = self.replica.get(kind, rid, include_deleted=True)
            except HandsyncError:
                self.state.write(pending={(kind, rid): None})
                continue
            if not record["deleted"]:
                self._create(kind, rid, self._flat(kind, record), None)
                continue
            # Deleted on a device meanwhile: if the create did land, delete it in Act! too.
            attempt = self.state.pending(kind, rid)
            assert attempt is not None
            landed = self._landed(kind, rid, attempt)
            if landed is _UNSURE:
                continue
            if isinstance(landed, dict):
                with suppress(ActNotFound):
                    self.act.delete(RESOURCES[kind], str(landed["id"]))
                self.tally.add("push", f"{kind} deleted")
            self.state.write(known=[Known(kind, rid, None, {}, None, "local")],
                             pending={(kind, rid): None})

    # ids ------------------------------------------------------------------------------------

    def _local_id(self, kind: str, act_id: str) -> str:
        return self._to_local[kind].get(act_id, act_id)

    def _links_to_local(self, kind: str, fields: dict[str, Any]) -> None:
        for name, target in LINKS.items():
            if name in fields and fields[name] is not None:
                to = self._to_local[target or kind]
                value = fields[name]
                fields[name] = [to.get(v, v) for v in value] if isinstance(value, list) \
                    else to.get(value, value)

    def _links_to_act(self, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Turn link fields of ``fields`` into Act! ids, in place, and return the links as
        sent, in handsync ids. A link to a record Act! does not have (yet) is left out of
        both, so it differs from the replica and goes with a later pass, once that record
        exists in Act!."""
        sent: dict[str, Any] = {}
        for name, target in LINKS.items():
            if name not in fields:
                continue
            if fields[name] is None:
                sent[name] = None  # cleared on a device: cleared in Act!
                continue
            target_kind = target or kind
            value = fields[name]
            if isinstance(value, list):
                pairs = [(v, a) for v in value if (a := self._act_id_of(target_kind, v))]
                fields[name] = [a for _, a in pairs]
                sent[name] = [v for v, _ in pairs]
            elif (act_id := self._act_id_of(target_kind, value)) is not None:
                fields[name], sent[name] = act_id, value
            else:
                del fields[name]
        return sent

    def _act_id_of(self, kind: str, record_id: str) -> str | None:
        if record_id in self._to_act[kind]:
            return self._to_act[kind][record_id]
        known = self.state.known(kind, record_id)
        # A link to a private record stays (Act! shows it to the bridge's user).
        return known.act_id if known and known.state in ("live", "hidden") else None

    # normalising ------------------------------------------------------------------------------

    def accepted(self, kind: str, record_id: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """``raw`` (handsync names, as Act! holds it) checked and normalised, unset values
        left out. A value the space cannot hold is left out and reported, not fatal."""
        raw = {k: v for k, v in raw.items() if k not in NOT_MIRRORED}
        try:
            values = normalize_fields(kind, raw, record_id=record_id)
        except ValidationError:
            values = {}
            for name, value in raw.items():
                try:
                    values.update(normalize_fields(kind, {name: value}, record_id=record_id))
                except ValidationError as exc:
                    self.tally.problems.append(f"Act! {kind} {record_id}: {exc}; left out")
        return {k: v for k, v in values.items() if v is not None}

    # pull -------------------------------------------------------------------------------------

    def pull(self, kind: str) -> None:
        """Take every Act! record of ``kind`` edited since the cursor into the replica."""
        cursor = self.state.get(f"cursor.{kind}")
        since = _instant(cursor) if cursor else None  # a stamp without a zone is UTC
        params = {"format": "text"} if kind == "note" else None
        page: list[dict[str, Any]] = []
        for body in self.act.iter_changed(RESOURCES[kind], since, self.page_size, params):
            page.append(body)
            if len(page) >= BATCH:
                self._pull_page(kind, page)
                page = []
        if page:
            self._pull_page(kind, page)

    def _pull_page(self, kind: str, page: list[dict[str, Any]]) -> None:
        now = self.clock()
        known = self.state.known_many(kind, [self._local_id(kind, str(b["id"])) for b in page])
        remember: list[Known] = []
        with self.replica.batch():
            for body in page:
                act_id = str(body["id"])
                if act_id in self._blocked[kind]:
                    continue
                rid = self._local_id(kind, act_id)
                record = self._pull_one(kind, rid, act_id, body, known.get(rid), now)
                if record is not None:
                    remember.append(record)
        if not self.dry:
            last = page[-1].get("edited")
            self.state.write(known=remember,
                             meta={f"cursor.{kind}": str(last)} if last else {})
        self.say(f"pulled {len(page)} {RESOURCES[kind]} from Act!")

    def _pull_one(self, kind: str, rid: str, act_id: str, body: Mapping[str, Any],
                  known: Known | None, now: int) -> Known | None:
        raw = from_act(kind, body)
        self._links_to_local(kind, raw)
        return self.take(kind, rid, act_id, raw, known, edited_ms(body, now),
                         private=bool(body.get("isPrivate")))

    def take(self, kind: str, rid: str, act_id: str, raw: Mapping[str, Any],
             known: Known | None, edited: int, *, private: bool = False) -> Known | None:
        """Take one record as Act! holds it (``raw``: handsync names and ids) into the
        replica, as edits of the fields that changed in Act! since ``known``, stamped
        ``edited``. Returns the new memory of the record, or None if it is unchanged."""
        live = known is not None and known.state == "live"
        if private:
            # Private in Act!: never on devices. One that was mirrored leaves them.
            if known is not None and not live:
                return None
            if self.dry:
                self.tally.add("pull", f"{kind} withdrawn" if live else f"{kind} private")
                return None
            if live:
                self._withdraw(kind, rid)
            return Known(kind, rid, act_id, {}, None, "hidden")
        values = self.accepted(kind, rid, raw)
        before = known.fields if live and known else {}
        changed = {k: v for k, v in values.items() if before.get(k, _NONE) != v}
        changed.update((k, None) for k in before if k not in values)
        if not changed and live:
            return None
        what = "updated" if live else "created"
        if self.dry:
            self.tally.add("pull", f"{kind} {what}")
            return None
        if not live and self._exists(kind, rid) == "deleted":
            self.replica.restore(kind, rid)  # back in Act!'s view (made public again)
        written = self.replica.write_external(kind, rid, changed, edited_ms=edited,
                                              writer=WRITER, seen=before)
        if written or not live:
            self.tally.add("pull", f"{kind} {what}")
        return Known(kind, rid, act_id, values, known.digest if known else None, "live")

    def _exists(self, kind: str, rid: str) -> str | None:
        try:
            record = self.replica.get(kind, rid, include_deleted=True)
        except HandsyncError:
            return None
        return "deleted" if record["deleted"] else "live"

    def _withdraw(self, kind: str, rid: str) -> None:
        if self._exists(kind, rid) == "live":
            self.replica.delete(kind, rid)
        self.tally.add("pull", f"{kind} withdrawn")

    # sweep -------------------------------------------------------------------------------------

    def sweep_deletes(self, kind: str) -> None:
        """Records mirrored from Act! that Act! no longer lists leave the devices."""
        mirrored = self.state.act_ids(kind)
        if mirrored:
            self.gone(kind, mirrored, {a.lower() for a in self.act.list_ids(RESOURCES[kind])})

    def gone(self, kind: str, mirrored: Mapping[str, str], listed: set[str]) -> None:
        """Mirrored records (handsync id → Act! id) whose Act! id is not ``listed`` (lower
        case) leave the devices: deleted in Act!, or no longer visible to the bridge."""
        gone = [rid for rid, act_id in mirrored.items() if act_id.lower() not in listed]
        if not gone:
            return
        if self.dry:
            self.tally.add("pull", f"{kind} deleted", len(gone))
            return
        known = self.state.known_many(kind, gone)
        with self.replica.batch():
            for rid in gone:
                try:
                    record = self.replica.get(kind, rid)
                except HandsyncError:
                    continue  # deleted on the devices too
                if not _all_sent(self._flat(kind, record), known[rid].fields) or \
                        not _all_sent(known[rid].fields, self._flat(kind, record)):
                    # Edited on a device and not yet in Act!: what was typed is kept (as
                    # the engine keeps an edit made concurrently with a delete), and the
                    # record goes back to Act! as a new one.
                    self.tally.problems.append(
                        f"{kind} {rid} is gone from Act! but was edited on a device: kept, "
                        "and created again in Act!")
                    continue
                self.replica.delete(kind, rid)
                self.tally.add("pull", f"{kind} deleted")
        self.state.write(known=[Known(kind, rid, known[rid].act_id, {}, None, "gone")
                                for rid in gone])
        self.say(f"{len(gone)} {RESOURCES[kind]} gone from Act!")

    # push --------------------------------------------------------------------------------------

    def push(self, kind: str) -> None:
        """Send what devices changed in records of ``kind`` to Act!."""
        now_digests = self.replica.record_digests(kind)
        seen = self.state.digests(kind)
        dirty = [rid for rid, d in now_digests.items() if seen.get(rid, _NONE) != d]
        for start in range(0, len(dirty), BATCH):
            chunk = dirty[start:start + BATCH]
            known = self.state.known_many(kind, chunk)
            settled: dict[tuple[str, str], str] = {}
            for rid in chunk:
                if self._push_one(kind, rid, known.get(rid), now_digests[rid]):
                    settled[(kind, rid)] = now_digests[rid]
            if not self.dry:
                self.state.write(digests=settled)

    def _push_one(self, kind: str, rid: str, known: Known | None, digest: str) -> bool:
        """Push one record; True when it is settled at ``digest`` (not looked at again until
        it changes), False when the next pass must compare it again."""
        try:
            record = self.replica.get(kind, rid, include_deleted=True)
        except HandsyncError:
            return False
        if known is not None and known.state in ("gone", "hidden", "local"):
            if record["deleted"]:
                return True
            if known.state == "hidden":
                # Private in Act!: it stays off the devices, and no public copy is made.
                if not self.dry:
                    self.replica.delete(kind, rid)
                self.tally.problems.append(f"{kind} {rid} was restored on a device, but it "
                                           "is private in Act!: taken off the devices again")
                return False
            known = None  # restored on a device after it left Act!: it goes back as new
        if record["deleted"] and (known is None or known.act_id is None):
            if not self.dry:
                self.state.write(known=[Known(kind, rid, None, {}, digest, "local")])
            return True
        if known is None or known.act_id is None:
            return self._create(kind, rid, self._flat(kind, record), digest)
        if not record["deleted"] and _all_sent(self._flat(kind, record), known.fields) \
                and _all_sent(known.fields, self._flat(kind, record)):
            return True  # nothing to send
        # Act! may have changed the record since this pass pulled (the pass takes a while):
        # take that first, so a write never overwrites an Act! edit it has not seen.
        known, record = self._refresh(kind, rid, known, record)
        if known.state != "live":
            return True  # made private in Act! meanwhile: withdrawn from the devices
        if record["deleted"]:
            return self._delete(kind, rid, known)
        current = self._flat(kind, record)
        changed = {k: v for k, v in current.items() if known.fields.get(k, _NONE) != v}
        changed.update((k, None) for k in known.fields if k not in current)
        if not changed:
            return True
        return self._patch(kind, rid, known, changed)

    def _refresh(self, kind: str, rid: str, known: Known,
                 record: dict[str, Any]) -> tuple[Known, dict[str, Any]]:
        """Read the record from Act! again and take any change made there since it was
        last read; return the new memory of it and the replica's record."""
        if self.dry:
            return known, record
        assert known.act_id is not None
        params = {"format": "text"} if kind == "note" else None
        try:
            body = self.act.get(RESOURCES[kind], known.act_id, params)
        except ActNotFound:
            return known, record  # gone or private meanwhile: the write says so, the sweep acts
        fresh = self._pull_one(kind, rid, known.act_id, body, known, self.clock())
        if fresh is None:
            return known, record
        self.state.write(known=[fresh])
        return fresh, self.replica.get(kind, rid, include_deleted=True)

    def _flat(self, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
        spec = kind_spec(kind)
        out = {k: v for k, v in record.items()
               if k in spec.fields and k not in NOT_MIRRORED and v is not None}
        custom = record.get("custom")
        if isinstance(custom, Mapping):
            out.update((CUSTOM_PREFIX + k, v) for k, v in custom.items() if v is not None)
        return out

    def _act_body(self, kind: str, rid: str, fields: Mapping[str, Any],
                  known: Mapping[str, Any] | None = None,
                  ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """What to send to set ``fields`` in Act!: the body, the fields as Act! then holds
        them (handsync names and ids), and the values the devices should adopt.

        Links to records Act! lacks are left out of a link list, and custom fields Act!
        does not have are not sent: the record differs from what Act! holds and is
        compared again on the next pass (:func:`_all_sent`). A custom value is sent in the
        type Act!'s metadata gives its field, and that typed value is to be adopted. A
        field Act! already holds as it would be sent (``known``) stays out of the body.
        """
        values = {k: v for k, v in fields.items() if k not in READ_ONLY}
        sent = {k: v for k, v in values.items() if k not in LINKS}
        sent.update(self._links_to_act(kind, values))
        adopt: dict[str, Any] = {}
        types = self._custom_types(kind)
        if types is not None:
            for name in [k for k in values if k.startswith(CUSTOM_PREFIX)]:
                short = name[len(CUSTOM_PREFIX):]
                if short not in types:
                    del values[name], sent[name]
                    self.tally.problems.append(
                        f"{kind} {rid}: Act! has no custom field {short!r}; kept on the "
                        "devices, not sent")
                    continue
                values[name] = sent[name] = _typed(values[name], types[short])
                if sent[name] != fields[name]:
                    adopt[name] = sent[name]
        for name in [k for k, v in sent.items() if known and known.get(k, _NONE) == v]:
            del values[name]
        return to_act(kind, values), sent, adopt

    def _custom_types(self, kind: str) -> dict[str, str] | None:
        """Custom fields Act! has for ``kind`` and their value types, from its field
        metadata; None when Act! does not describe them (nothing is filtered then)."""
        if kind not in CUSTOM_KINDS:
            return None
        if kind not in self._custom:
            try:
                fields = self.act.fields_metadata(RESOURCES[kind])
                self._custom[kind] = {str(f.get("name")): str(f.get("valueType") or "")
                                      for f in fields if f.get("isCustom")}
            except (ActNotFound, ActBadRequest):
                self._custom[kind] = None
        return self._custom[kind]

    def _create(self, kind: str, rid: str, current: dict[str, Any],
                digest: str | None) -> bool:
        """Create a device's record in Act!, never twice.

        The exact body is recorded before the POST; if the outcome of an attempt is not
        known (no answer, a 5xx, the bridge stopped), the next pass looks for what that
        body made before it POSTs again (:meth:`_landed`)."""
        if self.dry:
            self.tally.add("push", f"{kind} created")
            return True
        attempt = self.state.pending(kind, rid)
        if attempt is not None:
            landed = self._landed(kind, rid, attempt)
            if landed is _UNSURE:
                return False
            if isinstance(landed, dict):
                return self._made(kind, rid, landed, attempt, current, found=True)
        body, sent, adopt = self._act_body(kind, rid, current)
        attempt = Attempt(self.clock(), body, sent, adopt)
        self.state.write(pending={(kind, rid): attempt})
        try:
            made = self.act.create(RESOURCES[kind], body)
        except ActBadRequest as exc:
            self.tally.problems.append(f"Act! refused new {kind} {rid}: {exc}")
            self.state.write(known=[Known(kind, rid, None, {}, digest, "refused", str(exc))],
                             pending={(kind, rid): None})
            return False
        # Any other failure ends the pass with the attempt recorded: the next pass looks
        # for the record before it POSTs again.
        return self._made(kind, rid, made, attempt, current, found=False)

    def _made(self, kind: str, rid: str, made: Mapping[str, Any], attempt: Attempt,
              current: dict[str, Any], *, found: bool) -> bool:
        """Act! holds the record: remember its id, take what Act! filled in."""
        act_id = str(made["id"])
        self._to_local[kind][act_id] = rid
        self._to_act[kind][rid] = act_id
        fields = self._absorb(kind, rid, made, attempt.sent, attempt.adopt, current, None)
        self.state.write(known=[Known(kind, rid, act_id, fields, None, "live")],
                         pending={(kind, rid): None})
        self.tally.add("push", f"{kind} created")
        # A record found after an uncertain attempt may have been edited on a device since:
        # compare it again, so those edits go as a PATCH.
        return not found and _all_sent(current, attempt.sent)

    def _landed(self, kind: str, rid: str, attempt: Attempt) -> dict[str, Any] | object | None:
        """What an attempt whose outcome is unknown made in Act!: the record, None if it
        made nothing, or _UNSURE (reported) when that cannot be told safely.

        A candidate must match the lookup (created within the clock slack of the attempt),
        hold every value of the exact body sent, and not be a record the bridge already
        mirrors; exactly one must remain."""
        lookup = self._lookup(kind, attempt.body, attempt.started_ms)
        if lookup is None:
            self.tally.problems.append(
                f"{kind} {rid}: an earlier create may have reached Act! and the record has "
                "nothing to look it up by (no name, e-mail, subject or text), so it is not "
                "sent again; check Act! for it")
            return _UNSURE
        found = [r for r in self.act.find(RESOURCES[kind], lookup, top=20)
                 if _holds(r, attempt.body) and not self.state.act_id_known(kind, str(r["id"]))]
        if len(found) > 1:
            ids = [str(r["id"]) for r in found]
            self.tally.problems.append(
                f"{kind} {rid}: an earlier create may have reached Act!, and several Act! "
                f"records match it ({', '.join(ids)}); it is not sent again, and they are not "
                "taken from Act!, until only one is left")
            # One of them may be the device's record: none is pulled as a new one.
            self._blocked[kind].update(ids)
            return _UNSURE
        return found[0] if found else None

    def _lookup(self, kind: str, body: Mapping[str, Any], started_ms: int) -> str | None:
        """An OData filter for what ``body`` made if it was POSTed at ``started_ms``."""
        started = datetime.fromtimestamp(started_ms / 1000, UTC)
        keys = {"contact": ("firstName", "lastName", "emailAddress", "company"),
                "company": ("name",), "group": ("name",), "opportunity": ("name",),
                "history": ("regarding", "startTime"), "activity": ("subject", "startTime"),
                "note": ("displayDate",)}[kind]
        terms = [f"{key} eq {_literal(body[key])}" for key in keys
                 if isinstance(body.get(key), str) and body[key]]
        if kind == "note":
            text = "".join(c for c in str(body.get("noteText") or "")[:40]
                           if c.isalnum() or c == " ").strip()
            if text:
                terms.append(f"contains(noteText, {odata_string(text)})")
        if not terms:
            return None
        return " and ".join([*terms, f"created ge {_stamp(started - CLOCK_SLACK)}",
                             f"created le {_stamp(started + CLOCK_SLACK)}"])

    def _patch(self, kind: str, rid: str, known: Known, changed: dict[str, Any]) -> bool:
        if self.dry:
            self.tally.add("push", f"{kind} updated")
            return True
        assert known.act_id is not None
        body, sent, adopt = self._act_body(kind, rid, changed, known.fields)
        answer = None
        refused: list[str] = []
        if body:
            try:
                answer = self.act.patch(RESOURCES[kind], known.act_id, body)
            except ActNotFound:
                # Deleted or made private in Act! meanwhile: the sweep takes it off devices.
                self.tally.problems.append(f"{kind} {rid}: no longer in Act!; not sent")
                return False
            except ActBadRequest as exc:
                # One bad value must not hold back the others: send them one by one.
                answer, refused = self._patch_each(kind, rid, known.act_id, changed, exc)
                for name in refused:
                    sent.pop(name, None)
                    adopt.pop(name, None)
        fields = dict(known.fields)
        fields.update(sent)
        fields = self._absorb(kind, rid, answer, sent, adopt, changed, fields)
        note = "; ".join(refused) if refused else None
        self.state.write(known=[Known(kind, rid, known.act_id, fields, None, "live", note)])
        if body and len(refused) < len(changed):
            self.tally.add("push", f"{kind} updated")
        # A refused value is tried again when the record changes again, not every pass.
        return bool(refused) or _all_sent(changed, sent)

    def _patch_each(self, kind: str, rid: str, act_id: str, changed: Mapping[str, Any],
                    first: ActBadRequest) -> tuple[dict[str, Any] | None, list[str]]:
        """PATCH ``changed`` field by field after Act! refused them together; return
        Act!'s last answer and the refused fields (each reported)."""
        if len(changed) == 1:
            name = next(iter(changed))
            self.tally.problems.append(f"Act! refused {kind} {rid} {name}: {first}")
            return None, [name]
        answer: dict[str, Any] | None = None
        refused: list[str] = []
        for name, value in changed.items():
            body, _, _ = self._act_body(kind, rid, {name: value})
            if not body:
                continue
            try:
                answer = self.act.patch(RESOURCES[kind], act_id, body) or answer
            except ActBadRequest as exc:
                self.tally.problems.append(f"Act! refused {kind} {rid} {name}: {exc}")
                refused.append(name)
        return answer, refused

    def _absorb(self, kind: str, rid: str, answer: Mapping[str, Any] | None,
                sent: Mapping[str, Any], adopt: Mapping[str, Any], device: Mapping[str, Any],
                fields: dict[str, Any] | None) -> dict[str, Any]:
        """Bring what Act! holds after a write into the replica; return what Act! holds.

        ``answer`` is Act!'s answer (None if it sent none: ``sent`` stands for it),
        ``device`` the device's values that were sent, ``fields`` what Act! held before
        (None after a create). Into the replica go: Act!'s form of a value sent as the
        device had it (Act! may store it differently), the values to ``adopt`` (custom
        values sent typed), and after a create the fields Act! filled in itself (a full
        name joined from its parts). The device's values count as what Act! held, so they
        are replaced, not listed as conflicts. Fields Act! changed beyond what was sent
        (a full name after a PATCH of the first name) come with the next pull, as Act!'s
        edits; a link list Act! got shortened is left for the next pass.
        """
        if answer is None:
            values = dict(sent)
        else:
            raw = from_act(kind, answer)
            self._links_to_local(kind, raw)
            values = self.accepted(kind, rid, raw)
            if kind == "note":
                # A write's answer has the note as RTF (only reads take format=text): Act!
                # holds the text as sent.
                values.pop("text", None)
                if sent.get("text") is not None:
                    values["text"] = sent["text"]
        names = set(sent)
        if fields is None:
            names |= {k for k in values if k not in device}
        # Act!'s form of what the device had; values to adopt; fields Act! filled in that
        # the device never had. Not a field the device changed since it was sent.
        take = {k for k in names if k in adopt or (k not in sent and k not in device)
                or sent.get(k, _NONE) == device.get(k, _NONE)}
        current = self._flat(kind, self.replica.get(kind, rid, include_deleted=True))
        new = {k: values.get(k) for k in take
               if current.get(k) != values.get(k) and k not in READ_ONLY}
        now = self.clock()
        act_time = edited_ms(answer, now) if answer is not None else now
        filled = {k: v for k, v in new.items() if k not in device}
        if filled:  # Act!'s own values, at Act!'s time
            self.replica.write_external(kind, rid, filled, edited_ms=act_time, writer=WRITER)
        if replacing := {k: v for k, v in new.items() if k in device}:
            # Act!'s form of the device's values, stamped no earlier than now: it must
            # replace them even when Act!'s clock is behind the devices'.
            self.replica.write_external(kind, rid, replacing, edited_ms=max(act_time, now),
                                        writer=WRITER, seen=dict(device))
        held = dict(fields or {})
        held.update((k, values.get(k)) for k in names)
        return {k: v for k, v in held.items() if v is not None}

    def _delete(self, kind: str, rid: str, known: Known) -> bool:
        if self.dry:
            self.tally.add("push", f"{kind} deleted")
            return True
        assert known.act_id is not None
        with suppress(ActNotFound):  # already gone, or private to someone else: nothing to do
            self.act.delete(RESOURCES[kind], known.act_id)
        self.tally.add("push", f"{kind} deleted")
        self.state.write(known=[Known(kind, rid, known.act_id, {}, None, "gone")])
        return True

    # group membership -----------------------------------------------------------------------------

    def members(self) -> None:
        """Sync group membership both ways. Act! changes no ``edited`` stamp when members
        change, so its member lists are read on sweep passes only; a device's changes go
        out on every pass, against the members Act! was last known to have."""
        groups = self.state.act_ids("group")
        contacts = self.state.act_ids("contact")
        to_local = {a.lower(): rid for rid, a in contacts.items()}
        for gid, act_gid in groups.items():
            known = self.state.members(gid)
            in_act = known
            if self.sweep:
                try:
                    in_act = {to_local[a.lower()] for a in self.act.group_members(act_gid)
                              if a.lower() in to_local}
                except ActNotFound:
                    continue  # deleted or private meanwhile: the next sweep settles it
                self._members_in(gid, in_act, known)
            try:
                group = self.replica.get("group", gid)
            except HandsyncError:
                continue
            wanted = {c for c in group.get("members", []) if c in contacts}
            if self.dry:  # what the pull above would have written
                wanted = (wanted | (in_act - known)) - (known - in_act)
            add, drop = sorted(wanted - in_act), sorted((in_act - wanted) & set(contacts))
            if self.dry:
                self.tally.add("push", "group members added", len(add))
                self.tally.add("push", "group members removed", len(drop))
                continue
            try:
                if add:
                    self.act.add_to_group(act_gid, [contacts[c] for c in add])
                    self.tally.add("push", "group members added", len(add))
                if drop:
                    self.act.remove_from_group(act_gid, [contacts[c] for c in drop])
                    self.tally.add("push", "group members removed", len(drop))
            except (ActNotFound, ActBadRequest) as exc:
                # The group, or a member, was deleted or hidden in Act! meanwhile: the
                # next pass sweeps, which settles it. The other groups go on.
                self.tally.problems.append(f"group {gid}: membership not changed in Act! "
                                           f"({exc}); checked again on the next pass")
                self.tally.sweep_due = True
                continue
            now = (in_act | set(add)) - set(drop)
            if now != known:
                self.state.write(members={gid: now})

    def _members_in(self, gid: str, in_act: set[str], before: set[str]) -> None:
        added, removed = in_act - before, before - in_act
        if self.dry:
            self.tally.add("pull", "group members added", len(added))
            self.tally.add("pull", "group members removed", len(removed))
            return
        with self.replica.batch():
            for cid, member in [*((c, True) for c in sorted(added)),
                                *((c, False) for c in sorted(removed))]:
                try:
                    if member:
                        self.replica.add_to_group(gid, cid)
                    else:
                        self.replica.remove_from_group(gid, cid)
                except HandsyncError:
                    continue  # deleted meanwhile on a device
                self.tally.add("pull", f"group members {'added' if member else 'removed'}")


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_NONE: Any = _Missing()


def failure_text(exc: BaseException) -> str:
    """One line for the status: the error's own message."""
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, ActError | HandsyncError) \
        else str(exc)


def _all_sent(fields: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
    """True if every field went to Act! as the device holds it; False if one was left out
    or changed (a link to a record Act! lacks, a custom value sent typed): the record is
    then compared again on the next pass instead of being settled at its digest."""
    return all(sent.get(k, _NONE) == v for k, v in fields.items() if k not in READ_ONLY)


def _typed(value: Any, value_type: str) -> Any:
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


_UNSURE = object()
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _literal(value: str) -> str:
    """An OData literal for a body value: date-times bare (OData v4 refuses a quoted string
    compared with a DateTimeOffset property), everything else a quoted string."""
    return value if _DATETIME.match(value) else odata_string(value)


def _holds(record: Mapping[str, Any], body: Mapping[str, Any]) -> bool:
    """True if an Act! record holds the text values of ``body``: compared trimmed and
    case-insensitively (as Act! compares), date-times as instants. Values Act! may store
    in another form (phones, numbers, nested addresses) and links are not compared: a
    false "no" would make a duplicate."""
    for key, value in body.items():
        if not isinstance(value, str) or key == "noteText" or key.endswith(_REFORMATTED):
            continue
        if not _same(_field(record, key), value):
            return False
    custom = body.get("customFields")
    have = _field(record, "customFields")
    if isinstance(custom, Mapping) and custom:
        if not isinstance(have, Mapping):
            return False
        return all(_same(_field(have, k), v) for k, v in custom.items() if isinstance(v, str))
    return True


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
        return _instant(have) == _instant(want)
    return have.strip().casefold() == want.strip().casefold()


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
