"""What the service runs and how the service manager is asked: the bridge's command line
(:class:`Launch`), and ``schtasks``/``systemctl`` through a ``runner`` that tests replace.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import HandsyncError

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
