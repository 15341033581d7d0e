"""clients/act/mapping.py against what the Act! sandbox serves: every seeded record of
every kind maps to handsync fields the schema accepts, and back to the same Act! body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clients.act.mapping import (
    CUSTOM_FIELDS,
    RESOURCES,
    changed_fields,
    from_act,
    params_for,
    to_act,
    unknown_properties,
)
from engine.replica import Replica
from engine.schema import kind_spec, normalize_fields
from engine.store import MemoryStore
from tests.clients.act_sandbox.test_server import Sandbox, running

#: Act! sends these; handsync does not keep them (docs/act-fields.md).
NOT_KEPT = {"contact": {f"{p}MaskFormat" for p in ("business", "mobile", "fax", "home",
                                                    "alternate", "pager")},
            "company": {"editedBy", "isPrivate", "recordManagerID", "recordManager"}}
#: Read-only in Act!: read, never sent back (its duration follows start and end time).
NOT_SENT = {"history": {"duration"}, "activity": {"duration", "seriesID", "recurSpec"}}


@pytest.fixture(scope="module")
def act(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running(tmp_path_factory.mktemp("act"), seed_contacts=80) as sandbox:
        yield sandbox


def records(act: Sandbox, kind: str) -> list[dict[str, Any]]:
    params = params_for(kind) or {}  # rich text as text, not RTF
    found: list[dict[str, Any]] = act.get(RESOURCES[kind], **params)
    assert found, f"the sandbox seeded no {kind}"
    return found


def writable(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """What to_act should give back: the body without its id, Act!'s stamps, what
    handsync does not keep, and link names (only ids are sent)."""
    out = {k: v for k, v in body.items()
           if k not in {"id", "created", "edited", "editedBy"} | NOT_KEPT.get(kind, set())
           | NOT_SENT.get(kind, set())}
    for key, value in out.items():
        if isinstance(value, dict) and "latitude" in value:  # coordinates are not kept
            out[key] = {k: v for k, v in value.items() if k not in ("latitude", "longitude")}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [{"id": item["id"]} for item in value]
    if not out.get(CUSTOM_FIELDS):
        out.pop(CUSTOM_FIELDS, None)
    if isinstance(out.get("historyType"), dict):  # its id is historyTypeID, kept on its own
        out["historyType"] = {"name": out["historyType"]["name"]}
    if isinstance(out.get("stage"), dict):  # the stage is kept by id and name
        out["stage"] = {"name": out["stage"]["name"], "id": out["stage"]["id"]}
    return out


@pytest.mark.parametrize("kind", list(RESOURCES))
def test_every_seeded_record_maps_to_valid_fields_and_back(act: Sandbox, kind: str) -> None:
    for body in records(act, kind):
        assert set(unknown_properties(kind, body)) <= NOT_KEPT.get(kind, set())
        fields = from_act(kind, body)
        normalize_fields(kind, fields, record_id=body["id"])  # raises if Act! sent a bad value
        assert to_act(kind, fields) == writable(kind, body)


def test_custom_fields_are_carried_both_ways(act: Sandbox) -> None:
    body = next(c for c in records(act, "contact") if c.get(CUSTOM_FIELDS))
    fields = from_act("contact", body)
    assert fields["custom"] == body[CUSTOM_FIELDS]
    assert to_act("contact", {"custom.user1": "North"}) == {CUSTOM_FIELDS: {"user1": "North"}}


def test_a_device_edit_goes_back_as_a_patch_of_only_the_changed_fields(act: Sandbox) -> None:
    body = records(act, "contact")[0]
    replica = Replica(MemoryStore(), clock=lambda: 1_795_000_000_000, replica_id="pc")
    replica.create("contact", from_act("contact", body), record_id=body["id"])
    before = replica.get("contact", body["id"])
    replica.update("contact", body["id"], {"job_title": "Head of Field Sales",
                                           "custom": {"user2": "Key account"}})
    after = replica.get("contact", body["id"])
    patch = to_act("contact", changed_fields(before, after))  # drops updated_at & co
    assert patch == {"jobTitle": "Head of Field Sales", CUSTOM_FIELDS: {"user2": "Key account"}}
    response = act.api("PATCH", f"contacts/{body['id']}", json=patch)
    assert response.status_code == 200, response.text
    now = act.get(f"contacts/{body['id']}")
    assert now["jobTitle"] == "Head of Field Sales"
    assert now[CUSTOM_FIELDS]["user2"] == "Key account"
    assert now["lastName"] == body["lastName"]  # untouched fields stay as they were


def test_nested_paths_links_and_read_only_fields() -> None:
    body = to_act("contact", {"business_address_city": "Austin", "business_address_state": "TX",
                              "edited": "2026-01-01T00:00:00.000Z", "no_such_field": 1,
                              "company_id": "c-1"})
    assert body == {"businessAddress": {"city": "Austin", "state": "TX"}, "companyID": "c-1"}
    assert to_act("note", {"contact_ids": ["a", "b"]}) == {"contacts": [{"id": "a"}, {"id": "b"}]}
    assert from_act("note", {"contacts": [{"id": "a", "name": "Ann"}], "noteText": "hi"}) == {
        "contact_ids": ["a"], "text": "hi"}
    assert to_act("history", {"history_type": "Call"}) == {"historyType": {"name": "Call"}}
    assert to_act("history", {"duration": "1 hour"}) == {}  # Act! derives it from the times
    assert to_act("opportunity", {"status": 3, "stage": "Proposal", "stage_id": "s-1"}) == {
        "status": "Inactive", "stage": {"name": "Proposal", "id": "s-1"}}
    assert from_act("opportunity", {"status": "Won", "stage": {"id": "s-1", "name": "Closing",
                                                               "probability": 90}}) == {
        "status": "Won", "stage": "Closing", "stage_id": "s-1"}
    assert normalize_fields("opportunity", {"status": "Won"}) == {"status": 1}
    assert all(name in kind_spec("contact").fields for name in ("created", "edited"))


def test_rich_text_a_server_sent_despite_format_text_becomes_plain_text() -> None:
    rtf = "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Call \\b back\\b0\\par Friday}"
    assert from_act("history", {"details": rtf}) == {"details": "Call back\nFriday"}
    assert from_act("activity", {"details": "<p>Bring<br/>samples &amp; prices</p>"}) == {
        "details": "Bring\nsamples & prices"}
    assert from_act("note", {"noteText": rtf})["text"] == "Call back\nFriday"
    assert from_act("contact", {"jobTitle": "<p>not rich text for a contact</p>"}) == {
        "job_title": "<p>not rich text for a contact</p>"}
    assert params_for("history") == params_for("note") == {"format": "text"}
    assert params_for("contact") is None


def test_changed_fields_compares_custom_fields_one_by_one_and_reports_clears() -> None:
    before = {"first_name": "Ann", "email": "a@x.example", "custom": {"user1": "N", "user2": "S"}}
    after = {"first_name": "Ann", "custom": {"user1": "N", "user2": "E", "user3": "new"}}
    assert changed_fields(before, after) == {"custom.user2": "E", "custom.user3": "new",
                                             "email": None}
    assert changed_fields(before, after, ["first_name", "email"]) == {"email": None}
    assert changed_fields(before, after, ["custom"]) == {"custom.user2": "E",
                                                         "custom.user3": "new"}
