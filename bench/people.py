"""Benchmark of finding and ordering people: the sort key, the search text, search.

Run ``python bench/people.py`` (10,000 contacts, median of 5 runs). It prints:

* what one contact's sort key costs: today's collation key (ICU, engine/collation.py)
  against the lower-cased text the engine used before (the same fields, called the
  same way), and what the ICU call alone costs (``getSortKey`` of the fields already
  joined: the floor of any ICU key); the same for the search text (folded,
  engine/fold.py, against lower-cased) and for the whole row
  (engine.rows.build_row) a changed record costs;
* search inside the store over a home of that many contacts: ``SqliteStore.query``
  with the needle ``Replica.search`` makes, for a few needles, and the whole
  ``Replica.search`` call.

docs/benchmarks.md ("People") holds the latest figures and what they mean.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, this file's directory comes first on sys.path, and bench/engine.py
# would then shadow the engine package.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import engine
from engine import rows
from engine.collation import ROOT, library_version
from engine.registers import Resolved
from engine.replica import Replica
from engine.sqlite_store import SqliteStore
from engine.store import RecordQuery

TARGET_KEY_RATIO = 1.10
TARGET_SEARCH_MS = 20.0
FIRST = ["Jürgen", "Ana María", "Zoë", "Łukasz", "Ingrid", "Søren", "José", "Chloé",
         "Ann", "Bob", "Carla", "Deepak", "Elena", "Farid", "Grace", "Hiro", "Nils", "Olga"]
LAST = ["Müller", "O'Neil-Søren", "Ångström", "Øberg", "Çelik", "Đorđević", "García",
        "Smith", "Okafor", "Nguyen", "Kowalski", "Rossi", "Johansson", "Tanaka", "Dubois",
        "Novak", "Haddad", "Petrov", "Fischer", "Lee"]
COMPANY = ["Bäckerei Müller GmbH", "Northwind Traders", "Blue Ridge Logistics",
           "Harbor & Finch LLP", "Société Générale de Café", "Summit Roofing Co."]
# From a few matches to a fifth of the home ("muller": every Müller and everyone at
# Bäckerei Müller GmbH), and nothing: a search's cost is the scan plus its results.
NEEDLES = ["jurgen muller", "o neil", "ana maria", "muller", "5550142", "zz-nobody"]
SORT_FIELDS = ("last_name", "first_name", "full_name", "company")


def contact(rng: random.Random, i: int) -> dict[str, str]:
    first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANY)
    return {
        "first_name": first, "last_name": last, "full_name": f"{first} {last}",
        "company": company, "email": f"p{i}@{company.split()[0].lower()}.example",
        "personal_email": f"p{i}@mail.example",
        "business_phone": f"+49 30 {rng.randint(1000000, 9999999)}",
        "mobile_phone": f"+1 (555) {rng.randint(100, 999)}-{rng.randint(0, 9999):04d}",
        "job_title": "Regional Sales Manager", "business_address_city": "Köln",
    }


_OLD_SORT_FIELDS = {"contact": SORT_FIELDS}


def old_sort_key(kind: str, data: dict[str, Any]) -> str:
    """The sort key the engine made before collation (store format 2): what
    ``build_row`` ran, ``_sort_text(data, _SORT_FIELDS[kind])``, as one call."""
    return "\x1f".join([str(data.get(n) or "").lower() for n in _OLD_SORT_FIELDS[kind]])


def old_search_text(data: dict[str, Any]) -> str:
    """The search text the engine made before folding (store format 2)."""
    parts = []
    for name in rows.KINDS["contact"].search:
        value = data.get(name)
        if value.__class__ is str:
            text = value[:rows.MAX_SEARCH_TEXT].lower()
            is_phone = rows.KINDS["contact"].fields[name].type == "phone"
            parts.append(f"{text}\x1f{rows._NON_DIGITS.sub('', value)}" if is_phone else text)
    return "\x1f".join(parts)


def per_record_us(function: Callable[[Any], Any], people: list[Any], runs: int) -> float:
    """Median over ``runs`` of the time per record of ``function`` over all ``people``."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for data in people:
            function(data)
        samples.append((time.perf_counter() - start) / len(people) * 1e6)
    return statistics.median(samples)


def key_costs(people: list[dict[str, Any]], runs: int) -> dict[str, float]:
    resolved = [Resolved("contact", f"c{i}", data, False, 1, "bench")
                for i, data in enumerate(people)]
    rows.record_sort_key("contact", people[0], ROOT)  # ICU loaded outside the timing
    # The floor of any ICU key: one getSortKey of text already joined, nothing else.
    import icu

    get_sort_key = icu.Collator.createInstance(icu.Locale.getRoot()).getSortKey
    joined = ["\ufffe".join([str(d.get(n) or "") for n in SORT_FIELDS]) for d in people]
    out = {
        "sort key, before (us)": per_record_us(
            lambda d: old_sort_key("contact", d), people, runs),
        "sort key, collation (us)": per_record_us(
            lambda d: rows.record_sort_key("contact", d, ROOT), people, runs),
        "  of which the ICU call alone (us)": per_record_us(get_sort_key, joined, runs),
        "search text, before (us)": per_record_us(old_search_text, people, runs),
        "search text, folded (us)": per_record_us(
            lambda d: rows.search_text("contact", d), people, runs),
    }
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for record in resolved:
            rows.build_row(record)
        samples.append((time.perf_counter() - start) / len(resolved) * 1e6)
    out["whole row, build_row (us)"] = statistics.median(samples)
    return out


def search_times(people: list[dict[str, Any]], runs: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as directory:
        store = SqliteStore(Path(directory) / "home.db", synchronous="OFF")
        replica = Replica(store, clock=lambda: int(time.time() * 1000), replica_id="bench")
        with replica.batch():
            for data in people:
                replica.create("contact", data)
        for needle in NEEDLES:
            query = RecordQuery("contact", text=rows.search_needle(needle))
            store.query(query)  # a warm page cache, as a home in use has
            samples = []
            for _ in range(runs * 4):
                start = time.perf_counter()
                found = store.query(query)
                samples.append((time.perf_counter() - start) * 1e3)
            out[f"store query {needle!r}, {len(found):,} found (ms)"] = statistics.median(samples)
        samples = []
        for _ in range(runs * 4):
            start = time.perf_counter()
            replica.search("muller")
            samples.append((time.perf_counter() - start) * 1e3)
        out["Replica.search('muller'), records made too (ms)"] = statistics.median(samples)
        replica.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.size)
    people = [contact(rng, i) for i in range(args.size)]
    costs = key_costs(people, args.runs)
    searches = search_times(people, args.runs)
    print(f"handsync people benchmark: {args.size:,} contacts, medians of {args.runs} runs, "
          f"{library_version()}")
    # With a virtualenv shared by several checkouts, the engine may not be this one's.
    print(f"  engine from {Path(engine.__file__).parent}")
    for label, value in [*costs.items(), *searches.items()]:
        print(f"  {label:<58}{value:>10.2f}")
    ratio = costs["sort key, collation (us)"] / costs["sort key, before (us)"]
    row_before = (costs["whole row, build_row (us)"] - costs["sort key, collation (us)"]
                  - costs["search text, folded (us)"] + costs["sort key, before (us)"]
                  + costs["search text, before (us)"])
    verdict = {True: "met", False: "NOT met"}
    print("Targets:")
    floor = costs["  of which the ICU call alone (us)"] / costs["sort key, before (us)"]
    print(f"  sort key <= {TARGET_KEY_RATIO:.2f}x today's: {ratio:.2f}x, "
          f"{verdict[ratio <= TARGET_KEY_RATIO]} (the ICU call alone: {floor:.2f}x)")
    print(f"  (a whole changed row: ~{costs['whole row, build_row (us)']:.1f} us against "
          f"~{row_before:.1f} us with the old sort key and search text)")
    for label, value in searches.items():
        if label.startswith("store query"):
            print(f"  search in the store <= {TARGET_SEARCH_MS:g} ms at {args.size:,}, "
                  f"{label[12:-5]}: {value:.2f} ms, {verdict[value <= TARGET_SEARCH_MS]}")


if __name__ == "__main__":
    main()
