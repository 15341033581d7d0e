"""The app in a real Chromium syncing with real command-line devices through a real relay
process (issue 17's browser tests 1-6).

Each test enrols the browser by the link `relay token issue --link` prints, and keeps a
CLI device (``handsync`` in a home of its own) beside it. Waiting is Playwright's
``expect``, which polls the page up to its timeout: no sleeps.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve
from websockets.typing import Subprotocol

from tests.clients.conftest import run
from tests.web.conftest import RelayProcess, _start_relay, restart

SLOW = 30_000  # ms: a first sync of 1,000 contacts on a shared machine


@dataclass
class Field:
    """A relay, a CLI device on it, and a phone's browser page."""

    relay: RelayProcess
    home: Path
    page: Page

    def cli(self, *args: str, check: bool = True) -> str:
        return run(*args, "--home", str(self.home), check=check).stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json"))

    def link(self, token: str | None = None) -> str:
        return f"{self.relay.url}/app/#space=acme&token={token or self.relay.token}"

    def enrol(self) -> None:
        self.page.goto(self.link())
        self.page.wait_for_selector("html[data-ready=true]")

    def status(self) -> Any:
        return self.page.get_by_role("status")


@pytest.fixture
def field(tmp_path: Path, context: BrowserContext) -> Iterator[Field]:
    relay = _start_relay(tmp_path / "relay", devices=("cli",))
    home = relay.device(tmp_path / "cli", "cli")
    made = Field(relay, home, context.new_page())
    try:
        yield made
    finally:
        made.relay.stop()


def contacts_file(path: Path, count: int) -> Path:
    people = [{"first_name": "Ann", "last_name": f"Smith{i}", "company": f"Company {i % 50}",
               "email": f"ann.smith{i}@example.com", "mobile_phone": f"+44 7700 {i:06d}"}
              for i in range(count)]
    path.write_text(json.dumps(people), encoding="utf-8")
    return path


def link_named(page: Page, name: str) -> Any:
    return page.get_by_role("link", name=name, exact=True)


def test_1_enrolled_by_link_the_first_sync_shows_a_thousand_contacts_and_search_finds_by_phone(
        field: Field, tmp_path: Path) -> None:
    field.cli("import", str(contacts_file(tmp_path / "people.json", 1000)))
    field.cli("sync")
    field.enrol()
    expect(field.page.get_by_text("1000 contacts")).to_be_visible(timeout=SLOW)
    expect(field.status()).to_contain_text("up to date")
    # The list holds only what is in view, however long it is.
    assert field.page.locator(".list-row").count() <= 60
    field.page.get_by_label("Search").fill("7700 000417")
    expect(field.page.get_by_text("1 contact", exact=True)).to_be_visible()
    expect(link_named(field.page, "Ann Smith417")).to_be_visible()
    # The address bar no longer holds the token.
    assert "token=" not in field.page.url


def test_2_an_edit_in_the_browser_reaches_the_cli_and_a_cli_edit_appears_without_a_reload(
        field: Field) -> None:
    made = field.cli("contact", "add", "--first-name", "Jürgen", "--last-name", "Müller").strip()
    field.cli("sync")
    field.enrol()
    page = field.page
    link_named(page, "Jürgen Müller").click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Job Title").fill("Bäckermeister")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Bäckermeister")).to_be_visible()
    expect(field.status()).to_contain_text("0 edits waiting")
    field.cli("sync")
    assert field.json("contact", "show", made)[0]["job_title"] == "Bäckermeister"

    field.cli("contact", "edit", made, "--mobile-phone", "+49 170 5550142")
    field.cli("sync")
    expect(page.get_by_role("link", name="+49 170 5550142")).to_be_visible()
    assert page.get_by_role("link", name="+49 170 5550142").get_attribute("href") == "tel:+491705550142"

    # Delete moves the contact to the trash (the screen says so at once); Restore brings it back.
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("In the trash.")).to_be_visible()
    page.get_by_role("link", name="Trash").click()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("The trash is empty.")).to_be_visible()
    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(link_named(page, "Jürgen Müller")).to_be_visible()
    for _ in range(20):  # the PC syncs until the phone's delete and restore reached it
        field.cli("sync")
        shown = field.json("contact", "show", made)[0]
        if not shown["deleted"] and shown["updated_by"] != "cli":
            break
    assert field.json("contact", "show", made)[0]["deleted"] is False


def test_3_offline_edits_survive_a_reload_and_reach_the_cli_when_the_relay_is_back(
        field: Field) -> None:
    kept = field.cli("contact", "add", "--first-name", "Olga", "--last-name", "Petrov").strip()
    field.cli("sync")
    field.enrol()
    page = field.page
    expect(link_named(page, "Olga Petrov")).to_be_visible()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    field.relay.stop()
    expect(field.status()).to_contain_text("offline")

    page.get_by_role("button", name="Add contact").click()
    page.get_by_label("First Name").fill("Nils")
    page.get_by_label("Last Name").fill("Berg")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Nils Berg")).to_be_visible()
    page.goto(field.relay.url + "/app/#/contacts")
    link_named(page, "Olga Petrov").click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Job Title").fill("Buyer")
    page.get_by_role("button", name="Save").click()
    expect(field.status()).to_contain_text("2 edits waiting")

    page.reload()  # still offline: the service worker opens the app, IndexedDB the data
    page.wait_for_selector("html[data-ready=true]")
    page.goto(field.relay.url + "/app/#/contacts")
    expect(link_named(page, "Nils Berg")).to_be_visible()
    expect(link_named(page, "Olga Petrov")).to_be_visible()
    expect(field.status()).to_contain_text("2 edits waiting")
    rows = page.get_by_role("list", name="Contacts").get_by_role("listitem")
    expect(rows.filter(has_text="waiting")).to_have_count(2)  # each edited one is marked
    expect(rows.filter(has_text="Nils Berg")).to_contain_text("waiting")
    expect(rows.filter(has_text="Olga Petrov")).to_contain_text("waiting")

    field.relay = restart(field.relay)
    page.get_by_role("link", name="Sync").click()
    page.get_by_role("button", name="Sync now").click()
    expect(field.status()).to_contain_text("0 edits waiting", timeout=SLOW)
    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(page.get_by_role("list", name="Contacts").get_by_text("waiting")).to_have_count(0)
    field.cli("sync")
    names = {(c["first_name"], c["last_name"]) for c in field.json("contact", "list")}
    assert ("Nils", "Berg") in names
    assert field.json("contact", "show", kept)[0]["job_title"] == "Buyer"


def test_4_a_same_field_conflict_shows_on_both_and_is_resolved_from_the_browser(
        field: Field) -> None:
    made = field.cli("contact", "add", "--first-name", "Dee", "--last-name", "Lee").strip()
    field.cli("sync")
    field.enrol()
    page = field.page
    expect(link_named(page, "Dee Lee")).to_be_visible()
    field.cli("contact", "edit", made, "--job-title", "Typed on the PC")  # not synced yet
    link_named(page, "Dee Lee").click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Job Title").fill("Typed on the phone")
    page.get_by_role("button", name="Save").click()
    expect(field.status()).to_contain_text("0 edits waiting")
    field.cli("sync")  # sends the PC's value, receives the phone's: the newer one wins

    conflicts = field.json("conflicts", "list")
    assert [(c["field"], c["value"]) for c in conflicts] == [("job_title", "Typed on the PC")]
    assert field.json("contact", "show", made)[0]["job_title"] == "Typed on the phone"
    expect(page.get_by_role("link", name="Conflicts (1)")).to_be_visible()
    page.get_by_role("link", name="Conflicts (1)").click()
    expect(page.get_by_text("Dee Lee: Job Title")).to_be_visible()
    page.get_by_role("button", name="Use Typed on the PC").click()
    expect(page.get_by_role("link", name="Conflicts", exact=True)).to_be_visible()
    # The phone sends the resolution when it can; the PC syncs until it has it (bounded).
    for _ in range(20):
        field.cli("sync")
        if field.json("conflicts", "list") == []:
            break
    assert field.json("conflicts", "list") == []
    assert field.json("contact", "show", made)[0]["job_title"] == "Typed on the PC"


def sessions(relay: RelayProcess) -> int:
    """How many sync connections the relay has accepted (its /metrics)."""
    with urllib.request.urlopen(relay.url + "/metrics", timeout=5) as answer:
        text = answer.read().decode()
    line = next(x for x in text.splitlines() if x.startswith("handsync_relay_sessions_total "))
    return int(float(line.split()[1]))


def test_5_the_schedule_sync_now_and_a_revoked_token(field: Field) -> None:
    page = field.page
    page.clock.install()
    field.cli("contact", "add", "--first-name", "Ola", "--last-name", "Nordmann")
    field.cli("sync")
    field.enrol()
    expect(link_named(page, "Ola Nordmann")).to_be_visible()
    expect(field.status()).to_contain_text("up to date")
    opened = sessions(field.relay)
    page.get_by_role("link", name="Sync", exact=True).click()
    next_sync = page.locator("dt:text-is('Next scheduled sync') + dd")
    first = next_sync.inner_text()

    page.clock.run_for(14 * 60_000)  # the page's clock: nothing is due yet
    expect(next_sync).to_have_text(first)
    page.clock.run_for(60_000)  # 15 minutes: a fresh sync round, and the next one set
    expect(next_sync).not_to_have_text(first)
    _wait_for(lambda: sessions(field.relay) == opened + 1)
    assert sessions(field.relay) == opened + 1  # one round, not one per check

    page.get_by_role("button", name="Sync now").click()
    _wait_for(lambda: sessions(field.relay) == opened + 2)
    expect(field.status()).to_contain_text("up to date")

    token_id = field.relay.token.split("_")[1]
    run("relay", "token", "revoke", token_id, "--data", str(field.relay.data))
    page.get_by_role("button", name="Sync now").click()
    expect(field.status()).to_contain_text("token revoked or expired")
    expect(field.status()).to_contain_text("ask for a new link")

    # "Report a problem" copies what whoever runs the relay needs, and nothing private.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=field.relay.url)
    page.get_by_role("button", name="Report a problem").click()
    expect(page.get_by_text("Copied")).to_be_visible()
    report = page.evaluate("navigator.clipboard.readText()")
    assert report.startswith("handsync app ")
    assert "edits waiting: 0" in report and "4401 the relay does not accept" in report
    assert field.relay.token not in report and field.relay.token.split("_")[2] not in report
    assert "Ola" not in report and "Nordmann" not in report

    page.goto(field.relay.url + "/app/#/contacts")
    expect(link_named(page, "Ola Nordmann")).to_be_visible()  # the data stays


def stored_counts(page: Page) -> dict[str, dict[str, int]]:
    """How many records each object store of each of the app's databases holds."""
    return dict(page.evaluate("""async () => {
        const names = (await indexedDB.databases()).map((d) => d.name)
            .filter((name) => name.startsWith("handsync:"));
        const out = {};
        for (const name of names) {
            const db = await new Promise((ok, no) => {
                const open = indexedDB.open(name);
                open.onsuccess = () => ok(open.result);
                open.onerror = () => no(open.error);
            });
            const stores = [...db.objectStoreNames];
            const tx = db.transaction(stores);
            out[name] = Object.fromEntries(await Promise.all(stores.map((store) =>
                new Promise((ok) => { const c = tx.objectStore(store).count();
                                      c.onsuccess = () => ok([store, c.result]); }))));
            db.close();
        }
        return out;
    }"""))


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll ``condition`` (a relay's counter, outside the page) until true, bounded."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        threading.Event().wait(0.05)


def test_6_a_wrong_token_an_invalid_email_and_a_relay_answering_garbage(
        field: Field, context: BrowserContext) -> None:
    page = field.page
    page.goto(field.link(token="hs_0badc0de_" + "x" * 24))
    page.wait_for_selector("html[data-ready=true]")
    expect(field.status()).to_contain_text("unknown token")
    expect(field.status()).to_contain_text("ask for a new link")

    phone = context.new_page()
    phone.goto(field.link())  # the same browser, now with a good token
    phone.wait_for_selector("html[data-ready=true]")
    expect(phone.get_by_text("0 contacts")).to_be_visible()
    phone.get_by_role("button", name="Add contact").click()
    phone.get_by_label("First Name").fill("Eve")
    phone.get_by_label("E-mail", exact=True).fill("not an address")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_role("alert").filter(has_text="E-mail: is not an e-mail address")).to_be_visible()
    expect(phone.get_by_label("E-mail", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_role("status")).to_contain_text("0 edits waiting")
    counts = stored_counts(phone)[f"handsync:ws://127.0.0.1:{field.relay.port}:acme"]
    assert (counts["outbox"], counts["rows"]) == (0, 0)  # the refused value stored nothing
    field.cli("sync")
    assert field.json("contact", "list") == []


def test_6_a_relay_answering_garbage_is_a_clear_message_and_nothing_is_stored(
        field: Field, context: BrowserContext) -> None:
    with garbage_relay() as port:
        page = field.page
        page.goto(field.relay.url + "/app/")
        page.wait_for_selector("html[data-ready=true]")
        page.get_by_label("Relay address").fill(f"ws://127.0.0.1:{port}")
        page.get_by_label("Space").fill("acme")
        page.get_by_label("Token").fill(field.relay.token)
        page.get_by_role("button", name="Connect").click()
        expect(field.status()).to_contain_text("code 4400")
        expect(page.get_by_text("0 contacts")).to_be_visible()
        # The space's database holds no update and no row: the garbage was applied nowhere.
        counts = stored_counts(page)
        assert list(counts) == [f"handsync:ws://127.0.0.1:{port}:acme"]
        only = counts[f"handsync:ws://127.0.0.1:{port}:acme"]
        assert (only["log"], only["snapshot"], only["rows"], only["outbox"]) == (0, 0, 0, 0)


@contextmanager
def garbage_relay() -> Iterator[int]:
    """A WebSocket server on 127.0.0.1 that takes the app's subprotocol as a relay does,
    answers every connection with bytes that are no sync message, then waits for the
    client to close."""
    def answer(connection: ServerConnection) -> None:
        connection.send(b"\x07\xff\xffgarbage")
        with suppress(ConnectionClosed):
            for _ in connection:  # until the client closes
                pass

    with serve(answer, "127.0.0.1", 0, subprotocols=[Subprotocol("handsync")]) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield int(server.socket.getsockname()[1])
        finally:
            server.shutdown()
            thread.join(10)


def test_7_the_spaces_language_orders_names_in_the_app_as_on_the_cli(
        field: Field, tmp_path: Path) -> None:
    """A Swedish space: Å, Ä and Ö come after Z, on the phone as on the command line;
    the phone enrolled by the link `relay token issue --link` prints."""
    data = str(field.relay.data)
    run("relay", "space", "create", "nordic", "--locale", "sv", "--data", data)
    cli_token = run("relay", "token", "issue", "nordic", "--device", "pc", "--data", data).stdout
    link = run("relay", "token", "issue", "nordic", "--device", "phone", "--link",
               field.relay.url, "--data", data).stdout.strip()
    home = field.relay.device(tmp_path / "nordic-pc", "pc", space="nordic", token=cli_token.strip())
    for first, last in (("Örjan", "Öst"), ("Åsa", "Ärlig"), ("Zoë", "Zander"), ("Anna", "Berg"),
                        ("Ola", "Åberg")):
        run("contact", "add", "--first-name", first, "--last-name", last, "--home", str(home))
    run("sync", "--home", str(home))
    on_cli = [f"{c['first_name']} {c['last_name']}" for c in
              json.loads(run("contact", "list", "--json", "--home", str(home)).stdout)]
    assert on_cli == ["Anna Berg", "Zoë Zander", "Ola Åberg", "Åsa Ärlig", "Örjan Öst"]

    page = field.page
    page.goto(link)
    page.wait_for_selector("html[data-ready=true]")
    expect(page.get_by_text("5 contacts")).to_be_visible()
    expect(page.get_by_role("list", name="Contacts").get_by_role("link")).to_have_text(on_cli)


def test_8_a_note_typed_on_the_phone_and_on_the_pc_at_once_keeps_both(field: Field) -> None:
    """The note's box sends each change as it is typed; what the PC typed elsewhere in the
    body meanwhile arrives in the box, and both end up in the note, letter by letter."""
    person = field.cli("contact", "add", "--first-name", "Nina", "--last-name", "Kowalski").strip()
    note = field.cli("note", "add", person, "Order flour").strip()
    field.cli("sync")
    field.enrol()
    page = field.page
    link_named(page, "Nina Kowalski").click()
    page.get_by_role("link", name="Order flour").click()
    box = page.get_by_label("Note")
    expect(box).to_have_value("Order flour")
    box.focus()
    box.press("End")
    box.press_sequentially(" by Friday")  # each key a change of its own

    # The PC, meanwhile, writes at the start of the same body.
    field.cli("note", "edit", note, "Please: Order flour")
    field.cli("sync")
    expect(box).to_have_value("Please: Order flour by Friday")  # merged into the open box
    expect(box).to_be_focused()

    for _ in range(20):  # the PC syncs until the phone's part has reached it (bounded)
        field.cli("sync")
        if field.json("note", "show", note)[0]["text"] == "Please: Order flour by Friday":
            break
    assert field.json("note", "show", note)[0]["text"] == "Please: Order flour by Friday"
