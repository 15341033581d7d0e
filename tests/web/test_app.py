"""The app shell in a real Chromium against a real relay process: it loads from /app/
(and / leads there), its manifest and icons load, the service worker
takes over and the shell opens again with the relay stopped, and enrolment by link or
by the form stores the space and token — or, for bad input, says why and stores
nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import AppCopyRelay, RelayProcess

STORAGE_KEY = "handsync.enrolment"


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html[data-ready=true]")


def stored(page: Page) -> Any:
    text = page.evaluate(f"localStorage.getItem({json.dumps(STORAGE_KEY)})")
    return None if text is None else json.loads(text)


def test_the_relay_serves_the_app_and_its_root_leads_there(page: Page,
                                                           relay: RelayProcess) -> None:
    open_app(page, relay.url + "/")
    assert page.url == relay.url + "/app/"
    expect(page).to_have_title("handsync")
    expect(page.get_by_role("status")).to_have_text("Not connected to a space yet.")
    expect(page.get_by_role("heading", name="Connect this device")).to_be_visible()
    # The manifest the page links to, and each icon it names, load as what they are.
    manifest = page.evaluate("""async () => {
        const link = document.querySelector('link[rel=manifest]');
        const answer = await fetch(link.href);
        const body = await answer.json();
        const icons = await Promise.all(body.icons.map(async (icon) => {
            const got = await fetch(new URL(icon.src, link.href));
            const bitmap = await createImageBitmap(await got.blob());
            return [icon.sizes, got.headers.get('content-type'), bitmap.width];
        }));
        return {type: answer.headers.get('content-type'), start: body.start_url,
                display: body.display, icons};
    }""")
    assert manifest["type"] == "application/manifest+json"
    assert manifest["start"] == "./" and manifest["display"] == "standalone"
    assert ["192x192", "image/png", 192] in manifest["icons"]
    assert ["512x512", "image/png", 512] in manifest["icons"]


def test_the_service_worker_keeps_the_shell_for_an_offline_start(
        page: Page, own_relay: RelayProcess) -> None:
    open_app(page, own_relay.url + "/app/")
    # The service worker installs (keeping every file precache.json lists) and claims
    # the page; wait for that, bounded by the page's default timeout.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    kept = page.evaluate("""async () => {
        const names = await caches.keys();
        const cache = await caches.open(names.find((n) => n.startsWith('handsync-app-')));
        return (await cache.keys()).map((r) => new URL(r.url).pathname);
    }""")
    assert {"/app/", "/app/main.js", "/app/app.css", "/app/manifest.webmanifest",
            "/app/icons/icon-192.png"} <= set(kept)
    assert "/app/dist/worker.js" in kept

    own_relay.stop()
    # The relay is really gone (the service worker leaves /healthz to the network).
    assert page.evaluate("fetch('/healthz').then(() => 'up', () => 'down')") == "down"
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    expect(page.get_by_role("heading", name="Connect this device")).to_be_visible()
    expect(page.get_by_label("Relay address")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Not connected to a space yet.")
    # The engine's worker (yjs inside) comes from the service worker's cache too.
    assert page.evaluate("fetch('dist/worker.js').then((r) => r.ok)") is True
    # Opened from the home screen with a query, still offline: the same shell.
    open_app(page, own_relay.url + "/app/?source=homescreen")
    expect(page.get_by_role("button", name="Connect")).to_be_visible()


KEPT = """async () => {
    const names = await caches.keys();
    const name = names.find((n) => n.startsWith('handsync-app-'));
    if (!name) return [];
    return (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
}"""


def test_on_each_open_the_worker_keeps_new_files_and_drops_removed_ones(
        page: Page, app_copy_relay: AppCopyRelay) -> None:
    """A relay upgraded under a phone's installed app: a module it did not have is kept
    for offline use at the next open, one no longer shipped is dropped."""
    (app_copy_relay.web / "src" / "old.js").write_text("export const old = 1;\n")
    open_app(page, app_copy_relay.url + "/app/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert "/src/old.js" in page.evaluate(KEPT)
    (app_copy_relay.web / "src" / "late.js").write_text("export const late = 1;\n")
    (app_copy_relay.web / "src" / "old.js").unlink()
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    # The worker catches up in the background: poll its cache every 50 ms, for 10 s at most.
    kept = page.evaluate(f"""async () => {{
        const deadline = Date.now() + 10000;
        for (;;) {{
            const kept = await ({KEPT})();
            const done = kept.includes('/src/late.js') && !kept.includes('/src/old.js');
            if (done || Date.now() > deadline) return kept;
            await new Promise((wake) => setTimeout(wake, 50));
        }}
    }}""")
    assert "/src/late.js" in kept and "/src/old.js" not in kept
    assert "/app/main.js" in kept


def test_enrolment_by_link_stores_space_and_token_and_clears_the_address_bar(
        page: Page, relay: RelayProcess) -> None:
    open_app(page, f"{relay.url}/app/#space=acme&token={relay.token}")
    assert "#" not in page.url and relay.token not in page.url
    assert page.url == relay.url + "/app/"
    enrolment = stored(page)
    assert enrolment["space"] == "acme" and enrolment["token"] == relay.token
    assert enrolment["relay"] == f"ws://127.0.0.1:{relay.port}"
    status = page.get_by_role("status")
    expect(status).to_contain_text("Space acme")
    expect(status).to_contain_text("0 edits waiting")
    expect(page.get_by_role("alert")).to_be_hidden()
    # Kept across a reload, which finds no fragment to read.
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    expect(status).to_contain_text("Space acme")
    assert stored(page)["token"] == relay.token


def test_enrolment_by_the_form(page: Page, relay: RelayProcess) -> None:
    open_app(page, relay.url + "/app/")
    expect(page.get_by_label("Relay address")).to_have_value(relay.url)
    page.get_by_label("Space").fill("acme")
    page.get_by_label("Token").fill(relay.token)
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("status")).to_contain_text("Space acme")
    enrolment = stored(page)
    assert (enrolment["relay"], enrolment["space"], enrolment["token"]) == (
        f"ws://127.0.0.1:{relay.port}", "acme", relay.token)
    expect(page.get_by_label("Token")).to_have_value("")  # not left on the screen


GOOD = "hs_0123456789ab_" + "A" * 43


@pytest.mark.parametrize(("fragment", "message"), [
    ("#space=acme", "The token is missing. Ask your administrator for a new link."),
    (f"#token={GOOD}", "The space is missing. Ask your administrator for a new link."),
    ("#space=acme&token=garbage", "That is not a handsync token (they start with “hs_”). "
                                  "Ask your administrator for a new link."),
    (f"#space=Acme%20Ltd&token={GOOD}", "“Acme Ltd” is not a space name"),
    ("#space=&token=", "The space is missing."),
])
def test_a_malformed_link_says_why_and_stores_nothing(page: Page, relay: RelayProcess,
                                                      fragment: str, message: str) -> None:
    open_app(page, relay.url + "/app/" + fragment)
    expect(page.get_by_role("alert")).to_contain_text(message)
    assert stored(page) is None
    assert "#" not in page.url  # a token, even in a bad link, leaves the address bar
    expect(page.get_by_role("status")).to_have_text("Not connected to a space yet.")


def test_a_bad_link_leaves_an_earlier_enrolment_as_it_was(page: Page,
                                                          relay: RelayProcess) -> None:
    open_app(page, f"{relay.url}/app/#space=acme&token={relay.token}")
    before = stored(page)
    open_app(page, f"{relay.url}/app/#space=acme&token=hs_bad")
    expect(page.get_by_role("alert")).to_contain_text("not a handsync token")
    assert stored(page) == before


@pytest.mark.parametrize(("relay_address", "space", "token", "message"), [
    ("ftp://relay.example.com", "acme", GOOD, "is not a relay address: it starts with https://"),
    ("https://ann:pw@relay.example.com", "acme", GOOD, "no name, password"),
    ("", "acme", GOOD, "The relay address is missing."),
    ("https://relay.example.com", "", GOOD, "The space is missing. Check what you typed."),
    ("https://relay.example.com", "acme", "", "The token is missing. Check what you typed."),
    ("https://relay.example.com", "acme", "hs_123", "That is not a handsync token"),
])
def test_the_form_refuses_bad_values_and_stores_nothing(
        page: Page, relay: RelayProcess, relay_address: str, space: str, token: str,
        message: str) -> None:
    open_app(page, relay.url + "/app/")
    page.get_by_label("Relay address").fill(relay_address)
    page.get_by_label("Space").fill(space)
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_contain_text(message)
    assert stored(page) is None
    expect(page.get_by_label("Space")).to_have_value(space)  # kept, to correct
