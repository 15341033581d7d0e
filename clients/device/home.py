"""A device home: the local replica, its settings, and syncing it with the relay.

A home is a folder holding ``config.json`` (relay URL, space, token, device name,
replica id; readable only by its owner) and ``replica.sqlite`` (the replica). One
process uses a home at a time: :class:`Device` takes an exclusive lock on
``home.lock`` (``filelock``: ``flock`` on POSIX, ``LockFileEx`` on Windows) and a
second process gets :class:`HomeBusyError` at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs
from filelock import BaseFileLock, FileLock, Timeout

from clients.device.connection import SyncError, SyncReport, probe, sync_once
from engine.errors import HandsyncError, StoreError, ValidationError
from engine.replica import Replica
from engine.sqlite_store import SqliteStore

CONFIG = "config.json"
REPLICA = "replica.sqlite"
LOCK = "home.lock"
WANT = "home.want"
APP = "handsync"
_LOCK_POLL = 0.05


class HomeError(HandsyncError):
    """The home folder is missing, not initialised, or unusable."""


class HomeBusyError(HomeError):
    """Another handsync process is using this home."""


def wall_clock() -> int:
    """Milliseconds since the epoch."""
    return int(time.time() * 1000)


def start_thread(job: Callable[[], None]) -> threading.Thread:
    """Run ``job`` on a daemon thread: how a device's store runs its WAL checkpoints,
    off the thread that edits and syncs (engine.sqlite_store.SqliteStore's ``start``)."""
    thread = threading.Thread(target=job, name="handsync-checkpoint", daemon=True)
    thread.start()
    return thread


def default_home(platform: str = sys.platform,
                 dirs: type[platformdirs.PlatformDirsABC] = platformdirs.PlatformDirs) -> Path:
    """``$HANDSYNC_HOME``, else the per-user data folder: ``%LOCALAPPDATA%\\handsync`` on
    Windows, ``$XDG_DATA_HOME/handsync`` (``~/.local/share/handsync``) on Linux. Elsewhere
    (macOS) a home made before in ``~/.local/share/handsync`` stays where it is."""
    env = os.environ.get("HANDSYNC_HOME")
    if env:
        return Path(env)
    chosen = Path(dirs(APP, appauthor=False).user_data_dir)
    if platform != "win32":
        earlier = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP
        if earlier.is_dir():
            return earlier
    return chosen


@dataclass
class DeviceConfig:
    """What ``device init`` records."""

    relay: str
    space: str
    token: str
    name: str
    replica_id: str
    auto_sync: bool = True
    sync_interval: int = 900

    def check(self) -> None:
        """Raise ValidationError for settings that cannot work."""
        if not self.relay.startswith(("ws://", "wss://")):
            raise ValidationError("the relay URL must start with ws:// or wss://",
                                  field="relay", value=self.relay)
        if not self.space or not self.token:
            raise ValidationError("space and token are required", field="space")
        if self.sync_interval < 10:
            raise ValidationError("sync interval is at least 10 seconds",
                                  field="sync_interval", value=self.sync_interval)


def init_home(home: Path, relay: str, space: str, token: str, name: str, *,
              auto_sync: bool = True) -> DeviceConfig:
    """Create a home with an empty replica; HomeError if one exists there already."""
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:24] or "device"
    config = DeviceConfig(relay.rstrip("/"), space, token, name,
                          f"{slug}-{secrets.token_hex(4)}", auto_sync=auto_sync)
    config.check()
    if (home / CONFIG).exists():
        raise HomeError(f"{home} already holds a device ({home / CONFIG})")
    home.mkdir(parents=True, exist_ok=True)
    _write_json(home / CONFIG, asdict(config))
    Replica(SqliteStore(home / REPLICA, start=start_thread), clock=wall_clock, replica_id=config.replica_id).close()
    return config


def _home_lock(home: Path) -> BaseFileLock:
    # Not thread-local: `sync --watch` opens a Device in a worker thread and closes it
    # on the event loop's thread.
    return FileLock(home / LOCK, thread_local=False)


def _take_lock(home: Path, wait: float) -> BaseFileLock:
    """Lock the home, asking a watching process to step aside for up to ``wait`` s."""
    lock = _home_lock(home)
    deadline = time.monotonic() + wait
    asked = False
    try:
        while True:
            try:
                lock.acquire(blocking=False)
                return lock
            except Timeout:
                if time.monotonic() >= deadline:
                    raise HomeBusyError(f"another handsync process is using {home} and did "
                                        f"not let go within {wait:g} s") from None
                if not asked:
                    (home / WANT).touch()
                    asked = True
                time.sleep(_LOCK_POLL)  # waiting for another process: nothing to await here
    finally:
        if asked:
            (home / WANT).unlink(missing_ok=True)


def home_in_use(home: Path) -> bool:
    """True if a process holds the home now (a running bridge or watch). Asks nobody to
    step aside."""
    lock = _home_lock(home)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        return True
    lock.release()
    return False


def handoff_requested(home: Path) -> bool:
    """True if another process waits for this home."""
    return (home / WANT).exists()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    # Written whole and renamed into place, so a crash never leaves half a file.
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class Device:
    """An opened home. Use as a context manager, or call :meth:`close`."""

    def __init__(self, home: Path, *, wait: float = 15.0) -> None:
        self.home = home
        if not (home / CONFIG).exists():
            raise HomeError(f"{home} is not a handsync device home; run 'handsync device "
                            "init' first")
        self._lock: BaseFileLock | None = _take_lock(home, wait)
        try:
            raw = json.loads((home / CONFIG).read_text())
            self.config = DeviceConfig(**raw)
            self.config.check()
        except (ValueError, TypeError) as exc:
            self.close()
            raise HomeError(f"{home / CONFIG} is damaged: {exc}") from None
        try:
            self.replica = Replica(SqliteStore(home / REPLICA, start=start_thread), clock=wall_clock,
                                   replica_id=self.config.replica_id)
        except HandsyncError:
            self.close()
            raise

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the replica and release the home."""
        replica = getattr(self, "replica", None)
        if replica is not None:
            replica.close()
            self.replica = None  # type: ignore[assignment]
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def cursor(self) -> int:
        """How far into the relay's log this device holds everything."""
        return int(self.replica.get_meta("app.cursor", "0") or 0)

    def sync(self, timeout: float = 30.0,
             progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Sync now: send the outbox, receive what is new, wait for durable acks."""
        return asyncio.run(self.sync_async(timeout, progress))

    async def sync_async(self, timeout: float = 30.0,
                         progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """:meth:`sync` for callers that already run an event loop."""
        pending = len(self.replica.outbox())
        try:
            report = await sync_once(
                self.replica, self.config.relay, self.config.space, self.config.token,
                cursor=self.cursor, timeout=timeout, on_cursor=self._save_cursor,
                progress=progress)
        except SyncError as exc:
            self.replica.set_meta({"app.last_error": str(exc),
                                   "app.last_attempt": str(wall_clock())})
            raise
        except StoreError as exc:
            # What was received could not be stored (a full disk): nothing of it was
            # applied and the cursor stayed, so the next sync asks for it again.
            with contextlib.suppress(StoreError):  # the disk may refuse this note too
                self.replica.set_meta({"app.last_error": str(exc),
                                       "app.last_attempt": str(wall_clock())})
            raise
        now = str(wall_clock())
        meta = {"app.last_received": now, "app.last_error": "", "app.last_attempt": now}
        if pending:
            meta["app.last_sent"] = now
        self.replica.set_meta(meta)
        report.sent = pending - len(self.replica.outbox())
        return report

    def _save_cursor(self, seq: int) -> None:
        # Saved only after the updates up to seq were applied and committed.
        self.replica.set_meta({"app.cursor": str(seq)})

    def probe(self, timeout: float = 5.0) -> str:
        """"reachable, token valid", or why not (never raises for network trouble)."""
        try:
            asyncio.run(probe(self.config.relay, self.config.space, self.config.token,
                              self.cursor, timeout=timeout))
        except SyncError as exc:
            if exc.code in (4401, 4403):
                return f"reachable, token refused: {exc}"
            return f"unreachable: {exc}"
        return "reachable, token valid"

    def quick_sync(self, timeout: float = 3.0) -> str:
        """Sync before showing data (``auto_sync``); return a line saying what happened."""
        try:
            report = self.sync(timeout=timeout)
        except SyncError as exc:
            return f"not synced ({exc}); showing the data on this device"
        return f"synced: sent {report.sent}, received {report.received} update(s)"

    def status(self) -> dict[str, Any]:
        """Last sent and received, waiting edits, conflicts, last error."""
        def when(key: str) -> str | None:
            value = self.replica.get_meta(key)
            if not value:
                return None
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(value) / 1000))

        return {
            "device": self.config.name, "replica_id": self.config.replica_id,
            "relay": self.config.relay, "space": self.config.space,
            "last_sent": when("app.last_sent"), "last_received": when("app.last_received"),
            "waiting_edits": len(self.replica.outbox()),
            "conflicts": len(self.replica.conflicts()),
            "cursor": self.cursor, "last_error": self.replica.get_meta("app.last_error") or None,
            # relay time minus this device's clock; None until it first met the relay
            "clock_offset_ms": self.replica.time_offset,
        }
