"""The relay's durable store: spaces, tokens, the per-space update log, snapshots.

One SQLite file (WAL) under the relay's data directory, written through
sqlite-utils. The relay server calls it from one writer thread (appends, token
changes, compaction) and one reader thread (catch-up reads); the ``handsync relay``
commands call it directly.

Every :meth:`RelayStore.append` is one transaction: when it returns, the
updates survive a crash of the process (``synchronous=FULL``), which is what lets
the relay acknowledge them (invariant 1).

Tokens are stored only as SHA-256 hashes of their secret part; a token reads
``hs_<id>_<secret>`` and is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from engine.errors import CorruptStoreError, StoreError, ValidationError
from engine.sqlite_store import roll_back

FORMAT = "handsync-relay"
FORMAT_VERSION = "1"
DB_NAME = "relay.sqlite"
_SPACE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_DEVICE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE spaces (name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
CREATE TABLE tokens (id TEXT PRIMARY KEY, space TEXT NOT NULL REFERENCES spaces(name),
                     device TEXT NOT NULL, hash TEXT NOT NULL, read_only INTEGER NOT NULL,
                     created_ms INTEGER NOT NULL, expires_ms INTEGER, revoked_ms INTEGER);
CREATE INDEX tokens_space ON tokens (space);
CREATE TABLE log (space TEXT NOT NULL, seq INTEGER NOT NULL, "update" BLOB NOT NULL,
                  device TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (space, seq));
CREATE TABLE snapshots (space TEXT PRIMARY KEY, upto_seq INTEGER NOT NULL, data BLOB NOT NULL,
                        at_ms INTEGER NOT NULL);
CREATE TABLE devices (space TEXT NOT NULL, device TEXT NOT NULL, last_seen_ms INTEGER NOT NULL,
                      cursor INTEGER NOT NULL, connections INTEGER NOT NULL DEFAULT 0,
                      PRIMARY KEY (space, device));
"""


@dataclass(frozen=True, slots=True)
class Token:
    """A token's stored facts (never its secret)."""

    id: str
    space: str
    device: str
    read_only: bool
    created_ms: int
    expires_ms: int | None
    revoked_ms: int | None

    def valid_at(self, now_ms: int) -> bool:
        """True if the token is neither revoked nor expired at ``now_ms``."""
        return self.revoked_ms is None and (self.expires_ms is None or now_ms < self.expires_ms)


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One stored update of a space."""

    seq: int
    update: bytes
    device: str
    at_ms: int


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(text: str) -> tuple[str, str] | None:
    """Split ``hs_<id>_<secret>`` into (id, secret); None if it is not shaped like a token."""
    parts = text.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "hs" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def check_space_name(name: str) -> str:
    """Return ``name`` if it can name a space (1-64 of a-z 0-9 . _ -), else ValidationError."""
    if not isinstance(name, str) or not _SPACE_RE.match(name):
        raise ValidationError("a space name is 1-64 characters of a-z, 0-9, '.', '_', '-'",
                              field="space", value=name)
    return name


class RelayStore:
    """The relay's SQLite store in ``data_dir`` (created if missing)."""

    def __init__(self, data_dir: str | os.PathLike[str], *, synchronous: str = "FULL") -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_NAME
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        # Read only through SQLite: open()+close() on the file would drop this process's
        # SQLite locks on it, and another process could then delete the live WAL.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                               timeout=30)
        try:
            self.db = sqlite_utils.Database(conn)
            if not fresh:
                self._check_existing(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous}")
            if fresh:
                self._create(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "not a database" in str(exc):
                raise CorruptStoreError("not a handsync relay store (not SQLite)",
                                        path=str(self.path)) from None
            raise CorruptStoreError(f"not a usable relay store ({exc})", path=str(self.path)) from None
        self.conn = conn

    def _check_existing(self, conn: sqlite3.Connection) -> None:
        if [r[0] for r in conn.execute("PRAGMA quick_check")] != ["ok"]:
            raise CorruptStoreError("the relay store is damaged", path=str(self.path))
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) \
            if "meta" in self.db.table_names() else {}
        if meta.get("format") != FORMAT:
            raise CorruptStoreError("SQLite file, but not a handsync relay store",
                                    path=str(self.path))
        if meta.get("format_version") != FORMAT_VERSION:
            raise CorruptStoreError(f"relay store format {meta.get('format_version')} is not "
                                    f"supported (this relay reads {FORMAT_VERSION})",
                                    path=str(self.path))

    def _create(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.executemany("INSERT INTO meta VALUES (?, ?)",
                         [("format", FORMAT), ("format_version", FORMAT_VERSION)])
        conn.execute("COMMIT")

    def _write(self, sql: str, params: Iterable[object] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise StoreError(f"relay store write failed: {exc}", path=str(self.path)) from None

    # ------------------------------------------------------------------ spaces

    def create_space(self, name: str, now_ms: int) -> None:
        """Create a space; ValidationError if the name is bad or taken."""
        check_space_name(name)
        if self.space_exists(name):
            raise ValidationError("a space with this name exists already", field="space",
                                  value=name)
        self._write("INSERT INTO spaces (name, created_ms) VALUES (?, ?)", (name, now_ms))

    def space_exists(self, name: str) -> bool:
        """True if the space exists."""
        row = self.conn.execute("SELECT 1 FROM spaces WHERE name = ?", (name,)).fetchone()
        return row is not None

    def spaces(self) -> list[str]:
        """All space names, sorted."""
        return [r[0] for r in self.conn.execute("SELECT name FROM spaces ORDER BY name")]

    # ------------------------------------------------------------------ tokens

    def issue_token(self, space: str, device: str, now_ms: int, *, read_only: bool = False,
                    expires_ms: int | None = None) -> tuple[Token, str]:
        """Issue a token for ``device`` in ``space``; return it and its text (shown once)."""
        if not self.space_exists(space):
            raise ValidationError("no such space", field="space", value=space)
        if not isinstance(device, str) or not _DEVICE_RE.match(device):
            raise ValidationError("a device name is 1-64 letters, digits, space . _ @ -",
                                  field="device", value=device)
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        self._write("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                    (token_id, space, device, _hash(secret), int(read_only), now_ms, expires_ms))
        token = Token(token_id, space, device, read_only, now_ms, expires_ms, None)
        return token, f"hs_{token_id}_{secret}"

    def authenticate(self, text: str) -> Token | None:
        """Return the token ``text`` stands for, or None (unknown id or wrong secret)."""
        parsed = parse_token(text)
        if parsed is None:
            return None
        token_id, secret = parsed
        row = self.conn.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
        if row is None or not hmac.compare_digest(row[3], _hash(secret)):
            return None
        return _token(row)

    def tokens(self, space: str | None = None) -> list[Token]:
        """Tokens (of one space, or all), oldest first."""
        sql, params = "SELECT * FROM tokens", tuple[str, ...]()
        if space is not None:
            sql, params = sql + " WHERE space = ?", (space,)
        return [_token(r) for r in self.conn.execute(sql + " ORDER BY created_ms, id", params)]

    def token(self, token_id: str) -> Token | None:
        """The token with this id, or None."""
        row = self.conn.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
        return _token(row) if row else None

    def revoke_token(self, token_id: str, now_ms: int) -> Token:
        """Revoke a token at once; ValidationError if there is no such token."""
        if self.token(token_id) is None:
            raise ValidationError("no such token", field="token", value=token_id)
        self._write("UPDATE tokens SET revoked_ms = coalesce(revoked_ms, ?) WHERE id = ?",
                    (now_ms, token_id))
        found = self.token(token_id)
        assert found is not None
        return found

    def invalid_tokens(self, token_ids: Iterable[str], now_ms: int) -> set[str]:
        """Of these token ids, the ones revoked or expired by ``now_ms``."""
        ids = list(token_ids)
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT id FROM tokens WHERE id IN ({marks}) AND (revoked_ms IS NOT NULL OR "
            f"(expires_ms IS NOT NULL AND expires_ms <= ?))", (*ids, now_ms))
        return {r[0] for r in rows}

    # --------------------------------------------------------------------- log

    def append(self, batch: list[tuple[str, bytes, str]], now_ms: int) -> list[int]:
        """Append (space, update, device) triples in one transaction; return their seqs."""
        heads: dict[str, int] = {}
        seqs: list[int] = []
        with self._writing():
            for space, update, device in batch:
                if space not in heads:
                    heads[space] = self.head(space)
                heads[space] += 1
                self.conn.execute("INSERT INTO log VALUES (?, ?, ?, ?, ?)",
                                  (space, heads[space], update, device, now_ms))
                seqs.append(heads[space])
        return seqs

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction: committed at the end, rolled back (once) on any error;
        an SQLite error becomes StoreError."""
        self._write("BEGIN IMMEDIATE")
        try:
            yield
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            roll_back(self.conn)
            raise StoreError(f"relay store write failed: {exc}", path=str(self.path)) from None
        except BaseException:
            roll_back(self.conn)
            raise

    def probe_write(self, now_ms: int) -> None:
        """Write one small row and commit: StoreError unless the store takes writes."""
        self._write("INSERT INTO meta (key, value) VALUES ('write_probe_ms', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(now_ms),))

    def limit_size(self, max_bytes: int) -> None:
        """Refuse writes that would grow the file past ``max_bytes`` (0: no limit)."""
        if max_bytes > 0:
            page = int(self.conn.execute("PRAGMA page_size").fetchone()[0])
            self.conn.execute(f"PRAGMA max_page_count = {max(1, max_bytes // page)}")

    def head(self, space: str) -> int:
        """The seq of the newest update of ``space`` (0 if none)."""
        row = self.conn.execute(
            "SELECT max(seq) FROM log WHERE space = ?", (space,)).fetchone()
        if row[0] is not None:
            return int(row[0])
        snap = self.conn.execute("SELECT upto_seq FROM snapshots WHERE space = ?",
                                 (space,)).fetchone()
        return int(snap[0]) if snap else 0

    def log_after(self, space: str, after_seq: int, limit: int | None = None) -> list[LogRecord]:
        """Updates of ``space`` with seq > ``after_seq``, in order."""
        rows = self.conn.execute(
            'SELECT seq, "update", device, at_ms FROM log WHERE space = ? AND seq > ? '
            "ORDER BY seq LIMIT ?", (space, after_seq, -1 if limit is None else limit))
        return [LogRecord(s, bytes(u), d, t) for s, u, d, t in rows]

    def snapshot(self, space: str) -> tuple[int, bytes | None]:
        """(upto_seq, data) of the space's snapshot; (0, None) if it has none."""
        row = self.conn.execute("SELECT upto_seq, data FROM snapshots WHERE space = ?",
                                (space,)).fetchone()
        return (int(row[0]), bytes(row[1])) if row else (0, None)

    def snapshot_info(self, space: str) -> tuple[int, int]:
        """(upto_seq, bytes) of the space's snapshot without reading it; (0, 0) if none."""
        row = self.conn.execute("SELECT upto_seq, length(data) FROM snapshots WHERE space = ?",
                                (space,)).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    @contextmanager
    def read_transaction(self) -> Iterator[None]:
        """Read several tables as of one moment (WAL readers see one snapshot)."""
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def replace_snapshot(self, space: str, upto_seq: int, data: bytes, now_ms: int) -> int:
        """Store a snapshot standing for the log up to ``upto_seq`` and drop those entries."""
        with self._writing():
            self.conn.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)",
                              (space, upto_seq, data, now_ms))
            dropped: int = self.conn.execute("DELETE FROM log WHERE space = ? AND seq <= ?",
                                             (space, upto_seq)).rowcount
        return dropped

    # ----------------------------------------------------------------- devices

    def touch_device(self, space: str, device: str, cursor: int, now_ms: int,
                     connections: int = 0) -> None:
        """Record that ``device`` was seen holding the log up to ``cursor``.

        ``connections`` is +1 when it connects and -1 when it leaves.
        """
        self._write("INSERT INTO devices VALUES (?, ?, ?, ?, max(?, 0)) ON CONFLICT (space, device) "
                    "DO UPDATE SET last_seen_ms = excluded.last_seen_ms, cursor = "
                    "max(cursor, excluded.cursor), connections = max(connections + ?, 0)",
                    (space, device, now_ms, cursor, connections, connections))

    def reset_connections(self) -> None:
        """Mark every device disconnected (the relay calls this when it starts)."""
        self._write("UPDATE devices SET connections = 0")

    def devices(self, space: str) -> list[tuple[str, int, int]]:
        """(device, last_seen_ms, cursor) of every device seen in ``space``."""
        return [(str(d), int(s), int(c)) for d, s, c in self.conn.execute(
            "SELECT device, last_seen_ms, cursor FROM devices WHERE space = ? ORDER BY device",
            (space,))]

    def connected(self, space: str) -> int:
        """How many connections the running relay has open to ``space`` (as it last wrote)."""
        row = self.conn.execute("SELECT coalesce(sum(connections), 0) FROM devices "
                                "WHERE space = ?", (space,)).fetchone()
        return int(row[0])

    def log_stats(self, space: str) -> tuple[int, int, int]:
        """(log entries, log bytes, snapshot bytes) of ``space``."""
        entries, size = self.conn.execute(
            'SELECT count(*), coalesce(sum(length("update")), 0) FROM log WHERE space = ?',
            (space,)).fetchone()
        snap = self.conn.execute("SELECT coalesce(sum(length(data)), 0) FROM snapshots "
                                 "WHERE space = ?", (space,)).fetchone()[0]
        return int(entries), int(size), int(snap)

    def close(self) -> None:
        """Close the store."""
        self.conn.close()


def _token(row: tuple[object, ...]) -> Token:
    return Token(str(row[0]), str(row[1]), str(row[2]), bool(row[4]), int(row[5]),  # type: ignore[call-overload]
                 None if row[6] is None else int(row[6]),  # type: ignore[call-overload]
                 None if row[7] is None else int(row[7]))  # type: ignore[call-overload]
