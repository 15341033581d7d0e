"""The client side of a sync connection, as a sans-I/O state machine.

A :class:`SyncSession` owns no socket and reads no clock. The I/O layer:

1. creates it for a new connection and calls :meth:`SyncSession.connect`;
2. feeds every received frame to :meth:`SyncSession.receive_data`;
3. calls :meth:`SyncSession.local_changed` after local edits;
4. after each call sends every frame of :meth:`SyncSession.data_to_send`, and
   reacts to :meth:`SyncSession.events_received` (e.g. closes on ``Failed``).

Handlers only change state; one decision function, :meth:`SyncSession._evaluate`,
decides what to send. The session speaks the Yjs sync protocol (SyncStep1/2,
Update) plus handsync's extension (docs/protocol.md): it says ``Hello`` with its
resume cursor, takes the relay's ``Time`` (re-stamping edits made on a wrong clock,
engine/timing.py) before it pushes its outbox as updates, and drops outbox entries
only when the relay acknowledges them as durable. It also works against a plain Yjs peer
(which never sends ``Ack``: the outbox then simply stays until a relay confirms).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.codec import (
    PROTOCOL_VERSION,
    Ack,
    AuthDenied,
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
    decode,
    decode_state_vector,
    encode,
)
from engine.errors import ProtocolError
from engine.materialize import Progress
from engine.replica import Replica
from engine.updates import merge

DEFAULT_BATCH = 256
DEFAULT_WINDOW = 64
#: Outbox entries are merged into one update message up to this size (a single larger
#: entry still goes alone). The relay refuses updates over 32 MiB by default.
DEFAULT_BATCH_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Received:
    """Remote updates were applied and stored; ``records`` changed."""

    updates: int
    records: int


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """The relay holds our updates durably up to outbox ``outbox_seq`` (relay ``seq``)."""

    outbox_seq: int
    seq: int


@dataclass(frozen=True, slots=True)
class CursorAdvanced:
    """We hold the relay log up to ``seq``: persist it and resume from it next time."""

    seq: int


@dataclass(frozen=True, slots=True)
class Synced:
    """The relay says we are caught up, and nothing of ours waits for an ack."""

    seq: int


@dataclass(frozen=True, slots=True)
class AwarenessReceived:
    """Presence data from another peer (opaque; never stored)."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Failed:
    """The session cannot go on: close the connection with ``code`` and show ``reason``."""

    code: int
    reason: str


SessionEvent = Received | Acknowledged | CursorAdvanced | Synced | AwarenessReceived | Failed


@dataclass(slots=True)
class _Flight:
    """One update message sent and not yet acknowledged, and the outbox seq it covers."""

    outbox_seq: int


@dataclass
class SyncSession:
    """Client side of one connection to a relay (or to any Yjs sync peer)."""

    replica: Replica
    resume_cursor: int = 0
    batch: int = DEFAULT_BATCH
    window: int = DEFAULT_WINDOW
    batch_bytes: int = DEFAULT_BATCH_BYTES
    progress: Progress | None = None
    cursor: int = field(init=False, default=0)
    caught_up: bool = field(init=False, default=False)
    failed: Failed | None = field(init=False, default=None)
    _connected: bool = field(init=False, default=False)
    _greeted: bool = field(init=False, default=False)
    _outgoing: list[bytes] = field(init=False, default_factory=list)
    _events: list[SessionEvent] = field(init=False, default_factory=list)
    _step1_from_peer: list[bytes] = field(init=False, default_factory=list)
    _in_flight: list[_Flight] = field(init=False, default_factory=list)
    _sent_upto: int = field(init=False, default=0)
    _repair_requested: bool = field(init=False, default=False)
    _synced_reported: bool = field(init=False, default=False)
    _acked_count: int = field(init=False, default=0)
    _relayed_seq: int = field(init=False, default=0)
    # The outbox waits for the relay's time (or, from a plain Yjs peer, its first frame).
    _heard: bool = field(init=False, default=False)
    # Relay seqs of this session's own updates, known exactly from one-at-a-time acks.
    _own_seqs: set[int] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.cursor = self.resume_cursor

    # ------------------------------------------------------------------ commands

    def connect(self) -> None:
        """The connection is open: greet the peer and start syncing."""
        self._connected = True
        self._evaluate()

    def local_changed(self) -> None:
        """Local edits were made: send them."""
        self._evaluate()

    def receive_data(self, data: bytes) -> None:
        """Handle one received frame. Never raises for bad peer input: see ``Failed``."""
        if self.failed is not None:
            return
        self._heard = True
        try:
            messages = decode(data)
            updates: list[bytes] = []
            for message in messages:
                self._handle(message, updates)
            self._apply(updates)
            self._advance(self._relayed_seq)
        except ProtocolError as exc:
            self._fail(exc.code, exc.reason, tell_peer=True)
        self._evaluate()

    def data_to_send(self) -> list[bytes]:
        """Return the frames to send now, oldest first, and forget them."""
        out, self._outgoing = self._outgoing, []
        return out

    def events_received(self) -> list[SessionEvent]:
        """Return what happened since the last call, oldest first."""
        out, self._events = self._events, []
        return out

    @property
    def unacknowledged(self) -> int:
        """How many update messages are sent but not yet acknowledged."""
        return len(self._in_flight)

    # ------------------------------------------------------------------ handlers

    def _handle(self, message: Message, updates: list[bytes]) -> None:
        if isinstance(message, SyncStep1):
            # Checked here (truncated, a client twice, bytes left over: 4400), not left to
            # yrs, which raises its own error for some and quietly answers others.
            decode_state_vector(message.state_vector)
            self._step1_from_peer.append(message.state_vector)
        elif isinstance(message, SyncStep2):
            updates.append(message.update)
            self._repair_requested = False
        elif isinstance(message, SyncUpdate):
            updates.append(message.update)
        elif isinstance(message, Relayed):
            # Relayed updates of one frame are applied together (one durable commit, not
            # one per update); the cursor moves past them only once they are stored.
            updates.append(message.update)
            self._relayed_seq = max(self._relayed_seq, message.seq)
        elif isinstance(message, CaughtUp):
            self._apply(updates)
            updates.clear()
            self._advance(self._relayed_seq)
            self._advance(message.seq)
            self.caught_up = True
        elif isinstance(message, Time):
            self.replica.meet_time(message.now_ms)
        elif isinstance(message, Ack):
            self._acknowledge(message)
        elif isinstance(message, Error):
            self._fail(message.code, message.reason, tell_peer=False)
        elif isinstance(message, AuthDenied):
            self._fail(CloseCode.UNAUTHORIZED, message.reason, tell_peer=False)
        elif isinstance(message, Awareness):
            self._events.append(AwarenessReceived(message.payload))
        elif isinstance(message, (QueryAwareness, Hello)):
            pass  # a client keeps no awareness states and is greeted by nobody

    def _apply(self, updates: list[bytes]) -> None:
        if not updates:
            return
        result = self.replica.apply_remote(updates, progress=self.progress)
        self._events.append(Received(len(updates), result.records))

    def _advance(self, seq: int) -> None:
        # Our own updates right after the cursor need not come back: the cursor passes
        # them, so a later session does not ask for (or get) them again.
        while seq + 1 in self._own_seqs:
            seq += 1
        self._own_seqs = {s for s in self._own_seqs if s > seq}
        if seq > self.cursor:
            self.cursor = seq
            self._events.append(CursorAdvanced(seq))

    def _acknowledge(self, ack: Ack) -> None:
        count = ack.count - self._acked_count
        if count <= 0:
            return  # an old or repeated ack
        if count > len(self._in_flight):
            raise ProtocolError(f"ack for {ack.count} updates, only "
                                f"{self._acked_count + len(self._in_flight)} sent",
                                code=CloseCode.BAD_MESSAGE)
        done, self._in_flight = self._in_flight[:count], self._in_flight[count:]
        self._acked_count = ack.count
        upto = max(f.outbox_seq for f in done)
        if upto:
            self.replica.acknowledge(upto)
        self._events.append(Acknowledged(upto, ack.seq))
        # ack.seq is the relay log place of the last update it covers (of the others, when
        # it covers several, the places are not known).
        self._own_seqs.add(ack.seq)
        self._advance(self.cursor)

    def _fail(self, code: int, reason: str, *, tell_peer: bool) -> None:
        if self.failed is None:
            self.failed = Failed(code, reason)
            self._events.append(self.failed)
            if tell_peer:
                self._outgoing.append(encode(Error(code, reason)))

    # ------------------------------------------------------------- the decision

    def _evaluate(self) -> None:
        """Decide what to send, from the current state alone."""
        if not self._connected or self.failed is not None:
            return
        if not self._greeted:
            self._greeted = True
            self._send(Hello(PROTOCOL_VERSION, self.replica.replica_id, self.cursor))
            if self.cursor == 0:
                # With a cursor the relay sends exactly the log after it: cheaper than a
                # state-vector diff, which costs as much as the whole space.
                self._send(SyncStep1(self.replica.state_vector()))
        while self._step1_from_peer:
            state_vector = self._step1_from_peer.pop(0)
            # Our answer holds every local update the peer lacks: its ack covers the outbox.
            self._in_flight.append(_Flight(self.replica.last_seq))
            self._send(SyncStep2(self.replica.diff(state_vector)))
            self._sent_upto = max(self._sent_upto, self.replica.last_seq)
        if self.replica.missing and not self._repair_requested:
            self._repair_requested = True
            self._send(SyncStep1(self.replica.state_vector()))
        if self._heard:
            self._flush_outbox()
        if self.caught_up and not self._in_flight and not self._synced_reported:
            self._synced_reported = True
            self._events.append(Synced(self.cursor))

    def _flush_outbox(self) -> None:
        while len(self._in_flight) < self.window:
            # Re-stamped edits go in one update with what retired their old stamps.
            whole = self.replica.restamped
            entries = self.replica.outbox(self._sent_upto, None if whole else self.batch)
            if not entries:
                return
            size = 0
            for n, (_, update) in enumerate(entries):
                size += len(update)
                if n and size > self.batch_bytes and not whole:
                    entries = entries[:n]
                    break
            updates = [update for _, update in entries]
            update = updates[0] if len(updates) == 1 else merge(updates)
            self._sent_upto = entries[-1][0]
            self._in_flight.append(_Flight(self._sent_upto))
            self._synced_reported = False
            self._send(SyncUpdate(update))

    def _send(self, message: Message) -> None:
        self._outgoing.append(encode(message))
