"""Wire vectors: every message of docs/protocol.md as engine/codec.py encodes it.

``tests/vectors/wire.json`` holds, each as hex with its decoded fields (the field names of
engine/codec.py's message classes, bytes as hex): varUints at their edges, state vectors,
every message type and subtype (bytes fields as ``{"hex": …}``), frames of several messages, frames that only decode (a
non-minimal varUint), and bad frames and state vectors with the exact ProtocolError reason
Python gives. The web client's codec (clients/web/src/codec.js) must decode each to the
same fields, encode the fields to the same bytes, and refuse each bad one with code 4400
and the same reason (clients/web/test/codec.test.js).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pycrdt

from engine.codec import (
    MAX_VAR_UINT,
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
    encode_state_vector,
    write_var_uint,
)
from engine.errors import ProtocolError

VAR_UINTS = [0, 1, 127, 128, 300, 16383, 16384, 2**31 - 1, 2**31, 2**32, 2**35 + 7,
             1764748800000, 2**49 - 1, 2**49, MAX_VAR_UINT - 1, MAX_VAR_UINT]


def _hi_update() -> tuple[bytes, bytes]:
    """A real Yjs update (client 1 inserts "hi" into the root text ``notes``) and the
    state vector of the document it makes."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc(client_id=1)
    doc["notes"] = text = pycrdt.Text()
    text += "hi"
    return doc.get_update(), doc.get_state()


def _awareness_payload() -> bytes:
    state = b'{"user":"ada"}'
    return b"\x01\x07\x01" + write_var_uint(len(state)) + state


def _messages() -> list[tuple[str, Message]]:
    update, state = _hi_update()
    return [
        ("sync step 1, empty document", SyncStep1(b"\x00")),
        ("sync step 1, client 1 at clock 2", SyncStep1(state)),
        ("sync step 2, empty update", SyncStep2(b"\x00\x00")),
        ("sync step 2, a real update", SyncStep2(update)),
        ("sync update, a real update", SyncUpdate(update)),
        ("sync update, empty payload", SyncUpdate(b"")),
        ("awareness", Awareness(_awareness_payload())),
        ("awareness, empty payload", Awareness(b"")),
        ("auth denied", AuthDenied("token expired")),
        ("auth denied, empty reason", AuthDenied("")),
        ("query awareness", QueryAwareness()),
        ("hello", Hello(PROTOCOL_VERSION, "a1b2", 57)),
        ("hello, no cursor", Hello(PROTOCOL_VERSION, "", 0)),
        ("hello, multi-byte id and the largest cursor",
         Hello(2, "tablet-Ærø-😀", MAX_VAR_UINT)),
        ("hello, id starting with a byte order mark", Hello(1, "\ufeffid", 1)),
        ("ack", Ack(2, 58)),
        ("ack, largest values", Ack(MAX_VAR_UINT, MAX_VAR_UINT)),
        ("error, unsupported version", Error(CloseCode.UNSUPPORTED_VERSION,
                                             "protocol 2 unsupported")),
        ("error, clock skew", Error(CloseCode.CLOCK_SKEW, "stamp ahead")),
        ("error, text with NUL and accents", Error(CloseCode.INTERNAL, "disk\x00full é")),
        ("relayed", Relayed(1, update)),
        ("relayed, empty update", Relayed(300, b"")),
        ("caught up", CaughtUp(57)),
        ("caught up at zero", CaughtUp(0)),
        ("time", Time(1764748800000)),
        ("time, largest", Time(MAX_VAR_UINT)),
    ]


def _fields(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(message).__name__}
    for field in dataclasses.fields(message):
        value = getattr(message, field.name)
        # Bytes as {"hex": …}, so that a reader tells them from text without a field list.
        out[field.name] = ({"hex": value.hex()} if isinstance(value, bytes)
                           else int(value) if isinstance(value, int) else value)
    return out


def _frame(name: str, messages: Sequence[Message]) -> dict[str, Any]:
    data = b"".join(encode(m) for m in messages)
    assert decode(data) == list(messages)
    return {"name": name, "hex": data.hex(), "messages": [_fields(m) for m in messages]}


def _reason(data: bytes, decoder: Any = decode) -> str:
    try:
        decoder(data)
    except ProtocolError as exc:
        assert exc.code == CloseCode.BAD_MESSAGE
        return exc.reason
    raise AssertionError(f"{data.hex()} decoded")


def _bad_frames() -> list[dict[str, str]]:
    cases = [
        ("empty frame", b""),
        ("truncated after the message type", b"\x00"),
        ("truncated varUint", b"\x64\x01\x80"),
        ("varUint longer than 8 bytes", b"\x64\x04" + b"\x80" * 8 + b"\x00"),
        ("varUint of 9 bytes that would be small", b"\x64\x04" + b"\x81" + b"\x80" * 7 + b"\x00"),
        ("varUint above 2^53-1", b"\x64\x04" + b"\xff" * 7 + b"\x10"),
        ("varUint of exactly 2^53", b"\x64\x05" + b"\x80" * 7 + b"\x10"),
        ("length beyond the end", b"\x00\x02\x05\x00\x00"),
        ("length beyond the end in relayed", b"\x64\x03\x01\x10\x01\x01"),
        ("invalid UTF-8 in auth reason", b"\x02\x00\x02\xc3\x28"),
        ("invalid UTF-8 in hello replica id", b"\x64\x00\x01\x01\xff\x00"),
        ("overlong UTF-8 for NUL", b"\x64\x02\x01\x02\xc0\x80"),
        ("UTF-8 of a surrogate", b"\x64\x02\x01\x03\xed\xa0\x80"),
        ("UTF-8 cut inside a character", b"\x64\x02\x01\x02\xe2\x82"),
        ("UTF-8 lone continuation byte", b"\x64\x02\x01\x01\x80"),
        ("UTF-8 above U+10FFFF", b"\x64\x02\x01\x04\xf4\x90\x80\x80"),
        ("unknown message type", b"\x07\x00"),
        ("unknown message type 99", b"\x63"),
        ("unknown sync subtype", b"\x00\x03\x00"),
        ("unknown auth subtype", b"\x02\x01\x00"),
        ("unknown handsync subtype", b"\x64\x06\x00"),
        ("hello cut after the version", b"\x64\x00\x01"),
        ("hello cut before the cursor", b"\x64\x00\x01\x01\x61"),
        ("ack with one field", b"\x64\x01\x03"),
        ("error without a reason", b"\x64\x02\xca\x22"),
        ("garbage after a valid message", encode(CaughtUp(1)) + b"\x64"),
        ("a bad message after two good ones",
         encode(Time(5)) + encode(Ack(1, 2)) + b"\x00\x01\x09\x00"),
    ]
    return [{"name": name, "hex": data.hex(), "reason": _reason(data)} for name, data in cases]


def _state_vectors() -> list[dict[str, Any]]:
    _, state = _hi_update()
    maps = [{}, {1: 2}, {1: 2, 300: 5}, {300: 1, 5: 2}, {2**32 + 1: MAX_VAR_UINT, 0: 0},
            decode_state_vector(state)]
    out = []
    for value in maps:
        data = encode_state_vector(value)
        assert decode_state_vector(data) == value
        out.append({"hex": data.hex(), "state": [[c, value[c]] for c in sorted(value)]})
    return out


def _bad_state_vectors() -> list[dict[str, str]]:
    cases = [
        ("empty", b""),
        ("trailing bytes", b"\x01\x05\x02\xff"),
        ("truncated", b"\x02\x05\x02"),
        ("clock missing", b"\x01\x05"),
        ("a client twice", b"\x02\x05\x02\x05\x03"),
        ("count above 2^53-1", b"\xff" * 7 + b"\x10"),
    ]
    return [{"name": name, "hex": data.hex(), "reason": _reason(data, decode_state_vector)}
            for name, data in cases]


def vectors() -> dict[str, Any]:
    """The wire vectors, as tests/vectors/generate.py writes them."""
    update, state = _hi_update()
    messages = []
    for name, message in _messages():
        data = encode(message)
        assert decode(data) == [message]
        messages.append({"name": name, "hex": data.hex(), "message": _fields(message)})
    frames = [
        _frame("hello then sync step 1", [Hello(1, "a1b2", 57), SyncStep1(state)]),
        _frame("time then a clock-skew error", [Time(1764748800000),
                                                 Error(CloseCode.CLOCK_SKEW, "stamp ahead")]),
        _frame("a catch-up: relayed twice then caught up",
               [Relayed(11, update), Relayed(12, b"\x00\x00"), CaughtUp(12)]),
        _frame("one of each message",
               [m for _, m in _messages() if not isinstance(m, (Hello, Error))][:12]),
        _frame("query awareness three times", [QueryAwareness()] * 3),
    ]
    non_minimal = [
        ("caught up 0 written in two bytes", b"\x64\x04\x80\x00", [CaughtUp(0)]),
        ("time 1 written in eight bytes", b"\x64\x05\x81" + b"\x80" * 6 + b"\x00", [Time(1)]),
        ("message type 0 written in two bytes", b"\x80\x00\x02\x00", [SyncUpdate(b"")]),
    ]
    decode_only = []
    for name, data, expected in non_minimal:
        assert decode(data) == expected
        decode_only.append({"name": name, "hex": data.hex(),
                            "messages": [_fields(m) for m in expected],
                            "canonical_hex": b"".join(encode(m) for m in expected).hex()})
    return {"wire.json": {
        "protocol_version": PROTOCOL_VERSION,
        "max_var_uint": MAX_VAR_UINT,
        "close_codes": {code.name: int(code) for code in CloseCode},
        "var_uints": [{"value": n, "hex": write_var_uint(n).hex()} for n in VAR_UINTS],
        "state_vectors": _state_vectors(),
        "bad_state_vectors": _bad_state_vectors(),
        "messages": messages,
        "frames": frames,
        "decode_only": decode_only,
        "bad_frames": _bad_frames(),
    }}
