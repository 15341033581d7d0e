"""Wrong clocks through the bridge: a phone a year ahead, and Act!'s own server clock.

The relay is a real process; the sandbox serves Act! on 127.0.0.1. The bridge measures
Act!'s clock from the HTTP ``Date`` header of its answers (here rewritten by a transport
to follow the sandbox's clock, as a real server's does) and corrects Act!'s ``edited``.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest

from clients.bridge.rules import WRITER
from clients.device import home
from engine.clock import stamp_wall_ms
from engine.timing import OFFSET_TOLERANCE_MS
from tests.clients.bridge.helpers import World, act_contact, seed_small, world

YEAR_MS = 365 * 86_400_000
HOUR_S = 3600


class ActDate(httpx.HTTPTransport):
    """The real transport, with each answer's ``Date`` read from the sandbox's clock."""

    def __init__(self, w: World) -> None:
        super().__init__()
        self.w = w

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.headers["Date"] = formatdate(self.w.clock.now, usegmt=True)
        return response


def titles(w: World, rid: str) -> dict[str, str]:
    out = {}
    for name in ("ann", "bob"):
        with w.device(name) as dev:
            out[name] = dev.replica.get("contact", rid)["job_title"]
    return out


def test_a_phone_a_year_ahead_does_not_beat_a_later_act_edit_and_act_keeps_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        with monkeypatch.context() as patch:
            patch.setattr(home, "wall_clock", lambda: int(time.time() * 1000) + YEAR_MS)
            with w.edits("ann") as phone:  # synced before and after, on its wrong clock
                phone.update("contact", ids["Ann"], {"job_title": "Phone value"})
        w.clock.now = time.time()  # the office edits it after, on Act!'s (right) clock
        w.client().patch("contacts", ids["Ann"], {"jobTitle": "Act! value"})
        w.once()
        assert act_contact(w, ids["Ann"])["jobTitle"] == "Act! value"
        assert titles(w, ids["Ann"]) == {"ann": "Act! value", "bob": "Act! value"}
        with w.device("bob") as bob:
            assert [(c["field"], c["value"]) for c in bob.replica.conflicts()] == \
                [("job_title", "Phone value")]
            # No replica's clock was dragged a year ahead.
            assert stamp_wall_ms(bob.replica.clock.last) < time.time() * 1000 + 600_000
        assert w.once().pushed == {}  # and Act! keeps its value on the next pass


def test_act_edits_on_a_server_clock_an_hour_behind_are_corrected(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        # Act!'s server clock runs an hour behind the true time. The records were made
        # three hours ago (true time), so on Act!'s clock four hours ago.
        w.clock.now = time.time() - 4 * HOUR_S
        ids = seed_small(w)
        w.clock.now = time.time() - HOUR_S
        transport = ActDate(w)
        w.once(transport)
        with w.edits("bob") as bob:
            # An edit made on a phone half an hour ago (true time) and synced only now.
            bob.write_external("contact", ids["Ann"], {"job_title": "Device value"},
                               edited_ms=int((time.time() - HOUR_S / 2) * 1000),
                               writer="bob-phone")
        w.clock.now = time.time() - HOUR_S  # the office edits now, on Act!'s clock
        w.client().patch("contacts", ids["Ann"], {"jobTitle": "Act! value"})
        w.once(transport)
        # Uncorrected, Act!'s edit would look an hour old: older than the phone's, and lose.
        assert act_contact(w, ids["Ann"])["jobTitle"] == "Act! value"
        assert titles(w, ids["Ann"]) == {"ann": "Act! value", "bob": "Act! value"}
        with w.bridge(transport) as b:
            measured = b.device.replica.writer_offset(WRITER)
            assert abs(measured + HOUR_S * 1000) < 5_000, measured
            record = b.device.replica.get("contact", ids["Ann"])
            assert record["updated_by"] == WRITER
            assert [c["value"] for c in b.device.replica.conflicts()] == ["Device value"]


def test_a_small_measure_of_act_clock_is_not_stored(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        w.clock.now = time.time()
        w.once(ActDate(w))
        with w.bridge() as b:
            # Within the tolerance the measure is noise (the header has whole seconds).
            assert abs(b.device.replica.writer_offset(WRITER)) <= OFFSET_TOLERANCE_MS
