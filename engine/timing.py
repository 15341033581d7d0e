"""The relay's time: a replica's offset to it, and re-stamping edits made on a wrong clock.

Every connection hears the relay's time (a ``Time`` message, docs/protocol.md). A
replica keeps its *offset* to the relay (relay time minus its own wall clock) beside
its document, and stamps each edit with its wall clock corrected by that offset;
offline it uses the last offset it learned. docs/conflicts.md ("Clocks") says what
this trusts and what a wrong clock can and cannot do.

When a replica meets the relay for the first time, or its offset moved by more than
``OFFSET_TOLERANCE_MS`` since it last met it, its edits that no relay has
acknowledged yet carry stamps taken from the wrong clock. They are *re-stamped*
before they leave: every live entry (engine/registers.py) that an unacknowledged
outbox update wrote, under this replica's id, is written again with the same value
under a new key whose stamp is moved by the change of offset, and the old key is
removed, all in one local transaction committed with the new offset (so a crash
leaves either the old stamps and the old offset or the new ones, never a second
shift). One shift for all of them keeps the order of the replica's own edits; a
delete entry's list of the keys it saw is rewritten to the new keys, so a delete
still covers what it covered.

The old entries stay in the outbox updates; the re-stamping update deletes them.
Until the whole outbox is acknowledged, the replica asks its sync session to send
the outbox as one merged update (:attr:`Replica.restamped`), in which the old
entries are covered by the delete set: the relay, which refuses live entries from
the future, sees only the new stamps.

Finding the entries to re-stamp reads every entry of the document once (about 0.2 s
for 10k contacts): it happens only when the offset changes, not per edit or per sync.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pycrdt import Map

from engine.clock import COUNTER_BITS, MAX_SKEW_MS, HybridClock, decode_stamp, stamp_wall_ms
from engine.registers import DELETED, Entry, encode_value, entry_key
from engine.store import Batch, Store
from engine.updates import live_entries

#: An offset that moved by no more than this is not changed (network delay alone
#: moves a measured offset by a few milliseconds).
OFFSET_TOLERANCE_MS = 1000
OFFSET_META = "clock_offset"
RESTAMP_META = "restamp"
WRITER_OFFSET_META = "clock_offset."


class ReferenceTime:
    """The time-keeping half of :class:`engine.replica.Replica` (see the module docstring)."""

    replica_id: str
    clock: HybridClock
    store: Store
    _wall: Callable[[], int]
    _offset: int | None
    _meta: dict[str, str]
    _meta_due: dict[str, str]

    if TYPE_CHECKING:  # provided by Replica and RecordEdits
        @property
        def _roots(self) -> dict[str, Map[Any]]: ...

        def _local(self, kind: str, record_id: str, change: Callable[[int], None], *,
                   stamp: int | None = None) -> None: ...

        def _container(self, kind: str, record_id: str) -> Map[Any]: ...

        def _grouped(self, kind: str, record_id: str,
                     record: Map[Any]) -> dict[str, list[Entry]]: ...

    def entries_ahead(self, kind: str, record_id: str) -> list[tuple[Entry, int]]:
        """The record's live entries stamped more than the allowed skew past :meth:`now`,
        each with how far ahead it is (ms): written on a clock that was wrong.

        They resolve like any other entry (every replica must decide alike), but no
        clock follows them that far (engine/clock.py); show them with a note.
        """
        limit = self.now() + MAX_SKEW_MS
        grouped = self._grouped(kind, record_id, self._container(kind, record_id))
        return [(e, stamp_wall_ms(e.stamp) - self.now()) for es in grouped.values() for e in es
                if stamp_wall_ms(e.stamp) > limit]

    def now(self) -> int:
        """The replica's time: its wall clock corrected by its offset to the relay (ms)."""
        return self._wall() + (self._offset or 0)

    @property
    def time_offset(self) -> int | None:
        """The offset to the relay's time last learned (ms), or None if never met."""
        return self._offset

    @property
    def restamped(self) -> bool:
        """True while re-stamped edits wait for the relay: send the outbox as one update."""
        return self._meta.get(RESTAMP_META) == "1"

    def writer_offset(self, writer: str) -> int:
        """How far (ms) the clock of outside writer ``writer`` (``act``) runs ahead of the
        relay's time, as last measured (0 if never)."""
        return self._int_meta(WRITER_OFFSET_META + writer) or 0

    def set_writer_offset(self, writer: str, offset_ms: int) -> None:
        """Keep a new measure of ``writer``'s clock against the relay's time (ms ahead).

        :meth:`write_external` corrects that writer's ``edited_ms`` by it. A change of no
        more than ``OFFSET_TOLERANCE_MS`` is not stored (measures jitter).
        """
        if abs(offset_ms - self.writer_offset(writer)) > OFFSET_TOLERANCE_MS:
            self._commit_meta({WRITER_OFFSET_META + writer: str(int(offset_ms))})

    def external_time(self, writer: str, edited_ms: int) -> int:
        """``edited_ms`` of outside writer ``writer`` on the relay's time (ms), never later
        than now (an edit read now was made by now, whatever the writer's clock said).
        :meth:`write_external` stamps with it; compare an outside time with stamps by it."""
        return min(edited_ms - self.writer_offset(writer), self.now())

    def meet_time(self, reference_ms: int) -> bool:
        """Take the relay's time ``reference_ms`` (just received); True if edits were re-stamped.

        The first time, or when the offset moved by more than ``OFFSET_TOLERANCE_MS``,
        the new offset is kept and the edits no relay acknowledged yet are re-stamped
        (module docstring), durably, before this returns.
        """
        offset = offset_change(self._offset, reference_ms, self._wall())
        if offset is None:
            return False
        delta = offset - (self._offset or 0)
        wanted = own_outbox_keys(self.replica_id, (e.update for e in self.store.outbox()))
        due = {OFFSET_META: str(offset)}
        if abs(delta) <= OFFSET_TOLERANCE_MS or not wanted:
            self._commit_meta(due)
            self._offset = offset
            return False
        self._offset = offset
        self.clock.bound(self.now())

        def change(_: int) -> None:
            # The clock may have run ahead on the wrong stamps: it restarts from the newest
            # stamp the document now holds (later ones capped by the bounded-drift rule),
            # and is stored in the same commit.
            self.clock.last = restamp(self._roots.values(), self.clock.ceiling, wanted, delta)

        self._meta_due = {**due, RESTAMP_META: "1"}
        try:
            # One local transaction over any records (kind and id only name it); stamp=0:
            # no fresh stamp is taken, the entries keep their own, moved.
            self._local("contact", "", change, stamp=0)
        except BaseException:
            self._offset = self._int_meta(OFFSET_META)  # nothing was stored
            raise
        finally:
            self._meta_due = {}
        self._meta.update({**due, RESTAMP_META: "1"})
        return True

    def _commit_meta(self, values: dict[str, str]) -> None:
        self.store.commit(Batch(meta=values))
        self._meta.update(values)

    def _int_meta(self, key: str) -> int | None:
        text = self._meta.get(key)
        return int(text) if text is not None else None


def offset_change(current: int | None, reference_ms: int, wall_ms: int) -> int | None:
    """Return the new offset if it differs from ``current`` enough to be taken, else None."""
    offset = reference_ms - wall_ms
    if current is not None and abs(offset - current) <= OFFSET_TOLERANCE_MS:
        return None
    return offset


def own_outbox_keys(replica_id: str, updates: Iterable[bytes]) -> set[str]:
    """The keys of live entries ``replica_id`` wrote in ``updates`` (its outbox)."""
    keys: set[str] = set()
    for update in updates:
        for key, _stamp in live_entries(update):
            if key.endswith("|" + replica_id):
                keys.add(key)
    return keys


def _entries(roots: Iterable[Map[Any]]) -> Iterator[tuple[Map[Any], str, Any]]:
    for root in roots:
        for record in root.values():
            if isinstance(record, Map):
                for key, raw in record.items():
                    yield record, key, raw


def restamp(roots: Iterable[Map[Any]], ceiling: int, wanted: set[str], delta_ms: int) -> int:
    """Move the stamps of the entries ``wanted`` by ``delta_ms``, in the current transaction.

    Returns the newest stamp the document holds afterwards, stamps past ``ceiling``
    counted as ``ceiling`` (for the replica's clock). Call inside a document transaction.
    """
    shift = delta_ms << COUNTER_BITS
    found: list[tuple[Map[Any], str, Any]] = []
    newest = 0
    for record, key, raw in _entries(roots):
        if key in wanted:
            found.append((record, key, raw))
        elif key.count("|") >= 2:
            try:
                newest = max(newest, min(decode_stamp(key.rsplit("|", 2)[1]), ceiling))
            except ValueError:
                continue
    renamed: dict[str, str] = {}
    for record, key, _raw in found:
        name, text, writer = key.rsplit("|", 2)
        stamp = max(1, decode_stamp(text) + shift)
        while entry_key(name, stamp, writer) in record:
            stamp += 1  # never write over another entry (an equal stamp is all but impossible)
        renamed[key] = entry_key(name, stamp, writer)
        newest = max(newest, stamp)
    for record, key, raw in found:
        if key.startswith(DELETED + "|"):
            raw = _renamed_seen(raw, renamed)
        del record[key]
        record[renamed[key]] = raw
    return newest


def _renamed_seen(raw: Any, renamed: dict[str, str]) -> Any:
    """A delete entry's JSON with the keys it saw renamed as they were re-stamped."""
    value = json.loads(raw)
    if isinstance(value, dict) and isinstance(value.get("seen"), list):
        value["seen"] = sorted(renamed.get(k, k) for k in value["seen"])
        return encode_value(value)
    return raw
