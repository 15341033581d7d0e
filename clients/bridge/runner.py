"""The PC bridge: a device home that also mirrors one Act! database.

A bridge home is a device home (``config.json``, ``replica.sqlite``; see
clients/device/home.py) plus ``bridge.json`` (the Act! settings; never the password,
only the name of the environment variable holding it) and ``bridge.sqlite``
(clients/bridge/state.py). A pass (:meth:`Bridge.once`) syncs with the relay,
mirrors both ways (clients/bridge/mirror.py), and syncs again so the devices get
Act!'s changes at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from clients.act.client import ActClient
from clients.bridge.mirror import Mirror
from clients.bridge.rules import WRITER, Tally, failure_text
from clients.bridge.server_time import server_zone
from clients.bridge.state import BridgeState
from clients.device.connection import SyncError
from clients.device.home import (
    CONFIG,
    REPLICA,
    Device,
    HomeError,
    _write_json,
    init_home,
    start_thread,
    wall_clock,
)
from engine.errors import HandsyncError, StoreError, ValidationError
from engine.sqlite_store import SqliteStore

BRIDGE_CONFIG = "bridge.json"
BRIDGE_STATE = "bridge.sqlite"
DEFAULT_INTERVAL = 30 * 60
#: Relay close codes that mean "try again later" rather than "this bridge is refused".
TRANSIENT_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 4429, 4500})


@dataclass
class BridgeConfig:
    """What ``bridge init`` records. ``act_csv`` set means CSV mode (no Web API)."""

    act_url: str | None = None
    database: str | None = None
    user: str | None = None
    password_env: str = "HANDSYNC_ACT_PASSWORD"
    act_csv: str | None = None
    interval: int = DEFAULT_INTERVAL
    sweep_every: int = 1
    page_size: int = 1000
    sync_timeout: float = 120.0
    #: The Act! server's time zone, for the activity times Act! keeps in it
    #: (clients/bridge/server_time.py); None: UTC, like every other time.
    act_time_zone: str | None = None

    def check(self) -> None:
        """Raise ValidationError for settings that cannot work."""
        if self.act_csv is None:
            for name in ("act_url", "database", "user"):
                if not getattr(self, name):
                    raise ValidationError(
                        f"--{name.replace('_', '-')} is required (or use --act-csv FILE)",
                        field=name)
        elif self.act_url:
            raise ValidationError("give either --act-url or --act-csv, not both",
                                  field="act_csv", value=self.act_csv)
        if self.interval < 10:
            raise ValidationError("the interval is at least 10 seconds", field="interval",
                                  value=self.interval)
        if self.sweep_every < 1:
            raise ValidationError("the delete sweep runs every 1 or more passes",
                                  field="sweep_every", value=self.sweep_every)
        if not 1 <= self.page_size <= 5000:
            raise ValidationError("the page size is 1 to 5000 (Act!'s cap)", field="page_size",
                                  value=self.page_size)
        server_zone(self.act_time_zone)


def init_bridge(home: Path, config: BridgeConfig, *, relay: str, space: str,
                token: str) -> BridgeConfig:
    """Create a bridge home: a device home named ``act-bridge`` plus the Act! settings."""
    config.check()
    if (home / BRIDGE_CONFIG).exists():
        raise HomeError(f"{home} already holds a bridge ({home / BRIDGE_CONFIG})")
    if config.act_url:
        config.act_url = config.act_url.strip().rstrip("/")
    if not (home / CONFIG).exists():
        init_home(home, relay, space, token, "act-bridge", auto_sync=False)
    _write_json(home / BRIDGE_CONFIG, asdict(config))
    BridgeState(home / BRIDGE_STATE).close()
    return config


def load_config(home: Path) -> BridgeConfig:
    """Read ``bridge.json``; HomeError if the home has none or it is damaged."""
    path = home / BRIDGE_CONFIG
    if not path.exists():
        raise HomeError(f"{home} is not a bridge home; run 'handsync bridge init' first")
    try:
        config = BridgeConfig(**json.loads(path.read_text()))
        config.check()
    except (ValueError, TypeError) as exc:
        raise HomeError(f"{path} is damaged: {exc}") from None
    return config


class Bridge:
    """An opened bridge home. ``act`` replaces the client built from the settings (tests)."""

    def __init__(self, home: Path, *, act: ActClient | None = None,
                 clock: Callable[[], int] = wall_clock, wait: float = 15.0,
                 progress: Callable[[str], None] | None = None) -> None:
        self.home, self.clock = home, clock
        self.say = progress or (lambda _: None)
        self.config = load_config(home)
        self.device = Device(home, wait=wait)
        try:
            self.state = BridgeState(home / BRIDGE_STATE)
        except BaseException:
            self.device.close()
            raise
        self._act = act
        if act is not None:
            act.on_server_time = self._act_clock

    def __enter__(self) -> Bridge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the Act! client, the state and the home."""
        if self._act is not None:
            self._act.close()
            self._act = None
        self.state.close()
        self.device.close()

    @property
    def act(self) -> ActClient:
        """The Act! client, built from the settings on first use."""
        if self._act is None:
            config = self.config
            if config.act_csv is not None:
                raise HomeError("this bridge reads a CSV export; it has no Act! Web API")
            assert config.act_url and config.database and config.user
            self._act = ActClient.from_env(config.act_url, config.database, config.user,
                                           config.password_env)
            self._act.on_server_time = self._act_clock
        return self._act

    def _act_clock(self, served_ms: int) -> None:
        """Act!'s server time, just answered: keep how far its clock runs from the relay's
        time, so that Act!'s ``edited`` stamps are corrected (engine/timing.py)."""
        replica = self.device.replica
        replica.set_writer_offset(WRITER, served_ms - replica.now())

    # a pass ---------------------------------------------------------------------------------

    def once(self, *, sync: bool = True, sweep: bool | None = None) -> Tally:
        """One pass: relay sync, mirror both ways, relay sync. Act! errors are raised (and
        kept as the last error); a relay that cannot be reached only skips the syncs."""
        passes = int(self.state.get("passes", "0") or 0)
        # Sweeps are counted by attempts, not successes: a pass that keeps failing must
        # not keep the sweep (which may be what settles the failure) from ever running.
        attempts = int(self.state.get("attempts", "0") or 0)
        self.state.write(meta={"attempts": str(attempts + 1)})
        if sweep is None:
            sweep = (attempts % self.config.sweep_every == 0
                     or self.state.get("sweep_due") == "1")
        if sync:
            self._sync()
        started = self.clock()
        try:
            tally = self._mirror(dry_run=False, sweep=sweep)
        except Exception as exc:
            # Noted where it can be; a full disk may refuse the note too, and the error
            # that matters is the pass's own.
            with contextlib.suppress(StoreError):
                self.state.write(meta={"last_error": failure_text(exc), "sweep_due": "1",
                                       "last_attempt": str(started)})
            raise
        totals = json.loads(self.state.get("totals", "{}") or "{}")
        for direction in ("pull", "push"):
            totals[direction] = totals.get(direction, 0) + tally.total(direction)
        due = "1" if tally.sweep_due or (self.state.get("sweep_due") == "1" and not sweep) \
            else ""
        self.state.write(meta={
            "passes": str(passes + 1), "sweep_due": due,
            "last_poll": str(started), "last_attempt": str(started),
            "last_error": "", "last_pass": json.dumps(tally.to_dict()),
            "last_pass_ms": str(self.clock() - started), "totals": json.dumps(totals)})
        if sync:
            self._sync()
        return tally

    def review(self, *, sync: bool = True) -> Tally:
        """A dry run: count what a pass would move each way, writing nothing to Act!.

        It still syncs with the relay first (receiving only what devices sent), so that
        the count includes their latest edits; ``sync=False`` skips that."""
        if sync:
            self._sync()
        return self._mirror(dry_run=True, sweep=True)

    def _mirror(self, *, dry_run: bool, sweep: bool) -> Tally:
        if self.config.act_csv is not None:
            from clients.bridge.csv_mode import mirror_csv
            return mirror_csv(self.device.replica, self.state, Path(self.config.act_csv),
                              clock=self.clock, dry_run=dry_run, progress=self.say)
        mirror = Mirror(self.device.replica, self.act, self.state, clock=self.clock,
                        dry_run=dry_run, sweep=sweep, page_size=self.config.page_size,
                        progress=self.say, act_zone=server_zone(self.config.act_time_zone))
        return mirror.run()

    def _sync(self) -> None:
        """Sync with the relay. A relay that cannot be reached (or is busy) is no reason to
        stop mirroring Act!: the devices get it on a later pass. A relay that refuses the
        bridge (token, space, size) is: that is raised, as the pass's error."""
        try:
            report = self.device.sync(timeout=self.config.sync_timeout)
        except SyncError as exc:
            self.state.write(meta={"last_sync_error": str(exc)})
            if exc.code is not None and exc.code not in TRANSIENT_CODES:
                self.state.write(meta={"last_error": f"relay: {exc}"})
                raise
            self.say(f"relay sync failed ({exc}); Act! is mirrored anyway, the devices get "
                     "it on a later pass")
            return
        self.state.write(meta={"last_sync": str(self.clock()), "last_sync_error": ""})
        self.say(f"relay: sent {report.sent}, received {report.received} update(s)")

    def run(self, *, interval: float | None = None, passes: int | None = None,
            sleep: Callable[[float], None] = time.sleep) -> None:
        """Pass after pass, ``interval`` seconds apart (the configured one by default), until
        ``passes`` are done (forever for None). A failed pass is reported and the next one
        runs on time: Act! or the relay being away for a while is normal."""
        every = self.config.interval if interval is None else interval
        done = 0
        while passes is None or done < passes:
            began = time.monotonic()
            try:
                tally = self.once()
                self.say(summary(tally))
            except HandsyncError as exc:
                self.say(f"pass failed: {exc}")
            except Exception as exc:  # a bug must not stop the service: say it, go on
                self.say(f"pass failed, unexpectedly: {failure_text(exc)}")
            done += 1
            if passes is not None and done >= passes:
                break
            sleep(max(0.0, every - (time.monotonic() - began)))

    # status ---------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Last Act! poll, last relay sync, counts pulled and pushed, last error."""
        return read_status(self.home, self.state, len(self.device.replica.outbox()))


def read_status(home: Path, state: BridgeState | None = None,
                waiting: int | None = None) -> dict[str, Any]:
    """The status of the bridge in ``home``, also while another process runs it (this
    takes no lock; ``waiting_for_relay`` is then read from the replica file directly)."""
    config = load_config(home)
    try:
        device = json.loads((home / CONFIG).read_text())
    except (OSError, ValueError) as exc:
        raise HomeError(f"{home / CONFIG} is missing or damaged: {exc}") from None
    own = state is None
    state = state or BridgeState(home / BRIDGE_STATE)
    try:
        if waiting is None and (home / REPLICA).exists():
            store = SqliteStore(home / REPLICA, start=start_thread)
            try:
                waiting = store.stats()["outbox"]
            finally:
                store.close()
        meta = state.meta()
        counts = state.counts()
        refused = state.notes()
    finally:
        if own:
            state.close()

    def when(key: str) -> str | None:
        value = meta.get(key)
        if not value:
            return None
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(value) / 1000))

    last = json.loads(meta.get("last_pass") or "{}")
    totals = json.loads(meta.get("totals") or "{}")
    return {
        "act": config.act_csv or config.act_url, "database": config.database,
        "user": config.user, "relay": device.get("relay"), "space": device.get("space"),
        "last_act_poll": when("last_poll"), "last_relay_sync": when("last_sync"),
        "last_pass_seconds": round(int(meta.get("last_pass_ms") or 0) / 1000, 3),
        "passes": int(meta.get("passes") or 0),
        "last_pulled": last.get("pulled", {}), "last_pushed": last.get("pushed", {}),
        "problems": last.get("problems", []), "refused_by_act": refused,
        "total_pulled": totals.get("pull", 0), "total_pushed": totals.get("push", 0),
        "mirrored": counts, "waiting_for_relay": waiting,
        "last_error": meta.get("last_error") or None,
        "last_relay_error": meta.get("last_sync_error") or None,
    }


def summary(tally: Tally) -> str:
    """One line for people: what moved each way."""
    def part(counts: dict[str, int]) -> str:
        shown = [f"{n} {what}" for what, n in sorted(counts.items()) if n]
        return ", ".join(shown) or "nothing"

    line = f"from Act!: {part(tally.pulled)}; to Act!: {part(tally.pushed)}"
    if tally.problems:
        line += f"; {len(tally.problems)} problem(s) (see 'handsync bridge status')"
    return line


def password_hint(config: BridgeConfig) -> str | None:
    """A warning when the password variable is not set in this environment."""
    if config.act_csv is None and config.password_env not in os.environ:
        return (f"note: {config.password_env} is not set here; set it to the Act! password "
                "before 'bridge once' or 'bridge run'")
    return None
