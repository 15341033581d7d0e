"""The PC bridge against the Act! sandbox and a real relay process.

Devices are real device homes syncing through the relay; Act! is the sandbox on
127.0.0.1, whose clock starts five minutes behind the real time so that Act!'s
``edited`` stamps and the devices' clocks are comparable (the conflict tests move it)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from clients.act_client import ActClient, ActUnavailable
from clients.act_sandbox_seed import OTHER_USER
from clients.act_sandbox_store import SandboxStore, user_id_for
from clients.bridge import BRIDGE_CONFIG, BRIDGE_STATE, Bridge, BridgeConfig, init_bridge
from clients.bridge_state import BridgeState
from clients.device import HomeError
from engine.errors import CorruptStoreError, HandsyncError, ValidationError
from tests.clients.act_sandbox_helpers import DB, PASSWORD, TIMEOUT, USER, Clock, serve_sandbox
from tests.clients.bridge_helpers import PASSWORD_ENV, Recording, World, world
from tests.clients.conftest import HANDSYNC


def visible(w: World, kind: str) -> dict[str, dict[str, Any]]:
    """The records of ``kind`` the bridge's user may see in Act!, by id."""
    me = user_id_for(USER)
    return {r["id"]: r for r in w.act_records(kind)
            if not r.get("isPrivate") or r.get("_owner") == me}


def public(w: World, kind: str) -> dict[str, dict[str, Any]]:
    """The records of ``kind`` that reach devices: visible and not private."""
    return {i: r for i, r in visible(w, kind).items() if not r.get("isPrivate")}


def link_ids(links: list[Any]) -> list[str]:
    """The ids of a stored link list (the sandbox keeps bare ids; the API sends objects)."""
    return [link["id"] if isinstance(link, dict) else link for link in links]


def act_contact(w: World, rid: str) -> dict[str, Any]:
    record = w.act_store.get("contact", rid)
    assert record is not None
    return record


# ---------------------------------------------------------------- the initial mirror

def test_initial_mirror_of_5000_contacts_reaches_a_device_with_links_and_groups(
        tmp_path: Path) -> None:
    with world(tmp_path, seed_contacts=5000) as w:
        tally = w.once()
        assert tally.problems == []
        with w.device("ann") as ann:
            replica = ann.replica
            for kind in ("company", "group", "contact", "opportunity", "note", "history",
                         "activity"):
                expected = public(w, kind)
                got = {r["id"] for r in replica.list(kind)}
                assert got == set(expected), kind
            hidden = [r["id"] for r in w.act_records("contact") if r["isPrivate"]]
            assert hidden, "the seed has private contacts"
            everything = {r["id"] for r in replica.list("contact", include_deleted=True)}
            assert not set(hidden) & everything
            # Fields, custom fields, links and group members as Act! holds them.
            sample = next(r for r in public(w, "contact").values()
                          if r["customFields"] and r["businessPhoneExtension"])
            mine = replica.get("contact", sample["id"])
            assert mine["last_name"] == sample["lastName"].strip()
            assert mine["business_phone_extension"] == sample["businessPhoneExtension"]
            assert mine["custom"] == {k: v for k, v in sample["customFields"].items()
                                      if v is not None}
            note = next(iter(public(w, "note").values()))
            linked = set(link_ids(note["contacts"])) & set(public(w, "contact"))
            for contact_id in linked:
                assert note["id"] in {n["id"] for n in replica.list("note", linked_to=contact_id)}
            members = w.act_store.members(next(iter(public(w, "group"))))
            group_id = next(iter(public(w, "group")))
            assert set(replica.get("group", group_id)["members"]) == \
                set(members) & set(public(w, "contact"))
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}


# ---------------------------------------------------------------- edits both ways

def seed_small(w: World) -> dict[str, str]:
    act = w.client()
    company = act.create("companies", {"name": "Acme"})["id"]
    ids = {"company": company}
    for name in ("Ann", "Bob", "Cid"):
        ids[name] = act.create("contacts", {"firstName": name, "lastName": "Lee",
                                            "companyID": company, "jobTitle": "Buyer",
                                            "customFields": {"user1": "x"}})["id"]
    ids["group"] = act.create("groups", {"name": "Key accounts"})["id"]
    act.add_to_group(ids["group"], [ids["Ann"]])
    ids["note"] = act.create("notes", {"noteText": "Met at the fair",
                                       "contacts": [{"id": ids["Ann"]}]})["id"]
    return ids


def test_edits_on_both_sides_meet_field_by_field_without_echo(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        with w.device("ann") as ann:
            ann.replica.update("contact", ids["Ann"], {"job_title": "Head Buyer",
                                                       "custom": {"user1": "y"}})
            ann.sync(timeout=TIMEOUT)
        w.clock.now += 1
        w.client().patch("contacts", ids["Ann"], {"lastName": "Leigh"})
        wire = Recording()
        tally = w.once(wire)
        assert tally.pushed == {"contact updated": 1}
        assert tally.pulled == {"contact updated": 1}
        # Only the fields the device changed went to Act!.
        assert wire.sent("PATCH") == [(f"/act.web.api/api/contacts/{ids['Ann']}",
                                       {"jobTitle": "Head Buyer",
                                        "customFields": {"user1": "y"}})]
        act = act_contact(w, ids["Ann"])
        # Act!'s own edit survived the device's PATCH: only the changed fields were sent.
        assert (act["jobTitle"], act["lastName"], act["customFields"]["user1"]) == \
            ("Head Buyer", "Leigh", "y")
        with w.device("bob") as bob:
            got = bob.replica.get("contact", ids["Ann"])
            assert (got["job_title"], got["last_name"], got["custom"]["user1"]) == \
                ("Head Buyer", "Leigh", "y")
            assert bob.replica.conflicts() == []
        # No echo: what the bridge wrote to Act! does not come back, and nothing loops.
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}


@pytest.mark.parametrize("newest", ["act", "device"])
def test_the_same_field_edited_on_both_sides_settles_on_the_newest_everywhere(
        tmp_path: Path, newest: str) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        device_edit = int(time.time() * 1000)
        w.clock.now = device_edit / 1000 + (30 if newest == "act" else -60)
        w.client().patch("contacts", ids["Bob"], {"jobTitle": "From Act!"})
        with w.device("ann") as ann:
            ann.replica.update("contact", ids["Bob"], {"job_title": "From the phone"})
            ann.sync(timeout=TIMEOUT)
        w.once()
        w.once()
        winner, loser = ("From Act!", "From the phone") if newest == "act" else \
            ("From the phone", "From Act!")
        assert act_contact(w, ids["Bob"])["jobTitle"] == winner
        for name in ("ann", "bob"):
            with w.device(name) as dev:
                assert dev.replica.get("contact", ids["Bob"])["job_title"] == winner
                conflicts = dev.replica.conflicts("contact", ids["Bob"])
                assert [(c["field"], c["value"]) for c in conflicts] == [("job_title", loser)]


def test_a_delete_on_either_side_reaches_the_other(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        w.client().delete("contacts", ids["Bob"])  # no delete feed: found by the sweep
        with w.device("ann") as ann:
            ann.replica.delete("contact", ids["Cid"])
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert tally.pulled.get("contact deleted") == 1
        assert tally.pushed.get("contact deleted") == 1
        assert w.act_store.get("contact", ids["Cid"]) is None
        with w.device("bob") as bob:
            assert {r["id"] for r in bob.replica.list("contact")} == {ids["Ann"]}
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}


def test_group_membership_changes_on_either_side_reach_the_other(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        w.client().add_to_group(ids["group"], [ids["Bob"]])  # leaves `edited` alone
        with w.device("ann") as ann:
            ann.replica.add_to_group(ids["group"], ids["Cid"])
            ann.replica.remove_from_group(ids["group"], ids["Ann"])
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert tally.pulled == {"group members added": 1}
        assert tally.pushed == {"group members added": 1, "group members removed": 1}
        assert set(w.act_store.members(ids["group"])) == {ids["Bob"], ids["Cid"]}
        with w.device("bob") as bob:
            assert bob.replica.get("group", ids["group"])["members"] == \
                sorted([ids["Bob"], ids["Cid"]])
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}


def test_records_made_on_a_device_go_to_act_once_with_their_links(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        with w.device("ann") as ann:
            new = ann.replica.create("contact", {"first_name": "Dee", "last_name": "Ng",
                                                 "email": "dee@ng.example"})
            note = ann.replica.create("note", {"text": "Call back", "contact_ids": [new]})
            history = ann.replica.create("history", {"regarding": "Visit",
                                                     "contact_ids": [ids["Ann"]]})
            ann.replica.add_to_group(ids["group"], new)
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert tally.pushed == {"contact created": 1, "note created": 1, "history created": 1,
                                "group members added": 1}
        made = [r for r in w.act_records("contact") if r["firstName"] == "Dee"]
        assert len(made) == 1 and made[0]["fullName"] == "Dee Ng"
        act_note = [r for r in w.act_records("note") if r["noteText"] == "Call back"]
        assert link_ids(act_note[0]["contacts"]) == [made[0]["id"]]
        assert made[0]["id"] in w.act_store.members(ids["group"])
        assert any(r["regarding"] == "Visit" and link_ids(r["contacts"]) == [ids["Ann"]]
                   for r in w.act_records("history"))
        for _ in range(2):
            assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}
        assert len([r for r in w.act_records("contact") if r["firstName"] == "Dee"]) == 1
        with w.device("bob") as bob:
            # The device's ids stay; Act!'s full name came back to the devices.
            got = bob.replica.get("contact", new)
            assert got["full_name"] == "Dee Ng" and bob.replica.conflicts() == []
            assert bob.replica.get("note", note)["contact_ids"] == [new]
            assert bob.replica.get("history", history)["contact_ids"] == [ids["Ann"]]


def test_custom_fields_are_carried_and_unknown_ones_reported_not_dropped(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        with w.device("ann") as ann:
            ann.replica.update("contact", ids["Cid"], {"custom": {"user2": "gold",
                                                                  "Shoe size": 44}})
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert act_contact(w, ids["Cid"])["customFields"]["user2"] == "gold"
        assert any("Shoe size" in p for p in tally.problems)
        with w.device("bob") as bob:
            assert bob.replica.get("contact", ids["Cid"])["custom"] == \
                {"user1": "x", "user2": "gold", "Shoe size": 44}


def test_private_records_never_reach_devices_and_leave_them_when_made_private(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        other = w.act_store.ensure_user(OTHER_USER)
        act = w.client()
        mine = act.create("contacts", {"firstName": "Secret", "isPrivate": True})["id"]
        w.act_store.put("contact", {**act_contact(w, ids["Cid"]), "isPrivate": True,
                                    "recordManagerID": other, "_owner": other})
        w.once()
        with w.device("ann") as ann:
            assert {r["id"] for r in ann.replica.list("contact")} == {ids["Ann"], ids["Bob"]}
        w.clock.now += 1
        act.patch("contacts", ids["Bob"], {"isPrivate": True})
        tally = w.once()
        assert tally.pulled == {"contact withdrawn": 1}
        assert tally.pushed == {}  # leaving the devices is not a delete in Act!
        assert w.act_store.get("contact", ids["Bob"]) is not None
        with w.device("bob") as bob:
            assert {r["id"] for r in bob.replica.list("contact")} == {ids["Ann"]}
            assert mine not in {r["id"] for r in bob.replica.list("contact",
                                                                  include_deleted=True)}


def test_review_counts_both_ways_and_changes_nothing(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        w.clock.now += 1
        w.client().patch("contacts", ids["Ann"], {"jobTitle": "CFO"})
        with w.device("ann") as ann:
            ann.replica.update("contact", ids["Bob"], {"job_title": "CTO"})
            ann.replica.create("company", {"name": "Initech"})
            ann.sync(timeout=TIMEOUT)
        act_before = json.dumps(sorted(map(str, w.act_records("contact"))))
        with w.bridge() as b:
            review = b.review()
            assert review.pulled == {"contact updated": 1}
            assert review.pushed == {"contact updated": 1, "company created": 1}
            again = b.review()
            assert again.to_dict() == review.to_dict()
        assert json.dumps(sorted(map(str, w.act_records("contact")))) == act_before
        tally = w.once()
        assert (tally.pulled, tally.pushed) == (review.pulled, review.pushed)


def test_status_says_when_it_polled_synced_and_what_moved(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        w.once()
        done = subprocess.run([HANDSYNC, "bridge", "status", "--home", str(w.bridge_home),
                               "--json"], capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr
        status = json.loads(done.stdout)
        assert status["last_act_poll"] and status["last_relay_sync"]
        assert status["last_pulled"]["contact created"] == 3
        assert status["total_pulled"] == sum(status["last_pulled"].values())
        assert status["mirrored"]["contact"] == {"live": 3}
        assert status["last_error"] is None and status["waiting_for_relay"] == 0


# ---------------------------------------------------------------- failures

def bridge_cli(w: World, *args: str, password: str = PASSWORD) -> subprocess.Popen[str]:
    env = {**os.environ, PASSWORD_ENV: password}
    return subprocess.Popen([HANDSYNC, "bridge", *args, "--home", str(w.bridge_home)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_wrong_credentials_say_which_settings_to_check(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        proc = bridge_cli(w, "once", password="wrong")
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 1
        assert USER in err and DB in err and PASSWORD_ENV in err and "--user" in err
        with w.bridge() as b:
            assert USER in (b.status()["last_error"] or "")


def test_a_bridge_killed_mid_mirror_resumes_without_duplicates(tmp_path: Path) -> None:
    with world(tmp_path, seed_contacts=2000, page_size=200) as w:
        before = {kind: len(w.act_records(kind)) for kind in ("contact", "note")}
        proc = bridge_cli(w, "once")
        assert proc.stderr is not None
        for _ in range(200):  # bounded: the pass prints a line per 500 records
            line = proc.stderr.readline()
            if not line or "pulled 500 contacts" in line:
                break
        assert "pulled 500 contacts" in line
        proc.kill()
        proc.communicate(timeout=TIMEOUT)
        with w.bridge() as b:
            tally = b.once()
        # It went on from where it stopped: not every contact had to be taken again.
        assert 0 < tally.pulled["contact created"] < len(public(w, "contact"))
        assert {kind: len(w.act_records(kind)) for kind in ("contact", "note")} == before
        with w.device("ann") as ann:
            assert {r["id"] for r in ann.replica.list("contact")} == set(public(w, "contact"))
            assert len(ann.replica.list("note")) == len(public(w, "note"))


# ---------------------------------------------------------------- bad settings and files

@pytest.mark.parametrize(("settings", "words"), [
    ({"database": DB, "user": USER}, "--act-url is required"),
    ({"act_url": "http://x/act.web.api", "user": USER}, "--database is required"),
    ({"act_url": "http://x/act.web.api", "database": DB, "user": USER, "act_csv": "a.csv"},
     "either --act-url or --act-csv"),
    ({"act_url": "http://x/act.web.api", "database": DB, "user": USER, "interval": 5},
     "at least 10 seconds"),
    ({"act_url": "http://x/act.web.api", "database": DB, "user": USER, "page_size": 9000},
     "1 to 5000"),
])
def test_bad_settings_are_refused_and_create_nothing(tmp_path: Path, settings: dict[str, Any],
                                                     words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        init_bridge(tmp_path / "b", BridgeConfig(**settings), relay="ws://127.0.0.1:1",
                    space="acme", token="t")
    assert not (tmp_path / "b").exists()


def test_a_damaged_or_foreign_bridge_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "b"
    init_bridge(home, BridgeConfig(act_url="http://127.0.0.1:1/act.web.api", database=DB,
                                   user=USER), relay="ws://127.0.0.1:1", space="acme", token="t")
    with pytest.raises(HomeError, match="already holds a bridge"):
        init_bridge(home, BridgeConfig(act_csv="x.csv"), relay="ws://127.0.0.1:1",
                    space="acme", token="t")
    (home / BRIDGE_CONFIG).write_text("{not json")
    with pytest.raises(HomeError, match="damaged"):
        Bridge(home)
    (home / BRIDGE_CONFIG).write_text(json.dumps({"act_url": "http://127.0.0.1:1/act.web.api",
                                                  "database": DB, "user": USER}))
    foreign = home / BRIDGE_STATE
    foreign.unlink()
    SandboxStore(foreign).close()  # another program's SQLite file
    data = foreign.read_bytes()
    with pytest.raises(CorruptStoreError, match="not a handsync bridge state file"):
        Bridge(home)
    assert foreign.read_bytes() == data


def test_an_unreachable_relay_does_not_stop_the_mirror(tmp_path: Path) -> None:
    clock = Clock(time.time())
    with serve_sandbox(tmp_path, clock) as (url, _):
        home = tmp_path / "b"
        init_bridge(home, BridgeConfig(act_url=url, database=DB, user=USER,
                                       password_env=PASSWORD_ENV),
                    relay="ws://127.0.0.1:9", space="acme", token="t")
        act = ActClient(url, DB, USER, PASSWORD, clock=clock, trust_env=False)
        act.create("contacts", {"firstName": "Ann"})
        lines: list[str] = []
        with Bridge(home, act=act, progress=lines.append) as b:
            b.config.sync_timeout = 2.0
            tally = b.once()
            assert tally.pulled == {"contact created": 1}
            assert any("relay sync failed" in line for line in lines)
            status = b.status()
            assert status["last_relay_error"] and status["waiting_for_relay"] == 1


# ---------------------------------------------------------------- CSV mode

EXPORT_HEADER = "Contact ID,First Name,Last Name,E-mail,Job Title,Edit Date,User 1,handsync id\r\n"
A_ID, B_ID, C_ID = ("6f4a3b1e-0d5c-4f8e-9a71-2b3c4d5e6f01", "6f4a3b1e-0d5c-4f8e-9a71-2b3c4d5e6f02",
                    "6f4a3b1e-0d5c-4f8e-9a71-2b3c4d5e6f03")


def csv_bridge(w: World, export: Path) -> Path:
    home = w.root / "csv-bridge"
    init_bridge(home, BridgeConfig(act_csv=str(export)), relay=w.relay_url, space="acme",
                token=w.tokens["bridge"])
    return home


def test_csv_mode_reads_exports_by_id_and_writes_what_act_lacks(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        export = tmp_path / "contacts.csv"
        export.write_text(EXPORT_HEADER
                          + f"{A_ID},Ann,Lee,ann@acme.example,Buyer,2026-11-01 09:00,gold,\r\n"
                          + f"{B_ID},Bob,Ray,bob@acme.example,Clerk,2026-11-01 09:00,,\r\n",
                          encoding="cp1252")
        home = csv_bridge(w, export)
        with Bridge(home) as b:
            assert b.once().pulled == {"contact created": 2}
        import_file = tmp_path / "contacts.import.csv"
        with w.device("ann") as ann:
            assert ann.replica.get("contact", A_ID)["custom"] == {"User 1": "gold"}
            ann.replica.update("contact", A_ID, {"job_title": "Head Buyer"})
            new = ann.replica.create("contact", {"first_name": "Cy", "last_name": "Fox"})
            ann.sync(timeout=TIMEOUT)
        with Bridge(home) as b:
            assert b.once().pushed == {"contact created": 1, "contact updated": 1}
        rows = import_file.read_text(encoding="utf-8-sig").splitlines()
        assert rows[0].startswith("Contact ID,handsync id,")
        (row_a,) = [r for r in rows if r.startswith(f"{A_ID},{A_ID},")]
        assert "Head Buyer" in row_a and "ann@acme.example" not in row_a  # changed values only
        assert any(r.startswith(f",{new},") and "Cy" in r for r in rows)
        # The user imports that file into Act!, edits Bob there, and exports again.
        export.write_text(EXPORT_HEADER
                          + f"{A_ID},Ann,Lee,ann@acme.example,Head Buyer,2026-11-02 10:00,gold,"
                            f"{A_ID}\r\n"
                          + f"{B_ID},Bob,Rae,bob@acme.example,Clerk,2026-11-02 10:00,,\r\n"
                          + f"{C_ID},Cy,Fox,,,2026-11-02 10:00,,{new}\r\n", encoding="cp1252")
        with Bridge(home) as b:
            tally = b.once()
            assert tally.pulled == {"contact updated": 1}
            assert tally.pushed == {"contact confirmed by Act!": 1}
        assert import_file.read_text(encoding="utf-8-sig").splitlines() == \
            ["Contact ID,handsync id"]  # nothing left that Act! lacks
        with w.device("bob") as bob:
            got = {r["id"]: r for r in bob.replica.list("contact")}
            assert set(got) == {A_ID, B_ID, new}  # Cy is the device's record, not a second one
            assert (got[B_ID]["last_name"], got[A_ID]["job_title"]) == ("Rae", "Head Buyer")
        # A contact missing from a full export was deleted in Act!.
        export.write_text(EXPORT_HEADER
                          + f"{A_ID},Ann,Lee,ann@acme.example,Head Buyer,2026-11-02 10:00,gold,"
                            f"{A_ID}\r\n"
                          + f"{C_ID},Cy,Fox,,,2026-11-02 10:00,,{new}\r\n", encoding="cp1252")
        with Bridge(home) as b:
            assert b.once().pulled == {"contact deleted": 1}


@pytest.mark.parametrize(("text", "words"), [
    ("First Name,Last Name\r\nAnn,Lee\r\n", "no Act! id"),
    ("Contact ID,First Name\r\n", "holds no contacts"),
    ("Contact ID,First Name\r\n" + B_ID + ",Bob\r\n\"unclosed,Ann\r\n",
     "row 3: .*not a valid record id"),
])
def test_a_bad_export_is_refused_and_changes_nothing(tmp_path: Path, text: str,
                                                     words: str) -> None:
    with world(tmp_path) as w:
        export = tmp_path / "contacts.csv"
        export.write_text(EXPORT_HEADER + f"{B_ID},Bob,Ray,,,,,\r\n")
        home = csv_bridge(w, export)
        with Bridge(home) as b:
            b.once()
            before = b.device.replica.list("contact")
            export.write_text(text)
            with pytest.raises(HandsyncError, match=words):
                b.once()
            assert b.device.replica.list("contact") == before
            assert re.search(words, b.status()["last_error"])


def test_a_value_the_space_cannot_hold_is_left_out_and_reported(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        export = tmp_path / "contacts.csv"
        export.write_text(EXPORT_HEADER + f"{A_ID},Ann,Lee,not-an-address,,,,\r\n")
        with Bridge(csv_bridge(w, export)) as b:
            tally = b.once()
            assert tally.pulled == {"contact created": 1}
            assert any("not-an-address" in p and A_ID in p for p in tally.problems)
            got = b.device.replica.get("contact", A_ID)
            assert (got["last_name"], got.get("email")) == ("Lee", None)
            assert b.status()["problems"] == tally.problems


def test_run_keeps_its_interval_and_a_failed_pass_does_not_stop_it(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        lines: list[str] = []
        waits: list[float] = []
        wrong = ActClient(w.act_url, DB, USER, "wrong", password_env=PASSWORD_ENV,
                          clock=w.clock, trust_env=False, timeout=TIMEOUT)
        with Bridge(w.bridge_home, act=wrong, progress=lines.append) as b:
            b.run(interval=60, passes=2, sleep=waits.append)
            assert [line for line in lines if line.startswith("pass failed")] == \
                [lines[-1]] * 2 and USER in lines[-1]
            assert len(waits) == 1 and 0 < waits[0] <= 60
        with Bridge(w.bridge_home, act=w.client(), progress=lines.append) as b:
            b.run(interval=60, passes=1, sleep=waits.append)
            assert lines[-1].startswith("from Act!: 1 company created, 3 contact created")
            assert b.status()["passes"] == 1 and b.status()["last_error"] is None


def test_status_can_be_read_while_the_bridge_holds_its_home(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        with w.bridge() as b:  # as 'bridge run' would hold it
            b.once()
            done = subprocess.run([HANDSYNC, "bridge", "status", "--home", str(w.bridge_home)],
                                  capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr
        assert "last_act_poll: 20" in done.stdout and "passes: 1" in done.stdout


def test_custom_values_are_sent_in_the_type_act_describes(tmp_path: Path) -> None:
    with world(tmp_path, seed_contacts=20) as w:
        w.once()
        contact = next(iter(public(w, "contact")))
        with w.device("ann") as ann:
            ann.replica.update("contact", contact, {"custom": {"customerSince": "2021",
                                                               "newsletter": "yes"}})
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert tally.pushed == {"contact updated": 1} and tally.problems == []
        custom = act_contact(w, contact)["customFields"]
        assert (custom["customerSince"], custom["newsletter"]) == (2021, True)
        with w.device("bob") as bob:  # Act!'s typed values replace the text, no conflict
            mine = bob.replica.get("contact", contact)["custom"]
            assert (mine["customerSince"], mine["newsletter"]) == (2021, True)
            assert bob.replica.conflicts() == []
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}


def test_a_refused_record_is_reported_and_links_to_it_follow_once_it_is_in_act(
        tmp_path: Path) -> None:
    with world(tmp_path, seed_contacts=20) as w:
        w.once()
        with w.device("ann") as ann:
            new = ann.replica.create("contact", {"first_name": "Flo",
                                                 "custom": {"customerSince": "long ago"}})
            note = ann.replica.create("note", {"text": "Flo's note", "contact_ids": [new]})
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert tally.pushed == {"note created": 1}
        assert any("refused new contact" in p and "customerSince" in p for p in tally.problems)
        act_note = next(r for r in w.act_records("note") if r["noteText"] == "Flo's note")
        assert link_ids(act_note["contacts"]) == []
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}
        with w.device("ann") as ann:
            ann.replica.update("contact", new, {"custom": {"customerSince": 1999}})
            ann.sync(timeout=TIMEOUT)
        assert w.once().pushed == {"contact created": 1, "note updated": 1}
        made = next(r for r in w.act_records("contact") if r["firstName"] == "Flo")
        act_note = w.act_store.get("note", act_note["id"])
        assert act_note is not None and link_ids(act_note["contacts"]) == [made["id"]]
        with w.device("bob") as bob:
            assert bob.replica.get("note", note)["contact_ids"] == [new]


def test_a_relay_that_refuses_the_bridge_fails_the_pass_with_its_reason(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        config = json.loads((w.bridge_home / "config.json").read_text())
        config["token"] = "hs_not_a_real_token"
        (w.bridge_home / "config.json").write_text(json.dumps(config))
        proc = bridge_cli(w, "once")
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 1 and "refused" in err and "4401" in err
        with w.bridge() as b:
            assert "relay" in (b.status()["last_error"] or "")


# ---------------------------------------------------------------- creates whose answer is lost

def device_creates(w: World, fields: dict[str, Any]) -> str:
    with w.device("ann") as ann:
        rid = ann.replica.create("contact", fields)
        ann.sync(timeout=TIMEOUT)
    return rid


def named(w: World, first: str) -> list[dict[str, Any]]:
    return [r for r in w.act_records("contact") if r["firstName"] == first]


def test_a_create_whose_answer_was_lost_is_found_not_repeated(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        w.once()
        eve = device_creates(w, {"first_name": "Eve", "last_name": "Ek"})
        with pytest.raises(ActUnavailable, match="may or may not have carried out"):
            w.once(Recording(fail_posts="lost"))  # Act! stored it; the answer never came
        assert len(named(w, "Eve")) == 1
        with w.device("ann") as ann:  # edited after the POST, before the bridge knew
            ann.replica.update("contact", eve, {"mobile_phone": "555 0101", "last_name": "Eck"})
            ann.sync(timeout=TIMEOUT)
        wire = Recording()
        tally = w.once(wire)
        assert tally.pushed == {"contact created": 1, "contact updated": 1}
        assert [path for path, _ in wire.sent("POST")] == []  # looked up, not POSTed again
        (made,) = named(w, "Eve")
        assert (made["lastName"], made["mobilePhone"]) == ("Eck", "555 0101")
        # Act! joined a new full name from the PATCHed last name: that comes back once.
        assert w.once().to_dict() == {"pulled": {"contact updated": 1}, "pushed": {},
                                      "problems": []}
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}
        with w.device("bob") as bob:
            got = [r for r in bob.replica.list("contact") if r["first_name"] == "Eve"]
            assert [(r["id"], r["last_name"], r["mobile_phone"], r["full_name"]) for r in got] \
                == [(eve, "Eck", "555 0101", "Eve Eck")]
            assert bob.replica.conflicts() == []


def test_a_lookup_never_takes_a_record_it_did_not_make(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)  # the office's Ann Lee, mirrored
        w.once()
        twin = device_creates(w, {"first_name": "Ann", "last_name": "Lee"})
        with pytest.raises(ActUnavailable):
            w.once(Recording(fail_posts="unsent"))  # the POST never reached Act!
        tally = w.once()
        assert tally.pushed == {"contact created": 1}
        assert len(named(w, "Ann")) == 2 and act_contact(w, ids["Ann"])["jobTitle"] == "Buyer"
        with w.bridge() as b:
            known = b.state.known("contact", twin)
            assert known is not None and known.act_id != ids["Ann"]


def test_a_lost_create_of_a_record_deleted_meanwhile_deletes_only_what_it_made(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        gus = device_creates(w, {"first_name": "Ann", "last_name": "Lee", "job_title": "Temp"})
        with pytest.raises(ActUnavailable):
            w.once(Recording(fail_posts="lost"))
        with w.device("ann") as ann:
            ann.replica.delete("contact", gus)
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert tally.pushed == {"contact deleted": 1}
        # The office's Ann Lee (same name, already mirrored) is untouched.
        assert [r["id"] for r in named(w, "Ann")] == [ids["Ann"]]
        with w.bridge() as b:
            assert b.state.pendings() == []
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}


def test_two_act_records_matching_a_lost_create_stop_it_and_say_so(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        w.once()
        device_creates(w, {"first_name": "Hal", "last_name": "Ek"})
        with pytest.raises(ActUnavailable):
            w.once(Recording(fail_posts="lost"))
        w.client().create("contacts", {"firstName": "Hal", "lastName": "Ek"})  # a second one
        for _ in range(2):
            tally = w.once()
            assert (tally.pulled, tally.pushed) == ({}, {})  # neither taken for a new one
            assert any("several Act! records match" in p for p in tally.problems)
        assert len(named(w, "Hal")) == 2  # nothing more was created
        w.client().delete("contacts", named(w, "Hal")[1]["id"])  # someone removes one
        tally = w.once()
        assert tally.pushed == {"contact created": 1} and tally.problems == []
        assert len(named(w, "Hal")) == 1
        with w.device("bob") as bob:
            assert len([r for r in bob.replica.list("contact") if r["first_name"] == "Hal"]) == 1


# ---------------------------------------------------------------- awkward sequences

def test_a_failed_membership_change_does_not_stop_the_sweep_that_settles_it(
        tmp_path: Path) -> None:
    with world(tmp_path, sweep_every=5) as w:
        ids = seed_small(w)
        w.once()  # a sweep pass
        w.client().delete("groups", ids["group"])
        with w.device("ann") as ann:
            ann.replica.add_to_group(ids["group"], ids["Bob"])
            ann.sync(timeout=TIMEOUT)
        tally = w.once()  # not a sweep pass: Act! refuses the member, the pass goes on
        assert any(f"group {ids['group']}: membership not changed" in p
                   for p in tally.problems)
        tally = w.once()  # sweeps because the last pass asked for it
        assert tally.pulled == {"group deleted": 1}
        with w.device("bob") as bob:
            assert bob.replica.list("group") == []


def test_a_private_record_restored_on_a_device_is_not_made_public(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        w.clock.now += 1
        w.client().patch("contacts", ids["Bob"], {"isPrivate": True})
        w.once()
        with w.device("ann") as ann:
            ann.replica.restore("contact", ids["Bob"])
            ann.sync(timeout=TIMEOUT)
        wire = Recording()
        tally = w.once(wire)
        assert wire.sent("POST") == [] and len(named(w, "Bob")) == 1
        assert any("private in Act!" in p for p in tally.problems)
        with w.device("bob") as bob:
            assert ids["Bob"] not in {r["id"] for r in bob.replica.list("contact")}


def test_a_device_edit_of_links_keeps_links_to_private_records(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        act = w.client()
        secret = act.create("contacts", {"firstName": "Pat", "isPrivate": True})["id"]
        note = act.create("notes", {"noteText": "Both", "contacts": [{"id": ids["Ann"]},
                                                                     {"id": secret}]})["id"]
        w.once()
        with w.device("ann") as ann:
            ann.replica.update("note", note, {"contact_ids": [*ann.replica.get(
                "note", note)["contact_ids"], ids["Bob"]]})
            ann.sync(timeout=TIMEOUT)
        assert w.once().pushed == {"note updated": 1}
        stored = w.act_store.get("note", note)
        assert stored is not None
        assert set(link_ids(stored["contacts"])) == {ids["Ann"], ids["Bob"], secret}


def test_a_record_deleted_in_act_but_edited_on_a_device_is_kept_and_sent_again(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        w.client().delete("contacts", ids["Cid"])
        with w.device("ann") as ann:
            ann.replica.update("contact", ids["Cid"], {"job_title": "Partner"})
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert any("edited on a device: kept" in p for p in tally.problems)
        assert tally.pushed == {"contact created": 1}
        (again,) = named(w, "Cid")
        assert again["jobTitle"] == "Partner" and again["id"] != ids["Cid"]
        with w.device("bob") as bob:
            assert bob.replica.get("contact", ids["Cid"])["job_title"] == "Partner"
        assert w.once().pushed == {}


def test_act_stamps_without_a_time_zone_are_read_as_utc(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        w.once()
        with w.bridge() as b:
            cursor = b.state.get("cursor.contact")
            assert cursor is not None and cursor.endswith("Z")
            b.state.write(meta={"cursor.contact": cursor[:-1]})  # as some servers send it
            b.once()  # reads from that stamp, as UTC, without failing
            assert b.status()["last_error"] is None


def test_an_act_edit_made_while_the_pass_runs_is_not_overwritten(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        with w.device("ann") as ann:
            ann.replica.update("contact", ids["Ann"], {"job_title": "From the phone"})
            ann.sync(timeout=TIMEOUT)

        def office_edits() -> None:  # after this pass pulled, before it writes to Ann
            w.clock.now = time.time() + 60
            w.client().patch("contacts", ids["Ann"], {"jobTitle": "From the office"})

        w.once(Recording(before=(f"/api/contacts/{ids['Ann']}", office_edits)))
        assert act_contact(w, ids["Ann"])["jobTitle"] == "From the office"
        with w.device("bob") as bob:
            assert bob.replica.get("contact", ids["Ann"])["job_title"] == "From the office"
            assert [(c["field"], c["value"]) for c in bob.replica.conflicts()] == \
                [("job_title", "From the phone")]


def test_a_value_act_refuses_does_not_hold_back_the_others(tmp_path: Path) -> None:
    with world(tmp_path, seed_contacts=20) as w:
        w.once()
        contact = next(iter(public(w, "contact")))
        with w.device("ann") as ann:
            ann.replica.update("contact", contact, {"custom": {"customerSince": "long ago"},
                                                    "job_title": "Chief Tester"})
            ann.sync(timeout=TIMEOUT)
        tally = w.once()
        assert tally.pushed == {"contact updated": 1}, tally
        assert any("customerSince" in p for p in tally.problems)
        assert act_contact(w, contact)["jobTitle"] == "Chief Tester"
        with w.device("ann") as ann:
            ann.replica.update("contact", contact, {"job_title": "Test Director"})
            ann.sync(timeout=TIMEOUT)
        w.once()
        assert act_contact(w, contact)["jobTitle"] == "Test Director"
        tally = w.once()
        assert tally.pushed == {} and tally.problems == []  # not retried every pass
        with w.bridge() as b:
            assert any("customerSince" in n for n in b.status()["refused_by_act"])


def test_a_crash_between_the_replica_and_the_bridge_state_repeats_safely(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world(tmp_path, seed_contacts=50) as w:
        real = BridgeState.write
        calls = {"n": 0}

        def crash_on_third(self: BridgeState, **kw: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 3 and kw.get("known"):
                raise KeyboardInterrupt  # the process dies after a replica commit
            real(self, **kw)

        monkeypatch.setattr(BridgeState, "write", crash_on_third)
        with pytest.raises(KeyboardInterrupt), w.bridge() as b:
            b.once()
        monkeypatch.setattr(BridgeState, "write", real)
        w.once()
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}
        with w.device("ann") as ann:
            for kind in ("contact", "note", "history", "activity", "group", "company"):
                assert {r["id"] for r in ann.replica.list(kind)} == set(public(w, kind)), kind
            assert ann.replica.conflicts() == []
