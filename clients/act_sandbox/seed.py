"""Realistic sample data for the Act! sandbox (``handsync act-sandbox serve --seed-contacts N``).

``seed(store, n, me)`` fills an empty store with N contacts and, in proportion, companies,
groups with members, notes, histories, activities and opportunities. The data depends only on
N (a seeded ``random.Random``; the stamps are fixed dates, not the clock), so two runs with the
same N give the same ids and values. Like an import into Act!, contacts are stamped in batches:
hundreds share one ``edited`` value, which is what makes bare ``$skip`` paging unstable.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from clients.act_sandbox.schema import (
    ACTIVITY_TYPES,
    HISTORY_TYPES,
    PRIORITIES,
    STAGES,
    CustomField,
    blank,
    duration_of,
    stamp,
)
from clients.act_sandbox.store import DEFAULT_CUSTOM, SandboxStore, user_id_for


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


OTHER_USER = "Pat Rivera"
BATCH = 500  # contacts per import batch, sharing one `edited` stamp
_EPOCH = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CONTACT_CUSTOM = [*DEFAULT_CUSTOM[:12],  # user13-15 were renamed by the "administrator"
                  CustomField("customerSince", "Customer Since", "Number"),
                  CustomField("newsletter", "Newsletter", "YesNo"),
                  CustomField("accountTier", "Account Tier", "Character")]
_FIRST = _words("Ann Bob Carla Dev Elena Farid Grace Hiro Ines Jamal Kate Liam Maya Nils Olga Priya "
          "Quinn Rosa Sam Tariq Uma Victor Wen Xavier Yara Zoe Aaron Bea Chen Dana Emil Fatima "
          "Georg Hana Ivan Julia Kofi Lena Marco Noor Omar Paula Rahul Sofia Tom Ursula Vik "
          "Will Yusuf Zeynep Åsa José Chloé Björn")
_LAST = _words("Lee Ng Garcia Smith Okafor Müller Rossi Tanaka Dubois Kowalski Novak Silva Haddad "
         "Jensen O'Brien Patel Kim Nguyen Schmidt Larsen Costa Ivanova Cohen Moreau Baker Wright "
         "Hughes Fischer Romero Ahmed Berg Santos Walsh Fontaine Reyes Lindqvist Murphy Kaur "
         "Yamamoto Abara Petrov García-López")
_WORDS = _words("Blue Harbor Summit Granite Cedar Northwind Bright Pioneer Atlas Silver Maple Orchid "
          "Falcon Meridian Copper River Lakeside Redwood Keystone Horizon")
_TRADES = _words("Logistics Dental Engineering Foods Consulting Roofing Analytics Print Travel Labs "
           "Plumbing Software Insurance Design Outfitters")
_SUFFIX = ("Ltd", "Inc.", "GmbH", "LLC", "& Sons", "Group", "Co.")
_PLACES = [("Springfield", "IL", "627", "USA", "1", "217"), ("Austin", "TX", "787", "USA", "1",
           "512"), ("Portland", "OR", "972", "USA", "1", "503"), ("Boston", "MA", "021", "USA",
           "1", "617"), ("Denver", "CO", "802", "USA", "1", "303"), ("Toronto", "ON", "M5V",
           "Canada", "1", "416"), ("London", "", "EC1A", "United Kingdom", "44", "20"),
           ("Berlin", "", "101", "Germany", "49", "30")]
_STREETS = ("Main St", "Oak Avenue", "Harbour Road", "Market Street", "King's Way",
            "Industrial Pkwy", "Elm Court", "Hauptstraße")
_TITLES = ("Buyer", "Office Manager", "CEO", "Purchasing Lead", "Engineer", "Owner",
           "Account Director", "Head of Operations", "Sales Rep")
_DEPARTMENTS = ("Purchasing", "Sales", "Operations", "Finance", "IT", "Management")
_STATUS = ("Customer", "Prospect", "Vendor", "Partner", "Former Customer")
_TOPICS = ("pricing for the spring order", "the delivery delay", "a demo of the new range",
           "renewal terms", "the invoice dispute", "training for their staff",
           "a referral to their sister company", "the trade show follow-up")
_STAGES = tuple(STAGES)


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _phone(rng: random.Random, area: str, country: str) -> str:
    if country == "1":
        return f"({area}) 555-{rng.randrange(100, 200):04d}"
    return f"{area} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"


def _address(rng: random.Random, place: tuple[str, ...]) -> dict[str, Any]:
    city, state, postal, country = place[:4]
    code = postal + (f"{rng.randrange(10, 99)}" if postal.isdigit() else
                     f" {rng.randrange(1, 9)}AB")
    suite = f"Suite {rng.randrange(100, 999)}" if rng.random() < 0.2 else None
    return {"line1": f"{rng.randrange(1, 999)} {rng.choice(_STREETS)}", "line2": suite,
            "line3": None, "city": city, "state": state or None, "postalCode": code,
            "country": country}


class _Seeder:
    """Builds the records of one data set; ``run()`` returns them by kind."""

    def __init__(self, n: int, me: str) -> None:
        self.rng = random.Random(n)
        self.n = n
        self.me, self.me_name = user_id_for(me), me
        self.other = user_id_for(OTHER_USER)
        self.out: dict[str, list[dict[str, Any]]] = {}
        self.members: list[tuple[str, str]] = []

    def _record(self, kind: str, created: datetime, edited: datetime | None = None,
                owner: str | None = None) -> dict[str, Any]:
        record = blank(kind)
        record.update(id=_guid(self.rng), created=stamp(created),
                      edited=stamp(edited or created), _owner=owner or self.me)
        self.out.setdefault(kind, []).append(record)
        return record

    def _past(self, days: int) -> datetime:
        return _EPOCH - timedelta(days=self.rng.randrange(days), minutes=self.rng.randrange(600))

    def run(self) -> dict[str, list[dict[str, Any]]]:
        companies = [self._company() for _ in range(max(1, self.n // 10))]
        contacts = [self._contact(i, companies) for i in range(self.n)]
        self._groups(contacts)
        for _ in range(self.n):
            self._note(contacts, companies)
            self._history(contacts)
        for _ in range(max(1, self.n // 2)):
            self._activity(contacts)
        for _ in range(max(1, self.n // 20)):
            self._opportunity(contacts, companies)
        return self.out

    def _company(self) -> dict[str, Any]:
        rng = self.rng
        record = self._record("company", self._past(2000))
        place = rng.choice(_PLACES)
        name = f"{rng.choice(_WORDS)} {rng.choice(_TRADES)} {rng.choice(_SUFFIX)}"
        domain = name.split()[0].lower() + name.split()[1].lower() + ".example"
        record.update(name=name, address=_address(rng, place),
                      phone=_phone(rng, place[5], place[4]), fax=None, website=f"www.{domain}",
                      industry=name.split()[1], territory=place[3], region=place[1] or place[0],
                      editedBy=self.me_name, recordManagerID=self.me,
                      recordManager=self.me_name, _place=place, _domain=domain)
        if rng.random() < 0.3:
            record["customFields"] = {"user1": rng.choice(("Key account", "Reseller"))}
        return record

    def _contact(self, i: int, companies: list[dict[str, Any]]) -> dict[str, Any]:
        rng = self.rng
        batch = _EPOCH + timedelta(minutes=i // BATCH)
        later = batch + timedelta(days=rng.randrange(1, 300)) if rng.random() < 0.05 else batch
        record = self._record("contact", batch, later)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        company = rng.choice(companies) if rng.random() < 0.8 else None
        place = company["_place"] if company else rng.choice(_PLACES)
        domain = company["_domain"] if company else "mail.example"
        email_name = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        record.update(firstName=first, lastName=last, fullName=f"{first} {last}",
                      salutation=first, jobTitle=rng.choice(_TITLES),
                      department=rng.choice(_DEPARTMENTS),
                      emailAddress=f"{email_name}{i}@{domain}",
                      businessPhone=_phone(rng, place[5], place[4]),
                      businessCountryCode=int(place[4]), idStatus=rng.choice(_STATUS),
                      recordManagerID=self.me, recordManager=self.me_name,
                      editedBy=self.me_name)
        if company:
            record.update(companyID=company["id"], company=company["name"],
                          businessAddress=dict(company["address"]),
                          website=company["website"])
        if rng.random() < 0.25:
            record["businessExtension"] = str(rng.randrange(10, 9999))
        if rng.random() < 0.7:
            record.update(mobilePhone=_phone(rng, place[5], place[4]),
                          mobileCountryCode=int(place[4]))
        if rng.random() < 0.2:
            record["homeAddress"] = _address(rng, rng.choice(_PLACES))
            record["homePhone"] = _phone(rng, place[5], place[4])
        if rng.random() < 0.4:
            record["birthday"] = stamp(datetime(rng.randrange(1950, 2000), rng.randrange(1, 13),
                                                rng.randrange(1, 29)))
        if rng.random() < 0.3:
            record["lastReach"] = stamp(later - timedelta(days=rng.randrange(1, 90)))
        record["customFields"] = self._custom_values()
        if i % 97 == 13:  # ~1 %: another user's private contacts, which we must never see
            record.update(isPrivate=True, recordManagerID=self.other,
                          recordManager=OTHER_USER, _owner=self.other)
        elif i % 199 == 7:  # and a few private ones of our own, which we do see
            record["isPrivate"] = True
        elif rng.random() < 0.2:
            record.update(recordManagerID=self.other, recordManager=OTHER_USER,
                          _owner=self.other)
        return record

    def _custom_values(self) -> dict[str, Any]:
        rng = self.rng
        custom: dict[str, Any] = {}
        if rng.random() < 0.5:
            custom["user1"] = rng.choice(("North", "South", "East", "West"))
        if rng.random() < 0.4:
            custom["customerSince"] = rng.randrange(1995, 2026)
        if rng.random() < 0.5:
            custom["newsletter"] = rng.random() < 0.5
        if rng.random() < 0.3:
            custom["accountTier"] = rng.choice(("Gold", "Silver", "Bronze"))
        return custom

    def _groups(self, contacts: list[dict[str, Any]]) -> None:
        rng = self.rng
        names = ["Key Accounts", "Newsletter", "Trade Show 2025", "Prospects West",
                 "Prospects East", "Resellers", "Holiday Cards", "Board"]
        count = max(2, min(50, self.n // 100))
        groups: list[dict[str, Any]] = []
        for g in range(count):
            record = self._record("group", self._past(900))
            name = names[g] if g < len(names) else f"Campaign {2020 + g % 6}-{g}"
            parent = groups[0]["id"] if g in (3, 4) and groups else None  # two subgroups
            record.update(name=name, description=f"{name} (seeded)", parentID=parent)
            groups.append(record)
            size = min(len(contacts), rng.randrange(5, 300))
            self.members += [(record["id"], c["id"]) for c in rng.sample(contacts, size)]

    def _links(self, contacts: list[dict[str, Any]]) -> list[str]:
        first = self.rng.choice(contacts)
        links = [first["id"]]
        if self.rng.random() < 0.1:
            links.append(self.rng.choice(contacts)["id"])
        return list(dict.fromkeys(links))

    def _private_other(self, record: dict[str, Any]) -> None:
        if self.rng.random() < 0.02:
            record.update(isPrivate=True, _owner=self.other)

    def _note(self, contacts: list[dict[str, Any]], companies: list[dict[str, Any]]) -> None:
        rng = self.rng
        when = self._past(700)
        record = self._record("note", when)
        text = f"Talked about {rng.choice(_TOPICS)}."
        if rng.random() < 0.3:
            text += f"\nNext step: send {rng.choice(('a quote', 'samples', 'the contract'))}" \
                    " — price in €, confirm by Friday."
        record.update(noteText=text, displayDate=stamp(when), contacts=self._links(contacts))
        if rng.random() < 0.3:
            record["companies"] = [rng.choice(companies)["id"]]
        self._private_other(record)

    def _history(self, contacts: list[dict[str, Any]]) -> None:
        rng = self.rng
        start = self._past(700)
        minutes = rng.choice((5, 15, 30, 60))
        type_id = rng.choice(list(HISTORY_TYPES))
        record = self._record("history", start + timedelta(minutes=minutes))
        record.update(regarding=f"{HISTORY_TYPES[type_id]}: {rng.choice(_TOPICS)}",
                      details="Left a voicemail." if type_id == 3 else None,
                      startTime=stamp(start), endTime=stamp(start + timedelta(minutes=minutes)),
                      historyTypeID=type_id,
                      historyType={"id": type_id, "name": HISTORY_TYPES[type_id]},
                      contacts=self._links(contacts))
        record["duration"] = duration_of(record)
        self._private_other(record)

    def _activity(self, contacts: list[dict[str, Any]]) -> None:
        rng = self.rng
        start = _EPOCH + timedelta(days=rng.randrange(-60, 120), hours=rng.randrange(8, 17))
        minutes = rng.choice((15, 30, 60, 90))
        type_id = rng.choice(list(ACTIVITY_TYPES))
        priority = rng.choice(list(PRIORITIES))
        record = self._record("activity", self._past(60))
        record.update(subject=f"{ACTIVITY_TYPES[type_id]} about {rng.choice(_TOPICS)}",
                      startTime=stamp(start), endTime=stamp(start + timedelta(minutes=minutes)),
                      isTimeless=rng.random() < 0.1,
                      isAllDay=rng.random() < 0.05, location=rng.choice((None, "Office",
                                                                          "Their site")),
                      activityTypeId=type_id, activityTypeName=ACTIVITY_TYPES[type_id],
                      activityPriorityId=priority, activityPriorityName=PRIORITIES[priority],
                      isAlarmed=rng.random() < 0.3, isCleared=start < _EPOCH,
                      scheduledBy=self.me_name, scheduledFor=self.me_name,
                      contacts=self._links(contacts))
        record["duration"] = duration_of(record)
        if rng.random() < 0.03:  # Activities.RecurSpec, as Act!'s definition shapes it
            record.update(seriesID=record["id"], recurSpec={
                "seriesStart": stamp(start), "seriesEnd": stamp(start + timedelta(weeks=12)),
                "isEndless": False, "recurType": "Weekly", "frequency": 1,
                "day": {"daysOfWeek": [start.strftime("%A")], "dayType": "Named"}})
        self._private_other(record)

    def _opportunity(self, contacts: list[dict[str, Any]],
                     companies: list[dict[str, Any]]) -> None:
        rng = self.rng
        opened = self._past(400)
        status = rng.choice((0, 0, 0, 1, 2))
        total = round(rng.uniform(500, 50000), 2)
        probability = {0: rng.choice((10, 25, 50, 75)), 1: 100, 2: 0}[status]
        record = self._record("opportunity", opened)
        record.update(name=f"{rng.choice(_TRADES)} deal {rng.randrange(100, 999)}", status=status,
                      probability=probability, productTotal=total,
                      weightedTotal=round(total * probability / 100, 2), openDate=stamp(opened),
                      estimatedCloseDate=stamp(opened + timedelta(days=rng.randrange(30, 120))),
                      actualCloseDate=stamp(opened + timedelta(days=60)) if status else None,
                      stage=rng.choice(_STAGES), contacts=self._links(contacts),
                      companies=[rng.choice(companies)["id"]])


def seed(store: SandboxStore, n: int, me: str) -> dict[str, int]:
    """Fill an empty ``store`` with N contacts and related records owned by user ``me``.

    Raises StoreError if the store already holds records. Returns the counts by kind.
    """
    seeder = _Seeder(n, me)
    records = seeder.run() if n > 0 else {}
    for company in records.get("company", []):
        company.pop("_place"), company.pop("_domain")
    users = {seeder.me: me, seeder.other: OTHER_USER}
    store.load(records, seeder.members, {"contact": CONTACT_CUSTOM, "company": DEFAULT_CUSTOM},
               users)
    return {kind: len(batch) for kind, batch in records.items()}
