"""The ``/act.web.api/api/…`` resources of the Act! sandbox, for one authenticated user.

``Resources.dispatch`` takes a request already past authentication and rate limiting (see
clients/act_sandbox/server.py) and returns a ``Reply``. Refusals are exceptions: ``BadRequest`` and
``ODataError`` become 400, ``NotFound`` 404, ``MethodNotAllowed`` 405, each with
``{"message": …}``, the ASP.NET Web API error object Act!'s API answers with.
Every write is validated completely before anything is stored.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from clients.act_sandbox.odata import ODataError, Query, apply, parse_query, project
from clients.act_sandbox.schema import (
    ACTIVITY_TYPES,
    FIELDS,
    FORMATS,
    GUID,
    HISTORY_TYPES,
    PRIORITIES,
    READ_ONLY,
    REQUIRED,
    STAGES,
    BadRequest,
    WriteContext,
    build,
    odata_schema,
    render,
    stamp,
)
from clients.act_sandbox.store import SandboxStore

# URL collection names (matched case-insensitively, as ASP.NET routes are) -> record kinds.
# Activities are Act!'s "tasks" (/api/tasks; /api/activities is not in its definition).
COLLECTIONS = {"contacts": "contact", "companies": "company", "groups": "group",
               "notes": "note", "history": "history", "tasks": "activity",
               "opportunities": "opportunity"}
#: ``/api/metadata/{recordType}/fields``: Act!'s record types (Product has no fields here).
RECORD_TYPES = {"contact": "contact", "company": "company", "group": "group",
                "opportunity": "opportunity", "product": None}
CONTACT_RELATED = {"notes": "note", "history": "history", "associated-tasks": "activity",
                   "associated-groups": "group", "associated-companies": "company"}
# The sandbox's types as Act! field types (MetaData.Schema.NewColumn.type) and .NET data types.
_FIELD_TYPES = {"string": ("Character", "String"), "guid": ("Character", "Guid"),
                "datetime": ("DateTime", "DateTime"), "date": ("Date", "DateTime"),
                "int": ("Number", "Int32"), "number": ("Decimal", "Decimal"),
                "bool": ("YesNo", "Boolean"), "address": ("Address", "Address"),
                "links": ("Character", "Object"), "json": ("Character", "Object"),
                "type": ("Character", "Object"), "stage": ("Character", "Object"),
                "status": ("Number", "Int32")}
_CUSTOM_DATA_TYPES = {"Character": "String", "Number": "Decimal", "Currency": "Decimal",
                      "Date": "DateTime", "DateTime": "DateTime", "YesNo": "Boolean"}
_PICKLISTS: dict[str, list[dict[str, Any]]] = {
    "contact": [{"name": "ID/Status", "field": "idStatus",
                 "items": ["Customer", "Prospect", "Vendor", "Partner", "Former Customer"]},
                {"name": "Department", "field": "department",
                 "items": ["Purchasing", "Sales", "Operations", "Finance", "IT", "Management"]}],
    "history": [{"name": "History Type", "field": "historyTypeID",
                 "items": [{"id": k, "name": v} for k, v in HISTORY_TYPES.items()]}],
    "activity": [{"name": "Activity Type", "field": "activityTypeId",
                  "items": [{"id": k, "name": v} for k, v in ACTIVITY_TYPES.items()]},
                 {"name": "Priority", "field": "activityPriorityId",
                  "items": [{"id": k, "name": v} for k, v in PRIORITIES.items()]}],
    "opportunity": [{"name": "Stage", "field": "stage",
                     "items": [s["name"] for s in STAGES.values()]}],
}


class NotFound(LookupError):
    """404: no such resource, or a record the user may not see (the two look the same)."""


class MethodNotAllowed(LookupError):
    """405: the resource exists but not with this HTTP method."""


@dataclass
class Reply:
    """A response before HTTP framing: ``body`` None means no content."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    """One API call: ``segments`` are the path parts after ``/api``; ``options`` the query
    parameters (last value wins) and ``multi`` all values of each parameter."""

    method: str
    segments: list[str]
    options: dict[str, str]
    multi: dict[str, list[str]]
    body: bytes
    tie_seed: int


class Resources:
    """The API as seen by one user (``me_id``/``me_name``) of one store.

    ``envelope`` is ``"array"`` (collections as a bare JSON array) or ``"value"``
    (``{"value": [...], "Count": n}``); ``now`` gives the current time for ``edited`` stamps.
    """

    def __init__(self, store: SandboxStore, me_id: str, me_name: str, envelope: str,
                 now: Callable[[], datetime]) -> None:
        self.store = store
        self.me_id, self.me_name = me_id, me_name
        self.envelope = envelope
        self.now = now

    def dispatch(self, req: Request) -> Reply:
        """Route one request; raises NotFound, MethodNotAllowed, BadRequest or ODataError."""
        text_format(req)  # a bad ``format`` is refused whatever the answer would hold
        parts = req.segments
        head = [p.lower() for p in parts]
        if not parts:
            raise NotFound("No HTTP resource was found that matches the request URI.")
        if head[0] == "metadata" and len(parts) == 3:
            return self._metadata(req, head[1], head[2])
        kind = COLLECTIONS.get(head[0])
        if kind is None:
            raise NotFound(f"No HTTP resource was found that matches '/api/{parts[0]}'.")
        if len(parts) == 1:
            return self._collection(req, kind)
        if kind == "contact" and head[1] == "by-ids" and len(parts) == 2:
            _allow(req, "GET")
            return self._by_ids(req)
        rid = _guid(parts[1], kind)
        if len(parts) == 2:
            return self._item(req, kind, rid)
        if kind == "contact" and len(parts) == 3 and head[2] in CONTACT_RELATED:
            _allow(req, "GET")
            return self._contact_related(req, rid, CONTACT_RELATED[head[2]])
        if kind == "group" and head[2] == "associated-contacts" and len(parts) in (3, 4):
            # PUT and DELETE with {"contacts": [...]}, or one contact in the path (Act!'s
            # Contacts_*AssociatedContacts*Group operations); there is no POST.
            return self._membership(req, rid, parts[3] if len(parts) == 4 else None)
        raise NotFound(f"No HTTP resource was found that matches '/api/{'/'.join(parts)}'.")

    # Visibility and rendering --------------------------------------------------------------

    def visible(self, record: Mapping[str, Any]) -> bool:
        """Private records of other users do not exist as far as this user can tell."""
        return not record.get("isPrivate") or record.get("_owner") == self.me_id

    def _visible_id(self, kind: str, rid: str) -> bool:
        record = self.store.get(kind, rid)
        return record is not None and self.visible(record)

    def _find(self, kind: str, rid: str) -> dict[str, Any]:
        record = self.store.get(kind, rid)
        if record is None or not self.visible(record):
            raise NotFound(f"No {kind} with id {rid} was found.")
        return record

    def _link(self, kind: str, rid: str) -> dict[str, Any] | None:
        """A link as Act! sends it; None hides links to other users' private records."""
        record = self.store.get(kind, rid)
        if record is None or not self.visible(record):
            return None
        if kind == "contact":  # Contacts.EmbeddedContact
            return {"id": rid, "displayName": record.get("fullName")}
        return {"id": rid, "name": record.get("name")}

    def _render(self, kind: str, record: Mapping[str, Any], req: Request) -> dict[str, Any]:
        return render(kind, record, self._link, text_format(req))

    def _listing(self, req: Request, kind: str, records: Iterable[Mapping[str, Any]],
                 keep_order: list[str] | None = None) -> Reply:
        """Apply the OData options to ``records`` and wrap the page in the envelope."""
        query = parse_query(req.options, odata_schema(kind, self.store.custom_fields(kind)))
        chosen = [r for r in records if self.visible(r)]
        if keep_order is not None and not query.orderby:
            # by-ids without $orderby answers in the order the ids were asked for.
            everything, total = apply(chosen, _unpaged(query), req.tie_seed)
            rank = {rid: n for n, rid in enumerate(keep_order)}
            everything.sort(key=lambda r: rank[r["id"]])
            page = everything[query.skip: query.skip + query.top]
        else:
            page, total = apply(chosen, query, req.tie_seed)
        values = [project(self._render(kind, r, req), query.select) for r in page]
        if self.envelope == "value":
            return Reply(200, {"value": values, "Count": total})
        return Reply(200, values)

    # Records ----------------------------------------------------------------------------

    def _collection(self, req: Request, kind: str) -> Reply:
        _allow(req, "GET", "POST")
        if req.method == "GET":
            return self._listing(req, kind, list(self.store.records(kind)))
        # No idempotency key exists: every POST makes a new record with a new GUID.
        record = build(kind, _json(req.body), None, False, self._context(kind))
        when = stamp(self.now())
        record.update(id=str(uuid.uuid4()), created=when, edited=when)
        record.setdefault("_owner", self.me_id)
        if "editedBy" in FIELDS[kind]:
            record["editedBy"] = self.me_name
        self.store.put(kind, record)
        return Reply(201, self._render(kind, record, req),
                     {"Location": f"/act.web.api/api/{_plural(kind)}/{record['id']}"})

    def _item(self, req: Request, kind: str, rid: str) -> Reply:
        _allow(req, "GET", "PUT", "PATCH", "DELETE")
        record = self._find(kind, rid)
        if req.method == "GET":
            return Reply(200, self._render(kind, record, req))
        if req.method == "DELETE":
            self.store.delete(kind, rid)
            return Reply(204)
        updated = build(kind, _json(req.body), record, req.method == "PATCH",
                        self._context(kind))
        updated["edited"] = stamp(self.now())
        if "editedBy" in FIELDS[kind]:
            updated["editedBy"] = self.me_name
        self.store.put(kind, updated)
        return Reply(200, self._render(kind, updated, req))

    def _by_ids(self, req: Request) -> Reply:
        ids = [i.strip() for value in req.multi.get("ids", []) for i in value.split(",")
               if i.strip()]
        if not ids:
            raise BadRequest("by-ids needs ?ids=<guid>,<guid>,…")
        wanted = list(dict.fromkeys(_guid(i, "contact", BadRequest) for i in ids))
        found = [r for r in (self.store.get("contact", i) for i in wanted) if r is not None]
        return self._listing(req, "contact", found, keep_order=wanted)

    def _contact_related(self, req: Request, rid: str, kind: str) -> Reply:
        contact = self._find("contact", rid)
        if kind == "group":
            records = [r for g in self.store.groups_of(rid)
                       if (r := self.store.get("group", g)) is not None]
        elif kind == "company":
            company = self.store.get("company", contact.get("companyID") or "")
            records = [company] if company is not None else []
        else:
            records = [r for r in self.store.records(kind) if rid in r["contacts"]]
        return self._listing(req, kind, records)

    def _membership(self, req: Request, group_id: str, one: str | None) -> Reply:
        _allow(req, *(("PUT", "DELETE") if one else ("GET", "PUT", "DELETE")))
        self._find("group", group_id)
        if req.method == "GET":
            records = [r for c in self.store.members(group_id)
                       if (r := self.store.get("contact", c)) is not None]
            return self._listing(req, "contact", records)
        ids = [one] if one is not None else _id_list(_json(req.body))
        wanted = [_guid(i, "contact", BadRequest) for i in ids]
        unknown = [i for i in wanted if not self._visible_id("contact", i)]
        if unknown:
            raise BadRequest(f"There is no contact with id {', '.join(unknown)}; "
                             "the group was not changed.")
        # Membership is not a field of the contact: neither its `edited` nor the group's moves.
        if req.method == "DELETE":
            self.store.change_members(group_id, remove=wanted)
            return Reply(204)
        self.store.change_members(group_id, add=wanted)
        # 200 with Contact[] (the definition): the contacts the request assigned.
        added = [r for c in dict.fromkeys(wanted) if (r := self.store.get("contact", c))]
        return Reply(200, [self._render("contact", r, req) for r in added])

    def _context(self, kind: str) -> WriteContext:
        return WriteContext(custom=self.store.custom_fields(kind), visible=self._visible_id, user_name=self.store.user_name,
                            me_id=self.me_id, me_name=self.me_name)

    # Metadata ---------------------------------------------------------------------------

    def _metadata(self, req: Request, record_type: str, what: str) -> Reply:
        _allow(req, "GET")
        if record_type not in RECORD_TYPES:
            raise NotFound(f"Unknown record type '{record_type}'; use one of Contact, "
                           "Company, Group, Opportunity, Product.")
        kind = RECORD_TYPES[record_type]
        if what == "picklists":
            values: list[dict[str, Any]] = _PICKLISTS.get(kind or "", [])
        elif what == "fields":
            values = _field_list(kind, self.store) if kind else []
        else:
            raise NotFound(f"No metadata '{what}'; use fields or picklists.")
        if self.envelope == "value":
            return Reply(200, {"value": values, "Count": len(values)})
        return Reply(200, values)


def _field_list(kind: str, store: SandboxStore) -> list[dict[str, Any]]:
    """``MetaData.Schema.Column`` items for the fields of ``kind``, custom fields last."""
    record_type = kind.capitalize()
    out = []
    for name, type_ in FIELDS[kind].items():
        if type_ == "custom":
            continue
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
        out.append(_column(record_type, name, words[:1].upper() + words[1:],
                           *_FIELD_TYPES[type_], custom=False, read_only=name in READ_ONLY,
                           required=name in REQUIRED.get(kind, ())))
    for custom in store.custom_fields(kind):
        out.append(_column(record_type, custom.name, custom.display_name, custom.type,
                           _CUSTOM_DATA_TYPES[custom.type], custom=True, read_only=False,
                           required=False))
    return out


def _column(record_type: str, name: str, display: str, field_type: str, data_type: str, *,
            custom: bool, read_only: bool, required: bool) -> dict[str, Any]:
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"act-sandbox/{record_type}/{name}")),
            "name": name, "columnName": name.upper(), "aliasName": name, "displayName": display,
            "recordType": record_type, "tableName": f"TBL_{record_type.upper()}",
            "type": field_type, "dataType": data_type, "isCustom": custom,
            "isReadOnly": read_only, "isAllowBlank": not required}


def text_format(req: Request) -> str:
    """The ``format`` parameter (auto, rtf, text, html; case-insensitive, default auto).
    BadRequest for any other value, as ASP.NET answers an enum it cannot bind."""
    value = req.options.get("format", "auto").strip().lower() or "auto"
    if value not in FORMATS:
        raise BadRequest(f"The value '{req.options['format']}' is not valid for format; use "
                         f"one of {', '.join(FORMATS)}.")
    return value


def _allow(req: Request, *methods: str) -> None:
    if req.method not in methods:
        raise MethodNotAllowed(f"The requested resource does not support http method "
                               f"'{req.method}'.")


def _guid(text: str, kind: str, error: type[Exception] = NotFound) -> str:
    if not GUID.match(text):
        raise error(f"'{text}' is not a {kind} id (a GUID).")
    return text.lower()


def _json(body: bytes) -> Any:
    if not body.strip():
        raise BadRequest("The request body is empty; a JSON document is needed.")
    try:
        return json.loads(body.decode("utf-8-sig"))  # .NET clients may send a BOM
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from exc


def _id_list(body: Any) -> list[str]:
    """A membership body: ``Contacts.ContactListRequest``, ``{"contacts": ["<guid>", …]}``."""
    folded = {str(k).casefold(): v for k, v in body.items()} if isinstance(body, dict) else {}
    ids = folded.get("contacts")
    if not isinstance(ids, list) or not ids:
        raise BadRequest('The body must be {"contacts": ["<guid>", …]} with at least one '
                         'contact id.')
    for item in ids:
        if not isinstance(item, str):
            raise BadRequest(f"{item!r} is not a contact id.")
    return ids


def _plural(kind: str) -> str:
    return next(name for name, k in COLLECTIONS.items() if k == kind)


def _unpaged(query: Query) -> Query:
    return replace(query, skip=0, top=10**9)


def utc_now(clock: Callable[[], float]) -> Callable[[], datetime]:
    """A ``now`` for ``Resources`` reading the given epoch-seconds clock."""
    return lambda: datetime.fromtimestamp(clock(), UTC)


__all__ = ["MethodNotAllowed", "NotFound", "ODataError", "Reply", "Request", "Resources",
           "utc_now"]
