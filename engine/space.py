"""Settings of a whole space, kept in the space's document.

A space's settings live in the document's ``settings`` map, beside the record
kinds' maps, so every replica learns them by the ordinary sync, the web app
included, and the relay never needs a message of its own for them. The relay
writes them once, as the space's first update, when a space is created
(``handsync relay space create NAME --locale de``). Today the only setting is
``locale``: the language whose conventions order names (engine/collation.py).
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from engine.collation import check_locale
from engine.rows import COLLATED
from engine.rows import record_sort_key as sort_key_of
from engine.store import RecordQuery, RecordRow, Store

SETTINGS_ROOT = "settings"
LOCALE = "locale"


def settings_update(locale: str, *, client_id: int) -> bytes:
    """Return the Yjs update that sets the space's ``locale`` (checked first: raises
    ValidationError for an unknown one, and nothing is made then)."""
    checked = check_locale(locale)
    doc: Doc[Any] = Doc(client_id=client_id)
    settings = doc.get(SETTINGS_ROOT, type=Map)
    settings[LOCALE] = checked
    return bytes(doc.get_update())


def space_locale(doc: Doc[Any]) -> str | None:
    """The locale the space's settings name, or None when they name none."""
    value = doc.get(SETTINGS_ROOT, type=Map).get(LOCALE)
    return value if isinstance(value, str) else None


def rekeyed_rows(store: Store, locale: str) -> list[RecordRow]:
    """The stored rows of the kinds ordered by name, with their sort keys made again
    in ``locale`` (checked): for a commit that also records the new locale."""
    out: list[RecordRow] = []
    for kind in COLLATED:
        for row in store.query(RecordQuery(kind, include_deleted=True)):
            key = sort_key_of(kind, row.data, locale)
            if key != row.sort_key:
                row.sort_key = key
                row.side_unchanged = True
                row.changed_columns = frozenset({"sort_key"})
                out.append(row)
    return out
