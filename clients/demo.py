"""The guided tour behind ``make demo`` / ``handsync demo``.

It starts a relay on 127.0.0.1, creates a space and two devices (the office PC and
Ann's phone), adds contacts, syncs, edits offline on both — different fields of one
contact and the same field of another — syncs again, and prints the converged
contacts and the conflict that was kept. Everything lives in a temporary folder.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from clients.device import Device, init_home, wall_clock
from relay.hub import RelayConfig
from relay.server import RelayServer
from relay.store import RelayStore

_HIDDEN = ("id", "deleted", "updated_at", "updated_by", "conflicts")


async def _tour(base: Path, echo: Callable[[str], None]) -> bool:
    store = RelayStore(base / "relay")
    store.create_space("acme", wall_clock())
    tokens = {name: store.issue_token("acme", name, wall_clock())[1]
              for name in ("office-pc", "anns-phone")}
    store.close()
    server = RelayServer(RelayConfig(base / "relay", port=0))
    await server.start()
    url = f"ws://127.0.0.1:{server.port}"
    echo(f"relay listening on {url}, space 'acme', data in {base / 'relay'}")
    try:
        devices = {}
        for name, token in tokens.items():
            init_home(base / name, url, "acme", token, name)
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
        for device in devices.values():
            device.close()
        return same
    finally:
        await server.stop()


def run_demo(echo: Callable[[str], None], directory: Path | None = None) -> bool:
    """Run the tour, printing each step with ``echo``; True if both devices converged."""
    with tempfile.TemporaryDirectory(prefix="handsync-demo-") as tmp:
        return asyncio.run(_tour(directory or Path(tmp), echo))
