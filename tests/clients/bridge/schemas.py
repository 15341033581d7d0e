"""The documented shapes of what `bridge service install` writes, as checks a test can run.

Task Scheduler: the Task Scheduler Schema
(https://learn.microsoft.com/windows/win32/taskschd/task-scheduler-schema), for the
elements of schema version 1.2 a task may hold: each complex type's children
(taskType, registrationInfoType, triggersType, logonTriggerType, principalsType,
principalType, settingsType, restartType, actionsType, execType), which are required,
the simple types' values (logonType, runLevelType, multipleInstancesPolicyType,
priorityType, boolean, duration) and restartType's bounds. Every element of the types is
an ``xs:all`` (each at most once, any order) except the triggers and actions choices.

systemd: the keys of systemd.unit(5) [Unit] and [Install], systemd.service(5) with
systemd.exec(5) and systemd.kill(5) [Service] that a simple service uses, and the values
those pages allow for Type= and Restart=.
"""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET

NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
DURATION = re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
BOOLEAN = {"true", "false"}
TRIGGER_BASE = {"Enabled", "StartBoundary", "EndBoundary", "Repetition", "ExecutionTimeLimit"}
TRIGGERS = {"BootTrigger", "RegistrationTrigger", "IdleTrigger", "TimeTrigger", "EventTrigger",
            "LogonTrigger", "SessionStateChangeTrigger", "CalendarTrigger"}
ACTIONS = {"Exec", "ComHandler", "SendEmail", "ShowMessage"}

#: element -> (allowed children, required children); None for the choice groups
CHILDREN: dict[str, tuple[set[str], set[str]]] = {
    "Task": ({"RegistrationInfo", "Triggers", "Settings", "Data", "Principals", "Actions"},
             {"Actions"}),
    "RegistrationInfo": ({"URI", "SecurityDescriptor", "Source", "Date", "Author", "Version",
                          "Description", "Documentation"}, set()),
    "LogonTrigger": (TRIGGER_BASE | {"UserId", "Delay"}, set()),
    "BootTrigger": (TRIGGER_BASE | {"Delay"}, set()),
    "Principals": ({"Principal"}, {"Principal"}),
    "Principal": ({"UserId", "GroupId", "LogonType", "RunLevel", "DisplayName",
                   "ProcessTokenSidType", "RequiredPrivileges"}, set()),
    "Settings": ({"AllowStartOnDemand", "RestartOnFailure", "MultipleInstancesPolicy",
                  "DisallowStartIfOnBatteries", "StopIfGoingOnBatteries", "AllowHardTerminate",
                  "StartWhenAvailable", "NetworkProfileName", "RunOnlyIfNetworkAvailable",
                  "WakeToRun", "Enabled", "Hidden", "DeleteExpiredTaskAfter", "IdleSettings",
                  "NetworkSettings", "ExecutionTimeLimit", "Priority", "RunOnlyIfIdle"}, set()),
    "RestartOnFailure": ({"Interval", "Count"}, {"Interval", "Count"}),
    "Exec": ({"Command", "Arguments", "WorkingDirectory"}, {"Command"}),
}
ENUMS = {
    "LogonType": {"S4U", "Password", "InteractiveToken", "InteractiveTokenOrPassword"},
    "RunLevel": {"LeastPrivilege", "HighestAvailable"},
    "MultipleInstancesPolicy": {"Parallel", "Queue", "IgnoreNew", "StopExisting"},
}
BOOLEANS = {"Enabled", "AllowStartOnDemand", "DisallowStartIfOnBatteries",
            "StopIfGoingOnBatteries", "AllowHardTerminate", "StartWhenAvailable",
            "RunOnlyIfNetworkAvailable", "WakeToRun", "Hidden", "RunOnlyIfIdle"}
DURATIONS = {"ExecutionTimeLimit", "Delay", "Interval", "DeleteExpiredTaskAfter"}


def _minutes(duration: str) -> float:
    parts = dict((unit, float(n)) for n, unit in re.findall(r"(\d+(?:\.\d+)?)([YMDHS])",
                                                             duration.split("T")[-1]))
    days = re.search(r"(\d+)D", duration.split("T")[0])
    return (int(days.group(1)) if days else 0) * 1440 + parts.get("H", 0) * 60 \
        + (parts.get("M", 0) if "T" in duration else 0) + parts.get("S", 0) / 60


def task_problems(data: bytes) -> list[str]:
    """What in a task definition file breaks the schema (empty when nothing does)."""
    if not data.startswith(b"\xff\xfe"):
        return ["not UTF-16 (little-endian, with a byte-order mark) as Task Scheduler writes"]
    text = data.decode("utf-16")
    if not text.startswith('<?xml version="1.0" encoding="UTF-16"?>'):
        return ["the XML declaration does not say UTF-16"]
    root = ET.fromstring(text.split("?>", 1)[1])
    problems: list[str] = []
    if root.tag != f"{{{NS}}}Task":
        return [f"the root is {root.tag}, not Task in {NS}"]
    if root.get("version") not in {"1.2", "1.3", "1.4"}:
        problems.append(f"Task version {root.get('version')!r}")
    _walk(root, problems)
    principals = {p.get("id") for p in root.iter(f"{{{NS}}}Principal")}
    actions = root.find(f"{{{NS}}}Actions")
    if actions is not None and actions.get("Context") not in principals | {None}:
        problems.append(f"Actions Context {actions.get('Context')!r} names no principal")
    return problems


def _walk(element: ET.Element, problems: list[str]) -> None:
    tag = element.tag.removeprefix(f"{{{NS}}}")
    names = [c.tag.removeprefix(f"{{{NS}}}") for c in element]
    if any(not c.tag.startswith(f"{{{NS}}}") for c in element):
        problems.append(f"{tag} has a child outside the task namespace")
    if tag == "Triggers":
        allowed, required = TRIGGERS, set()
    elif tag == "Actions":
        allowed, required = ACTIONS, set()
        if not 1 <= len(names) <= 32:
            problems.append("Actions holds 1 to 32 actions")
    else:
        allowed, required = CHILDREN.get(tag, (set(), set()))
        doubles = {n for n in names if names.count(n) > 1}
        if doubles:
            problems.append(f"{tag} repeats {sorted(doubles)}")
    problems.extend(f"{tag} may not hold {n}" for n in names if n not in allowed)
    problems.extend(f"{tag} needs {n}" for n in sorted(required - set(names)))
    if not names:
        _check_value(tag, (element.text or "").strip(), problems)
    for child in element:
        _walk(child, problems)


def _check_value(tag: str, value: str, problems: list[str]) -> None:
    if tag in ENUMS and value not in ENUMS[tag]:
        problems.append(f"{tag} {value!r} is not one of {sorted(ENUMS[tag])}")
    if tag in BOOLEANS and value not in BOOLEAN:
        problems.append(f"{tag} {value!r} is not a boolean")
    if tag in DURATIONS and not DURATION.fullmatch(value):
        problems.append(f"{tag} {value!r} is not an xs:duration")
    if tag == "Interval" and DURATION.fullmatch(value) and not 1 <= _minutes(value) <= 31 * 1440:
        problems.append(f"RestartOnFailure Interval {value} is outside PT1M..P31D")
    if tag == "Count" and not (value.isdigit() and 1 <= int(value) <= 255):
        problems.append(f"RestartOnFailure Count {value!r} is outside 1..255")
    if tag == "Priority" and not (value.isdigit() and 0 <= int(value) <= 10):
        problems.append(f"Priority {value!r} is outside 0..10")
    if tag == "Command" and not value:
        problems.append("Exec Command is empty")


UNIT_KEYS = {
    "Unit": {"Description", "Documentation", "Wants", "Requires", "After", "Before",
             "PartOf", "BindsTo", "Conflicts", "ConditionPathExists",
             "StartLimitIntervalSec", "StartLimitBurst"},
    "Service": {"Type", "ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop",
                "ExecReload", "Restart", "RestartSec", "TimeoutStartSec", "TimeoutStopSec",
                "WorkingDirectory", "Environment", "EnvironmentFile", "KillSignal",
                "KillMode", "SuccessExitStatus", "RestartPreventExitStatus",
                "StandardOutput", "StandardError", "Nice"},
    "Install": {"WantedBy", "RequiredBy", "Alias", "Also"},
}
RESTART = {"no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"}
TYPES = {"simple", "exec", "forking", "oneshot", "dbus", "notify", "notify-reload", "idle"}
TIMESPAN = re.compile(r"(\d+(\.\d+)?\s*(us|ms|s|sec|m|min|h|hr|d)?\s*)+|infinity")


def unit_problems(text: str) -> list[str]:
    """What in a unit file breaks systemd's documented sections, keys and values."""
    problems: list[str] = []
    section: str | None = None
    seen: dict[str, dict[str, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            if section not in UNIT_KEYS:
                problems.append(f"line {number}: unknown section [{section}]")
            seen.setdefault(section, {})
            continue
        key, sep, value = line.partition("=")
        if section is None or not sep:
            problems.append(f"line {number}: not Key=Value inside a section: {line!r}")
            continue
        if key not in UNIT_KEYS.get(section, set()):
            problems.append(f"line {number}: {key}= is not a [{section}] key")
        seen[section][key] = value
    service = seen.get("Service", {})
    for needed in ("Unit", "Service", "Install"):
        if needed not in seen:
            problems.append(f"no [{needed}] section")
    if service.get("Type", "simple") not in TYPES:
        problems.append(f"Type={service['Type']}")
    if service.get("Restart", "no") not in RESTART:
        problems.append(f"Restart={service['Restart']}")
    for key in ("RestartSec", "TimeoutStopSec"):
        if key in service and not TIMESPAN.fullmatch(service[key]):
            problems.append(f"{key}={service[key]} is not a time span")
    words = shlex.split(service.get("ExecStart", ""))
    if not words or not words[0].startswith("/"):
        problems.append("ExecStart must start with an absolute path")
    if not all(t.endswith(".target") for t in seen.get("Install", {}).get("WantedBy",
                                                                           "").split()):
        problems.append("WantedBy= names targets")
    return problems
