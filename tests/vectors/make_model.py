"""Vectors of the record model, written from the Python engine for the web engine to meet.

``python -m tests.vectors.generate`` writes them (this module's :func:`vectors`):

- ``stamps.json``: clock stamps (wall time and counter → the integer, as decimal text
  since it passes 2**53, and its base-36 text), texts that are and are not stamps, and
  :class:`engine.clock.HybridClock` runs (ticks, a clock going backwards, a remote
  stamp ahead beyond ``MAX_SKEW_MS``) with the clock's value after each step;
- ``normalize.json``: values in → what :func:`engine.schema.normalize_value` and
  :func:`engine.schema.normalize_fields` make of them, or the exact ValidationError
  message and field;
- ``resolve.json``: a record map's entries → :func:`engine.registers.resolve_record`'s
  record, deleted flag, last edit and conflicts, and the row a store keeps
  (:func:`engine.rows.build_row`, links and conflicts as a store gives them back),
  with ``sort_fields`` (the sort fields joined with U+FFFE, what the web client orders
  with Intl.Collator) in place of the ICU ``sort_key``;
- ``edits.json``: record edits (create, update, delete, restore, resolve, groups, note
  text, meeting the relay's time) made on a replica, with another replica's updates
  (hex) between them, and the entries (key → JSON text) and records it ends with: the
  web engine, making the same calls on the same clock, must write the same entries;
- ``scenarios.json``: Python replicas (:class:`engine.replica.Replica` on a
  :class:`engine.store.MemoryStore`, fixed client ids, clocks and ids) editing a space;
  each step hands one more replica, the observer, some of their updates (hex), in
  order, out of order or twice, and gives what the observer shows afterwards: every
  record, the conflicts, the rows, the list order and whether updates are missing.

clients/web/test/model_vectors.test.js holds the JavaScript engine to every one.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from engine.clock import MAX_SKEW_MS, HybridClock, decode_stamp, encode_stamp, make_stamp
from engine.errors import ValidationError
from engine.registers import encode_value, entry_key, resolve_record
from engine.replica import Replica
from engine.rows import _SORT_FIELDS, COLLATED, build_row
from engine.schema import KINDS, normalize_fields, normalize_value
from engine.space import settings_update
from engine.store import MemoryStore, RecordQuery, RecordRow

T0 = 1_800_000_000_000  # 2027-01-15T08:00:00Z


# ----------------------------------------------------------------------------- stamps

def stamp_vectors() -> dict[str, Any]:
    encode = []
    for wall, counter in [(0, 0), (0, 1), (1, 0), (T0, 0), (T0, 1), (T0, 65535), (T0 + 999, 42),
                          ((1 << 47) - 1, 65535)]:
        stamp = make_stamp(wall, counter)
        encode.append({"wall": wall, "counter": counter, "stamp": str(stamp),
                       "text": encode_stamp(stamp)})
    decode = []
    for text in ["0", "1", "z", "zzzzzzzzzzzzzzzz", "zzzzzzzzzzzzzzzzz", "00", "01", "-1", "+1",
                 "A", "1_0", " 1", "1 ", "", "1\n", "q8x2f7g0000", "ünï"]:
        try:
            decoded: str | None = str(decode_stamp(text))
        except ValueError:
            decoded = None
        decode.append({"text": text, "stamp": decoded})
    runs = []
    sequences: list[list[list[Any]]] = [
        [["tick", T0], ["tick", T0], ["tick", T0 + 5], ["tick", T0 + 2], ["tick", T0 + 2]],
        [["tick", T0], ["observe", str(make_stamp(T0 + 60_000, 3))], ["tick", T0 + 1]],
        [["bound", T0], ["observe", str(make_stamp(T0 + MAX_SKEW_MS + 3_600_000, 9))],
         ["tick", T0 + 1], ["observe", str(make_stamp(T0 - 10))], ["tick", T0 - 5000]],
        [["tick", T0 + 10_000_000], ["bound", T0], ["observe", str(make_stamp(T0 + 20_000_000))],
         ["tick", T0]],
        [["observe", str(make_stamp(T0, 65535))], ["tick", T0]],
    ]
    for ops in sequences:
        clock = HybridClock()
        after = []
        for op, arg in ops:
            if op == "tick":
                clock.tick(int(arg))
            elif op == "bound":
                clock.bound(int(arg))
            else:
                clock.observe(int(arg))
            after.append(str(clock.last))
        runs.append({"ops": ops, "last": after})
    return {"max_skew_ms": MAX_SKEW_MS, "encode": encode, "decode": decode, "clocks": runs}


# -------------------------------------------------------------------------- normalize

_VALUES: dict[tuple[str, str], list[Any]] = {
    ("contact", "first_name"): ["  Ann  ", "\u00a0Ann\u2003", "\ufeffAnn", "   ", "", "a\x00b", 5,
                                ["x"], True, None, "x" * 65537, "Ærø\x1c", "tab\there"],
    ("contact", "email"): ["Ann@Acme.Example", "not-an-email", "a@b", "a b@c.de", "a|b@c.de",
                           "ÄNN@ÜBER.DE", " ann@x.io ", "a@b.c.", 7],
    ("contact", "mobile_phone"): ["+1 555 0142 ext. 7", "555-0142 x12", "12", "call me", 5550142,
                                  "+49 (0)30 1234567", "555 0142#3", "555 0142 extension 44",
                                  "1" * 70, "５５５０１４２", "555 0142 x١٢", 1.5, True,
                                  "555\t0142 ,; X 9", "(555) 0142-x", 1e20],
    ("contact", "last_reach"): ["2026-12-03T10:00:00Z", "2026-12-03 10:00", "2026-12-03",
                                "2026-12-03T10:00:00.123456+05:30", "20261203T1000",
                                "2026-W49-4T10:00", "0001-01-01T00:00:00+01:00",
                                "9999-12-31T23:59:59-01:00", "2026-02-30", "yesterday", 5,
                                "2026-12-03T10:00:00,5z", "2026-12-03é10:00", "2026-12-03T24:00"],
    ("contact", "birthday"): ["1980-02-29", "1981-02-29", "1980-02-29T23:00:00Z",
                              "1980-02-29T23:00:00+05:00", "19800229", "1980-W09-5", "Feb 29", 5,
                              "1980-02-29zz"],
    ("contact", "is_private"): [True, False, "yes", "Off", " Y ", 1, 0, 2, "maybe", [], 0.5],
    ("note", "note_type_id"): [5, "42", " -7 ", "+3", "1.5", 1.5, True, "١٢٣",
                               "1234567890123456789", "12345678901234", [], -0.0],
    ("opportunity", "product_total"): [1.5, "2.5", "1e3", "1_000.5", "inf", "nan", "abc", True,
                                       [], "12", ".5", "5.", "1e400", "-0.25", "1__0", "0x10",
                                       "٣.٥"],
    ("activity", "duration"): [90, 0, 60, 61, 1440, -5, 1.5, "30 minutes", True, "  2 hours ",
                               1e20],
    ("contact", "contact_type"): ["contact", "SECONDARY", " user ", "Boss", 1, True],
    ("opportunity", "status"): ["won", "Lost", "2", 3, 5, "7", True, " open ", "03", "Inactive", "²", "3²", "٣"],
    ("contact", "company_id"): [" abc ", "a b", "{GUID-1}", "-x", "a" * 129, 5, "a.b:c_d-e"],
    ("note", "contact_ids"): [["b", "a", "b"], [{"id": "x"}, {"name": "y"}], "abc", ["bad id"],
                              [], [5], ["ä"]],
    ("activity", "recur_spec"): [{"b": 1, "a": [1, 2, {"d": None, "c": "x"}]}, "text", 5, True,
                                 [], {"ü": "\n"}, [0.1, -2.5e-7, 1e21]],
    ("note", "text"): ["  keep spaces  ", "   ", 5, "line\nbreak"],
}

_FIELDS: list[tuple[str, dict[str, Any], str | None]] = [
    ("contact", {"first_name": " Ann ", "Favourite": " blue ", "custom.size": 42}, "c1"),
    ("contact", {"custom": {"a": 1, "b": True, "c": None, "d": " x ", "e": 2.5}}, None),
    ("contact", {"custom": "no"}, "c1"),
    ("contact", {"_hidden": 1}, "c1"),
    ("contact", {"a|b": 1}, None),
    ("contact", {"  ": 1}, None),
    ("contact", {"x" * 101: 1}, None),
    ("contact", {"tab\tname": 1}, None),
    ("contact", {"id": "x"}, "c1"),
    ("contact", {"members": []}, "c1"),
    ("group", {"deleted": True}, None),
    ("contact", {"x": [1]}, "c1"),
    ("contact", {"x": {"a": 1}}, "c1"),
    ("contact", {"x": "y" * 65537}, "c1"),
    ("company", {"name": "Acme", "phone": "555 0100", "website": None}, "co1"),
    ("spaceship", {"name": "x"}, None),
    ("contact", {"email": "ok@x.io", "mobile_phone": "no"}, "c2"),
]


def _outcome(run: Callable[[], Any]) -> dict[str, Any]:
    try:
        return {"ok": run()}
    except ValidationError as exc:
        return {"error": str(exc), "field": exc.field}


def _iso_like(count: int) -> list[str]:
    """Strings built from the pieces of ISO-8601 texts, seeded: each reader's corners
    (Python's fromisoformat takes separators, week dates, commas, offsets with seconds)."""
    rng = random.Random(3)
    parts = ["2026", "-", "12", "03", "T", " ", "10", ":", "00", "00", ".", "5", "123456789",
             ",", "Z", "z", "+", "-", "05", "30", "W", "49", "4", "x", "é", "0001", "9999", "01",
             "31", "02", "29", "24", "60", "1"]
    out: set[str] = set()
    while len(out) < count:
        out.add("".join(rng.choice(parts) for _ in range(rng.randint(3, 9))))
    return sorted(out)


def normalize_vectors() -> dict[str, Any]:
    values = []
    for (kind, field), cases in _VALUES.items():
        spec = KINDS[kind].fields[field]
        for value in cases:
            def run(value: Any = value, spec: Any = spec, kind: str = kind) -> Any:
                return normalize_value(spec, value, kind=kind, record_id="r1")
            values.append({"kind": kind, "field": field, "value": value, **_outcome(run)})
    for text in _iso_like(300):
        for kind, field in (("contact", "last_reach"), ("contact", "birthday")):
            def run_iso(text: str = text, kind: str = kind, field: str = field) -> Any:
                return normalize_value(KINDS[kind].fields[field], text, kind=kind, record_id="r1")
            values.append({"kind": kind, "field": field, "value": text, **_outcome(run_iso)})
    fields = []
    for kind, given, record_id in _FIELDS:
        def run_fields(kind: str = kind, given: dict[str, Any] = given,
                       record_id: str | None = record_id) -> Any:
            return normalize_fields(kind, given, record_id=record_id)
        fields.append({"kind": kind, "fields": given, "record_id": record_id,
                       **_outcome(run_fields)})
    return {"values": values, "fields": fields}


# --------------------------------------------------------------------------- resolve

def sort_fields(kind: str, data: dict[str, Any], sort_key: str) -> str:
    """What the web client orders by: the sort fields joined with U+FFFE for the kinds
    ordered by name, else the store's sort text itself."""
    if kind in COLLATED:
        return "\ufffe".join(str(data.get(n) or "") for n in _SORT_FIELDS[kind])
    return sort_key


def row_dict(row: RecordRow) -> dict[str, Any]:
    """A row as a store gives it back (links a sorted set, conflicts in order), with
    ``sort_fields`` instead of the ICU key. Stamps (``updated``, a conflict's ``stamp``)
    are decimal text: they pass 2**53, which JSON numbers read in JavaScript do not hold."""
    return {"kind": row.kind, "id": row.id, "deleted": row.deleted, "updated": str(row.updated),
            "updated_by": row.updated_by, "data": row.data, "search": row.search,
            "sort_fields": sort_fields(row.kind, row.data, row.sort_key),
            "sort_tail": row.sort_tail, "company_id": row.company_id, "company": row.company,
            "links": sorted(set(row.links)),
            "conflicts": [{**c, "stamp": str(c["stamp"])} for c in
                          sorted(row.conflicts, key=lambda c: (c["field"], c["stamp"], c["replica"]))]}


def _resolve_case(kind: str, record_id: str, entries: dict[str, Any],
                  text: str | None = None) -> dict[str, Any]:
    resolved = resolve_record(kind, record_id, entries, text)
    return {
        "kind": kind, "id": record_id, "entries": entries, "text": text,
        "data": resolved.data, "deleted": resolved.deleted,
        "updated": encode_stamp(resolved.updated), "updated_by": resolved.updated_by,
        "conflicts": [{**c.to_dict(), "stamp": encode_stamp(c.stamp)} for c in resolved.conflicts],
        "row": row_dict(build_row(resolved)),
    }


def _k(name: str, wall: int, replica: str, counter: int = 0) -> str:
    return entry_key(name, make_stamp(T0 + wall, counter), replica)


def _handmade() -> list[dict[str, Any]]:
    v = encode_value
    cases: list[tuple[str, str, dict[str, Any], str | None]] = [
        ("contact", "c1", {_k("first_name", 1, "a"): v("Ann"), _k("last_name", 1, "a"): v("Müller"),
                           _k("email", 1, "a"): v("ann@x.io"), _k("mobile_phone", 1, "a"): v("+1 555 0142 x7"),
                           _k("company", 1, "a"): v("Bäckerei O'Neil-Søren GmbH"),
                           _k("company_id", 1, "a"): v("co1")}, None),
        # a same-field conflict: the newest wins, the tie of stamps goes to the greater replica
        ("contact", "c2", {_k("email", 5, "a"): v("a@x.io"), _k("email", 5, "b"): v("b@x.io"),
                           _k("email", 3, "c"): v("c@x.io"), _k("first_name", 2, "a"): v("Bo")}, None),
        # equal values in several entries are no conflict (1 == true in Python)
        ("contact", "c3", {_k("custom.n", 1, "a"): "1", _k("custom.n", 2, "b"): "true",
                           _k("custom.m", 1, "a"): "1.0", _k("custom.m", 1, "b"): "1"}, None),
        # a cleared field keeps its conflicts
        ("contact", "c4", {_k("email", 7, "a"): "null", _k("email", 6, "b"): v("b@x.io")}, None),
        # a delete that saw everything
        ("contact", "c5", {_k("first_name", 1, "a"): v("Cy"),
                           _k("_deleted", 2, "a"): v({"deleted": True, "seen": [_k("first_name", 1, "a")]})},
         None),
        # a delete that did not see a concurrent edit: alive, the delete a conflict
        ("contact", "c6", {_k("first_name", 1, "a"): v("Di"), _k("last_name", 3, "b"): v("Ek"),
                           _k("_deleted", 2, "a"): v({"deleted": True, "seen": [_k("first_name", 1, "a")]})},
         None),
        # a restore and a concurrent delete
        ("contact", "c7", {_k("first_name", 1, "a"): v("Fa"),
                           _k("_deleted", 4, "a"): v({"deleted": False}),
                           _k("_deleted", 3, "b"): v({"deleted": True, "seen": [_k("first_name", 1, "a")]})},
         None),
        # "seen" as text or a mapping, as Python's set.update reads them
        ("contact", "c8", {_k("x", 1, "a"): v(1),
                           _k("_deleted", 2, "a"): v({"deleted": 1, "seen": {_k("x", 1, "a"): 0}})}, None),
        ("contact", "c9", {"x|1|a": v(1), _k("_deleted", 2, "a"): v({"deleted": "yes", "seen": "x|1|a"})},
         None),
        # keys and values that are not entries
        ("contact", "c10", {"plain": v("x"), "a|b": v("x"), "f|00|a": v("x"), "f|1|a": 5,
                            "g|1|a": "{not json", "h|1|a": '"tab\tin"', "i|1|a": '"esc\\u0041"',
                            "a|b|q8x2f7g0000|r": v("pipes"), "_text": "t",
                            "j|1|a": "NaN-ish", "k|1|a": "[1, 2]", "l|zzzzzzzzzzzzzzzzz|a": v(1)},
         None),
        # a group's members, custom fields, a field named like a derived one
        ("group", "g1", {_k("name", 1, "a"): v("Team"), _k("member:c2", 2, "a"): "true",
                         _k("member:c1", 2, "a"): "true", _k("member:c3", 3, "a"): "false",
                         _k("member:c4", 2, "b"): "1", _k("custom.color", 1, "a"): v("red"),
                         _k("members", 1, "a"): v(["zz"])}, None),
        ("note", "n1", {_k("contact_ids", 1, "a"): v(["c2", "c1"]), _k("display_date", 1, "a"):
                        v("2026-12-03T10:00:00.000Z"), _k("text", 1, "a"): v("entry text")},
         "Body ünïcode 😀"),
        ("history", "h1", {_k("regarding", 1, "a"): v("Call"), _k("start_time", 1, "a"):
                           v("2026-12-03T10:00:00.000Z"), _k("contact_ids", 1, "a"): v("ab")}, None),
        ("activity", "a1", {_k("subject", 1, "a"): v("Demo"), _k("location", 2, "b"): v("Berlin"),
                            _k("start_time", 1, "a"): v("2026-12-04T09:00:00.000Z"),
                            _k("recur_spec", 1, "a"): v({"every": 2, "unit": "week"})}, None),
        ("opportunity", "o1", {_k("name", 1, "a"): v("Deal"), _k("stage", 1, "a"): v("Proposal"),
                               _k("status", 1, "a"): "0", _k("product_total", 1, "a"): "1234.5",
                               _k("contact_ids", 1, "a"): v(["c1"])}, None),
        ("company", "co1", {_k("name", 1, "a"): v("Acme"), _k("phone", 1, "a"): v("(555) 010-0100"),
                            _k("website", 1, "a"): v("acme.example")}, None),
        ("contact", "c11", {_k("last_name", 1, "a"): "0", _k("first_name", 1, "a"): "false",
                            _k("full_name", 1, "a"): "[]", _k("company", 1, "a"): "12.5",
                            _k("email", 1, "a"): v("MiXeD@Case.IO")}, None),
        ("contact", "c12", {_k("first_name", 1, "ä"): v("x"), _k("first_name", 1, "\U0001F600"): v("y"),
                            _k("first_name", 1, "\uffff"): v("z")}, None),
    ]
    return [_resolve_case(*case) for case in cases]


_POOL_VALUES: list[Any] = ["Ann", "ann", "Ånn", "", " ", 0, 1, 2, 1.5, True, False, None, [1],
                           ["c1", "c2"], {"a": 1}, {"deleted": True}, "555 0142", "x\ny"]
_POOL_LINKS: list[Any] = [["c1", "c2"], ["c2"], [], "ab", None, True, 5, {"c1": 1}, ["c1", 7]]
# What a faulty peer may write as a delete's "seen": only a list's text items count.
_POOL_SEEN: list[Any] = [7, None, "abc", {"x": 1}, [["x"]], True]
_POOL_FIELDS = ["first_name", "last_name", "email", "mobile_phone", "company", "company_id",
                "custom.x", "member:c1", "contact_ids", "name", "_deleted", "members", "text"]


def _random_cases(count: int) -> list[dict[str, Any]]:
    rng = random.Random(16)
    cases = []
    for n in range(count):
        kind = rng.choice(list(KINDS))
        entries: dict[str, Any] = {}
        for _ in range(rng.randint(1, 9)):
            name = rng.choice(_POOL_FIELDS)
            key = _k(name, rng.randint(0, 4), rng.choice("abc"), rng.choice([0, 0, 1]))
            if name == "_deleted":
                seen: Any = rng.sample(sorted(entries), k=min(len(entries), rng.randint(0, 3)))
                if rng.random() < 0.15:
                    seen = rng.choice(_POOL_SEEN)
                entries[key] = encode_value({"deleted": rng.random() < 0.7, "seen": seen})
            elif name in ("contact_ids", "members"):
                entries[key] = encode_value(rng.choice(_POOL_LINKS))
            else:
                entries[key] = encode_value(rng.choice(_POOL_VALUES))
        text = "body" if kind == "note" else None
        cases.append(_resolve_case(kind, f"r{n}", entries, text))
    return cases


def resolve_vectors() -> dict[str, Any]:
    return {"cases": _handmade() + _random_cases(150)}


# ------------------------------------------------------------------------- scenarios

class _World:
    """Python replicas of one space on a shared, hand-moved time, and the observer."""

    def __init__(self) -> None:
        self.time = T0
        self.replicas: dict[str, Replica] = {}
        self.sent: dict[str, int] = {}
        self.observer = Replica(MemoryStore(), clock=lambda: self.time, replica_id="observer",
                                client_id=999)
        self.steps: list[dict[str, Any]] = []

    def add(self, name: str, client_id: int, skew_ms: int = 0) -> Replica:
        ids = iter(f"{name}-id{n}" for n in range(1000))
        replica = Replica(MemoryStore(), clock=lambda: self.time + skew_ms, replica_id=name,
                          client_id=client_id, new_id=lambda: next(ids))
        self.replicas[name] = replica
        self.sent[name] = 0
        return replica

    def tick(self, ms: int = 1000) -> None:
        self.time += ms

    def new_updates(self, name: str) -> list[bytes]:
        """The updates ``name`` made since last asked (what its outbox sends)."""
        entries = self.replicas[name].outbox(self.sent[name])
        if entries:
            self.sent[name] = entries[-1][0]
        return [update for _, update in entries]

    def sync(self, source: str, target: str) -> None:
        """Bring ``target`` up to date with ``source`` (a state-vector exchange)."""
        tgt = self.replicas[target]
        tgt.apply_remote([self.replicas[source].diff(tgt.state_vector())])

    def deliver(self, note: str, updates: list[bytes]) -> None:
        """Hand the observer ``updates`` in this order, and record what it shows."""
        result = self.observer.apply_remote(updates)
        self.steps.append({"note": note, "updates": [u.hex() for u in updates],
                           "missing": result.missing, **observed(self.observer)})


def observed(replica: Replica) -> dict[str, Any]:
    """Everything a replica shows: records, conflicts, rows and list order."""
    records: dict[str, dict[str, Any]] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    lists: dict[str, list[str]] = {}
    for kind in KINDS:
        stored = replica.store.query(RecordQuery(kind, include_deleted=True))
        rows[kind] = sorted((row_dict(r) for r in stored), key=lambda r: r["id"])
        records[kind] = {r.id: replica.get(kind, r.id, include_deleted=True) for r in stored}
        lists[kind] = [str(r["id"]) for r in replica.list(kind)]
    conflicts = [{**c, "stamp": str(c["stamp"])} for c in replica.conflicts()]  # past 2**53
    return {"records": records, "conflicts": conflicts, "rows": rows, "lists": lists}


def _contacts_and_conflicts() -> dict[str, Any]:
    w = _World()
    a, b, c = w.add("ann", 11), w.add("bob", 22), w.add("cy", 33, skew_ms=-120_000)
    a.create("contact", {"first_name": "Ann", "last_name": "Müller", "email": "Ann@Acme.example",
                         "mobile_phone": "+1 555 0142 ext. 7", "Favourite": "blue"}, record_id="c1")
    a.create("contact", {"first_name": "Bob", "last_name": "Marsh"}, record_id="c2")
    a.create("company", {"name": "Acme", "phone": "555 0100"}, record_id="co1")
    w.deliver("ann creates two contacts and a company", w.new_updates("ann"))
    for other in ("bob", "cy"):
        w.sync("ann", other)
    w.tick()
    a.update("contact", "c1", {"job_title": "CEO", "company": "Acme", "company_id": "co1"})
    b.update("contact", "c1", {"mobile_phone": "555 0199"})
    w.deliver("edits of different fields on two replicas", w.new_updates("ann") + w.new_updates("bob"))
    w.tick()
    a.update("contact", "c2", {"email": "bob@office.example"})
    w.tick(5)
    b.update("contact", "c2", {"email": "bob@phone.example"})
    c.update("contact", "c2", {"email": "bob@cy.example"})  # its clock runs two minutes behind
    w.deliver("the same field on three replicas: the newest wins, the others are conflicts",
              w.new_updates("cy") + w.new_updates("ann") + w.new_updates("bob"))
    for x in ("ann", "bob", "cy"):
        for y in ("ann", "bob", "cy"):
            if x != y:
                w.sync(x, y)
    w.new_updates("ann"), w.new_updates("bob"), w.new_updates("cy")
    w.tick()
    a.resolve("contact", "c2", "email", "bob@marsh.example")
    w.deliver("ann resolves the conflict", w.new_updates("ann"))
    w.tick()
    a.delete("contact", "c2")
    b.update("contact", "c2", {"last_name": "Marsh-Smith"})
    w.deliver("a delete and a concurrent edit: the record stays, the delete is a conflict",
              w.new_updates("ann") + w.new_updates("bob"))
    w.sync("bob", "ann")
    w.tick()
    a.resolve("contact", "c2", "deleted", True)
    w.deliver("the delete is confirmed", w.new_updates("ann"))
    w.sync("ann", "bob")
    w.tick()
    b.restore("contact", "c2")
    w.deliver("and restored", w.new_updates("bob"))
    w.tick()
    a.update("contact", "c1", {"Favourite": None, "custom": {"size": 42}})
    b.update("contact", "c1", {"last_name": "Muller", "email": None})
    w.deliver("custom fields and a cleared e-mail", w.new_updates("bob") + w.new_updates("ann"))
    return {"name": "contacts and conflicts", "steps": w.steps}


def _groups_notes_and_more() -> dict[str, Any]:
    w = _World()
    a, b = w.add("ann", 11), w.add("bob", 22)
    a.create("contact", {"first_name": "Öst", "last_name": "Öst"}, record_id="c1")
    a.create("contact", {"first_name": "Ost", "last_name": "Ost"}, record_id="c2")
    a.create("contact", {"first_name": "Zoë", "last_name": "Zander"}, record_id="c3")
    a.create("group", {"name": "Field team"}, record_id="g1")
    a.add_to_group("g1", "c1")
    a.add_to_group("g1", "c3")
    a.create("note", {"text": "Met at the fair.", "contact_ids": ["c1"],
                      "display_date": "2026-12-03T10:00"}, record_id="n1")
    w.deliver("contacts, a group with members, a note", w.new_updates("ann"))
    w.sync("ann", "bob")
    w.tick()
    a.edit_note_text("n1", 0, insert="Ann: ")
    b.edit_note_text("n1", 16, insert=" Wants a demo.")
    b.update("note", "n1", {"is_private": "yes"})
    w.deliver("the note body edited concurrently at both ends", w.new_updates("bob") + w.new_updates("ann"))
    w.tick()
    a.remove_from_group("g1", "c1")
    b.add_to_group("g1", "c2")
    w.deliver("members taken out and added concurrently", w.new_updates("ann") + w.new_updates("bob"))
    w.sync("ann", "bob")
    w.sync("bob", "ann")
    w.new_updates("ann"), w.new_updates("bob")
    w.tick()
    b.update("note", "n1", {"text": "Bob rewrote it: wants a demo in January."})
    a.create("history", {"regarding": "Call", "details": "Talked about pricing",
                         "start_time": "2026-12-02T09:30:00+01:00", "duration": 45,
                         "contact_ids": ["c1", "c3"]}, record_id="h1")
    a.create("activity", {"subject": "Demo", "start_time": "2026-12-04 10:00", "location": "Berlin",
                          "is_all_day": False, "recur_spec": {"every": 1, "unit": "week"},
                          "contact_ids": ["c3"]}, record_id="a1")
    a.create("opportunity", {"name": "Fleet renewal", "status": "open", "probability": "40",
                             "product_total": "12500.50", "contact_ids": ["c1"]}, record_id="o1")
    a.create("company", {"name": "Zeta GmbH", "website": "zeta.example"}, record_id="co2")
    w.deliver("history, an activity, an opportunity, a company; a note rewritten whole",
              w.new_updates("ann") + w.new_updates("bob"))
    w.sync("ann", "bob")
    w.new_updates("bob")
    w.tick()
    b.update("opportunity", "o1", {"status": "won", "stage": "Closed"})
    b.delete("activity", "a1")
    w.deliver("an opportunity won, an activity deleted", w.new_updates("bob"))
    w.deliver("the space's locale set to Swedish: Ö after Z", [settings_update("sv", client_id=7)])
    return {"name": "groups, notes, activities, history, opportunities", "steps": w.steps}


def _out_of_order() -> dict[str, Any]:
    w = _World()
    a, b = w.add("ann", 11), w.add("bob", 22)
    a.create("contact", {"first_name": "Ann"}, record_id="c1")
    first = w.new_updates("ann")
    w.sync("ann", "bob")
    w.tick()
    a.update("contact", "c1", {"last_name": "Lee"})
    second = w.new_updates("ann")
    w.tick()
    a.update("contact", "c1", {"email": "ann@lee.example"})
    third = w.new_updates("ann")
    w.tick()
    b.update("contact", "c1", {"job_title": "CTO"})
    bobs = w.new_updates("bob")
    w.deliver("bob's edit of a record the observer has not seen yet: it waits", bobs)
    w.deliver("ann's third update before her second: it waits too", third)
    w.deliver("ann's first update: the record and bob's edit appear", first)
    w.deliver("the second arrives: everything follows on", second)
    w.deliver("the same updates again change nothing", first + second + third + bobs)
    # two replicas create the same id concurrently: one record map wins everywhere
    w.tick()
    a.create("contact", {"first_name": "From ann"}, record_id="dup")
    b.create("contact", {"first_name": "From bob"}, record_id="dup")
    w.deliver("one id created on two replicas at once", w.new_updates("bob") + w.new_updates("ann"))
    return {"name": "out of order, duplicates, one id created twice", "steps": w.steps}


def _random_edits(seed: int, steps: int) -> dict[str, Any]:
    """Three replicas editing a few records at random, syncing now and then; the observer
    gets their updates in shuffled batches, some twice, some late."""
    rng = random.Random(seed)
    w = _World()
    names = ["ann", "bob", "cy"]
    for n, name in enumerate(names):
        w.add(name, 40 + n, skew_ms=rng.choice([0, 0, -30_000, 90_000]))
    first = w.replicas["ann"]
    for n in range(4):
        first.create("contact", {"first_name": f"P{n}", "email": f"p{n}@x.io"}, record_id=f"c{n}")
    first.create("group", {"name": "G"}, record_id="g1")
    first.create("note", {"text": "one two three"}, record_id="n1")
    held: list[bytes] = []
    w.deliver("the records everyone starts from", w.new_updates("ann"))
    for name in names[1:]:
        w.sync("ann", name)
    values = ["Ann", "Bo", "Cy", "Dee", None]
    for step in range(steps):
        w.tick(rng.choice([1, 5, 1000]))
        for name in rng.sample(names, rng.randint(1, 3)):
            r = w.replicas[name]
            rid = f"c{rng.randrange(4)}"
            deleted = r.get("contact", rid, include_deleted=True)["deleted"]
            action = rng.random()
            if deleted:
                if action < 0.5:
                    r.restore("contact", rid)
            elif action < 0.5:
                field = rng.choice(["first_name", "last_name", "email"])
                value = rng.choice(values) if rng.random() < 0.8 else None
                if field == "email" and value is not None:
                    value = f"{value.lower()}@x.io"
                r.update("contact", rid, {field: value})
            elif action < 0.6:
                r.delete("contact", rid)
            elif action < 0.7 and r.conflicts("contact", rid):
                conflict = r.conflicts("contact", rid)[0]
                field = "deleted" if conflict["field"] == "_deleted" else conflict["field"]
                r.resolve("contact", rid, field, conflict["value"])
            elif action < 0.85:
                (r.add_to_group if rng.random() < 0.6 else r.remove_from_group)("g1", rid)
            else:
                text = str(r.get("note", "n1")["text"])
                at = rng.randint(0, len(text))
                r.edit_note_text("n1", at, insert=rng.choice(["x", "yz ", "ü"]),
                                 delete=min(rng.randint(0, 2), len(text) - at))
        if rng.random() < 0.4:
            a, b = rng.sample(names, 2)
            w.sync(a, b)
        batch = [u for name in names for u in w.new_updates(name)]
        rng.shuffle(batch)
        if batch and rng.random() < 0.3:
            held.append(batch.pop())  # arrives later
        if rng.random() < 0.3 and held:
            batch += held
            held = []
        if batch and rng.random() < 0.3:
            batch.append(rng.choice(batch))  # a duplicate
        w.deliver(f"random step {step}", batch)
    w.deliver("everything held back arrives", held)
    return {"name": f"random edits (seed {seed})", "steps": w.steps}


def scenario_vectors() -> dict[str, Any]:
    return {"scenarios": [_contacts_and_conflicts(), _groups_notes_and_more(), _out_of_order(),
                          _random_edits(1, 25), _random_edits(2, 25)]}


# ----------------------------------------------------------------------------- edits

def _entries_of(replica: Replica) -> dict[str, dict[str, dict[str, Any]]]:
    """Every record map of a replica's document as it holds it: entry key → JSON text,
    and a note's body as text under ``_text``."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, root in replica._roots.items():
        out[kind] = {str(rid): {str(k): str(v) for k, v in record.items()}
                     for rid, record in root.items()}
    return out


def _edit_run(name: str, ops: list[list[Any]]) -> dict[str, Any]:
    """Run ``ops`` on a replica ("me"); ops on "other" become the update they make,
    applied to "me" as ``["apply", hex]``. Gives the entries and records "me" ends with."""
    time = {"me": T0, "other": T0}
    me = Replica(MemoryStore(), clock=lambda: time["me"], replica_id="me", client_id=5)
    other = Replica(MemoryStore(), clock=lambda: time["other"], replica_id="other", client_id=6)
    sent = 0
    written: list[list[Any]] = []
    for op in ops:
        if op[0] == "other":
            other.apply_remote([me.diff(other.state_vector())])
            action, *args = op[1:]
            if action == "clock":
                time["other"] = args[0]
                continue
            getattr(other, action)(*args)
            entries = other.outbox(sent)
            sent = entries[-1][0]
            written.append(["apply", merge_hex([u for _, u in entries])])
            me.apply_remote([u for _, u in entries])
            continue
        written.append(op)
        action, *args = op
        if action == "clock":
            time["me"] = args[0]
        elif action == "edit_note_text":
            me.edit_note_text(args[0], args[1], insert=args[2], delete=args[3])
        elif action == "create":
            me.create(args[0], args[1], record_id=args[2])
        elif action == "acknowledge":
            me.acknowledge(me.outbox()[-1][0])
        else:
            getattr(me, action)(*args)
    shown = {kind: {rid: me.get(kind, rid, include_deleted=True) for rid in records}
             for kind, records in _entries_of(me).items()}
    return {"name": name, "ops": written, "entries": _entries_of(me), "records": shown,
            "offset": me.time_offset, "restamped": me.restamped, "clock": str(me.clock.last)}


def merge_hex(updates: list[bytes]) -> str:
    from engine.updates import merge

    return merge(updates).hex()


def edit_vectors() -> dict[str, Any]:
    t = T0
    runs = [
        _edit_run("create, update, clear, custom fields", [
            ["create", "contact", {"first_name": "Ann", "email": "Ann@x.io", "Shoe": 42}, "c1"],
            ["clock", t + 10], ["update", "contact", "c1", {"first_name": "Anna", "email": None}],
            ["update", "contact", "c1", {"first_name": "Anna"}],  # the same value: nothing written
            ["clock", t + 5], ["update", "contact", "c1", {"last_name": "Lee", "custom": {"Shoe": None}}],
            ["create", "company", {"name": "Acme", "phone": "555 0100"}, "co1"],
        ]),
        _edit_run("a conflict, an edit that keeps it, a resolve", [
            ["create", "contact", {"email": "a@x.io"}, "c1"],
            ["other", "clock", t + 100], ["other", "update", "contact", "c1", {"email": "other@x.io"}],
            ["clock", t + 50], ["update", "contact", "c1", {"email": "me@x.io"}],
            ["clock", t + 200], ["update", "contact", "c1", {"email": "me2@x.io"}],
            ["clock", t + 300], ["resolve", "contact", "c1", "email", "final@x.io"],
        ]),
        _edit_run("deletes, a concurrent edit, restores, resolving the delete", [
            ["create", "contact", {"first_name": "Bo"}, "c1"],
            ["other", "clock", t + 20], ["other", "update", "contact", "c1", {"last_name": "Marsh"}],
            ["clock", t + 10], ["delete", "contact", "c1"],
            ["clock", t + 30], ["resolve", "contact", "c1", "deleted", True],
            ["clock", t + 40], ["restore", "contact", "c1"],
            ["clock", t + 50], ["delete", "contact", "c1"], ["delete", "contact", "c1"],
        ]),
        _edit_run("groups and notes", [
            ["create", "contact", {"first_name": "Cy"}, "c1"],
            ["create", "group", {"name": "Team"}, "g1"], ["add_to_group", "g1", "c1"],
            ["add_to_group", "g1", "c1"], ["remove_from_group", "g1", "c1"],
            ["resolve", "group", "g1", "member:c1", "yes"],
            ["create", "note", {"text": "Hello wörld 😀", "contact_ids": ["c1"]}, "n1"],
            ["edit_note_text", "n1", 6, "big ", 0], ["edit_note_text", "n1", 14, "!", 2],
            ["update", "note", "n1", {"text": "Hello big world!", "is_private": True}],
        ]),
        _edit_run("a clock an hour ahead meets the relay's time", [
            ["clock", t + 3_600_000],
            ["create", "contact", {"first_name": "Di", "last_name": "Ek"}, "c1"],
            ["clock", t + 3_600_010], ["delete", "contact", "c1"],
            ["clock", t + 3_600_020], ["restore", "contact", "c1"],
            ["meet_time", t], ["clock", t + 3_600_030], ["update", "contact", "c1", {"first_name": "Dia"}],
            ["meet_time", t + 500], ["acknowledge"],
        ]),
    ]
    return {"runs": runs}


def vectors() -> dict[str, Any]:
    """The files this module writes, by name (see tests/vectors/generate.py)."""
    return {"stamps.json": stamp_vectors(), "normalize.json": normalize_vectors(),
            "resolve.json": resolve_vectors(), "scenarios.json": scenario_vectors(),
            "edits.json": edit_vectors()}


if __name__ == "__main__":
    print(json.dumps({name: len(json.dumps(v)) for name, v in vectors().items()}))
