"""The sans-I/O sync session: bytes in, bytes out, no event loop."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.clock import stamp_wall_ms
from engine.codec import (
    PROTOCOL_VERSION,
    Ack,
    AuthDenied,
    CaughtUp,
    CloseCode,
    Error,
    Hello,
    Relayed,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    Time,
    decode,
    encode,
)
from engine.replica import Replica
from engine.session import (
    Acknowledged,
    CursorAdvanced,
    Failed,
    Received,
    Synced,
    SyncSession,
)
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore
from engine.updates import newest_live_stamp
from tests.engine.helpers import Clock


def make_replica(name: str, client_id: int) -> Replica:
    ids = iter(f"{name}-id-{n}" for n in range(10_000))
    return Replica(MemoryStore(), clock=Clock(NOW), replica_id=name,
                   new_id=lambda: next(ids), client_id=client_id)


NOW = 1_750_000_000_000


def greet(session: SyncSession) -> None:
    """Connect, and hear the relay's time (the replicas' clocks are right): the outbox goes."""
    session.connect()
    session.receive_data(encode(Time(NOW)))


def sent(session: SyncSession) -> list[object]:
    return [m for frame in session.data_to_send() for m in decode(frame)]


def pump(a: SyncSession, b: SyncSession, rounds: int = 20) -> None:
    """Carry frames both ways until both are quiet (bounded)."""
    for _ in range(rounds):
        out_a, out_b = a.data_to_send(), b.data_to_send()
        if not out_a and not out_b:
            return
        for frame in out_a:
            b.receive_data(frame)
        for frame in out_b:
            a.receive_data(frame)
    raise AssertionError("sessions did not go quiet")


def test_connect_sends_hello_then_state_vector() -> None:
    replica = make_replica("a", 1)
    session = SyncSession(replica, resume_cursor=42)
    assert session.data_to_send() == []  # nothing before the connection is open
    session.connect()
    messages = sent(session)
    assert messages == [Hello(PROTOCOL_VERSION, "a", 42)]  # the relay sends the log after 42


def test_first_connect_also_asks_for_the_state() -> None:
    replica = make_replica("a", 1)
    session = SyncSession(replica)
    session.connect()
    assert sent(session) == [Hello(PROTOCOL_VERSION, "a", 0), SyncStep1(replica.state_vector())]


def test_outbox_is_sent_and_dropped_only_when_acknowledged() -> None:
    replica = make_replica("a", 1)
    replica.create("contact", {"first_name": "Ann"})
    replica.create("contact", {"first_name": "Bob"})
    session = SyncSession(replica)
    greet(session)
    messages = sent(session)
    updates = [m for m in messages if isinstance(m, SyncUpdate)]
    assert len(updates) == 1  # both outbox entries merged into one message
    assert len(replica.outbox()) == 2
    session.receive_data(encode(Ack(count=1, seq=7)))
    assert replica.outbox() == []
    assert Acknowledged(replica.last_seq, 7) in session.events_received()


def test_local_change_is_pushed_at_once() -> None:
    replica = make_replica("a", 1)
    session = SyncSession(replica)
    greet(session)
    session.data_to_send()
    replica.create("contact", {"first_name": "Ann"})
    session.local_changed()
    assert [type(m) for m in sent(session)] == [SyncUpdate]


def test_window_bounds_messages_in_flight() -> None:
    replica = make_replica("a", 1)
    for n in range(5):
        replica.create("contact", {"first_name": f"N{n}"})
    session = SyncSession(replica, batch=1, window=2)
    greet(session)
    assert sum(isinstance(m, SyncUpdate) for m in sent(session)) == 2
    session.receive_data(encode(Ack(count=1, seq=1)))
    assert sum(isinstance(m, SyncUpdate) for m in sent(session)) == 1
    assert session.unacknowledged == 2


def test_relayed_updates_apply_and_advance_cursor_then_synced() -> None:
    source = make_replica("src", 2)
    cid = source.create("contact", {"first_name": "Ann"})
    replica = make_replica("a", 1)
    session = SyncSession(replica)
    session.connect()
    session.data_to_send()
    update = source.outbox()[0][1]
    session.receive_data(encode(Relayed(5, update)) + encode(CaughtUp(9)))
    events = session.events_received()
    assert Received(1, 1) in events
    assert CursorAdvanced(5) in events and CursorAdvanced(9) in events
    assert Synced(9) in events
    assert session.cursor == 9
    assert replica.get("contact", cid)["first_name"] == "Ann"


def test_relayed_updates_of_one_frame_are_stored_in_one_commit() -> None:
    source = make_replica("src", 2)
    ids = [source.create("contact", {"first_name": f"P{i}"}) for i in range(3)]
    updates = [u for _, u in source.outbox()]
    replica = make_replica("a", 1)
    session = SyncSession(replica, resume_cursor=10)
    session.connect()
    session.data_to_send()
    entries = replica.store.stats()["log_entries"]
    session.receive_data(b"".join(encode(Relayed(11 + i, u)) for i, u in enumerate(updates)))
    events = session.events_received()
    assert Received(3, 3) in events and CursorAdvanced(13) in events
    assert [e for e in events if isinstance(e, CursorAdvanced)] == [CursorAdvanced(13)]
    assert replica.store.stats()["log_entries"] == entries + 1
    assert [r["id"] for r in replica.list()] == sorted(ids, key=lambda i: replica.get(
        "contact", i)["first_name"])


def test_a_bad_update_among_relayed_ones_leaves_the_cursor_where_it_was() -> None:
    source = make_replica("src", 2)
    source.create("contact", {"first_name": "Ann"})
    good = source.outbox()[0][1]
    replica = make_replica("a", 1)
    session = SyncSession(replica, resume_cursor=10)
    session.connect()
    session.data_to_send()
    session.receive_data(encode(Relayed(11, good)) + encode(Relayed(12, b"\x07garbage")))
    assert session.cursor == 10
    assert isinstance(session.failed, Failed) and replica.list() == []


def test_answers_a_sync_step1_with_what_the_peer_lacks() -> None:
    replica = make_replica("a", 1)
    cid = replica.create("contact", {"first_name": "Ann"})
    session = SyncSession(replica)
    session.connect()
    session.data_to_send()
    empty = make_replica("b", 2)
    session.receive_data(encode(SyncStep1(empty.state_vector())))
    (answer,) = sent(session)
    assert isinstance(answer, SyncStep2)
    empty.apply_remote([answer.update])
    assert empty.get("contact", cid)["first_name"] == "Ann"


def test_two_plain_peers_converge_with_concurrent_edits() -> None:
    a, b = make_replica("a", 1), make_replica("b", 2)
    cid = a.create("contact", {"first_name": "Ann", "email": "ann@x.com"}, record_id="c1")
    sa, sb = SyncSession(a), SyncSession(b)
    sa.connect()
    sb.connect()
    pump(sa, sb)
    a.update("contact", cid, {"email": "a@x.com"})
    b.update("contact", cid, {"email": "b@x.com", "job_title": "CEO"})
    sa.local_changed()
    sb.local_changed()
    pump(sa, sb)
    assert a.get("contact", cid) == b.get("contact", cid)
    assert a.get("contact", cid)["job_title"] == "CEO"
    assert a.conflicts() == b.conflicts() and len(a.conflicts()) == 1


def test_out_of_order_updates_trigger_one_repair_request() -> None:
    source = make_replica("src", 2)
    cid = source.create("contact", {"first_name": "Ann"}, record_id="c1")
    for n in range(3):
        source.update("contact", cid, {"first_name": f"Ann{n}"})
    updates = [u for _, u in source.outbox()]
    replica = make_replica("a", 1)
    replica.apply_remote([updates[0]])
    session = SyncSession(replica)
    session.connect()
    session.data_to_send()
    session.receive_data(encode(SyncUpdate(updates[3])))
    assert replica.missing
    repair = sent(session)
    assert repair == [SyncStep1(replica.state_vector())]
    session.receive_data(encode(SyncUpdate(updates[2])))
    assert sent(session) == []  # one request at a time
    session.receive_data(encode(SyncStep2(source.diff(replica.state_vector()))))
    assert not replica.missing
    assert replica.get("contact", cid)["first_name"] == "Ann2"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"", CloseCode.BAD_MESSAGE),
        (b"\x07", CloseCode.BAD_MESSAGE),
        (b"\x00\x02\x05ab", CloseCode.BAD_MESSAGE),
        (encode(SyncUpdate(b"\x01\x02garbage")), CloseCode.BAD_MESSAGE),
        (encode(Ack(count=3, seq=1)), CloseCode.BAD_MESSAGE),
        (encode(SyncStep1(b"\x05\x01")), CloseCode.BAD_MESSAGE),  # a state vector cut off
        (encode(SyncStep1(b"\x02\x01\x02\x01\x03")), CloseCode.BAD_MESSAGE),  # a client twice
        (encode(SyncStep1(b"\x00\x00")), CloseCode.BAD_MESSAGE),  # bytes left over
    ],
)
def test_bad_input_fails_the_session_and_stores_nothing(frame: bytes, code: int) -> None:
    replica = make_replica("a", 1)
    replica.create("contact", {"first_name": "Ann"})
    before = replica.store.stats()
    session = SyncSession(replica)
    session.connect()
    session.data_to_send()
    session.receive_data(frame)
    failures = [e for e in session.events_received() if isinstance(e, Failed)]
    assert len(failures) == 1 and failures[0].code == code
    assert sent(session) == [Error(code, failures[0].reason)]
    assert replica.store.stats() == before
    session.receive_data(encode(CaughtUp(3)))  # ignored once failed
    assert session.events_received() == [] and session.cursor == 0


@pytest.mark.parametrize(
    "message", [Error(CloseCode.FORBIDDEN, "token of another space"), AuthDenied("revoked")]
)
def test_refusal_from_peer_is_reported_not_answered(message: Error | AuthDenied) -> None:
    replica = make_replica("a", 1)
    session = SyncSession(replica)
    session.connect()
    session.data_to_send()
    session.receive_data(encode(message))
    (failure,) = session.events_received()
    assert isinstance(failure, Failed)
    assert failure.reason == message.reason
    assert session.data_to_send() == []


def test_outbox_entries_are_merged_only_up_to_the_byte_limit() -> None:
    replica = make_replica("a", 1)
    for n in range(6):
        replica.create("contact", {"first_name": f"N{n}", "last_name": "x" * 400})
    sizes = [len(update) for _, update in replica.outbox()]
    session = SyncSession(replica, batch_bytes=sum(sizes[:2]))
    greet(session)
    messages = [m for m in sent(session) if isinstance(m, SyncUpdate)]
    assert len(messages) == 3  # two entries per message: a third would pass the limit
    peer = make_replica("b", 2)
    peer.apply_remote([m.update for m in messages])
    assert len(peer.list("contact")) == 6
    alone = SyncSession(make_replica("c", 3), batch_bytes=1)
    alone.replica.create("contact", {"first_name": "Big"})
    greet(alone)
    assert sum(isinstance(m, SyncUpdate) for m in sent(alone)) == 1  # one entry always goes


def test_the_cursor_passes_own_updates_only_when_nothing_lies_between() -> None:
    replica = make_replica("a", 1)
    for n in range(4):
        replica.create("contact", {"first_name": f"N{n}"})
    session = SyncSession(replica, resume_cursor=10, batch=1)
    greet(session)
    session.data_to_send()
    session.receive_data(encode(Ack(count=1, seq=11)))  # ours, right after the cursor
    assert session.cursor == 11
    assert CursorAdvanced(11) in session.events_received()
    session.receive_data(encode(Ack(count=3, seq=14)))  # two more: the last one's is 14
    assert session.cursor == 11
    source = make_replica("src", 2)
    source.create("contact", {"first_name": "Other"})
    session.receive_data(encode(Relayed(12, source.outbox()[0][1])))
    assert session.cursor == 12  # 13 may be ours or someone else's: not passed
    session.receive_data(encode(Ack(count=4, seq=16)))  # ours is 16; 15 lies between
    assert session.cursor == 12
    session.receive_data(encode(Relayed(13, source.outbox()[0][1])))
    assert session.cursor == 14  # 13 received, 14 ours
    session.receive_data(encode(CaughtUp(15)))
    assert session.cursor == 16  # 15 received, 16 ours


def test_a_resumed_session_with_nothing_new_is_one_round_trip_and_builds_no_document(
        tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    writer = Replica(SqliteStore(path), clock=Clock(1_750_000_000_000), replica_id="a")
    rid = writer.create("contact", {"first_name": "Ann"})
    writer.acknowledge(writer.last_seq)
    writer.close()
    replica = Replica(SqliteStore(path), clock=Clock(1_750_000_100_000), replica_id="a")
    session = SyncSession(replica, resume_cursor=7)
    session.connect()
    assert sent(session) == [Hello(PROTOCOL_VERSION, "a", 7)]  # no state vector asked for
    session.receive_data(encode(CaughtUp(7)))
    assert sent(session) == []
    assert any(isinstance(e, Synced) for e in session.events_received())
    assert not replica.document_built
    # The records are there all the same; the first edit builds the document.
    assert replica.get("contact", rid)["first_name"] == "Ann"
    replica.update("contact", rid, {"last_name": "Lee"})
    assert replica.document_built
    assert replica.get("contact", rid)["last_name"] == "Lee"
    replica.close()


def test_the_outbox_waits_for_the_relays_time() -> None:
    replica = make_replica("a", 1)
    replica.create("contact", {"first_name": "Ann"})
    session = SyncSession(replica, resume_cursor=5)
    session.connect()
    assert [m for m in sent(session) if isinstance(m, SyncUpdate)] == []
    session.receive_data(encode(Time(NOW)))
    assert len([m for m in sent(session) if isinstance(m, SyncUpdate)]) == 1
    assert replica.time_offset is not None and abs(replica.time_offset) < 100


def test_edits_made_on_a_clock_a_year_ahead_leave_restamped_in_one_update() -> None:
    year = 365 * 86_400_000
    replica = Replica(MemoryStore(), clock=Clock(NOW + year), replica_id="a", client_id=1)
    rid = replica.create("contact", {"first_name": "Ann"})
    for title in ("Rep", "Buyer", "CFO"):
        replica.update("contact", rid, {"job_title": title})
    session = SyncSession(replica, resume_cursor=5, batch=1)  # batch=1: one per message…
    session.connect()
    session.receive_data(encode(Time(NOW)))
    updates = [m.update for m in sent(session) if isinstance(m, SyncUpdate)]
    assert len(updates) == 1  # …but the re-stamped outbox goes whole, retirements included
    assert abs(stamp_wall_ms(newest_live_stamp(updates[0]) or 0) - NOW) < 1000
    other = make_replica("b", 2)
    other.apply_remote(updates)
    assert other.get("contact", rid)["job_title"] == "CFO"


def test_a_refusal_of_our_stamps_corrects_the_offset_and_restamps() -> None:
    wall = Clock(NOW)
    replica = Replica(MemoryStore(), clock=wall, replica_id="a", client_id=1)
    session = SyncSession(replica, resume_cursor=5)
    greet(session)
    wall.now += 365 * 86_400_000  # the clock jumps a year during the session
    replica.create("contact", {"first_name": "Ann"})
    session.local_changed()
    (pushed,) = [m.update for m in sent(session) if isinstance(m, SyncUpdate)]
    assert stamp_wall_ms(newest_live_stamp(pushed) or 0) > NOW + 364 * 86_400_000
    session.receive_data(encode(Time(NOW + 10)) + encode(Error(CloseCode.CLOCK_SKEW, "ahead")))
    assert session.events_received()[-1] == Failed(CloseCode.CLOCK_SKEW, "ahead")
    assert replica.restamped
    again = SyncSession(replica, resume_cursor=5)
    greet(again)
    (resent,) = [m.update for m in sent(again) if isinstance(m, SyncUpdate)]
    assert abs(stamp_wall_ms(newest_live_stamp(resent) or 0) - NOW) < 1000
