"""Edits made by the JavaScript engine, read by Python replicas (issue 16: "the other way").

Web replicas in a Node process make every kind of edit; Python replicas apply their
updates and must show the records the web engine shows, with the same conflicts and the
same rows. The values are also checked against what was typed, so that two engines
agreeing on a wrong result does not pass.
"""

from __future__ import annotations

import pytest

from engine.errors import ValidationError
from tests.engine.helpers import T0, make
from tests.web_engine.node import JsError, NodeEngine, contents


def test_every_kind_of_edit_made_in_javascript_reads_the_same_in_python(engine: NodeEngine) -> None:
    web = engine.replica("web", client_id=101, now=T0)
    acme = web.create("company", {"name": "Bäckerei Müller GmbH", "phone": "+49 30 1234567",
                                  "website": "https://example.com"})
    jurgen = web.create("contact", {"first_name": "Jürgen", "last_name": "Müller",
                                    "company": "Bäckerei Müller GmbH", "email": "j@example.com",
                                    "mobile_phone": "+49 170 5550142", "job_title": "Meister"})
    ana = web.create("contact", {"first_name": "Ana María", "last_name": "O'Neil-Søren"})
    web.update("contact", ana, {"job_title": "Buyer", "email": "ana@example.com"})
    team = web.create("group", {"name": "Berlin route"})
    web.add_to_group(team, jurgen)
    web.add_to_group(team, ana)
    web.remove_from_group(team, ana)
    note = web.create("note", {"text": "Call back about rye", "contact_ids": [jurgen]})
    web.edit_note_text(note, 10, insert="on Friday ")
    web.create("history", {"regarding": "Visit", "contact_ids": [jurgen],
                           "start_time": "2026-12-04T10:00:00+01:00"})
    web.create("activity", {"subject": "Deliver samples", "contact_ids": [ana],
                            "start_time": "2026-12-05T09:30:00Z"})
    web.create("opportunity", {"name": "Rye flour 2027", "company_ids": [acme],
                               "contact_ids": [jurgen]})
    gone = web.create("contact", {"first_name": "Temp", "last_name": "Person"})
    web.delete("contact", gone)
    back = web.create("contact", {"first_name": "Back", "last_name": "Again"})
    web.delete("contact", back)
    web.restore("contact", back)

    python = make("py", client_id=201)
    python.apply_remote([update for _, update in web.outbox()])

    assert contents(python) == web.contents()
    record = python.get("contact", jurgen)
    assert (record["first_name"], record["last_name"], record["job_title"]) == \
        ("Jürgen", "Müller", "Meister")
    assert python.get("note", note)["text"] == "Call back on Friday about rye"
    assert python.get("group", team)["name"] == "Berlin route"
    assert [r["id"] for r in python.list("contact", group=team)] == [jurgen]
    assert python.get("contact", gone, include_deleted=True)["deleted"] is True
    assert python.get("contact", back)["deleted"] is False
    assert [r["id"] for r in python.search("muller")] == [jurgen]


def test_a_same_field_conflict_between_javascript_and_python_reads_the_same(engine: NodeEngine) -> None:
    web = engine.replica("web", client_id=101, now=T0)
    anna = web.create("contact", {"first_name": "Anna", "last_name": "Novak"})
    python = make("py", client_id=201, now=T0 + 10)
    python.apply_remote([u for _, u in web.outbox()])
    sent = len(web.outbox())

    web.update("contact", anna, {"job_title": "Buyer"})          # earlier stamp
    python.update("contact", anna, {"job_title": "Head buyer"})  # later stamp: wins everywhere
    python.apply_remote([u for _, u in web.outbox(sent)])
    web.apply_remote([u for _, u in python.outbox()])

    assert contents(python) == web.contents()
    assert python.get("contact", anna)["job_title"] == "Head buyer"
    assert [c["value"] for c in python.conflicts("contact", anna)] == ["Buyer"]

    web.resolve("contact", anna, "job_title", "Buyer")
    python.apply_remote([u for _, u in web.outbox()])
    assert contents(python) == web.contents()
    assert python.get("contact", anna)["job_title"] == "Buyer"
    assert python.conflicts("contact", anna) == []


def test_concurrent_note_edits_merge_character_by_character_in_both(engine: NodeEngine) -> None:
    web = engine.replica("web", client_id=101, now=T0)
    note = web.create("note", {"text": "Order flour"})
    python = make("py", client_id=201, now=T0 + 10)
    python.apply_remote([u for _, u in web.outbox()])
    sent = len(web.outbox())
    web.edit_note_text(note, 0, insert="Please: ")
    python.update("note", note, {"text": "Order rye flour"})
    python.apply_remote([u for _, u in web.outbox(sent)])
    web.apply_remote([u for _, u in python.outbox()])
    assert contents(python) == web.contents()
    assert python.get("note", note)["text"] == "Please: Order rye flour"


@pytest.mark.parametrize(("fields", "field"), [
    ({"email": "not an address"}, "email"),
    ({"first_name": 42}, "first_name"),
    ({"mobile_phone": "call me"}, "mobile_phone"),
])
def test_a_bad_value_is_refused_by_both_engines_with_the_same_message(
        engine: NodeEngine, fields: dict[str, object], field: str) -> None:
    web = engine.replica("web", client_id=101, now=T0)
    python = make("py", client_id=201)
    with pytest.raises(ValidationError) as expected:
        python.create("contact", {"last_name": "Novak", **fields})
    with pytest.raises(JsError) as refused:
        web.create("contact", {"last_name": "Novak", **fields})
    assert refused.value.name == "ValidationError"
    # Each engine names the id it was about to give the record: py-1 and web-1.
    assert refused.value.message == str(expected.value).replace("py-1", "web-1")
    assert field in refused.value.message
    assert web.outbox() == []
    assert web.contents()["contact"] == []
