"""The bridge's client for the Act! Web API (docs/act-client.md).

``ActClient`` logs in with Basic credentials and ``Act-Database-Name``, keeps its bearer token
fresh, waits out rate limits, reads collections by keyset (clients/act/wire.py) and turns every
failure into one of the errors below, whose message names the setting to check. It speaks what
Act!'s own Swagger definition of the Web API documents (public copy: GitHub api-evangelist/act,
``openapi/_original/act-web-api-swagger.json``; tests/contract/act_web_api.json holds the part
the bridge uses), so the bridge runs unchanged against Act! and against the sandbox
(clients/act_sandbox/server.py). It also takes what real servers do beyond that: a 500 instead
of a 401 for a missing or stale token (it logs in again once), rate-limit headers in whatever
form they come.

The errors, all under ``engine.errors.HandsyncError`` so the CLI catches them at one boundary::

    ActError                a failure talking to Act!: .status .method .path .url .setting
    ├── ActConfigError      a setting is unusable: no password variable, no Act! API at the URL
    ├── ActAuthError        401: Act! refused the user, password or database (it never says which)
    ├── ActAccessDenied     403, or Act! error 4030/4031/4032 (.code): logged in, not allowed
    ├── ActNotFound         404: no such record, OR another user's private record
    ├── ActBadRequest       another 4xx: Act! refused the request and changed nothing
    ├── ActAmbiguous        create_once's lookup matched several records (.ids)
    ├── ActRateLimited      429 beyond the allowed retries or waits (.retry_after)
    ├── ActUnavailable      Act! unreachable, too slow, or 5xx (.maybe_applied)
    └── ActBadResponse      Act! answered something this client cannot read
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from clients.act.errors import (
    ActAccessDenied,
    ActAmbiguous,
    ActAuthError,
    ActBadRequest,
    ActBadResponse,
    ActConfigError,
    ActError,
    ActNotFound,
    ActRateLimited,
    ActUnavailable,
)
from clients.act.wire import (
    ACCESS_CODES,
    MAX_TOP,
    SAFE_METHODS,
    URL_SETTING,
    KeysetPager,
    ShapeError,
    access_code,
    api_path,
    cap_top,
    jwt_lifetime,
    login_refused_text,
    maybe_applied_text,
    no_api_text,
    pause_until,
    query_string,
    records_of,
    retry_after,
    segment,
    server_message,
    server_time_ms,
    stale_token_text,
    throttled,
    token_fault,
    token_of,
    unreachable_text,
)

DEFAULT_TIMEOUT = 30.0
TOKEN_REFRESH_AFTER = 50 * 60.0  # Act! tokens lasted ~65 min; integrators renew at ~50
BY_IDS_CHUNK = 40  # 40 GUIDs keep the query under IIS's default 2,048-character limit


class ActClient:
    """One Act! database as one user. Not thread-safe: use one client per thread.

    ``base_url`` is the API root, such as ``https://server/act.web.api`` (cloud:
    ``https://server/customer-api/act.web.api``); ``user`` is the Act! display name;
    ``password_env`` only names the variable the password came from, for error messages
    (``from_env`` reads it). ``transport``, ``clock`` (epoch seconds) and ``sleep`` are for
    tests. The token is renewed ``token_refresh_after`` seconds after it was obtained (sooner
    if the token itself says it lives shorter). Rate-limit pauses and ``Retry-After`` waits
    last at most ``max_wait`` seconds; a 429 is retried ``max_retries`` times.
    """

    def __init__(self, base_url: str, database: str, user: str, password: str, *,
                 password_env: str | None = None,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep,
                 timeout: float = DEFAULT_TIMEOUT,
                 token_refresh_after: float = TOKEN_REFRESH_AFTER,
                 max_wait: float = 60.0, max_retries: int = 3,
                 trust_env: bool = True) -> None:
        self.base_url = base_url.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", self.base_url, re.IGNORECASE):
            raise ActConfigError(f"{base_url!r} is not an Act! Web API URL: set "
                                 f"{URL_SETTING} to one like https://server/act.web.api.",
                                 url=base_url, setting=URL_SETTING)
        for value, setting in ((database, "the database name (--database)"),
                               (user, "the Act! user name (--user)")):
            if not value.strip():
                raise ActConfigError(f"{setting[0].upper()}{setting[1:]} is empty: set it.",
                                     url=self.base_url, setting=setting)
        self.database, self.user, self.password_env = database, user, password_env
        self._password = password
        self._clock, self._sleep = clock, sleep
        self.timeout, self.max_wait, self.max_retries = timeout, max_wait, max_retries
        self.token_refresh_after = token_refresh_after
        self._http = httpx.Client(base_url=self.base_url, transport=transport, timeout=timeout,
                                  trust_env=trust_env, headers={"Accept": "application/json"})
        self._token: str | None = None
        self._token_expires = 0.0  # clock time at which the token is renewed
        self._pause_until: float | None = None
        # False once this server refused to compare ids; every later walk uses the fallback.
        self.keyset_by_id = True
        # Called with Act!'s server time (its Date header, epoch ms) at every answer: the
        # bridge measures Act!'s clock with it.
        self.on_server_time: Callable[[int], None] | None = None

    @classmethod
    def from_env(cls, base_url: str, database: str, user: str, password_env: str,
                 **options: Any) -> ActClient:
        """A client whose password is read from the environment variable ``password_env``.
        Raises ActConfigError if it is unset (an empty value is a blank password)."""
        password = os.environ.get(password_env)
        if password is None:
            raise ActConfigError(
                f"The environment variable {password_env} that should hold the Act! password is "
                f"not set: set it (empty for a blank password) or name another variable with "
                f"--password-env.", url=base_url, setting="--password-env")
        return cls(base_url, database, user, password, password_env=password_env, **options)

    def close(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        self._http.close()

    def __enter__(self) -> ActClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Logging in ---------------------------------------------------------------------------

    def system(self) -> dict[str, Any]:
        """``/api/system`` (no login needed): ``apiVersion`` and ``sdkVersion``. Use it to check
        the URL alone; ActConfigError or ActUnavailable name the Act! URL to fix."""
        response = self._send("GET", "/api/system", {})
        if response.status_code == 404:
            raise self._no_api_here("GET", "/api/system", response)
        return self._object(self._checked("GET", "/api/system", response), "GET", "/api/system")

    def authorize(self) -> str:
        """Log in now and keep the token for later calls (they call this by themselves).

        Raises ActAuthError naming the user, database and password settings on a 401 (Act! does
        not say which is wrong), ActConfigError when the URL is no Act! Web API, ActAccessDenied
        for Act! error codes 4030-4032, ActUnavailable when Act! cannot be reached.
        """
        credentials = base64.b64encode(f"{self.user}:{self._password}".encode()).decode()
        response = self._send("GET", "/authorize", {"Authorization": f"Basic {credentials}",
                                                    "Act-Database-Name": self.database})
        if response.status_code == 401 and access_code(response) is None:
            raise self._login_refused()
        if response.status_code == 404:
            raise self._no_api_here("GET", "/authorize", response)
        try:
            token = token_of(self._checked("GET", "/authorize", response))
        except ShapeError as exc:
            raise self._no_api_here("GET", "/authorize", response, str(exc)) from exc
        lifetime = jwt_lifetime(token)
        # 80 % of a short token's own lifetime; Act!'s 65 minutes leave the 50-minute default.
        renew = self.token_refresh_after if lifetime is None else \
            min(self.token_refresh_after, 0.8 * lifetime)
        self._token, self._token_expires = token, self._clock() + renew
        return token

    # Records ------------------------------------------------------------------------------

    def get(self, resource: str, record_id: str,
            params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """One record (``params`` such as ``{"format": "text"}`` for notes). ActNotFound if it
        does not exist or is another user's private record: do not treat that as a delete."""
        path = api_path(resource, record_id)
        return self._object(self._request("GET", path, params=params), "GET", path)

    def get_many_by_ids(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The contacts among ``ids`` the user may see, via ``/api/contacts/by-ids`` in chunks.
        Missing ids are deleted or private to another user; confirm with ``list_ids``."""
        wanted = list(dict.fromkeys(ids))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), BY_IDS_CHUNK):
            chunk = ",".join(wanted[start:start + BY_IDS_CHUNK])
            found += self._collection("/api/contacts/by-ids", {"ids": chunk})
        return found

    def find(self, resource: str, filter: str | None = None, *, orderby: str | None = None,
             select: str | None = None, top: int = MAX_TOP,
             params: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """One page (at most ``top``, never above 5,000) of a collection; ``params`` go with
        it (``{"format": "text"}``). To read everything, use ``iter_changed`` or
        ``list_ids``: paging this with ``$skip`` loses records."""
        query = {**(params or {}), "$filter": filter, "$orderby": orderby, "$select": select,
                 "$top": str(cap_top(top))}
        return self._collection(api_path(resource), {k: v for k, v in query.items() if v})

    def iter_changed(self, resource: str, since: datetime | None, page_size: int = 200,
                     params: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every record of ``resource`` edited at or after ``since`` (all of them for None),
        ordered by ``edited`` then ``id``, each once (again only if edited during the walk).

        Resume from the last yielded record's ``edited``: records at that very stamp come again
        and must be harmless to re-apply. Deletions and group membership never show up here
        (Act! has no delete feed and membership leaves ``edited`` alone): use ``list_ids``.
        ``params`` go with every request (``{"format": "text"}`` for notes as plain text).
        """
        path = api_path(resource)
        yield from self._walk(path, KeysetPager(since, page_size, None, self.keyset_by_id,
                                                params))

    def list_ids(self, resource: str, page_size: int = MAX_TOP) -> list[str]:
        """All ids of ``resource`` the user may see, for delete sweeps (works on sub-collections
        such as ``groups/{id}/associated-contacts`` too).

        An id missing here was deleted *or* made private by another user: either way it must
        leave the devices, but only a deletion may be propagated as one.
        """
        # $select=id plus the `edited` the keyset needs: the same walk as iter_changed, so ids
        # cannot be skipped by unstable ordering; a missed id would look like a deletion.
        pager = KeysetPager(None, page_size, "id,edited", self.keyset_by_id)
        return list(dict.fromkeys(str(r["id"]) for r in self._walk(api_path(resource), pager)))

    def create(self, resource: str, body: Mapping[str, Any],
               params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """POST a new record and return it as Act! stored it (``params`` such as
        ``{"format": "text"}``). NOT idempotent: after an ActUnavailable with
        ``maybe_applied`` the record may exist; use ``create_once``."""
        path = api_path(resource)
        return self._object(self._request("POST", path, params=params, json_body=dict(body)),
                            "POST", path)

    def create_once(self, resource: str, body: Mapping[str, Any], lookup: str, *,
                    attempts: int = 3, check_first: bool = False) -> dict[str, Any]:
        """Create a record, retrying without ever making a duplicate.

        ``lookup`` is an OData ``$filter`` matching only the record this body creates (see
        ``act_wire.odata_string``). After a failure whose outcome is unknown (timeout, broken
        connection, 5xx) it looks the record up and returns it if the POST did land; otherwise
        it POSTs again, up to ``attempts`` times. Pass ``check_first=True`` when an earlier call
        may have created it. Raises ActAmbiguous if the lookup matches several records, and
        ActUnavailable when it gives up (``maybe_applied`` says whether to look first next time).
        """
        uncertain = check_first
        failure: ActUnavailable | None = None
        for attempt in range(attempts):
            if attempt:
                self._sleep(min(2.0 ** (attempt - 1), self.max_wait))  # 1 s, 2 s, 4 s …
            try:
                if uncertain:
                    found = self._created(resource, lookup)
                    if found is not None:
                        return found
                    uncertain = False
                return self.create(resource, body)
            except ActUnavailable as exc:
                failure = exc
                uncertain = uncertain or exc.maybe_applied
        assert failure is not None  # attempts >= 1 and every path above returned or failed
        outcome = (f"the record may exist now: call create_once with check_first=True (lookup "
                   f"{lookup!r}) before creating it again" if uncertain else
                   "nothing was created")
        raise ActUnavailable(f"{failure} Gave up after {attempts} attempts; {outcome}.",
                             maybe_applied=uncertain, status=failure.status,
                             method=failure.method, path=failure.path, url=self.base_url,
                             setting=failure.setting)

    def patch(self, resource: str, record_id: str, fields: Mapping[str, Any],
              params: Mapping[str, str] | None = None) -> dict[str, Any] | None:
        """Send exactly ``fields`` (only what changed: Act! keeps every other field, including
        ones edited meanwhile in Act!). Returns the record if Act! sends it back, else None."""
        if not fields:
            raise ValueError("patch needs at least one field; there is nothing to send")
        path = api_path(resource, record_id)
        response = self._request("PATCH", path, params=params, json_body=dict(fields))
        return self._object(response, "PATCH", path) if response.content.strip() else None

    def delete(self, resource: str, record_id: str) -> None:
        """Delete a record (Act! answers 204). ActNotFound if it is already gone or private to
        another user: for a delete coming from a device, both mean there is nothing left to do."""
        self._request("DELETE", api_path(resource, record_id))

    # Groups and metadata --------------------------------------------------------------------

    def group_members(self, group_id: str) -> list[str]:
        """Ids of the group's member contacts the user may see. Membership changes do not touch
        anyone's ``edited``, so the bridge must compare these lists to find them."""
        return self.list_ids(_members(group_id))

    def add_to_group(self, group_id: str, contact_ids: Iterable[str]) -> None:
        """Add contacts to a group (already a member: no change). ActBadRequest if any id is
        not a contact the user can see, and then nothing changed: drop it and call again."""
        self._change_members("PUT", group_id, contact_ids)

    def remove_from_group(self, group_id: str, contact_ids: Iterable[str]) -> None:
        """Remove contacts from a group (not a member: no change); errors as ``add_to_group``."""
        self._change_members("DELETE", group_id, contact_ids)

    def _change_members(self, method: str, group_id: str, contact_ids: Iterable[str]) -> None:
        # Act!'s definition: PUT (Contacts_PutAssociatedContactsToGroup_4264268C) and DELETE
        # (Contacts_DeleteAssociatedContactsFromGroup_ACB6D180) on the group's
        # associated-contacts, both with a Contacts.ContactListRequest body. There is no POST.
        ids = list(dict.fromkeys(contact_ids))
        if ids:
            self._request(method, "/api/" + _members(group_id), json_body={"contacts": ids})

    def fields_metadata(self, record_type: str) -> list[dict[str, Any]]:
        """Field descriptors (``MetaData.Schema.Column``: ``name``, ``type``, ``dataType``,
        ``isCustom`` …) of ``record_type``, one of Act!'s ``Contact``, ``Company``, ``Group``,
        ``Opportunity``, ``Product``. Custom fields' values live under ``customFields/<name>``."""
        return self._collection(f"/api/metadata/{segment(record_type)}/fields", {})

    # Paging -------------------------------------------------------------------------------

    def _walk(self, path: str, pager: KeysetPager) -> Iterator[dict[str, Any]]:
        while (params := pager.next_request()) is not None:
            try:
                page = self._collection(path, params)
            except ActBadRequest:
                if not pager.refuse():
                    raise
                self.keyset_by_id = False
                continue
            try:
                yield from pager.receive(page, f"GET {path}")
            except ShapeError as exc:
                raise ActBadResponse(f"Act! {exc}.", method="GET", path=path,
                                     url=self.base_url) from exc

    def _created(self, resource: str, lookup: str) -> dict[str, Any] | None:
        found = self.find(resource, lookup, top=2)
        if len(found) > 1:
            ids = [str(r.get("id")) for r in found]
            raise ActAmbiguous(f"Several {resource} match {lookup!r} ({', '.join(ids)}), so "
                               "create_once cannot tell which one it made: narrow the lookup "
                               "and remove the duplicates in Act!.", ids=ids, method="GET",
                               path=api_path(resource), url=self.base_url)
        return found[0] if found else None

    def _collection(self, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        body = self._json(self._request("GET", path, params=params), "GET", path)
        try:
            return records_of(body, f"GET {path}")
        except ShapeError as exc:
            raise ActBadResponse(f"Act! answered {exc}.", status=200, method="GET", path=path,
                                 url=self.base_url) from exc

    # HTTP ---------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                 json_body: Any = None) -> httpx.Response:
        """An authorised call. On a 401, or on the 500 a missing or stale token gets from
        some Act! servers, it logs in again once and retries once (a POST is not resent:
        see ``_token_fault``)."""
        for fresh in (False, True):
            if fresh or self._token is None or self._clock() >= self._token_expires:
                self.authorize()
            headers = {"Authorization": f"Bearer {self._token}",
                       "Act-Database-Name": self.database}
            response = self._send(method, path, headers, params=params, json_body=json_body)
            if response.status_code == 500 and token_fault(response):
                if fresh:
                    raise self._token_fault(method, path, response)
                if method == "POST":
                    self._token = None  # the next call logs in again
                    raise self._token_fault(method, path, response, retried=False)
                continue
            if response.status_code != 401 or access_code(response) is not None:
                return self._checked(method, path, response)
        raise ActAuthError(
            f"Act! refused {method} {path} (401) even with a token it had just issued to "
            f"{self.user!r}: check that the database name {self.database!r} (--database, sent "
            f"as Act-Database-Name) is the one this user works in, and that the user has the "
            f"'Web API Access' permission.", status=401, method=method, path=path,
            url=self.base_url, setting="--database")

    def _send(self, method: str, path: str, headers: Mapping[str, str], *,
              params: Mapping[str, str] | None = None, json_body: Any = None) -> httpx.Response:
        """One exchange, after any rate-limit pause, retrying throttled answers (``throttled``:
        Act! documents no status for them); other statuses returned."""
        target = f"{path}?{query_string(params)}" if params else path
        content = None if json_body is None else json.dumps(json_body).encode()
        if content is not None:
            headers = {**headers, "Content-Type": "application/json; charset=utf-8"}
        for retry in range(self.max_retries + 1):
            if self._pause_until is not None:  # the last answer said no calls are left
                pause, self._pause_until = self._pause_until - self._clock(), None
                if pause > 0:
                    self._sleep(min(pause, self.max_wait))
            try:
                response = self._http.request(method, target, headers=headers, content=content)
            except httpx.TransportError as exc:
                raise self._unreachable(method, path, exc) from exc
            served = server_time_ms(response.headers)
            if served is not None and self.on_server_time is not None:
                self.on_server_time(served)
            self._pause_until = pause_until(response.headers, self._clock())
            if not throttled(response):
                return response
            wait = retry_after(response.headers, self._clock(), retry)
            if retry == self.max_retries or wait > self.max_wait:
                break
            self._pause_until = None
            self._sleep(wait)
        raise ActRateLimited(
            f"Act!'s rate limit refused {method} {path} ({response.status_code}) after {retry} "
            f"retries; it asks to "
            f"wait {wait:.0f} s: run again later, or poll less often (--interval).",
            retry_after=wait, status=response.status_code, method=method, path=path, url=self.base_url,
            setting="the poll interval (--interval)")

    # Turning answers into values or errors --------------------------------------------------

    def _checked(self, method: str, path: str, response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        raise self._error(method, path, response)

    def _error(self, method: str, path: str, response: httpx.Response) -> ActError:
        """The error for a failed answer, its message naming what to check."""
        where: dict[str, Any] = {"status": response.status_code, "method": method,
                                 "path": path, "url": self.base_url}
        status, said = response.status_code, server_message(response)
        told = f": {said}" if said else ""
        code = access_code(response)
        if code is not None:
            reason, setting = ACCESS_CODES[code]
            return ActAccessDenied(
                f"Act! refused {method} {path} with error {code}: "
                f"{reason.format(user=self.user, database=self.database, url=URL_SETTING)}.",
                code=code, setting=setting.format(url=URL_SETTING), **where)
        if status == 401:
            return self._login_refused()
        if status == 403:
            return ActAccessDenied(
                f"Act! refused {method} {path} (403{told}): the user {self.user!r} may not do "
                f"this; check the user's Act! permissions, including 'Web API Access'.",
                setting="the Act! user's permissions", **where)
        if status == 404:
            return ActNotFound(
                f"Act! has nothing at {method} {path} (404{told}). The record does not exist "
                f"or is another user's private record (Act! answers the same for both), so "
                f"this does not prove it was deleted.", **where)
        if status >= 500:
            return ActUnavailable(
                f"Act! failed on {method} {path} ({status}{told}): check that the Act! Web API "
                f"and its database server at {self.base_url} are running."
                f"{maybe_applied_text(method)}", maybe_applied=method not in SAFE_METHODS,
                setting=URL_SETTING, **where)
        if 300 <= status < 400:
            return ActConfigError(
                f"Act! redirected {method} {path} ({status}) to "
                f"{response.headers.get('Location', 'another address')}: set {URL_SETTING} "
                f"to the address it points to.", setting=URL_SETTING, **where)
        return ActBadRequest(f"Act! refused {method} {path} ({status}{told}). Nothing was "
                             f"changed.", **where)

    def _token_fault(self, method: str, path: str, response: httpx.Response, *,
                     retried: bool = True) -> ActUnavailable:
        """The 500 (a NullReferenceException) Act! has been seen to answer for a request
        without a usable token. Once logged in again it is a real server failure; for a POST
        nothing tells whether it ran, so the caller looks before sending it again."""
        text = stale_token_text(method, path, server_message(response), self.user,
                                self.database, self.base_url, retried)
        return ActUnavailable(text, maybe_applied=method not in SAFE_METHODS, status=500,
                              method=method, path=path, url=self.base_url,
                              setting="--database")

    def _login_refused(self) -> ActAuthError:
        return ActAuthError(login_refused_text(self.base_url, self.user, self.database,
                                               self.password_env),
                            status=401, method="GET", path="/authorize", url=self.base_url,
                            setting="--user, --database, --password-env")

    def _no_api_here(self, method: str, path: str, response: httpx.Response,
                     answer: str = "") -> ActConfigError:
        return ActConfigError(no_api_text(self.base_url, f"{method} {path}",
                                          answer or str(response.status_code)),
                              status=response.status_code, method=method, path=path,
                              url=self.base_url, setting=URL_SETTING)

    def _unreachable(self, method: str, path: str, exc: httpx.TransportError) -> ActUnavailable:
        text, maybe = unreachable_text(exc, method, path, self.base_url, self.timeout)
        return ActUnavailable(text, maybe_applied=maybe, method=method, path=path,
                              url=self.base_url, setting=URL_SETTING)

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise ActBadResponse(
                f"Act! answered {method} {path} with something that is not JSON "
                f"({response.headers.get('Content-Type', 'no type')}): check {URL_SETTING}.",
                status=response.status_code, method=method, path=path, url=self.base_url,
                setting=URL_SETTING) from exc

    def _object(self, response: httpx.Response, method: str, path: str) -> dict[str, Any]:
        body = self._json(response, method, path)
        if isinstance(body, dict):
            return body
        raise ActBadResponse(f"Act! answered {method} {path} with {type(body).__name__}, not a "
                             "record.", status=response.status_code, method=method, path=path,
                             url=self.base_url)


def _members(group_id: str) -> str:
    return f"groups/{segment(group_id)}/associated-contacts"
