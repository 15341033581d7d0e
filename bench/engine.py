"""Benchmark of the sync engine: build, size, open, memory, edit bytes, remote-apply rate.

Run ``python bench/engine.py`` (1k, 10k and 100k contacts, median of 3 runs) or
``python bench/engine.py --quick`` (1k, one run: a CI smoke test). Every run of every
size happens in fresh subprocesses, so one size's memory never pollutes another's:
one process builds the replica and measures everything but opening, then one fresh
process per variant opens the stored file and measures time and memory.
docs/benchmarks.md explains each figure and holds the latest results.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map

# Run as a script, this file's directory comes first on sys.path, and this file's
# name would then shadow the engine package.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import engine
from engine.clock import make_stamp
from engine.registers import encode_value, entry_key
from engine.replica import Replica
from engine.schema import KINDS, normalize_fields
from engine.sqlite_store import SqliteStore

TARGET_OPEN_S = 0.5  # at 10k contacts, compacted
TARGET_EDIT_BYTES = 128
TARGET_APPLY_PER_S = 20_000
MAX_EDITS = 5_000  # remote one-field edits per apply mode (fewer if the space is smaller)

FIRST = ["Ann", "Bob", "Carla", "Deepak", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
         "Kemi", "Liam", "Maya", "Nils", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara"]
LAST = ["Smith", "Okafor", "Müller", "García", "Nguyen", "Kowalski", "Rossi", "Johansson",
        "O'Brien", "Tanaka", "Dubois", "Silva", "Novak", "Haddad", "Petrov", "Fischer"]
COMPANY = ["Acme Industrial Supply", "Northwind Traders", "Blue Ridge Logistics",
           "Harbor & Finch LLP", "Contoso Medical Devices", "Summit Roofing Co."]
TITLE = ["Regional Sales Manager", "Purchasing Director", "Office Administrator",
         "Chief Financial Officer", "Field Service Engineer", "Account Executive"]
DEPT = ["Sales", "Procurement", "Finance", "Operations", "Engineering", "Administration"]
STREET = ["Main Street", "Oak Avenue", "Industrial Parkway", "Harbor Road", "Elm Court"]
CITY = [("Springfield", "IL", "62701"), ("Columbus", "OH", "43215"), ("Austin", "TX", "78701"),
        ("Portland", "OR", "97204"), ("Raleigh", "NC", "27601")]


def contact(rng: random.Random, i: int) -> dict[str, str]:
    """Return one realistic contact of 20-21 string fields, as create() receives it."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company = rng.choice(COMPANY)
    domain = company.split()[0].lower().strip("&.") + ".example"
    city, state, postal = rng.choice(CITY)

    def phone() -> str:
        return f"+1 ({rng.randint(200, 989)}) 555-{rng.randint(0, 9999):04d}"

    fields = {
        "first_name": first, "last_name": last, "full_name": f"{first} {last}",
        "salutation": f"Dear {first}", "company": company, "job_title": rng.choice(TITLE),
        "department": rng.choice(DEPT), "email": f"{first}.{last}{i}@{domain}".lower(),
        "personal_email": f"{first}{i}@mail.example".lower(),
        "business_phone": f"{phone()} x{rng.randint(100, 9999)}", "mobile_phone": phone(),
        "fax_phone": phone(), "home_phone": phone(),
        "business_address_line1": f"{rng.randint(1, 9999)} {rng.choice(STREET)}",
        "business_address_city": city, "business_address_state": state,
        "business_address_postal_code": postal, "business_address_country": "United States",
        "website": f"https://www.{domain}", "id_status": rng.choice(["Customer", "Prospect"]),
    }
    if i % 3 == 0:
        fields["business_address_line2"] = f"Suite {rng.randint(100, 999)}"
    return fields


def engine_fingerprint() -> str:
    """A short hash of the engine source this process imported (to spot mixed versions)."""
    digest = hashlib.sha256()
    for source in sorted(Path(engine.__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()[:12]


ENGINE = engine_fingerprint()  # taken at import, next to the import it describes


def start_thread(job: Callable[[], None]) -> threading.Thread:
    """Checkpoints on a thread, as the device client runs them (clients/device/home.py);
    imported from there, it would load the client's network modules into every run."""
    thread = threading.Thread(target=job, name="bench-checkpoint", daemon=True)
    thread.start()
    return thread


def open_replica(path: Path, replica_id: str = "bench", synchronous: str = "FULL") -> Replica:
    """Open a replica as an app does: a SqliteStore checkpointing on a thread of the
    caller's (as the device client's does), and a wall clock."""
    return Replica(SqliteStore(path, synchronous=synchronous, start=start_thread),
                   clock=lambda: int(time.time() * 1000), replica_id=replica_id)


def import_update(people: list[dict[str, str]], first_index: int) -> bytes:
    """One update holding ``people`` as a peer's create() would write them (the bulk path)."""
    doc, stamp = Doc(), make_stamp(int(time.time() * 1000))
    root = doc.get(KINDS["contact"].root, type=Map)
    with doc.transaction():
        for offset, fields in enumerate(people):
            rid = f"import-{first_index + offset}"
            values = normalize_fields("contact", fields, record_id=rid)
            root[rid] = Map({entry_key(name, stamp, "importer"): encode_value(value)
                             for name, value in values.items() if value is not None})
    return doc.get_update()


def build(a: Replica, size: int, budget_s: float, out: dict[str, Any]) -> list[str]:
    """Create ``size`` contacts one by one (a commit each) until the budget runs out."""
    rng = random.Random(size)
    people = [contact(rng, i) for i in range(size)]
    ids: list[str] = []
    start = time.perf_counter()
    for fields in people:
        ids.append(a.create("contact", fields))
        if time.perf_counter() - start > budget_s:
            break
    elapsed, done = time.perf_counter() - start, len(ids)
    out.update(created_one_by_one=done, create_per_s=done / elapsed,
               build_s=elapsed * size / done, build_extrapolated=done < size, bulk_rest_s=0.0)
    if done < size:
        start = time.perf_counter()
        a.apply_remote([import_update(people[done:], done)])
        out["bulk_rest_s"] = time.perf_counter() - start
        ids += [f"import-{i}" for i in range(done, size)]
    return ids


def peer_round(b: Replica, chosen: list[str], tag: str) -> list[bytes]:
    """The peer edits one field of each chosen contact; return its updates, one per edit."""
    after = b.last_seq
    for i, rid in enumerate(chosen):
        b.update("contact", rid, {"email": f"{tag}{i}@peer.example"})
    updates = [u for _, u in b.outbox(after_seq=after)]
    assert len(updates) == len(chosen), "one outbox entry per edit expected"
    return updates


def apply_rate(a: Replica, updates: list[bytes], per_call: int) -> float:
    """Apply updates through apply_remote, ``per_call`` at a time; return edits per second."""
    start = time.perf_counter()
    for i in range(0, len(updates), per_call):
        result = a.apply_remote(updates[i:i + per_call])
        assert not result.missing, "in-order updates must integrate"
    return len(updates) / (time.perf_counter() - start)


def reference_ms() -> float:
    """Time a fixed workload of the kind the engine does (Python dicts and strings,
    JSON, SQLite inserts): the median of three, in ms. This machine is shared and
    its speed varies by tens of percent from minute to minute; a run whose
    reference took longer ran on a slower machine. The garbage collector is kept
    still meanwhile: its passes over a replica open in this process would
    otherwise land in the reference."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        times = [_reference_once() for _ in range(3)]
    finally:
        if was_enabled:
            gc.enable()
    return statistics.median(times)


def _reference_once() -> float:
    start = time.perf_counter()
    rng = random.Random(7)
    rows = [{"id": i, "name": f"n{rng.random()}", "tags": [i, i + 1]} for i in range(30_000)]
    index = {row["name"]: json.dumps(row) for row in rows}
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", index.items())
    conn.close()
    return (time.perf_counter() - start) * 1000


def work_build(size: int, directory: Path, budget_s: float) -> dict[str, Any]:
    """Build, then measure everything but opening; leave log.db and compacted.db behind."""
    out: dict[str, Any] = {"size": size, "load_at_start": os.getloadavg()[0]}
    live = directory / "a.db"
    a = open_replica(live)
    ids = build(a, size, budget_s, out)
    out["full_state_bytes"] = len(a.diff())
    stats = a.store.stats()
    out.update(log_entries=stats["log_entries"], log_bytes=stats["log_bytes"],
               snapshot_bytes=stats["snapshot_bytes"])
    a.close()  # the last connection's close checkpoints the WAL into the file
    shutil.copyfile(live, directory / "log.db")
    a = open_replica(live)
    a.compact()
    a.close()
    shutil.copyfile(live, directory / "compacted.db")
    out["file_bytes_compacted"] = (directory / "compacted.db").stat().st_size

    a = open_replica(live)
    edit_bytes = []
    for i, rid in enumerate(ids[-20:]):
        a.update("contact", rid, {"email": f"new{i}@example.com"})
        ((_, update),) = a.outbox(after_seq=a.last_seq - 1)
        edit_bytes.append(len(update))
    out["edit_bytes"] = statistics.median(edit_bytes)
    out["edit_bytes_max"] = max(edit_bytes)

    # A second replica starts from the full state, as a new device does on first sync.
    b = open_replica(directory / "b.db", "peer")
    full = a.diff()
    start = time.perf_counter()
    b.apply_remote([full])
    out["bulk_load_s"] = time.perf_counter() - start
    b.close()
    # The peer only produces edits; durability there is not what is measured. Its edits
    # are made first and the peer closed before any is applied: a device holds one
    # replica, and the peer's objects would make the garbage collector's full passes
    # over this process (~0.6 s at 10k, one every few thousand edits) twice as long.
    b = open_replica(directory / "b.db", "peer", synchronous="OFF")
    chosen = random.Random(1).sample(ids[:-20], min(MAX_EDITS, len(ids) - 20))
    out["edits"] = len(chosen)
    rounds = {per_call: peer_round(b, chosen, f"r{per_call}.") for per_call in (1, 100, 1000)}
    b.close()
    del b
    gc.collect()
    out["reference_ms"] = reference_ms()
    for per_call, updates in rounds.items():
        out[f"apply_{per_call}_per_s"] = apply_rate(a, updates, per_call)
    assert a.get("contact", chosen[0])["email"] == "r1000.0@peer.example"

    # Concurrent edits of the same field: every remote edit now records a conflict.
    for i, rid in enumerate(chosen):
        a.update("contact", rid, {"email": f"mine{i}@bench.example"})
    b = open_replica(directory / "b.db", "peer", synchronous="OFF")
    conflicting = peer_round(b, chosen, "c.")
    b.close()
    del b
    gc.collect()
    out["apply_conflict_1000_per_s"] = apply_rate(a, conflicting, 1000)
    out["conflicts_recorded"] = len(a.conflicts("contact"))
    # What a full pass of Python's garbage collector costs with this replica open: the
    # collector makes one now and then (more often the more objects are made), and it
    # lands in whichever call is running.
    start = time.perf_counter()
    gc.collect()
    out["gc_full_pass_s"] = time.perf_counter() - start
    assert out["conflicts_recorded"] == len(chosen), "each concurrent edit must be a conflict"
    a.close()
    return out


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def open_ready(path: Path) -> Replica:
    """Open the replica and build its document, ready to edit and sync: a replica builds
    its document only when first needed, and this figure has always included it."""
    replica = open_replica(path)
    replica.state_vector()
    return replica


def work_open(path: Path) -> dict[str, Any]:
    """Open the stored replica in this fresh process: time, max RSS, then traced peak."""
    base = max_rss_mb()
    start = time.perf_counter()
    r = open_ready(path)
    elapsed = time.perf_counter() - start
    rss = max_rss_mb()
    r.close()
    del r
    gc.collect()
    tracemalloc.start()
    r = open_ready(path)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    r.close()
    return {"open_s": elapsed, "rss_base_mb": base, "rss_mb": rss, "traced_mb": traced}


def worker(*args: str) -> dict[str, Any]:
    """Run this script as a worker subprocess and return the figures it prints."""
    done = subprocess.run([sys.executable, __file__, "--worker", *args],
                          stdout=subprocess.PIPE, check=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def run_once(size: int, budget_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="handsync-bench-") as tmp:
        figures = worker("build", str(size), tmp, str(budget_s))
        for variant in ("log", "compacted"):
            opened = worker("open", str(Path(tmp) / f"{variant}.db"))
            figures.update({f"{key}_{variant}": value for key, value in opened.items()})
    return figures


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, first in runs[0].items():
        values = [r[key] for r in runs]
        numeric = isinstance(first, (int, float)) and not isinstance(first, bool)
        if numeric:
            out[key] = statistics.median(values)
        else:
            out[key] = any(values) if isinstance(first, bool) else sorted(set(values))
    return out


MB = 1e6
ROWS: list[tuple[str, str, str]] = [
    ("load_at_start", "1-minute load average at run start", "{:.1f}"),
    ("reference_ms", "reference workload before the applies (ms)", "{:.0f}"),
    ("create_per_s", "create() one by one, 1 commit each (contacts/s)", "{:,.0f}"),
    ("created_one_by_one", "  contacts created one by one", "{:,.0f}"),
    ("build_s", "build N contacts one by one (s)", "{:.1f}"),
    ("bulk_load_s", "bulk: new replica apply_remote(full state) (s)", "{:.2f}"),
    ("full_state_bytes", "full state, len(diff()) (MB)", "mb"),
    ("log_entries", "log entries left after build", "{:,.0f}"),
    ("log_bytes", "log bytes left after build (MB)", "mb"),
    ("file_bytes_compacted", "SQLite file after compact() (MB)", "mb"),
    ("open_s_log", "open as built, log not compacted (s)", "{:.3f}"),
    ("open_s_compacted", "open after compact() (s)", "{:.3f}"),
    ("rss_base_mb_compacted", "  process max RSS before open (MB)", "{:.0f}"),
    ("rss_mb_compacted", "  process max RSS after open (MB)", "{:.0f}"),
    ("traced_mb_compacted", "  tracemalloc peak of open (MB)", "{:.1f}"),
    ("rss_mb_log", "  max RSS after open as built (MB)", "{:.0f}"),
    ("edit_bytes", "one-field edit, outbox entry (bytes)", "{:.0f}"),
    ("edits", "remote one-field edits per mode", "{:,.0f}"),
    ("apply_1_per_s", "apply_remote, 1 update/call (edits/s)", "{:,.0f}"),
    ("apply_100_per_s", "apply_remote, 100 updates/call (edits/s)", "{:,.0f}"),
    ("apply_1000_per_s", "apply_remote, 1000 updates/call (edits/s)", "{:,.0f}"),
    ("apply_conflict_1000_per_s", "  same, each edit a conflict (edits/s)", "{:,.0f}"),
    ("gc_full_pass_s", "a full garbage-collector pass, replica open (s)", "{:.2f}"),
]


def cell(value: Any, fmt: str, extrapolated: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value / MB:.2f}" if fmt == "mb" else fmt.format(value)
    return "~" + text if extrapolated else text


def table(results: dict[int, dict[str, Any]]) -> str:
    sizes = list(results)
    width = max(len(label) for _, label, _ in ROWS) + 2
    lines = [" " * width + "".join(f"{n:>12,}" for n in sizes)]
    for key, label, fmt in ROWS:
        values = []
        for n in sizes:
            m = results[n]["median"]
            values.append(cell(m.get(key), fmt, key == "build_s" and m["build_extrapolated"]))
        lines.append(label.ljust(width) + "".join(f"{v:>12}" for v in values))
    return "\n".join(lines)


def targets(results: dict[int, dict[str, Any]]) -> list[str]:
    verdict = {True: "met", False: "NOT met"}
    lines = []
    if 10_000 in results:
        open_s = results[10_000]["median"]["open_s_compacted"]
        lines.append(f"open at 10k <= {TARGET_OPEN_S} s: {open_s:.3f} s, "
                     f"{verdict[open_s <= TARGET_OPEN_S]}")
    for n, r in results.items():
        m = r["median"]
        lines.append(f"{n:,}: edit <= {TARGET_EDIT_BYTES} B: {m['edit_bytes']:.0f} B, "
                     f"{verdict[m['edit_bytes_max'] <= TARGET_EDIT_BYTES]}")
        for per_call in (1, 100, 1000):
            rate = m[f"apply_{per_call}_per_s"]
            lines.append(f"{n:,}: apply >= {TARGET_APPLY_PER_S:,}/s, {per_call}/call: "
                         f"{rate:,.0f}/s, {verdict[rate >= TARGET_APPLY_PER_S]}")
    return lines


def notes(results: dict[int, dict[str, Any]], budget_s: float) -> list[str]:
    seen = {v for r in results.values() for run in r["runs"] for k, v in run.items()
            if k.startswith("engine")}
    out = [f"engine source {', '.join(sorted(seen))} ({engine.__path__[0]})"]
    if len(seen) > 1:
        out.append("WARNING: the engine source changed during the run; figures mix versions.")
    out += ["Medians of the runs shown. Each create() and each apply_remote() call is its own",
            "SQLite transaction (WAL, synchronous=FULL), so one-per-call figures include a commit",
            "(an fsync) each. Opens run in a fresh process on a warm page cache; tracemalloc sees",
            "Python allocations only (not the Rust heap of the pycrdt Doc); RSS sees everything.",
            f"A load average above ~1 on {os.cpu_count()} CPUs means other processes shared them."]
    for n, r in results.items():
        for number, run in enumerate(r["runs"], start=1):
            if run["build_extrapolated"]:
                out.append(f"~ {n:,}, run {number}: the {budget_s:g} s budget stopped create() at "
                           f"{run['created_one_by_one']:,} contacts ({run['create_per_s']:,.0f}/s); "
                           f"its build time is extrapolated at that rate, and the other "
                           f"{n - run['created_one_by_one']:,} came in one apply_remote "
                           f"({run['bulk_rest_s']:.1f} s).")
    return out


def machine() -> dict[str, Any]:
    return {"nproc": os.cpu_count(), "python": platform.python_version(),
            "pycrdt": version("pycrdt"), "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="e.g. 1000,10000")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (median shown)")
    parser.add_argument("--quick", action="store_true", help="1000 contacts, one run")
    parser.add_argument("--budget", type=float, default=180.0,
                        help="seconds of one-by-one create() before the bulk path takes over")
    parser.add_argument("--json", metavar="FILE", help="also save all figures as JSON")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        result = (work_build(int(rest[0]), Path(rest[1]), float(rest[2])) if kind == "build"
                  else work_open(Path(rest[0])))
        print(json.dumps(result | {"engine": ENGINE}))
        return
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else args.runs
    results: dict[int, dict[str, Any]] = {}
    for size in sizes:
        done = []
        for run in range(runs):
            print(f"{size:,} contacts, run {run + 1}/{runs} ...", file=sys.stderr, flush=True)
            done.append(run_once(size, args.budget))
        results[size] = {"runs": done, "median": medians(done)}
    print(f"handsync engine benchmark: {machine()}")
    print(table(results))
    print("\n".join(["", *notes(results, args.budget), "", "Targets:", *targets(results)]))
    if args.json:
        report = {"machine": machine(), "command": sys.argv, "runs": runs,
                  "results": {str(n): r for n, r in results.items()}}
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
