"""engine/updates.py reads an update's structs without applying it: where each client's
structs start and end, holes, and what they refer to."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, get_update, merge_updates

from engine.codec import decode_state_vector
from engine.errors import ProtocolError
from engine.updates import (
    is_ready,
    live_entries,
    live_stamp_after,
    merge,
    newest_live_stamp,
    read_shape,
)

VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=False),
              st.text(max_size=8), st.binary(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=6)


def recorded(doc: Doc[Any]) -> list[bytes]:
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    return updates


@settings(max_examples=100, deadline=None)
@given(values=st.lists(VALUES, min_size=1, max_size=5), text=st.text(max_size=12))
def test_each_clients_range_ends_where_the_state_vector_says(values: list[Any],
                                                              text: str) -> None:
    doc: Doc[Any] = Doc(client_id=11)
    updates = recorded(doc)
    root = doc.get("r", type=Map)
    root["text"] = Text(text)  # string lengths count UTF-16 units, as clocks do
    root["text"].insert(0, "😀é")
    root["list"] = Array(values)
    for index, value in enumerate(values):
        root[f"k{index}"] = value
    del root["k0"]
    whole = doc.get_update()
    shape = read_shape(whole)
    assert {c: end for c, (_, end) in shape.ranges.items()} == decode_state_vector(
        doc.get_state())
    assert all(start == 0 for start, _ in shape.ranges.values())
    assert not shape.holes and is_ready(whole, {})
    ends = 0
    for update in updates:  # each local update starts where the previous one ended
        ranges = read_shape(update).ranges
        if not ranges:
            continue  # only deletes
        ((start, end),) = ranges.values()
        assert start == ends
        ends = end
    assert ends == decode_state_vector(doc.get_state())[11]


def test_an_update_that_skips_ahead_or_has_a_hole_is_not_ready() -> None:
    doc: Doc[Any] = Doc(client_id=3)
    updates = recorded(doc)
    root = doc.get("r", type=Map)
    for index in range(3):
        root[f"k{index}"] = index
    first, second, third = updates
    assert is_ready(first, {}) and not is_ready(second, {})
    assert is_ready(second, {3: 1})
    assert not is_ready(second, {3: 2})  # must start exactly where the document stops
    with_hole = merge_updates(first, third)
    assert read_shape(with_hole).holes and not is_ready(with_hole, {})
    assert is_ready(merge_updates(first, second, third), {})


def test_an_item_whose_origin_is_missing_is_not_ready() -> None:
    a: Doc[Any] = Doc(client_id=1)
    a.get("t", type=Text).insert(0, "abc")
    b: Doc[Any] = Doc(client_id=2)
    b.apply_update(a.get_update())
    edits = recorded(b)
    b.get("t", type=Text).insert(2, "X")  # its origin is a's item
    (edit,) = edits
    assert (1, 1) in read_shape(edit).refs
    assert not is_ready(edit, {})
    assert is_ready(edit, {1: 3})
    assert is_ready(get_update(edit, b"\x00"), {1: 3})


@pytest.mark.parametrize("update", [b"", b"\x01", b"\x01\x01\x05\x00\x7f", b"\x01\x01\x05\x00\x1f",
                                    b"\x01\x01\x05\x00\x08\x01\x02\x01\x02\x03"])
def test_malformed_structs_are_a_protocol_error(update: bytes) -> None:
    with pytest.raises(ProtocolError):
        read_shape(update)


def _edits(writers: int, rounds: int) -> list[bytes]:
    """Updates of several documents editing one map and one text, exchanged as they go."""
    docs: list[Doc[Any]] = [Doc(client_id=n + 1) for n in range(writers)]
    updates: list[bytes] = []
    for doc in docs:
        doc.observe(lambda event: updates.append(event.update))
    for r in range(rounds):
        for n, doc in enumerate(docs):
            with doc.transaction():
                doc.get("m", type=Map)[f"k{r % 7}"] = f"{n}.{r}"
                doc.get("t", type=Text).insert(0, str(r % 10))
            if r % 3 == 0:  # now and then the others see it, so later edits refer to it
                for other in docs:
                    if other is not doc:
                        other.apply_update(doc.get_update(other.get_state()))
    return updates


EDITS = _edits(3, 12)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), fan_in=st.integers(2, 5))
def test_merging_in_rounds_builds_the_document_one_merge_builds(data: st.DataObject,
                                                               fan_in: int) -> None:
    # Any subset in any order, holes and duplicates included: the rounds change the cost,
    # not the document. (The bytes may differ where two updates hold one struct.)
    chosen = data.draw(st.lists(st.sampled_from(EDITS), min_size=1, max_size=40))
    assert built(merge(chosen, fan_in)) == built(merge_updates(*chosen))


def built(update: bytes) -> tuple[bytes, bytes, Any, str]:
    doc: Doc[Any] = Doc()
    doc.apply_update(update)
    return (doc.get_state(), doc.get_update(), doc.get("m", type=Map).to_py(),
            str(doc.get("t", type=Text)))


def test_merging_in_rounds_refuses_a_malformed_update() -> None:
    with pytest.raises(ValueError):
        merge([*EDITS[:20], b"\x01\x02\xff", *EDITS[20:]], 4)


def _entry_doc() -> tuple[Doc[Any], Map[Any]]:
    doc: Doc[Any] = Doc(client_id=7)
    doc["contacts"] = root = Map()
    root["c1"] = record = Map({"first_name|ugzz2pk25fk|phone": '"Ann"', "_text": "x|y"})
    return doc, record


def test_live_entries_reads_entry_keys_and_stamps_without_applying() -> None:
    doc, _ = _entry_doc()
    assert live_entries(doc.get_update()) == [("first_name|ugzz2pk25fk|phone",
                                               int("ugzz2pk25fk", 36))]
    assert newest_live_stamp(doc.get_update()) == int("ugzz2pk25fk", 36)


def test_an_entry_the_same_update_deletes_is_not_live() -> None:
    doc, record = _entry_doc()
    base = doc.get_update()
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    del record["first_name|ugzz2pk25fk|phone"]
    record["first_name|1|phone"] = '"Ann"'
    merged = merge_updates(base, *updates)
    assert live_entries(merged) == [("first_name|1|phone", 1)]


def test_keys_that_are_not_entries_are_ignored() -> None:
    doc: Doc[Any] = Doc()
    doc["m"] = Map({"a|B|c": "1", "plain": "2", "a|-5|c": "3"})
    assert newest_live_stamp(doc.get_update()) is None


@pytest.mark.parametrize("update", [b"\x01\x01\x07\x00\x28", b"\x05"])
def test_reading_stamps_of_a_malformed_update_is_a_protocol_error(update: bytes) -> None:
    with pytest.raises(ProtocolError):
        live_entries(update)


def test_a_value_that_looks_like_a_future_stamp_is_not_taken_for_one() -> None:
    doc, record = _entry_doc()
    record["job_title|ugzz2pk25fl|phone"] = '"see |zzzzzzzzzzz| here"'
    update = doc.get_update()
    limit = int("ugzz2pk25fl", 36)
    assert live_stamp_after(update, limit - 1) == limit
    assert live_stamp_after(update, limit) is None  # the value's text is not a key


def test_a_stamp_after_the_limit_is_found_by_the_scan_and_confirmed() -> None:
    doc, record = _entry_doc()
    record["job_title|zzzzzzzzzzz|phone"] = '"x"'
    assert live_stamp_after(doc.get_update(), int("ugzz2pk25fl", 36)) == \
        int("zzzzzzzzzzz", 36)


def test_a_future_stamp_after_a_field_name_holding_bars_is_found() -> None:
    doc: Doc[Any] = Doc()
    doc["contacts"] = root = Map()
    root["c1"] = Map({"custom.a|b|zzzzzzzzzzz|phone": '"x"'})
    assert live_stamp_after(doc.get_update(), int("ugzz2pk25fl", 36)) == \
        int("zzzzzzzzzzz", 36)
