"""A space's locale, set when the relay creates the space, orders every device's lists."""

from __future__ import annotations

import json
import time
from pathlib import Path

from relay.store import RelayStore
from tests.clients.conftest import TIMEOUT, run, start_relay

NAMES = ["Zeller", "Öberg", "Ångström", "Aaron", "Ähler"]


def _last_names(home: Path) -> list[str]:
    listed = json.loads(run("contact", "list", "--json", "--home", str(home)).stdout)
    return [r["last_name"] for r in listed]


def test_an_unknown_locale_creates_no_space(tmp_path: Path) -> None:
    data = tmp_path / "relay"
    done = run("relay", "space", "create", "intl", "--locale", "xx", "--data", str(data),
               check=False)
    assert done.returncode == 2
    assert "unknown locale" in done.stderr
    store = RelayStore(data)
    try:
        assert "intl" not in store.spaces()
    finally:
        store.close()


def test_devices_order_names_by_the_space_locale(tmp_path: Path) -> None:
    data = tmp_path / "relay"
    done = run("relay", "space", "create", "intl", "--locale", "sv", "--data", str(data))
    assert done.stdout.strip() == "space intl created (locale sv)"
    store = RelayStore(data)
    now = int(time.time() * 1000)
    tokens = {name: store.issue_token("intl", name, now)[1] for name in ("ann", "bob")}
    store.close()
    relay, port = start_relay(data)
    try:
        homes = {}
        for name, token in tokens.items():
            homes[name] = tmp_path / name
            run("device", "init", "--home", str(homes[name]), "--relay",
                f"ws://127.0.0.1:{port}", "--space", "intl", "--token", token, "--name", name,
                "--no-auto-sync")
        for last in NAMES:
            run("contact", "add", "--last-name", last, "--home", str(homes["ann"]))
        # Before its first sync a device knows no locale: the Unicode default order.
        assert _last_names(homes["ann"]) == ["Aaron", "Ähler", "Ångström", "Öberg", "Zeller"]
        run("sync", "--home", str(homes["ann"]))
        swedish = ["Aaron", "Zeller", "Ångström", "Ähler", "Öberg"]
        assert _last_names(homes["ann"]) == swedish
        run("sync", "--home", str(homes["bob"]))
        assert _last_names(homes["bob"]) == swedish
        run("contact", "add", "--last-name", "Åberg", "--home", str(homes["bob"]))
        assert _last_names(homes["bob"]) == [*swedish[:2], "Åberg", *swedish[2:]]
    finally:
        relay.kill()
        relay.wait(timeout=TIMEOUT)
        if relay.stderr is not None:
            relay.stderr.close()
