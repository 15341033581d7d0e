"""The one exception tree of handsync.

Every error the engine, the relay and the clients raise on purpose derives from
:class:`HandsyncError`, so a caller can catch the whole family at one boundary
(the CLI turns them into ``click.ClickException`` there and nowhere else)::

    HandsyncError
    ├── ValidationError          a value, field or id a caller gave is not acceptable
    │   └── UnknownKindError     no such record kind
    ├── RecordError              a record operation that cannot proceed
    │   ├── RecordNotFoundError  no record with that id
    │   ├── RecordDeletedError   the record is deleted: restore it first
    │   └── RecordExistsError    create() with an id that is already taken
    ├── StoreError               the local or relay store cannot be used (full disk …)
    │   └── CorruptStoreError    a file that is corrupt, truncated or not ours
    ├── ProtocolError            bytes on the wire that break the protocol
    │
    │   raised by the clients (defined beside the code that raises them):
    ├── HomeError                clients.device.home: a device home is missing or unusable
    │   └── HomeBusyError        another process holds the home
    ├── SyncError                clients.device.connection: the relay is unreachable or refused
    ├── ExchangeError            clients.device.exchange.rows: a file cannot be imported/exported
    │   └── ImportRowError       one row holds a bad value; nothing was imported
    ├── ServiceError             clients.bridge.service.commands: the bridge service cannot be set up
    └── ActError                 clients.act.errors: Act! refused or failed (and its subclasses:
                                 ActConfigError, ActAuthError, ActAccessDenied, ActNotFound,
                                 ActBadRequest, ActAmbiguous, ActRateLimited, ActUnavailable,
                                 ActBadResponse)

Errors carry structured fields (record id, field, value, close code) so callers
can report them precisely without parsing the message. tests/test_errors.py checks
that this drawing names every subclass the project defines.
"""

from __future__ import annotations

from typing import Any


class HandsyncError(Exception):
    """Base class of every error handsync raises on purpose."""


class ValidationError(HandsyncError, ValueError):
    """A value given for a record is not acceptable; nothing was written.

    ``kind``, ``record_id``, ``field`` and ``value`` say exactly what was wrong.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        record_id: str | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        self.kind = kind
        self.record_id = record_id
        self.field = field
        self.value = value
        where = []
        if kind:
            where.append(kind)
        if record_id:
            where.append(record_id)
        if field:
            where.append(f"field {field!r}")
        prefix = " ".join(where)
        detail = f" (value {value!r})" if value is not None else ""
        super().__init__(f"{prefix}: {message}{detail}" if prefix else f"{message}{detail}")


class UnknownKindError(ValidationError):
    """The record kind is not one of the schema's kinds."""


class RecordError(HandsyncError, LookupError):
    """A record operation cannot proceed; ``kind`` and ``record_id`` say which."""

    def __init__(self, message: str, *, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"{kind} {record_id}: {message}")


class RecordNotFoundError(RecordError):
    """No record of that kind has this id."""


class RecordDeletedError(RecordError):
    """The record is deleted; call ``restore()`` before editing it."""


class RecordExistsError(RecordError):
    """``create()`` was given an id that already names a record."""


class StoreError(HandsyncError):
    """The store cannot be used; ``path`` names the file when there is one."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        self.message = message  # without the path, for telling a peer
        super().__init__(f"{path}: {message}" if path else message)


class CorruptStoreError(StoreError):
    """The file is corrupt, truncated or not a handsync store. It was left untouched."""


class ProtocolError(HandsyncError):
    """Bytes received that break the wire protocol.

    ``code`` is the WebSocket close code a server should use (see docs/protocol.md),
    ``reason`` a short human-readable text that fits in a close frame.
    """

    def __init__(self, reason: str, *, code: int = 4400) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{reason} (code {code})")
