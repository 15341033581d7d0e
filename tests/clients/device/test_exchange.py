"""Tests of clients/device/exchange/ and the export/import commands, on real SQLite homes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from clients.cli import exchange as cli_exchange
from clients.cli.exchange import export, import_
from clients.device.exchange.files import read_rows
from clients.device.exchange.plan import exportable, stable_id
from clients.device.exchange.rows import column_target
from clients.device.home import Device, init_home
from relay.group import HandsyncGroup

RELAY = "ws://127.0.0.1:9"  # nothing connects: these tests never sync


@click.group(cls=HandsyncGroup)
def cli() -> None:
    """The commands under test, as clients/cli/main.py will register them."""


cli.add_command(export)
cli.add_command(import_)


def make_home(tmp_path: Path, name: str = "a") -> Path:
    home = tmp_path / name
    init_home(home, RELAY, "space", "token", name)
    return home


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def contacts(home: Path) -> list[dict[str, Any]]:
    with Device(home) as device:
        return exportable(device.replica, "contact")


def log_size(home: Path) -> int:
    with Device(home) as device:
        return device.replica.store.stats()["log_entries"]


ACT_CSV = (
    "First Name,Last Name,Company,E-mail,Business Phone,Mobile Phone,Address 1,City,State,"
    "ZIP Code,Country,Title,Web Site,Customer Since\r\n"
    "Ann,Lee,Acme Ltd,Ann@Acme.example,555-123-4567 ext. 89,555 0100,12 Main St,Springfield,IL,"
    "01234,USA,Buyer,acme.example,2020\r\n"
    "Bob,Ng,Beta,,555 9999,,,,,,,Job Title Ignored? no,,\r\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ CSV with Act! columns

def test_act_csv_columns_map_to_our_fields(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = run("import", write(tmp_path, "act.csv", ACT_CSV), "--home", home)
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    ann = next(c for c in contacts(home) if c["first_name"] == "Ann")
    assert ann == {
        "id": ann["id"], "first_name": "Ann", "last_name": "Lee", "company": "Acme Ltd",
        "email": "ann@acme.example", "business_phone": "555-123-4567 x89",
        "mobile_phone": "555 0100", "business_address_line1": "12 Main St",
        "business_address_city": "Springfield", "business_address_state": "IL",
        "business_address_postal_code": "01234", "business_address_country": "USA",
        "job_title": "Buyer", "website": "acme.example", "custom": {"Customer Since": "2020"},
    }


def test_reimport_without_ids_matches_by_email_then_name_and_company(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    path = write(tmp_path, "act.csv", ACT_CSV)
    assert run("import", path, "--home", home).exit_code == 0
    first = {c["id"]: c for c in contacts(home)}
    again = run("import", path, "--home", home, "--json")
    assert json.loads(again.output)["unchanged"] == 2
    assert {c["id"]: c for c in contacts(home)} == first
    # A corrected copy updates the same two contacts: Ann by e-mail, Bob by name + company.
    changed = ACT_CSV.replace("Buyer", "Head buyer").replace("555 9999", "555 8888")
    result = run("import", write(tmp_path, "v2.csv", changed), "--home", home, "--json")
    assert json.loads(result.output)["updated"] == 2
    after = {c["id"]: c for c in contacts(home)}
    assert after.keys() == first.keys()
    assert sorted(c.get("job_title", "") for c in after.values()) == ["Head buyer",
                                                                      "Job Title Ignored? no"]
    assert any(c.get("business_phone") == "555 8888" for c in after.values())


def test_email_match_wins_over_a_changed_name(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    assert run("import", write(tmp_path, "act.csv", ACT_CSV), "--home", home).exit_code == 0
    married = "First Name,Last Name,E-mail\r\nAnn,Lee-Smith,ANN@acme.example\r\n"
    result = run("import", write(tmp_path, "m.csv", married), "--home", home, "--json")
    assert json.loads(result.output)["updated"] == 1
    assert sorted(c["last_name"] for c in contacts(home)) == ["Lee-Smith", "Ng"]


def test_id_column_gives_the_record_id_and_reimport_finds_it(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    text = ("Contact ID,First Name,E-mail\r\n"
            "{0b1c2d3e-aaaa-bbbb-cccc-000000000001},Ann,ann@x.example\r\n"
            "not a valid id @ all,Bob,bob@x.example\r\n")
    path = write(tmp_path, "ids.csv", text)
    assert run("import", path, "--home", home).exit_code == 0
    ids = sorted(c["id"] for c in contacts(home))
    assert ids == sorted(["{0b1c2d3e-aaaa-bbbb-cccc-000000000001}",
                          stable_id("not a valid id @ all")])
    # A different e-mail does not matter: the file's id decides.
    moved = text.replace("bob@x.example", "robert@x.example")
    result = run("import", write(tmp_path, "ids2.csv", moved), "--home", home, "--json")
    assert json.loads(result.output) | {"seconds": 0} == {
        "file": str(tmp_path / "ids2.csv"), "format": "csv", "kind": "contact",
        "dry_run": False, "rows": 2, "created": 0, "updated": 1, "restored": 0,
        "unchanged": 1, "seconds": 0}
    assert sorted(c["id"] for c in contacts(home)) == ids


def test_a_deleted_record_named_by_id_is_restored(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    path = write(tmp_path, "one.csv", "id,first_name\r\nc-1,Ann\r\n")
    assert run("import", path, "--home", home).exit_code == 0
    with Device(home) as device:
        device.replica.delete("contact", "c-1")
    result = run("import", path, "--home", home)
    assert "1 restored" in result.output
    assert [c["id"] for c in contacts(home)] == ["c-1"]


def test_columns_that_disagree_are_an_error(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    path = write(tmp_path, "t.csv", "Title,Job Title\r\nBuyer,Seller\r\n")
    result = run("import", path, "--home", home)
    assert result.exit_code == 1
    assert "row 2" in result.output and "'Job Title'" in result.output
    assert "'Buyer'" in result.output and "'Seller'" in result.output
    assert contacts(home) == []


# ------------------------------------------------------------------ bad input

def test_bad_row_reports_row_field_value_and_writes_nothing(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    text = ACT_CSV + "Cy,Do,Gamma,not-an-email,,,,,,,,,,\r\n"
    result = run("import", write(tmp_path, "bad.csv", text), "--home", home)
    assert result.exit_code == 1
    assert "row 4" in result.output
    assert "'E-mail'" in result.output and "'email'" in result.output
    assert "'not-an-email'" in result.output and "nothing was imported" in result.output
    assert contacts(home) == []
    assert log_size(home) == 0


def test_bad_json_record_names_the_record(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    data = [{"first_name": "Ann"}, {"first_name": "Bob", "birthday": "31/12/1980"}]
    result = run("import", write(tmp_path, "bad.json", json.dumps(data)), "--home", home)
    assert result.exit_code == 1
    assert "record 2" in result.output and "'birthday'" in result.output
    assert "'31/12/1980'" in result.output
    assert contacts(home) == []


def test_unknown_export_format_is_refused(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = run("export", "--home", home, "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of" in result.output


def test_export_format_unknown_from_extension_is_refused(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = run("export", "--home", home, "--output", tmp_path / "out.xml")
    assert result.exit_code == 1
    assert "--format" in result.output
    assert not (tmp_path / "out.xml").exists()


def test_import_of_an_unknown_format_is_refused(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    path = write(tmp_path, "contacts.xml", "<contacts><contact/></contacts>")
    result = run("import", path, "--home", home)
    assert result.exit_code == 1
    assert "cannot tell the format" in result.output
    assert log_size(home) == 0


@pytest.mark.parametrize("what", ["missing", "directory"])
def test_unreadable_file_is_a_clear_error(tmp_path: Path, what: str) -> None:
    home = make_home(tmp_path)
    path = tmp_path / "nowhere.csv"
    if what == "directory":
        path.mkdir()
    result = run("import", path, "--home", home)
    assert result.exit_code == 1
    assert f"cannot read {path}" in result.output
    assert log_size(home) == 0


def test_binary_file_is_refused(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"SQLite format 3\x00\x01\x02")
    result = run("import", path, "--home", home)
    assert result.exit_code == 1
    assert "binary file" in result.output


@pytest.mark.parametrize(("text", "message"), [
    ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\n", "not a valid vCard file"),
    ("BEGIN:VCARD\r\nVERSION:3.0\r\nthis is not a property\r\nEND:VCARD\r\n",
     "not a valid vCard file"),
    ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "card 1: is a VCALENDAR"),
    ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n"
     "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\nEMAIL:bob-at-nowhere\r\nEND:VCARD\r\n",
     "card 2, column 'EMAIL', field 'email'"),
])
def test_bad_vcard_is_refused_and_nothing_written(tmp_path: Path, text: str, message: str) -> None:
    home = make_home(tmp_path)
    result = run("import", write(tmp_path, "bad.vcf", text), "--home", home)
    assert result.exit_code == 1
    assert message in result.output
    assert log_size(home) == 0


def test_missing_required_field_of_another_kind(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    path = write(tmp_path, "companies.csv", "name,industry\r\nAcme,Tools\r\n,Food\r\n")
    result = run("import", path, "--home", home, "--kind", "company")
    assert result.exit_code == 1
    assert "row 3, field 'name': is required" in result.output
    assert log_size(home) == 0


def test_vcard_is_for_contacts_only(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = run("export", "--home", home, "--format", "vcard", "--kind", "company")
    assert result.exit_code == 1
    assert "contacts only" in result.output


# ------------------------------------------------------------------ round trips

RICH = [
    {"first_name": "Ann", "middle_name": "B.", "last_name": "Lee", "name_prefix": "Dr.",
     "salutation": "Dear Ann", "company": "Acme; Ltd, \"East\"", "department": "Sales",
     "job_title": "Buyer", "email": "ann@acme.example", "alt_email": "a.lee@mail.example",
     "personal_email": "ann@home.example", "business_phone": "555-123-4567 x89",
     "mobile_phone": "+44 7700 900123", "fax_phone": "555 0199", "home_phone": "555 0142",
     "alternate_phone": "555 0111", "pager_phone": "555 0122",
     "business_phone_country_code": "1",
     "business_address_line1": "12 Main St", "business_address_line2": "Suite 4, Floor 2",
     "business_address_city": "Springfield", "business_address_state": "IL",
     "business_address_postal_code": "01234", "business_address_country": "USA",
     "home_address_line1": "3 Elm Rd", "home_address_city": "Shelbyville",
     "website": "https://acme.example", "birthday": "1980-12-31", "is_private": True,
     "contact_type": "Contact", "last_reach": "2026-01-02T03:04:05.006Z",
     "custom": {"Customer Since": "2020", "Notes": "Met at the fair;\nlikes tea",
                "Web Site": "collides with an Act! column"}},
    {"full_name": "Bob Ng (consultant)", "first_name": "Bob", "last_name": "Ng",
     "mobile_phone": "555 0100", "mobile_phone_extension": "12"},
    {"company": "Nameless Corp", "email": "info@nameless.example"},
]


def rich_home(tmp_path: Path) -> Path:
    home = make_home(tmp_path, "source")
    with Device(home) as device:
        for n, fields in enumerate(RICH):
            device.replica.create("contact", fields, record_id=f"{{guid-{n}}}")
    return home


@pytest.mark.parametrize(("fmt", "suffix"), [("json", "json"), ("csv", "csv"), ("vcard", "vcf")])
def test_round_trip_into_a_fresh_home_and_reimport(tmp_path: Path, fmt: str, suffix: str) -> None:
    source = rich_home(tmp_path)
    path = tmp_path / f"out.{suffix}"
    exported = run("export", "--home", source, "--format", fmt, "--output", path)
    assert exported.exit_code == 0, exported.output
    assert f"exported 3 contact record(s) to {path}" in exported.output
    target = make_home(tmp_path, "target")
    imported = run("import", path, "--home", target, "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["created"] == 3
    assert contacts(target) == contacts(source)
    assert all(c["id"].startswith("{guid-") for c in contacts(target))
    # Importing the same file again, into either home, changes nothing.
    for home in (target, source):
        before = log_size(home)
        again = json.loads(run("import", path, "--home", home, "--json").output)
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
        assert log_size(home) == before


def _many(count: int) -> list[dict[str, Any]]:
    # Every field of RICH's first contact, varied per record, so that all of them travel.
    base = RICH[0]
    records = []
    for i in range(count):
        record = {k: (f"{v} {i}" if isinstance(v, str) and k in ("first_name", "company",
                                                                  "job_title", "salutation")
                      else v) for k, v in base.items() if k != "custom"}
        record.update(email=f"ann{i}@acme.example", is_private=bool(i % 2),
                      custom={"Customer Since": str(2000 + i % 25), "Rank": i})
        records.append(record)
    return records


def test_ten_thousand_contacts_round_trip_every_field_in_batches(tmp_path: Path) -> None:
    source = make_home(tmp_path, "source")
    with Device(source) as device, device.replica.batch():
        for n, fields in enumerate(_many(10_000)):
            device.replica.create("contact", fields, record_id=f"{{guid-{n}}}")
    path = tmp_path / "all.json"
    assert run("export", "--home", source, "--output", path).exit_code == 0
    target = make_home(tmp_path, "target")
    imported = run("import", path, "--home", target, "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["created"] == 10_000
    exported = contacts(source)
    assert len(exported) == 10_000
    assert contacts(target) == exported
    with Device(target) as device:
        # One outbox entry per batch of 1,000, not one per contact (the log itself was
        # compacted on the way: it passed 1 MB).
        assert len(device.replica.outbox()) == 10
    before = log_size(target)
    again = json.loads(run("import", path, "--home", target, "--json").output)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 10_000)
    assert log_size(target) == before


def test_a_batch_that_fails_half_way_keeps_earlier_batches_and_a_rerun_finishes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clients.device.exchange import plan as plan_module

    path = write(tmp_path, "some.json", json.dumps(
        [{"first_name": f"P{i}", "email": f"p{i}@x.example"} for i in range(25)]))
    home = make_home(tmp_path)
    real, calls = plan_module._write, []

    def failing(replica: Any, kind: str, item: Any) -> None:
        calls.append(item.record_id)
        if len(calls) == 15:
            raise OSError(28, "No space left on device")
        real(replica, kind, item)

    monkeypatch.setattr(plan_module, "_write", failing)
    with Device(home) as device:
        plan = plan_module.plan_import(device.replica, "contact",
                                       read_rows(path.read_text(), "json", "contact"))
        with pytest.raises(OSError):
            plan_module.apply_plan(device.replica, "contact", plan, batch=10)
    assert len(contacts(home)) == 14  # the first batch, and the second up to the failure
    monkeypatch.setattr(plan_module, "_write", real)
    result = json.loads(run("import", path, "--home", home, "--json").output)
    assert (result["created"], result["unchanged"]) == (11, 14)
    assert sorted(c["first_name"] for c in contacts(home)) == sorted(f"P{i}" for i in range(25))


def test_json_keeps_value_types(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    with Device(home) as device:
        device.replica.create("contact", {"first_name": "Ann", "is_private": False,
                                          "custom": {"Since": 2020, "Score": 1.5, "VIP": True}})
    out = run("export", "--home", home).output
    assert json.loads(out)[0]["custom"] == {"Since": 2020, "Score": 1.5, "VIP": True}
    target = make_home(tmp_path, "b")
    run("import", write(tmp_path, "x.json", out), "--home", target)
    assert contacts(target) == contacts(home)


def test_csv_export_uses_our_names_plus_custom_columns(tmp_path: Path) -> None:
    home = rich_home(tmp_path)
    out = run("export", "--home", home, "--format", "csv").output
    header = out.splitlines()[0].split(",")
    assert header[:4] == ["id", "contact_type", "full_name", "name_prefix"]
    assert header[-3:] == ["Customer Since", "Notes", "custom.Web Site"]
    assert column_target("contact", "Web Site") == ("field", "website")


def test_vcard_export_carries_standard_properties(tmp_path: Path) -> None:
    home = rich_home(tmp_path)
    out = run("export", "--home", home, "--format", "vcard").output
    cards = {card.split("UID:")[1].split()[0]: card for card in out.split("END:VCARD")[:-1]}
    ann = cards["{guid-0}"]
    for line in ("VERSION:3.0", "UID:{guid-0}", "FN:Dr. Ann B. Lee", "N:Lee;Ann;B.;Dr.;",
                 "ORG:Acme\\; Ltd\\, \"East\";Sales", "TITLE:Buyer",
                 "EMAIL;TYPE=INTERNET,WORK,PREF:ann@acme.example",
                 "TEL;TYPE=WORK,VOICE:555-123-4567 x89", "TEL;TYPE=CELL,VOICE:+44 7700 900123",
                 "TEL;TYPE=WORK,FAX:555 0199", "TEL;TYPE=HOME,VOICE:555 0142",
                 "ADR;TYPE=WORK:;;12 Main St\\nSuite 4\\, Floor 2;Springfield;IL;01234;USA",
                 "URL:https://acme.example", "NOTE:Met at the fair\\;\\nlikes tea",
                 "BDAY:1980-12-31"):
        assert line in ann, line
    assert "TEL;TYPE=CELL,VOICE:555 0100 x12" in cards["{guid-1}"]  # the extension field shown on phones


VCARD4 = """BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
FN:Ann Lee
N:Lee;Ann;;;
ORG:Acme Ltd
EMAIL;TYPE=work:Ann@Acme.example
EMAIL;TYPE=home:ann@home.example
TEL;VALUE=uri;TYPE="voice,work":tel:+1-555-555-5555;ext=102
TEL;VALUE=uri;TYPE=cell:tel:+1-555-555-0100
ADR;TYPE=home:;;3 Elm Rd;Shelbyville;IL;62565;USA
BDAY:19801231
NOTE:Prefers e-mail
PHOTO:data:image/jpeg;base64,AAAA
X-SKYPE:ann.lee
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Bob Ng
N:Ng;Bob;;;
TEL;WORK;VOICE:555 9999
END:VCARD
"""


def test_vcard_4_import_and_reimport(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    path = write(tmp_path, "phone.vcf", VCARD4)
    assert run("import", path, "--home", home).exit_code == 0
    found = {c["first_name"]: c for c in contacts(home)}
    assert found["Ann"] == {
        "id": "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1", "first_name": "Ann", "last_name": "Lee",
        "company": "Acme Ltd", "email": "ann@acme.example", "personal_email": "ann@home.example",
        "business_phone": "+1-555-555-5555 x102", "mobile_phone": "+1-555-555-0100",
        "home_address_line1": "3 Elm Rd", "home_address_city": "Shelbyville",
        "home_address_state": "IL", "home_address_postal_code": "62565",
        "home_address_country": "USA", "birthday": "1980-12-31",
        "custom": {"Notes": "Prefers e-mail", "X-SKYPE": "ann.lee"},
    }
    assert found["Bob"]["business_phone"] == "555 9999"
    again = json.loads(run("import", path, "--home", home, "--json").output)
    assert (again["created"], again["unchanged"]) == (0, 2)  # Bob, who has no UID, by name


def test_act_json_import(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    act = {"value": [{
        "id": "0b1c2d3e-0000-4000-8000-000000000001", "firstName": "Ann", "lastName": "Lee",
        "emailAddress": "ann@acme.example", "businessPhone": "555 0100",
        "businessPhoneExtension": "7", "businessAddress": {"line1": "12 Main St", "city": "Springfield",
                                                           "postalCode": "01234"},
        "isPrivate": False, "edited": "2026-03-01T10:00:00+01:00",
        "customFields": {"user1": "gold", "Region Code": 7},
    }], "Count": 1}
    assert run("import", write(tmp_path, "act.json", json.dumps(act)), "--home", home).exit_code == 0
    (ann,) = contacts(home)
    assert ann == {
        "id": "0b1c2d3e-0000-4000-8000-000000000001", "first_name": "Ann", "last_name": "Lee",
        "email": "ann@acme.example", "business_phone": "555 0100",
        "business_phone_extension": "7", "business_address_line1": "12 Main St",
        "business_address_city": "Springfield", "business_address_postal_code": "01234",
        "is_private": False, "edited": "2026-03-01T09:00:00.000Z",
        "custom": {"user1": "gold", "Region Code": 7},
    }


def test_act_names_of_phones_and_company_addresses_map_to_the_record_model() -> None:
    # Act!'s definition: businessExtension/businessCountryCode, a company's `address`;
    # the older names still land in the same fields.
    for column in ("businessExtension", "businessPhoneExtension"):
        assert column_target("contact", column) == ("field", "business_phone_extension")
    assert column_target("contact", "mobileCountryCode") == ("field",
                                                            "mobile_phone_country_code")
    for column in ("address/city", "businessAddress/city", "shippingAddress/city"):
        assert column_target("company", column)[1].endswith("address_city")
    assert column_target("company", "shippingAddress/city") == ("field",
                                                                "shipping_address_city")
    assert column_target("opportunity", "stage/name") == ("field", "stage")
    assert column_target("opportunity", "stage/id") == ("field", "stage_id")


def test_groups_round_trip_with_members(tmp_path: Path) -> None:
    source = make_home(tmp_path, "source")
    with Device(source) as device:
        ann = device.replica.create("contact", {"first_name": "Ann"}, record_id="c-ann")
        gid = device.replica.create("group", {"name": "Key accounts"}, record_id="g-1")
        device.replica.add_to_group(gid, ann)
    target = make_home(tmp_path, "target")
    for kind in ("contact", "group"):
        out = run("export", "--home", source, "--kind", kind, "--format", "csv").output
        result = run("import", write(tmp_path, f"{kind}.csv", out), "--home", target,
                     "--kind", kind)
        assert result.exit_code == 0, result.output
    with Device(target) as device:
        assert device.replica.get("group", "g-1")["members"] == ["c-ann"]


def test_unknown_group_member_is_an_error(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    path = write(tmp_path, "g.json", json.dumps([{"name": "G", "members": ["nobody"]}]))
    result = run("import", path, "--home", home, "--kind", "group")
    assert result.exit_code == 1
    assert "record 1, field 'members': no contact has this id (value 'nobody')" in result.output


# ------------------------------------------------------------------ dry run, progress

def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = run("import", write(tmp_path, "act.csv", ACT_CSV), "--home", home, "--dry-run")
    assert result.exit_code == 0
    assert result.output.startswith("would import 2 contact record(s)")
    assert log_size(home) == 0


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_bar_only_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         terminal: bool) -> None:
    monkeypatch.setattr(cli_exchange, "_interactive", lambda: terminal)
    home = make_home(tmp_path)
    result = run("import", write(tmp_path, "act.csv", ACT_CSV), "--home", home)
    assert ("Importing 2 contact record(s)" in result.output) is terminal
    exported = run("export", "--home", home, "--output", tmp_path / "out.json")
    assert ("Exporting 2 contact record(s)" in exported.output) is terminal
    assert len(json.loads((tmp_path / "out.json").read_text())) == 2


def test_stdout_export_has_only_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_exchange, "_interactive", lambda: True)
    home = make_home(tmp_path)
    run("import", write(tmp_path, "act.csv", ACT_CSV), "--home", home)
    assert len(json.loads(run("export", "--home", home).output)) == 2


def test_every_command_has_help_with_an_example() -> None:
    for command in (export, import_):
        assert command.help and "Example:" in command.help
