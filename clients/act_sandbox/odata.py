"""The OData subset the Act! Web API documents, for the Act! sandbox (clients/act_sandbox/server.py).

Supported, and nothing else (anything else raises ``ODataError``, which the server answers
with 400 and a message, as Act! does for unsupported OData):

- ``$filter``: ``eq ne lt le gt ge``, ``and or``, parentheses, ``contains(p, 'x')``,
  ``startswith(…)``, ``endswith(…)``; property paths such as ``businessAddress/state`` (names are
  case-insensitive, as in Act!: ``businessAddress/State`` works); literals: ``'text'`` (``''``
  escapes a quote), numbers, ``true false null``, date-times (``2026-09-01T00:00:00.000Z``, also
  the OData v3 ``datetime'…'`` / ``datetimeoffset'…'``), dates, GUIDs (bare or ``guid'…'``).
  Text compares case-insensitively (Act! stores in SQL Server with a case-insensitive collation).
- ``$orderby`` (``p [asc|desc]``, several keys), ``$select``, ``$top`` (capped at ``MAX_TOP``),
  ``$skip``.

Callers build an ``ODataSchema`` for the record kind, call ``parse_query`` with the request's
query options, then ``apply`` it to the records. Records that tie on every ``$orderby`` key (or
all records, without ``$orderby``) come back in an order that depends on ``tie_seed``: the server
passes a per-request counter, which reproduces Act!'s unstable ``$skip`` paging.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

MAX_TOP = 5000
SCALAR_TYPES = frozenset({"string", "guid", "datetime", "date", "int", "number", "bool"})
SUPPORTED_OPTIONS = frozenset({"$filter", "$orderby", "$select", "$top", "$skip"})
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_COMPARISONS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})
_FUNCTIONS = frozenset({"contains", "startswith", "endswith"})
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<typed>(?:datetimeoffset|datetime|guid)'[^']*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_$][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<punct>[(),:])
""", re.VERBOSE)


class ODataError(ValueError):
    """A query option the sandbox (like Act!) does not accept; ``str()`` is the 400 message."""


@dataclass(frozen=True)
class ODataSchema:
    """What a record kind offers to queries.

    ``scalars`` maps each filterable/sortable path (``"businessAddress/state"``,
    ``"customFields/user1"``) to one of ``SCALAR_TYPES``; ``complex`` names the top-level
    properties that can be selected but not compared (addresses, link arrays, ``customFields``).
    """

    kind: str
    scalars: Mapping[str, str]
    complex: frozenset[str] = frozenset()
    _folded: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in [*self.scalars, *self.complex]:
            self._folded[name.casefold()] = name

    def resolve(self, path: str) -> str:
        """The canonical spelling of ``path``; ODataError if the kind has no such property."""
        found = self._folded.get(path.casefold())
        if found is None:
            raise ODataError(f"Could not find a property named '{path}' on type '{self.kind}'.")
        return found

    def scalar(self, path: str) -> tuple[str, str]:
        """``(canonical path, type)`` of a comparable property; ODataError otherwise."""
        name = self.resolve(path)
        if name not in self.scalars:
            raise ODataError(f"The property '{name}' of '{self.kind}' is not a single value; "
                             "it cannot be compared or sorted.")
        return name, self.scalars[name]


@dataclass(frozen=True)
class Literal:
    """A constant in a filter: ``type`` is a scalar type, ``"null"`` or ``"text"`` (a quoted
    string, which also compares with date, GUID and date-time properties)."""

    type: str
    value: Any


@dataclass(frozen=True)
class Prop:
    """A property path in a filter."""

    path: str
    type: str


@dataclass(frozen=True)
class Compare:
    op: str
    left: Prop | Literal
    right: Prop | Literal


@dataclass(frozen=True)
class Call:
    name: str
    subject: Prop | Literal
    needle: Prop | Literal


@dataclass(frozen=True)
class Junction:
    op: str  # "and" | "or"
    parts: tuple[Node, ...]


Node = Compare | Call | Junction


@dataclass(frozen=True)
class Query:
    """A parsed set of query options; build it with ``parse_query``."""

    filter: Node | None = None
    orderby: tuple[tuple[str, bool], ...] = ()  # (path, descending)
    select: tuple[str, ...] | None = None
    top: int = MAX_TOP
    skip: int = 0


def parse_query(options: Mapping[str, str], schema: ODataSchema) -> Query:
    """Parse the ``$`` options of one request (other parameters are the caller's business).

    Raises ODataError for an unsupported option, a malformed value or an unknown property.
    """
    for name in options:
        if name.startswith("$") and name not in SUPPORTED_OPTIONS:
            raise ODataError(f"The query parameter '{name}' is not supported.")
    text = options.get("$filter")
    return Query(
        filter=_Parser(text, schema).parse() if text is not None and text.strip() else None,
        orderby=_parse_orderby(options.get("$orderby"), schema),
        select=_parse_select(options.get("$select"), schema),
        top=min(_parse_count("$top", options.get("$top"), MAX_TOP), MAX_TOP),
        skip=_parse_count("$skip", options.get("$skip"), 0),
    )


def apply(records: Iterable[Mapping[str, Any]], query: Query,
          tie_seed: int) -> tuple[list[Mapping[str, Any]], int]:
    """Filter, order and page ``records``; returns ``(page, count before paging)``.

    Each record must carry a string ``id``. ``$select`` is not applied here: the caller renders
    the page and then calls ``project``.
    """
    test = _compile(query.filter) if query.filter is not None else None
    chosen = [r for r in records if test is None or test(r)]
    if not any(path == "id" for path, _desc in query.orderby):  # with id, no two records tie
        # Shuffle by a seeded hash first; the stable sorts below keep that shuffle among ties.
        salt = str(tie_seed).encode()
        chosen.sort(key=lambda r: hashlib.blake2b(str(r["id"]).encode(), key=salt,
                                                  digest_size=8).digest())
    for path, descending in reversed(query.orderby):
        chosen.sort(key=_sort_key(path), reverse=descending)
    return chosen[query.skip: query.skip + query.top], len(chosen)


def project(record: Mapping[str, Any], select: Sequence[str] | None) -> dict[str, Any]:
    """Keep only the ``$select``ed properties of a rendered record (all of them for None)."""
    if select is None:
        return dict(record)
    out: dict[str, Any] = {}
    for path in select:
        head, _, rest = path.partition("/")
        if not rest:
            out[head] = record.get(head)
            continue
        inner = record.get(head)
        target = out.setdefault(head, {})
        if isinstance(target, dict):
            target[rest] = inner.get(rest) if isinstance(inner, Mapping) else None
    return out


def _parse_count(name: str, text: str | None, default: int) -> int:
    if text is None:
        return default
    if not re.fullmatch(r"\s*\d{1,9}\s*", text):
        raise ODataError(f"Invalid value '{text}' for {name}: a non-negative integer is needed.")
    return int(text)


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",")]


def _parse_orderby(text: str | None, schema: ODataSchema) -> tuple[tuple[str, bool], ...]:
    if text is None:
        return ()
    keys = []
    for part in _split_list(text):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and
                                           words[1].lower() not in ("asc", "desc")):
            raise ODataError(f"Invalid $orderby clause '{part}': use 'property [asc|desc]'.")
        path, _type = schema.scalar(words[0])
        keys.append((path, len(words) == 2 and words[1].lower() == "desc"))
    return tuple(keys)


def _parse_select(text: str | None, schema: ODataSchema) -> tuple[str, ...] | None:
    if text is None or text.strip() == "*":
        return None
    paths = []
    for part in _split_list(text):
        if not part:
            raise ODataError(f"Invalid $select '{text}': an empty property name.")
        paths.append(schema.resolve(part))
    return tuple(dict.fromkeys(paths))


def _sort_key(path: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    parts = path.split("/")

    def key(record: Mapping[str, Any]) -> tuple[int, Any]:
        value = _lookup(record, parts)
        if value is None:
            return (0, 0)  # nulls sort first ascending, last descending (SQL Server's order)
        return (1, value.casefold() if isinstance(value, str) else value)

    return key


def _lookup(record: Mapping[str, Any], parts: Sequence[str]) -> Any:
    value: Any = record
    for part in parts:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


class _Parser:
    """Recursive descent over the tokens of one ``$filter``: or > and > comparison."""

    def __init__(self, text: str, schema: ODataSchema) -> None:
        self.text = text
        self.schema = schema
        self.tokens = self._tokenize(text)
        self.pos = 0

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                raise ODataError(f"Syntax error at position {pos} in $filter '{text}'.")
            kind = match.lastgroup or ""
            if kind != "space":
                tokens.append((kind, match.group()))
            pos = match.end()
        return tokens

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        self.pos += 1
        return token

    def _expect(self, value: str) -> None:
        text = self._take()[1]
        if text != value:
            found = text or "the end"
            raise ODataError(f"Expected '{value}' but found '{found}' in $filter '{self.text}'.")

    def parse(self) -> Node:
        node = self._junction("or")
        if self._peek()[0] != "end":
            raise ODataError(f"Unexpected '{self._peek()[1]}' in $filter '{self.text}'.")
        return node

    def _junction(self, op: str) -> Node:
        parts = [self._lower(op)]
        while self._peek() == ("name", op):
            self._take()
            parts.append(self._lower(op))
        return parts[0] if len(parts) == 1 else Junction(op, tuple(parts))

    def _lower(self, op: str) -> Node:
        """One operand of ``op``: "and" binds tighter than "or"."""
        return self._junction("and") if op == "or" else self._primary()

    def _primary(self) -> Node:
        kind, text = self._peek()
        if text == "(":
            self._take()
            node = self._junction("or")
            self._expect(")")
            return node
        if kind == "name" and self.pos + 1 < len(self.tokens) and self.tokens[self.pos + 1][1] == "(":
            return self._call()
        left = self._operand()
        kind, op = self._take()
        if kind != "name" or op not in _COMPARISONS:
            if kind == "name" and op.lower() in {"has", "in", "add", "sub", "mul", "div", "mod"}:
                raise ODataError(f"The operator '{op}' is not supported.")
            raise ODataError(f"Expected a comparison (eq ne lt le gt ge) after '{_show(left)}' "
                             f"in $filter '{self.text}'.")
        right = self._operand()
        return _typed_compare(op, left, right)

    def _call(self) -> Node:
        name = self._take()[1]
        if name == "not":
            raise ODataError("The operator 'not' is not supported.")
        if name.rsplit("/", 1)[-1] in ("any", "all"):
            raise ODataError(f"The lambda operator in '{name}' is not supported.")
        if name not in _FUNCTIONS:
            raise ODataError(f"The function '{name}' is not supported; use contains, startswith "
                             "or endswith.")
        self._expect("(")
        subject = self._operand()
        self._expect(",")
        needle = self._operand()
        self._expect(")")
        for operand in (subject, needle):
            if operand.type not in ("string", "text"):
                raise ODataError(f"{name}() needs text arguments, not '{_show(operand)}'.")
        return Call(name, subject, needle)

    def _operand(self) -> Prop | Literal:
        kind, text = self._take()
        if kind == "string":
            return Literal("text", text[1:-1].replace("''", "'"))
        if kind == "typed":
            prefix, _, rest = text.partition("'")
            value = rest[:-1]
            if prefix == "guid":
                if not _GUID.match(value):
                    raise ODataError(f"'{value}' is not a GUID.")
                return Literal("guid", value.lower())
            return Literal("datetime", _parse_datetime(value))
        if kind == "datetime":
            return Literal("datetime", _parse_datetime(text))
        if kind == "guid":
            return Literal("guid", text.lower())
        if kind == "date":
            return Literal("date", text)
        if kind == "number":
            number: int | float = float(text) if any(c in text for c in ".eE") else int(text)
            return Literal("number", number)
        if kind == "name":
            if text in ("true", "false"):
                return Literal("bool", text == "true")
            if text == "null":
                return Literal("null", None)
            if text in ("not", "any", "all") or text.startswith("$"):
                raise ODataError(f"'{text}' is not supported in $filter.")
            path, type_ = self.schema.scalar(text)
            return Prop(path, type_)
        raise ODataError(f"Expected a property or a value but found '{text or 'the end'}' "
                         f"in $filter '{self.text}'.")


def _show(operand: Prop | Literal) -> str:
    return operand.path if isinstance(operand, Prop) else repr(operand.value)


def _parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ODataError(f"'{text}' is not a date-time.") from exc
    # No offset means UTC: Act! keeps its stamps in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_COMPATIBLE = {  # property type -> literal types it compares with
    "string": {"text"}, "guid": {"guid", "text"}, "datetime": {"datetime", "text"},
    "date": {"date", "text"}, "int": {"number"}, "number": {"number"}, "bool": {"bool"},
}


def _typed_compare(op: str, left: Prop | Literal, right: Prop | Literal) -> Compare:
    """Check the operand types now, so a bad filter fails before any record is looked at."""
    prop = left if isinstance(left, Prop) else right if isinstance(right, Prop) else None
    if prop is None:
        raise ODataError("A comparison needs a property on one side.")
    other = right if prop is left else left
    if isinstance(other, Prop):
        if other.type != prop.type:
            raise ODataError(f"Cannot compare '{prop.path}' ({prop.type}) with "
                             f"'{other.path}' ({other.type}).")
    elif other.type != "null":
        if other.type not in _COMPATIBLE[prop.type]:
            raise ODataError(f"Cannot compare '{prop.path}' ({prop.type}) with {other.value!r}.")
        other = Literal(prop.type, _coerce(prop, other))
        if prop.type == "bool" and op not in ("eq", "ne"):
            raise ODataError(f"'{op}' does not apply to the yes/no property '{prop.path}'.")
    elif op not in ("eq", "ne"):
        raise ODataError(f"'{op} null' is not a valid comparison; use eq or ne.")
    return Compare(op, left, other) if prop is left else Compare(op, other, right)


def _coerce(prop: Prop, literal: Literal) -> Any:
    """Turn a literal into the property's comparable form (see ``_comparable``)."""
    value = literal.value
    if prop.type == "datetime":
        return value if isinstance(value, datetime) else _parse_datetime(str(value))
    if prop.type == "date":
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError as exc:
            raise ODataError(f"'{value}' is not a date.") from exc
    if prop.type == "guid":
        if not _GUID.match(str(value)):
            raise ODataError(f"'{value}' is not a GUID.")
        return str(value).lower()
    return value


def _comparable(type_: str, value: Any) -> Any:
    """A stored value as compared in filters (None stays None)."""
    if value is None:
        return None
    if type_ == "datetime":
        return _parse_datetime(value)
    if type_ == "date":
        return date.fromisoformat(value[:10])
    if type_ in ("string", "guid"):
        return str(value).casefold()
    return value


def _compile(node: Node) -> Callable[[Mapping[str, Any]], bool]:
    if isinstance(node, Junction):
        parts = [_compile(p) for p in node.parts]
        if node.op == "and":
            return lambda r: all(p(r) for p in parts)
        return lambda r: any(p(r) for p in parts)
    if isinstance(node, Call):
        return _compile_call(node)
    return _compile_compare(node)


def _value_getter(operand: Prop | Literal, type_: str) -> Callable[[Mapping[str, Any]], Any]:
    if isinstance(operand, Prop):
        parts = operand.path.split("/")
        return lambda r: _comparable(type_, _lookup(r, parts))
    constant = operand.value.casefold() if isinstance(operand.value, str) else operand.value
    return lambda r: constant


def _compile_compare(node: Compare) -> Callable[[Mapping[str, Any]], bool]:
    prop = node.left if isinstance(node.left, Prop) else node.right
    assert isinstance(prop, Prop)
    left = _value_getter(node.left, prop.type)
    right = _value_getter(node.right, prop.type)
    op = node.op

    def test(record: Mapping[str, Any]) -> bool:
        a, b = left(record), right(record)
        if op == "eq":
            return bool(a == b)
        if op == "ne":
            return bool(a != b)
        if a is None or b is None:
            return False  # an ordering comparison with null is never true
        return bool({"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op])

    return test


def _compile_call(node: Call) -> Callable[[Mapping[str, Any]], bool]:
    subject = _value_getter(node.subject, "string")
    needle = _value_getter(node.needle, "string")
    check: Callable[[str, str], bool] = {
        "contains": lambda s, n: n in s, "startswith": str.startswith,
        "endswith": str.endswith}[node.name]

    def test(record: Mapping[str, Any]) -> bool:
        s, n = subject(record), needle(record)
        return s is not None and n is not None and check(s, n)

    return test
