"""Tests of engine/codec.py: primitives, state vectors, messages, pycrdt interop, malformed input."""

from __future__ import annotations

from typing import Any

import pycrdt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.codec import (
    MAX_VAR_UINT,
    MESSAGE_HANDSYNC,
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
    Reader,
    Relayed,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    Time,
    decode,
    decode_one,
    decode_state_vector,
    encode,
    encode_state_vector,
    write_var_bytes,
    write_var_string,
    write_var_uint,
)
from engine.errors import ProtocolError, ValidationError

uints = st.integers(min_value=0, max_value=MAX_VAR_UINT)
blobs = st.binary(max_size=300)
# codec="utf-8" leaves out lone surrogates, which have no UTF-8 form.
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)

messages: st.SearchStrategy[Message] = st.one_of(
    st.builds(SyncStep1, blobs),
    st.builds(SyncStep2, blobs),
    st.builds(SyncUpdate, blobs),
    st.builds(Awareness, blobs),
    st.builds(AuthDenied, texts),
    st.just(QueryAwareness()),
    st.builds(Hello, uints, texts, uints),
    st.builds(Ack, uints, uints),
    st.builds(Error, uints, texts),
    st.builds(CaughtUp, uints),
    st.builds(Time, uints),
)


def _doc_with_text(content: str) -> pycrdt.Doc[Any]:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc["notes"] = text = pycrdt.Text()
    text += content
    return doc


def _assert_bad(data: bytes, fragment: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(data)
    assert info.value.code == int(CloseCode.BAD_MESSAGE) == 4400
    assert fragment in info.value.reason


# ---------------------------------------------------------------------------- primitives


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (0, "00"),
        (1, "01"),
        (127, "7f"),
        (128, "8001"),
        (300, "ac02"),
        (16383, "ff7f"),
        (16384, "808001"),
        (MAX_VAR_UINT, "ffffffffffffff0f"),
    ],
)
def test_var_uint_edge_values(value: int, wire: str) -> None:
    assert write_var_uint(value) == bytes.fromhex(wire)
    assert write_var_uint(value) == pycrdt.write_var_uint(value)
    reader = Reader(bytes.fromhex(wire))
    assert reader.read_var_uint() == value
    assert reader.at_end


@given(uints)
def test_var_uint_round_trip(value: int) -> None:
    reader = Reader(write_var_uint(value) + b"\xaa")
    assert reader.read_var_uint() == value
    assert reader.remaining == 1


@pytest.mark.parametrize("value", [-1, MAX_VAR_UINT + 1, True, 1.0])
def test_write_var_uint_rejects_out_of_range(value: object) -> None:
    with pytest.raises(ValidationError):
        write_var_uint(value)  # type: ignore[arg-type]


@given(blobs, texts)
def test_var_bytes_and_string_round_trip(blob: bytes, text: str) -> None:
    reader = Reader(write_var_bytes(blob) + write_var_string(text))
    assert reader.read_var_bytes() == blob
    assert reader.read_var_string() == text
    assert reader.at_end and reader.remaining == 0


def test_var_string_length_counts_utf8_bytes_not_characters() -> None:
    assert write_var_string("é") == b"\x02\xc3\xa9"
    assert write_var_string("") == b"\x00"


def test_write_var_string_rejects_lone_surrogate() -> None:
    with pytest.raises(ValidationError):
        write_var_string("\ud800")


def test_reader_tracks_position() -> None:
    reader = Reader(b"\x80\x01\x02ab")
    assert (reader.position, reader.remaining, reader.at_end) == (0, 5, False)
    assert reader.read_var_uint() == 128
    assert reader.position == 2
    assert reader.read_var_string() == "ab"
    assert (reader.position, reader.remaining, reader.at_end) == (5, 0, True)


# ------------------------------------------------------------------------- state vectors


def test_state_vector_of_empty_doc() -> None:
    sv = pycrdt.Doc().get_state()
    assert sv == b"\x00"
    assert decode_state_vector(sv) == {}
    assert encode_state_vector({}) == sv


def test_state_vector_of_edited_doc_holds_its_clock() -> None:
    doc = _doc_with_text("hello")
    sv = doc.get_state()
    # Five inserted characters take clocks 0-4, so the next clock is 5.
    assert decode_state_vector(sv) == {doc.client_id: 5}
    assert encode_state_vector(decode_state_vector(sv)) == sv


def test_state_vector_with_two_clients_matches_pycrdt() -> None:
    first = _doc_with_text("abc")
    second: pycrdt.Doc[Any] = pycrdt.Doc()
    second.apply_update(first.get_update())
    second["notes"] = text = pycrdt.Text()
    text += "xy"
    decoded = decode_state_vector(second.get_state())
    assert decoded == {first.client_id: 3, second.client_id: 2}
    assert decode_state_vector(encode_state_vector(decoded)) == decoded


def test_encode_state_vector_sorts_clients() -> None:
    assert encode_state_vector({300: 1, 5: 2}) == bytes.fromhex("02 05 02 ac02 01")


@given(st.dictionaries(uints, uints, max_size=20))
def test_state_vector_round_trip(state: dict[int, int]) -> None:
    assert decode_state_vector(encode_state_vector(state)) == state


def test_state_vector_trailing_garbage() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_state_vector(b"\x01\x05\x02\xff")
    assert info.value.code == 4400
    assert "trailing" in info.value.reason


def test_state_vector_truncated() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_state_vector(b"\x02\x05\x02")
    assert info.value.code == 4400


def test_state_vector_duplicate_client() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_state_vector(b"\x02\x05\x02\x05\x03")
    assert "twice" in info.value.reason


# ------------------------------------------------------------------------------ messages


@given(messages)
def test_every_message_round_trips(msg: Message) -> None:
    assert decode(encode(msg)) == [msg]
    assert decode_one(encode(msg)) == msg


@given(st.lists(messages, min_size=1, max_size=6))
def test_several_messages_in_one_frame(batch: list[Message]) -> None:
    frame = b"".join(encode(m) for m in batch)
    assert decode(frame) == batch


@pytest.mark.parametrize(
    ("msg", "wire"),
    [
        (SyncStep1(b"\x00"), "00 00 01 00"),
        (SyncStep2(b"\x00\x00"), "00 01 02 00 00"),
        (SyncUpdate(b"\x00\x00"), "00 02 02 00 00"),
        (Awareness(b"\x00"), "01 01 00"),
        (AuthDenied("no"), "02 00 02 6e 6f"),
        (QueryAwareness(), "03"),
        (Hello(1, "a", 0), "64 00 01 01 61 00"),
        (Ack(3, 42), "64 01 03 2a"),
        (Error(4426, "v"), "64 02 ca 22 01 76"),
        (Relayed(7, b"\x00\x00"), "64 03 07 02 00 00"),
        (CaughtUp(300), "64 04 ac 02"),
        (Time(1764748800000), "64 05 80 e0 e6 99 ae 33"),
        (Error(4425, "v"), "64 02 c9 22 01 76"),
    ],
)
def test_exact_bytes(msg: Message, wire: str) -> None:
    assert encode(msg) == bytes.fromhex(wire)
    assert decode(bytes.fromhex(wire)) == [msg]


def test_reference_examples_for_empty_doc() -> None:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    assert encode(SyncStep1(doc.get_state())) == bytes.fromhex("00 00 01 00")
    assert encode(SyncStep2(doc.get_update())) == bytes.fromhex("00 01 02 00 00")


def test_constants() -> None:
    assert MESSAGE_HANDSYNC == 0x64
    assert PROTOCOL_VERSION == 1
    assert int(CloseCode.UNSUPPORTED_VERSION) == 4426
    assert len({int(code) for code in CloseCode}) == len(CloseCode)


def test_encode_rejects_bad_fields() -> None:
    with pytest.raises(ValidationError):
        encode(Ack(-1, 0))
    with pytest.raises(ValidationError):
        encode(Hello(PROTOCOL_VERSION, "r", MAX_VAR_UINT + 1))
    with pytest.raises(ValidationError):
        encode("hello")  # type: ignore[arg-type]


def test_messages_are_frozen() -> None:
    msg = Ack(1, 2)
    with pytest.raises(AttributeError):
        msg.count = 5  # type: ignore[misc]


def test_decode_one_rejects_two_messages() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_one(encode(QueryAwareness()) * 2)
    assert info.value.code == 4400


# ------------------------------------------------------------------------ pycrdt interop


def test_sync_step1_matches_pycrdt() -> None:
    doc = _doc_with_text("Ada Lovelace")
    ours = encode(SyncStep1(doc.get_state()))
    assert ours == pycrdt.create_sync_message(doc)


def test_sync_step2_matches_pycrdt_reply() -> None:
    remote = _doc_with_text("Ada Lovelace, ada@example.com")
    local = _doc_with_text("Grace")
    step1 = encode(SyncStep1(local.get_state()))
    # handle_sync_message takes the message without its leading sync type byte.
    pycrdt_reply = pycrdt.handle_sync_message(step1[1:], remote)
    ours = encode(SyncStep2(remote.get_update(local.get_state())))
    assert pycrdt_reply == ours


def test_sync_update_matches_pycrdt() -> None:
    doc = _doc_with_text("Ada")
    update = doc.get_update()
    assert encode(SyncUpdate(update)) == pycrdt.create_update_message(update)


def test_awareness_matches_pycrdt() -> None:
    payload = bytes.fromhex("01 01 00 04") + b"null"
    assert encode(Awareness(payload)) == pycrdt.create_awareness_message(payload)


def test_decoded_step2_from_pycrdt_applies_to_a_doc() -> None:
    remote = _doc_with_text("Ada Lovelace")
    local: pycrdt.Doc[Any] = pycrdt.Doc()
    reply = pycrdt.handle_sync_message(encode(SyncStep1(local.get_state()))[1:], remote)
    assert reply is not None
    [msg] = decode(reply)
    assert isinstance(msg, SyncStep2)
    local.apply_update(msg.update)
    assert str(local.get("notes", type=pycrdt.Text)) == "Ada Lovelace"
    assert decode_state_vector(local.get_state()) == decode_state_vector(remote.get_state())


def test_pycrdt_handles_our_update() -> None:
    source = _doc_with_text("Grace Hopper")
    target: pycrdt.Doc[Any] = pycrdt.Doc()
    frame = encode(SyncUpdate(source.get_update()))
    assert pycrdt.handle_sync_message(frame[1:], target) is None
    assert str(target.get("notes", type=pycrdt.Text)) == "Grace Hopper"


# ------------------------------------------------------------------------ malformed input


def test_empty_frame() -> None:
    _assert_bad(b"", "empty frame")


def test_truncated_var_uint() -> None:
    _assert_bad(b"\x64\x01\x80", "truncated varUint")


def test_overlong_var_uint() -> None:
    _assert_bad(b"\x64\x04" + b"\x80" * 8 + b"\x00", "longer than 8 bytes")


def test_var_uint_above_max_safe_integer() -> None:
    # Eight bytes, but the last group sets bit 53.
    _assert_bad(b"\x64\x04" + b"\xff" * 7 + b"\x10", "exceeds 2**53-1")


def test_length_beyond_end() -> None:
    _assert_bad(b"\x00\x02\x05\x00\x00", "exceeds the 2 bytes left")


def test_truncated_after_message_type() -> None:
    _assert_bad(b"\x00", "truncated varUint")


def test_invalid_utf8() -> None:
    _assert_bad(b"\x02\x00\x02\xc3\x28", "invalid UTF-8")


def test_invalid_utf8_in_hello_replica_id() -> None:
    _assert_bad(b"\x64\x00\x01\x01\xff\x00", "invalid UTF-8")


def test_unknown_message_type() -> None:
    _assert_bad(b"\x07\x00", "unknown message type 7")


def test_unknown_sync_subtype() -> None:
    _assert_bad(b"\x00\x03\x00", "unknown sync message subtype 3")


def test_unknown_auth_subtype() -> None:
    _assert_bad(b"\x02\x01\x00", "unknown auth message subtype 1")


def test_unknown_handsync_subtype() -> None:
    _assert_bad(b"\x64\x06\x00", "unknown handsync message subtype 6")


def test_garbage_after_valid_message_fails_the_frame() -> None:
    _assert_bad(encode(CaughtUp(1)) + b"\x64", "truncated varUint")
