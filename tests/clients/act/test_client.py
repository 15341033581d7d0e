"""ActClient against the Act! sandbox over real HTTP on 127.0.0.1.

The sandbox runs in a thread with a fake clock, so tokens expire and rate-limit windows roll
without waiting; the client gets the same clock and a fake sleep that moves it. A recording
transport wraps httpx's real one to show what went over the wire, and can replace one answer by
something the sandbox cannot produce (a lost response after a POST that did land, a 502 from a
proxy, a server that refuses to compare GUIDs). httpx.MockTransport stands in for Act! only for
what the sandbox never answers: Act!'s error codes 4030-4032, timeouts, an HTML page where the
token should be, and a Retry-After given as an HTTP date.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from clients.act.client import ActClient
from clients.act.errors import (
    ActAccessDenied,
    ActAmbiguous,
    ActAuthError,
    ActBadRequest,
    ActConfigError,
    ActNotFound,
    ActRateLimited,
    ActUnavailable,
)
from clients.act.wire import KeysetPager, odata_string
from clients.act_sandbox.store import SandboxStore, user_id_for
from tests.clients.act_sandbox.helpers import (
    DB,
    PASSWORD,
    START,
    TIMEOUT,
    USER,
    Clock,
    serve_sandbox,
)

PASSWORD_ENV = "HS_TEST_ACT_PASSWORD"
UNKNOWN = "0f0f0f0f-4031-4000-8000-000000000000"  # "4031" inside a GUID is not an error code

Forward = Callable[[httpx.Request], httpx.Response]
Hook = Callable[[httpx.Request, Forward], httpx.Response]


class FakeSleep:
    """Records each wait; moves ``clock`` by it when given one (time passes, nobody waits)."""

    def __init__(self, clock: Clock | None) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.clock is not None:
            self.clock.now += seconds


class Wire(httpx.BaseTransport):
    """httpx's real transport, recording every request and answer. ``hook(request, forward)``
    may answer a request itself, forward it and then lose the answer, or raise."""

    def __init__(self, hook: Hook | None) -> None:
        self.inner = httpx.HTTPTransport()
        self.hook = hook
        self.requests: list[httpx.Request] = []
        self.answers: list[tuple[int, bytes]] = []

    def forward(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.hook(request, self.forward) if self.hook else self.forward(request)
        response.read()
        self.answers.append((response.status_code, response.content))
        return response

    def close(self) -> None:
        self.inner.close()

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path.removeprefix('/act.web.api')}" for r in self.requests]

    def statuses(self) -> list[int]:
        return [status for status, _body in self.answers]

    def queries(self, path: str = "/api/contacts") -> list[dict[str, str]]:
        return [dict(parse_qsl(r.url.query.decode())) for r in self.requests
                if r.method == "GET" and r.url.path.endswith(path)]


@dataclass
class Conn:
    """A client, its recorded wire and its waits."""

    act: ActClient
    wire: Wire
    sleep: FakeSleep


@dataclass
class Act:
    """A running sandbox; ``connect`` makes clients on its clock that record their wire."""

    url: str
    clock: Clock
    store: SandboxStore
    conns: list[Conn] = field(default_factory=list)

    def connect(self, *, url: str | None = None, user: str = USER, password: str = PASSWORD,
                database: str = DB, hook: Hook | None = None, clock: Clock | None = None,
                advance: bool = True, **options: Any) -> Conn:
        """A client of this sandbox: on its clock unless ``clock`` is given; its sleeps move
        that clock unless ``advance`` is False."""
        wire = Wire(hook)
        clock = clock or self.clock
        sleep = FakeSleep(clock if advance else None)
        act = ActClient(url or self.url, database, user, password, password_env=PASSWORD_ENV,
                        transport=wire, clock=clock, sleep=sleep, trust_env=False,
                        timeout=TIMEOUT, **options)
        conn = Conn(act, wire, sleep)
        self.conns.append(conn)
        return conn

    def visible_contacts(self) -> list[dict[str, Any]]:
        me = user_id_for(USER)
        return [r for r in self.store.records("contact")
                if not r["isPrivate"] or r["_owner"] == me]


@contextmanager
def running(directory: Path, seed_contacts: int = 0, **config: Any) -> Iterator[Act]:
    clock = Clock()
    with serve_sandbox(directory, clock, seed_contacts, **config) as (url, store):
        act = Act(url, clock, store)
        try:
            yield act
        finally:
            for conn in act.conns:
                conn.act.close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Act]:
    with running(tmp_path) as act:
        yield act


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Act]:
    """5,200 seeded contacts (import batches of 500 share one `edited`); tests only read."""
    with running(tmp_path_factory.mktemp("seeded"), seed_contacts=5200) as act:
        yield act


def mock_client(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> ActClient:
    """A client whose "Act!" is ``handler``; nothing goes over a network."""
    options = {"clock": Clock(), "sleep": FakeSleep(None), **options}
    return ActClient("http://127.0.0.1:9/act.web.api", DB, USER, PASSWORD,
                     password_env=PASSWORD_ENV, transport=httpx.MockTransport(handler),
                     trust_env=False, **options)


def claims(request: httpx.Request) -> dict[str, Any]:
    scheme, _, token = request.headers["Authorization"].partition(" ")
    assert scheme == "Bearer"
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "==")))


# Logging in ---------------------------------------------------------------------------------

def test_login_with_basic_then_bearer_and_database_name_on_every_call(sandbox: Act) -> None:
    conn = sandbox.connect(url=sandbox.url + "/")  # a trailing slash is normalised
    made = conn.act.create("contacts", {"firstName": "Ann"})
    assert conn.act.get("contacts", made["id"])["firstName"] == "Ann"
    assert [r["id"] for r in conn.act.find("contacts")] == [made["id"]]
    assert conn.wire.paths() == ["GET /authorize", "POST /api/contacts",
                                 f"GET /api/contacts/{made['id']}", "GET /api/contacts"]
    login, *calls = conn.wire.requests
    assert login.headers["Authorization"] == "Basic " + base64.b64encode(
        f"{USER}:{PASSWORD}".encode()).decode()
    assert login.headers["Act-Database-Name"] == DB
    token = conn.wire.answers[0][1].decode()
    for call in calls:
        assert call.headers["Authorization"] == f"Bearer {token}"
        assert call.headers["Act-Database-Name"] == DB
    assert claims(calls[0])["db"] == DB
    assert set(conn.wire.statuses()) == {200, 201}


@pytest.mark.parametrize("wrong", ["user", "database", "password"])
def test_a_refused_login_names_the_user_database_and_password_settings(
        sandbox: Act, wrong: str) -> None:
    settings = {"user": USER, "database": DB, "password": PASSWORD}
    settings[wrong] = {"user": "Chris Huffman", "database": "ActProd", "password": "guess"}[wrong]
    conn = sandbox.connect(user=settings["user"], database=settings["database"],
                           password=settings["password"])
    with pytest.raises(ActAuthError) as caught:
        conn.act.find("contacts")
    message = str(caught.value)
    for needed in (repr(settings["user"]), "display name", repr(settings["database"]),
                   "Act-Database-Name", PASSWORD_ENV, "--user", "--database", "--password-env"):
        assert needed in message
    assert (caught.value.status, caught.value.path) == (401, "/authorize")
    assert conn.wire.paths() == ["GET /authorize"]  # no retrying a refused login


def test_an_unset_password_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(ActConfigError, match=f"{PASSWORD_ENV} .* is not set"):
        ActClient.from_env("http://127.0.0.1:9/act.web.api", DB, USER, PASSWORD_ENV)
    monkeypatch.setenv(PASSWORD_ENV, "")  # empty: a blank password, which Act! allows
    ActClient.from_env("http://127.0.0.1:9/act.web.api", DB, USER, PASSWORD_ENV).close()


def test_a_url_that_is_not_the_act_web_api_is_named(sandbox: Act) -> None:
    conn = sandbox.connect(url=sandbox.url.removesuffix("/act.web.api"))
    with pytest.raises(ActConfigError, match=r"no Act! Web API .*\(--act-url\)") as caught:
        conn.act.find("contacts")
    assert caught.value.status == 404
    with pytest.raises(ActConfigError, match="--act-url"):
        ActClient("127.0.0.1/act.web.api", DB, USER, PASSWORD)
    # A web server's page where the token should be (a wrong path that still answers 200).
    page = httpx.Response(200, html="<html><body>Welcome to IIS</body></html>")
    with mock_client(lambda request: page) as client, \
            pytest.raises(ActConfigError, match=r"not a token \(text/html.*\(--act-url\)"):
        client.find("contacts")


def test_the_token_is_renewed_before_it_expires(sandbox: Act) -> None:
    conn = sandbox.connect(token_refresh_after=600)
    conn.act.find("contacts")
    sandbox.clock.now += 599
    conn.act.find("contacts")
    sandbox.clock.now += 2
    conn.act.find("contacts")
    assert conn.wire.paths() == ["GET /authorize", "GET /api/contacts", "GET /api/contacts",
                                 "GET /authorize", "GET /api/contacts"]
    assert 401 not in conn.wire.statuses()


def test_a_token_that_says_it_lives_shorter_is_renewed_sooner(tmp_path: Path) -> None:
    with running(tmp_path, token_lifetime=100) as act:
        conn = act.connect()  # the default 50 minutes would be far too late here
        conn.act.find("contacts")
        act.clock.now += 79
        conn.act.find("contacts")
        act.clock.now += 2  # past 80 % of the token's 100 s
        conn.act.find("contacts")
        assert conn.wire.paths().count("GET /authorize") == 2
        assert 401 not in conn.wire.statuses()


def test_a_401_gets_one_new_login_and_the_call_is_repeated_once(tmp_path: Path) -> None:
    with running(tmp_path, token_lifetime=100) as act:
        conn = act.connect(clock=Clock())  # the client's clock does not see the server's
        conn.act.find("contacts")
        act.clock.now += 200  # the token expired on the server
        assert conn.act.find("contacts") == []
        assert conn.wire.paths() == ["GET /authorize", "GET /api/contacts",
                                     "GET /api/contacts", "GET /authorize", "GET /api/contacts"]
        assert conn.wire.statuses() == [200, 200, 401, 200, 200]


def test_a_second_401_is_an_error(sandbox: Act) -> None:
    def refuse_tokens(request: httpx.Request, forward: Forward) -> httpx.Response:
        if request.headers["Authorization"].startswith("Bearer"):
            return httpx.Response(401)
        return forward(request)

    conn = sandbox.connect(hook=refuse_tokens)
    with pytest.raises(ActAuthError, match="even with a token it had just issued") as caught:
        conn.act.find("contacts")
    assert caught.value.path == "/api/contacts" and "'ActDemo'" in str(caught.value)
    assert conn.wire.paths() == ["GET /authorize", "GET /api/contacts", "GET /authorize",
                                 "GET /api/contacts"]


@pytest.mark.parametrize(("code", "words"), [(4030, "not compatible"), (4031, "subscription"),
                                             (4032, "'Web API Access' permission")])
@pytest.mark.parametrize("where", ["/authorize", "/api/contacts"])
def test_act_error_codes_are_explained(code: int, words: str, where: str) -> None:
    def act(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(where):
            return httpx.Response(403 if code != 4030 else 400,
                                  json={"Message": "Access denied.", "ErrorCode": code})
        return httpx.Response(200, text="a.b.c")

    with mock_client(act) as client, pytest.raises(ActAccessDenied) as caught:
        client.find("contacts")
    assert caught.value.code == code and caught.value.path == where
    assert words in str(caught.value) and f"error {code}" in str(caught.value)


# Failures without an answer -----------------------------------------------------------------

def test_connection_refused_names_the_act_url() -> None:
    with closing(socket.socket()) as bound:  # bound but not listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}/act.web.api"
        with ActClient(url, DB, USER, PASSWORD, trust_env=False) as client, \
                pytest.raises(ActUnavailable) as caught:
            client.find("contacts")
    assert url in str(caught.value) and "--act-url" in str(caught.value)
    assert caught.value.status is None and not caught.value.maybe_applied


@pytest.mark.parametrize(("method", "maybe"), [("GET", False), ("POST", True)])
def test_a_timeout_names_the_url_and_whether_the_call_may_have_happened(
        method: str, maybe: bool) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/authorize"):
            return httpx.Response(200, text="a.b.c")
        raise httpx.ReadTimeout("timed out", request=request)

    with mock_client(slow, timeout=5) as client, pytest.raises(ActUnavailable) as caught:
        if method == "GET":
            client.find("contacts")
        else:
            client.create("contacts", {"firstName": "Ann"})
    message = str(caught.value)
    assert f"did not answer {method} /api/contacts within 5 s" in message
    assert "http://127.0.0.1:9/act.web.api" in message and "--act-url" in message
    assert caught.value.maybe_applied is maybe
    assert ("may or may not have carried out" in message) is maybe


# Collections and paging ---------------------------------------------------------------------

@pytest.mark.parametrize("envelope", ["array", "value"])
def test_both_collection_envelopes_read_the_same(tmp_path: Path, envelope: str) -> None:
    with running(tmp_path, envelope=envelope) as act:
        conn = act.connect()
        made = sorted(conn.act.create("contacts", {"firstName": f"C{n}"})["id"]
                      for n in range(3))
        group = conn.act.create("groups", {"name": "G"})["id"]
        conn.act.add_to_group(group, made[:2])
        assert sorted(r["id"] for r in conn.act.iter_changed("contacts", None)) == made
        assert sorted(conn.act.list_ids("contacts")) == made
        assert len(conn.act.find("contacts", top=2)) == 2
        assert sorted(r["id"] for r in conn.act.get_many_by_ids(made)) == made
        assert sorted(conn.act.group_members(group)) == made[:2]
        custom = [f["name"] for f in conn.act.fields_metadata("Contact") if f["isCustom"]]
        assert custom == [f"user{n}" for n in range(1, 16)]
        lists = [body for (status, body), request in zip(conn.wire.answers, conn.wire.requests,
                                                          strict=True)
                 if request.method == "GET" and request.url.path.endswith("/api/contacts")]
        assert len(lists) == 5  # the changes (two pages), the ids (two pages), find
        assert all(body.startswith(b"[" if envelope == "array" else b'{"value"')
                   for body in lists)


def test_keyset_paging_returns_every_record_once_where_skip_would_not(seeded: Act) -> None:
    expected = {r["id"] for r in seeded.visible_contacts()}
    stamps = [r["edited"] for r in seeded.visible_contacts()]
    assert max(stamps.count(s) for s in set(stamps)) > 300  # ties far longer than one page
    conn = seeded.connect()
    records = list(conn.act.iter_changed("contacts", None, page_size=100))
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == len(expected) and set(ids) == expected
    keys = [(r["edited"], r["id"]) for r in records]
    assert keys == sorted(keys)  # ordered by edited, then id
    queries = conn.wire.queries()
    assert len(queries) == -(-len(ids) // 100) + 1  # every page, then the empty one
    assert all(q["$orderby"] == "edited,id" and q["$top"] == "100" and "$skip" not in q
               for q in queries)
    last = records[-1]
    assert queries[-1]["$filter"] == (f"edited gt {last['edited']} or (edited eq "
                                      f"{last['edited']} and id gt {last['id']})")
    assert all(b"+" not in r.url.query for r in conn.wire.requests)  # spaces go as %20

    # The same tie group paged by bare $skip, as Act! integrations did: records repeat.
    batch = max(set(stamps), key=stamps.count)
    token = conn.act.authorize()
    seen: list[str] = []
    with httpx.Client(base_url=seeded.url, trust_env=False) as http:
        for skip in range(0, stamps.count(batch), 100):
            page = http.get("/api/contacts", headers={"Authorization": f"Bearer {token}",
                                                      "Act-Database-Name": DB},
                            params={"$filter": f"edited eq {batch}", "$orderby": "edited",
                                    "$select": "id", "$top": "100", "$skip": str(skip)})
            seen += [r["id"] for r in page.json()]
    assert len(seen) == stamps.count(batch) and len(set(seen)) < len(seen)


def test_changes_since_a_time_start_at_that_stamp(sandbox: Act) -> None:
    conn = sandbox.connect()
    old = conn.act.create("contacts", {"firstName": "Old"})
    sandbox.clock.now += 10
    tied = {conn.act.create("contacts", {"firstName": f"T{n}"})["id"] for n in range(3)}
    sandbox.clock.now += 10
    new = conn.act.create("contacts", {"firstName": "New"})
    since = datetime.fromtimestamp(START + 10, UTC)
    changed = [r["id"] for r in conn.act.iter_changed("contacts", since, page_size=2)]
    assert set(changed[:3]) == tied and changed[3:] == [new["id"]] and old["id"] not in changed
    assert conn.wire.queries()[0]["$filter"] == "edited ge 2026-11-18T11:06:50.000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        next(conn.act.iter_changed("contacts", datetime(2026, 1, 1)))


def test_extra_parameters_go_with_every_page_of_a_walk(sandbox: Act) -> None:
    conn = sandbox.connect()
    contact = conn.act.create("contacts", {"firstName": "Ann"})
    for n in range(3):
        conn.act.create("notes", {"noteText": f"line {n}", "contacts": [{"id": contact["id"]}]})
    rtf = [r["noteText"] for r in conn.act.iter_changed("notes", None, page_size=2)]
    assert all(text.startswith("{\\rtf") for text in rtf)
    plain = [r["noteText"] for r in conn.act.iter_changed("notes", None, page_size=2,
                                                          params={"format": "text"})]
    assert sorted(plain) == ["line 0", "line 1", "line 2"]
    pages = [q for q in conn.wire.queries("/api/notes") if q.get("format") == "text"]
    assert len(pages) == 3 and all(q["$orderby"] == "edited,id" for q in pages)


def test_top_never_goes_above_5000(seeded: Act) -> None:
    conn = seeded.connect()
    ids = conn.act.list_ids("contacts", page_size=10_000)
    assert len(ids) == len(set(ids)) == len(seeded.visible_contacts()) > 5000
    assert len(conn.act.find("contacts", top=9_999, select="id")) == 5000
    next(conn.act.iter_changed("contacts", None, page_size=6000))
    queries = conn.wire.queries()
    assert {q["$top"] for q in queries} == {"5000"}
    assert {q.get("$select") for q in queries} == {"id,edited", "id", None}


def test_a_server_that_cannot_compare_ids_is_still_read_exactly_once(seeded: Act) -> None:
    def no_guid_comparison(request: httpx.Request, forward: Forward) -> httpx.Response:
        if " id gt " in dict(parse_qsl(request.url.query.decode())).get("$filter", ""):
            return httpx.Response(400, json={"Message": "The binary operator GreaterThan is "
                                             "not defined for the types 'System.Guid' and "
                                             "'System.Guid'."})
        return forward(request)

    conn = seeded.connect(hook=no_guid_comparison)
    ids = [r["id"] for r in conn.act.iter_changed("contacts", None, page_size=100)]
    expected = {r["id"] for r in seeded.visible_contacts()}
    assert len(ids) == len(set(ids)) == len(expected) and set(ids) == expected
    assert conn.act.keyset_by_id is False
    assert sorted(conn.act.list_ids("contacts", page_size=1000)) == sorted(expected)
    queries = conn.wire.queries()
    assert sum(" id gt " in q.get("$filter", "") for q in queries) == 1  # tried once only
    # $skip appears only within one stamp, over the unique id order, where it is stable.
    skipping = [q for q in queries if "$skip" in q]
    assert skipping and all(q["$orderby"] == "id" and q["$filter"].startswith("edited eq ")
                            for q in skipping)


def test_a_record_edited_during_a_walk_comes_again_but_a_repeat_does_not() -> None:
    a, b, c = (f"{n}0000000-0000-4000-8000-000000000000" for n in (1, 2, 3))
    pager = KeysetPager(None, 2)
    first = pager.receive([{"id": a, "edited": "2026-01-01T00:00:00Z"},
                           {"id": b, "edited": "2026-01-01T00:00:00Z"}], "test")
    assert [r["id"] for r in first] == [a, b]
    assert pager.next_request() == {"$orderby": "edited,id", "$top": "2", "$filter":
                                    "edited gt 2026-01-01T00:00:00Z or (edited eq "
                                    f"2026-01-01T00:00:00Z and id gt {b})"}
    again = pager.receive([{"id": b, "edited": "2026-01-01T00:00:00Z"},
                           {"id": a, "edited": "2026-01-02T00:00:00"}], "test")
    assert again == [{"id": a, "edited": "2026-01-02T00:00:00"}]
    assert "edited gt 2026-01-02T00:00:00Z " in str(pager.next_request())  # UTC made explicit
    assert pager.receive([{"id": c, "edited": "2026-01-03T00:00:00Z"}], "test")[0]["id"] == c
    assert pager.receive([], "test") == [] and pager.next_request() is None


# Writing ------------------------------------------------------------------------------------

def lose_first_post(how: str) -> Hook:
    """The first POST fails as ``how`` says; "before" never reaches the sandbox."""
    posts: list[httpx.Request] = []

    def hook(request: httpx.Request, forward: Forward) -> httpx.Response:
        if request.method != "POST" or posts:
            return forward(request)
        posts.append(request)
        if how == "refused before":
            raise httpx.ConnectError("Connection refused", request=request)
        forward(request)  # Act! stores the record …
        if how == "timeout after":  # … and the answer never comes back
            raise httpx.ReadTimeout("timed out", request=request)
        if how == "reset after":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request)
        return httpx.Response(502, text="Bad Gateway")

    return hook


@pytest.mark.parametrize("how", ["timeout after", "reset after", "502 after", "refused before"])
def test_create_once_after_a_lost_answer_does_not_duplicate(sandbox: Act, how: str) -> None:
    conn = sandbox.connect(hook=lose_first_post(how))
    body = {"firstName": "Only", "lastName": "O'Nce"}
    lookup = f"lastName eq {odata_string(body['lastName'])} and firstName eq 'Only'"
    made = conn.act.create_once("contacts", body, lookup)
    stored = [r for r in sandbox.store.records("contact") if r["lastName"] == "O'Nce"]
    assert [r["id"] for r in stored] == [made["id"]]
    posts = [p for p in conn.wire.paths() if p.startswith("POST")]
    assert len(posts) == (2 if how == "refused before" else 1)
    assert conn.sleep.waits == [1.0]


def test_a_plain_create_after_a_lost_answer_says_it_may_have_happened(sandbox: Act) -> None:
    conn = sandbox.connect(hook=lose_first_post("timeout after"))
    with pytest.raises(ActUnavailable, match="may or may not have carried out the POST") as caught:
        conn.act.create("contacts", {"firstName": "Maybe"})
    assert caught.value.maybe_applied and sandbox.store.count("contact") == 1


def test_create_once_checks_first_and_refuses_an_ambiguous_lookup(sandbox: Act) -> None:
    conn = sandbox.connect()
    first = conn.act.create("contacts", {"firstName": "Ann", "lastName": "Lee"})
    again = conn.act.create_once("contacts", {"firstName": "Ann", "lastName": "Lee"},
                                 "lastName eq 'Lee'", check_first=True)
    assert again == first and sandbox.store.count("contact") == 1
    conn.act.create("contacts", {"firstName": "Bo", "lastName": "Lee"})
    with pytest.raises(ActAmbiguous) as caught:
        conn.act.create_once("contacts", {"lastName": "Lee"}, "lastName eq 'Lee'",
                             check_first=True)
    assert len(caught.value.ids) == 2 and sandbox.store.count("contact") == 2


def test_create_once_gives_up_saying_whether_to_look_first(sandbox: Act) -> None:
    def always_lost(request: httpx.Request, forward: Forward) -> httpx.Response:
        if request.method == "POST":  # stored, but the answer is a 503
            forward(request)
            return httpx.Response(503)
        if request.url.path.endswith("/api/contacts"):  # and every lookup fails
            raise httpx.ConnectError("Connection refused", request=request)
        return forward(request)

    conn = sandbox.connect(hook=always_lost)
    with pytest.raises(ActUnavailable, match="check_first=True") as caught:
        conn.act.create_once("contacts", {"firstName": "Zed"}, "firstName eq 'Zed'")
    assert caught.value.maybe_applied
    assert sandbox.store.count("contact") == 1  # the lookups failed, so it never re-POSTed
    assert conn.sleep.waits == [1.0, 2.0]


def test_patch_sends_only_the_given_fields(sandbox: Act) -> None:
    conn, other = sandbox.connect(), sandbox.connect()
    made = conn.act.create("contacts", {"firstName": "Ann", "jobTitle": "Buyer",
                                        "emailAddress": "ann@old.example"})
    other.act.patch("contacts", made["id"], {"jobTitle": "Head Buyer"})  # someone in Act!
    patched = conn.act.patch("contacts", made["id"], {"emailAddress": "ann@new.example"})
    assert patched is not None and patched["jobTitle"] == "Head Buyer"
    assert patched["emailAddress"] == "ann@new.example"
    sent = conn.wire.requests[-1]
    assert sent.method == "PATCH" and json.loads(sent.content) == {
        "emailAddress": "ann@new.example"}
    before = len(conn.wire.requests)
    with pytest.raises(ValueError, match="at least one field"):
        conn.act.patch("contacts", made["id"], {})
    assert len(conn.wire.requests) == before


def test_delete_and_a_404_that_does_not_prove_deletion(sandbox: Act) -> None:
    conn = sandbox.connect()
    made = conn.act.create("contacts", {"firstName": "Gone"})
    conn.act.delete("contacts", made["id"])
    assert conn.wire.statuses()[-1] == 204
    for call in (lambda: conn.act.get("contacts", made["id"]),
                 lambda: conn.act.delete("contacts", made["id"]),
                 lambda: conn.act.get("contacts", UNKNOWN)):
        with pytest.raises(ActNotFound, match="does not prove it was deleted"):
            call()


def test_another_users_private_record_is_not_found_and_never_listed(seeded: Act) -> None:
    me = user_id_for(USER)
    hidden = next(r for r in seeded.store.records("contact")
                  if r["isPrivate"] and r["_owner"] != me)
    mine = seeded.visible_contacts()[0]
    conn = seeded.connect()
    with pytest.raises(ActNotFound, match="private record") as caught:
        conn.act.get("contacts", hidden["id"])
    assert caught.value.status == 404 and caught.value.path == f"/api/contacts/{hidden['id']}"
    with pytest.raises(ActNotFound):
        conn.act.patch("contacts", hidden["id"], {"firstName": "x"})
    assert [r["id"] for r in conn.act.get_many_by_ids([hidden["id"], mine["id"]])] == \
        [mine["id"]]


def test_get_many_by_ids_asks_in_chunks(sandbox: Act) -> None:
    conn = sandbox.connect()
    made = [conn.act.create("contacts", {"firstName": f"C{n}"})["id"] for n in range(45)]
    found = conn.act.get_many_by_ids([*made, UNKNOWN, made[0]])
    assert [r["id"] for r in found] == made
    assert [len(q["ids"].split(",")) for q in conn.wire.queries("/by-ids")] == [40, 6]


def test_group_membership_goes_through_associated_contacts(sandbox: Act) -> None:
    conn = sandbox.connect()
    ann, bob = (conn.act.create("contacts", {"firstName": n})["id"] for n in ("Ann", "Bob"))
    group = conn.act.create("groups", {"name": "Key Accounts"})["id"]
    conn.act.add_to_group(group, [ann, bob, ann])
    assert sorted(conn.act.group_members(group)) == sorted([ann, bob])
    conn.act.remove_from_group(group, [ann])
    assert conn.act.group_members(group) == [bob]
    writes = [r for r in conn.wire.requests if r.method in ("PUT", "DELETE")][-2:]
    # Act!'s definition: PUT and DELETE with a Contacts.ContactListRequest; there is no POST.
    assert [(r.method, r.url.path, json.loads(r.content)) for r in writes] == [
        ("PUT", f"/act.web.api/api/groups/{group}/associated-contacts", {"contacts": [ann, bob]}),
        ("DELETE", f"/act.web.api/api/groups/{group}/associated-contacts", {"contacts": [ann]})]
    with pytest.raises(ActBadRequest, match="no contact with id"):
        conn.act.add_to_group(group, [ann, UNKNOWN])
    assert conn.act.group_members(group) == [bob]  # all or nothing


# Rate limits --------------------------------------------------------------------------------

def test_remaining_zero_pauses_until_the_window_resets(tmp_path: Path) -> None:
    with running(tmp_path, rate_limit=3, rate_window=60) as act:
        conn = act.connect()
        conn.act.find("contacts")  # authorize (2 left), GET (1 left)
        conn.act.find("contacts")  # 0 left
        conn.act.find("contacts")
        assert conn.sleep.waits == [60.0]
        assert 429 not in conn.wire.statuses()


def test_the_pause_is_bounded_and_a_long_retry_after_is_reported(tmp_path: Path) -> None:
    with running(tmp_path, rate_limit=3, rate_window=60) as act:
        conn = act.connect(max_wait=5)
        conn.act.find("contacts")
        conn.act.find("contacts")
        with pytest.raises(ActRateLimited, match="--interval") as caught:
            conn.act.find("contacts")
        assert conn.sleep.waits == [5.0]
        assert caught.value.retry_after == 55 and caught.value.status == 429


def test_a_429_waits_retry_after_and_tries_again(tmp_path: Path) -> None:
    with running(tmp_path, rate_limit=3, rate_window=60) as act:
        conn, other = act.connect(), act.connect()
        conn.act.find("contacts")  # 1 left, as far as conn knows
        other.act.authorize()  # takes it
        assert conn.act.find("contacts") == []
        assert conn.wire.statuses() == [200, 200, 429, 200]
        assert conn.sleep.waits == [60.0]


def test_429_retries_are_bounded(tmp_path: Path) -> None:
    with running(tmp_path, rate_limit=3, rate_window=60) as act:
        conn, other = act.connect(advance=False), act.connect()  # conn's waits pass no time
        conn.act.find("contacts")
        other.act.authorize()
        with pytest.raises(ActRateLimited, match=r"after 3 retries"):
            conn.act.create("contacts", {"firstName": "Ann"})
        assert conn.wire.statuses()[2:] == [429] * 4 and conn.sleep.waits == [60.0] * 3
        assert act.store.count("contact") == 0


def test_retry_after_as_an_http_date() -> None:
    later = datetime.fromtimestamp(START, UTC) + timedelta(seconds=10)
    answers = iter([httpx.Response(200, text="a.b.c"),
                    httpx.Response(429, headers={"Retry-After": format_datetime(later, True)}),
                    httpx.Response(200, json=[])])
    sleep = FakeSleep(None)
    with mock_client(lambda request: next(answers), sleep=sleep) as client:
        assert client.find("contacts") == []
    assert sleep.waits == [10.0]
