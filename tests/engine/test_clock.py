"""Tests of engine/clock.py: hybrid logical clock stamps and their base-36 text form."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.clock import (
    COUNTER_BITS,
    HybridClock,
    decode_stamp,
    encode_stamp,
    make_stamp,
    stamp_wall_ms,
)

COUNTER_MAX = (1 << COUNTER_BITS) - 1
NOW = 1_700_000_000_000  # a realistic wall time in ms


def counter(stamp: int) -> int:
    return stamp & COUNTER_MAX


def test_make_stamp_packs_wall_time_and_counter() -> None:
    stamp = make_stamp(NOW, 7)
    assert stamp_wall_ms(stamp) == NOW
    assert counter(stamp) == 7
    assert make_stamp(NOW, COUNTER_MAX) < make_stamp(NOW + 1)


def test_tick_follows_a_wall_clock_that_moves_forward() -> None:
    clock = HybridClock()
    stamps = [clock.tick(NOW + i * 10) for i in range(5)]
    assert [stamp_wall_ms(s) for s in stamps] == [NOW + i * 10 for i in range(5)]
    assert all(counter(s) == 0 for s in stamps)
    assert clock.last == stamps[-1]


def test_tick_in_the_same_millisecond_counts_up() -> None:
    clock = HybridClock()
    stamps = [clock.tick(NOW) for _ in range(4)]
    assert stamps == [make_stamp(NOW, n) for n in range(4)]


def test_tick_is_strictly_monotonic_under_any_wall_clock() -> None:
    clock = HybridClock()
    walls = [NOW, NOW + 5, NOW + 5, NOW - 1000, NOW + 2, NOW + 6, 0, NOW + 6]
    stamps = [clock.tick(wall) for wall in walls]
    assert all(b > a for a, b in pairwise(stamps))


def test_wall_clock_going_backwards_keeps_the_latest_wall_time() -> None:
    clock = HybridClock()
    first = clock.tick(NOW)
    later = clock.tick(NOW - 60_000)  # the device clock was set back a minute
    assert later > first
    assert stamp_wall_ms(later) == NOW
    assert counter(later) == 1
    # Once the wall clock passes the remembered time again, it takes over.
    assert clock.tick(NOW + 1) == make_stamp(NOW + 1)


def test_counter_overflow_borrows_the_next_millisecond() -> None:
    clock = HybridClock(last=make_stamp(NOW, COUNTER_MAX))
    stamp = clock.tick(NOW)
    assert stamp == make_stamp(NOW + 1, 0)
    assert clock.tick(NOW) == make_stamp(NOW + 1, 1)


def test_counter_overflow_many_times_in_one_millisecond() -> None:
    clock = HybridClock()
    stamps = [clock.tick(NOW) for _ in range(COUNTER_MAX + 3)]
    assert len(set(stamps)) == len(stamps)
    assert stamps == sorted(stamps)
    assert stamps[-1] == make_stamp(NOW + 1, 1)


def test_observe_a_later_stamp_makes_the_next_tick_later_still() -> None:
    clock = HybridClock()
    clock.tick(NOW)
    remote = make_stamp(NOW + 5_000, 3)  # another replica whose clock runs ahead
    clock.observe(remote)
    assert clock.last == remote
    assert clock.tick(NOW + 1) == make_stamp(NOW + 5_000, 4)


def test_observe_an_earlier_stamp_changes_nothing() -> None:
    clock = HybridClock()
    mine = clock.tick(NOW)
    clock.observe(make_stamp(NOW - 10, 9))
    assert clock.last == mine
    assert clock.tick(NOW) == mine + 1


def test_observe_then_wall_clock_passes_it() -> None:
    clock = HybridClock()
    clock.observe(make_stamp(NOW, 40))
    assert clock.tick(NOW + 1) == make_stamp(NOW + 1)


@pytest.mark.parametrize(
    ("stamp", "text"),
    [(0, "0"), (1, "1"), (35, "z"), (36, "10"), (36**2, "100"), (make_stamp(NOW, 1), None)],
)
def test_encode_stamp_known_values(stamp: int, text: str | None) -> None:
    encoded = encode_stamp(stamp)
    if text is not None:
        assert encoded == text
    assert encoded == encoded.lower()
    assert decode_stamp(encoded) == stamp


@given(st.integers(min_value=0, max_value=36**16 - 1))
def test_encode_decode_round_trip(stamp: int) -> None:
    text = encode_stamp(stamp)
    assert len(text) <= 16
    assert decode_stamp(text) == stamp


@given(st.integers(min_value=0, max_value=(1 << 47)), st.integers(0, COUNTER_MAX))
def test_round_trip_of_real_stamps(wall: int, count: int) -> None:
    stamp = make_stamp(wall, count)
    decoded = decode_stamp(encode_stamp(stamp))
    assert stamp_wall_ms(decoded) == wall
    assert counter(decoded) == count


def test_encode_refuses_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        encode_stamp(-1)


@pytest.mark.parametrize(
    "text",
    ["", "A", "1Z", "-1", "+1", "1_0", " 1", "1 ", "01", "00", "!", "1.5", "z" * 17, "é"],
)
def test_decode_refuses_what_encode_never_writes(text: str) -> None:
    with pytest.raises(ValueError, match="not a stamp"):
        decode_stamp(text)
