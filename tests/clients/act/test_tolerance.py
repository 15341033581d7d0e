"""ActClient against what real Act! servers do beyond their definition: the 500 a missing or
stale token gets, and rate limiting signalled by whatever headers a server sends (Act!
documents the X-RateLimit-* headers for its cloud only, with no status code, no Retry-After
and no format for the reset value)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from clients.act.errors import ActRateLimited, ActUnavailable
from tests.clients.act.test_client import FakeSleep, mock_client
from tests.clients.act_sandbox.helpers import START, Clock

#: The body Act! was seen to answer an anonymous GET /api/contacts with (HTTP 500).
STALE = {"message": "An error has occurred.",
         "exceptionMessage": "Object reference not set to an instance of an object.",
         "exceptionType": "System.NullReferenceException", "stackTrace": "   at ..."}


class Server:
    """Answers /authorize with a token and every other call from ``answers`` in turn."""

    def __init__(self, *answers: Callable[[], httpx.Response]) -> None:
        self.answers = list(answers)
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path.removeprefix('/act.web.api')}")
        if request.url.path.endswith("/authorize"):
            return httpx.Response(200, text="a.b.c")
        return self.answers.pop(0)()


def stale() -> httpx.Response:
    return httpx.Response(500, json=STALE)


def ok() -> httpx.Response:
    return httpx.Response(200, json=[])


def test_the_500_of_a_stale_token_gets_one_new_login_and_the_call_is_repeated() -> None:
    server = Server(stale, ok)
    with mock_client(server) as client:
        assert client.find("contacts") == []
    assert server.seen == ["GET /authorize", "GET /api/contacts", "GET /authorize",
                           "GET /api/contacts"]


def test_that_500_again_after_a_new_login_is_a_clear_error() -> None:
    server = Server(stale, stale)
    with mock_client(server) as client, pytest.raises(ActUnavailable) as caught:
        client.find("contacts")
    message = str(caught.value)
    assert "even with a token it had just issued" in message and "--database" in message
    assert caught.value.status == 500 and not caught.value.maybe_applied
    assert server.seen.count("GET /api/contacts") == 2


def test_a_post_answered_so_is_not_sent_again_but_the_next_call_logs_in_again() -> None:
    server = Server(stale, ok)
    with mock_client(server) as client:
        with pytest.raises(ActUnavailable, match="does not repeat the POST") as caught:
            client.create("contacts", {"firstName": "Ann"})
        assert caught.value.maybe_applied  # create_once looks it up before sending it again
        assert client.find("contacts") == []
    assert server.seen == ["GET /authorize", "POST /api/contacts", "GET /authorize",
                           "GET /api/contacts"]


def test_other_server_errors_are_not_taken_for_a_stale_token() -> None:
    failing = {**STALE, "exceptionType": "System.Data.SqlClient.SqlException"}
    server = Server(lambda: httpx.Response(500, json=failing))
    with mock_client(server) as client, pytest.raises(ActUnavailable, match=r"failed on GET /api/contacts \(500"):
        client.find("contacts")
    assert server.seen == ["GET /authorize", "GET /api/contacts"]


NOW = START
LATER = datetime.fromtimestamp(START, UTC) + timedelta(seconds=10)


@pytest.mark.parametrize("reset", [
    str(int(NOW) + 10),                      # epoch seconds
    str(int((NOW + 10) * 1000)),             # epoch milliseconds
    "10",                                    # seconds left
    format_datetime(LATER, usegmt=True),     # an HTTP date
    LATER.isoformat().replace("+00:00", "Z"),  # ISO-8601
], ids=["epoch-s", "epoch-ms", "seconds-left", "http-date", "iso-8601"])
def test_no_calls_left_waits_until_the_reset_in_whatever_form_it_comes(reset: str) -> None:
    spent = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    server = Server(lambda: httpx.Response(200, json=[], headers=spent), ok)
    sleep = FakeSleep(None)
    with mock_client(server, clock=Clock(NOW), sleep=sleep) as client:
        client.find("contacts")
        client.find("contacts")
    assert sleep.waits == [pytest.approx(10.0, abs=1.0)]


def test_a_throttled_answer_without_any_header_backs_off_and_tries_again() -> None:
    server = Server(lambda: httpx.Response(429), lambda: httpx.Response(429), ok)
    sleep = FakeSleep(None)
    with mock_client(server, sleep=sleep) as client:
        assert client.find("contacts") == []
    assert sleep.waits == [1.0, 2.0]


def test_a_503_that_asks_to_wait_is_throttling_and_a_bare_503_is_not() -> None:
    server = Server(lambda: httpx.Response(503, headers={"Retry-After": "3"}), ok)
    sleep = FakeSleep(None)
    with mock_client(server, sleep=sleep) as client:
        assert client.find("contacts") == []
    assert sleep.waits == [3.0]
    with mock_client(Server(lambda: httpx.Response(503)), sleep=sleep) as client, \
            pytest.raises(ActUnavailable):
        client.find("contacts")


def test_throttling_that_never_ends_is_reported_with_the_wait_asked() -> None:
    server = Server(*[lambda: httpx.Response(429, headers={"Retry-After": "2"})] * 4)
    with mock_client(server, sleep=FakeSleep(None)) as client, \
            pytest.raises(ActRateLimited, match="after 3 retries") as caught:
        client.find("contacts")
    assert caught.value.retry_after == 2.0


@pytest.mark.parametrize("reset", ["soon", "", "-5", "nan", "Thu, 99 Foo 2026"])
def test_a_reset_that_cannot_be_read_makes_no_pause_and_no_error(reset: str) -> None:
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    server = Server(lambda: httpx.Response(200, json=[], headers=spent), ok)
    sleep = FakeSleep(None)
    with mock_client(server, sleep=sleep) as client:
        client.find("contacts")
        client.find("contacts")
    assert all(wait <= 1.0 for wait in sleep.waits)


def test_a_500_without_the_error_object_is_not_taken_for_a_stale_token() -> None:
    server = Server(lambda: httpx.Response(500, text="<html>Server Error</html>"))
    with mock_client(server) as client, pytest.raises(ActUnavailable):
        client.find("contacts")
    assert server.seen == ["GET /authorize", "GET /api/contacts"]
