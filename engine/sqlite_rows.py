"""How record rows sit in a replica's SQLite file: written whole or column by column,
with their links and conflicts, and read back.

:class:`engine.sqlite_store.SqliteStore` calls these inside its own transactions.
"""

from __future__ import annotations

import json
import sqlite3
from operator import attrgetter
from typing import Any

import orjson

from engine.store import RecordRow


def write_rows(conn: sqlite3.Connection, rows: list[RecordRow]) -> None:
    """Write rows the store was handed (in its open transaction), with their links and
    conflicts; a row's ``changed_columns`` hint names the only columns it may change."""
    whole = [r for r in rows if r.changed_columns is None]
    whole += _update_columns(conn, [r for r in rows if r.changed_columns is not None])
    if whole:
        _upsert_rows(conn, whole)
    # Links and conflicts change far less often than fields: skip rows that say so.
    rows = [r for r in rows if not r.side_unchanged]
    keys = [(r.kind, r.id) for r in rows]
    conn.executemany("DELETE FROM links WHERE kind = ? AND id = ?", keys)
    conn.executemany("DELETE FROM conflicts WHERE kind = ? AND id = ?", keys)
    conn.executemany("INSERT OR IGNORE INTO links (kind, id, target) VALUES (?, ?, ?)",
                     [(r.kind, r.id, t) for r in rows for t in r.links])
    conn.executemany(
        "INSERT INTO conflicts (kind, id, field, value, replica, stamp, current) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(r.kind, r.id, c["field"], json.dumps(c["value"]), c["replica"], c["stamp"],
          json.dumps(c["current"])) for r in rows for c in r.conflicts])


#: The columns :func:`rows_from` reads, in its order, of ``records`` as ``r``. The data
#: comes as the UTF-8 bytes SQLite holds: orjson parses them as they are, where a str
#: would be decoded from UTF-8 only to be encoded again (~1 ms a search finding 2,000).
ROW_COLUMNS = ("r.kind, r.id, r.deleted, r.updated, r.updated_by, CAST(r.data AS BLOB), r.search, "
               "r.sort_key, r.sort_tail, r.company_id, r.company")


def rows_from(conn: sqlite3.Connection, cursor: sqlite3.Cursor) -> list[RecordRow]:
    """The rows a ``SELECT {ROW_COLUMNS} FROM records r`` cursor found, with their links
    and conflicts."""
    found = cursor.fetchall()
    if not found:
        return []
    keys = [(v[0], v[1]) for v in found]
    links = _links_of(conn, keys)
    conflicts = _conflicts_of(conn, keys)
    return [
        RecordRow(key[0], key[1], bool(v[2]), v[3], v[4], loads(v[5]), v[6], v[7], v[8], v[9],
                  v[10], links.get(key, []), conflicts.get(key, []))
        for key, v in zip(keys, found, strict=True)
    ]


def _any_of(conn: sqlite3.Connection, table: str, kind: str) -> bool:
    """Whether ``table`` holds anything of ``kind`` (one index probe): contacts have no
    links and seldom conflicts, and asking about 2,000 ids in chunks costs ~5 ms."""
    return conn.execute(f"SELECT 1 FROM {table} WHERE kind = ? LIMIT 1", (kind,)).fetchone() \
        is not None


def _links_of(conn: sqlite3.Connection,
              keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for kind in {k for k in {kind for kind, _ in keys} if _any_of(conn, "links", k)}:
        ids = [rid for k, rid in keys if k == kind]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            sql = (f"SELECT id, target FROM links WHERE kind = ? AND id IN "
                   f"({','.join('?' * len(chunk))}) ORDER BY target")
            for rid, target in conn.execute(sql, [kind, *chunk]):
                out.setdefault((kind, rid), []).append(target)
    return out


def _conflicts_of(conn: sqlite3.Connection,
                  keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for kind in {k for k in {kind for kind, _ in keys} if _any_of(conn, "conflicts", k)}:
        ids = [rid for k, rid in keys if k == kind]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            sql = (f"SELECT * FROM conflicts WHERE kind = ? AND id IN "
                   f"({','.join('?' * len(chunk))}) ORDER BY field, stamp, replica")
            for c in conflict_dicts(conn.execute(sql, [kind, *chunk])):
                out.setdefault((kind, c["record_id"]), []).append(c)
    return out


def conflict_dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """The conflicts a ``SELECT * FROM conflicts`` cursor found, as plain data."""
    names = [d[0] for d in cursor.description]
    out = []
    for values in cursor.fetchall():
        c = dict(zip(names, values, strict=True))
        out.append({"kind": c["kind"], "record_id": c["id"], "field": c["field"],
                    "value": json.loads(c["value"]), "replica": c["replica"],
                    "stamp": c["stamp"], "current": json.loads(c["current"])})
    return out


_COLUMNS = ("deleted", "updated", "updated_by", "sort_key", "sort_tail", "search", "company_id",
            "company", "data")


def _update_columns(conn: sqlite3.Connection, rows: list[RecordRow]) -> list[RecordRow]:
    """UPDATE only the columns each row's hint names; return the rows to write whole.

    SQLite rewrites an index entry for every indexed column an UPDATE sets, even to
    its old value, and every page that touches goes to the WAL at commit.
    """
    by_columns: dict[frozenset[str], list[RecordRow]] = {}
    for r in rows:
        by_columns.setdefault(r.changed_columns or frozenset(), []).append(r)
    whole: list[RecordRow] = []
    for columns, group in by_columns.items():
        names = [c for c in _COLUMNS if c in columns and c != "data"]
        sets = [f"{c} = ?{n}" for n, c in enumerate(names, 3)]
        if "data" in columns:
            sets.append(f"data = ?{len(names) + 3}")
        if not sets:
            continue  # nothing of these rows may have changed
        get = attrgetter("kind", "id", *names)
        values = ([(*get(r), dumps(r.data)) for r in group] if "data" in columns
                  else [get(r) for r in group])
        sql = f"UPDATE records SET {', '.join(sets)} WHERE kind = ?1 AND id = ?2"
        if conn.executemany(sql, values).rowcount != len(group):
            # The hint was wrong (a row is missing): write these rows whole, and their
            # links and conflicts too.
            for r in group:
                r.side_unchanged = False
            whole += group
    return whole


def _upsert_rows(conn: sqlite3.Connection, rows: list[RecordRow]) -> None:
    # An upsert updates a known row in place; REPLACE would delete and re-insert it,
    # rewriting every index entry of the row.
    conn.executemany(
        "INSERT INTO records (kind, id, deleted, updated, updated_by, sort_key, sort_tail, "
        "search, company_id, company, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (kind, id) DO UPDATE SET deleted = excluded.deleted, "
        "updated = excluded.updated, updated_by = excluded.updated_by, "
        "sort_key = excluded.sort_key, sort_tail = excluded.sort_tail, search = excluded.search, "
        "company_id = excluded.company_id, company = excluded.company, data = excluded.data",
        [(r.kind, r.id, int(r.deleted), r.updated, r.updated_by, r.sort_key, r.sort_tail, r.search,
          r.company_id, r.company, dumps(r.data)) for r in rows])


def dumps(value: Any) -> str:
    """JSON text of a row's data: orjson, ~10x faster than json for every row written,
    except for what it refuses (integers beyond 64 bits), which json writes."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """A row's data from its JSON text (or that text's UTF-8 bytes): orjson, ~4x faster
    than json for the rows a search or list returns. orjson reads an integer beyond 64
    bits as a float (json keeps it, see dumps): such a row is read again with json, and
    so are bytes that are not UTF-8 (a file whose text is UTF-16, which json reads)."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # raises for text that is not JSON at all
    return json.loads(text) if _holds_huge_float(data) else data


#: The classes of JSON values that are not a float and hold none.
_PLAIN = frozenset({str, int, bool, type(None)})


def _holds_huge_float(value: Any) -> bool:
    cls = value.__class__
    if cls is float:
        return bool(abs(value) >= 9.2e18)
    if cls is dict:
        value = value.values()
    elif cls is not list:
        return False
    # Most records hold text only: their classes are checked in one pass, in C (~0.3 us
    # a contact, where a generator over the values took ~1 us).
    if _PLAIN.issuperset(map(type, value)):
        return False
    return any(_holds_huge_float(v) for v in value)
