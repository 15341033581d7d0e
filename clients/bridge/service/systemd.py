"""The bridge as a systemd user unit (Linux).

``~/.config/systemd/user/NAME.service`` (``$XDG_CONFIG_HOME`` if set): a simple service,
restarted 30 s after it fails (``Restart=on-failure``), stopped with SIGTERM (which
``bridge run`` handles), enabled for ``default.target`` so it starts with the user's
systemd; ``loginctl enable-linger`` makes that happen at boot without a login. The Act!
password variable comes from ``service.env`` in the bridge home, if the user creates it
(the unit never holds the password).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from clients.bridge.service.commands import Launch, Runner, ServiceError, checked, write_file

SYSTEMCTL = ("systemctl", "--user")
ENV_FILE = "service.env"


def unit_dir() -> Path:
    """Where systemd looks for the user's own units."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def quote(word: str) -> str:
    """One ExecStart word, as systemd.service(5) parses it: ``%`` specifiers and ``$``
    variables escaped by doubling; double quotes when it holds a space, quote or backslash."""
    word = word.replace("%", "%%").replace("$", "$$")
    if any(c.isspace() or c in "\"'\\;" for c in word) or not word:
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word


def unit_text(launch: Launch, *, description: str, env_file: str) -> str:
    """The unit file, as text."""
    command = " ".join(quote(w) for w in (launch.program, *launch.arguments))
    directory = launch.directory.replace("%", "%%")
    return "\n".join([
        "[Unit]",
        f"Description={description.replace('%', '%%')}",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={command}",
        f"WorkingDirectory={directory}",
        f"EnvironmentFile=-{env_file.replace('%', '%%')}",
        "Restart=on-failure",
        "RestartSec=30",
        "TimeoutStopSec=60",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ])


class SystemdUser:
    """The user's systemd manager through ``systemctl --user``."""

    title = "systemd (user)"

    def install(self, home: Path, name: str, launch: Launch, runner: Runner,
                start: str = "logon") -> list[str]:
        """Write the unit (replacing an earlier one), reload, enable and start it; for
        ``boot``, also let the user's manager run without a login (``loginctl
        enable-linger``), so the unit starts when the PC does."""
        unit = f"{name}.service"
        path = unit_dir() / unit
        write_file(path, unit_text(launch, description=f"handsync bridge for {home}",
                                   env_file=str(home / ENV_FILE)).encode("utf-8"))
        checked(runner, [*SYSTEMCTL, "daemon-reload"])
        checked(runner, [*SYSTEMCTL, "enable", "--now", unit])
        if start == "boot":
            checked(runner, ["loginctl", "enable-linger"])
            when = "starts at boot (lingering is on for this user)"
        else:
            when = "starts when you log in (--start boot: at boot, without a login)"
        return [f"wrote {path}", f"enabled and started {unit}: {when}, restarts on failure",
                f"its log is {home / 'logs' / 'bridge.log'}"]

    def uninstall(self, home: Path, name: str, runner: Runner) -> list[str]:
        """Stop and disable the unit, remove its file, reload."""
        unit = f"{name}.service"
        path = unit_dir() / unit
        if not path.exists():
            raise ServiceError(f"there is no unit {path} to remove")
        checked(runner, [*SYSTEMCTL, "disable", "--now", unit])
        path.unlink()
        checked(runner, [*SYSTEMCTL, "daemon-reload"])
        return [f"stopped, disabled and removed {unit}; the bridge home {home} is kept"]

    def query(self, name: str, runner: Runner) -> dict[str, Any]:
        """Installed, running, and systemd's own states and restart count."""
        done = checked(runner, [*SYSTEMCTL, "show", f"{name}.service",
                                "--property=LoadState,ActiveState,SubState,UnitFileState,"
                                "NRestarts,ExecMainStartTimestamp"])
        props = dict(line.partition("=")[::2] for line in done.stdout.splitlines() if "=" in line)
        installed = props.get("LoadState") == "loaded"
        return {"installed": installed,
                "running": props.get("ActiveState") == "active",
                "state": f"{props.get('ActiveState', '?')} ({props.get('SubState', '?')})",
                "enabled": props.get("UnitFileState") or None,
                "restarts": int(props["NRestarts"]) if props.get("NRestarts", "").isdigit()
                else None,
                "started": props.get("ExecMainStartTimestamp") or None}
