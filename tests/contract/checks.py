"""Checking requests and answers against tests/contract/act_web_api.json, the extract of Act!'s
Swagger definition of the Web API (its ``source`` names the public repository, path, commit
and the date it was read).

``Contract.operation(method, path)`` finds the operation a request is for; ``request_problems``
and ``answer_problems`` list, in words, every way a request or an answer departs from it (an
empty list: it conforms). Properties may be null or absent (the definition marks none as
required), but every property present must be one the definition names, with its type.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

EXTRACT = Path(__file__).with_name("act_web_api.json")
BASE = "/act.web.api"
ODATA = frozenset({"$filter", "$orderby", "$select", "$top", "$skip"})


@dataclass(frozen=True)
class Operation:
    """One operation of the extract."""

    id: str
    method: str
    path: str
    query: tuple[str, ...]
    body: Any
    responses: dict[str, Any]
    pattern: re.Pattern[str]


class Contract:
    """The extract, loaded."""

    def __init__(self, path: Path = EXTRACT) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.source: dict[str, str] = data["source"]
        self.definitions: dict[str, dict[str, Any]] = data["definitions"]
        self.parameters: dict[str, Any] = data["parameters"]
        self.operations = {
            op_id: Operation(op_id, op["method"], op["path"], tuple(op["query"]), op["body"],
                             op["responses"], _pattern(op["path"]))
            for op_id, op in data["operations"].items()}

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation for ``method`` on ``path`` (under /act.web.api), or None. Routes
        match case-insensitively, as ASP.NET's do; a literal segment beats a parameter."""
        path = unquote(path)
        path = path[len(BASE):] if path.lower().startswith(BASE) else path
        found = [op for op in self.operations.values()
                 if op.method == method and op.pattern.fullmatch(path.rstrip("/"))]
        found.sort(key=lambda op: op.path.count("{"))
        return found[0] if found else None

    def request_problems(self, op: Operation, url: str, body: bytes) -> list[str]:
        """How a request for ``op`` departs from the definition: unknown query parameters or
        values, a body where none is taken or one not of the body's type."""
        problems = []
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
            if name in ODATA:
                continue
            if name not in op.query:
                problems.append(f"query parameter {name!r} is not one {op.id} takes")
            elif self.parameters[name] == "boolean":
                if value not in ("true", "false"):
                    problems.append(f"?{name}={value!r} is not true or false")
            else:
                problems += self.value_problems(value if name != "ids" else [value],
                                                self.parameters[name], f"?{name}")
        if op.body is None:
            if body.strip():
                problems.append(f"{op.id} takes no body")
            return problems
        try:
            parsed = json.loads(body)
        except ValueError:
            return [f"the body of {op.id} is not JSON"]
        return problems + self.value_problems(parsed, op.body, "body")

    def answer_problems(self, op: Operation, status: int, content_type: str,
                        body: bytes) -> list[str]:
        """How an answer to ``op`` departs from the definition: an undeclared status, or a
        body not of the declared type (2xx answers only; errors carry ASP.NET's object)."""
        declared = op.responses
        if str(status) not in declared:
            return [f"{op.id} declares no {status} (only {', '.join(declared)})"]
        expected = declared[str(status)]
        if expected is None or status >= 300:
            return []
        if expected == "string":  # /authorize: the token as plain text
            return [] if body.strip() and "json" not in content_type else ["not a plain token"]
        try:
            parsed = json.loads(body)
        except ValueError:
            return [f"the answer of {op.id} is not JSON"]
        return self.value_problems(parsed, expected, "answer")

    def value_problems(self, value: Any, spec: Any, where: str) -> list[str]:
        """How ``value`` departs from the type ``spec`` (the extract's notation)."""
        if value is None:
            return []
        if isinstance(spec, list):
            if not isinstance(value, list):
                return [f"{where} should be an array"]
            return [p for n, item in enumerate(value)
                    for p in self.value_problems(item, spec[0], f"{where}[{n}]")]
        if isinstance(spec, dict):
            if "enum" in spec:
                ok = isinstance(value, str) and value in spec["enum"]
                return [] if ok else [f"{where} = {value!r} is not one of {spec['enum']}"]
            return self.value_problems(value, "string", where)
        if spec in self.definitions:
            return self._object_problems(value, self.definitions[spec], spec, where)
        if not _SCALARS[spec](value):
            return [f"{where} = {value!r} is not {spec}"]
        return []

    def _object_problems(self, value: Any, properties: dict[str, Any], name: str,
                         where: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{where} should be a {name} object"]
        problems = []
        for key, item in value.items():
            if key not in properties:
                problems.append(f"{where}.{key} is not a property of {name}")
            else:
                problems += self.value_problems(item, properties[key], f"{where}.{key}")
        return problems


def _pattern(template: str) -> re.Pattern[str]:
    parts = [re.escape(p) if not p.startswith("{") else "[^/]+"
             for p in template.split("/")]
    return re.compile("/".join(parts), re.IGNORECASE)


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SCALARS = {
    "string": lambda v: isinstance(v, str),
    "date-time": _is_datetime,
    "int32": lambda v: _is_int(v) and -2**31 <= v < 2**31,
    "int64": _is_int,
    "double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
}
