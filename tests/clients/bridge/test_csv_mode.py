"""The bridge's CSV mode: Act! text-delimited exports in, an import file out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clients.bridge.runner import Bridge, BridgeConfig, init_bridge
from engine.errors import HandsyncError
from tests.clients.bridge.helpers import World, world

EXPORT_HEADER = "Contact ID,First Name,Last Name,E-mail,Job Title,Edit Date,User 1,handsync id\r\n"


A_ID, B_ID, C_ID = ("6f4a3b1e-0d5c-4f8e-9a71-2b3c4d5e6f01", "6f4a3b1e-0d5c-4f8e-9a71-2b3c4d5e6f02",
                    "6f4a3b1e-0d5c-4f8e-9a71-2b3c4d5e6f03")


def csv_bridge(w: World, export: Path) -> Path:
    home = w.root / "csv-bridge"
    init_bridge(home, BridgeConfig(act_csv=str(export)), relay=w.relay_url, space="acme",
                token=w.tokens["bridge"])
    return home


def test_csv_mode_reads_exports_by_id_and_writes_what_act_lacks(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        export = tmp_path / "contacts.csv"
        export.write_text(EXPORT_HEADER
                          + f"{A_ID},Ann,Lee,ann@acme.example,Buyer,2026-11-01 09:00,gold,\r\n"
                          + f"{B_ID},Bob,Ray,bob@acme.example,Clerk,2026-11-01 09:00,,\r\n",
                          encoding="cp1252")
        home = csv_bridge(w, export)
        with Bridge(home) as b:
            assert b.once().pulled == {"contact created": 2}
        import_file = tmp_path / "contacts.import.csv"
        with w.edits("ann") as ann:
            assert ann.get("contact", A_ID)["custom"] == {"User 1": "gold"}
            ann.update("contact", A_ID, {"job_title": "Head Buyer"})
            new = ann.create("contact", {"first_name": "Cy", "last_name": "Fox"})
        with Bridge(home) as b:
            assert b.once().pushed == {"contact created": 1, "contact updated": 1}
        rows = import_file.read_text(encoding="utf-8-sig").splitlines()
        assert rows[0].startswith("Contact ID,handsync id,")
        (row_a,) = [r for r in rows if r.startswith(f"{A_ID},{A_ID},")]
        assert "Head Buyer" in row_a and "ann@acme.example" not in row_a  # changed values only
        assert any(r.startswith(f",{new},") and "Cy" in r for r in rows)
        # The user imports that file into Act!, edits Bob there, and exports again.
        export.write_text(EXPORT_HEADER
                          + f"{A_ID},Ann,Lee,ann@acme.example,Head Buyer,2026-11-02 10:00,gold,"
                            f"{A_ID}\r\n"
                          + f"{B_ID},Bob,Rae,bob@acme.example,Clerk,2026-11-02 10:00,,\r\n"
                          + f"{C_ID},Cy,Fox,,,2026-11-02 10:00,,{new}\r\n", encoding="cp1252")
        with Bridge(home) as b:
            tally = b.once()
            assert tally.pulled == {"contact updated": 1}
            assert tally.pushed == {"contact confirmed by Act!": 1}
        assert import_file.read_text(encoding="utf-8-sig").splitlines() == \
            ["Contact ID,handsync id"]  # nothing left that Act! lacks
        with w.device("bob") as bob:
            got = {r["id"]: r for r in bob.replica.list("contact")}
            assert set(got) == {A_ID, B_ID, new}  # Cy is the device's record, not a second one
            assert (got[B_ID]["last_name"], got[A_ID]["job_title"]) == ("Rae", "Head Buyer")
        # A contact missing from a full export was deleted in Act!.
        export.write_text(EXPORT_HEADER
                          + f"{A_ID},Ann,Lee,ann@acme.example,Head Buyer,2026-11-02 10:00,gold,"
                            f"{A_ID}\r\n"
                          + f"{C_ID},Cy,Fox,,,2026-11-02 10:00,,{new}\r\n", encoding="cp1252")
        with Bridge(home) as b:
            assert b.once().pulled == {"contact deleted": 1}


@pytest.mark.parametrize(("text", "words"), [
    ("First Name,Last Name\r\nAnn,Lee\r\n", "no Act! id"),
    ("Contact ID,First Name\r\n", "holds no contacts"),
    ("Contact ID,First Name\r\n" + B_ID + ",Bob\r\n\"unclosed,Ann\r\n",
     "row 3: .*not a valid record id"),
])


def test_a_bad_export_is_refused_and_changes_nothing(tmp_path: Path, text: str,
                                                     words: str) -> None:
    with world(tmp_path) as w:
        export = tmp_path / "contacts.csv"
        export.write_text(EXPORT_HEADER + f"{B_ID},Bob,Ray,,,,,\r\n")
        home = csv_bridge(w, export)
        with Bridge(home) as b:
            b.once()
            before = b.device.replica.list("contact")
            export.write_text(text)
            with pytest.raises(HandsyncError, match=words):
                b.once()
            assert b.device.replica.list("contact") == before
            assert re.search(words, b.status()["last_error"])


def test_a_value_the_space_cannot_hold_is_left_out_and_reported(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        export = tmp_path / "contacts.csv"
        export.write_text(EXPORT_HEADER + f"{A_ID},Ann,Lee,not-an-address,,,,\r\n")
        with Bridge(csv_bridge(w, export)) as b:
            tally = b.once()
            assert tally.pulled == {"contact created": 1}
            assert any("not-an-address" in p and A_ID in p for p in tally.problems)
            got = b.device.replica.get("contact", A_ID)
            assert (got["last_name"], got.get("email")) == ("Lee", None)
            assert b.status()["problems"] == tally.problems
