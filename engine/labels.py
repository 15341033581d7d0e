"""The labels people know fields by: Act!'s, for what read commands print.

Each field's label is Act!'s where this table names it, and otherwise is made from
the field's Act! name (``businessAddress/postalCode`` → "Business Address Postal
Code"). :func:`engine.schema.schema_export` carries them for the web app.
"""

from __future__ import annotations

import re
from functools import lru_cache

from engine.schema import CUSTOM_PREFIX, KINDS

# Act!'s own labels where they differ from what the Act! JSON name reads as (jobTitle and
# mobilePhone read as Act! labels them on a contact's form: "Job Title", "Mobile Phone").
_ACT_LABELS = {
    "fullName": "Contact", "namePrefix": "Prefix", "nameSuffix": "Suffix",
    "emailAddress": "E-mail", "altEmailAddress": "Alternate E-mail",
    "personalEmailAddress": "Personal E-mail", "businessPhone": "Phone",
    "businessPhoneExtension": "Phone Extension",
    "faxPhone": "Fax", "homePhone": "Home Phone", "pagerPhone": "Pager",
    "alternatePhone": "Alternate Phone", "businessAddress/line1": "Address 1",
    "businessAddress/line2": "Address 2", "businessAddress/line3": "Address 3",
    "businessAddress/postalCode": "ZIP Code", "homeAddress/line1": "Home Address 1",
    "homeAddress/line2": "Home Address 2", "homeAddress/line3": "Home Address 3",
    "homeAddress/postalCode": "Home ZIP Code", "businessAddress/city": "City",
    "businessAddress/state": "State", "businessAddress/country": "Country",
    "homeAddress/city": "Home City", "homeAddress/state": "Home State",
    "homeAddress/country": "Home Country", "website": "Web Site", "idStatus": "ID/Status",
    "messengerID": "Messenger ID", "isPrivate": "Private", "companyID": "Company",
    "recordManagerID": "Record Manager ID", "created": "Create Date", "edited": "Edit Date",
    "editedBy": "Edited By", "lastReach": "Last Reach", "lastEmail": "Last E-mail",
    "noteText": "Regarding", "noteTypeID": "Note Type", "displayDate": "Date",
    "startTime": "Start", "endTime": "End", "historyType/name": "Result",
    "historyTypeID": "History Type", "activityTypeName": "Type",
    "activityTypeId": "Type ID", "activityPriorityName": "Priority",
    "activityPriorityId": "Priority ID", "isTimeless": "Timeless", "isAllDay": "All Day",
    "isAlarmed": "Alarm", "leadMinutes": "Lead Minutes", "isCleared": "Cleared",
    "recurSpec": "Recurrence", "scheduledBy": "Scheduled By", "scheduledFor": "Scheduled For",
    "seriesID": "Series", "parentID": "Parent", "contacts": "Contacts",
    "companies": "Companies", "groups": "Groups", "opportunities": "Opportunities",
    "productTotal": "Total", "weightedTotal": "Weighted Total",
    "estimatedCloseDate": "Est. Close Date", "actualCloseDate": "Actual Close Date",
    "openDate": "Open Date",
}
# Labels of what a read command adds to a record's fields.
_META_LABELS = {"deleted": "Deleted", "updated_at": "Updated", "updated_by": "Updated By",
                "conflicts": "Conflicts", "members": "Members"}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")


@lru_cache(maxsize=2048)
def field_label(kind: str, name: str) -> str:
    """The label of field ``name`` of ``kind`` (custom fields keep their own name)."""
    if name.startswith(CUSTOM_PREFIX):
        return name[len(CUSTOM_PREFIX):]
    spec = KINDS[kind].fields.get(name) if kind in KINDS else None
    if spec is None:
        return _META_LABELS.get(name) or name.replace("_", " ").title()
    return _ACT_LABELS.get(spec.act) or " ".join(
        word[:1].upper() + word[1:] for word in _WORD.findall(spec.act))


def labels() -> dict[str, dict[str, str]]:
    """Every field's label, by kind and field name."""
    return {kind: {name: field_label(kind, name) for name in spec.fields}
            for kind, spec in KINDS.items()}
