"""The home lock (filelock) with its hand-off, and where homes live by default."""

from __future__ import annotations

import threading
import time
from pathlib import Path, PureWindowsPath

import pytest
from platformdirs.macos import MacOS
from platformdirs.unix import Unix
from platformdirs.windows import Windows

from clients.device.home import (
    WANT,
    Device,
    HomeBusyError,
    default_home,
    handoff_requested,
    home_in_use,
    init_home,
)

DEADLINE = 10.0


@pytest.fixture
def home(tmp_path: Path) -> Path:
    init_home(tmp_path / "ann", "ws://127.0.0.1:9", "acme", "hs_token", "ann")
    return tmp_path / "ann"


def test_a_second_opener_is_refused_at_once_and_nothing_is_left_asking(home: Path) -> None:
    with Device(home):
        began = time.monotonic()
        with pytest.raises(HomeBusyError, match="did not let go"):
            Device(home, wait=0)
        assert time.monotonic() - began < 1
        assert not handoff_requested(home)
    Device(home, wait=0).close()  # released on close


def test_a_holder_that_watches_hands_the_home_over(home: Path) -> None:
    holder = Device(home)
    asked = threading.Event()

    def step_aside() -> None:
        end = time.monotonic() + DEADLINE
        while not handoff_requested(home) and time.monotonic() < end:
            time.sleep(0.01)  # polling a file for a condition, bounded by the deadline
        asked.set()
        holder.close()

    thread = threading.Thread(target=step_aside)
    thread.start()
    with Device(home, wait=DEADLINE) as taker:
        assert asked.is_set()
        assert taker.config.name == "ann"
    thread.join(DEADLINE)
    assert not (home / WANT).exists()


def test_a_home_opened_in_one_thread_is_released_from_another(home: Path) -> None:
    # `sync --watch` opens the Device in a worker thread and closes it on the loop's thread.
    opened: list[Device] = []
    thread = threading.Thread(target=lambda: opened.append(Device(home)))
    thread.start()
    thread.join(DEADLINE)
    assert home_in_use(home)
    opened[0].close()
    assert not home_in_use(home)
    Device(home, wait=0).close()


def test_home_in_use_asks_nobody_to_step_aside(home: Path) -> None:
    assert not home_in_use(home)
    with Device(home):
        assert home_in_use(home)
        assert not handoff_requested(home)


def test_handsync_home_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HANDSYNC_HOME", str(tmp_path / "elsewhere"))
    assert default_home() == tmp_path / "elsewhere"


def test_linux_keeps_the_xdg_data_folder(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    monkeypatch.delenv("HANDSYNC_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_home("linux", Unix) == tmp_path / "data" / "handsync"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "ann"))
    assert default_home("linux", Unix) == tmp_path / "ann" / ".local" / "share" / "handsync"


def test_windows_uses_local_appdata(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HANDSYNC_HOME", raising=False)
    # platformdirs' documented override stands in for the Known Folder API off Windows.
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", r"C:\Users\ann\AppData\Local")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # ignored on Windows, even if present
    (tmp_path / "handsync").mkdir()
    found = default_home("win32", Windows)
    assert PureWindowsPath(str(found)) == PureWindowsPath(r"C:\Users\ann\AppData\Local\handsync")


def test_elsewhere_an_earlier_home_stays_put_and_a_new_one_follows_the_platform(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HANDSYNC_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    new = tmp_path / "Library" / "Application Support" / "handsync"
    assert default_home("darwin", MacOS) == new
    (tmp_path / ".local" / "share" / "handsync").mkdir(parents=True)
    assert default_home("darwin", MacOS) == tmp_path / ".local" / "share" / "handsync"
