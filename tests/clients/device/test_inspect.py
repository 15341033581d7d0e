"""Tests of clients/device/inspect.py and the ``inspect`` commands, on real SQLite homes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from clients.cli.inspect import inspect
from clients.device.home import Device, init_home
from engine.codec import decode_state_vector
from engine.registers import stamp_to_iso
from relay.group import HandsyncGroup

RELAY = "ws://127.0.0.1:9"  # nothing connects: these tests never sync


@click.group(cls=HandsyncGroup)
def cli() -> None:
    """The commands under test, as clients/cli/main.py will register them."""


cli.add_command(inspect)


def make_home(tmp_path: Path, name: str) -> Path:
    home = tmp_path / name
    init_home(home, RELAY, "space", "token", name)
    return home


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["inspect", *(str(a) for a in args)], catch_exceptions=False)


def run_json(*args: str | Path) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def exchange(a: Device, b: Device, *, both: bool = True) -> None:
    """Give b what a has (and a what b has, if ``both``), as a sync would."""
    b.replica.apply_remote([a.replica.diff(b.replica.state_vector())])
    if both:
        a.replica.apply_remote([b.replica.diff(a.replica.state_vector())])


def test_state(tmp_path: Path) -> None:
    home = make_home(tmp_path, "a")
    with Device(home) as dev:
        ann = dev.replica.create("contact", {"first_name": "Ann"})
        dev.replica.create("contact", {"first_name": "Bob"})
        dev.replica.delete("contact", ann)
        dev.replica.acknowledge(1)
        expected_vector = decode_state_vector(dev.replica.state_vector())
        log_bytes = sum(len(e.update) for e in dev.replica.store.log())
        outbox_bytes = sum(len(u) for _, u in dev.replica.outbox())
        replica_id = dev.replica.replica_id
    state = run_json("state", "--home", home)
    assert state["state_vector"] == {str(c): k for c, k in expected_vector.items()}
    assert len(state["state_vector"]) == 1 and next(iter(state["state_vector"].values())) > 0
    assert state["replica_id"] == replica_id
    assert (state["log_updates"], state["last_seq"], state["outbox_updates"]) == (3, 3, 2)
    assert (state["log_bytes"], state["outbox_bytes"]) == (log_bytes, outbox_bytes)
    assert state["snapshot_bytes"] == 0
    assert state["records"] == 2
    assert state["records_by_kind"]["contact"] == {"live": 1, "deleted": 1}
    text = run("state", "--home", home)
    assert text.exit_code == 0
    assert f"client {next(iter(expected_vector))}: clock" in text.output
    assert "contact: 1 live, 1 deleted" in text.output


def test_log(tmp_path: Path) -> None:
    home = make_home(tmp_path, "a")
    with Device(home) as dev:
        for name in ("Ann", "Bob", "Cy"):
            dev.replica.create("contact", {"first_name": name})
        dev.replica.acknowledge(2)
        entries = dev.replica.store.log()
    newest = run_json("log", "--home", home, "--limit", "2")
    assert [e["seq"] for e in newest] == [2, 3]
    assert [e["in_outbox"] for e in newest] == [False, True]
    assert newest[1] == {"seq": 3, "origin": "local", "time": stamp_to_iso(entries[2].at_ms << 16),
                         "at_ms": entries[2].at_ms, "bytes": len(entries[2].update),
                         "in_outbox": True}
    assert [e["seq"] for e in run_json("log", "--home", home, "--all")] == [1, 2, 3]
    assert run_json("log", "--home", home, "--limit", "0") == []
    text = run("log", "--home", home)
    assert len(text.output.splitlines()) == 3 and "(in outbox)" in text.output


def test_record_shows_registers_and_conflicts(tmp_path: Path) -> None:
    home_a, home_b = make_home(tmp_path, "a"), make_home(tmp_path, "b")
    with Device(home_a) as a, Device(home_b) as b:
        rid = a.replica.create("contact", {"first_name": "Ann", "email": "ann@one.example",
                                           "custom": {"Tier": "gold"}})
        exchange(a, b)
        a.replica.update("contact", rid, {"email": "ann@a.example"})
        b.replica.update("contact", rid, {"email": "ann@b.example"})
        exchange(a, b)
        (conflict,) = a.replica.conflicts()
        current = a.replica.get("contact", rid)["email"]
    detail = run_json("record", "contact", rid, "--home", home_a)
    fields = {f["field"]: f for f in detail["fields"]}
    assert set(fields) == {"first_name", "email", "custom.Tier"}
    email = fields["email"]
    assert email["value"] == current
    assert email["time"] == stamp_to_iso(email["stamp"])
    assert email["replica"].startswith("a-" if current == "ann@a.example" else "b-")
    assert email["entries"] == 2
    assert email["conflicts"] == [{"value": conflict["value"], "stamp": conflict["stamp"],
                                   "time": stamp_to_iso(conflict["stamp"]),
                                   "replica": conflict["replica"]}]
    assert fields["first_name"]["conflicts"] == [] and fields["first_name"]["entries"] == 1
    assert detail["conflicts"] == 1 and detail["deleted"] is False
    text = run("record", "contact", rid, "--home", home_a).output
    assert f"conflict: \"{conflict['value']}\"" in text


def test_record_of_a_deleted_note(tmp_path: Path) -> None:
    home = make_home(tmp_path, "a")
    with Device(home) as dev:
        nid = dev.replica.create("note", {"text": "Call back"})
        dev.replica.delete("note", nid)
    detail = run_json("record", "note", nid, "--home", home)
    assert detail["deleted"] is True
    fields = {f["field"]: f for f in detail["fields"]}
    assert fields["_deleted"]["value"]["deleted"] is True
    assert fields["text"]["value"] == "Call back" and fields["text"]["stamp"] is None


def test_record_not_found(tmp_path: Path) -> None:
    home = make_home(tmp_path, "a")
    result = run("record", "contact", "nobody", "--home", home)
    assert result.exit_code == 1
    assert "contact nobody: no such record" in result.output
    assert run("record", "planet", "x", "--home", home).exit_code == 2


def test_diff(tmp_path: Path) -> None:
    home_a, home_b = make_home(tmp_path, "a"), make_home(tmp_path, "b")
    with Device(home_a) as a, Device(home_b) as b:
        shared = a.replica.create("contact", {"first_name": "Ann", "last_name": "Lee"})
        exchange(a, b)
        a.replica.update("contact", shared, {"job_title": "Buyer"})
        b.replica.update("contact", shared, {"job_title": "Seller", "custom": {"Tier": "gold"}})
        exchange(a, b, both=False)  # b now has a conflict; a lacks b's edits
        only_a = a.replica.create("company", {"name": "Acme"})
        only_b = b.replica.create("contact", {"first_name": "Bob", "last_name": "Ng"})
        (conflict,) = b.replica.conflicts()
        b_clients = decode_state_vector(b.replica.state_vector())
        a_clients = decode_state_vector(a.replica.state_vector())
        b_title = b.replica.get("contact", shared)["job_title"]
    diff = run_json("diff", home_a, home_b)
    assert diff["same"] is False
    assert diff["only_in_a"] == [{"kind": "company", "id": only_a, "name": "Acme"}]
    assert diff["only_in_b"] == [{"kind": "contact", "id": only_b, "name": "Bob Ng"}]
    fields = {f["field"]: (f["a"], f["b"]) for f in diff["fields"] if f["id"] == shared}
    assert fields["custom.Tier"] == (None, "gold")
    assert fields.get("job_title") == (None if b_title == "Buyer" else ("Buyer", b_title))
    assert diff["conflicts_only_in_a"] == [] and diff["conflicts_only_in_b"] == [conflict]
    differing = {c for c in a_clients.keys() | b_clients.keys()
                 if a_clients.get(c, 0) != b_clients.get(c, 0)}
    assert set(diff["state_vector"]) == {str(c) for c in differing}
    text = run("diff", home_a, home_b).output
    assert f"only in A: company {only_a} Acme" in text
    assert f"conflict only in B: contact {shared} job_title" in text


def test_diff_of_replicas_in_step(tmp_path: Path) -> None:
    home_a, home_b = make_home(tmp_path, "a"), make_home(tmp_path, "b")
    with Device(home_a) as a, Device(home_b) as b:
        a.replica.create("contact", {"first_name": "Ann"})
        b.replica.create("contact", {"first_name": "Bob"})
        exchange(a, b)
    diff = run_json("diff", home_a, home_b)
    assert diff["same"] is True and diff["state_vector"] == {}
    assert "A and B hold the same records and conflicts" in run("diff", home_a, home_b).output


def test_diff_needs_two_homes(tmp_path: Path) -> None:
    home = make_home(tmp_path, "a")
    result = run("diff", home, tmp_path / "a" / ".." / "a")
    assert result.exit_code == 2
    assert "the same folder" in result.output
    missing = run("diff", home, tmp_path / "nowhere")
    assert missing.exit_code == 1 and "not a handsync device home" in missing.output


@pytest.mark.parametrize("name", ["state", "log", "record", "diff"])
def test_every_command_has_help_with_an_example(name: str) -> None:
    command = inspect.commands[name]
    assert command.help and "Example:" in command.help
    assert any(p.name == "as_json" for p in command.params)


def test_values_stamped_in_the_future_carry_a_note(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from clients.cli.main import cli as main_cli
    from clients.device import home as device_home

    home_a, home_b = make_home(tmp_path, "a"), make_home(tmp_path, "b")
    with Device(home_a) as a:
        with monkeypatch.context() as patch:  # b's clock runs a year ahead; it never met a relay
            patch.setattr(device_home, "wall_clock",
                          lambda: int(time.time() * 1000) + 365 * 86_400_000)
            b = Device(home_b)
        with b:
            rid = a.replica.create("contact", {"first_name": "Ann", "email": "ann@one.example"})
            exchange(a, b)
            b.replica.update("contact", rid, {"email": "ann@b.example"})
            a.replica.update("contact", rid, {"email": "ann@a.example"})
            exchange(a, b)
    detail = run_json("record", "contact", rid, "--home", home_a)
    email = next(f for f in detail["fields"] if f["field"] == "email")
    assert email["value"] == "ann@b.example" and "past the relay's time" in email["note"]
    assert "note" not in email["conflicts"][0]  # a's own value, on a right clock
    first = next(f for f in detail["fields"] if f["field"] == "first_name")
    assert "note" not in first
    assert "note: stamped 365 days past" in run("record", "contact", rid, "--home", home_a).output
    listed = CliRunner().invoke(main_cli, ["conflicts", "list", "--home", str(home_a), "--json"])
    (conflict,) = json.loads(listed.stdout)
    assert conflict["value"] == "ann@a.example" and "'ann@b.example' from" in conflict["note"]
