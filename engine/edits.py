"""The record API of a replica: creating, editing, deleting and resolving records.

:class:`RecordEdits` is the half of :class:`engine.replica.Replica` that turns a
call into entries (engine/registers.py) inside one document transaction. The other
half (engine/replica.py) owns the document, the store and sync; it provides
``_local``, which runs such a change and commits it before the call returns.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pycrdt import Map, Text

from engine.clock import make_stamp
from engine.errors import (
    RecordDeletedError,
    RecordExistsError,
    RecordNotFoundError,
    ValidationError,
)
from engine.materialize import Materializer
from engine.native import insert_all
from engine.registers import (
    DELETED,
    MEMBER_PREFIX,
    TEXT_KEY,
    Entry,
    encode_value,
    entry_key,
    resolve_entries,
    superseded_by_edit,
    winner,
)
from engine.schema import kind_spec, normalize_fields, normalize_value, validate_id
from engine.text import apply_text_diff


class RecordEdits:
    """Record-editing methods of :class:`engine.replica.Replica`."""

    replica_id: str
    _new_id: Callable[[], str]

    @property
    def _roots(self) -> dict[str, Map[Any]]:
        raise NotImplementedError  # the replica's document roots, by kind

    @property
    def _rows(self) -> Materializer:
        raise NotImplementedError  # the replica's materializer

    def _local(self, kind: str, record_id: str, change: Callable[[int], None], *,
               stamp: int | None = None) -> None:
        """Run ``change(stamp)`` as one local transaction and commit it (the replica's)."""
        raise NotImplementedError

    if TYPE_CHECKING:  # provided by engine.timing.ReferenceTime
        def external_time(self, writer: str, edited_ms: int) -> int: ...


    def create(self, kind: str, fields: Mapping[str, Any] | None = None, *,
               record_id: str | None = None) -> str:
        """Create a record and return its id (a new UUID unless ``record_id`` is given).

        Raises ValidationError for a bad value or a missing required field, and
        RecordExistsError if the id is taken; nothing is written then.
        """
        spec = kind_spec(kind)
        rid = (validate_id(record_id, kind=kind, field="id") if record_id is not None
               else self._new_id())
        values = normalize_fields(kind, fields or {}, record_id=rid)
        for name in spec.required:
            if values.get(name) is None:
                raise ValidationError("is required", kind=kind, record_id=rid, field=name)
        if self._roots[kind].get(rid) is not None:
            raise RecordExistsError("a record with this id already exists", kind=kind, record_id=rid)
        text = values.pop("text", None) if kind == "note" else None

        self._local(kind, rid,
                    lambda stamp: self._new_record(kind, rid, values, text, stamp, self.replica_id))
        return rid

    def update(self, kind: str, record_id: str, fields: Mapping[str, Any]) -> None:
        """Change only the fields given (``None`` clears one).

        The new value replaces the field's current value; values listed as
        conflicts stay listed until :meth:`resolve`. Raises RecordNotFoundError,
        RecordDeletedError (restore first) or ValidationError; nothing is written then.
        """
        record, grouped = self._live(kind, record_id)
        values = normalize_fields(kind, fields, record_id=record_id)
        spec = kind_spec(kind)
        for name in spec.required:
            if name in values and values[name] is None:
                raise ValidationError("is required", kind=kind, record_id=record_id, field=name)

        def change(stamp: int) -> None:
            for name, value in values.items():
                if kind == "note" and name == "text":
                    apply_text_diff(record[TEXT_KEY], value or "")
                else:
                    self._write(record, grouped.get(name, []), name, value, stamp, resolve=False)

        self._local(kind, record_id, change)

    def delete(self, kind: str, record_id: str) -> None:
        """Move a record to the trash (it can be restored; nothing of it is erased)."""
        record = self._container(kind, record_id)
        grouped = self._grouped(kind, record_id, record)
        if resolve_entries(kind, record_id, grouped).deleted:
            return
        seen = sorted(e.key for name, es in grouped.items() if not name.startswith("_") for e in es)

        def change(stamp: int) -> None:
            self._write(record, grouped.get(DELETED, []), DELETED,
                        {"deleted": True, "seen": seen}, stamp, resolve=True)

        self._local(kind, record_id, change)

    def restore(self, kind: str, record_id: str) -> None:
        """Bring a deleted record back, and settle any delete-vs-edit conflict."""
        record = self._container(kind, record_id)
        entries = self._grouped(kind, record_id, record).get(DELETED, [])
        if not entries:
            return

        def change(stamp: int) -> None:
            self._write(record, entries, DELETED, {"deleted": False}, stamp, resolve=True)

        self._local(kind, record_id, change)

    def resolve(self, kind: str, record_id: str, field: str, value: Any) -> None:
        """Settle a field: ``value`` (any value) replaces the current one and every conflict.

        For the delete-vs-edit conflict use ``field="deleted"`` with True or False.
        """
        if field in ("deleted", DELETED):
            if not isinstance(value, bool):
                raise ValidationError("must be true or false", kind=kind, record_id=record_id,
                                      field="deleted", value=value)
            self._resolve_deleted(kind, record_id, value)
            return
        record, grouped = self._live(kind, record_id)
        name, normal = self._normalize_one(kind, record_id, field, value)
        if normal is None and name in kind_spec(kind).required:
            raise ValidationError("is required", kind=kind, record_id=record_id, field=name)
        entries = grouped.get(name, [])
        self._local(kind, record_id,
                    lambda stamp: self._write(record, entries, name, normal, stamp, resolve=True))

    def _resolve_deleted(self, kind: str, record_id: str, value: bool) -> None:
        if not value:
            self.restore(kind, record_id)
            return
        record = self._container(kind, record_id)
        grouped = self._grouped(kind, record_id, record)
        seen = sorted(e.key for name, es in grouped.items() if not name.startswith("_") for e in es)
        self._local(kind, record_id,
                    lambda stamp: self._write(record, grouped.get(DELETED, []), DELETED,
                                              {"deleted": True, "seen": seen}, stamp,
                                              resolve=True))

    def _normalize_one(self, kind: str, record_id: str, field: str, value: Any) -> tuple[str, Any]:
        if field.startswith(MEMBER_PREFIX) and kind == "group":
            validate_id(field[len(MEMBER_PREFIX):], kind=kind, field=field)
            spec = kind_spec("contact").fields["is_private"]
            return field, normalize_value(spec, value, kind=kind, record_id=record_id)
        if kind == "note" and field == "text":
            raise ValidationError("note text merges character by character; edit it instead",
                                  kind=kind, record_id=record_id, field=field)
        ((name, normal),) = normalize_fields(kind, {field: value}, record_id=record_id).items()
        return name, normal

    def add_to_group(self, group_id: str, contact_id: str) -> None:
        """Make a contact a member of a group."""
        self._set_member(group_id, contact_id, True)

    def remove_from_group(self, group_id: str, contact_id: str) -> None:
        """Take a contact out of a group."""
        self._set_member(group_id, contact_id, False)

    def _set_member(self, group_id: str, contact_id: str, member: bool) -> None:
        record, grouped = self._live("group", group_id)
        if member:
            self._live("contact", contact_id)
        name = MEMBER_PREFIX + contact_id
        entries = grouped.get(name, [])
        self._local("group", group_id,
                    lambda stamp: self._write(record, entries, name, member, stamp, resolve=False))

    def edit_note_text(self, note_id: str, index: int, *, insert: str = "", delete: int = 0) -> None:
        """Insert and/or delete characters of a note body at ``index`` (in characters)."""
        record, _ = self._live("note", note_id)
        text: Text = record[TEXT_KEY]
        current = str(text)
        if not 0 <= index <= len(current) or delete < 0 or index + delete > len(current):
            raise ValidationError("index or length outside the note text", kind="note",
                                  record_id=note_id, field="text", value=index)
        new = current[:index] + insert + current[index + delete:]
        self._local("note", note_id, lambda stamp: apply_text_diff(text, new))

    def _write(self, record: Map[Any], entries: list[Entry], name: str, value: Any, stamp: int,
               *, resolve: bool) -> None:
        old = entries if resolve else superseded_by_edit(entries)
        if not resolve and old and all(e.value == value for e in old) and len(old) == len(entries):
            return  # same value, no conflict: writing it again would only add bytes
        if not entries and value is None:
            return
        for entry in old:
            del record[entry.key]
        record[entry_key(name, stamp, self.replica_id)] = encode_value(value)

    def write_external(self, kind: str, record_id: str, fields: Mapping[str, Any], *,
                       edited_ms: int, writer: str,
                       seen: Mapping[str, Any] | None = None) -> builtins.list[str]:
        """Take edits made outside handsync (in Act!, read by the bridge) as of ``edited_ms``.

        Each field whose value differs from the current one becomes an entry stamped
        with ``edited_ms`` and written by ``writer`` (a replica id such as ``act``);
        ``edited_ms`` is first corrected by the writer's clock offset (set with
        ``set_writer_offset``) and never taken later than now (engine/timing.py).
        It replaces the writer's own older values, and older values equal to
        ``seen[field]`` (what the outside system is known to have held: the value the
        bridge last wrote to it). Any other value stays: a newer one keeps winning, an
        older one is listed as a conflict — nothing a person typed on a device is lost.
        A record that does not exist yet is created under ``record_id`` (required
        fields are not enforced: the outside system owns them). Returns the fields
        written: none when every value is already current (no echo).
        """
        writer = check_replica_id(writer)
        kind_spec(kind)
        validate_id(record_id, kind=kind, field="id")
        values = normalize_fields(kind, fields, record_id=record_id)
        text = values.pop("text", None) if kind == "note" else None
        stamp = make_stamp(self.external_time(writer, edited_ms))
        record = self._roots[kind].get(record_id)
        if not isinstance(record, Map):
            self._local(kind, record_id,
                        lambda _: self._new_record(kind, record_id, values, text, stamp, writer),
                        stamp=stamp)
            return sorted(values)
        grouped = self._grouped(kind, record_id, record)
        order = (stamp, writer)
        writes: dict[str, Any] = {}
        for name, value in values.items():
            entries = grouped.get(name, [])
            if (winner(entries).value if entries else None) != value:
                writes[name] = value
        new_text = text is not None and str(record.get(TEXT_KEY, "")) != text
        if not writes and not new_text:
            return []

        known = dict(seen or {})

        def change(_: int) -> None:
            for name, value in writes.items():
                for entry in grouped.get(name, []):
                    if entry.order < order and (entry.replica == writer or (
                            name in known and entry.value == known[name])):
                        del record[entry.key]
                record[entry_key(name, stamp, writer)] = encode_value(value)
            if new_text:
                apply_text_diff(record[TEXT_KEY], text or "")

        self._local(kind, record_id, change, stamp=stamp)
        return sorted([*writes, *(["text"] if new_text else [])])

    def _new_record(self, kind: str, record_id: str, values: Mapping[str, Any],
                    text: str | None, stamp: int, writer: str) -> None:
        """Add the record map: one entry per set value, and a note's body as text."""
        tail = entry_key("", stamp, writer)  # every entry of the record shares "|stamp|writer"
        content: dict[str, Any] = {name + tail: encode_value(value)
                                   for name, value in values.items() if value is not None}
        record: Map[Any] = Map()
        self._roots[kind][record_id] = record
        insert_all(record, content)
        if kind == "note":
            record[TEXT_KEY] = Text(text or "")

    def _container(self, kind: str, record_id: str) -> Map[Any]:
        kind_spec(kind)
        record = self._roots[kind].get(record_id)
        if not isinstance(record, Map):
            raise RecordNotFoundError("no such record", kind=kind, record_id=record_id)
        return record

    def _live(self, kind: str, record_id: str) -> tuple[Map[Any], dict[str, builtins.list[Entry]]]:
        """The record's map and its entries by field; RecordDeletedError if it is deleted."""
        record = self._container(kind, record_id)
        grouped = self._grouped(kind, record_id, record)
        if resolve_entries(kind, record_id, grouped).deleted:
            raise RecordDeletedError("is deleted; restore it first", kind=kind, record_id=record_id)
        return record, grouped

    def _grouped(self, kind: str, record_id: str,
                 record: Map[Any]) -> dict[str, builtins.list[Entry]]:
        return self._rows.grouped(kind, record_id, record)


def check_replica_id(value: str) -> str:
    """Return ``value`` if it can name a replica (or an outside writer such as ``act``)."""
    if not value or len(value) > 64 or "|" in value or not value.isprintable():
        raise ValidationError("not a valid replica id (1-64 printable characters, no '|')",
                              field="replica_id", value=value)
    return value
