"""JSON files: a list of records (ours, snake_case) or Act!'s ``{"value": [...]}``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from clients.device.exchange.rows import ExchangeError, ImportRowError, Row, put
from engine.schema import CUSTOM_PREFIX


def read(text: str, kind: str) -> list[Row]:
    """Parse a JSON file's text into rows; ExchangeError if it is not a list of objects."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ExchangeError(f"not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]  # Act!'s {"value": [...], "Count": n} envelope
    if not isinstance(data, list):
        raise ExchangeError("JSON import takes a list of records (or Act!'s {\"value\": [...]})")
    rows = []
    for number, item in enumerate(data, start=1):
        row = Row(f"record {number}")
        if not isinstance(item, dict):
            raise ImportRowError(row.where, "is not a JSON object", value=item)
        for key, value in item.items():
            if key in ("custom", "customFields") and isinstance(value, Mapping):
                for name, cvalue in value.items():
                    put(row, kind, CUSTOM_PREFIX + str(name), cvalue)
            elif isinstance(value, Mapping):
                for sub, subvalue in value.items():  # Act!'s nested objects: businessAddress/city
                    put(row, kind, f"{key}/{sub}", subvalue)
            else:
                put(row, kind, key, value)
        rows.append(row)
    return rows



def render(records: Iterable[dict[str, Any]]) -> str:
    """Return records as a JSON list, one key per field."""
    return json.dumps(list(records), indent=2, ensure_ascii=False) + "\n"
