"""The bridge as a Windows Task Scheduler task.

The task definition follows Task Scheduler's schema (namespace
``http://schemas.microsoft.com/windows/2004/02/mit/task``, version 1.2, which every
Windows since Vista reads): it starts when the installing user logs on, runs in that
user's session (so it sees the user's environment variables, e.g. the Act! password
variable), has no time limit (the default is three days), never runs twice at once, and
has "restart on failure" on (every 5 minutes, up to 255 times). It is written into the bridge
home as UTF-16 (the encoding Task Scheduler itself exports) and registered with
``schtasks /Create /XML``.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clients.bridge.service.commands import Launch, Runner, ServiceError, checked, write_file

NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
SCHTASKS = "schtasks"
TASK_DIR = "service"
RESTART_INTERVAL = "PT5M"
RESTART_COUNT = 255  # the schema's most (unsignedByte)

SETTINGS = (
    ("MultipleInstancesPolicy", "IgnoreNew"),
    ("DisallowStartIfOnBatteries", "false"),
    ("StopIfGoingOnBatteries", "false"),
    ("AllowHardTerminate", "true"),
    ("StartWhenAvailable", "true"),
    ("RunOnlyIfNetworkAvailable", "false"),
    ("AllowStartOnDemand", "true"),
    ("Enabled", "true"),
    ("Hidden", "false"),
    ("WakeToRun", "false"),
    ("ExecutionTimeLimit", "PT0S"),
    ("Priority", "7"),
)


def windows_user(env: Mapping[str, str] = os.environ) -> str:
    """``DOMAIN\\user`` of whoever runs this, from the variables Windows sets at logon."""
    user, domain = env.get("USERNAME"), env.get("USERDOMAIN")
    if not user:
        raise ServiceError("USERNAME is not set; run this from the Windows account the "
                           "bridge should run as")
    return f"{domain}\\{user}" if domain else user


def task_xml(launch: Launch, *, user: str, description: str, start: str = "logon") -> str:
    """The task definition, as text. ``logon``: when ``user`` logs on, in their session.
    ``boot``: when Windows starts, whether anyone is logged on or not, as ``user``
    without a stored password (S4U: enough for HTTP to Act!, not for Windows file
    shares; registering it takes an administrator's prompt)."""
    ET.register_namespace("", NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None,
            **attrs: str) -> ET.Element:
        child = ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)
        child.text = text
        return child

    task = ET.Element(f"{{{NS}}}Task", {"version": "1.2"})
    info = sub(task, "RegistrationInfo")
    sub(info, "Author", user)
    sub(info, "Description", description)
    triggers = sub(task, "Triggers")
    if start == "boot":
        sub(sub(triggers, "BootTrigger"), "Enabled", "true")
    else:
        logon = sub(triggers, "LogonTrigger")
        sub(logon, "Enabled", "true")
        sub(logon, "UserId", user)
    principal = sub(sub(task, "Principals"), "Principal", id="Author")
    sub(principal, "UserId", user)
    sub(principal, "LogonType", "S4U" if start == "boot" else "InteractiveToken")
    sub(principal, "RunLevel", "LeastPrivilege")
    settings = sub(task, "Settings")
    for tag, value in SETTINGS:
        sub(settings, tag, value)
    restart = sub(settings, "RestartOnFailure")
    sub(restart, "Interval", RESTART_INTERVAL)
    sub(restart, "Count", str(RESTART_COUNT))
    run = sub(sub(task, "Actions", Context="Author"), "Exec")
    sub(run, "Command", launch.program)
    # Windows' own quoting rules (the C runtime's), whatever system writes the file.
    sub(run, "Arguments", subprocess.list2cmdline(launch.arguments))
    sub(run, "WorkingDirectory", launch.directory)
    ET.indent(task)
    return '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode")


def task_file(home: Path, name: str) -> Path:
    """Where install writes the task definition."""
    return home / TASK_DIR / f"{name}.xml"


class TaskScheduler:
    """Task Scheduler through ``schtasks``."""

    title = "Windows Task Scheduler"

    def __init__(self, env: Mapping[str, str] = os.environ) -> None:
        self.env = env

    def install(self, home: Path, name: str, launch: Launch, runner: Runner,
                start: str = "logon") -> list[str]:
        """Write the definition, register it (replacing an earlier one) and start it."""
        user = windows_user(self.env)
        path = task_file(home, name)
        text = task_xml(launch, user=user, description=f"handsync bridge for {home}",
                        start=start)
        write_file(path, text.encode("utf-16"))  # with the byte-order mark
        checked(runner, [SCHTASKS, "/Create", "/TN", name, "/XML", str(path), "/F"])
        checked(runner, [SCHTASKS, "/Run", "/TN", name])
        return [f"wrote the task definition {path}",
                f"registered task '{name}' for {user}: starts at {start}, restarts on failure",
                f"started it; its log is {home / 'logs' / 'bridge.log'}"]

    def uninstall(self, home: Path, name: str, runner: Runner) -> list[str]:
        """End the task if it runs, delete it, and remove the definition file."""
        if not self.query(name, runner)["installed"]:
            raise ServiceError(f"there is no task '{name}' to remove")
        runner([SCHTASKS, "/End", "/TN", name])  # fails harmlessly when it is not running
        checked(runner, [SCHTASKS, "/Delete", "/TN", name, "/F"])
        task_file(home, name).unlink(missing_ok=True)
        return [f"ended and deleted task '{name}'; the bridge home {home} is kept"]

    def query(self, name: str, runner: Runner) -> dict[str, Any]:
        """Installed, running, and Task Scheduler's own status, last run and last result."""
        done = runner([SCHTASKS, "/Query", "/TN", name, "/FO", "CSV", "/V", "/NH"])
        if done.returncode != 0:
            return {"installed": False, "running": False, "state": None}
        rows = [r for r in csv.reader(io.StringIO(done.stdout)) if len(r) > 6]
        if not rows:
            raise ServiceError(f"could not read schtasks' answer about '{name}': "
                               f"{done.stdout.strip()[:200]!r}")
        # Columns of the verbose CSV: host, task, next run, status, logon mode, last run,
        # last result, ... Status words follow Windows' display language; "Running" is
        # the English one, so running is only claimed when it says so.
        state, last_run, last_result = rows[0][3], rows[0][5], rows[0][6]
        running: bool | None = True if state == "Running" else None
        if state in ("Ready", "Disabled", "Queued"):
            running = False
        return {"installed": True, "running": running, "state": state,
                "last_run": last_run, "last_result": last_result}
