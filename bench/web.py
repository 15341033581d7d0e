"""What the handheld app costs in headless Chromium on this machine (issue 17's targets).

    .venv/bin/python bench/web.py [--size 10000] [--runs 3] [--json FILE]

A relay process and a command-line device that imports ``--size`` contacts and syncs
them; then, per run, a fresh browser profile at a phone's size (360 x 740):

- first sync: the enrolment link opened → the list shows every contact (the page's own
  clock, from navigation start);
- cold open: the same profile opens the app again (data in IndexedDB, the app from the
  service worker) → the first rows painted (the app's ``handsync:first-rows`` mark);
- search: typing "muller" one letter at a time; each keystroke's time from the input
  event to the next frame painted, median over the keystrokes;
- DOM rows: the most list rows in the page while the list is scrolled from top to bottom;
- heap: the JavaScript heap of the page plus the engine's worker, after a collection
  (Chrome DevTools Protocol ``Runtime.getHeapUsage`` of each).

Medians over the runs are printed against the targets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from tests.clients.conftest import run  # noqa: E402
from tests.web.browser import chromium  # noqa: E402
from tests.web.conftest import PHONE, RelayProcess, _start_relay  # noqa: E402

TARGETS = [
    ("first_sync_s", "first sync from the relay to a usable list (s)", 3.0),
    ("cold_open_s", "cold open from IndexedDB to the first rows painted (s)", 1.0),
    ("search_ms", "search results after a keystroke (ms)", 50.0),
    ("dom_rows", "DOM rows while scrolling the whole list", 60),
    ("heap_mb", "JavaScript heap, page and worker (MB)", 150.0),
]
FIRST_NAMES = ["Ann", "Jürgen", "Ana María", "Olga", "Kemi", "Hiro", "Søren", "Çelik"]
LAST_NAMES = ["Smith", "Müller", "O'Neil", "Petrov", "Okafor", "Tanaka", "Berg", "Novak"]


def contacts(path: Path, size: int) -> Path:
    people = [{
        "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
        "last_name": f"{LAST_NAMES[(i // 8) % len(LAST_NAMES)]}{i}",
        "company": f"Company {i % 500}", "job_title": "Buyer" if i % 3 else "Sales Manager",
        "email": f"person{i}@example.com", "business_phone": f"+1 555 {i % 1000:03d} {i % 10000:04d}",
        "mobile_phone": f"+44 7700 {i:06d}", "business_address_line1": f"{i} Market Street",
        "business_address_city": "Leeds", "business_address_postal_code": f"LS{i % 30} {i % 9}AB",
        "business_address_country": "United Kingdom",
    } for i in range(size)]
    path.write_text(json.dumps(people), encoding="utf-8")
    return path


def heap_mb(browser: Browser, page: Page) -> tuple[float, float, int]:
    """The used JS heap of the page and of its workers (MB, after a collection), and how
    many workers there were."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    in_page = cdp.send("Runtime.getHeapUsage")["usedSize"]
    in_workers = 0
    cdp.detach()
    root = browser.new_browser_cdp_session()
    targets = root.send("Target.getTargets")["targetInfos"]
    answers: dict[int, Any] = {}
    root.on("Target.receivedMessageFromTarget",
            lambda event: answers.update({json.loads(event["message"]).get("id", 0):
                                          json.loads(event["message"])}))
    workers = [t for t in targets if t["type"] == "worker" and t["url"].endswith("/dist/worker.js")]
    for n, target in enumerate(workers):
        session = root.send("Target.attachToTarget",
                            {"targetId": target["targetId"], "flatten": False})["sessionId"]
        for method, ident in (("HeapProfiler.collectGarbage", 1000 + 2 * n),
                              ("Runtime.getHeapUsage", 1001 + 2 * n)):
            root.send("Target.sendMessageToTarget", {"sessionId": session, "message":
                                                    json.dumps({"id": ident, "method": method})})
            deadline = time.monotonic() + 10
            while ident not in answers and time.monotonic() < deadline:
                page.wait_for_timeout(20)  # let the protocol's events arrive
        in_workers += answers[1001 + 2 * n]["result"]["usedSize"]
    root.detach()
    return in_page / 2**20, in_workers / 2**20, len(workers)


def one_run(browser: Browser, relay: RelayProcess, size: int) -> dict[str, float]:
    context = browser.new_context(**PHONE)
    context.set_default_timeout(120_000)
    page = context.new_page()
    page.goto(f"{relay.url}/app/#space=acme&token={relay.token}")
    page.wait_for_function(f"document.querySelector('.count')?.textContent === '{size} contacts'",
                           polling="raf")
    first_sync_s = page.evaluate("performance.now()") / 1000
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.get_by_role("status").filter(has_text="up to date").wait_for()

    again = context.new_page()
    page.close()
    again.goto(f"{relay.url}/app/")
    again.wait_for_function("performance.getEntriesByName('handsync:first-rows').length > 0",
                            polling="raf")
    cold_open_s = again.evaluate(
        "performance.getEntriesByName('handsync:first-rows')[0].startTime") / 1000
    again.wait_for_function(f"document.querySelector('.count')?.textContent === '{size} contacts'")
    again.get_by_role("status").filter(has_text="up to date").wait_for()

    keystrokes = again.evaluate("""async () => {
        const input = document.querySelector('input[type=search]');
        const times = [];
        for (const text of ['m', 'mu', 'mul', 'mull', 'mulle', 'muller']) {
            const start = performance.now();
            input.value = text;
            input.dispatchEvent(new Event('input', { bubbles: true }));
            await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
            times.push(performance.now() - start);
        }
        input.value = '';
        input.dispatchEvent(new Event('input', { bubbles: true }));
        return times;
    }""")
    dom_rows = again.evaluate("""async () => {
        const viewport = document.querySelector('.list-viewport');
        let most = 0;
        for (let top = 0; top <= viewport.scrollHeight; top += 1500) {
            viewport.scrollTop = top;
            await new Promise((done) => requestAnimationFrame(() => done()));
            most = Math.max(most, document.querySelectorAll('.list-row').length);
        }
        return most;
    }""")
    page_mb, worker_mb, workers = heap_mb(browser, again)
    if workers != 1:
        raise RuntimeError(f"expected the engine's one worker, found {workers}")
    context.close()
    return {"first_sync_s": first_sync_s, "cold_open_s": cold_open_s,
            "search_ms": statistics.median(keystrokes), "dom_rows": dom_rows,
            "heap_mb": page_mb + worker_mb, "page_heap_mb": page_mb, "worker_heap_mb": worker_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="handsync-web-bench-"))
    relay = _start_relay(work / "relay", devices=("office",))
    home = str(work / "office")
    try:
        relay.device(work / "office", "office")
        run("import", str(contacts(work / "people.json", args.size)), "--home", home, timeout=600)
        run("sync", "--home", home, timeout=600)
        executable = chromium()
        results = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(executable) if executable else None,
                args=["--no-sandbox"])
            for n in range(args.runs):
                results.append(one_run(browser, relay, args.size))
                print(f"run {n + 1}/{args.runs}: " + ", ".join(
                    f"{k} {v:.3f}" for k, v in results[-1].items()), file=sys.stderr)
            version = browser.version
            browser.close()
    finally:
        relay.stop()
    print(f"handheld app, headless Chromium {version}, {args.size} contacts, "
          f"medians of {args.runs} runs")
    width = max(len(label) for _, label, _ in TARGETS)
    table = []
    for key, label, target in TARGETS:
        values = [r[key] for r in results]
        median = statistics.median(values)
        table.append({"measure": key, "median": median, "target": target, "runs": values,
                      "met": median <= target})
        print(f"{label.ljust(width)}  {median:9.3f}  target <= {target}  "
              f"{'met' if median <= target else 'MISSED'}   runs: "
              + " ".join(f"{v:.3f}" for v in values))
    if args.json:
        args.json.write_text(json.dumps({"chromium": version, "size": args.size,
                                         "table": table}, indent=1) + "\n")


if __name__ == "__main__":
    main()
