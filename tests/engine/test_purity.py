"""engine/ is the pure core: no threads, sockets, event loops or clock reads of its own,
and the one process-wide switch it flips (the garbage collector, while applying a
batch) is put back as it was."""

from __future__ import annotations

import ast
import gc
import threading
from pathlib import Path

import pytest

import engine.sqlite_store
from engine.errors import ProtocolError
from engine.sqlite_store import SqliteStore
from tests.engine.helpers import make

ENGINE = Path(engine.sqlite_store.__file__).resolve().parent
IMPURE_MODULES = {"threading", "asyncio", "socket", "websockets", "multiprocessing",
                  "concurrent", "subprocess", "time", "random", "secrets"}
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}


def _problems(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in IMPURE_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in IMPURE_MODULES:
                found.append(node.module)
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and (node.value.id, node.attr) in CLOCK_CALLS):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_engine_module_imports_io_threads_or_clocks() -> None:
    problems = {p.name: _problems(p.read_text()) for p in sorted(ENGINE.glob("*.py"))}
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("source", [
    "import threading", "from time import time", "import asyncio.tasks",
    "x = datetime.now()", "from concurrent.futures import ThreadPoolExecutor"])
def test_the_check_finds_what_it_looks_for(source: str) -> None:
    assert _problems(source)


def test_a_store_left_to_itself_starts_no_thread(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.sqlite_store, "CHECKPOINT_AFTER_PAGES", 1)
    started: list[str] = []
    real_start = threading.Thread.start

    def spy(self: threading.Thread) -> None:
        started.append(self.name)
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", spy)
    replica = make("a", 1, SqliteStore(tmp_path / "a.sqlite"))
    for n in range(20):
        replica.create("contact", {"first_name": f"P{n}"})  # a checkpoint is due each time
    replica.close()
    assert started == []


@pytest.mark.parametrize("enabled", [True, False])
def test_applying_puts_the_garbage_collector_back_as_it_was(enabled: bool) -> None:
    source, target = make("a", 1), make("b", 2)
    source.create("contact", {"first_name": "Ann"})
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        target.apply_remote([source.diff()])
        assert gc.isenabled() is enabled
        with pytest.raises(ProtocolError):
            target.apply_remote([b"\x07not an update"])
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
