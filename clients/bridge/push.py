"""The push half of a bridge pass: what devices changed goes to Act!.

Records whose replica digest changed since the bridge last looked are compared with
what Act! is known to hold. A record about to be written is read from Act! again first,
so an Act! edit made while the pass runs is taken, not overwritten. The differences go
as a PATCH of only those fields (field by field when Act! refuses one), a POST for a
record made on a device, or a DELETE. What was sent becomes what Act! is known to hold,
so it does not come back as a new edit (no echo).

A POST is not idempotent in Act!: the exact body is recorded before it is sent, and a
create whose outcome is unknown is looked up (:meth:`Pusher._landed`) before it is sent
again. :class:`Pusher` is the half of :class:`clients.bridge.mirror.Mirror` that does
this; the other half pulls, sweeps and syncs group members.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar

from clients.act.client import ActClient
from clients.act.errors import (
    ActAccessDenied,
    ActBadRequest,
    ActBadResponse,
    ActError,
    ActNotFound,
    ActUnavailable,
)
from clients.act.mapping import (
    READ_ONLY,
    RECORD_TYPES,
    RESOURCES,
    changed_fields,
    from_act,
    params_for,
    to_act,
)
from clients.act.wire import odata_string
from clients.bridge.rules import (
    BATCH,
    CLOCK_SLACK,
    CUSTOM_KINDS,
    LINKS,
    MISSING,
    NOT_MIRRORED,
    UNSURE,
    WRITER,
    Tally,
    all_sent,
    edited_ms,
    holds_text,
    note_snippet,
    odata_literal,
    same_values,
    stamp_text,
    typed_value,
    value_type,
)
from clients.bridge.server_time import from_server, to_server
from clients.bridge.state import Attempt, BridgeState, Known
from engine.errors import HandsyncError, ValidationError
from engine.replica import Replica
from engine.schema import CUSTOM_PREFIX, kind_spec, normalize_fields

_T = TypeVar("_T")
#: handsync fields holding Act!'s rich text, by kind.
_RICH = {"note": ("text",), "history": ("details",), "activity": ("details",)}


class Pusher:
    """Device changes to Act!, and the id and value translation both halves use."""

    replica: Replica
    act: ActClient
    state: BridgeState
    clock: Callable[[], int]
    dry: bool
    tally: Tally
    _custom: dict[str, dict[str, str] | None]
    _to_local: dict[str, dict[str, str]]
    _to_act: dict[str, dict[str, str]]
    act_zone: tzinfo | None
    _blocked: dict[str, set[str]]
    _unsure: set[tuple[str, str]]
    _unsendable: set[tuple[str, str, str]]
    _counted: set[tuple[str, str]]

    def _pull_one(self, kind: str, rid: str, act_id: str, body: Mapping[str, Any],
                  known: Known | None, now: int) -> Known | None:
        """Take one Act! record into the replica (the Mirror's)."""
        raise NotImplementedError

    def settle_pending(self) -> None:
        """Settle creates whose outcome is unknown (the bridge stopped, or Act! did not
        answer) before anything is pulled: a record that did land in Act! must be known as
        the device's record, not pulled as a new one."""
        for kind, rid in self.state.pendings():
            if self.dry:
                # Read-only: what an attempt made is not counted as a new Act! record.
                attempt = self.state.pending(kind, rid)
                assert attempt is not None
                landed = self._one(kind, rid, self._landed, kind, rid, attempt)
                if isinstance(landed, dict):
                    self._blocked[kind].add(str(landed["id"]))
                    self.tally.add("push", f"{kind} created")
                    self._counted.add((kind, rid))
                continue
            try:
                record = self.replica.get(kind, rid, include_deleted=True)
            except HandsyncError:
                self.state.write(pending={(kind, rid): None})
                continue
            attempt = self.state.pending(kind, rid)
            assert attempt is not None
            if not record["deleted"]:
                # Only looked up here; a POST that must be sent again goes with the push,
                # after the pull, so that a POST whose outcome is unknown again is looked
                # up before the next pull rather than taken by it.
                landed = self._one(kind, rid, self._landed, kind, rid, attempt)
                if isinstance(landed, dict):
                    self._one(kind, rid, self._made, kind, rid, landed, attempt,
                              self._flat(kind, record), found=True)
                continue
            # Deleted on a device meanwhile: if the create did land, delete it in Act! too.
            # Deleting what the attempt made needs a match on every value sent.
            landed = self._one(kind, rid, self._landed, kind, rid, attempt, strict=True)
            if landed is UNSURE or landed is False:
                continue  # kept pending: looked at again next pass
            if isinstance(landed, dict):
                with suppress(ActNotFound):
                    self.act.delete(RESOURCES[kind], str(landed["id"]))
                self.tally.add("push", f"{kind} deleted")
            self.state.write(known=[Known(kind, rid, None, {}, None, "local")],
                             pending={(kind, rid): None})

    def _one(self, kind: str, rid: str, step: Callable[..., _T], *args: Any,
             **kwargs: Any) -> _T | bool:
        """Run one record's step. Act! failing on this record alone (a 5xx or 403 answer,
        an answer that is not what the API promises, the record gone) is reported and the
        pass goes on with the others: False, the record is looked at again next pass. Act!
        not answering at all, refusing the login or limiting the rate ends the pass."""
        try:
            return step(*args, **kwargs)
        except ActUnavailable as exc:
            if exc.status is None:
                raise
            failure: ActError = exc
        except (ActAccessDenied, ActBadResponse, ActNotFound) as exc:
            failure = exc
        self.tally.problems.append(f"{kind} {rid}: Act! failed on this record ({failure}); "
                                   "tried again on the next pass")
        self.tally.sweep_due = self.tally.sweep_due or isinstance(failure, ActNotFound)
        return False

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

    # push --------------------------------------------------------------------------------------

    def push(self, kind: str) -> None:
        """Send what devices changed in records of ``kind`` to Act!."""
        now_digests = self.replica.record_digests(kind)
        seen = self.state.digests(kind)
        dirty = [rid for rid, d in now_digests.items() if seen.get(rid, MISSING) != d]
        for start in range(0, len(dirty), BATCH):
            chunk = dirty[start:start + BATCH]
            known = self.state.known_many(kind, chunk)
            settled: dict[tuple[str, str], str] = {}
            for rid in chunk:
                if self._one(kind, rid, self._push_one, kind, rid, known.get(rid),
                             now_digests[rid]):
                    settled[(kind, rid)] = now_digests[rid]
            if not self.dry:
                self.state.write(digests=settled)

    def _push_one(self, kind: str, rid: str, known: Known | None, digest: str) -> bool:
        """Push one record; True when it is settled at ``digest`` (not looked at again until
        it changes), False when the next pass must compare it again."""
        if (kind, rid) in self._counted:
            return True
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
        if not record["deleted"] and same_values(self._flat(kind, record), known.fields):
            return True  # nothing to send
        # Act! may have changed the record since this pass pulled (the pass takes a while):
        # take that first, so a write never overwrites an Act! edit it has not seen.
        known, record = self._refresh(kind, rid, known, record)
        if known.state != "live":
            return True  # made private in Act! meanwhile: withdrawn from the devices
        if record["deleted"]:
            return self._delete(kind, rid, known)
        current = self._flat(kind, record)
        changed = changed_fields(known.fields, current)  # both without unset values
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
        try:
            body = self.act.get(RESOURCES[kind], known.act_id, params_for(kind))
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
        compared again on the next pass (:func:`all_sent`). A custom value is sent in the
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
                    # Kept on the devices, not sent: it counts as settled (like a refused
                    # value), so it neither holds a record back nor keeps it from a delete.
                    del values[name]
                    sent.pop(name)
                    self._unsendable.add((kind, rid, name))
                    self.tally.problems.append(
                        f"{kind} {rid}: Act! has no custom field {short!r}; kept on the "
                        "devices, not sent")
                    continue
                values[name] = sent[name] = typed_value(values[name], types[short])
                if sent[name] != fields[name]:
                    adopt[name] = sent[name]
        for name in [k for k, v in sent.items() if known and known.get(k, MISSING) == v]:
            del values[name]
        return to_act(kind, to_server(kind, values, self.act_zone)), sent, adopt

    def _custom_types(self, kind: str) -> dict[str, str] | None:
        """Custom fields Act! has for ``kind`` and their value types, from its field
        metadata; None when Act! does not describe them (nothing is filtered then)."""
        if kind not in CUSTOM_KINDS:
            return None
        if kind not in self._custom:
            try:
                fields = self.act.fields_metadata(RECORD_TYPES[kind])
                self._custom[kind] = {str(f.get("name")): value_type(f)
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
            if landed is UNSURE:
                return False
            if isinstance(landed, dict):
                return self._made(kind, rid, landed, attempt, current, found=True)
        body, sent, adopt = self._act_body(kind, rid, current)
        attempt = Attempt(self.clock(), body, sent, adopt)
        self.state.write(pending={(kind, rid): attempt})
        try:
            made = self.act.create(RESOURCES[kind], body, params_for(kind))
        except ActBadRequest as exc:
            self.tally.problems.append(f"Act! refused new {kind} {rid}: {exc}")
            self.state.write(known=[Known(kind, rid, None, {}, digest, "refused", str(exc))],
                             pending={(kind, rid): None})
            return False
        # Any other failure leaves the attempt recorded (and ends the pass, or is reported
        # for this record alone: see _one): the next pass looks for the record before it
        # POSTs again.
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
        return not found and all_sent({k: v for k, v in current.items()
                                       if (kind, rid, k) not in self._unsendable},
                                      attempt.sent)

    def _landed(self, kind: str, rid: str, attempt: Attempt, *,
                strict: bool = False) -> dict[str, Any] | object | None:
        """What an attempt whose outcome is unknown made in Act!: the record, None if it
        made nothing, or UNSURE (reported) when that cannot be told safely.

        A candidate must match the lookup (created within the clock slack of the attempt,
        with the body's name, e-mail, subject or note text when it has one), hold the
        values of the exact body sent (every value, phones by digits, when ``strict`` or
        when nothing else identifies it), and not be a record the bridge already mirrors;
        exactly one must remain. Several are reported and held back from the pull."""
        if (kind, rid) in self._unsure:
            return UNSURE  # reported once a pass
        lookup, keyed = self._lookup(kind, attempt.body, attempt.started_ms)
        found = [r for r in self.act.find(RESOURCES[kind], lookup, top=50,
                                          params=params_for(kind))
                 if holds_text(r, attempt.body, strict=strict or not keyed)
                 and not self.state.act_id_known(kind, str(r["id"]))]
        if len(found) > 1:
            ids = [str(r["id"]) for r in found]
            self.tally.problems.append(
                f"{kind} {rid}: an earlier create may have reached Act!, and several Act! "
                f"records match it ({', '.join(ids)}); it is not sent again, and they are not "
                "taken from Act!, until only one is left")
            # One of them may be the device's record: none is pulled as a new one.
            self._blocked[kind].update(ids)
            self._unsure.add((kind, rid))
            return UNSURE
        return found[0] if found else None

    def _lookup(self, kind: str, body: Mapping[str, Any],
                started_ms: int) -> tuple[str, bool]:
        """An OData filter for what ``body`` made if it was POSTed at ``started_ms``, and
        whether it names the record (False: only the time window; compare every value)."""
        started = datetime.fromtimestamp(started_ms / 1000, UTC)
        keys = {"contact": ("firstName", "lastName", "emailAddress", "company"),
                "company": ("name",), "group": ("name",), "opportunity": ("name",),
                "history": ("regarding", "startTime"), "activity": ("subject", "startTime"),
                "note": ("displayDate",)}[kind]
        terms = [f"{key} eq {odata_literal(body[key])}" for key in keys
                 if isinstance(body.get(key), str) and body[key]]
        if kind == "note" and (snippet := note_snippet(str(body.get("noteText") or ""))):
            terms.append(f"contains(noteText, {odata_string(snippet)})")
        window = [f"created ge {stamp_text(started - CLOCK_SLACK)}",
                  f"created le {stamp_text(started + CLOCK_SLACK)}"]
        return " and ".join([*terms, *window]), bool(terms)

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
                answer = self.act.patch(RESOURCES[kind], known.act_id, body, params_for(kind))
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
        return all_sent({k: v for k, v in changed.items() if k not in refused
                         and (kind, rid, k) not in self._unsendable}, sent)

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
                answer = self.act.patch(RESOURCES[kind], act_id, body, params_for(kind)) or answer
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
            raw = from_server(kind, from_act(kind, answer), self.act_zone)
            self._links_to_local(kind, raw)
            values = self.accepted(kind, rid, raw)
            for name in _RICH.get(kind, ()):
                # Rich text comes back converted (a server may ignore format=text on a
                # write): Act! holds the text as sent.
                values.pop(name, None)
                if sent.get(name) is not None:
                    values[name] = sent[name]
        names = set(sent)
        if fields is None:
            names |= {k for k in values if k not in device}
        # Act!'s form of what the device had; values to adopt; fields Act! filled in that
        # the device never had. Not a field the device changed since it was sent.
        take = {k for k in names if k in adopt or (k not in sent and k not in device)
                or sent.get(k, MISSING) == device.get(k, MISSING)}
        current = self._flat(kind, self.replica.get(kind, rid, include_deleted=True))
        new = {k: values.get(k) for k in take
               if current.get(k) != values.get(k) and k not in NOT_MIRRORED}
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
