"""Wire codec of the handsync sync protocol: bytes in, message objects out, and back.

The protocol is y-protocols (what stock Yjs clients and ``y-websocket`` speak) plus one
extension message type, 100, that carries handsync's session control (hello, acks,
errors, relay log sequence numbers, the relay's time). docs/protocol.md describes every byte.

Only framing lives here: a Yjs update or state vector inside a message is kept as
opaque bytes, and whether a message makes sense at this point of a session is the
caller's business. Anything that cannot be parsed raises
:class:`~engine.errors.ProtocolError` with code 4400 (``CloseCode.BAD_MESSAGE``); a
server should close the connection with that code and reason.

Integers on the wire are lib0 varUints capped at ``2**53 - 1`` (JavaScript's largest
safe integer), so a browser client decodes every value exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TypeAlias

from engine.errors import ProtocolError, ValidationError

MESSAGE_SYNC = 0
MESSAGE_AWARENESS = 1
MESSAGE_AUTH = 2
MESSAGE_QUERY_AWARENESS = 3
MESSAGE_HANDSYNC = 100

SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2

AUTH_PERMISSION_DENIED = 0

HANDSYNC_HELLO = 0
HANDSYNC_ACK = 1
HANDSYNC_ERROR = 2
HANDSYNC_RELAYED = 3
HANDSYNC_CAUGHT_UP = 4
HANDSYNC_TIME = 5

PROTOCOL_VERSION = 1

MAX_VAR_UINT = 2**53 - 1
# 8 groups of 7 bits hold 56 bits, enough for 53; a 9th byte can only be garbage.
_MAX_VAR_UINT_BYTES = 8


class CloseCode(IntEnum):
    """WebSocket close codes (and ``Error`` message codes) used by handsync.

    1000-1009 are the standard RFC 6455 codes; 4xxx mirror HTTP statuses
    (4400 ~ 400, ...). docs/protocol.md says when each one is used.
    """

    NORMAL = 1000
    GOING_AWAY = 1001
    MESSAGE_TOO_BIG = 1009
    BAD_MESSAGE = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    NOT_FOUND = 4404
    TOO_SLOW = 4408
    PAYLOAD_TOO_LARGE = 4413
    CLOCK_SKEW = 4425
    UNSUPPORTED_VERSION = 4426
    RATE_LIMITED = 4429
    INTERNAL = 4500


def _bad(reason: str) -> ProtocolError:
    return ProtocolError(reason, code=CloseCode.BAD_MESSAGE)


# --------------------------------------------------------------------------- primitives


def write_var_uint(n: int) -> bytes:
    """Encode ``n`` (0 to ``2**53 - 1``) as a lib0 varUint.

    Raises ValidationError for a negative, too large or non-int value: nothing is
    written, the caller must fix the value.
    """
    # bool is an int subclass; a True on the wire is a bug upstream, not a 1.
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_VAR_UINT:
        raise ValidationError(f"varUint must be an int from 0 to {MAX_VAR_UINT}", value=n)
    out = bytearray()
    while n > 0x7F:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    out.append(n)
    return bytes(out)


def write_var_bytes(b: bytes) -> bytes:
    """Encode ``b`` as a varUint length followed by the bytes themselves."""
    return write_var_uint(len(b)) + bytes(b)


def write_var_string(s: str) -> bytes:
    """Encode ``s`` as its UTF-8 length (varUint) followed by the UTF-8 bytes.

    Raises ValidationError for a string that has no UTF-8 form (lone surrogates).
    """
    try:
        raw = s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError("string cannot be encoded as UTF-8", value=s) from exc
    return write_var_bytes(raw)


class Reader:
    """A cursor over received bytes; every read advances it.

    Each ``read_*`` raises ProtocolError (code 4400) when the bytes are malformed;
    the reader is then unusable and the caller should drop the whole frame.
    """

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._pos = 0

    @property
    def position(self) -> int:
        """Offset of the next byte to read."""
        return self._pos

    @property
    def remaining(self) -> int:
        """Number of bytes not yet read."""
        return len(self._data) - self._pos

    @property
    def at_end(self) -> bool:
        """True when every byte has been read; check it to reject trailing garbage."""
        return self._pos >= len(self._data)

    def read_var_uint(self) -> int:
        """Read one varUint (at most 8 bytes, at most ``2**53 - 1``)."""
        start = self._pos
        value = 0
        for index in range(_MAX_VAR_UINT_BYTES):
            if self._pos >= len(self._data):
                raise _bad(f"truncated varUint at byte {start}")
            byte = self._data[self._pos]
            self._pos += 1
            value |= (byte & 0x7F) << (7 * index)
            if byte < 0x80:
                if value > MAX_VAR_UINT:
                    raise _bad(f"varUint at byte {start} exceeds 2**53-1")
                return value
        raise _bad(f"varUint at byte {start} longer than {_MAX_VAR_UINT_BYTES} bytes")

    def read_byte(self) -> int:
        """Read one byte."""
        if self._pos >= len(self._data):
            raise _bad(f"truncated at byte {self._pos}")
        byte = self._data[self._pos]
        self._pos += 1
        return byte

    def read_bytes(self, count: int) -> bytes:
        """Read exactly ``count`` bytes."""
        if count > self.remaining:
            raise _bad(f"{count} bytes wanted at byte {self._pos}, {self.remaining} left")
        chunk = self._data[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def read_var_bytes(self) -> bytes:
        """Read a varUint length, then that many bytes."""
        start = self._pos
        length = self.read_var_uint()
        if length > self.remaining:
            raise _bad(f"length {length} at byte {start} exceeds the {self.remaining} bytes left")
        chunk = self._data[self._pos : self._pos + length]
        self._pos += length
        return chunk

    def read_var_string(self) -> str:
        """Read a varUint length, then that many bytes of UTF-8 text."""
        start = self._pos
        raw = self.read_var_bytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad(f"invalid UTF-8 in string at byte {start}") from exc


# ------------------------------------------------------------------------ state vectors


def encode_state_vector(state: dict[int, int]) -> bytes:
    """Encode a ``{client id: clock}`` map the way Yjs writes a state vector.

    Clients are written in ascending order so equal maps give equal bytes.
    """
    out = [write_var_uint(len(state))]
    for client in sorted(state):
        out.append(write_var_uint(client))
        out.append(write_var_uint(state[client]))
    return b"".join(out)


def decode_state_vector(data: bytes) -> dict[int, int]:
    """Decode a Yjs state vector into ``{client id: clock}``.

    Raises ProtocolError for garbage, a client listed twice, or trailing bytes.
    """
    reader = Reader(data)
    count = reader.read_var_uint()
    state: dict[int, int] = {}
    for _ in range(count):
        client = reader.read_var_uint()
        clock = reader.read_var_uint()
        if client in state:
            raise _bad(f"state vector lists client {client} twice")
        state[client] = clock
    if not reader.at_end:
        raise _bad(f"{reader.remaining} trailing bytes after state vector")
    return state


# ----------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class SyncStep1:
    """Carries my state vector: the receiver must answer with a SyncStep2."""

    state_vector: bytes


@dataclass(frozen=True, slots=True)
class SyncStep2:
    """The update the sender of a SyncStep1 lacks: apply it to the document."""

    update: bytes


@dataclass(frozen=True, slots=True)
class SyncUpdate:
    """An incremental update: apply it (a relay also stores and rebroadcasts it)."""

    update: bytes


@dataclass(frozen=True, slots=True)
class Awareness:
    """A y-protocols awareness update, kept opaque: forward it, never store it."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class AuthDenied:
    """The server refused access; the client must stop syncing and show ``reason``."""

    reason: str


@dataclass(frozen=True, slots=True)
class QueryAwareness:
    """A request for the receiver to send its known awareness states."""


@dataclass(frozen=True, slots=True)
class Hello:
    """Client's first message: answer with the log after ``resume_cursor`` (0 = all)."""

    protocol_version: int
    replica_id: str
    resume_cursor: int


@dataclass(frozen=True, slots=True)
class Ack:
    """The client's first ``count`` updates on this connection are durable.

    The last of them got relay log sequence number ``seq``; the client may drop
    them from its outbox.
    """

    count: int
    seq: int


@dataclass(frozen=True, slots=True)
class Error:
    """An error report; ``code`` is a :class:`CloseCode` value, ``reason`` is for humans."""

    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Relayed:
    """A durable update from the relay log: apply it, then set the resume cursor to ``seq``."""

    seq: int
    update: bytes


@dataclass(frozen=True, slots=True)
class CaughtUp:
    """The client now holds the whole relay log up to ``seq``: the backlog is done."""

    seq: int


@dataclass(frozen=True, slots=True)
class Time:
    """The relay's wall clock when it sent this, in ms since the epoch: the time reference."""

    now_ms: int


Message: TypeAlias = (
    SyncStep1
    | SyncStep2
    | SyncUpdate
    | Awareness
    | AuthDenied
    | QueryAwareness
    | Hello
    | Ack
    | Error
    | Relayed
    | CaughtUp
    | Time
)


def _head(message_type: int, subtype: int | None = None) -> bytes:
    if subtype is None:
        return write_var_uint(message_type)
    return write_var_uint(message_type) + write_var_uint(subtype)


def _encode_handsync(msg: Message) -> bytes:
    if isinstance(msg, Hello):
        return (
            _head(MESSAGE_HANDSYNC, HANDSYNC_HELLO)
            + write_var_uint(msg.protocol_version)
            + write_var_string(msg.replica_id)
            + write_var_uint(msg.resume_cursor)
        )
    if isinstance(msg, Ack):
        return (
            _head(MESSAGE_HANDSYNC, HANDSYNC_ACK)
            + write_var_uint(msg.count)
            + write_var_uint(msg.seq)
        )
    if isinstance(msg, Error):
        return (
            _head(MESSAGE_HANDSYNC, HANDSYNC_ERROR)
            + write_var_uint(msg.code)
            + write_var_string(msg.reason)
        )
    if isinstance(msg, Relayed):
        return (
            _head(MESSAGE_HANDSYNC, HANDSYNC_RELAYED)
            + write_var_uint(msg.seq)
            + write_var_bytes(msg.update)
        )
    if isinstance(msg, CaughtUp):
        return _head(MESSAGE_HANDSYNC, HANDSYNC_CAUGHT_UP) + write_var_uint(msg.seq)
    if isinstance(msg, Time):
        return _head(MESSAGE_HANDSYNC, HANDSYNC_TIME) + write_var_uint(msg.now_ms)
    raise ValidationError(f"not a handsync message: {type(msg).__name__}")


def encode(msg: Message) -> bytes:
    """Encode one message. Send it as a binary frame, alone or concatenated with others.

    Raises ValidationError when a field cannot be encoded (negative or too large
    integer, unencodable string, or not a message at all).
    """
    if isinstance(msg, SyncStep1):
        return _head(MESSAGE_SYNC, SYNC_STEP1) + write_var_bytes(msg.state_vector)
    if isinstance(msg, SyncStep2):
        return _head(MESSAGE_SYNC, SYNC_STEP2) + write_var_bytes(msg.update)
    if isinstance(msg, SyncUpdate):
        return _head(MESSAGE_SYNC, SYNC_UPDATE) + write_var_bytes(msg.update)
    if isinstance(msg, Awareness):
        return _head(MESSAGE_AWARENESS) + write_var_bytes(msg.payload)
    if isinstance(msg, AuthDenied):
        return _head(MESSAGE_AUTH, AUTH_PERMISSION_DENIED) + write_var_string(msg.reason)
    if isinstance(msg, QueryAwareness):
        return _head(MESSAGE_QUERY_AWARENESS)
    return _encode_handsync(msg)


def _read_sync(reader: Reader) -> Message:
    subtype = reader.read_var_uint()
    if subtype == SYNC_STEP1:
        return SyncStep1(reader.read_var_bytes())
    if subtype == SYNC_STEP2:
        return SyncStep2(reader.read_var_bytes())
    if subtype == SYNC_UPDATE:
        return SyncUpdate(reader.read_var_bytes())
    raise _bad(f"unknown sync message subtype {subtype}")


def _read_auth(reader: Reader) -> Message:
    subtype = reader.read_var_uint()
    if subtype == AUTH_PERMISSION_DENIED:
        return AuthDenied(reader.read_var_string())
    raise _bad(f"unknown auth message subtype {subtype}")


def _read_handsync(reader: Reader) -> Message:
    subtype = reader.read_var_uint()
    if subtype == HANDSYNC_HELLO:
        version = reader.read_var_uint()
        replica_id = reader.read_var_string()
        return Hello(version, replica_id, reader.read_var_uint())
    if subtype == HANDSYNC_ACK:
        count = reader.read_var_uint()
        return Ack(count, reader.read_var_uint())
    if subtype == HANDSYNC_ERROR:
        code = reader.read_var_uint()
        return Error(code, reader.read_var_string())
    if subtype == HANDSYNC_RELAYED:
        seq = reader.read_var_uint()
        return Relayed(seq, reader.read_var_bytes())
    if subtype == HANDSYNC_CAUGHT_UP:
        return CaughtUp(reader.read_var_uint())
    if subtype == HANDSYNC_TIME:
        return Time(reader.read_var_uint())
    raise _bad(f"unknown handsync message subtype {subtype}")


def read_message(reader: Reader) -> Message:
    """Read the next message from ``reader``; raises ProtocolError if it is malformed."""
    message_type = reader.read_var_uint()
    if message_type == MESSAGE_SYNC:
        return _read_sync(reader)
    if message_type == MESSAGE_AWARENESS:
        return Awareness(reader.read_var_bytes())
    if message_type == MESSAGE_AUTH:
        return _read_auth(reader)
    if message_type == MESSAGE_QUERY_AWARENESS:
        return QueryAwareness()
    if message_type == MESSAGE_HANDSYNC:
        return _read_handsync(reader)
    raise _bad(f"unknown message type {message_type}")


def decode(data: bytes) -> list[Message]:
    """Decode every message of one received frame, in order; handle them in that order.

    Raises ProtocolError (code 4400) for an empty frame or any malformed message; then
    no message of the frame should be handled, and the connection should be closed.
    """
    reader = Reader(data)
    if reader.at_end:
        raise _bad("empty frame")
    messages: list[Message] = []
    while not reader.at_end:
        messages.append(read_message(reader))
    return messages


def decode_one(data: bytes) -> Message:
    """Decode a frame that must hold exactly one message (ProtocolError otherwise)."""
    messages = decode(data)
    if len(messages) != 1:
        raise _bad(f"expected one message, frame holds {len(messages)}")
    return messages[0]
