"""The Act! sandbox over real HTTP on 127.0.0.1: the API subset, each documented Act! quirk,
refusals that change nothing, seeding, and `handsync act-sandbox serve` as a process.

Most tests run the server in a thread with a fake clock (tokens expire and rate-limit windows
roll without waiting); one starts the real command as a subprocess.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from clients.act.richtext import rtf_to_text, to_rtf
from clients.act_sandbox.schema import stamp
from clients.act_sandbox.seed import seed
from clients.act_sandbox.store import SandboxStore, StoreError, user_id_for
from clients.cli.sandbox import act_sandbox
from tests.clients.act_sandbox.helpers import (
    DB,
    PASSWORD,
    START,
    TIMEOUT,
    USER,
    Clock,
    serve_sandbox,
)

HANDSYNC = str(Path(sys.executable).parent / "handsync")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UNKNOWN = "0f0f0f0f-0000-4000-8000-000000000000"


def iso(epoch: float) -> str:
    return stamp(datetime.fromtimestamp(epoch, UTC))


def basic(user: str = USER, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class Sandbox:
    """A running sandbox and an httpx client rooted at its /act.web.api URL."""

    url: str
    clock: Clock
    store: SandboxStore
    path: Path
    http: httpx.Client
    token: str = ""

    def login(self, **headers: str) -> httpx.Response:
        sent = {"Authorization": basic(), "Act-Database-Name": DB, **headers}
        return self.http.get("/authorize", headers={k: v for k, v in sent.items() if v})

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not self.token:
            response = self.login()
            assert response.status_code == 200
            self.token = response.text
        headers = {"Authorization": f"Bearer {self.token}", "Act-Database-Name": DB,
                   **kwargs.pop("headers", {})}
        return self.http.request(method, "/api/" + path, headers=headers, **kwargs)

    def get(self, path: str, **params: str) -> Any:
        response = self.api("GET", path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: Any) -> dict[str, Any]:
        response = self.api("POST", path, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def ids(self, path: str, **params: str) -> list[str]:
        return [r["id"] for r in self.get(path, **{"$select": "id", **params})]


@contextmanager
def running(directory: Path, seed_contacts: int = 0, **config: Any) -> Iterator[Sandbox]:
    clock = Clock()
    with serve_sandbox(directory, clock, seed_contacts, **config) as (url, store), \
            httpx.Client(base_url=url, trust_env=False, timeout=TIMEOUT) as http:
        yield Sandbox(url, clock, store, directory / "act.sqlite", http)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with running(tmp_path) as sb:
        yield sb


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """5,200 seeded contacts, shared by read-only tests."""
    with running(tmp_path_factory.mktemp("seeded"), seed_contacts=5200) as sb:
        yield sb


def snapshot(path: Path) -> list[tuple[Any, ...]]:
    """Everything stored, read straight from the SQLite file."""
    with closing(sqlite3.connect(path)) as db:
        return [*db.execute("SELECT kind, id, body FROM records ORDER BY kind, id"),
                *db.execute("SELECT group_id, contact_id FROM members ORDER BY 1, 2"),
                *db.execute("SELECT * FROM custom_fields ORDER BY 1, 2")]


def is_bare_401(response: httpx.Response) -> bool:
    return (response.status_code == 401 and response.content == b""
            and "content-type" not in response.headers)


# Connecting ---------------------------------------------------------------------------------

def test_system_answers_without_login(sandbox: Sandbox) -> None:
    response = sandbox.http.get("/api/system")
    assert response.status_code == 200
    assert {"apiVersion", "sdkVersion"} <= set(response.json())


def test_an_anonymous_call_gets_the_500_act_was_seen_to_answer(sandbox: Sandbox) -> None:
    # conventions/act-conventions.yml of api-evangelist/act: an anonymous GET /api/contacts
    # answered 500 with ASP.NET's error object and a System.NullReferenceException.
    for method, path in (("GET", "/api/contacts"), ("POST", "/api/notes"),
                         ("GET", "/api/metadata/Contact/fields")):
        response = sandbox.http.request(method, path, headers={"Act-Database-Name": DB})
        assert response.status_code == 500
        body = response.json()
        assert body["exceptionType"] == "System.NullReferenceException"
        assert {"message", "exceptionMessage", "stackTrace"} <= set(body)
    assert sandbox.store.count("note") == 0


def test_authorize_answers_a_jwt_as_plain_text_that_opens_the_api(sandbox: Sandbox) -> None:
    response = sandbox.login()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    head, payload, _sig = response.text.split(".")
    assert json.loads(base64.urlsafe_b64decode(head + "==")) == {"alg": "HS256", "typ": "JWT"}
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    assert claims["exp"] - claims["iat"] == 65 * 60
    sandbox.token = response.text
    assert sandbox.api("GET", "contacts").status_code == 200
    assert sandbox.login(Authorization=basic("sam sandbox")).status_code == 200
    sandbox.clock.now += 60
    renewed = sandbox.login(Authorization=f"Bearer {response.text}")  # the conventions allow it
    assert renewed.status_code == 200 and renewed.text != response.text


@pytest.mark.parametrize("case", ["wrong user", "wrong password", "wrong database",
                                  "no database header", "no credentials", "bearer scheme",
                                  "not base64"])
def test_every_login_failure_is_a_bare_401(sandbox: Sandbox, case: str) -> None:
    headers = {
        "wrong user": {"Authorization": basic("Chris Huffman")},
        "wrong password": {"Authorization": basic(password="guess")},
        "wrong database": {"Act-Database-Name": "ActProd"},
        "no database header": {"Act-Database-Name": ""},
        "no credentials": {"Authorization": ""},
        "bearer scheme": {"Authorization": "Bearer a.b.c"},
        "not base64": {"Authorization": "Basic %%%"},
    }[case]
    assert is_bare_401(sandbox.login(**headers))
    assert sandbox.login().status_code == 200  # the same call with the right settings works


def _tampered(token: str) -> str:
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["exp"] += 10**6
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


@pytest.mark.parametrize("case", ["garbage", "tampered", "other database",
                                  "no database header", "basic scheme", "expired"])
def test_api_calls_without_a_valid_token_are_a_bare_401(sandbox: Sandbox, case: str) -> None:
    token = sandbox.login().text
    headers = {"Authorization": f"Bearer {token}", "Act-Database-Name": DB}
    if case == "garbage":
        headers["Authorization"] = "Bearer not-a-token"
    elif case == "tampered":
        headers["Authorization"] = f"Bearer {_tampered(token)}"
    elif case == "other database":
        headers["Act-Database-Name"] = "ActProd"
    elif case == "no database header":
        del headers["Act-Database-Name"]
    elif case == "basic scheme":
        headers["Authorization"] = basic()
    else:
        sandbox.clock.now += 65 * 60
    assert is_bare_401(sandbox.http.get("/api/contacts", headers=headers))
    fresh = sandbox.login().text
    good = sandbox.http.get("/api/contacts", headers={"Authorization": f"Bearer {fresh}",
                                                      "Act-Database-Name": DB})
    assert good.status_code == 200


def test_token_lifetime_is_configurable_and_expiry_needs_a_new_login(tmp_path: Path) -> None:
    with running(tmp_path, token_lifetime=100) as sb:
        assert sb.api("GET", "contacts").status_code == 200
        sb.clock.now += 99.9
        assert sb.api("GET", "contacts").status_code == 200
        sb.clock.now += 0.1
        assert is_bare_401(sb.api("GET", "contacts"))
        sb.token = ""  # re-authorise once, as the bridge will
        assert sb.api("GET", "contacts").status_code == 200


def test_rate_limit_headers_and_429_when_exceeded(tmp_path: Path) -> None:
    with running(tmp_path, rate_limit=3, rate_window=60) as sb:
        first = sb.login()
        sb.token = first.text
        created = sb.api("POST", "contacts", json={"firstName": "Ann"})
        listed = sb.api("GET", "contacts")
        assert [r.headers["X-RateLimit-Remaining"] for r in (first, created, listed)] == \
            ["2", "1", "0"]
        assert {r.headers["X-RateLimit-Limit"] for r in (first, created, listed)} == {"3"}
        assert listed.headers["X-RateLimit-Reset"] == str(int(START) + 60)
        refused = sb.api("POST", "contacts", json={"firstName": "Bob"})
        assert refused.status_code == 429
        assert "Rate limit" in refused.json()["message"]
        assert "Retry-After" not in refused.headers  # Act! documents none
        assert sb.store.count("contact") == 1  # the refused POST did nothing
        sb.clock.now += 60
        again = sb.api("GET", "contacts")
        assert again.status_code == 200 and again.headers["X-RateLimit-Remaining"] == "2"
        assert len(again.json()) == 1


def test_rate_limit_headers_can_be_left_out_as_on_a_self_hosted_server(tmp_path: Path) -> None:
    with running(tmp_path, rate_limit=1, rate_headers=False) as sb:
        first = sb.login()
        sb.token = first.text
        refused = sb.api("GET", "contacts")
        assert refused.status_code == 429
        assert not any(h.lower().startswith("x-ratelimit") for h in (*first.headers,
                                                                     *refused.headers))


def test_routes_are_case_insensitive_like_aspnet(sandbox: Sandbox) -> None:
    contact = sandbox.post("contacts", {"firstName": "Ann"})
    sandbox.post("History", {"regarding": "Call", "contacts": [{"id": contact["id"]}]})
    assert len(sandbox.get("history")) == len(sandbox.get("History")) == 1
    response = sandbox.http.get("/API/Contacts", headers={
        "Authorization": f"Bearer {sandbox.token}", "Act-Database-Name": DB})
    assert [r["id"] for r in response.json()] == [contact["id"]]


# Records --------------------------------------------------------------------------------------

CONTACT = {
    "firstName": "Ann", "lastName": "Lee", "company": "Acme Ltd", "jobTitle": "Buyer",
    "emailAddress": "ann@acme.example", "businessPhone": "(217) 555-0100",
    "businessExtension": "89", "businessCountryCode": 1,
    "businessAddress": {"line1": "12 Main St", "city": "Springfield", "state": "IL",
                        "postalCode": "62701", "country": "USA"},
    "birthday": "1980-02-29T00:00:00Z", "customFields": {"user1": "North", "user2": "VIP"},
}


def test_contact_create_read_put_patch_delete(sandbox: Sandbox) -> None:
    created = sandbox.post("contacts", CONTACT)
    rid = created["id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", rid)
    assert created["fullName"] == "Ann Lee"
    assert created["recordManager"] == USER and created["recordManagerID"] == user_id_for(USER)
    assert created["businessExtension"] == "89" and created["businessCountryCode"] == 1
    assert created["birthday"] == "1980-02-29T00:00:00.000Z"
    assert sandbox.get(f"contacts/{rid}") == created
    patched = sandbox.api("PATCH", f"contacts/{rid}", json={
        "businessAddress": {"city": "Chicago"}, "customFields": {"user2": None, "user3": "x"},
        "JOBTITLE": "Head Buyer"}).json()  # .NET reads property names case-insensitively
    assert patched["businessAddress"] == {**CONTACT["businessAddress"], "city": "Chicago",
                                          "line2": None, "line3": None, "latitude": None,
                                          "longitude": None}
    assert patched["customFields"] == {"user1": "North", "user3": "x"}
    assert patched["jobTitle"] == "Head Buyer" and patched["emailAddress"] == "ann@acme.example"
    replaced = sandbox.api("PUT", f"contacts/{rid}", json={"firstName": "Annie"}).json()
    assert replaced["id"] == rid and replaced["created"] == created["created"]
    assert replaced["fullName"] == "Annie" and replaced["emailAddress"] is None
    assert replaced["customFields"] == {} and replaced["businessAddress"]["city"] is None
    deleted = sandbox.api("DELETE", f"contacts/{rid}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert sandbox.api("GET", f"contacts/{rid}").status_code == 404


def test_edited_is_stamped_by_the_server_in_utc_with_milliseconds(sandbox: Sandbox) -> None:
    sandbox.clock.now = START + 0.123
    created = sandbox.post("contacts", {"firstName": "Ann", "edited": "2000-01-01T00:00:00Z",
                                        "created": "2000-01-01T00:00:00Z"})
    assert created["created"] == created["edited"] == "2026-11-18T11:06:40.123Z"
    assert STAMP.match(created["edited"])
    sandbox.clock.now += 61.5
    patched = sandbox.api("PATCH", f"contacts/{created['id']}", json={"lastName": "Lee"}).json()
    assert patched["edited"] == "2026-11-18T11:07:41.623Z"
    assert patched["created"] == created["created"] and patched["editedBy"] == USER
    sandbox.clock.now += 1
    note = sandbox.post("notes", {"noteText": "hi", "contacts": [created["id"]]})
    assert note["edited"] == "2026-11-18T11:07:42.623Z"


def test_post_is_not_idempotent_a_retry_makes_a_duplicate(sandbox: Sandbox) -> None:
    body = {"id": UNKNOWN, "firstName": "Retry", "lastName": "Twice"}
    first, second = sandbox.post("contacts", body), sandbox.post("contacts", body)
    assert first["id"] != second["id"] and UNKNOWN not in (first["id"], second["id"])
    named = sandbox.get("contacts", **{"$filter": "lastName eq 'Twice'"})
    assert sorted(r["id"] for r in named) == sorted([first["id"], second["id"]])


def test_no_delete_feed_and_no_tombstones(sandbox: Sandbox) -> None:
    before = iso(sandbox.clock.now)
    keep = sandbox.post("contacts", {"firstName": "Keep"})
    gone = sandbox.post("contacts", {"firstName": "Gone"})
    note = sandbox.post("notes", {"noteText": "only about Gone", "contacts": [gone["id"]]})
    shared = sandbox.post("notes", {"noteText": "both", "contacts": [gone["id"], keep["id"]]})
    group = sandbox.post("groups", {"name": "G"})
    sandbox.api("PUT", f"groups/{group['id']}/associated-contacts",
                json={"contacts": [gone["id"]]})
    sandbox.clock.now += 10
    assert sandbox.api("DELETE", f"contacts/{gone['id']}").status_code == 204
    # Nothing announces the delete: the change feed only shows what still exists…
    assert sandbox.ids("contacts", **{"$filter": f"edited ge {before}"}) == [keep["id"]]
    assert sandbox.api("GET", f"contacts/{gone['id']}").status_code == 404
    assert sandbox.api("GET", "contacts/deleted").status_code == 404
    # …and no trace is kept anywhere: the lone note went with it, the shared one lost the link.
    assert sandbox.api("GET", f"notes/{note['id']}").status_code == 404
    assert [c["id"] for c in sandbox.get(f"notes/{shared['id']}")["contacts"]] == [keep["id"]]
    assert sandbox.get(f"groups/{group['id']}/associated-contacts") == []
    assert not [row for row in snapshot(sandbox.path) if gone["id"] in json.dumps(row)]


def test_group_membership_changes_leave_edited_alone(sandbox: Sandbox) -> None:
    contact = sandbox.post("contacts", {"firstName": "Ann"})
    other = sandbox.post("contacts", {"firstName": "Bob"})
    group = sandbox.post("groups", {"name": "Key Accounts"})
    after_creation = iso(sandbox.clock.now + 1)
    sandbox.clock.now += 3600
    path = f"groups/{group['id']}/associated-contacts"
    added = sandbox.api("PUT", path, json={"contacts": [contact["id"], other["id"]]})
    assert added.status_code == 200  # Contact[]: the contacts assigned
    assert sorted(r["id"] for r in added.json()) == sorted([contact["id"], other["id"]])
    assert sorted(sandbox.ids(path)) == sorted([contact["id"], other["id"]])
    assert sandbox.ids(f"contacts/{contact['id']}/associated-groups") == [group["id"]]
    assert sandbox.api("POST", path, json={"contacts": [contact["id"]]}).status_code == 405
    assert sandbox.get(f"contacts/{contact['id']}")["edited"] == contact["edited"]
    assert sandbox.get(f"groups/{group['id']}")["edited"] == group["edited"]
    for kind in ("contacts", "groups"):  # so polling by `edited` never sees it
        assert sandbox.get(kind, **{"$filter": f"edited ge {after_creation}"}) == []
    assert sandbox.api("DELETE", path, json={"contacts": [contact["id"]]}).status_code == 204
    assert sandbox.api("DELETE", f"{path}/{other['id']}").status_code == 204
    assert sandbox.get(path) == []
    one = sandbox.api("PUT", f"{path}/{other['id']}")
    assert one.status_code == 200 and [r["id"] for r in one.json()] == [other["id"]]
    assert sandbox.ids(path) == [other["id"]]
    assert sandbox.get(f"contacts/{contact['id']}")["edited"] == contact["edited"]


def test_private_records_of_other_users_answer_404_and_are_never_listed(seeded: Sandbox) -> None:
    me = user_id_for(USER)
    hidden = [r for r in seeded.store.records("contact") if r["isPrivate"] and r["_owner"] != me]
    mine = [r for r in seeded.store.records("contact") if r["isPrivate"] and r["_owner"] == me]
    assert hidden and mine
    before = snapshot(seeded.path)
    secret = hidden[0]
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = seeded.api(method, f"contacts/{secret['id']}", json={"firstName": "x"})
        unknown = seeded.api(method, f"contacts/{UNKNOWN}", json={"firstName": "x"})
        assert response.status_code == unknown.status_code == 404  # same as a deleted record
    assert snapshot(seeded.path) == before
    # Without $orderby the order changes per request, so page by id to see everything.
    by_id = {"$orderby": "id"}
    listed = set(seeded.ids("contacts", **by_id)) | set(
        seeded.ids("contacts", **by_id, **{"$skip": "5000"}))
    assert len(listed) == seeded.store.count("contact") - len(hidden)
    assert not listed & {r["id"] for r in hidden}
    assert {r["id"] for r in mine} <= listed
    assert seeded.get("contacts/by-ids", ids=f"{secret['id']},{mine[0]['id']}")[0]["id"] == \
        mine[0]["id"]
    assert seeded.get("contacts", **{"$filter": f"emailAddress eq '{secret['emailAddress']}'"}) \
        == []
    for group in seeded.get("groups"):
        members = set(seeded.ids(f"groups/{group['id']}/associated-contacts"))
        assert not members & {r["id"] for r in hidden}
    private_notes = {r["id"] for r in seeded.store.records("note")
                     if r["isPrivate"] and r["_owner"] != me}
    assert private_notes
    all_notes = set(seeded.ids("notes", **by_id)) | set(
        seeded.ids("notes", **by_id, **{"$skip": "5000"}))
    assert not all_notes & private_notes
    assert len(all_notes) == seeded.store.count("note") - len(private_notes)
    # A visible note linked to a hidden contact does not reveal that contact either.
    hidden_ids = {r["id"] for r in hidden}
    linked = [n for n in seeded.store.records("note")
              if not n["isPrivate"] and hidden_ids & set(n["contacts"])]
    assert linked
    shown = seeded.get(f"notes/{linked[0]['id']}")
    assert not hidden_ids & {c["id"] for c in shown["contacts"]}
    listed_links = {c["id"] for n in seeded.get("notes", **{"$select": "contacts"})
                    for c in n["contacts"]}
    assert listed_links and not hidden_ids & listed_links


def test_top_is_capped_at_5000(seeded: Sandbox) -> None:
    visible = len(seeded.ids("contacts")) + len(seeded.ids("contacts", **{"$skip": "5000"}))
    # (lengths only: the order without $orderby changes between requests)
    assert visible > 5000
    assert len(seeded.ids("contacts", **{"$top": "6000"})) == 5000
    assert len(seeded.ids("contacts")) == 5000  # no $top: the same server page size
    assert len(seeded.ids("contacts", **{"$top": "6000", "$skip": "5000"})) == visible - 5000


def test_skip_paging_is_unstable_when_records_share_an_edited_stamp(seeded: Sandbox) -> None:
    batch = "2025-03-03T09:00:00.000Z"  # a seeded import batch: hundreds share this stamp
    wanted = set(seeded.ids("contacts", **{"$filter": f"edited eq {batch}"}))
    assert len(wanted) > 300
    query = {"$filter": f"edited ge {batch} and edited le {batch}", "$top": "100"}

    def page_through(orderby: str) -> list[str]:
        seen: list[str] = []
        for skip in range(0, len(wanted), 100):
            seen += seeded.ids("contacts", **query, **{"$orderby": orderby, "$skip": str(skip)})
        return seen

    bare = page_through("edited")
    assert len(bare) == len(wanted)
    assert len(set(bare)) < len(wanted)  # some came twice, so others never came
    once, twice = seeded.ids("contacts", **query), seeded.ids("contacts", **query)
    assert once != twice  # the same request, another order
    stable = page_through("edited,id")  # page by edited + id and it holds
    assert len(stable) == len(set(stable)) and set(stable) == wanted


@pytest.mark.parametrize("envelope", ["array", "value"])
def test_collections_come_bare_or_in_a_value_count_envelope(tmp_path: Path,
                                                            envelope: str) -> None:
    with running(tmp_path, envelope=envelope) as sb:
        made = [sb.post("contacts", {"firstName": f"C{n}"})["id"] for n in range(3)]
        sb.post("notes", {"noteText": "n", "contacts": [made[0]]})
        for path, total in (("contacts", 3), (f"contacts/{made[0]}/notes", 1),
                            ("metadata/Contact/fields", None)):
            body = sb.get(path, **({"$top": "2"} if total == 3 else {}))
            if envelope == "array":
                assert isinstance(body, list)
                page = body
            else:
                assert set(body) == {"value", "Count"}
                page = body["value"]
                assert body["Count"] == (total if total is not None else len(page))
            assert len(page) == (2 if total == 3 else total or len(page))
        assert isinstance(sb.get(f"contacts/{made[0]}"), dict)  # single records are never wrapped


def test_odata_over_http(sandbox: Sandbox) -> None:
    people = [("Ann", "Lee", "CA", "North"), ("Bob", "Ng", "NY", "South"),
              ("Carla", "Lee", "ca", None), ("Dev", "Leeds", None, "North")]
    for first, last, state, region in people:
        sandbox.post("contacts", {"firstName": first, "lastName": last,
                                  "businessAddress": {"state": state},
                                  "customFields": {"user1": region} if region else {}})
    names = lambda body: [r["firstName"] for r in body]  # noqa: E731
    assert sorted(names(sandbox.get("contacts", **{
        "$filter": "businessAddress/State eq 'CA'"}))) == ["Ann", "Carla"]
    assert names(sandbox.get("contacts", **{
        "$filter": "startswith(lastName,'Lee') and customFields/user1 eq 'North'",
        "$orderby": "lastName desc,firstName"})) == ["Dev", "Ann"]
    page = sandbox.get("contacts", **{"$orderby": "lastName,firstName desc", "$top": "2",
                                      "$skip": "1", "$select": "firstName,businessAddress/state"})
    assert page == [{"firstName": "Ann", "businessAddress": {"state": "CA"}},
                    {"firstName": "Dev", "businessAddress": {"state": None}}]


@pytest.mark.parametrize(("params", "message"), [
    ({"$expand": "notes"}, "'$expand' is not supported"),
    ({"$filter": "not (lastName eq 'Lee')"}, "'not' is not supported"),
    ({"$filter": "tolower(lastName) eq 'lee'"}, "'tolower' is not supported"),
    ({"$filter": "nickname eq 'x'"}, "Could not find a property named 'nickname'"),
    ({"$filter": "lastName eq 'unterminated"}, "Syntax error"),
    ({"$orderby": "lastName upward"}, "Invalid $orderby"),
    ({"$top": "-5"}, "Invalid value '-5' for $top"),
])
def test_unsupported_odata_is_a_400_with_a_message(sandbox: Sandbox, params: dict[str, str],
                                                   message: str) -> None:
    sandbox.post("contacts", {"lastName": "Lee"})
    response = sandbox.api("GET", "contacts", params=params)
    assert response.status_code == 400
    assert message in response.json()["message"]


# Refusals change nothing --------------------------------------------------------------------

BAD_REQUESTS = [
    ("POST", "contacts", b"{not json", 400, "not valid JSON"),
    ("POST", "contacts", b"", 400, "body is empty"),
    ("POST", "contacts", b"[1, 2]", 400, "must be a JSON object"),
    ("POST", "contacts", {"nickname": "Annie"}, 400, "'nickname' is not a property"),
    ("POST", "contacts", {"firstName": 5}, 400, "must be text"),
    ("POST", "contacts", {"isPrivate": "yes"}, 400, "must be true or false"),
    ("POST", "contacts", {"birthday": "29/02/1980"}, 400, "must be an ISO-8601 date-time"),
    ("POST", "contacts", {"lastReach": "soon"}, 400, "ISO-8601 date-time"),
    ("POST", "contacts", {"contactType": "Robot"}, 400, "must be one of"),
    ("POST", "contacts", {"customFields": {"user1": 5}}, 400, "'customFields/user1' must be text"),
    ("POST", "contacts", {"customFields": {"favouriteColour": "red"}}, 400,
     "'favouriteColour' is not a custom field"),
    ("POST", "contacts", {"customFields": ["x"]}, 400, "must be an object"),
    ("POST", "contacts", {"businessAddress": {"zip": "1"}}, 400, "'zip' is not part"),
    ("POST", "contacts", {"companyID": UNKNOWN}, 400, "no company with id"),
    ("POST", "contacts", {"recordManagerID": UNKNOWN}, 400, "no user with id"),
    ("PATCH", "contacts/{contact}", {"lastName": ["Lee"]}, 400, "must be text"),
    ("PUT", "contacts/{contact}", {"emailAddress": {"a": 1}}, 400, "must be text"),
    ("PATCH", "contacts/{unknown}", {"lastName": "Lee"}, 404, "No contact with id"),
    ("PUT", "contacts/not-a-guid", {"lastName": "Lee"}, 404, "is not a contact id"),
    ("DELETE", "contacts/{unknown}", None, 404, "No contact with id"),
    ("GET", "contacts/by-ids?ids=abc", None, 400, "'abc' is not a contact id"),
    ("POST", "companies", {"phone": "1"}, 400, "needs a 'name'"),
    ("POST", "tasks", {"subject": "Call"}, 400, "at least one contact"),
    ("GET", "tasks?format=pdf", None, 400, "not valid for format"),
    ("POST", "opportunities", {"name": "Deal", "stage": "Proposal"}, 400, "must be an object"),
    ("POST", "opportunities", {"name": "Deal", "stage": {"name": "Won it"}}, 400,
     "is not a stage"),
    ("POST", "contacts", {"businessCountryCode": "44"}, 400, "must be a whole number"),
    ("POST", "companies", {"name": "Acme", "address": {"latitude": "north"}}, 400,
     "must be a number"),
    ("POST", "notes", {"noteText": "x", "contacts": [{"id": UNKNOWN}]}, 400,
     "no contact with id"),
    ("POST", "notes", {"noteText": "x", "contacts": "everyone"}, 400, "must be a list"),
    ("POST", "history", {"historyTypeID": 999, "contacts": ["{contact}"]}, 400,
     "unknown history type"),
    ("POST", "opportunities", {"name": "Deal", "status": 7}, 400,
     "one of Open, Won, Lost, Inactive"),
    ("POST", "opportunities", {"name": "Deal", "status": "Pending"}, 400,
     "one of Open, Won, Lost, Inactive"),
    ("PUT", "groups/{group}/associated-contacts", {"contacts": ["{contact}", UNKNOWN]}, 400,
     "no contact with id"),
    ("PUT", "groups/{group}/associated-contacts", ["{contact}"], 400, '{"contacts"'),
    ("PUT", "groups/{group}/associated-contacts", {"contacts": []}, 400, "at least one"),
    ("POST", "groups/{group}/associated-contacts", {"contacts": ["{contact}"]}, 405,
     "does not support http method 'POST'"),
    ("PUT", "groups/{unknown}/associated-contacts", {"contacts": ["{contact}"]}, 404,
     "No group with id"),
    ("DELETE", "groups/{group}/associated-contacts", b"[oops", 400, "not valid JSON"),
    ("GET", "metadata/robots/fields", None, 404, "Unknown record type 'robots'"),
    ("GET", "widgets", None, 404, "No HTTP resource"),
    ("PATCH", "contacts", {"lastName": "Lee"}, 405, "does not support http method 'PATCH'"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), BAD_REQUESTS,
                         ids=[f"{m} {p} {str(b)[:30]}" for m, p, b, _s, _m in BAD_REQUESTS])
def test_bad_input_gets_a_clear_error_and_changes_nothing(
        sandbox: Sandbox, method: str, path: str, body: Any, status: int, message: str) -> None:
    contact = sandbox.post("contacts", {"firstName": "Ann", "customFields": {"user1": "a"}})
    group = sandbox.post("groups", {"name": "G"})
    ids = {"{contact}": contact["id"], "{group}": group["id"], "{unknown}": UNKNOWN}
    for placeholder, value in ids.items():
        path = path.replace(placeholder, value)
    if body is not None and not isinstance(body, bytes):
        text = json.dumps(body)
        for placeholder, value in ids.items():
            text = text.replace(placeholder, value)
        body = text.encode()
    before = snapshot(sandbox.path)
    sandbox.clock.now += 5
    response = sandbox.api(method, path, content=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
    assert snapshot(sandbox.path) == before
    assert sandbox.get(f"contacts/{contact['id']}") == contact


def test_bodies_without_a_usable_length_are_refused_and_change_nothing(
        sandbox: Sandbox) -> None:
    before = snapshot(sandbox.path)
    chunked = sandbox.api("POST", "contacts", content=iter([b'{"firstName": "Ann"}']))
    assert chunked.status_code == 411 and "Content-Length" in chunked.json()["message"]
    # httpx will not send a Content-Length it does not mean, so announce 64 MiB by hand.
    url = httpx.URL(sandbox.url)
    with socket.create_connection((url.host, url.port or 80), timeout=TIMEOUT) as raw:
        raw.sendall(f"POST /act.web.api/api/contacts HTTP/1.1\r\nHost: x\r\n"
                    f"Authorization: Bearer {sandbox.token}\r\nAct-Database-Name: {DB}\r\n"
                    f"Content-Length: {64 * 2**20}\r\n\r\n{{}}".encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 413 ")
    assert snapshot(sandbox.path) == before
    assert sandbox.get("contacts") == []  # and the connection after them still works


# Related records, lookups, notes, metadata ----------------------------------------------------

def test_related_lists_of_a_contact(sandbox: Sandbox) -> None:
    company = sandbox.post("companies", {"name": "Acme Ltd"})
    ann = sandbox.post("contacts", {"firstName": "Ann", "companyID": company["id"]})
    bob = sandbox.post("contacts", {"firstName": "Bob"})
    links = {"contacts": [{"id": ann["id"]}]}
    made = {
        "notes": sandbox.post("notes", {"noteText": "hello", **links}),
        "history": sandbox.post("history", {"regarding": "Call", "historyTypeID": 1, **links}),
        "associated-tasks": sandbox.post("tasks", {
            "subject": "Demo", "activityTypeId": 2, "startTime": "2026-12-01T10:00:00Z",
            "endTime": "2026-12-01T11:30:00Z", **links}),
        "associated-groups": sandbox.post("groups", {"name": "G"}),
        "associated-companies": company,
    }
    sandbox.api("PUT", f"groups/{made['associated-groups']['id']}/associated-contacts",
                json={"contacts": [ann["id"]]})
    sandbox.post("notes", {"noteText": "about Bob", "contacts": [{"id": bob["id"]}]})
    for relation, record in made.items():
        assert sandbox.ids(f"contacts/{ann['id']}/{relation}") == [record["id"]], relation
    task = made["associated-tasks"]
    assert task["activityTypeName"] == "Meeting" and task["scheduledFor"] == USER
    assert task["duration"] == "1 hour 30 minutes"  # a string, derived from the times
    assert made["history"]["historyType"] == {"id": 1, "name": "Call Completed"}
    assert made["notes"]["contacts"] == [{"id": ann["id"], "displayName": "Ann"}]
    assert sandbox.api("GET", f"contacts/{UNKNOWN}/notes").status_code == 404


def test_by_ids_returns_the_visible_ones_in_the_order_asked(sandbox: Sandbox) -> None:
    made = [sandbox.post("contacts", {"firstName": f"C{n}"})["id"] for n in range(3)]
    body = sandbox.get("contacts/by-ids", ids=f"{made[2]},{UNKNOWN},{made[0].upper()}")
    assert [r["id"] for r in body] == [made[2], made[0]]
    repeated = sandbox.api("GET", f"contacts/by-ids?ids={made[1]}&ids={made[0]}").json()
    assert [r["id"] for r in repeated] == [made[1], made[0]]


def test_notes_come_as_rtf_unless_format_text(sandbox: Sandbox) -> None:
    contact = sandbox.post("contacts", {"firstName": "Ann"})
    text = "Prices in €\n{braces} and \\backslash\ttab"
    note = sandbox.post("notes", {"noteText": text, "contacts": [contact["id"]]})
    assert note["noteText"].startswith("{\\rtf1") and note["noteTypeID"] == 100
    assert sandbox.get(f"notes/{note['id']}", format="text")["noteText"] == text
    rtf = "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Hello \\b world\\b0\\par caf\\'e9}"
    typed = sandbox.post("notes", {"noteText": rtf, "contacts": [contact["id"]]})
    assert typed["noteText"] == rtf
    assert sandbox.get(f"notes/{typed['id']}", format="text")["noteText"] == "Hello world\ncafé"


def test_details_are_rich_text_and_durations_follow_the_times(sandbox: Sandbox) -> None:
    contact = sandbox.post("contacts", {"firstName": "Ann"})
    links = {"contacts": [{"id": contact["id"]}]}
    task = sandbox.post("tasks", {"subject": "Visit", "details": "Bring <samples>\nand prices",
                                  "startTime": "2026-12-01T09:00:00Z",
                                  "endTime": "2026-12-01T11:15:00Z", "duration": "2 days",
                                  "recurSpec": {"recurType": "Daily"}, **links})
    assert task["details"].startswith("{\\rtf1")  # rtf by default (format=auto)
    assert task["duration"] == "2 hours 15 minutes"  # derived; the body's value is ignored
    assert task["recurSpec"] is None  # ignored on writes at /api/tasks
    path = f"tasks/{task['id']}"
    assert sandbox.get(path, format="text")["details"] == "Bring <samples>\nand prices"
    assert sandbox.get(path, format="HTML")["details"] == \
        "<p>Bring &lt;samples&gt;<br/>and prices</p>"
    assert sandbox.get(path, format="rtf")["details"] == task["details"]
    history = sandbox.post("history", {"regarding": "Call", "details": "Left a message",
                                       "startTime": "2026-12-01T09:00:00Z",
                                       "endTime": "2026-12-01T09:05:00Z", **links})
    assert history["duration"] == "5 minutes" and history["details"].startswith("{\\rtf1")
    moved = sandbox.api("PATCH", f"History/{history['id']}?format=text",
                        json={"endTime": "2026-12-01T10:00:00Z"}).json()
    assert moved["duration"] == "1 hour" and moved["details"] == "Left a message"


def test_opportunity_stage_is_an_object_and_status_a_name(sandbox: Sandbox) -> None:
    made = sandbox.post("opportunities", {"name": "Deal", "status": 3,
                                          "stage": {"name": "proposal"}})
    assert made["status"] == "Inactive"
    stage = made["stage"]
    assert stage["name"] == "Proposal" and stage["probability"] == 50 and stage["number"] == 3
    assert stage["process"]["name"] == "Standard Sales Process"
    by_id = sandbox.api("PATCH", f"opportunities/{made['id']}",
                        json={"status": "won", "stage": {"id": stage["id"].upper()}}).json()
    assert by_id["status"] == "Won" and by_id["stage"]["id"] == stage["id"]
    refused = sandbox.api("GET", "opportunities", params={"$filter": "stage/name eq 'x'"})
    assert refused.status_code == 400  # not filterable in the sandbox (docs/act-sandbox.md)


@given(st.text())
def test_rtf_written_for_a_note_reads_back_exactly(text: str) -> None:
    assert rtf_to_text(to_rtf(text)) == text


def test_metadata_lists_custom_fields_and_they_are_carried(seeded: Sandbox,
                                                           sandbox: Sandbox) -> None:
    fresh = [f for f in sandbox.get("metadata/Contact/fields") if f["isCustom"]]
    assert [f["name"] for f in fresh] == [f"user{n}" for n in range(1, 16)]
    custom = {f["name"]: f for f in seeded.get("metadata/Contact/fields") if f["isCustom"]}
    assert custom["customerSince"]["displayName"] == "Customer Since"
    assert custom["customerSince"]["type"] == "Number" and "user15" not in custom
    assert custom["newsletter"]["type"] == "YesNo" and custom["newsletter"]["dataType"] == "Boolean"
    assert not {"valueType", "path", "isRequired", "fieldType"} & set(custom["newsletter"])
    assert seeded.get("contacts", **{"$filter": "customFields/customerSince ge 2025",
                                     "$select": "customFields"})
    standard = {f["name"] for f in seeded.get("metadata/Contact/fields") if not f["isCustom"]}
    assert {"firstName", "businessAddress", "edited", "mobileExtension"} <= standard
    assert {f["name"] for f in seeded.get("metadata/Company/fields")} >= {"address", "user1"}
    assert seeded.get("metadata/Product/fields") == []
    assert seeded.api("GET", "metadata/contacts/fields").status_code == 404


# Seeding and the data file --------------------------------------------------------------------

def test_seeding_is_deterministic_and_realistic(tmp_path: Path) -> None:
    stores = [SandboxStore(tmp_path / f"{n}.sqlite") for n in range(2)]
    try:
        counts = [seed(store, 300, USER) for store in stores]
        assert counts[0] == counts[1] and counts[0]["contact"] == 300
        assert all(counts[0][kind] > 0 for kind in ("company", "group", "note", "history",
                                                     "activity", "opportunity"))
        a, b = stores
        assert list(a.records("contact")) == list(b.records("contact"))
        contacts = list(a.records("contact"))
        ids = {c["id"] for c in contacts}
        assert any(c["businessExtension"] for c in contacts)
        assert any(c["businessCountryCode"] == 44 for c in contacts)
        assert any(c["homeAddress"]["city"] for c in contacts)
        assert any(c["customFields"].get("customerSince") for c in contacts)
        assert any(c["isPrivate"] and c["_owner"] != user_id_for(USER) for c in contacts)
        for kind in ("note", "history", "activity"):
            assert all(set(r["contacts"]) <= ids and r["contacts"] for r in a.records(kind))
        assert all(a.members(g["id"]) <= ids and a.members(g["id"])
                   for g in a.records("group"))
        with pytest.raises(StoreError, match="already holds records"):
            seed(a, 10, USER)
    finally:
        for store in stores:
            store.close()


def test_a_file_that_is_not_a_sandbox_is_refused_and_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "relay.sqlite"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE updates (seq INTEGER)")
        db.commit()
    before = other.read_bytes()
    with pytest.raises(StoreError, match="something else"):
        SandboxStore(other)
    assert other.read_bytes() == before
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is no database" * 100)
    with pytest.raises(StoreError, match="not an Act! sandbox database"):
        SandboxStore(garbage)
    assert garbage.read_bytes() == b"this is no database" * 100


def test_serve_refuses_to_start_without_the_password_variable(tmp_path: Path) -> None:
    data = tmp_path / "act.sqlite"
    result = CliRunner(env={"HS_SANDBOX_TEST_UNSET": None}).invoke(
        act_sandbox, ["serve", "--data", str(data), "--port", "0",
                      "--password-env", "HS_SANDBOX_TEST_UNSET"])
    assert result.exit_code == 1
    assert "HS_SANDBOX_TEST_UNSET is not set" in result.output
    assert not data.exists()


def _lines(proc: subprocess.Popen[str]) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str | None], pattern: str) -> re.Match[str]:
    deadline = time.monotonic() + TIMEOUT
    seen = []
    while (left := deadline - time.monotonic()) > 0:
        line = lines.get(timeout=left)
        if line is None:
            break
        seen.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"no line matching {pattern!r}; got {seen}")


def _start(data: Path) -> tuple[subprocess.Popen[str], queue.Queue[str | None]]:
    proc = subprocess.Popen(
        [HANDSYNC, "act-sandbox", "serve", "--data", str(data), "--port", "0",
         "--seed-contacts", "40", "--password-env", "HS_SANDBOX_TEST_PW", "--envelope", "value",
         "--user", USER, "--database", DB],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "HS_SANDBOX_TEST_PW": PASSWORD})
    return proc, _lines(proc)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_as_a_process_prints_its_port_and_stops_on_a_signal(
        tmp_path: Path, sig: signal.Signals) -> None:
    data = tmp_path / "act.sqlite"
    proc, lines = _start(data)
    try:
        assert "40 contact" in _wait_for(lines, r"^seeded .*")[0]
        url = _wait_for(lines, r"listening on (http://127\.0\.0\.1:(\d+)/act\.web\.api)")[1]
        assert not url.endswith(":0/act.web.api")
        with httpx.Client(base_url=url, trust_env=False, timeout=TIMEOUT) as http:
            assert is_bare_401(http.get("/authorize", headers={
                "Authorization": basic(password="wrong"), "Act-Database-Name": DB}))
            token = http.get("/authorize", headers={"Authorization": basic(),
                                                    "Act-Database-Name": DB}).text
            auth = {"Authorization": f"Bearer {token}", "Act-Database-Name": DB}
            body = http.get("/api/contacts", headers=auth, params={"$select": "id"}).json()
            assert body["Count"] == len(body["value"]) == 39  # one is another user's private
        proc.send_signal(sig)
        assert proc.wait(timeout=TIMEOUT) == 0
        _wait_for(lines, r"Act! sandbox stopped")
        # Restarted on the same file: the data is kept (no second seeding), the token still works.
        proc, lines = _start(data)
        _wait_for(lines, r"already holds data; not seeding")
        url = _wait_for(lines, r"listening on (http://127\.0\.0\.1:\d+/act\.web\.api)")[1]
        again = httpx.get(f"{url}/api/contacts", headers=auth, trust_env=False,
                          params={"$select": "id"})
        assert sorted(again.json()["value"], key=str) == sorted(body["value"], key=str)
        proc.send_signal(sig)
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
