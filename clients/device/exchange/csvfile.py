"""CSV files: a header row of our names, Act!'s or a spreadsheet's, one record a row."""

from __future__ import annotations

import csv
import io
from typing import Any

from clients.device.exchange.rows import (
    ExchangeError,
    ImportRowError,
    Row,
    cell,
    column_target,
    put,
)
from engine.schema import CUSTOM_PREFIX, KINDS


def read(text: str, kind: str) -> list[Row]:
    """Parse a CSV file's text (comma, semicolon or tab) into rows numbered as a
    spreadsheet shows them; ExchangeError if it is not valid CSV."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ExchangeError("the CSV file has no header row")
        seen = {h for h in header if header.count(h) > 1 and h.strip()}
        if seen:
            raise ExchangeError(f"the CSV header names {sorted(seen)[0]!r} twice")
        rows = []
        for number, cells in enumerate(reader, start=2):  # numbered as a spreadsheet shows them
            if not any(c.strip() for c in cells):
                continue
            row = Row(f"row {number}")
            if len(cells) > len(header):
                raise ImportRowError(row.where, f"has {len(cells)} cells but the header "
                                     f"has {len(header)}")
            for column, cell in zip(header, cells, strict=False):
                if column.strip():
                    put(row, kind, column, cell)
            rows.append(row)
    except csv.Error as exc:
        raise ExchangeError(f"not valid CSV (line {reader.line_num}): {exc}") from None
    return rows



def render(kind: str, records: list[dict[str, Any]]) -> str:
    """Return records as CSV: our column names, then one column per custom field."""
    used = {k for r in records for k in r}
    columns = ["id", *(n for n in KINDS[kind].fields if n in used)]
    if kind == "group":
        columns.append("members")
    custom_names = sorted({n for r in records for n in r.get("custom") or {}})
    # A custom field whose name reads as one of ours on import is written as custom.<name>.
    headers = columns + [n if column_target(kind, n) == ("custom", n) else CUSTOM_PREFIX + n
                         for n in custom_names]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for record in records:
        custom = record.get("custom") or {}
        writer.writerow([cell(record.get(c)) for c in columns] +
                        [cell(custom.get(n)) for n in custom_names])
    return out.getvalue()

