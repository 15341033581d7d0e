"""Reading and writing import/export files: their text, their format, the dispatch.

vCard support (and its library) is loaded only when a vCard file is read or written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from clients.device.exchange import csvfile, jsonfile
from clients.device.exchange.rows import FORMATS, ExchangeError, Row
from engine.schema import kind_spec

_EXTENSIONS = {".json": "json", ".csv": "csv", ".vcf": "vcard", ".vcard": "vcard"}


def read_text(path: Path) -> str:
    """Return a file's text (UTF-8, UTF-16 with BOM, or Windows-1252 as Act! writes it)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExchangeError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise ExchangeError(f"{path} is a binary file, not JSON, CSV or vCard")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ExchangeError(f"{path} is neither UTF-8 nor Windows-1252 text") from None


def detect_format(path: Path, text: str, given: str | None = None) -> str:
    """Return the format named, else the one the file's extension or first bytes show."""
    if given is not None:
        if given not in FORMATS:
            raise ExchangeError(f"unknown format {given!r}; use one of {', '.join(FORMATS)}")
        return given
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    if by_ext:
        return by_ext
    head = text.lstrip()[:20]
    if head.upper().startswith("BEGIN:VCARD"):
        return "vcard"
    if head.startswith(("[", "{")):
        return "json"
    raise ExchangeError(f"cannot tell the format of {path}; name it with --format "
                        f"({', '.join(FORMATS)})")


def read_rows(text: str, fmt: str, kind: str) -> list[Row]:
    """Parse a file's text into rows; ExchangeError if it is not valid ``fmt``."""
    kind_spec(kind)
    if fmt == "json":
        return jsonfile.read(text, kind)
    if fmt == "csv":
        return csvfile.read(text, kind)
    if fmt == "vcard":
        if kind != "contact":
            raise ExchangeError("vCard holds contacts only; use --kind contact")
        from clients.device.exchange import vcard

        return vcard.read(text)
    raise ExchangeError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")



def render(kind: str, fmt: str, records: Iterable[dict[str, Any]]) -> str:
    """Return records (from :func:`exportable`) as the text of a ``fmt`` file."""
    if fmt == "json":
        return jsonfile.render(records)
    if fmt == "csv":
        return csvfile.render(kind, list(records))
    if fmt == "vcard":
        if kind != "contact":
            raise ExchangeError("vCard holds contacts only; use --kind contact")
        from clients.device.exchange import vcard

        return vcard.render(records)
    raise ExchangeError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")

