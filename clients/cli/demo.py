"""The guided tour behind ``make demo`` / ``handsync demo``.

It starts a relay on 127.0.0.1, creates a space and two devices (the office PC and
Ann's phone), adds contacts, syncs, edits offline on both — different fields of one
contact and the same field of another — syncs again, and prints the converged
contacts and the conflict that was kept.

Then Act! joins: the Act! sandbox (a local stand-in of the Act! Web API, seeded with
200 contacts) and the PC bridge. Act!'s contacts appear on both devices, a phone's
edit appears in Act!, and an edit made in Act! reaches the devices. Everything lives
in a temporary folder.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from clients.act.client import ActClient
from clients.act_sandbox.seed import seed
from clients.act_sandbox.server import ActSandbox, SandboxConfig, make_server
from clients.act_sandbox.store import SandboxStore
from clients.bridge.rules import Tally
from clients.bridge.runner import Bridge, BridgeConfig, init_bridge, summary
from clients.device.home import Device, init_home, wall_clock
from relay.config import RelayConfig
from relay.server import RelayServer
from relay.store import RelayStore

_HIDDEN = ("id", "deleted", "updated_at", "updated_by", "conflicts")


async def _tour(base: Path, echo: Callable[[str], None]) -> bool:
    store = RelayStore(base / "relay")
    store.create_space("acme", wall_clock())
    tokens = {name: store.issue_token("acme", name, wall_clock())[1]
              for name in ("office-pc", "anns-phone", "act-bridge")}
    store.close()
    server = RelayServer(RelayConfig(base / "relay", port=0))
    await server.start()
    url = f"ws://127.0.0.1:{server.port}"
    echo(f"relay listening on {url}, space 'acme', data in {base / 'relay'}")
    try:
        devices = {}
        for name in ("office-pc", "anns-phone"):
            init_home(base / name, url, "acme", tokens[name], name)
            devices[name] = Device(base / name)
        office, phone = devices["office-pc"].replica, devices["anns-phone"].replica
        ann = office.create("contact", {
            "first_name": "Ann", "last_name": "Lee", "company": "Acme Ltd",
            "email": " Ann.Lee@Acme.example ", "business_phone": "+1 555 0100 ext. 12"})
        bob = office.create("contact", {"first_name": "Bob", "last_name": "Marsh",
                                        "company": "Marsh & Sons", "mobile_phone": "555 0199"})
        echo("office-pc: added Ann Lee and Bob Marsh")
        for name in ("office-pc", "anns-phone"):
            report = await devices[name].sync_async()
            echo(f"{name}: synced — sent {report.sent}, received {report.received}")

        office.update("contact", ann, {"job_title": "Head of Sales"})
        office.update("contact", bob, {"email": "bob@marsh.example"})
        # The phone's edits come later in real time (on a fast machine the same
        # millisecond would make it a tie, which the replica id settles instead).
        edited = wall_clock()
        while wall_clock() <= edited:
            pass
        phone.update("contact", ann, {"mobile_phone": "+1 555 0142"})
        phone.update("contact", bob, {"email": "bob.marsh@marsh.example"})
        echo("offline: office-pc set Ann's job title and Bob's e-mail; "
             "anns-phone set Ann's mobile and Bob's e-mail too")
        for name in ("office-pc", "anns-phone", "office-pc"):
            report = await devices[name].sync_async()
            echo(f"{name}: synced — sent {report.sent}, received {report.received}")

        for name, device in devices.items():
            echo(f"\n{name} sees:")
            for record in device.replica.list("contact"):
                fields = ", ".join(f"{k}={v}" for k, v in record.items() if k not in _HIDDEN)
                echo(f"  {fields}")
        echo("\nconflicts (the same on both devices):")
        for c in phone.conflicts():
            echo(f"  {c['field']}: kept {c['current']!r} (newest), also typed {c['value']!r} "
                 f"on {c['replica']}")
        same = (office.list("contact") == phone.list("contact")
                and office.conflicts() == phone.conflicts())
        echo(f"\ndevices identical: {same}")
        with_act = await _with_act(base, url, tokens["act-bridge"], devices, echo)
        for device in devices.values():
            device.close()
        return same and with_act
    finally:
        await server.stop()


_ACT_USER, _ACT_PASSWORD, _ACT_DB = "Sam Sandbox", "demo", "ActDemo"


async def _with_act(base: Path, relay: str, token: str, devices: dict[str, Device],
                    echo: Callable[[str], None]) -> bool:
    """The Act! part of the tour; True if Act! and both devices agree at the end."""
    store = SandboxStore(base / "act.sqlite")
    seed(store, 200, _ACT_USER)
    app = ActSandbox(store, SandboxConfig(database=_ACT_DB, user=_ACT_USER,
                                          password=_ACT_PASSWORD), time.time)
    act_server = make_server(app)
    thread = threading.Thread(target=act_server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    act = ActClient(act_server.url, _ACT_DB, _ACT_USER, _ACT_PASSWORD, trust_env=False)
    echo(f"\nAct! sandbox listening on {act_server.url} (database {_ACT_DB}, 200 contacts)")
    try:
        init_bridge(base / "act-bridge", BridgeConfig(act_url=act_server.url, database=_ACT_DB,
                                                      user=_ACT_USER),
                    relay=relay, space="acme", token=token)
        def bridge_pass() -> Tally:
            # In a worker thread (the relay runs on this event loop); the bridge syncs
            # with its own loop there.
            client = ActClient(act_server.url, _ACT_DB, _ACT_USER, _ACT_PASSWORD,
                               trust_env=False)
            with Bridge(base / "act-bridge", act=client) as bridge:
                return bridge.once()

        tally = await asyncio.to_thread(bridge_pass)
        echo(f"bridge: first mirror — {summary(tally)}")
        for name, device in devices.items():
            await device.sync_async()
            echo(f"{name}: now holds {len(device.replica.list('contact'))} contacts")
        phone = devices["anns-phone"].replica
        target = next(c for c in phone.list("contact") if c.get("job_title"))
        other = next(c for c in phone.list("contact") if c["id"] != target["id"])
        phone.update("contact", target["id"], {"job_title": "Regional Director"})
        await devices["anns-phone"].sync_async()
        echo(f"anns-phone: set {target.get('full_name')}'s job title to Regional Director")
        act.patch("contacts", other["id"], {"mobilePhone": "+1 555 0177"})
        echo(f"Act!: set {other.get('full_name')}'s mobile phone to +1 555 0177")
        tally = await asyncio.to_thread(bridge_pass)
        echo(f"bridge: {summary(tally)}")
        in_act = act.get("contacts", target["id"])["jobTitle"]
        echo(f"Act! now shows {target.get('full_name')}'s job title: {in_act}")
        agree: bool = in_act == "Regional Director"
        for name, device in devices.items():
            await device.sync_async()
            mobile = device.replica.get("contact", other["id"]).get("mobile_phone")
            echo(f"{name}: {other.get('full_name')}'s mobile phone is {mobile}")
            agree = agree and bool(mobile == "+1 555 0177")
        echo(f"\nAct! and both devices agree: {agree}")
        return agree
    finally:
        act.close()
        act_server.shutdown()
        act_server.server_close()
        thread.join(10)
        store.close()


def run_demo(echo: Callable[[str], None], directory: Path | None = None) -> bool:
    """Run the tour, printing each step with ``echo``; True if both devices converged."""
    with tempfile.TemporaryDirectory(prefix="handsync-demo-") as tmp:
        return asyncio.run(_tour(directory or Path(tmp), echo))


@click.command("demo")
def demo() -> None:
    """Tour: a relay, two devices editing offline, syncing, and settling a conflict.

    \b
    Example:
        handsync demo
    """
    converged = run_demo(click.echo)
    if not converged:
        raise click.ClickException("the devices did not converge")
