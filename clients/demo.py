"""The guided tour behind ``handsync demo``.

For now it shows the engine alone: two replicas (an office PC and a phone),
each in its own SQLite file, edit offline, including the same field on both,
then exchange updates through two sync sessions wired back to back, and print
the converged contacts and the conflict. The relay joins the tour in a later
version.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine.replica import Replica
from engine.session import SyncSession
from engine.sqlite_store import SqliteStore


def wall_clock() -> int:
    """Milliseconds since the epoch, the clock real replicas use."""
    return int(time.time() * 1000)


def _exchange(a: Replica, b: Replica) -> int:
    """Run two sessions against each other until both are quiet; return frames carried."""
    left, right = SyncSession(a), SyncSession(b)
    left.connect()
    right.connect()
    carried = 0
    for _ in range(50):
        out_left, out_right = left.data_to_send(), right.data_to_send()
        if not out_left and not out_right:
            return carried
        for frame in out_left:
            right.receive_data(frame)
        for frame in out_right:
            left.receive_data(frame)
        carried += len(out_left) + len(out_right)
    raise RuntimeError("the two replicas did not settle")


def run_demo(echo: Callable[[str], None], directory: Path | None = None) -> None:
    """Run the tour, printing each step with ``echo``."""
    with tempfile.TemporaryDirectory(prefix="handsync-demo-") as tmp:
        base = directory or Path(tmp)
        office = Replica(SqliteStore(base / "office.sqlite"), clock=wall_clock, replica_id="office")
        phone = Replica(SqliteStore(base / "phone.sqlite"), clock=wall_clock, replica_id="phone")
        echo(f"Two replicas in {base}: office.sqlite and phone.sqlite")

        ann = office.create("contact", {
            "first_name": "Ann", "last_name": "Lee", "company": "Acme Ltd",
            "email": " Ann.Lee@Acme.example ", "business_phone": "+1 555 0100 ext. 12"})
        bob = office.create("contact", {"first_name": "Bob", "last_name": "Marsh",
                                        "company": "Marsh & Sons", "mobile_phone": "555 0199"})
        echo("office: added Ann Lee and Bob Marsh")
        echo(f"sync: {_exchange(office, phone)} frames exchanged")

        office.update("contact", ann, {"job_title": "Head of Sales"})
        phone.update("contact", ann, {"mobile_phone": "+1 555 0142"})
        office.update("contact", bob, {"email": "bob@marsh.example"})
        phone.update("contact", bob, {"email": "bob.marsh@marsh.example"})
        echo("offline: office set Ann's job title and Bob's e-mail;"
             " phone set Ann's mobile and Bob's e-mail too")
        echo(f"sync: {_exchange(office, phone)} frames exchanged")

        for name, replica in (("office", office), ("phone", phone)):
            echo(f"\n{name} sees:")
            for record in replica.list("contact"):
                fields = ", ".join(f"{k}={v}" for k, v in record.items()
                                   if k not in ("id", "deleted", "updated_at", "updated_by",
                                                "conflicts"))
                echo(f"  {fields}")
        echo("\nconflicts (same on both):")
        for conflict in phone.conflicts():
            echo(f"  {conflict['field']}: kept {conflict['current']!r}, "
                 f"also typed {conflict['value']!r} on {conflict['replica']}")
        same = office.list("contact") == phone.list("contact")
        same = same and office.conflicts() == phone.conflicts()
        echo(f"\nreplicas identical: {same}")
        office.close()
        phone.close()
