"""Hybrid logical clock stamps.

A stamp orders edits across replicas: it follows the wall clock when clocks are
sane, and never goes backwards or repeats on one replica even when the wall
clock does. The engine never reads a clock itself: the caller passes the current
wall time in milliseconds, so tests are deterministic.

A stamp is one integer ``wall_ms << 16 | counter``; it is written in base 36 in
register keys (see engine/registers.py) to keep updates small.

The wall time a replica passes in is its own clock corrected by its offset to the
relay's time (engine/timing.py). A stamp received from a replica whose clock runs
ahead must not drag this clock along: :class:`HybridClock` never follows an observed
stamp further than ``MAX_SKEW_MS`` past the corrected time (the bounded-drift rule
of hybrid logical clocks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COUNTER_BITS = 16
_COUNTER_MAX = (1 << COUNTER_BITS) - 1
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
#: How far past the relay's time a stamp may be (the relay refuses updates stamped later,
#: and a replica's clock follows no observed stamp further than this past its own time).
MAX_SKEW_MS = 5 * 60 * 1000
_NO_CEILING = 1 << 80
_CANONICAL = re.compile(r"(?:0|[1-9a-z][0-9a-z]{0,15})\Z")


def make_stamp(wall_ms: int, counter: int = 0) -> int:
    """Return the stamp for ``wall_ms`` and ``counter``."""
    return (wall_ms << COUNTER_BITS) | counter


def stamp_wall_ms(stamp: int) -> int:
    """Return the wall-clock part of a stamp, in milliseconds since the epoch."""
    return stamp >> COUNTER_BITS


def encode_stamp(stamp: int) -> str:
    """Write a stamp in base 36 (lower case)."""
    if stamp < 0:
        raise ValueError("a stamp is never negative")
    if stamp == 0:
        return "0"
    out = []
    while stamp:
        stamp, digit = divmod(stamp, 36)
        out.append(_DIGITS[digit])
    return "".join(reversed(out))


def decode_stamp(text: str) -> int:
    """Read a stamp written by :func:`encode_stamp`; ``ValueError`` if it is not one."""
    # Only the canonical form: int() alone would also take signs, "_", spaces and
    # leading zeros. (A regex, not a re-encode: this runs for every entry read.)
    if not _CANONICAL.match(text):
        raise ValueError(f"not a stamp: {text!r}")
    return int(text, 36)


@dataclass
class HybridClock:
    """The clock of one replica.

    Call :meth:`tick` with the current wall time for every local edit, and
    :meth:`observe` with every stamp received from other replicas, so that an
    edit made after seeing another is always stamped later than it. Set
    ``ceiling`` (with :meth:`bound`) before observing: a stamp later than it moves
    the clock only up to it, so one replica's wrong clock cannot carry the others.
    """

    last: int = 0
    ceiling: int = _NO_CEILING

    def bound(self, now_ms: int, skew_ms: int = MAX_SKEW_MS) -> None:
        """Follow observed stamps no further than ``skew_ms`` past ``now_ms``."""
        self.ceiling = make_stamp(now_ms + skew_ms)

    def tick(self, now_ms: int) -> int:
        """Return a fresh stamp, later than every stamp issued or observed so far."""
        wall = stamp_wall_ms(self.last)
        if now_ms > wall:
            self.last = make_stamp(now_ms)
        else:
            counter = self.last & _COUNTER_MAX
            if counter == _COUNTER_MAX:
                # Counter exhausted within one millisecond: borrow the next one.
                self.last = make_stamp(wall + 1)
            else:
                self.last += 1
        return self.last

    def observe(self, stamp: int) -> None:
        """Take note of a stamp from another replica."""
        if stamp > self.last:
            # Never backwards: ``last`` may already be past the ceiling (own edits).
            self.last = max(self.last, min(stamp, self.ceiling))
