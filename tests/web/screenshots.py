"""Take the screenshots docs/app.md shows, at a phone's size, from the real app.

    .venv/bin/python -m tests.web.screenshots      # writes docs/app/*.png

A relay process and a CLI device are started as the browser tests start them
(tests/web/conftest.py); the device adds a few people and a same-field conflict, and
Chromium (360 x 740, as a phone) enrols by link and visits each screen.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.clients.conftest import run
from tests.web.browser import chromium
from tests.web.conftest import PHONE, ROOT, _start_relay

OUT = ROOT / "docs" / "app"
PEOPLE = [
    {"first_name": "Jürgen", "last_name": "Müller", "company": "Bäckerei Müller GmbH",
     "job_title": "Bäckermeister", "email": "juergen@baeckerei-mueller.example",
     "mobile_phone": "+49 170 5550142", "business_address_line1": "Hauptstraße 5",
     "business_address_city": "Köln", "business_address_country": "Germany"},
    {"first_name": "Ana María", "last_name": "O'Neil-Søren", "company": "Søren Trading",
     "email": "ana@soren.example", "mobile_phone": "+34 600 555 019"},
    {"first_name": "Olga", "last_name": "Petrov", "company": "Northwind Traders",
     "job_title": "Buyer", "mobile_phone": "+1 (555) 010-0142"},
    {"first_name": "Kemi", "last_name": "Okafor", "company": "Blue Ridge Logistics",
     "email": "kemi@blueridge.example"},
    {"first_name": "Ångström", "last_name": "Berg", "company": "Acme Industrial Supply"},
    {"first_name": "Hiro", "last_name": "Tanaka", "company": "Contoso Medical Devices",
     "job_title": "Purchasing Director"},
]


def shoot(page: Page, name: str) -> None:
    page.wait_for_timeout(300)  # let the last frame paint; a picture, not a test
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"wrote docs/app/{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="handsync-shots-"))
    relay = _start_relay(work / "relay", devices=("office",))
    home = str(work / "office")
    try:
        relay.device(work / "office", "office")
        people = work / "people.json"
        people.write_text(json.dumps(PEOPLE), encoding="utf-8")
        run("import", str(people), "--home", home)
        run("sync", "--home", home)
        listed = json.loads(run("contact", "list", "--json", "--home", home).stdout)
        olga = next(c["id"] for c in listed if c["first_name"] == "Olga")
        executable = chromium()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(executable) if executable else None, args=["--no-sandbox"])
            context = browser.new_context(**PHONE)
            page = context.new_page()
            page.goto(relay.url + "/app/")
            page.wait_for_selector("html[data-ready=true]")
            shoot(page, "enrol")
            page.goto(f"{relay.url}/app/#space=acme&token={relay.token}")
            page.get_by_text("6 contacts").wait_for()
            shoot(page, "contacts")
            page.get_by_label("Search").fill("muller")
            page.get_by_text("1 contact", exact=True).wait_for()
            shoot(page, "search")
            page.get_by_role("link", name="Jürgen Müller", exact=True).click()
            page.get_by_role("heading", name="Jürgen Müller").wait_for()
            shoot(page, "contact")
            page.get_by_role("button", name="Edit").click()
            page.get_by_label("E-mail", exact=True).fill("not an address")
            page.get_by_role("button", name="Save").click()
            page.get_by_role("alert").filter(has_text="E-mail").wait_for()
            shoot(page, "edit")
            run("contact", "edit", olga, "--job-title", "Head buyer", "--home", home)
            page.goto(f"{relay.url}/app/#/contact/{olga}")
            page.get_by_role("button", name="Edit").click()
            page.get_by_label("Job Title").fill("Chief buyer")
            page.get_by_role("button", name="Save").click()
            page.get_by_role("status").filter(has_text="0 edits waiting").wait_for()
            run("sync", "--home", home)
            page.get_by_role("link", name="Conflicts (1)").click()
            page.get_by_role("heading", name="Olga Petrov: Job Title").wait_for()
            shoot(page, "conflicts")
            page.goto(relay.url + "/app/#/sync")
            page.get_by_role("button", name="Sync now").wait_for()
            shoot(page, "sync")
            browser.close()
    finally:
        relay.stop()


if __name__ == "__main__":
    main()
