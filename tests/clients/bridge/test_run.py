"""`handsync bridge run` as a service runs it: stopped by the service manager's signal, and
everything it says kept in the rotating log in the bridge home."""

from __future__ import annotations

import functools
import signal
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from clients.bridge.logs import BridgeLog, log_path
from clients.bridge.runner import Bridge, BridgeConfig, init_bridge
from clients.cli import bridge as bridge_cli
from clients.cli.main import cli
from clients.device.home import Device
from tests.clients.conftest import HANDSYNC, TIMEOUT

HEADER = "Contact ID,First Name,Last Name,E-mail,Job Title,Edit Date,User 1,handsync id\r\n"


def csv_bridge(tmp_path: Path) -> Path:
    """A bridge on a CSV export, with a relay address nothing listens on (a pass still runs:
    an unreachable relay only skips the syncs)."""
    export = tmp_path / "contacts.csv"
    export.write_text(HEADER + "6f4a3b1e-0d5c-4f8e-9a71-2b3c4d5e6f01,Ann,Lee,,,"
                      "2026-11-01 09:00,,\r\n", encoding="cp1252")
    home = tmp_path / "bridge"
    init_bridge(home, BridgeConfig(act_csv=str(export)), relay="ws://127.0.0.1:9",
                space="acme", token="hs_unused")
    return home


def _wait_line(proc: subprocess.Popen[str], text: str) -> list[str]:
    assert proc.stderr is not None
    seen: list[str] = []
    for _ in range(200):
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"no {text!r} in {seen}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_bridge_cleanly_and_the_log_keeps_what_it_said(
    tmp_path: Path, sig: signal.Signals
) -> None:
    home = csv_bridge(tmp_path)
    proc = subprocess.Popen([HANDSYNC, "bridge", "run", "--home", str(home), "--interval", "600"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        _wait_line(proc, "from Act!: 1 contact created")
        proc.send_signal(sig)  # SIGTERM: `systemctl --user stop`; SIGINT: Ctrl-C
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
        assert proc.stderr is not None
        proc.stderr.close()
    lines = log_path(home).read_text(encoding="utf-8").splitlines()
    assert "bridge running: a pass every 600 s" in lines[0]
    assert any(line.endswith("from Act!: 1 contact created; to Act!: nothing") for line in lines)
    assert lines[-1].endswith("bridge stopped")
    assert all(line[:20].endswith("Z") and line[4] == "-" for line in lines)  # UTC stamps


def test_run_on_a_folder_without_a_bridge_fails_clearly_and_writes_nothing(
    tmp_path: Path,
) -> None:
    done = subprocess.run([HANDSYNC, "bridge", "run", "--home", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 1
    assert "is not a bridge home" in done.stderr
    assert not (tmp_path / "none").exists()


def test_the_log_rotates_by_size_and_keeps_a_bounded_number_of_files(tmp_path: Path) -> None:
    with BridgeLog(tmp_path, max_bytes=2000, backups=2) as log:
        for n in range(200):
            log.write(f"pass {n}: from Act!: nothing; to Act!: nothing")
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files == ["bridge.log", "bridge.log.1", "bridge.log.2"]
    assert all(p.stat().st_size <= 2000 for p in (tmp_path / "logs").iterdir())
    last = log_path(tmp_path).read_text(encoding="utf-8").splitlines()[-1]
    assert last.endswith("pass 199: from Act!: nothing; to Act!: nothing")



def test_a_busy_home_is_a_clear_error_and_the_log_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = csv_bridge(tmp_path)
    # Give up at once instead of waiting 15 s for a holder that never hands over.
    monkeypatch.setattr(bridge_cli, "Bridge", functools.partial(Bridge, wait=0))
    with Device(home):  # another process's bridge, as far as the lock can tell
        done = CliRunner().invoke(cli, ["bridge", "run", "--home", str(home)])
    assert done.exit_code == 1
    assert "another handsync process is using" in done.output
    assert "bridge could not start: another handsync process" in \
        log_path(home).read_text(encoding="utf-8")
