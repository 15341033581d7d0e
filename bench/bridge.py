"""Benchmark of the PC bridge (clients/bridge/runner.py) between the Act! sandbox and a real relay.

Run ``python bench/bridge.py`` (10,000 seeded contacts, median of 3 runs, about 5 minutes) or
``python bench/bridge.py --sizes 2000 --runs 1`` (a smoke test). ``--json FILE`` writes every
run's figures and the medians. Per run, in fresh temp directories, it starts the Act! sandbox
(``handsync act-sandbox serve --seed-contacts N``: N contacts plus the seed's companies,
groups, notes, histories, activities and opportunities) and the relay (``handsync relay
serve``) as subprocesses on 127.0.0.1, port 0, so neither shares the GIL with the bridge, and
measures:

1. **First mirror**: a fresh bridge home (``init_bridge``, ``Bridge(home).once()``: Act! →
   bridge replica → relay), then a fresh device home's first ``Device.sync()``; done when the
   device holds as many contacts as Act! lists (``ActClient.list_ids("contacts")``) less the
   user's own private ones, which Act! lists but the bridge keeps off the devices.
2. **Incremental poll**: 10 contacts PATCHed in Act! (``jobTitle``), one bridge pass without
   the delete sweep (``once(sweep=False)``), then a device sync that must show all 10; done
   twice (the first and a later poll after the first mirror); and a full pass with the sweep
   (deletes and group members) with nothing changed.
3. **Device edits to Act!**: the device edits 10 contacts and syncs; one bridge pass without
   the sweep, checked by reading the 10 contacts back from Act!.

The bridge and device stay open across a run's passes, as ``handsync bridge run`` and a
device app keep them. It prints the command line and the load average first. A pass whose
relay sync failed (the bridge only notes that and carries on) stops the benchmark with the
relay's reason.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Run as a script, this file's directory comes first on sys.path, and bench/engine.py and
# bench/relay.py would then shadow the engine and relay packages.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

from clients.act.client import ActClient
from clients.bridge.rules import Tally
from clients.bridge.runner import Bridge, BridgeConfig, init_bridge
from clients.device.home import Device, init_home
from relay.store import RelayStore

ROOT = Path(__file__).resolve().parent.parent  # the source tree the subprocesses must run
LOOPBACK = "127.0.0.1"
DB, USER, PASSWORD = "ActDemo", "Sam Sandbox", "bench-secret"
PASSWORD_ENV = "HANDSYNC_ACT_PASSWORD"
SPACE = "acme"
EDITS = 10  # contacts changed in Act!, and on the device
START_TIMEOUT = 120.0  # seconds for a server to listen (the sandbox seeds first)
TIMEOUT = 300.0  # seconds for any one relay sync or Act! call
TARGETS = {"first_mirror_s": 60.0, "poll_sync_s": 1.0}
log = logging.getLogger("bench.bridge")


def now_ms() -> int:
    return int(time.time() * 1000)


def handsync_cmd(*args: str) -> list[str]:
    """The ``handsync`` command line; the subprocess imports ROOT (see :func:`child_env`)."""
    exe = Path(sys.executable).parent / "handsync"
    base = [str(exe)] if exe.exists() else [sys.executable, "-c",
                                              "from clients.cli.main import main; main()"]
    return [*base, *args]


def child_env() -> dict[str, str]:
    """The environment of a server: the sandbox password, and ROOT first on the path, so the
    console script runs the same source as this benchmark (also from a copy of the repo)."""
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p != str(ROOT)]
    path = os.pathsep.join([str(ROOT), *filter(None, rest)])
    return {**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": path}


@contextmanager
def server(cmd: list[str], workdir: Path, name: str,
           listening: Callable[[str], str | None]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start a server process; yield it and the URL ``listening`` finds in its output."""
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as sink:  # a file, not a pipe: a full pipe would stall it
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink,
                                env=child_env())
    try:
        url, deadline = None, time.monotonic() + START_TIMEOUT
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            for line in log_path.read_text(errors="replace").splitlines():
                url = listening(line)
                if url:
                    break
        if url is None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} did not start (exit {proc.poll()}):\n{tail}")
        yield proc, url
    except Exception:
        log.error("%s log tail:\n%s", name, log_path.read_text(errors="replace")[-5000:])
        raise
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def relay_url(line: str) -> str | None:
    if '"listening"' not in line:
        return None
    return f"ws://{LOOPBACK}:{int(json.loads(line)['port'])}"


def sandbox_url(line: str) -> str | None:
    found = re.search(r"listening on (http://\S+)", line)
    return found.group(1) if found else None


def prepare(data: Path, devices: list[str]) -> dict[str, str]:
    """Create the space and a token per device BEFORE the relay starts (bench/relay.py says
    why: a RelayStore opened beside a running relay can drop its WAL)."""
    store = RelayStore(data)
    try:
        store.create_space(SPACE, now_ms())
        return {d: store.issue_token(SPACE, d, now_ms())[1] for d in devices}
    finally:
        store.close()


def act_client(url: str) -> ActClient:
    return ActClient(url, DB, USER, PASSWORD, password_env=PASSWORD_ENV, trust_env=False,
                     timeout=TIMEOUT)


def bridge_pass(bridge: Bridge, sweep: bool | None = None) -> Tally:
    """One ``Bridge.once``. The bridge only notes a failed relay sync and carries on (the
    devices get Act!'s changes next time); here that would time a pass that moved nothing
    to the devices, so it is an error."""
    tally = bridge.once(sweep=sweep)
    failure = bridge.state.get("last_sync_error")
    if failure:
        raise RuntimeError(f"the bridge's relay sync failed: {failure}")
    return tally


def contact_titles(device: Device, ids: list[str]) -> dict[str, Any]:
    return {rid: device.replica.get("contact", rid).get("job_title") for rid in ids}


def first_mirror(bridge_home: Path, device_home: Path, act_contacts: int,
                 out: dict[str, float]) -> tuple[Bridge, Device]:
    """Act! → bridge → relay → a new device, until the device holds every public contact.
    Returns the bridge and device, still open (the caller closes them)."""
    start = time.perf_counter()
    bridge = Bridge(bridge_home, wait=0)
    try:
        began = time.perf_counter()
        tally = bridge_pass(bridge)
        out["bridge_pass_s"] = time.perf_counter() - began
        log.info("  first pass pulled %s", tally.to_dict()["pulled"])
        device = Device(device_home, wait=0)
    except BaseException:
        bridge.close()
        raise
    try:
        began = time.perf_counter()
        report = device.sync(timeout=TIMEOUT)
        out["device_sync_s"] = time.perf_counter() - began
        out["first_mirror_s"] = time.perf_counter() - start
        held = len(device.replica.list("contact"))  # the check, not timed
    except BaseException:
        device.close()
        bridge.close()
        raise
    out["device_received_updates"] = report.received
    if held != act_contacts:
        device.close()
        bridge.close()
        raise RuntimeError(f"the device holds {held} contacts; Act! lists {act_contacts} public")
    return bridge, device


def incremental(act: ActClient, bridge: Bridge, device: Device, ids: list[str], name: str,
                out: dict[str, float]) -> None:
    """10 contacts PATCHed in Act!, one pass without the sweep, one device sync; the figures
    go under ``name``_pass_s and ``name``_sync_s."""
    wanted = {rid: f"Bench {name} {k}" for k, rid in enumerate(ids)}
    for rid, title in wanted.items():
        act.patch("contacts", rid, {"jobTitle": title})
    start = time.perf_counter()
    tally = bridge_pass(bridge, sweep=False)
    out[f"{name}_pass_s"] = time.perf_counter() - start
    device.sync(timeout=TIMEOUT)
    out[f"{name}_sync_s"] = time.perf_counter() - start
    log.info("  %s pass pulled %s", name, tally.to_dict()["pulled"])
    seen = contact_titles(device, ids)
    if seen != wanted:
        wrong = {rid: v for rid, v in seen.items() if v != wanted[rid]}
        raise RuntimeError(f"after the {name} pass the device shows other titles: {wrong}")


def sweep_pass(bridge: Bridge, out: dict[str, float]) -> None:
    """A full pass with the delete sweep and group members, nothing having changed."""
    start = time.perf_counter()
    tally = bridge_pass(bridge, sweep=True)
    out["sweep_pass_s"] = time.perf_counter() - start
    moved = tally.to_dict()
    if moved["pulled"] or moved["pushed"]:
        log.warning("  the sweep pass moved something: %s", moved)


def device_edits(act: ActClient, bridge: Bridge, device: Device, ids: list[str], run: int,
                 out: dict[str, float]) -> None:
    """The device edits 10 contacts and syncs; one pass without the sweep sends them to Act!."""
    wanted = {rid: f"Bench device {run}.{k}" for k, rid in enumerate(ids)}
    for rid, title in wanted.items():
        device.replica.update("contact", rid, {"job_title": title})
    device.sync(timeout=TIMEOUT)
    start = time.perf_counter()
    tally = bridge_pass(bridge, sweep=False)
    out["push_pass_s"] = time.perf_counter() - start
    log.info("  push pass pushed %s", tally.to_dict()["pushed"])
    seen = {rid: act.get("contacts", rid).get("jobTitle") for rid in ids}
    if seen != wanted:
        wrong = {rid: v for rid, v in seen.items() if v != wanted[rid]}
        raise RuntimeError(f"after the push Act! shows other titles: {wrong}")


def one_run(size: int, run: int) -> dict[str, float]:
    """A fresh sandbox, relay, bridge home and device home; every figure of one run."""
    out: dict[str, float] = {"load_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="bench-bridge-") as tmp:
        work = Path(tmp)
        tokens = prepare(work / "relay", ["bridge", "device"])
        started = time.perf_counter()
        sandbox_cmd = handsync_cmd("act-sandbox", "serve", "--data", str(work / "act.sqlite"),
                                   "--host", LOOPBACK, "--port", "0", "--database", DB,
                                   "--user", USER, "--password-env", PASSWORD_ENV,
                                   "--seed-contacts", str(size))
        with server(sandbox_cmd, work, "sandbox", sandbox_url) as (_, act_url), \
                server(handsync_cmd("relay", "serve", "--data", str(work / "relay"), "--host",
                                    LOOPBACK, "--port", "0"), work, "relay", relay_url) as \
                (_, relay):
            out["sandbox_start_s"] = time.perf_counter() - started
            with act_client(act_url) as act:
                listed = act.list_ids("contacts")
                # The user's own private contacts are listed, but never leave Act! (the
                # bridge keeps private records off the devices): the device gets the rest.
                private = {r["id"] for r in act.find("contacts", "isPrivate eq true",
                                                     select="id")}
                ids = [i for i in listed if i not in private]
                out["act_contacts"], out["act_private"] = len(listed), len(private)
                init_bridge(work / "bridge", BridgeConfig(act_url=act_url, database=DB,
                                                          user=USER, password_env=PASSWORD_ENV,
                                                          sync_timeout=TIMEOUT),
                            relay=relay, space=SPACE, token=tokens["bridge"])
                init_home(work / "device", relay, SPACE, tokens["device"], "bench-device",
                          auto_sync=False)
                log.info("run %d, %d contacts (%d listed, %d of them private): first mirror",
                         run + 1, size, len(listed), len(private))
                bridge, device = first_mirror(work / "bridge", work / "device", len(ids), out)
                try:
                    step = max(1, len(ids) // (3 * EDITS))
                    picked = sorted(ids)[::step][:3 * EDITS]
                    log.info("run %d: incremental poll, sweep pass, device edits", run + 1)
                    # The first poll after the first mirror, then a later one.
                    incremental(act, bridge, device, picked[:EDITS], "poll", out)
                    incremental(act, bridge, device, picked[EDITS:2 * EDITS], "poll2", out)
                    sweep_pass(bridge, out)
                    device_edits(act, bridge, device, picked[2 * EDITS:], run, out)
                finally:
                    device.close()
                    bridge.close()
    return out


ROWS = [  # label, key, target key
    ("sandbox start + seeding, s", "sandbox_start_s", ""),
    ("contacts Act! lists", "act_contacts", ""),
    ("  of them private (not mirrored)", "act_private", ""),
    ("first mirror: bridge pass, s", "bridge_pass_s", ""),
    ("first mirror: device sync, s", "device_sync_s", ""),
    ("first mirror: total until device holds all, s", "first_mirror_s", "first_mirror_s"),
    (f"poll with {EDITS} Act! changes: pass, s", "poll_pass_s", ""),
    (f"poll with {EDITS} Act! changes: pass + device sync, s", "poll_sync_s", "poll_sync_s"),
    (f"next poll with {EDITS} Act! changes: pass, s", "poll2_pass_s", ""),
    (f"next poll with {EDITS} Act! changes: pass + device sync, s", "poll2_sync_s",
     "poll_sync_s"),
    ("sweep pass (deletes + group members), s", "sweep_pass_s", ""),
    (f"pass with {EDITS} device edits to Act!, s", "push_pass_s", ""),
]

COUNTS = frozenset({"act_contacts", "act_private"})


def summarize(results: dict[int, list[dict[str, float]]]) -> tuple[list[dict[str, Any]], str]:
    rows: list[dict[str, Any]] = []
    lines = []
    for size, runs in results.items():
        head = f"{size:,} contacts ({len(runs)} run(s))"
        lines += [f"{head:56} {'median':>9} {'target':>8}  met   runs", "-" * 96]
        for label, key, target in ROWS:
            values = [r[key] for r in runs if key in r]
            if not values:
                continue
            median, goal = statistics.median(values), TARGETS.get(target)
            met = None if goal is None else median <= goal
            rows.append({"size": size, "metric": label, "median": median, "target": goal,
                         "met": met, "runs": values})
            digits = 0 if key in COUNTS else 3
            shown = "  ".join(f"{v:.{digits}f}" for v in values)
            cells = ("-" if goal is None else f"<={goal:g}",
                     "-" if met is None else "yes" if met else "NO")
            value = f"{median:9.{digits}f}"
            lines.append(f"{label:56} {value} {cells[0]:>8}  {cells[1]:4}  {shown}")
        lines.append("")
    return rows, "\n".join(lines)


def load_average() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="seeded contacts, e.g. 2000,10000")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (median)")
    parser.add_argument("--json", type=Path, help="write every run and the medians here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    # The bridge reads the Act! password from the variable its settings name, as in use.
    os.environ[PASSWORD_ENV] = PASSWORD
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per Act! request otherwise
    command = shlex.join([sys.executable, *sys.argv])
    uptime_start = load_average()
    print(f"command: {command}\nsource: {ROOT}\nuptime: {uptime_start}", flush=True)
    started = time.perf_counter()
    results: dict[int, list[dict[str, float]]] = {}
    for size in sizes:
        for run in range(args.runs):
            results.setdefault(size, []).append(one_run(size, run))
            log.info("run %d done: %s", run + 1,
                     {k: round(v, 3) for k, v in results[size][-1].items()})
    rows, table = summarize(results)
    uptime_end = load_average()
    print(table)
    print(f"uptime at the end: {uptime_end}\ntook {time.perf_counter() - started:.0f} s")
    if args.json:
        meta = {"command": command, "source": str(ROOT), "python": platform.python_version(),
                "cpus": len(os.sched_getaffinity(0)), "runs": args.runs, "sizes": sizes,
                "uptime_start": uptime_start, "uptime_end": uptime_end,
                "seconds": round(time.perf_counter() - started, 1)}
        args.json.write_text(json.dumps({"meta": meta, "rows": rows,
                                         "samples": {str(k): v for k, v in results.items()}},
                                        indent=1) + "\n")


if __name__ == "__main__":
    main()
