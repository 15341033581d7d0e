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
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from clients.bridge.logs import log_path
from clients.bridge.runner import load_config, read_status
from clients.device.home import home_in_use
from engine.errors import HandsyncError

DEFAULT_NAME = "handsync-bridge"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_COMMAND_TIMEOUT = 120.0


class ServiceError(HandsyncError):
    """The service could not be installed, removed or asked about; says why."""


@dataclass(frozen=True)
class Completed:
    """What a service-manager command returned."""

    returncode: int
    stdout: str
    stderr: str


Runner = Callable[[Sequence[str]], Completed]


def run_command(argv: Sequence[str]) -> Completed:
    """Run one service-manager command (``schtasks``, ``systemctl``) and capture its output."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True,
                              timeout=_COMMAND_TIMEOUT, check=False)
    except FileNotFoundError:
        raise ServiceError(f"'{argv[0]}' is not on this computer; the bridge service needs "
                           "it") from None
    except subprocess.TimeoutExpired:
        raise ServiceError(f"'{' '.join(argv)}' did not finish within "
                           f"{_COMMAND_TIMEOUT:g} s") from None
    return Completed(done.returncode, done.stdout, done.stderr)


def checked(runner: Runner, argv: Sequence[str]) -> Completed:
    """Run ``argv``; ServiceError with the command's own words if it fails."""
    done = runner(argv)
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip() or "no message").splitlines()[-1]
        raise ServiceError(f"'{' '.join(argv)}' failed (exit {done.returncode}): {said}")
    return done


def write_file(path: Path, data: bytes) -> None:
    """Write a service definition (making its folder); ServiceError if that fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise ServiceError(f"cannot write {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class Launch:
    """The command the service starts: ``program`` with ``arguments``, in ``directory``."""

    program: str
    arguments: tuple[str, ...]
    directory: str


def launch_for(home: str, python: str) -> Launch:
    """``python -m clients.cli bridge run --home HOME``, HOME and python as absolute paths
    of the PC the service runs on (strings, so a Windows path can be made anywhere)."""
    return Launch(python, ("-m", "clients.cli", "bridge", "run", "--home", home), home)


class Manager(Protocol):
    """One platform's service manager."""

    title: str

    def install(self, home: Path, name: str, launch: Launch, runner: Runner) -> list[str]:
        """Register and start; return what was done, one line each."""
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


def install(home: Path, *, name: str = DEFAULT_NAME, platform: str = sys.platform,
            runner: Runner = run_command, python: str = sys.executable,
            env: Mapping[str, str] = os.environ) -> list[str]:
    """Register the bridge in ``home`` with this PC's service manager and start it."""
    _check(home, name)
    manager = manager_for(platform, env)
    home = home.resolve()
    return manager.install(home, name, launch_for(str(home), _quiet_python(python, platform)),
                           runner)


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
