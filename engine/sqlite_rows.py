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


def rows_from(conn: sqlite3.Connection, cursor: sqlite3.Cursor) -> list[RecordRow]:
    """The rows a ``SELECT * FROM records`` cursor found, with their links and conflicts."""
    at = {d[0]: n for n, d in enumerate(cursor.description)}
    found = cursor.fetchall()
    if not found:
        return []
    kind_, id_ = at["kind"], at["id"]
    keys = [(values[kind_], values[id_]) for values in found]
    links = _links_of(conn, keys)
    conflicts = _conflicts_of(conn, keys)
    deleted, updated, updated_by, data = at["deleted"], at["updated"], at["updated_by"], at["data"]
    search, sort_key, sort_tail = at["search"], at["sort_key"], at["sort_tail"]
    company_id, company = at["company_id"], at["company"]
    return [
        RecordRow(key[0], key[1], bool(v[deleted]), v[updated], v[updated_by], loads(v[data]),
                  v[search], v[sort_key], v[sort_tail], v[company_id], v[company],
                  links.get(key, []), conflicts.get(key, []))
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


def loads(text: str) -> Any:
    """A row's data from its JSON text: orjson, ~4x faster than json for the rows a
    search or list returns. orjson reads an integer beyond 64 bits as a float (json
    keeps it, see dumps): such a row is read again with json."""
    data = orjson.loads(text)
    return json.loads(text) if _holds_huge_float(data) else data


def _holds_huge_float(value: Any) -> bool:
    if value.__class__ is float:
        return bool(abs(value) >= 9.2e18)
    if value.__class__ is dict:
        return any(_holds_huge_float(v) for v in value.values()
                   if v.__class__ in (float, dict, list))
    if value.__class__ is list:
        return any(_holds_huge_float(v) for v in value)
    return False
