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

from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Any

from clients.act.client import ActClient
from clients.act.errors import ActBadRequest, ActNotFound
from clients.act.mapping import RESOURCES, changed_fields, from_act, params_for
from clients.bridge.push import Pusher
from clients.bridge.rules import (
    BATCH,
    ORDER,
    WRITER,
    Tally,
    edited_ms,
    instant,
    same_values,
)
from clients.bridge.server_time import from_server
from clients.bridge.state import BridgeState, Known
from engine.errors import HandsyncError
from engine.replica import Replica


class Mirror(Pusher):
    """One pass. ``clock`` is wall time in ms; ``progress`` gets lines for people."""

    def __init__(self, replica: Replica, act: ActClient, state: BridgeState, *,
                 clock: Callable[[], int], dry_run: bool = False, sweep: bool = True,
                 page_size: int = 1000, progress: Callable[[str], None] | None = None,
                 act_zone: tzinfo | None = None) -> None:
        self.replica, self.act, self.state = replica, act, state
        self.act_zone = act_zone  # clients/bridge/server_time.py
        self.clock, self.dry, self.sweep = clock, dry_run, sweep
        self.page_size = page_size
        self.say = progress or (lambda _: None)
        self.tally = Tally()
        self._custom: dict[str, dict[str, str] | None] = {}
        # Act! ids that may be what an uncertain create made: not pulled this pass.
        self._blocked: dict[str, set[str]] = {kind: set() for kind in ORDER}
        # Creates whose outcome could not be told this pass (reported once).
        self._unsure: set[tuple[str, str]] = set()
        # (kind, id, field) of custom fields Act! does not have: never sent.
        self._unsendable: set[tuple[str, str, str]] = set()
        # Dry run: records already counted (the push would otherwise count them again).
        self._counted: set[tuple[str, str]] = set()
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

    # pull -------------------------------------------------------------------------------------

    def pull(self, kind: str) -> None:
        """Take every Act! record of ``kind`` edited since the cursor into the replica."""
        cursor = self.state.get(f"cursor.{kind}")
        since = instant(cursor) if cursor else None  # a stamp without a zone is UTC
        page: list[dict[str, Any]] = []
        for body in self.act.iter_changed(RESOURCES[kind], since, self.page_size,
                                          params_for(kind)):
            page.append(body)
            if len(page) >= min(BATCH, self.page_size):  # progress kept per Act! page
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
        raw = from_server(kind, from_act(kind, body), self.act_zone)
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
        changed = changed_fields(before, values)  # both without unset values
        if not changed and live:
            return None
        what = "updated" if live else "created"
        if self.dry:
            self.tally.add("pull", f"{kind} {what}")
            return None
        if not live and self._exists(kind, rid) == "deleted":
            self.replica.restore(kind, rid)  # back in Act!'s view (made public again)
        elif live and self._deleted_since(kind, rid,
                                          self.replica.external_time(WRITER, edited)):
            # Deleted on a device after this Act! edit was made (Act!'s echo of the
            # bridge's own write, say): the newer delete stands, and goes to Act!.
            return Known(kind, rid, act_id, values, None, "live")
        written = self.replica.write_external(kind, rid, changed, edited_ms=edited,
                                              writer=WRITER, seen=before)
        if written or not live:
            self.tally.add("pull", f"{kind} {what}")
        return Known(kind, rid, act_id, values, known.digest if known else None, "live")

    def _deleted_since(self, kind: str, rid: str, edited: int) -> bool:
        """True if the record is deleted in the replica by an edit newer than ``edited``."""
        try:
            record = self.replica.get(kind, rid, include_deleted=True)
        except HandsyncError:
            return False
        stamp = record.get("updated_at")
        return bool(record["deleted"]) and isinstance(stamp, str) and \
            edited_ms({"edited": stamp}, 0) >= edited

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
        hidden = self.state.act_ids(kind, "hidden")
        if not mirrored and not hidden:
            return
        listed = {a.lower() for a in self.act.list_ids(RESOURCES[kind])}
        self.gone(kind, mirrored, listed)
        # A private record deleted in Act!: no longer private there, so a device that
        # restores it may send it back as new.
        vanished = [rid for rid, a in hidden.items() if a.lower() not in listed]
        if vanished and not self.dry:
            self.state.write(known=[Known(kind, rid, hidden[rid], {}, None, "gone")
                                    for rid in vanished])

    def gone(self, kind: str, mirrored: Mapping[str, str], listed: set[str]) -> None:
        """Mirrored records (handsync id → Act! id) whose Act! id is not ``listed`` (lower
        case) leave the devices: deleted in Act!, or no longer visible to the bridge."""
        gone = [rid for rid, act_id in mirrored.items() if act_id.lower() not in listed]
        if not gone:
            return
        known = self.state.known_many(kind, gone)
        digests = self.replica.record_digests(kind)
        with self.replica.batch():
            for rid in gone:
                try:
                    record = self.replica.get(kind, rid)
                except HandsyncError:
                    continue  # deleted on the devices too
                # Edited on a device since the bridge last settled it, in a way Act! does
                # not hold yet (a value Act! refused or a field it lacks does not count).
                edited = digests.get(rid) != known[rid].digest and \
                    not same_values(self._flat(kind, record), known[rid].fields)
                if edited:
                    # Edited on a device and not yet in Act!: what was typed is kept (as
                    # the engine keeps an edit made concurrently with a delete), and the
                    # record goes back to Act! as a new one.
                    self.tally.problems.append(
                        f"{kind} {rid} is gone from Act! but was edited on a device: kept, "
                        "and created again in Act!")
                    if self.dry:  # a real pass counts it when the push creates it
                        self.tally.add("push", f"{kind} created")
                        self._counted.add((kind, rid))
                    continue
                if not self.dry:
                    self.replica.delete(kind, rid)
                self.tally.add("pull", f"{kind} deleted")
        if self.dry:
            return
        self.state.write(known=[Known(kind, rid, known[rid].act_id, {}, None, "gone")
                                for rid in gone])
        self.say(f"{len(gone)} {RESOURCES[kind]} gone from Act!")

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
