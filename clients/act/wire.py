"""What goes over the wire to and from the Act! Web API, without doing any I/O.

Request side: paths, query strings, OData literals, and ``KeysetPager``, which plans the
requests that read a collection completely and exactly once. Answer side: collection envelopes,
the token, rate-limit headers, Act!'s error message and error codes. ``ActClient``
(clients/act/client.py) sends what these build and feeds the answers back, the way a sans-I/O
protocol object is driven.

Why keyset paging: Act! pages with ``$skip`` over an order in which records that share an
``edited`` stamp come back in a different order on each request, so bare ``$skip`` repeats some
records and skips others (the sandbox reproduces it; docs/act-sandbox.md). Ordering by ``edited,id`` and asking
for the records *after* the last one seen, ``edited gt X or (edited eq X and id gt Y)``, needs no
offset at all: records created, edited or deleted while a walk runs cannot shift it.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

# Act!'s definition documents no $top cap; the sandbox caps at 5000 without saying so (the
# strictest reading), and the client never asks for more, so it works under either.
MAX_TOP = 5000
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
URL_SETTING = "the Act! URL (--act-url)"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?P<zone>Z|[+-]\d\d:\d\d)?$")
# Characters left readable in query values; everything else, spaces included, is %-encoded.
_QUERY_SAFE = "'(),:"
_ACCESS_CODE = re.compile(r"(?<![\w-])(403[012])(?![\w-])")  # not inside a GUID or a word
_UNSEEN = object()
# Act!'s own error codes: what each means ({user}, {database}, {url} filled in) and what to check.
ACCESS_CODES = {
    4030: ("this Act! Web API and database {database!r} are not compatible (different Act! "
           "versions): check that {url} points at the Web API of the database's Act! version, "
           "or update Act!", "{url}"),
    4031: ("Act! requires a subscription that includes the Web API: check the Act! "
           "subscription or licence of this database with its administrator",
           "the Act! subscription"),
    4032: ("the Act! user {user!r} lacks the 'Web API Access' permission: an Act! administrator "
           "must grant it, or set --user to a user who has it",
           "the Act! user's 'Web API Access' permission (--user)"),
}


class ShapeError(ValueError):
    """Act! sent data this module cannot use; ``str()`` says what was wrong."""


def segment(text: str) -> str:
    """One path segment (an id, a collection name), %-encoded. ValueError if empty."""
    if not text or not text.strip():
        raise ValueError("an empty id or name cannot be part of an Act! path")
    return quote(text, safe="")


def api_path(resource: str, record_id: str | None = None) -> str:
    """``/api/<resource>[/<id>]``; ``resource`` may hold slashes (``groups/<id>/associated-contacts``)."""
    base = "/api/" + "/".join(segment(p) for p in resource.strip("/").split("/"))
    return base if record_id is None else f"{base}/{segment(record_id)}"


def query_string(params: Mapping[str, str]) -> str:
    """Encode query options with ``%20`` for spaces.

    Form encoding (what httpx does with ``params=``) writes spaces as ``+``; OData's own URI
    parser unescapes with RFC 3986 rules, where ``+`` is a literal plus, so a filter encoded
    that way can fail to parse on a real Act! server. ``$`` stays literal, as OData spells it.
    """
    return "&".join(f"{quote(name, safe='$')}={quote(value, safe=_QUERY_SAFE)}"
                    for name, value in params.items())


def cap_top(page_size: int) -> int:
    """``page_size`` as a ``$top`` Act! honours: at most ``MAX_TOP``. ValueError below 1."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, not {page_size}")
    return min(page_size, MAX_TOP)


def odata_string(text: str) -> str:
    """``text`` as an OData string literal (quotes doubled), for filters such as the lookup
    of ``ActClient.create_once``: ``f"lastName eq {odata_string(name)}"``."""
    return "'" + text.replace("'", "''") + "'"


def since_literal(since: datetime) -> str:
    """An aware datetime as the UTC literal Act! takes (``2026-09-01T00:00:00.000Z``).

    Milliseconds are truncated, which only widens an ``edited ge`` filter. A naive datetime is
    refused (ValueError): guessing its zone is how stamps drift by hours.
    """
    if since.tzinfo is None or since.utcoffset() is None:
        raise ValueError("since must be timezone-aware (for example datetime.now(UTC))")
    utc = since.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def stamp_literal(raw: Any, what: str) -> str:
    """An ``edited`` value exactly as Act! sent it, as a filter literal.

    Echoing the server's own text keeps its full precision: a stamp rounded to milliseconds
    would not equal a SQL Server time stored in 1/300 s steps, and the walk would never get past
    it. A stamp without an offset is UTC (Act! stores UTC), so ``Z`` is added.
    """
    if not isinstance(raw, str) or not (match := _STAMP.match(raw)):
        raise ShapeError(f"{what} has no usable 'edited' stamp ({raw!r})")
    return raw if match["zone"] else raw + "Z"


def guid_literal(raw: Any, what: str) -> str:
    """A record id as a filter literal: bare, as OData v4 writes GUIDs. Act! takes v4 syntax
    (bare date-times); a quoted ``'…'`` id would be a string and refused as a type mismatch."""
    if not isinstance(raw, str) or not GUID.match(raw):
        raise ShapeError(f"{what} has no usable id ({raw!r})")
    return raw


def records_of(body: Any, what: str) -> list[dict[str, Any]]:
    """The items of a collection in either envelope Act! uses: a bare JSON array, or
    ``{"value": [...], "Count": n}`` (the key matched case-insensitively)."""
    items = body
    if isinstance(body, dict):
        key = next((k for k in body if k.lower() == "value"), None)
        if key is None:
            raise ShapeError(f"{what} is an object without 'value': {sorted(body)[:8]}")
        items = body[key]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ShapeError(f"{what} is not a list of records")
    return items


class KeysetPager:
    """Plans the requests that read one collection in (``edited``, ``id``) order.

    Drive it: ``while (params := pager.next_request()) is not None``, send ``params`` to the
    collection and pass the records to ``receive``, which returns those not seen before. If Act!
    answers 400 to a request, call ``refuse()``: when that request compared ids it switches to the
    fallback below and returns True (send ``next_request()`` again); otherwise it returns False and
    the error is real.

    A record seen twice with the same stamp is returned once. One seen again with a *newer* stamp
    was edited while the walk ran and is returned again: dropping it would lose that edit.

    Fallback, for a server that cannot compare GUIDs (Act!'s definition does not say whether it
    can, and some ASP.NET OData versions refuse ``gt`` on Guid properties): after each page,
    read the whole group of records sharing the page's last stamp with ``edited eq X`` ordered
    by the unique ``id`` (``$skip`` over a unique order is stable, and is only needed beyond
    5,000 records with one stamp), then go on with ``edited gt X``.
    """

    def __init__(self, since: datetime | None, page_size: int, select: str | None = None,
                 by_id: bool = True, extra: Mapping[str, str] | None = None) -> None:
        self.by_id = by_id
        # ``extra``: plain parameters sent with every request, such as format=text for notes.
        self._base = {**(extra or {}), "$orderby": "edited,id", "$top": str(cap_top(page_size))}
        if select is not None:
            self._base["$select"] = select
        self._first = f"edited ge {since_literal(since)}" if since is not None else None
        self._last: tuple[str, str] | None = None
        self._ties: str | None = None
        self._tie_skip = 0
        self._done = False
        self._seen: dict[str, Any] = {}

    def next_request(self) -> dict[str, str] | None:
        """The query options of the next request, or None when the walk is complete."""
        if self._done:
            return None
        if self._ties is not None:
            params = {**self._base, "$orderby": "id", "$top": str(MAX_TOP),
                      "$filter": f"edited eq {self._ties}"}
            if self._tie_skip:
                params["$skip"] = str(self._tie_skip)
            return params
        if self._last is None:
            return {**self._base, **({"$filter": self._first} if self._first else {})}
        stamp, rid = self._last
        if self.by_id:
            return {**self._base,
                    "$filter": f"edited gt {stamp} or (edited eq {stamp} and id gt {rid})"}
        return {**self._base, "$filter": f"edited gt {stamp}"}

    def refuse(self) -> bool:
        """Act! answered 400 to the last request: True if the fallback takes over."""
        if not self.by_id or self._last is None or self._ties is not None:
            return False
        self.by_id = False
        self._ties, self._tie_skip = self._last[0], 0
        return True

    def receive(self, page: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
        """Take the answer to ``next_request()``; returns the records not returned before.

        Raises ShapeError for records without a usable id or stamp, and when a page brings
        nothing new (the server ignored the filter: going on would loop forever).
        """
        fresh = []
        for record in page:
            rid = guid_literal(record.get("id"), f"a record of {what}")
            if self._seen.get(rid.lower(), _UNSEEN) != record.get("edited"):
                self._seen[rid.lower()] = record.get("edited")
                fresh.append(record)
        if self._ties is not None:
            if not page:
                self._ties = None  # next: edited gt the tie stamp
            elif self._tie_skip and not fresh:  # past the first 5,000, all must be new
                raise ShapeError(f"{what} answered the same records again for a $skip; the "
                                 "server ignored it")
            self._tie_skip += len(page)
            return fresh
        if not page:
            self._done = True
            return fresh
        if self._last is not None and not fresh:
            raise ShapeError(f"{what} answered the same records again for the next page; "
                             "the server ignored the paging filter")
        last = page[-1]
        self._last = (stamp_literal(last.get("edited"), f"record {last.get('id')} of {what}"),
                      guid_literal(last.get("id"), f"a record of {what}"))
        if not self.by_id:
            self._ties, self._tie_skip = self._last[0], 0
        return fresh


# Reading answers ------------------------------------------------------------------------------

def number(text: str | None) -> float | None:
    """A header value as a finite number, or None."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def reset_time(headers: httpx.Headers, now: float) -> float | None:
    """When the rate-limit window ends (epoch seconds), from ``X-RateLimit-Reset``.

    Act! documents the header ("the next time the limit will be reset") but not its format,
    so every common one is read: epoch seconds, epoch milliseconds, seconds left (no window
    is anywhere near 10^9 seconds long, so the size tells them apart), an HTTP date or an
    ISO-8601 date-time. None when absent or unreadable.
    """
    text = (headers.get("X-RateLimit-Reset") or "").strip()
    reset = number(text)
    if reset is not None:
        if reset > 1e12:
            return reset / 1000.0
        return reset if reset > 1e9 else now + max(0.0, reset)
    return _moment(text)


def _moment(text: str) -> float | None:
    """An HTTP date or an ISO-8601 date-time (UTC if it has no zone) as epoch seconds."""
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def throttled(response: httpx.Response) -> bool:
    """True if ``response`` says "too many calls". Act! documents no status for it: a 429,
    or a 503 that carries ``Retry-After`` or says no calls are left, counts."""
    if response.status_code == 429:
        return True
    if response.status_code != 503:
        return False
    remaining = number(response.headers.get("X-RateLimit-Remaining"))
    return "Retry-After" in response.headers or remaining == 0


def pause_until(headers: httpx.Headers, now: float) -> float | None:
    """Until when to hold the next call: the window's end once ``X-RateLimit-Remaining`` is 0."""
    remaining = number(headers.get("X-RateLimit-Remaining"))
    if remaining is None or remaining > 0:
        return None
    return reset_time(headers, now)


def server_time_ms(headers: httpx.Headers) -> int | None:
    """The server's clock when it answered (epoch ms), from its ``Date`` header.

    ``Date`` has whole seconds: half a second is added (the server read its clock half a
    second past the second on average), so the measure is good to about a second plus
    the exchange's duration. None without a readable ``Date``.
    """
    text = headers.get("Date", "").strip()
    if not text:
        return None
    try:
        return int(parsedate_to_datetime(text).timestamp() * 1000) + 500
    except (TypeError, ValueError, IndexError):
        return None


def retry_after(headers: httpx.Headers, now: float, attempt: int = 0) -> float:
    """Seconds to wait after a throttled answer: ``Retry-After`` (seconds or an HTTP date),
    else the rate-limit window's end, else 1, 2, 4 … seconds by ``attempt`` (Act! documents
    neither header for a throttled call, so none may come)."""
    text = headers.get("Retry-After", "").strip()
    seconds = number(text)
    if seconds is None and text:
        moment = _moment(text)
        seconds = moment - now if moment is not None else None
    if seconds is None:
        reset = reset_time(headers, now)
        seconds = reset - now if reset is not None else float(2 ** min(attempt, 6))
    return max(0.0, seconds)


def token_fault(response: httpx.Response) -> bool:
    """True for the 500 Act! has been seen to answer a request without a usable token: the
    ASP.NET error object with a ``System.NullReferenceException`` (api-evangelist/act,
    ``conventions/act-conventions.yml``, error_envelope)."""
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    kind = next((v for k, v in body.items() if k.lower() == "exceptiontype"), "")
    return isinstance(kind, str) and kind.endswith("NullReferenceException")


def server_message(response: httpx.Response) -> str:
    """Act!'s own words: ASP.NET's ``{"message": …}`` (any case, or ``error``), with its
    ``exceptionMessage`` when there is one, else the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, dict):
        folded = {str(k).lower(): v for k, v in body.items()}
        for key in ("message", "error", "error_description"):
            value = folded.get(key)
            if value:
                text = value.get("message", str(value)) if isinstance(value, dict) else str(value)
                detail = folded.get("exceptionmessage")
                if detail and str(detail) not in text:
                    text = f"{text} {detail}"
                return text[:300]
    return json.dumps(body)[:300]


def access_code(response: httpx.Response) -> int | None:
    """Act!'s 4030/4031/4032 in a failed answer, wherever the body carries it (a code field or
    the message text), else None."""
    if response.is_success:
        return None
    match = _ACCESS_CODE.search(response.text)
    return int(match[1]) if match else None


def token_of(response: httpx.Response) -> str:
    """The token in an ``/authorize`` answer: the plain-text body (or a JSON string, as an
    ASP.NET action returning a string may send it). ShapeError for anything else, such as an
    HTML page served at a wrong URL."""
    text = response.text.strip()
    if text.startswith('"'):
        try:
            text = str(json.loads(text))
        except ValueError as exc:
            raise ShapeError("a quoted body that is not a JSON string") from exc
    if not text or any(c.isspace() or c in "<>{}" for c in text):
        raise ShapeError(f"something that is not a token "
                         f"({response.headers.get('Content-Type', 'no type')})")
    return text


def jwt_lifetime(token: str) -> float | None:
    """``exp - iat`` of a JWT, or None. A duration, so the PC's and the server's clocks need
    not agree."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        lifetime = float(claims["exp"]) - float(claims["iat"])
    except (ValueError, KeyError, TypeError):
        return None
    return lifetime if lifetime > 0 else None


# Explaining failures: each text says what happened and which setting to check -----------------

def login_refused_text(url: str, user: str, database: str, password_env: str | None) -> str:
    """A 401 on ``/authorize``. Act! gives no reason, so every setting that can cause it is
    named, with what a right value looks like."""
    password = (f"the environment variable {password_env} (--password-env)" if password_env
                else "the password given")
    return (f"Act! at {url} refused the login (401, no reason given: Act! answers the same for "
            f"a wrong user, password or database). Check the user name {user!r} (--user): the "
            f"Act! display name exactly as Act! shows it, not a Windows login or an e-mail "
            f"address; the database name {database!r} (--database, sent as the "
            f"Act-Database-Name header): a database this Act! server hosts; and the password in "
            f"{password}.")


def no_api_text(url: str, request: str, answer: str) -> str:
    """The URL answers, but not as an Act! Web API (a 404, an HTML page)."""
    return (f"There is no Act! Web API at {url} ({request} answered {answer}): check "
            f"{URL_SETTING}; it ends in /act.web.api (https://server/act.web.api, cloud: "
            f"https://server/customer-api/act.web.api).")


def maybe_applied_text(method: str) -> str:
    """The warning owed after a failed non-idempotent request ("" for a GET)."""
    if method in SAFE_METHODS:
        return ""
    return f" Act! may or may not have carried out the {method}: look before repeating it."


def stale_token_text(method: str, path: str, said: str, user: str, database: str, url: str,
                     retried: bool) -> str:
    """The stale-token 500 (``token_fault``): after a new login it is a real failure; on a
    POST nothing tells whether it ran, so it is not repeated."""
    if not retried:
        return (f"Act! failed on {method} {path} (500: {said}), which is how it answers a "
                f"request whose token it no longer accepts; the client logs in again, but "
                f"does not repeat the POST: look up the record before creating it again.")
    return (f"Act! failed on {method} {path} (500: {said}) even with a token it had just "
            f"issued to {user!r}. Act! answers this way for a request it cannot tie to a "
            f"login, so check the database name {database!r} (--database) and the user's "
            f"'Web API Access' permission; otherwise the Act! Web API at {url} is failing: "
            f"check its server log.{maybe_applied_text(method)}")


def unreachable_text(exc: httpx.TransportError, method: str, path: str, url: str,
                     timeout: float) -> tuple[str, bool]:
    """``(message, maybe_applied)`` for a request that got no answer."""
    detail = str(exc) or type(exc).__name__
    # A request that never left (no connection, no free pool slot) cannot have been applied.
    unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    if unsent:
        what = f"Could not connect to Act! at {url} ({detail})"
    elif isinstance(exc, httpx.TimeoutException):
        what = f"Act! at {url} did not answer {method} {path} within {timeout:g} s"
    else:
        what = f"The connection to Act! at {url} broke during {method} {path} ({detail})"
    maybe = not unsent and method not in SAFE_METHODS
    return (f"{what}: check {URL_SETTING}, that the Act! Web API service is running and that "
            f"this PC can reach it.{maybe_applied_text(method) if maybe else ''}", maybe)
