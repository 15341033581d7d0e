"""Windows cannot run in CI here, so these hold the line on Linux (docs/bridge.md, "What
was checked for Windows"):

- every module of clients/ imports, and a device's and the bridge's main paths run (syncing
  through a real relay on 127.0.0.1, in a process of its own), with the POSIX-only
  modules (fcntl, termios, pwd, grp, resource) made unimportable by a meta-path blocker
  in a subprocess (tests/clients/portable_run.py);
- the files those paths create have names Windows accepts;
- a source check fails on POSIX-only calls in clients/ (the list below).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Any

import pytest

import clients
from relay.store import RelayStore
from tests.clients.bridge.schemas import task_problems
from tests.clients.conftest import TIMEOUT, start_relay

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"
RUN = Path(__file__).with_name("portable_run.py")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    work = tmp_path_factory.mktemp("portable")
    store = RelayStore(work / "relay")
    now = int(time.time() * 1000)
    store.create_space("acme", now)
    tokens = [store.issue_token("acme", name, now)[1] for name in ("ann", "bridge")]
    store.close()
    relay, port = start_relay(work / "relay")  # its own process: the relay is POSIX-first
    try:
        done = subprocess.run([sys.executable, str(RUN), str(work), f"ws://127.0.0.1:{port}",
                               *tokens], capture_output=True, text=True, timeout=TIMEOUT * 4,
                              cwd=ROOT)
    finally:
        relay.kill()
        relay.wait(timeout=TIMEOUT)
        if relay.stderr is not None:
            relay.stderr.close()
    assert done.returncode == 0, done.stderr[-3000:]
    yield json.loads(done.stdout.splitlines()[-1]), work


def test_every_module_of_clients_imports_without_posix_only_modules(
    report: tuple[dict[str, Any], Path],
) -> None:
    found, _ = report
    expected = [info.name for info in pkgutil.walk_packages(clients.__path__, "clients.")
                if not info.name.endswith("__main__")]
    assert found["imported"] == expected
    assert {"clients.device.home", "clients.bridge.runner", "clients.bridge.service.windows",
            "clients.act_sandbox.server", "clients.stop"} <= set(found["imported"])
    assert found["loaded"] == []  # something asked (filelock probes fcntl) but nothing got one


def test_a_devices_and_the_bridges_main_paths_run_without_them(
    report: tuple[dict[str, Any], Path],
) -> None:
    found, work = report
    steps = found["paths"]["steps"]
    failed = {label: step for label, step in steps.items() if step["exit"] != 0}
    assert failed == {}
    assert '"contact created": 1' in steps["bridge once"]["output"]
    # The device's contact reached the relay, the bridge, and Act!'s contact the device.
    assert json.loads(steps["sync"]["output"])["sent"] >= 1
    assert json.loads(steps["sync again"]["output"])["records_changed"] >= 1
    names = {c.get("first_name") for c in json.loads(steps["contact list"]["output"])}
    assert names == {"Ann", "Cy"}
    assert json.loads(steps["service status"]["output"])["running"] is True
    assert found["paths"]["service_calls"][0][:4] == ["schtasks", "/Create", "/TN",
                                                      "handsync-bridge"]
    assert task_problems((work / "bridge" / "service" / "handsync-bridge.xml").read_bytes()) == []


RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
            *(f"LPT{n}" for n in range(1, 10))}


def windows_name_problems(name: str) -> list[str]:
    """Why Windows would refuse a file name (Naming Files, Paths, and Namespaces)."""
    problems = [f"{name!r} holds {c!r}" for c in '<>:"/\\|?*' if c in name]
    problems += [f"{name!r} holds a control character" for c in name if ord(c) < 32][:1]
    if name.split(".")[0].upper() in RESERVED:
        problems.append(f"{name!r} is a reserved device name")
    if name.endswith((".", " ")):
        problems.append(f"{name!r} ends with a dot or space")
    if len(name) > 255:
        problems.append(f"{name!r} is longer than 255 characters")
    return problems


def test_the_files_those_paths_create_have_names_windows_accepts(
    report: tuple[dict[str, Any], Path],
) -> None:
    _, work = report
    problems: list[str] = []
    for folder in (work / "device", work / "bridge"):
        paths = sorted(folder.rglob("*"))
        assert len(paths) >= 2, paths
        for path in paths:
            problems += windows_name_problems(path.name)
        lowered = [str(p.relative_to(folder)).lower() for p in paths]
        problems += [f"{name} differs only in case" for name in lowered
                     if lowered.count(name) > 1]
    assert problems == []


def test_the_windows_name_rules_catch_bad_names() -> None:
    assert windows_name_problems("home.lock") == []
    for bad in ("a:b", "CON", "nul.txt", "x.", "a?", "com1.json"):
        assert windows_name_problems(bad), bad


# the source check -------------------------------------------------------------------------------

POSIX_MODULES = {"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix",
                 "syslog", "crypt", "spwd", "nis", "curses", "_posixsubprocess", "readline"}
POSIX_OS = {"fork", "forkpty", "getuid", "geteuid", "getgid", "getegid", "setuid", "setgid",
            "setsid", "getpgid", "setpgid", "killpg", "chown", "lchown", "fchown", "mkfifo",
            "mknod", "statvfs", "fstatvfs", "uname", "getloadavg", "nice", "sync", "pipe2",
            "openpty", "wait3", "wait4", "WNOHANG", "O_NONBLOCK", "O_NOFOLLOW", "O_CLOEXEC",
            "register_at_fork", "getgroups", "initgroups", "ttyname", "ctermid", "sysconf",
            "pathconf", "fpathconf", "confstr", "posix_spawn", "sched_setaffinity",
            "sched_getaffinity", "getpwnam", "fchmod", "chroot"}
POSIX_SIGNAL = {"SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGQUIT", "SIGCHLD",
                "SIGPIPE", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGWINCH", "alarm", "setitimer",
                "getitimer", "pause", "siginterrupt", "sigwait", "pthread_kill",
                "pthread_sigmask", "sigpending", "SIGBREAK"}  # SIGBREAK: Windows only
#: Where a call that fails on one system is made on purpose, with its fallback beside it.
ALLOWED = {("clients/stop.py", "add_signal_handler")}


def posix_only_uses(source: str, filename: str) -> list[str]:
    """Each use in ``source`` of something POSIX-only (or Windows-only), as 'file:line what'."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name.partition(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module.partition(".")[0]]
        found += [f"{filename}:{node.lineno} import {n}" for n in names if n in POSIX_MODULES]
        if isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            what = f"{owner}.{node.attr}"
            if (owner == "os" and node.attr in POSIX_OS) or \
               (owner == "signal" and node.attr in POSIX_SIGNAL):
                found.append(f"{filename}:{node.lineno} {what}")
            elif node.attr == "add_signal_handler" and \
                    (filename, node.attr) not in ALLOWED:
                found.append(f"{filename}:{node.lineno} .add_signal_handler (raises "
                             "NotImplementedError on Windows; use clients.stop.loop_stops)")
    return found


def test_no_posix_only_calls_in_clients() -> None:
    files = sorted(CLIENTS.rglob("*.py"))
    assert len(files) > 40
    found: list[str] = []
    for path in files:
        name = PurePath(path.relative_to(ROOT)).as_posix()
        found += posix_only_uses(path.read_text(encoding="utf-8"), name)
    assert found == []


@pytest.mark.parametrize("snippet", [
    "import fcntl", "import pwd, os", "from termios import tcgetattr", "import resource",
    "os.getuid()", "os.fork()", "x = os.O_NONBLOCK", "signal.signal(signal.SIGHUP, f)",
    "signal.alarm(3)", "loop.add_signal_handler(signal.SIGTERM, stop.set)",
    "signal.signal(signal.SIGBREAK, f)",
])
def test_the_source_check_catches_posix_only_calls(snippet: str) -> None:
    assert posix_only_uses(snippet, "clients/x.py"), snippet


def test_the_source_check_lets_portable_calls_through() -> None:
    portable = ("import os, signal\nos.replace(a, b)\nsignal.signal(signal.SIGTERM, f)\n"
                "getattr(signal, 'SIGBREAK', None)\nos.fsync(fd)\n")
    assert posix_only_uses(portable, "clients/x.py") == []
