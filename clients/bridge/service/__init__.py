"""``handsync bridge service``: keep the bridge running on the PC after reboots and failures.

Windows registers a Task Scheduler task (:mod:`.windows`: a task definition written into
the bridge home and registered with ``schtasks /Create /XML``); Linux a systemd user unit
(:mod:`.systemd`). Both run ``python -m clients.cli bridge run --home HOME``, which logs to
``logs/bridge.log`` in the home. Every command the service manager gets goes through a
``runner`` (tests pass their own and look at the exact argv; nothing is registered).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from clients.bridge.logs import log_path
from clients.bridge.runner import load_config, read_status
from clients.bridge.service.commands import (
    Completed,
    Launch,
    Runner,
    ServiceError,
    launch_for,
    run_command,
)
from clients.device.home import home_in_use

__all__ = ["DEFAULT_NAME", "STARTS", "Completed", "Launch", "Runner", "ServiceError", "install",
           "launch_for", "manager_for", "run_command", "status", "uninstall"]

DEFAULT_NAME = "handsync-bridge"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class Manager(Protocol):
    """One platform's service manager."""

    title: str

    def install(self, home: Path, name: str, launch: Launch, runner: Runner,
                start: str = "logon") -> list[str]:
        """Register and start; return what was done, one line each. ``start`` is
        ``logon`` (when the user logs on) or ``boot`` (when the PC starts, nobody
        logged on)."""
        ...  # pragma: no cover

    def uninstall(self, home: Path, name: str, runner: Runner) -> list[str]:
        """Stop and unregister; return what was done."""
        ...  # pragma: no cover

    def query(self, name: str, runner: Runner) -> dict[str, Any]:
        """``installed`` (bool), ``running`` (bool or None if unknown) and the manager's
        own words."""
        ...  # pragma: no cover


def manager_for(platform: str, env: Mapping[str, str] = os.environ) -> Manager:
    """Task Scheduler on Windows (for the user ``env`` names), systemd (user) on Linux;
    ServiceError elsewhere."""
    if platform == "win32":
        from clients.bridge.service.windows import TaskScheduler
        return TaskScheduler(env)
    if platform.startswith("linux"):
        from clients.bridge.service.systemd import SystemdUser
        return SystemdUser()
    raise ServiceError(f"no service support on this system ({platform}); run 'handsync bridge "
                       "run' from the system's own service manager (e.g. launchd)")


def _check(home: Path, name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ServiceError(f"service name {name!r}: use 1 to 64 letters, digits, '.', '-' "
                           "or '_', starting with a letter or digit")
    load_config(home)  # HomeError if this is not a bridge home


STARTS = ("logon", "boot")


def install(home: Path, *, name: str = DEFAULT_NAME, platform: str = sys.platform,
            runner: Runner = run_command, python: str = sys.executable,
            env: Mapping[str, str] = os.environ, start: str = "logon") -> list[str]:
    """Register the bridge in ``home`` with this PC's service manager and start it;
    ``start``: ``logon`` or ``boot`` (see :class:`Manager`)."""
    _check(home, name)
    if start not in STARTS:
        raise ServiceError(f"start {start!r}: use one of {', '.join(STARTS)}")
    manager = manager_for(platform, env)
    home = home.resolve()
    return manager.install(home, name, launch_for(str(home), _quiet_python(python, platform)),
                           runner, start)


def uninstall(home: Path, *, name: str = DEFAULT_NAME, platform: str = sys.platform,
              runner: Runner = run_command) -> list[str]:
    """Stop the service and remove it; the bridge home and its data stay."""
    _check(home, name)
    return manager_for(platform).uninstall(home.resolve(), name, runner)


def status(home: Path, *, name: str = DEFAULT_NAME, platform: str = sys.platform,
           runner: Runner = run_command) -> dict[str, Any]:
    """Whether the service is registered and running, and the bridge's last pass."""
    _check(home, name)
    manager = manager_for(platform)
    found = manager.query(name, runner)
    bridge = read_status(home)
    return {
        "service": name, "manager": manager.title, **found,
        "home_in_use": home_in_use(home),
        "last_act_poll": bridge["last_act_poll"], "last_relay_sync": bridge["last_relay_sync"],
        "passes": bridge["passes"], "last_pulled": bridge["last_pulled"],
        "last_pushed": bridge["last_pushed"], "last_error": bridge["last_error"],
        "log": str(log_path(home)),
    }


def _quiet_python(python: str, platform: str) -> str:
    # On Windows pythonw.exe runs without a console window (one that could be closed by
    # mistake); the bridge's log file says what it would have printed.
    if platform == "win32" and python.lower().endswith("python.exe"):
        quiet = python[: -len("python.exe")] + "pythonw.exe"
        if Path(quiet).exists():
            return quiet
    return python
