"""Run in a subprocess by test_portable.py: make POSIX-only modules unimportable, import
every module of clients/, then walk a device's and the bridge's main paths through the
command line, in this process. Prints a JSON report on the last line of stdout.

Usage: python portable_run.py WORKDIR RELAY_URL DEVICE_TOKEN BRIDGE_TOKEN
(a relay with space ``acme``, running in a process of its own: the relay is POSIX-first)
"""

from __future__ import annotations

import importlib
import importlib.abc
import json
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

BLOCKED = frozenset({"fcntl", "termios", "pwd", "grp", "resource"})


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses the POSIX-only modules, as Windows' Python would, and notes who asked."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> None:
        if fullname.partition(".")[0] in BLOCKED:
            self.refused.append(fullname)
            raise ModuleNotFoundError(f"No module named {fullname!r} (blocked: POSIX-only)",
                                      name=fullname)
        return None


def main(work: Path, relay: str, tokens: tuple[str, str]) -> dict[str, object]:
    for name in [n for n in sys.modules if n.partition(".")[0] in BLOCKED]:
        del sys.modules[name]  # loaded by the interpreter's start-up, not by handsync
    blocker = Blocker()
    sys.meta_path.insert(0, blocker)

    import clients
    imported = [info.name for info in pkgutil.walk_packages(clients.__path__, "clients.")
                if not info.name.endswith("__main__")]
    for name in imported:
        importlib.import_module(name)
    return {"imported": imported, "paths": _main_paths(work, relay, tokens),
            "refused": blocker.refused,
            "loaded": sorted(n for n in sys.modules if n.partition(".")[0] in BLOCKED)}


def _main_paths(work: Path, relay_url: str, tokens: tuple[str, str]) -> dict[str, object]:
    from click.testing import CliRunner

    from clients.bridge.service import Completed
    from clients.cli import bridge as bridge_cli
    from clients.cli.main import cli

    calls: list[list[str]] = []

    def runner(argv: Sequence[str]) -> Completed:
        calls.append(list(argv))
        if "/Query" in argv:  # schtasks' verbose CSV line for a running task
            return Completed(0, '"PC","\\handsync-bridge","N/A","Running","Interactive only",'
                                '"03/12/2026 16:00:00","267009","ACME\\ann","x"\r\n', "")
        return Completed(0, "", "")

    bridge_cli.SERVICE_PLATFORM = "win32"
    bridge_cli.SERVICE_RUNNER = runner
    export = work / "contacts.csv"
    export.write_text("Contact ID,First Name,Last Name,Edit Date\r\n"
                      "6f4a3b1e-0d5c-4f8e-9a71-2b3c4d5e6f01,Ann,Lee,2026-11-01 09:00\r\n",
                      encoding="cp1252")
    device, bridge = str(work / "device"), str(work / "bridge")
    relay = ["--relay", relay_url, "--space", "acme"]
    steps = {
        "device init": ["device", "init", "--home", device, *relay, "--token", tokens[0],
                        "--name", "ann", "--no-auto-sync"],
        "contact add": ["contact", "add", "--home", device, "--first-name", "Cy"],
        "sync": ["sync", "--home", device, "--json"],
        "bridge init": ["bridge", "init", "--home", bridge, "--act-csv", str(export), *relay,
                        "--token", tokens[1]],
        "bridge once": ["bridge", "once", "--home", bridge, "--json"],
        "bridge status": ["bridge", "status", "--home", bridge, "--json"],
        "sync again": ["sync", "--home", device, "--json"],
        "contact list": ["contact", "list", "--home", device, "--json"],
        "status": ["status", "--home", device, "--json"],
        "export": ["export", "--home", device, "--format", "csv",
                   "--output", str(work / "out.csv")],
        "service install": ["bridge", "service", "install", "--home", bridge],
        "service status": ["bridge", "service", "status", "--home", bridge, "--json"],
    }
    results: dict[str, object] = {}
    for label, args in steps.items():
        done = CliRunner().invoke(cli, args, env={"USERNAME": "ann", "USERDOMAIN": "ACME"})
        results[label] = {"exit": done.exit_code, "output": done.output[-2000:],
                          "error": repr(done.exception) if done.exit_code else None}
    return {"steps": results, "service_calls": calls}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2], (sys.argv[3], sys.argv[4]))))
