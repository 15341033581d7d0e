"""The contract test: the bridge's requests and the sandbox's answers, both checked against
tests/contract/act_web_api.json, an extract of Act!'s own Swagger definition of the Web API
(public repository api-evangelist/act, openapi/_original/act-web-api-swagger.json; the
extract's ``source`` names the commit and the date it was read). The sandbox and the bridge
can no longer agree with each other while both differ from Act!.

The bridge runs for real (``Mirror`` passes over a replica, the same code ``handsync bridge``
runs) against the sandbox, in process: a recording transport hands each request to
``ActSandbox.handle`` and keeps request and answer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from clients.act.client import ActClient
from clients.act_sandbox.seed import seed
from clients.act_sandbox.server import ActSandbox, SandboxConfig
from clients.act_sandbox.store import SandboxStore
from clients.bridge.mirror import Mirror
from clients.bridge.state import BridgeState
from engine.replica import Replica
from engine.store import MemoryStore
from tests.clients.act_sandbox.helpers import DB, PASSWORD, START, USER
from tests.contract.checks import Contract, Operation

URL = "http://act.invalid/act.web.api"  # never resolved: the transport answers in process


@dataclass
class Exchange:
    method: str
    url: str
    body: bytes
    status: int
    content_type: str
    answer: bytes


class Recorder(httpx.BaseTransport):
    """Hands every request to the sandbox in process and records it with its answer."""

    def __init__(self, app: ActSandbox) -> None:
        self.app = app
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, answer_headers, answer = self.app.handle(
            request.method, request.url.raw_path.decode("ascii"), headers, body)
        self.exchanges.append(Exchange(request.method, str(request.url), body, status,
                                       answer_headers.get("Content-Type", ""), answer))
        return httpx.Response(status, headers=answer_headers, content=answer)


class Ticking:
    """The sandbox's clock: a millisecond on at every reading, so each write has its stamp."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


@dataclass
class Setup:
    contract: Contract
    recorder: Recorder
    act: ActClient
    replica: Replica
    state: BridgeState
    clock: Ticking
    bridge_calls: int = 0

    def mirror(self) -> None:
        """One bridge pass, as ``handsync bridge`` runs it."""
        tally = Mirror(self.replica, self.act, self.state,
                       clock=lambda: int(self.clock() * 1000), page_size=50).run()
        assert not tally.problems, tally.problems


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("contract")
    store = SandboxStore(root / "act.sqlite")
    seed(store, 60, USER)
    clock = Ticking()
    recorder = Recorder(ActSandbox(store, SandboxConfig(database=DB, user=USER,
                                                        password=PASSWORD), clock))
    act = ActClient(URL, DB, USER, PASSWORD, transport=recorder, clock=clock,
                    sleep=lambda _: None, trust_env=False)
    replica = Replica(MemoryStore(), clock=lambda: int(clock() * 1000), replica_id="pc")
    state = BridgeState(root / "bridge.sqlite")
    setup = Setup(Contract(), recorder, act, replica, state, clock)
    setup.mirror()  # everything in from Act!
    device_edits(replica, state)
    setup.mirror()  # the devices' changes out to Act!
    setup.mirror()  # and nothing comes back as an echo
    setup.bridge_calls = len(recorder.exchanges)
    yield setup
    act.close()
    store.close()


def device_edits(replica: Replica, state: BridgeState) -> None:
    """What people do on their phones: create, change and delete records of every kind the
    bridge sends to Act!, and change group members."""
    def pulled(kind: str, n: int) -> list[str]:  # records that came from Act!
        return [r["id"] for r in replica.list(kind)
                if state.known(kind, r["id"]) is not None][:n]

    contacts = pulled("contact", 3)
    company = replica.create("company", {"name": "Contract Test Ltd", "address_city": "Leeds",
                                         "phone_extension": "12"})
    ann = replica.create("contact", {"first_name": "Ann", "last_name": "Contract",
                                     "business_phone": "0113 496 0000",
                                     "business_phone_extension": "7",
                                     "business_phone_country_code": 44,
                                     "company_id": company, "custom": {"user1": "North"}})
    replica.update("contact", contacts[0], {"job_title": "Buyer", "mobile_phone_extension": "3",
                                            "birthday": "1980-02-29"})
    group = replica.create("group", {"name": "Contract group"})
    replica.add_to_group(group, ann)
    replica.add_to_group(group, contacts[1])
    for pulled_group in pulled("group", 1):
        member = next(iter(replica.get("group", pulled_group).get("members") or []), None)
        if member is not None:
            replica.remove_from_group(pulled_group, member)
    replica.create("note", {"text": "Met at the fair\nwants samples", "contact_ids": [ann]})
    replica.create("history", {"regarding": "Call", "details": "Left a message",
                               "start_time": "2026-11-20T10:00:00Z",
                               "end_time": "2026-11-20T10:30:00Z", "contact_ids": [ann]})
    replica.create("activity", {"subject": "Visit", "details": "Bring the catalogue",
                                "start_time": "2026-12-01T09:00:00Z",
                                "end_time": "2026-12-01T10:00:00Z", "contact_ids": [ann]})
    replica.create("opportunity", {"name": "Contract deal", "status": 3, "stage": "Proposal",
                                   "contact_ids": [ann]})
    changes = {"company": {"industry": "Printing", "billing_address_city": "York"},
               "group": {"description": "Changed on a phone"},
               "note": {"text": "Changed on a phone"},
               "history": {"details": "Called back"},
               "activity": {"location": "Their site", "details": "Bring samples"},
               "opportunity": {"status": 2, "stage": "Negotiation"}}
    for kind, fields in changes.items():
        changed, deleted = pulled(kind, 2)
        replica.update(kind, changed, fields)
        replica.delete(kind, deleted)
    replica.delete("contact", contacts[2])


#: Every operation the bridge uses: list, create, read, patch and delete of every kind it
#: mirrors, group members, field metadata and the login. The passes above use them all.
BRIDGE_USES = {
    "Authorize", "Companies_DeleteCompany_B5D7C6B0", "Companies_GetCompanies_BF3259E6",
    "Companies_GetCompany_AC884DF5", "Companies_PatchCompany_316D8304",
    "Companies_PostCompany_6941ACD1", "Contacts_DeleteAssociatedContactsFromGroup_ACB6D180",
    "Contacts_DeleteContact_59870332", "Contacts_GetAssociatedContactsFromGroup_8FB71684",
    "Contacts_GetContact_E09EB702", "Contacts_GetContacts_70C5959A",
    "Contacts_PatchContact_7296FF7D", "Contacts_PostContact_03914590",
    "Contacts_PutAssociatedContactsToGroup_4264268C", "Groups_DeleteGroup_26D17601",
    "Groups_GetGroups_99BF0A48", "Groups_GetGroups_DD9B20F4", "Groups_PatchGroup_F19E7730",
    "Groups_PostGroup_22C1BA27", "History_Delete_BD3B55A2", "History_Get_E89EFEC9",
    "History_Get_F9FA0741", "History_Patch_B2B2DD81", "History_Post_E2B6CABD",
    "MetadataInfo_GetFields_387CA408", "Notes_Delete_158A8476", "Notes_Get_2C9BCB52",
    "Notes_Get_82BA5566", "Notes_Patch_5F3A0F8F", "Notes_Post_DE6D7616",
    "Opportunities_DeleteOpportunity_C205C3A0", "Opportunities_GetOpportunities_DC941A41",
    "Opportunities_GetOpportunity_E0756909", "Opportunities_PatchOpportunity_254E3997",
    "Opportunities_PostOpportunity_A5EFCD6E", "Tasks_DeleteTask_79C0B39F",
    "Tasks_GetTasks_82532732", "Tasks_GetTasks_A7AE9362", "Tasks_PatchTasks_419ECA90",
    "Tasks_PostTasks_87E31868"
}


def matched(setup: Setup) -> list[tuple[Exchange, Operation | None]]:
    """The bridge's exchanges (those before the direct calls below), each with its operation."""
    return [(x, setup.contract.operation(x.method, _path(x.url)))
            for x in setup.recorder.exchanges[:setup.bridge_calls]]


def _path(url: str) -> str:
    return httpx.URL(url).path


def test_the_extract_names_its_public_source() -> None:
    source = Contract().source
    assert source["repository"] == "https://github.com/api-evangelist/act"
    assert source["path"] == "openapi/_original/act-web-api-swagger.json"
    assert len(source["commit"]) == 40 and source["read"] == "2026-12-03"


def test_every_request_the_bridge_makes_is_an_operation_of_the_definition(setup: Setup) -> None:
    unknown = [f"{x.method} {_path(x.url)}" for x, op in matched(setup) if op is None]
    assert not unknown, unknown
    used = {op.id for _, op in matched(setup) if op is not None}
    assert used >= BRIDGE_USES, sorted(BRIDGE_USES - used)


def test_every_request_the_bridge_makes_has_the_parameters_and_body_act_defines(
        setup: Setup) -> None:
    problems = [f"{x.method} {x.url}: {p}" for x, op in matched(setup) if op is not None
                for p in setup.contract.request_problems(op, x.url, x.body)]
    assert not problems, problems[:20]


def test_every_answer_the_bridge_got_is_as_act_defines_it(setup: Setup) -> None:
    problems = [f"{x.method} {_path(x.url)} -> {x.status}: {p}"
                for x, op in matched(setup) if op is not None
                for p in setup.contract.answer_problems(op, x.status, x.content_type, x.answer)]
    assert not problems, problems[:20]
    assert {x.status for x, _ in matched(setup)} <= {200, 201, 204}


def test_the_bridge_asks_for_plain_text_wherever_rich_text_can_come(setup: Setup) -> None:
    rich = {"Notes", "History", "Tasks"}
    for exchange, op in matched(setup):
        assert op is not None
        ids_only = "$select=id,edited" in exchange.url  # a sweep: no text comes back
        if op.id.split("_")[0] in rich and op.method != "DELETE" and not ids_only:
            assert "format=text" in exchange.url, exchange.url


def sandbox_call(setup: Setup, op: Operation, ids: dict[str, str]) -> Exchange:
    """Send ``op`` to the sandbox with a valid token and a plausible body."""
    path = op.path
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    body: Any = None
    if op.body == "Contacts.ContactListRequest":
        body = {"contacts": [ids["contactId"]]}
    elif op.body is not None:
        body = {"Contacts.Contact": {"firstName": "Put"}, "Companies.Company": {"name": "Put"},
                "Groups.Group": {"name": "Put"},
                "Notes.Note": {"noteText": "Put", "contacts": [{"id": ids["contactId"]}]},
                "Histories.History": {"regarding": "Put", "contacts": [{"id": ids["contactId"]}]},
                "Activities.ActivityOccurrence": {"subject": "Put",
                                                  "contacts": [{"id": ids["contactId"]}]},
                "Opportunities.Opportunity": {"name": "Put", "status": "Lost",
                                              "stage": {"name": "Closing"}}}[op.body]
    params = {"ids": ids["contactId"]} if op.path.endswith("by-ids") else {}
    headers = {"Act-Database-Name": DB}
    if op.id == "Authorize":
        headers["Authorization"] = "Basic " + base64.b64encode(
            f"{USER}:{PASSWORD}".encode()).decode()
    elif op.id != "System_GetVersion_2833248C":  # the one call that needs no login
        headers["Authorization"] = f"Bearer {setup.act.authorize()}"
    with httpx.Client(transport=setup.recorder, base_url=URL) as http:
        http.request(op.method, path, params=params, json=body, headers=headers)
    return setup.recorder.exchanges[-1]


def test_the_sandbox_answers_every_operation_of_the_extract_as_act_defines_it(
        setup: Setup) -> None:
    # Records of its own, so that PUTs and DELETEs leave the bridge's records alone.
    ids = {"recordType": "Contact"}
    made = sandbox_call(setup, setup.contract.operations[_POSTS["contacts"]], {"contactId": ""})
    ids["contactId"] = json.loads(made.answer)["id"]
    act_ids = {}  # by collection
    for collection, op_id in _POSTS.items():
        answer = sandbox_call(setup, setup.contract.operations[op_id], ids)
        act_ids[collection] = json.loads(answer.answer)["id"]
    ids.update(companyId=act_ids["companies"], groupId=act_ids["groups"],
               opportunityId=act_ids["opportunities"], taskId=act_ids["tasks"])
    # Deletes last, each on a record made for it, so the other operations find theirs.
    order = sorted(setup.contract.operations.values(), key=lambda op: op.method == "DELETE")
    problems = []
    for op in order:
        wanted = dict(ids)
        collection = ([*op.path.split("/"), "", ""])[2]
        if op.method == "DELETE" and "{" in op.path and "associated" not in op.path:
            kind = collection
            made = sandbox_call(setup, setup.contract.operations[_POSTS[kind]], ids)
            new_id = json.loads(made.answer)["id"]
            wanted.update({k: new_id for k in ("contactId", "companyId", "groupId",
                                                "opportunityId", "taskId")}, id=new_id)
        else:
            wanted["id"] = act_ids.get(collection, "")  # {id}: notes and History
        exchange = sandbox_call(setup, op, wanted)
        assert exchange.status < 300, (op.id, exchange.status, exchange.answer[:200])
        problems += [f"{op.id}: {p}" for p in setup.contract.answer_problems(
            op, exchange.status, exchange.content_type, exchange.answer)]
    assert not problems, problems


_POSTS = {"contacts": "Contacts_PostContact_03914590", "companies": "Companies_PostCompany_6941ACD1",
          "groups": "Groups_PostGroup_22C1BA27", "notes": "Notes_Post_DE6D7616",
          "History": "History_Post_E2B6CABD", "tasks": "Tasks_PostTasks_87E31868",
          "opportunities": "Opportunities_PostOpportunity_A5EFCD6E"}


def test_a_request_outside_the_definition_is_caught() -> None:
    contract = Contract()
    assert contract.operation("POST", "/act.web.api/api/groups/g-1/associated-contacts") is None
    assert contract.operation("GET", "/act.web.api/api/activities") is None
    put = contract.operation("PUT", "/act.web.api/api/groups/g-1/associated-contacts")
    assert put is not None
    assert contract.request_problems(put, URL, b'["c-1"]') == ["body should be a "
                                                                "Contacts.ContactListRequest object"]
    patch = contract.operation("PATCH", "/act.web.api/api/contacts/c-1")
    assert patch is not None
    assert contract.request_problems(patch, URL, b'{"businessPhoneExtension": "7"}') == [
        "body.businessPhoneExtension is not a property of Contacts.Contact"]
    assert contract.request_problems(patch, URL, b'{"businessCountryCode": "44"}') == [
        "body.businessCountryCode = '44' is not int32"]
    tasks = contract.operation("GET", "/act.web.api/api/tasks")
    assert tasks is not None
    assert contract.request_problems(tasks, URL + "/api/tasks?format=word", b"") == [
        "?format = 'word' is not one of ['auto', 'rtf', 'text', 'html']"]
    opp = contract.operation("GET", "/act.web.api/api/opportunities/o-1")
    assert opp is not None
    assert contract.answer_problems(opp, 200, "application/json",
                                    b'{"stage": "Proposal", "status": 3}') == [
        "answer.stage should be a Opportunities.Stage object",
        "answer.status = 3 is not one of ['Open', 'Won', 'Lost', 'Inactive']"]
    assert contract.answer_problems(put, 204, "", b"") == [
        "Contacts_PutAssociatedContactsToGroup_4264268C declares no 204 (only 200, 400, 401, "
        "404, 500)"]



def test_what_the_devices_wrote_is_in_act_under_acts_own_names(setup: Setup) -> None:
    act = setup.act
    [ann] = act.find("contacts", "lastName eq 'Contract'")
    assert (ann["businessExtension"], ann["businessCountryCode"]) == ("7", 44)
    assert ann["customFields"]["user1"] == "North"
    [company] = act.find("companies", "name eq 'Contract Test Ltd'")
    assert company["address"]["city"] == "Leeds" and company["phoneExtension"] == "12"
    assert ann["companyID"] == company["id"]
    [deal] = act.find("opportunities", "name eq 'Contract deal'")
    assert deal["status"] == "Inactive" and deal["stage"]["name"] == "Proposal"
    [task] = act.find("tasks", "subject eq 'Visit'")
    assert task["duration"] == "1 hour" and task["details"].startswith("{\\rtf")
    assert act.get("tasks", task["id"], {"format": "text"})["details"] == "Bring the catalogue"
    [group] = act.find("groups", "name eq 'Contract group'")
    assert ann["id"] in act.group_members(group["id"])
    # And the devices hold what Act! derived, under the record model's names.
    mine = next(r for r in setup.replica.list("activity") if r.get("subject") == "Visit")
    assert mine["duration"] == "1 hour"
    deal_here = next(r for r in setup.replica.list("opportunity")
                     if r.get("name") == "Contract deal")
    assert deal_here["status"] == 3 and deal_here["stage_id"] == deal["stage"]["id"]
    lost = next(r for r in setup.replica.list("opportunity") if r.get("status") == 2
                and setup.state.known("opportunity", r["id"]) is not None)
    assert act.get("opportunities", lost["id"])["status"] == "Lost"
