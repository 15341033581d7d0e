"""The command line as people use it: names typed without accents, local times in
and out, and read output with names and Act! labels (``--json`` unchanged).

Each command runs as its own process with the ``TZ`` of its environment, as on a
user's machine; several zones are tried, and days on which the clocks change.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import HANDSYNC, TIMEOUT


class Home:
    """A device home that works offline (its relay is never there)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.run("device", "init", "--relay", "ws://127.0.0.1:9", "--space", "acme",
                 "--token", "t", "--name", "ann", "--no-auto-sync")

    def run(self, *args: str, tz: str | None = "UTC", check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environ = {k: v for k, v in os.environ.items() if k not in ("TZ", "HANDSYNC_TZ")}
        if tz is not None:
            environ["TZ"] = tz
        environ.update(env or {})
        done = subprocess.run([HANDSYNC, *args, "--home", str(self.path)], capture_output=True,
                              text=True, timeout=TIMEOUT, env=environ)
        if check and done.returncode != 0:
            raise AssertionError(f"handsync {' '.join(args)} failed: {done.stderr}")
        return done

    def json(self, *args: str, tz: str | None = "UTC") -> Any:
        return json.loads(self.run(*args, "--json", tz=tz).stdout)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home")


def _people(home: Home) -> dict[str, str]:
    return {
        "jm": home.run("contact", "add", "--first-name", "Jürgen", "--last-name", "Müller",
                       "--full-name", "Jürgen Müller", "--company", "Bäckerei Müller GmbH"
                       ).stdout.strip(),
        "am": home.run("contact", "add", "--first-name", "Ana María", "--last-name",
                       "O'Neil-Søren", "--full-name", "Ana María O'Neil-Søren",
                       "--email", "ana@oneil.example").stdout.strip(),
    }


def test_people_are_found_without_their_accents(home: Home) -> None:
    ids = _people(home)
    for typed, who in (("muller", "jm"), ("Muller", "jm"), ("Jurgen", "jm"),
                       ("ana maria", "am"), ("soren", "am"), ("o neil", "am")):
        assert [r["id"] for r in home.json("contact", "search", typed)] == [ids[who]], typed
        assert home.run("contact", "search", typed).stdout.startswith(ids[who])


@pytest.mark.parametrize(("tz", "stored"), [
    ("Europe/Berlin", "2026-12-04T09:00:00.000Z"), ("America/New_York", "2026-12-04T15:00:00.000Z"),
    ("Asia/Kolkata", "2026-12-04T04:30:00.000Z"), ("UTC", "2026-12-04T10:00:00.000Z")])
def test_a_time_without_an_offset_is_local_in_and_out(home: Home, tz: str, stored: str) -> None:
    jm = _people(home)["jm"]
    home.run("activity", "add", jm, "--subject", "Demo", "--start-time", "2026-12-04 10:00",
             tz=tz)
    [record] = home.json("activity", "list")
    assert record["start_time"] == stored
    assert record["contact_ids"] == [jm]  # --json is for scripts: ids and UTC
    shown = home.run("activity", "list", tz=tz).stdout
    assert "Call with Jürgen Müller, Fri 4 Dec 2026 10:00" in shown and jm not in shown.split(
        "  ", 1)[1]
    # --tz wins over the machine's zone, for what is typed and what is shown.
    home.run("activity", "add", jm, "--subject", "Berlin", "--start-time", "2026-12-04 10:00",
             "--tz", "Europe/Berlin", tz=tz)
    berlin = next(r for r in home.json("activity", "list") if r["subject"] == "Berlin")
    assert berlin["start_time"] == "2026-12-04T09:00:00.000Z"
    assert "Fri 4 Dec 2026 10:00 CET: Berlin" in home.run(
        "activity", "list", "--tz", "Europe/Berlin", tz=tz).stdout


def test_a_time_with_an_offset_is_taken_as_written(home: Home) -> None:
    jm = _people(home)["jm"]
    home.run("activity", "add", jm, "--subject", "Demo", "--start-time",
             "2026-12-04T10:00:00+01:00", tz="America/New_York")
    assert home.json("activity", "list")[0]["start_time"] == "2026-12-04T09:00:00.000Z"


@pytest.mark.parametrize(("tz", "times", "stored", "shown", "around"), [
    # Berlin: 2026-03-29 02:00 CET becomes 03:00 CEST.
    ("Europe/Berlin", ["2026-03-29 01:30", "2026-03-29 03:30"],
     ["2026-03-29T00:30:00.000Z", "2026-03-29T01:30:00.000Z"],
     ["Sun 29 Mar 2026 01:30 CET", "Sun 29 Mar 2026 03:30 CEST"],
     ["2026-03-28 23:59", "2026-03-30 00:00"]),
    # New York: 2026-11-01 02:00 EDT becomes 01:00 EST.
    ("America/New_York", ["2026-11-01 00:30", "2026-11-01 12:00"],
     ["2026-11-01T04:30:00.000Z", "2026-11-01T17:00:00.000Z"],
     ["Sun 1 Nov 2026 00:30 EDT", "Sun 1 Nov 2026 12:00 EST"],
     ["2026-10-31 23:59", "2026-11-02 00:00"]),
])
def test_a_day_when_the_clocks_change(home: Home, tz: str, times: list[str], stored: list[str],
                                      shown: list[str], around: list[str]) -> None:
    jm = _people(home)["jm"]
    day = times[0][:10]
    for n, when in enumerate(times):
        home.run("activity", "add", jm, "--subject", f"s{n}", "--start-time", when, tz=tz)
    for n, when in enumerate(around):  # typed with --tz on a machine that is on UTC
        home.run("activity", "add", jm, "--subject", f"around{n}", "--start-time", when,
                 "--tz", tz, tz="UTC")
    by_subject = {r["subject"]: r["start_time"] for r in home.json("activity", "list", tz=tz)}
    assert [by_subject["s0"], by_subject["s1"]] == stored
    lines = home.run("activity", "list", "--from", day, "--to", day, tz=tz).stdout
    for text in shown:
        assert text in lines
    # With --tz the machine's zone does not matter.
    assert home.run("activity", "list", "--from", day, "--to", day, "--tz", tz,
                    tz="Asia/Tokyo").stdout == lines
    # That day's calendar holds that day's activities only (23 or 25 hours long).
    day_view = home.json("activity", "list", "--from", day, "--to", day, tz=tz)
    assert [r["subject"] for r in day_view] == ["s0", "s1"]
    assert [r["subject"] for r in home.json("activity", "list", "--from", around[1], tz=tz)
            ] == ["around1"]


def test_an_unknown_zone_is_refused_and_nothing_is_written(home: Home) -> None:
    jm = _people(home)["jm"]
    done = home.run("activity", "add", jm, "--subject", "Demo", "--start-time",
                    "2026-12-04 10:00", "--tz", "Mars/Olympus", check=False)
    assert done.returncode == 2
    assert "'Mars/Olympus' is not a time zone" in done.stderr
    assert home.json("activity", "list") == []
    done = home.run("contact", "list", check=False, env={"HANDSYNC_TZ": "Nowhere"})
    assert done.returncode == 2 and "not a time zone" in done.stderr


@pytest.mark.parametrize("typed", ["2026-13-04 10:00", "tomorrow", "2026-12-04 25:00"])
def test_an_unreadable_time_is_refused_and_nothing_is_written(home: Home, typed: str) -> None:
    jm = _people(home)["jm"]
    done = home.run("activity", "add", jm, "--subject", "Demo", "--start-time", typed,
                    check=False)
    assert done.returncode == 2
    assert "is not a date and time" in done.stderr
    assert home.json("activity", "list") == []
    done = home.run("activity", "list", "--from", typed, check=False)
    assert done.returncode == 2 and "--from" in done.stderr


def test_show_prints_act_labels_names_and_local_times(home: Home) -> None:
    ids = _people(home)
    company = home.run("company", "add", "--name", "Bäckerei Müller GmbH").stdout.strip()
    home.run("contact", "edit", ids["jm"], "--company-id", company, "--mobile-phone",
             "+49 30 5550142", "--business-address-postal-code", "10115")
    shown = home.run("contact", "show", ids["jm"], "--tz", "Europe/Berlin").stdout
    assert shown.splitlines()[0] == "Jürgen Müller, Bäckerei Müller GmbH"
    for line in ("  Company: Bäckerei Müller GmbH", "  Mobile Phone: +49 30 5550142",
                 "  ZIP Code: 10115", "  First Name: Jürgen"):
        assert line in shown.splitlines()
    assert company not in shown  # the linked company by name, not by id
    updated = next(line for line in shown.splitlines() if line.startswith("  Updated:"))
    assert updated.endswith((" CET", " CEST"))  # when it was edited, in Berlin
    [raw] = home.json("contact", "show", ids["jm"])
    assert raw["company_id"] == company and raw["mobile_phone"] == "+49 30 5550142"
    note = home.run("note", "add", ids["am"], "Call back Tuesday").stdout.strip()
    assert "Note with Ana María O'Neil-Søren" in home.run("note", "show", note).stdout
    assert home.json("note", "show", note)[0]["contact_ids"] == [ids["am"]]
