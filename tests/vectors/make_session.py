"""Session vectors: scripted exchanges of engine/session.py's SyncSession with a replica.

``tests/vectors/session.json`` holds scenarios. Each gives the session's options, the
local updates the replica holds before it connects (its outbox), and steps: connect, a
frame received (as a peer or the relay would send it), or local edits (their updates)
followed by ``local_changed``. After each step it records what the Python session sent
(frames as hex), the events it reported (the field names of engine/session.py's events,
bytes as ``{"hex": …}``), its cursor, how many updates are unacknowledged, and whether the
replica waits for missing updates.

Every update in a scenario is made by Python replicas (engine/replica.py), so the web
client's session, replayed over a replica that holds the same updates
(clients/web/test/session_vectors.test.js), must send the same messages and report the
same events. What is left out is what depends on a replica rather than on the session:
re-stamping (its update is the replica's own) and updates that are not valid Yjs (the
replica's error text). A SyncStep1 whose state vector is malformed is left out too: here
the document's diff raises ValueError out of ``receive_data``, while the web session
refuses it as bad input (Failed, 4400).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from engine.codec import (
    Ack,
    Awareness,
    CaughtUp,
    CloseCode,
    Error,
    Hello,
    Message,
    QueryAwareness,
    Relayed,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    Time,
    encode,
)
from engine.replica import Replica
from engine.session import SessionEvent, SyncSession
from engine.store import MemoryStore

NOW = 1_750_000_000_000


def _replica(name: str, client_id: int) -> Replica:
    """A replica whose clock reads NOW, NOW + 1 … (far within the 1 s a Time may move it)."""
    ticks = iter(range(NOW, NOW + 1_000_000))
    ids = iter(range(1, 10_000))
    return Replica(MemoryStore(), clock=lambda: next(ticks), replica_id=name,
                   new_id=lambda: f"{name}-{next(ids)}", client_id=client_id)


def _new_updates(replica: Replica, edit: Callable[[], object]) -> list[bytes]:
    """Make local edits on ``replica``; return the outbox updates they added."""
    after = replica.last_seq
    edit()
    return [update for _, update in replica.outbox(after)]


def _frame(*messages: Message) -> bytes:
    return b"".join(encode(m) for m in messages)


def _fields(event: SessionEvent) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(event).__name__}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        out[field.name] = {"hex": value.hex()} if isinstance(value, bytes) else value
    return out


class _Script:
    """Runs a SyncSession step by step and records what it does."""

    def __init__(self, name: str, replica: Replica, **options: int) -> None:
        self.replica = replica
        self.session = SyncSession(replica, **options)  # type: ignore[arg-type]
        self.scenario: dict[str, Any] = {
            "name": name, "replica_id": replica.replica_id, "options": options,
            "outbox": [update.hex() for _, update in replica.outbox()], "steps": []}

    def _record(self, step: dict[str, Any]) -> None:
        step.update(
            out=[frame.hex() for frame in self.session.data_to_send()],
            events=[_fields(e) for e in self.session.events_received()],
            cursor=self.session.cursor, unacknowledged=self.session.unacknowledged,
            missing=self.replica.missing)
        self.scenario["steps"].append(step)

    def connect(self) -> _Script:
        self.session.connect()
        self._record({"do": "connect"})
        return self

    def receive(self, *messages: Message) -> _Script:
        frame = _frame(*messages)
        self.session.receive_data(frame)
        self._record({"do": "receive", "frame": frame.hex()})
        return self

    def receive_bytes(self, frame: bytes) -> _Script:
        self.session.receive_data(frame)
        self._record({"do": "receive", "frame": frame.hex()})
        return self

    def local(self, edit: Callable[[], object]) -> _Script:
        updates = _new_updates(self.replica, edit)
        self.session.local_changed()
        self._record({"do": "local", "updates": [u.hex() for u in updates]})
        return self


def _source_updates(count: int) -> list[bytes]:
    """``count`` updates of another device: a contact created, then edited."""
    source = _replica("src", 2)
    updates = _new_updates(source, lambda: source.create(
        "contact", {"first_name": "Ann", "last_name": "Lee"}, record_id="c1"))
    for n in range(count - 1):
        updates += _new_updates(source, lambda n=n: source.update(  # type: ignore[misc]
            "contact", "c1", {"job_title": f"Title {n}"}))
    return updates


def _with_contacts(name: str, client_id: int, count: int) -> Replica:
    replica = _replica(name, client_id)
    for n in range(count):
        replica.create("contact", {"first_name": f"N{n}"}, record_id=f"{name}{n}")
    return replica


def _scenarios() -> list[dict[str, Any]]:
    remote = _source_updates(4)
    out = []

    # A new device with two offline edits meets a relay that holds another's work.
    script = _Script("a new device: state, catch-up, outbox, acks",
                     _with_contacts("a", 1, 2), batch=1)
    script.connect()
    script.receive(Time(NOW), SyncStep2(remote[0]), Relayed(3, remote[1]), CaughtUp(3))
    script.receive(Ack(1, 4))
    script.receive(Ack(2, 5))
    script.local(lambda: script.replica.update("contact", "a0", {"last_name": "Ode"}))
    script.receive(Relayed(6, remote[2]), Ack(3, 7))
    out.append(script.scenario)

    # A device resuming from a cursor: the log after it, then its own edits in between.
    script = _Script("a resumed device: the cursor passes own updates only next to it",
                     _replica("b", 3), resume_cursor=10)
    script.connect()
    script.receive(Time(NOW + 20), Relayed(11, remote[0]), Relayed(12, remote[1]), CaughtUp(12))
    script.local(lambda: script.replica.create("contact", {"first_name": "Bo"},
                                               record_id="b1"))
    script.receive(Ack(1, 14))
    script.receive(Relayed(13, remote[2]))
    script.local(lambda: script.replica.update("contact", "b1", {"first_name": "Bob"}))
    script.receive(Ack(2, 15), Relayed(16, remote[3]), CaughtUp(16))
    out.append(script.scenario)

    # Five offline edits, two per message, one message in flight.
    script = _Script("batch and window", _with_contacts("c", 4, 5), resume_cursor=2, batch=2,
                     window=1)
    script.connect()
    script.receive(Time(NOW), CaughtUp(2))
    script.receive(Ack(1, 3))
    script.receive(Ack(1, 3))  # repeated: nothing happens
    script.receive(Ack(2, 4))
    script.receive(Ack(3, 5))
    out.append(script.scenario)

    # Updates that do not follow on: one SyncStep1 asks for what is missing.
    script = _Script("out-of-order updates ask once for the state", _replica("d", 5),
                     resume_cursor=1)
    script.connect()
    script.receive(Time(NOW), Relayed(2, remote[0]))
    script.receive(Relayed(4, remote[2]), Relayed(5, remote[3]))  # 3 is missing
    script.receive(SyncUpdate(remote[3]))  # still missing: no second request
    script.receive(SyncStep2(remote[1]), CaughtUp(7))
    script.local(lambda: script.replica.create("contact", {"first_name": "Di"},
                                               record_id="d1"))
    script.receive(Ack(1, 8))  # names the outbox entry by its log seq
    out.append(script.scenario)

    # A plain Yjs peer: no Hello answer, no Time; its first frame lets the outbox go.
    script = _Script("a plain Yjs peer", _with_contacts("e", 6, 1))
    script.connect()
    script.receive(SyncStep1(b"\x00"), SyncStep2(remote[0]))
    script.receive(SyncUpdate(remote[1]), Awareness(b"\x01\x07\x01\x04null"), QueryAwareness())
    script.local(lambda: script.replica.update("contact", "e0", {"last_name": "Eve"}))
    script.receive(Hello(1, "peer", 0), SyncUpdate(remote[1]))
    out.append(script.scenario)

    # Refusals and bad frames end the session; later frames are ignored.
    for name, frame in [
        ("a frame with an unknown message type", b"\x07\x00"),
        ("a truncated frame", _frame(CaughtUp(1))[:-1] + b"\x80"),
        ("an Ack for more than was sent", _frame(Ack(3, 9))),
        ("the relay's refusal", _frame(Error(CloseCode.FORBIDDEN, "read-only token"))),
        ("time, then a clock-skew error", _frame(Time(NOW), Error(CloseCode.CLOCK_SKEW,
                                                                   "stamp ahead"))),
        ("an empty frame", b""),
    ]:
        script = _Script(f"failure: {name}", _with_contacts("f", 7, 1), resume_cursor=4)
        script.connect()
        script.receive_bytes(frame)
        script.receive(CaughtUp(9))
        out.append(script.scenario)
    return out


def vectors() -> dict[str, Any]:
    """The session vectors, as tests/vectors/generate.py writes them."""
    return {"session.json": {"now_ms": NOW, "scenarios": _scenarios()}}
