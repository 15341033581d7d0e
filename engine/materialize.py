"""Keeping the store's record rows in step with the document, one change at a time.

The store holds each record resolved (engine/rows.py), so list and search never
touch the document. After every transaction the replica asks the
:class:`Materializer` for the rows that changed. The document's change events
name each changed record and the entry keys that came or went, and for recently
touched records the materializer keeps their parsed entries and last resolved
state; so a remote one-field edit parses one entry, re-resolves one field and
re-derives one row, instead of re-parsing and re-resolving the whole record.

The events are taken from pycrdt's native ``observe_deep`` (the Python wrapper
converts every value of every event, which cost more than all the rest). Each
names the keys of one record map that were added, changed or removed, and the
value an added or changed key holds once the transaction is over (a key that
came and went within it is not named); later events of a key replace earlier
ones. For a cached record these values are used as they are: reading each key
back from the document cost ~3 us per edit at 10k contacts (taking the touched
keys went from ~10 to ~7 us), the lookups missing the CPU's caches. When in
doubt — a record replaced, a record not cached or evicted, a note (its text is
read from the document), a change to a delete or to group membership — the
record is re-read and resolved whole.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from functools import partial
from typing import Any

from pycrdt import Doc, Map

from engine import rows
from engine.clock import HybridClock
from engine.collation import ROOT
from engine.native import NativeMap, native_map, observe_deep, raw_transaction
from engine.registers import (
    TEXT_KEY,
    Entry,
    Resolved,
    parse_entry,
    refresh_fields,
    replace_value,
    resolve_entries,
)
from engine.store import RecordRow

ENTRY_CACHE_RECORDS = 20_000
PROGRESS_EVERY = 500
Progress = Callable[[int, int], None]
RecordKey = tuple[str, str]  # (kind, record id)
_GONE = object()  # what a removed entry key holds in the touched keys of a record


class _State:
    """What the materializer knows of one record."""

    __slots__ = ("grouped", "resolved", "search_parts", "stored")

    def __init__(self, grouped: dict[str, list[Entry]]) -> None:
        self.grouped = grouped  # live entries by field, exactly as the document holds them
        self.resolved: Resolved | None = None  # resolved from ``grouped``, when known
        self.stored: RecordRow | None = None  # the row last handed to the store
        self.search_parts: list[str | None] = []  # the search text of ``stored``, by field


class Materializer:
    """Turns document changes into store rows; see the module docstring."""

    def __init__(self, doc: Doc[Any], roots: Mapping[str, Map[Any]], clock: HybridClock, *,
                 cache_records: int = ENTRY_CACHE_RECORDS, locale: str = ROOT) -> None:
        self._doc = doc
        #: The collation locale of the rows' sort keys (engine/collation.py); whoever
        #: changes it must also re-key the stored rows and call :meth:`forget`.
        self.locale = locale
        self._roots = dict(roots)
        self._native = {kind: native_map(root) for kind, root in self._roots.items()}
        self._clock = clock
        self._cache_records = cache_records
        self._states: dict[RecordKey, _State] = {}
        # Changed records: what the touched entry keys hold now (GONE once removed), or
        # None to re-read the whole record.
        self._dirty: dict[RecordKey, dict[str, Any] | None] = {}
        self._subscriptions = [observe_deep(root, partial(self._on_events, kind))
                               for kind, root in self._roots.items()]

    # ------------------------------------------------------------ marking

    def _on_events(self, kind: str, events: list[Any]) -> None:
        dirty, states = self._dirty, self._states
        for event in events:
            path = event.path
            if not path:  # records added, replaced or removed in the kind's root map
                for rid in event.keys:
                    key = (kind, str(rid))
                    dirty[key] = None
                    states.pop(key, None)
                continue
            key = (kind, str(path[0]))
            touched = dirty.setdefault(key, {})
            if touched is None:
                continue
            if len(path) == 1:
                for entry_key, change in event.keys.items():
                    touched[entry_key] = (_GONE if change["action"] == "delete"
                                          else change.get("newValue"))
            # A longer path is a change inside the note text: taking the row re-reads it.

    def close(self) -> None:
        """Stop observing the document and drop the cache. Without this, the document's
        callbacks and this object refer to each other, and only a pass of the garbage
        collector (~0.2 s with a 10k-contact replica) would free either."""
        for subscription in self._subscriptions:
            subscription.drop()
        self._subscriptions.clear()
        self._states.clear()

    def forget(self) -> None:
        """Drop everything cached (the store may not hold what was handed to it)."""
        self._states.clear()

    # ------------------------------------------------------------ reading

    def grouped(self, kind: str, record_id: str, record: Map[Any]) -> dict[str, list[Entry]]:
        """The record's live entries by field, for a local change to build on.

        The lists are the cache's own: read them, never change them.
        """
        key = (kind, record_id)
        state = self._states.get(key)
        if state is None or key in self._dirty:
            if key in self._dirty:
                # Changes not taken yet (a local change that raised half-way): the cached
                # state may be behind, so read it whole now and when rows are next taken.
                self._dirty[key] = None
            with self._doc.transaction() as txn:
                state = self._remember(key, _State(_read_all(native_map(record), raw_transaction(txn))))
        return state.grouped

    def pending(self) -> bool:
        """True if some record changed since the rows were last taken."""
        return bool(self._dirty)

    def take_rows(self, progress: Progress | None = None) -> Generator[RecordRow, None, None]:
        """Yield the rows of every record changed since the last call.

        Rows are made as they are asked for, so that the store writes each soon after
        it is made, while the record's objects are still in the CPU's caches (with the
        steps of ``Replica.apply_remote``, worth ~15% at 10k contacts). The changed
        records are taken when the first row is asked for. Exhaust or close the
        iterator: it holds a document transaction meanwhile.
        """
        dirty, self._dirty = self._dirty, {}
        total = len(dirty)
        if dirty:
            with self._doc.transaction() as txn:
                handle = raw_transaction(txn)
                for done, (key, touched) in enumerate(dirty.items(), 1):
                    row = self._row(key, touched, handle)
                    if row is not None:
                        yield row
                    if progress is not None and done % PROGRESS_EVERY == 0:
                        progress(done, total)
        if progress is not None:
            progress(total, total)

    def _row(self, key: RecordKey, touched: dict[str, Any] | None,
             handle: Any) -> RecordRow | None:
        kind, rid = key
        state = self._states.pop(key, None)
        if state is not None and touched is not None and len(touched) == 2:
            quick = _replaced_value_row(state, touched, self.locale)
            if quick is not None:
                self._clock.observe(quick.updated)
                self._remember(key, state)
                return quick
        changed: set[str] | None = None
        record: Any = None
        if state is not None and touched is not None and kind != "note":
            changed = _apply_keys(state.grouped, touched)  # the record itself is not read
        else:
            root = self._native[kind]
            record = root.get(handle, rid) if root.has(handle, rid) else None
            if not isinstance(record, NativeMap):
                # Not a record this engine wrote (a stock Yjs client's value, or a removed
                # key): its update stays in the log so every replica converges, but no row.
                return None
            if state is None or touched is None:
                state = _State(_read_all(record, handle))
            else:
                changed = _apply_keys(state.grouped, touched)
        self._remember(key, state)

        text = None
        if kind == "note" and record.has(handle, TEXT_KEY):
            text = record.get(handle, TEXT_KEY).get_string(handle)
            changed = None  # the text may have changed: resolve the note whole
        previous = state.resolved
        resolved = None
        if previous is not None and changed is not None:
            resolved = refresh_fields(previous, state.grouped, changed)
        if resolved is None:
            changed = None
            resolved = resolve_entries(kind, rid, state.grouped, text)
        self._clock.observe(resolved.updated)
        if changed is None or state.stored is None:
            # fills the search parts
            row = rows.build_row(resolved, search_parts=state.search_parts, locale=self.locale)
        else:
            row = rows.build_row(resolved, state.stored, changed, state.search_parts,
                                 self.locale)
        stored = state.stored
        if stored is not None:
            row.side_unchanged = stored.links == row.links and stored.conflicts == row.conflicts
            row.changed_columns = _changed_columns(stored, row)
        state.resolved, state.stored = resolved, row
        return row

    def _remember(self, key: RecordKey, state: _State) -> _State:
        self._states[key] = state
        if len(self._states) > self._cache_records:
            self._states.pop(next(iter(self._states)))
        return state


# Columns a row rewrite may leave out when unchanged: the indexed ones. The rest are
# always named (writing one costs nothing once the row is rewritten anyway).
_ALWAYS = frozenset({"deleted", "updated_by", "sort_tail", "search", "company_id", "company",
                     "data"})
_CHANGED = {(u, s): _ALWAYS | {n for n, c in (("updated", u), ("sort_key", s)) if c}
            for u in (False, True) for s in (False, True)}


def _changed_columns(stored: RecordRow, row: RecordRow) -> frozenset[str]:
    """The columns of ``row`` that may differ from ``stored``, the row the store holds.

    SQLite rewrites an index entry for every indexed column an UPDATE sets, even to
    its old value, and each page it touches goes to the WAL at commit.
    """
    return _CHANGED[(stored.updated != row.updated, stored.sort_key != row.sort_key)]


def _replaced_value_row(state: _State, touched: dict[str, Any],
                        locale: str) -> RecordRow | None:
    """The row after an ordinary one-field edit (one entry key gone, one come: see
    engine.registers.replace_value), made the short way; None for any other change.

    Most remote changes are that one. The general way (parse the touched keys into
    the field's entries, re-resolve the field, re-derive the row and compare it with
    the stored one) takes ~16 us per edit at 10k contacts, this one ~11 (~5 when the
    record's objects are still in the CPU's caches).
    """
    previous, stored = state.resolved, state.stored
    if previous is None or stored is None:
        return None
    (first, first_raw), (second, second_raw) = touched.items()
    if first_raw is _GONE and second_raw is not _GONE:
        gone, key, raw = first, second, second_raw
    elif second_raw is _GONE and first_raw is not _GONE:
        gone, key, raw = second, first, first_raw
    else:
        return None
    entry = parse_entry(key, raw)
    if entry is None:
        return None
    grouped = state.grouped
    entries = grouped.get(entry.field)
    if entries is None or len(entries) != 1 or entries[0].key != gone:
        return None
    resolved = replace_value(previous, grouped, entry)
    if resolved is None:
        return None
    grouped[entry.field] = [entry]
    row = rows.with_value(stored, resolved, entry.field, state.search_parts, locale)
    state.resolved, state.stored = resolved, row
    return row


def _read_all(record: Any, handle: Any) -> dict[str, list[Entry]]:
    """Parse every entry of a record map (a pycrdt native map) and group them by field."""
    grouped: dict[str, list[Entry]] = {}
    for key in record.keys(handle):
        if key == TEXT_KEY:
            continue
        entry = parse_entry(key, record.get(handle, key))
        if entry is not None:
            grouped.setdefault(entry.field, []).append(entry)
    return grouped


def _apply_keys(grouped: dict[str, list[Entry]], touched: Mapping[str, Any]) -> set[str]:
    """Bring ``grouped`` up to date with what the touched keys hold now; return the
    fields they belong to."""
    fields: set[str] = set()
    for key, raw in touched.items():
        if key == TEXT_KEY:
            continue
        entry = None if raw is _GONE else parse_entry(key, raw)
        name = entry.field if entry is not None else key.rsplit("|", 2)[0]
        entries = grouped.get(name)
        if entries is not None:
            kept = [e for e in entries if e.key != key]
            if len(kept) != len(entries):
                fields.add(name)
            entries = kept
        if entry is not None:
            entries = [*(entries or ()), entry]
            fields.add(name)
        if entries:
            grouped[name] = entries
        else:
            grouped.pop(name, None)
    return fields
