"""The replica: one space's CRDT document, its record API, and its persistence.

A :class:`Replica` wraps one pycrdt ``Doc``. Each record kind has a root map in
the document (``contacts``, ``companies`` …) holding one map per record id; a
record map holds *entries* (see engine/registers.py), and a note also holds its
body as collaborative text under ``_text``. The record-editing methods live in
engine/edits.py (:class:`engine.edits.RecordEdits`, which ``Replica`` extends).

Every local change is one document transaction whose update is committed to the
store, with the re-resolved records, before the call returns (invariant 2).
Remote updates go through :meth:`Replica.apply_remote`, which also guards
against pycrdt leaving out-of-order updates pending (see :mod:`engine.gaps`).

The replica reads no clock: pass ``clock`` (wall time in ms). It stamps edits with
that clock corrected by its offset to the relay's time (engine/timing.py). New record
ids are random UUIDs and the Yjs client id random unless you pass ``new_id`` and
``client_id`` (tests do, for determinism).
"""

from __future__ import annotations

import builtins
import gc
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from pycrdt import Doc, Map, TransactionEvent

from engine import rows
from engine.clock import HybridClock, make_stamp
from engine.codec import decode_state_vector, encode_state_vector
from engine.collation import ROOT, check_locale, key_version
from engine.edits import RecordEdits, check_replica_id
from engine.errors import (
    ProtocolError,
    RecordDeletedError,
    RecordNotFoundError,
    StoreError,
    ValidationError,
)
from engine.gaps import GapTracker, checked_merge, left_waiting, load_document
from engine.materialize import Materializer, Progress
from engine.schema import KINDS, kind_spec, normalize_value
from engine.space import rekeyed_rows, space_locale
from engine.store import (
    KEYS_META,
    LOCAL,
    LOCALE_META,
    Batch,
    Loaded,
    RecordQuery,
    RecordRow,
    Store,
)
from engine.timing import OFFSET_META, RESTAMP_META, ReferenceTime
from engine.updates import merge

COMPACT_MIN_BYTES = 1 << 20
# A larger in-order batch is integrated this many updates at a time (one commit for all).
APPLY_STEP = 256


class _Document(NamedTuple):
    """The built document and what is made from it."""

    doc: Doc[Any]
    gaps: GapTracker
    roots: dict[str, Map[Any]]
    rows: Materializer


class _Batched:
    """The local changes of a :meth:`Replica.batch` block: where this replica's own
    structs stood when it began, and the time of its last change."""

    def __init__(self, client_id: int, start: dict[int, int]) -> None:
        self.client_id, self.start, self.at_ms = client_id, start, 0

    def update(self, doc: Doc[Any]) -> bytes | None:
        """One update holding every struct this replica made since the block began
        (None if it made none). Diffed from the document: encoding each change's update
        for an observer and merging 1,000 of them cost ~25 ms, this ~1 ms."""
        now = decode_state_vector(doc.get_state())
        own = self.start.get(self.client_id, 0)
        if now.get(self.client_id, 0) == own:
            return None
        # Everything of other clients counts as known: their structs (a remote update
        # applied meanwhile) are theirs to send, not ours.
        return doc.get_update(encode_state_vector({**now, self.client_id: own}))


class _OutOfOrder(Exception):
    """A step of a batch does not follow on from the document (see _apply_in_steps)."""


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What :meth:`Replica.apply_remote` did.

    ``records`` is how many records changed. ``missing`` is True when some
    received updates wait for earlier ones that have not arrived: the caller must
    ask a peer for what it lacks (send a SyncStep1 with :meth:`state_vector`).
    """

    records: int
    missing: bool
    seq: int


def _default_id() -> str:
    return str(uuid.uuid4())


class Replica(RecordEdits, ReferenceTime):
    """One endpoint's copy of a space. Open it with :meth:`open`."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], int],
        replica_id: str | None = None,
        new_id: Callable[[], str] = _default_id,
        client_id: int | None = None,
    ) -> None:
        self.store = store
        self._wall = clock
        self._new_id = new_id
        loaded = store.load()
        self._meta = dict(loaded.meta)
        self._meta_due: dict[str, str] = {}  # meta to store with the next commit
        self._offset = self._int_meta(OFFSET_META)
        stored_id = loaded.meta.get("replica_id")
        if replica_id is not None and stored_id is not None and replica_id != stored_id:
            raise StoreError(f"this store belongs to replica {stored_id!r}, not {replica_id!r}")
        self.replica_id = check_replica_id(replica_id or stored_id or new_id().replace("-", "")[:16])
        self.clock = HybridClock(int(loaded.meta.get("clock", "0")))
        self._locale = loaded.meta.get(LOCALE_META, ROOT)
        self._unsaved_meta: dict[str, str] = {}  # meta for the next commit to write
        self._snapshot_bytes = len(loaded.snapshot or b"")
        self._log_bytes = sum(len(e.update) for e in loaded.log)
        self._last_seq = loaded.log[-1].seq if loaded.log else loaded.snapshot_seq
        self._captured: list[bytes] | None = None
        # Updates of local changes made inside batch(), committed together when it ends.
        self._batched: _Batched | None = None
        # The document is built when first needed (an edit, a received update, a state
        # vector): reading records needs only the store's rows, and a 10k-contact space
        # takes ~0.1 s to build, which every read command would pay for nothing.
        self._document: _Document | None = None
        self._broken: str | None = None  # why the replica must be opened again, if it must
        self._unopened: Loaded | None = loaded
        self._client_id = client_id
        if stored_id is None:
            store.commit(Batch(meta={"replica_id": self.replica_id}))

    def _usable(self) -> None:
        if self._broken is not None:
            raise StoreError(f"this replica must be opened again: after a failed write its "
                             f"document could not be rebuilt from the store ({self._broken})")

    def _open(self) -> _Document:
        """Build the document from what the store held at opening, once."""
        self._usable()
        if self._document is None:
            loaded, self._unopened = self._unopened, None
            self._install(*load_document(loaded or self.store.load(), self._client_id))
            # The rows' sort keys are made from now on (ICU is loaded): by the ICU they
            # were made by? Read-only use never builds the document, nor pays for this.
            if self._meta.get(KEYS_META) != key_version():
                self._rekey(self._locale)
        assert self._document is not None
        return self._document

    def _install(self, doc: Doc[Any], gaps: GapTracker) -> None:
        if self._document is not None:
            self._document.rows.close()  # the document it observes is being replaced
        roots = {kind: doc.get(spec.root, type=Map) for kind, spec in KINDS.items()}
        self._document = _Document(doc, gaps, roots,
                                   Materializer(doc, roots, self.clock, locale=self._locale))

    @property
    def document_built(self) -> bool:
        """True once the CRDT document was built (see ``__init__``): for tests and tools."""
        return self._document is not None

    @property
    def _doc(self) -> Doc[Any]:
        return self._open().doc

    @property
    def _gaps(self) -> GapTracker:
        return self._open().gaps

    @property
    def _roots(self) -> dict[str, Map[Any]]:
        return self._open().roots

    @property
    def _rows(self) -> Materializer:
        return self._open().rows

    # ----------------------------------------------------------------- reading

    def get(self, kind: str, record_id: str, *, include_deleted: bool = False) -> dict[str, Any]:
        """Return one record as plain data (with ``deleted``, ``updated_at``, ``updated_by``)."""
        self._usable()
        kind_spec(kind)
        row = self.store.get_rows(kind, [record_id]).get(record_id)
        if row is None:
            raise RecordNotFoundError("no such record", kind=kind, record_id=record_id)
        if row.deleted and not include_deleted:
            raise RecordDeletedError("is deleted (restore it, or ask to include deleted records)",
                                     kind=kind, record_id=record_id)
        return rows.to_record(row)

    def list(self, kind: str = "contact", *, group: str | None = None,
             company: str | None = None, linked_to: str | None = None,
             edited_since: int | str | datetime | None = None, include_deleted: bool = False,
             limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """Return records of ``kind`` that match every filter given, in name order."""
        self._usable()
        kind_spec(kind)
        _check_page(limit, offset)
        since = None if edited_since is None else _since_stamp(edited_since)
        query = RecordQuery(kind, group=group, company=company, linked_to=linked_to,
                            edited_since=since, include_deleted=include_deleted,
                            limit=limit, offset=offset)
        return [rows.to_record(r) for r in self.store.query(query)]

    def search(self, text: str, kind: str = "contact", *, limit: int | None = None,
               include_deleted: bool = False) -> builtins.list[dict[str, Any]]:
        """Return records whose names, company, e-mail or phones contain ``text``."""
        self._usable()
        kind_spec(kind)
        _check_page(limit, 0)
        needle = rows.search_needle(text)
        if not needle:
            raise ValidationError("search text is empty", field="text", value=text)
        query = RecordQuery(kind, text=needle, include_deleted=include_deleted, limit=limit)
        return [rows.to_record(r) for r in self.store.query(query)]

    def conflicts(self, kind: str | None = None,
                  record_id: str | None = None) -> builtins.list[dict[str, Any]]:
        """Return the unresolved conflicts (record, field, value, replica, stamp, current)."""
        self._usable()
        return self.store.conflicts(kind, record_id)

    # -------------------------------------------------------------------- sync

    def state_vector(self) -> bytes:
        """Return the document's state vector (for a SyncStep1)."""
        return self._doc.get_state()

    def diff(self, state_vector: bytes | None = None) -> bytes:
        """Return the update a peer with ``state_vector`` lacks (everything if None)."""
        return self._doc.get_update(state_vector) if state_vector else self._doc.get_update()

    def apply_remote(self, updates: Sequence[bytes], *, origin: str = "remote",
                     progress: Progress | None = None) -> ApplyResult:
        """Apply and persist updates received from peers, in any order, duplicates included.

        Raises ProtocolError if an update cannot be decoded; nothing is applied
        or stored then. Check ``missing`` in the result: when True, ask a peer
        for a SyncStep2 against :meth:`state_vector`. ``progress(done, total)`` is
        called as changed records are resolved (an initial sync resolves thousands),
        or, for a batch of more than ``APPLY_STEP`` updates, as its updates are.
        """
        self._usable()
        if not updates:
            return ApplyResult(0, self._gaps.missing, self._last_seq)
        with _collector_paused():
            result = self._apply_remote(list(updates), origin, progress)
        named = space_locale(self._doc)
        if named is not None and named != self._locale:
            # A locale this ICU has no data for: names keep the order they have.
            with suppress(ValidationError):
                self.set_locale(named)
        return result

    @property
    def locale(self) -> str:
        """The locale names are ordered in (engine/collation.py): the space's setting
        once the replica has seen it, ``root`` until then."""
        return self._locale

    def set_locale(self, locale: str) -> bool:
        """Order names in ``locale`` from now on; return False if they already were.

        Every stored row's sort key is made again, in one commit. Raises
        ValidationError for an unknown locale, and changes nothing then. A replica
        follows the space's setting by itself (:meth:`apply_remote`): call this for a
        space that has none.
        """
        checked = check_locale(locale)
        if checked == self._locale:
            return False
        self._rekey(checked)
        return True

    def _rekey(self, locale: str) -> None:
        """Make every stored row's sort key again in ``locale`` (checked), in one commit."""
        meta = {LOCALE_META: locale, KEYS_META: key_version()}
        rekeyed = rekeyed_rows(self.store, locale)
        if rekeyed or locale != self._meta.get(LOCALE_META, ROOT):
            self.store.commit(Batch(rows=rekeyed, meta=meta))
        else:  # nothing to write now: the next commit records it
            self._unsaved_meta.update(meta)
        self._meta.update(meta)
        self._locale = locale
        if self._document is not None:
            self._document.rows.locale = locale
            self._document.rows.forget()  # its cached rows hold the old keys

    def _apply_remote(self, updates: builtins.list[bytes], origin: str,
                      progress: Progress | None) -> ApplyResult:
        if len(updates) > APPLY_STEP and not self._gaps.missing and (
                self._snapshot_bytes or self._log_bytes):
            stepped = self._apply_in_steps(updates, origin, progress)
            if stepped is not None:
                return stepped
        # Even a single update is merged: yrs applies some malformed bytes as they are,
        # while merging re-encodes them into an update it then refuses (tests/engine/
        # test_gaps.py, TRUNCATED). For a 10k-contact initial sync that costs ~0.2 s.
        merged = checked_merge(updates)
        # Logged as one update when it integrated at once; otherwise one by one, so that a
        # restart can take each the careful way (a merged update may hold a hole).
        now = self.now()
        self.clock.bound(now)
        log = [(merged, origin, now)]
        # A new replica's first sync: the update is the whole document, so it becomes the
        # snapshot at once, instead of a log entry compacted into one straight after.
        fresh = self._snapshot_bytes == self._log_bytes == 0 and len(merged) > COMPACT_MIN_BYTES
        try:
            if not self._gaps.missing:
                self._doc.apply_update(merged)
                if left_waiting(self._doc, merged):
                    fresh = False
                    # pycrdt may now show structs it has not integrated (engine/gaps.py):
                    # rebuild the document from the store, then take these the careful way.
                    self._rebuild()
                    self._gaps.settle(self._doc, updates)
                    log = [(u, origin, now) for u in updates]
            else:
                self._gaps.settle(self._doc, updates)
                log = [(u, origin, now) for u in updates]
                fresh = False
        except ValueError:
            # merge_updates accepts some truncated updates that apply_update cannot decode;
            # yrs decodes before it integrates, but settle() may have applied others first.
            if self._gaps.missing:
                self._rebuild()
            raise ProtocolError(f"an update ({len(merged)} bytes) is not a valid Yjs update",
                                code=4400) from None
        except ProtocolError:
            self._rebuild()  # settle() refused one it cannot read, maybe after applying others
            raise
        changed = (self._commit_dirty([], progress, snapshot=merged) if fresh
                   else self._commit_dirty(log, progress))
        return ApplyResult(changed, self._gaps.missing, self._last_seq)

    def _apply_in_steps(self, updates: builtins.list[bytes], origin: str,
                        progress: Progress | None) -> ApplyResult | None:
        """Apply a large batch ``APPLY_STEP`` updates at a time, in one commit.

        Each step is integrated, and its rows made and written, before the next: at 10k
        contacts, integrating 1000 one-field edits at once and then making their rows
        cost more per edit (the first records' objects had left the CPU's caches by
        then). Every step is decoded before any is applied, and all are stored in one
        commit, so the batch is applied whole or not at all. Returns None, with nothing
        applied, when a step does not follow on from the document (the caller then
        takes the batch the careful way, engine/gaps.py).
        """
        try:
            steps = [merge(updates[i:i + APPLY_STEP])
                     for i in range(0, len(updates), APPLY_STEP)]
        except ValueError:
            checked_merge(updates)  # raises the ProtocolError that names the update
            raise ProtocolError("updates cannot be merged", code=4400) from None

        def integrate() -> Generator[RecordRow, None, None]:
            # Consumed by the store inside its transaction (engine.store.Batch).
            done = 0
            for step in steps:
                self._doc.apply_update(step)
                if left_waiting(self._doc, step):
                    raise _OutOfOrder
                yield from self._rows.take_rows()
                done = min(done + APPLY_STEP, len(updates))
                if progress is not None:
                    progress(done, len(updates))

        now = self.now()
        self.clock.bound(now)
        try:
            changed = self._commit_dirty([(step, origin, now) for step in steps],
                                         rows=integrate())
        except _OutOfOrder:
            return None  # the failed commit rebuilt the document from the store
        except ValueError:
            # merge accepts some truncated updates that apply_update cannot decode
            raise ProtocolError("an update of the batch is not a valid Yjs update",
                                code=4400) from None
        return ApplyResult(changed, self._gaps.missing, self._last_seq)

    def _rebuild(self) -> None:
        """Build the document again from the store, as opening the replica does."""
        client_id = self._doc.client_id
        self._install(*load_document(self.store.load(), client_id))

    @property
    def missing(self) -> bool:
        """True while some received updates wait for earlier ones."""
        if self._document is None and self._unopened is not None:
            # The store keeps the flag with every commit (_commit_dirty). When it says
            # nothing waited, nothing will: what integrated before integrates again.
            meta = self._unopened.meta
            if meta.get("gap") != "1" and not meta.get("waiting", "").strip():
                return False
        return self._gaps.missing

    def outbox(self, after_seq: int = 0,
               limit: int | None = None) -> builtins.list[tuple[int, bytes]]:
        """Return local updates the relay has not acknowledged yet, as (seq, update)."""
        self._usable()
        return [(e.seq, e.update) for e in self.store.outbox(after_seq, limit)]

    def acknowledge(self, upto_seq: int) -> int:
        """Forget outbox entries up to ``upto_seq``: the relay holds them durably."""
        self._usable()
        dropped = self.store.ack_outbox(upto_seq)
        if self.restamped and not self.store.outbox(0, 1):
            self._commit_meta({RESTAMP_META: "0"})  # every re-stamped edit is on the relay
        return dropped

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """Return a value kept beside the replica (e.g. a client's resume cursor)."""
        return self._meta.get(key, default)

    def set_meta(self, values: Mapping[str, str]) -> None:
        """Durably keep small string values beside the replica (``app.`` keys are yours)."""
        self._usable()
        for key in values:
            if not key.startswith("app."):
                raise ValidationError("meta keys of callers start with 'app.'", field=key)
        self.store.commit(Batch(meta=dict(values)))
        self._meta.update(values)

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest log entry."""
        return self._last_seq

    def record_digests(self, kind: str) -> dict[str, str]:
        """A short digest of each stored record of ``kind``, deleted ones included.

        A record's digest changes whenever its values or its deleted flag do, so a
        caller that mirrors the replica elsewhere (the Act! bridge) can find what
        changed since it last looked without reading every record.
        """
        self._usable()
        kind_spec(kind)
        return self.store.digests(kind)

    def compact(self) -> None:
        """Fold the log into a new snapshot (updates still waiting stay in it)."""
        snapshot = self._doc.get_update()
        self.store.compact(snapshot, self._last_seq, self._gaps.snapshot_meta())
        self._snapshot_bytes, self._log_bytes = len(snapshot), 0

    def close(self) -> None:
        """Close the store. The replica must not be used afterwards."""
        if self._document is not None:
            self._document.rows.close()
        self.store.close()

    # ---------------------------------------------------------------- internals

    def _local(self, kind: str, record_id: str, change: Callable[[int], None], *,
               stamp: int | None = None) -> None:
        if stamp is None:
            stamp = self.clock.tick(self.now())
            at_ms = stamp >> 16
        else:
            at_ms = self.now()
            self.clock.bound(at_ms)
            self.clock.observe(stamp)  # an outside edit's time: later local edits follow it
        if self._batched is not None:
            # Inside batch(): the block's update is taken from the document when it ends.
            with self._doc.transaction(origin=LOCAL):
                change(stamp)
            self._batched.at_ms = at_ms
            return
        self._captured = []
        # Observed for local transactions only: pycrdt encodes every transaction's update
        # for an observer, which cost remote batches ~4 us per edit for nothing.
        subscription = self._doc.observe(self._on_transaction)
        try:
            with self._doc.transaction(origin=LOCAL):
                change(stamp)
            captured = self._captured
        finally:
            self._doc.unobserve(subscription)
            self._captured = None
        self._commit_dirty([(u, LOCAL, at_ms) for u in captured])

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Commit every local change made inside the block in one store transaction.

        For callers that write many records at once (an import, the Act! bridge's first
        mirror): one fsync and one log entry instead of one per call. Each change is
        still its own document transaction with its own stamp, and everything made
        inside the block is durable when the block ends, also when it ends with an
        exception. Nested blocks join the outer one. Apply no remote updates inside
        the block: their commit would store the block's rows before its update.
        """
        if self._batched is not None:
            yield
            return
        self._batched = _Batched(self._doc.client_id, decode_state_vector(self._doc.get_state()))
        try:
            yield
        finally:
            batched, self._batched = self._batched, None
            update = batched.update(self._doc)
            self._commit_dirty([] if update is None else [(update, LOCAL, batched.at_ms)])

    def _commit_dirty(self, updates: builtins.list[tuple[bytes, str, int]],
                      progress: Progress | None = None, *, snapshot: bytes | None = None,
                      rows: Generator[RecordRow, None, None] | None = None) -> int:
        """Commit ``updates`` with the rows of the records that changed (made by ``rows``
        when given, else taken from the materializer); return how many records."""
        if rows is None:
            if not updates and snapshot is None and not self._rows.pending():
                return 0
            rows = self._rows.take_rows(progress)
        # "waiting" (updates that waited when the log was last compacted) stays until the
        # next compact(): once released they are in the document but in no log entry.
        meta = {"gap": "1" if self._gaps.missing else "0", **self._meta_due,
                **self._unsaved_meta}
        records: set[tuple[str, str]] = set()  # a record may have a row in several steps

        def rows_then_clock() -> Generator[RecordRow, None, None]:
            # The store reads meta once the rows are consumed (engine.store.Batch); making
            # them moved the clock past every stamp they hold, and a restart must not
            # start it behind one.
            for row in rows:
                records.add((row.kind, row.id))
                yield row
            meta["clock"] = str(self.clock.last)

        made = rows_then_clock()
        try:
            try:
                seqs = self.store.commit(Batch(updates, made, meta, snapshot))
            finally:
                made.close()  # ends the document transaction of take_rows, also on error
                rows.close()
        except BaseException:
            self._undo_unstored()
            raise
        self._unsaved_meta.clear()
        if seqs:
            self._last_seq = seqs[-1]
        if snapshot is not None:
            self._snapshot_bytes, self._log_bytes = len(snapshot), 0
            return len(records)
        self._log_bytes += sum(len(u) for u, _, _ in updates)
        if self._log_bytes > max(COMPACT_MIN_BYTES, self._snapshot_bytes // 2):
            self.compact()
        return len(records)

    def _undo_unstored(self) -> None:
        """After a failed commit: build the document again from the store, so that it
        holds nothing the store lacks (the relay sends unstored remote updates again;
        a local change that raised is not made). If the store cannot even be read,
        the replica is unusable: every later call raises StoreError until it is opened again."""
        try:
            self._rebuild()
        except Exception as exc:
            # The document may hold what the store lacks: refuse everything from now on.
            self._broken = f"{type(exc).__name__}: {exc}"
            if self._document is not None:
                self._document.rows.forget()

    def _on_transaction(self, event: TransactionEvent) -> None:
        if self._captured is not None:
            self._captured.append(event.update)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector still while a batch is applied.

    Applying builds many long-lived objects (parsed entries, rows) and no cycles;
    the collector would scan the whole heap again and again meanwhile, which cost a
    quarter of a 10k-contact initial sync. Whatever it would have found, it finds
    once this returns.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_page(limit: int | None, offset: int) -> None:
    # Stores disagree on negative bounds (SQLite reads LIMIT -1 as "no limit"): refuse them.
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValidationError("must be a whole number, 0 or more", field="limit", value=limit)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationError("must be a whole number, 0 or more", field="offset", value=offset)


def _since_stamp(value: int | str | datetime) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    spec = kind_spec("contact").fields["edited"]
    iso = normalize_value(spec, value, kind="contact", record_id=None)
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return make_stamp(int(moment.timestamp() * 1000))


def ids_of(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return the ids of records, in order (a small helper for callers and tests)."""
    return [str(r["id"]) for r in records]
