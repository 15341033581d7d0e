"""What can go wrong talking to Act!: one family under :class:`ActError`, each saying
what to do next (fix a setting, look before repeating, retry later)."""

from __future__ import annotations

from typing import Any

from engine.errors import HandsyncError


class ActError(HandsyncError):
    """A failure talking to Act!. ``status`` is the HTTP status (None when there was no answer),
    ``method``/``path`` the request (path relative to ``url``, the API base), ``setting`` what
    to check; ``str()`` is the whole explanation, fit to show a person."""

    def __init__(self, message: str, *, status: int | None = None, method: str = "",
                 path: str = "", url: str = "", setting: str | None = None) -> None:
        self.status, self.method, self.path = status, method, path
        self.url, self.setting = url, setting
        super().__init__(message)


class ActConfigError(ActError):
    """A setting cannot work (no password variable, no Act! Web API at the URL): fix it."""


class ActAuthError(ActError):
    """Act! refused the login or the token: check the user, password and database settings."""


class ActAccessDenied(ActError):
    """Logged in but not allowed. ``code`` is Act!'s 4030 (incompatible Act! versions), 4031
    (subscription required) or 4032 ("Web API Access" permission missing), or None for a plain
    403. Retrying does not help until the setting named in the message is fixed."""

    def __init__(self, message: str, *, code: int | None = None, **where: Any) -> None:
        self.code = code
        super().__init__(message, **where)


class ActNotFound(ActError):
    """404. Act! answers the same for a record that does not exist and for another user's
    private record, so this never proves a deletion: find deletions with ``list_ids``."""


class ActBadRequest(ActError):
    """Act! refused the request (400 or another 4xx) and changed nothing; the message is Act!'s.
    Usually a value Act! does not accept: fix the data or the call, retrying will not help."""


class ActAmbiguous(ActError):
    """``create_once``'s lookup matched several records (``ids``), so it cannot tell which one
    its POST made. Nothing more was created; narrow the lookup and resolve the duplicates."""

    def __init__(self, message: str, *, ids: list[str], **where: Any) -> None:
        self.ids = ids
        super().__init__(message, **where)


class ActRateLimited(ActError):
    """Act!'s rate limit still refuses calls after the allowed waits; ``retry_after`` is the
    seconds Act! asked for (None if unknown). Try the whole operation again after that."""

    def __init__(self, message: str, *, retry_after: float | None = None, **where: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **where)


class ActUnavailable(ActError):
    """No usable answer: connection refused or broken, timeout, or a 5xx. ``maybe_applied`` is
    True when a non-idempotent request may still have been carried out: look before repeating
    it (``ActClient.create_once`` does). Otherwise retry later."""

    def __init__(self, message: str, *, maybe_applied: bool = False, **where: Any) -> None:
        self.maybe_applied = maybe_applied
        super().__init__(message, **where)


class ActBadResponse(ActError):
    """Act! answered with something this client cannot read (not JSON, a wrong shape)."""
