"""The PC bridge against the Act! sandbox and a real relay process.

Devices are real device homes syncing through the relay; Act! is the sandbox on
127.0.0.1, whose clock starts five minutes behind the real time so that Act!'s
``edited`` stamps and the devices' clocks are comparable (the conflict tests move it)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from clients.act.client import ActClient
from clients.act_sandbox.seed import OTHER_USER
from clients.act_sandbox.store import SandboxStore
from clients.bridge.runner import BRIDGE_CONFIG, BRIDGE_STATE, Bridge, BridgeConfig, init_bridge
from clients.device.home import HomeError
from engine.errors import CorruptStoreError, ValidationError
from tests.clients.act_sandbox.helpers import DB, PASSWORD, TIMEOUT, USER, Clock, serve_sandbox
from tests.clients.bridge.helpers import (
    PASSWORD_ENV,
    Recording,
    act_contact,
    bridge_cli,
    link_ids,
    public,
    seed_small,
    world,
)
from tests.clients.conftest import HANDSYNC


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
                          if r["customFields"] and r["businessExtension"])
            mine = replica.get("contact", sample["id"])
            assert mine["last_name"] == sample["lastName"].strip()
            assert mine["business_phone_extension"] == sample["businessExtension"]
            assert mine["business_phone_country_code"] == sample["businessCountryCode"]
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


def test_edits_on_both_sides_meet_field_by_field_without_echo(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ids = seed_small(w)
        w.once()
        with w.edits("ann") as ann:
            ann.update("contact", ids["Ann"], {"job_title": "Head Buyer",
                                                       "custom": {"user1": "y"}})
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
        with w.edits("ann") as ann:
            ann.update("contact", ids["Bob"], {"job_title": "From the phone"})
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
        with w.edits("ann") as ann:
            ann.delete("contact", ids["Cid"])
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
        with w.edits("ann") as ann:
            ann.add_to_group(ids["group"], ids["Cid"])
            ann.remove_from_group(ids["group"], ids["Ann"])
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
        with w.edits("ann") as ann:
            new = ann.create("contact", {"first_name": "Dee", "last_name": "Ng",
                                                 "email": "dee@ng.example"})
            note = ann.create("note", {"text": "Call back", "contact_ids": [new]})
            history = ann.create("history", {"regarding": "Visit",
                                                     "contact_ids": [ids["Ann"]]})
            ann.add_to_group(ids["group"], new)
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
        with w.edits("ann") as ann:
            ann.update("contact", ids["Cid"], {"custom": {"user2": "gold",
                                                                  "Shoe size": 44}})
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
        with w.edits("ann") as ann:
            ann.update("contact", ids["Bob"], {"job_title": "CTO"})
            ann.create("company", {"name": "Initech"})
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


def test_wrong_credentials_say_which_settings_to_check(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        proc = bridge_cli(w, "once", password="wrong")
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 1
        assert USER in err and DB in err and PASSWORD_ENV in err and "--user" in err
        with w.bridge() as b:
            assert USER in (b.status()["last_error"] or "")


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
        with w.edits("ann") as ann:
            ann.update("contact", contact, {"custom": {"customerSince": "2021",
                                                               "newsletter": "yes"}})
        tally = w.once()
        assert tally.pushed == {"contact updated": 1} and tally.problems == []
        custom = act_contact(w, contact)["customFields"]
        assert (custom["customerSince"], custom["newsletter"]) == (2021, True)
        with w.device("bob") as bob:  # Act!'s typed values replace the text, no conflict
            mine = bob.replica.get("contact", contact)["custom"]
            assert (mine["customerSince"], mine["newsletter"]) == (2021, True)
            assert bob.replica.conflicts() == []
        assert w.once().to_dict() == {"pulled": {}, "pushed": {}, "problems": []}


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


def test_the_commands_print_what_moved(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        seed_small(w)
        env = {**os.environ, PASSWORD_ENV: PASSWORD}
        home = ["--home", str(w.bridge_home)]
        review = subprocess.run([HANDSYNC, "bridge", "review", *home, "--json"], env=env,
                                capture_output=True, text=True, timeout=TIMEOUT)
        assert review.returncode == 0, review.stderr
        assert json.loads(review.stdout)["pulled"]["contact created"] == 3
        once = subprocess.run([HANDSYNC, "bridge", "once", *home], env=env,
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert once.returncode == 0, once.stderr
        assert once.stdout.startswith("from Act!: 1 company created, 3 contact created")
        again = subprocess.run([HANDSYNC, "bridge", "review", *home], env=env,
                               capture_output=True, text=True, timeout=TIMEOUT)
        assert again.stdout.strip() == "would move from Act!: nothing; to Act!: nothing"
