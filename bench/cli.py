"""Benchmark of the ``handsync`` command line as a new user meets it.

Every measure runs ``handsync`` as a separate process, as a person would type it, and
times it from start to exit (wall clock); each is repeated and the median printed
against its target:

- ``handsync --help``;
- ``contact search TEXT`` and ``contact list --limit 50`` on a 10,000-contact home, with
  the relay up (so each first does its quick sync, which finds nothing new);
- ``import`` of a 10,000-contact JSON file into an empty home;
- the first ``sync`` of a brand-new device against a relay holding 10,000 contacts.

Run ``python bench/cli.py`` (10,000 contacts, 3 runs) or ``--size 1000 --runs 1`` for a
smoke run; ``--json FILE`` writes every sample. The relay listens on 127.0.0.1, port 0.
docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HANDSYNC = str(Path(sys.executable).parent / "handsync")
TIMEOUT = 300.0
TARGETS = {  # seconds, median; from the issue that asked for this benchmark
    "help": 0.25,
    "search": 0.4,
    "list50": 0.4,
    "import": 2.0,
    "first_sync": 1.0,
}
LABELS = {
    "help": "handsync --help",
    "search": "contact search TEXT, relay up",
    "list50": "contact list --limit 50, relay up",
    "import": "import N contacts (JSON)",
    "first_sync": "first sync of a new device",
}
_FIRST = ["Ann", "Bob", "Cleo", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Ines", "Jonas"]
_LAST = ["Novak", "Lee", "Garcia", "Okafor", "Schmidt", "Rossi", "Tanaka", "Silva"]


def handsync(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``handsync ARGS`` and return the finished process."""
    done = subprocess.run([HANDSYNC, *args], capture_output=True, text=True, timeout=TIMEOUT)
    if check and done.returncode != 0:
        raise SystemExit(f"handsync {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done


def timed(*args: str) -> float:
    """Seconds from start to exit of ``handsync ARGS`` (which must succeed)."""
    started = time.perf_counter()
    handsync(*args)
    return time.perf_counter() - started


def contacts_file(path: Path, size: int) -> None:
    """A JSON file of ``size`` contacts of the kind an Act! export holds."""
    records = []
    for i in range(size):
        first, last = _FIRST[i % len(_FIRST)], f"{_LAST[i % len(_LAST)]}{i}"
        records.append({
            "first_name": first, "last_name": last, "company": f"Company {i % 500}",
            "job_title": "Buyer" if i % 3 else "Sales Manager",
            "email": f"{first.lower()}.{last.lower()}@example.com",
            "business_phone": f"+1 555 {i % 1000:03d} {i % 10000:04d}",
            "mobile_phone": f"+44 7700 {i:06d}",
            "business_address_line1": f"{i} Market Street", "business_address_city": "Leeds",
            "business_address_postal_code": f"LS{i % 30} {i % 9}AB",
            "business_address_country": "United Kingdom",
        })
    path.write_text(json.dumps(records))


def start_relay(data: Path) -> tuple[subprocess.Popen[str], int]:
    """Start ``handsync relay serve`` on port 0 and wait for its 'listening' line."""
    proc = subprocess.Popen([HANDSYNC, "relay", "serve", "--data", str(data), "--port", "0"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if '"listening"' in line:
            return proc, int(json.loads(line)["port"])
    proc.kill()
    raise SystemExit("the relay did not start")


class Setup:
    """A relay with space ``bench`` and a way to make device homes in it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.data = workdir / "relay"
        handsync("relay", "space", "create", "bench", "--data", str(self.data))
        self.relay, port = start_relay(self.data)
        self.url = f"ws://127.0.0.1:{port}"
        self.count = 0

    def home(self, name: str) -> Path:
        """A new device home (its own token); nothing synced yet."""
        self.count += 1
        token = handsync("relay", "token", "issue", "bench", "--device", f"{name}{self.count}",
                         "--data", str(self.data)).stdout.strip().split()[-1]
        home = self.workdir / f"{name}{self.count}"
        handsync("device", "init", "--home", str(home), "--relay", self.url, "--space", "bench",
                 "--token", token, "--name", f"{name}{self.count}")
        return home

    def close(self) -> None:
        self.relay.terminate()
        try:
            self.relay.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.relay.kill()


def run_all(size: int, runs: int, workdir: Path, say: Callable[[str], None]) -> dict[str, list[float]]:
    """Take every sample; return them by measure."""
    samples: dict[str, list[float]] = {key: [] for key in TARGETS}
    source = workdir / "contacts.json"
    contacts_file(source, size)
    setup = Setup(workdir)
    try:
        for _ in range(max(runs, 5)):
            samples["help"].append(timed("--help"))
        say(f"--help: {samples['help']}")
        first = None
        for _ in range(runs):
            home = setup.home("importer")
            samples["import"].append(timed("import", str(source), "--home", str(home)))
            first = first or home
        say(f"import: {samples['import']}")
        assert first is not None
        handsync("sync", "--home", str(first))  # the relay now holds the contacts
        for _ in range(runs):
            home = setup.home("new")
            samples["first_sync"].append(timed("sync", "--home", str(home)))
        say(f"first sync: {samples['first_sync']}")
        reader = setup.home("reader")
        handsync("sync", "--home", str(reader))
        handsync("contact", "search", "Novak1", "--home", str(reader))  # a warm disk cache
        for _ in range(max(runs, 5)):
            samples["search"].append(timed("contact", "search", "Novak1", "--home", str(reader)))
            samples["list50"].append(timed("contact", "list", "--limit", "50", "--home",
                                           str(reader)))
        say(f"search: {samples['search']}; list --limit 50: {samples['list50']}")
        shown = handsync("contact", "list", "--limit", "50", "--json", "--home", str(reader))
        if len(json.loads(shown.stdout)) != min(50, size):
            raise SystemExit("contact list --limit 50 did not list 50 contacts")
    finally:
        setup.close()
    return samples


def table(samples: dict[str, list[float]], size: int) -> tuple[str, list[dict[str, Any]]]:
    """The printed table and its rows."""
    rows = []
    lines = [f"{'measure':42} {'median':>8} {'min':>7} {'max':>7} {'target':>7}  verdict"]
    for key, values in samples.items():
        median = statistics.median(values)
        target = TARGETS[key]
        verdict = "met" if median <= target else "MISSED"
        label = LABELS[key].replace("N ", f"{size:,} ")
        lines.append(f"{label:42} {median:7.3f}s {min(values):6.3f}s {max(values):6.3f}s "
                     f"{target:6.2f}s  {verdict}")
        rows.append({"measure": key, "median_s": median, "samples_s": values,
                     "target_s": target, "met": median <= target})
    return "\n".join(lines), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="contacts (default 10,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (default 3)")
    parser.add_argument("--json", type=Path, help="write every sample to this file")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    args = parser.parse_args()
    if not Path(HANDSYNC).exists():
        raise SystemExit(f"{HANDSYNC} not found: run from the project's .venv (make bench)")
    say = (lambda _text: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    with tempfile.TemporaryDirectory(prefix="hs-bench-cli-") as tmp:
        samples = run_all(args.size, args.runs, Path(tmp), say)
    text, rows = table(samples, args.size)
    print(f"handsync CLI, {args.size:,} contacts, {args.runs} run(s), "
          f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"size": args.size, "runs": args.runs, "rows": rows},
                                        indent=2))


if __name__ == "__main__":
    main()
