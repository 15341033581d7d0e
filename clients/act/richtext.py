"""Act!'s rich text: the RTF (and HTML) it keeps note, history and activity text in.

The Act! Web API answers ``noteText`` and ``details`` as rich text unless ``format=text`` is
asked for (its ``format`` parameter takes ``auto``, ``rtf``, ``text`` or ``html``; Act!'s
Swagger definition, api-evangelist/act ``openapi/_original/act-web-api-swagger.json``). A
server may ignore that parameter, so the bridge turns any rich text it still gets into plain
text with :func:`plain_text`; the sandbox uses :func:`to_rtf` and :func:`to_html` to answer
as Act! does. Pure functions, no I/O.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_RTF_HEAD = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}\\f0\\fs20 "
_RTF_SKIP = frozenset({"fonttbl", "colortbl", "stylesheet", "info", "pict", "header", "footer"})
_RTF_WORD = re.compile(r"\\([a-zA-Z]+)(-?\d+)? ?")


def to_rtf(text: str) -> str:
    """Plain text as the minimal RTF document Act! keeps note bodies in."""
    out = [_RTF_HEAD]
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\par ")
        elif char == "\t":
            out.append("\\tab ")
        elif " " <= char <= "~":
            out.append(char)
        else:
            units = char.encode("utf-16-le")
            for i in range(0, len(units), 2):
                code = int.from_bytes(units[i:i + 2], "little", signed=True)
                out.append(f"\\u{code}?")
    out.append("}")
    return "".join(out)


def rtf_to_text(rtf: str) -> str:
    """The text of an RTF document (what ``?format=text`` returns); formatting is dropped."""
    out: list[str] = []
    stack: list[tuple[bool, int]] = []
    skip, uc, i = False, 1, 0
    while i < len(rtf):
        char = rtf[i]
        if char in "{}":
            if char == "{":
                stack.append((skip, uc))
            elif stack:
                skip, uc = stack.pop()
            i += 1
        elif char == "\\":
            i, skip, uc = _rtf_control(rtf, i, skip, uc, out)
        else:
            if char not in "\r\n" and not skip:
                out.append(char)
            i += 1
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")


def _rtf_control(rtf: str, i: int, skip: bool, uc: int, out: list[str]) -> tuple[int, bool, int]:
    """Read one control word or symbol at ``rtf[i]``; returns the new position and state."""
    following = rtf[i + 1: i + 2]
    if following in ("\\", "{", "}"):
        if not skip:
            out.append(following)
        return i + 2, skip, uc
    if following == "'":
        if not skip:
            out.append(bytes([int(rtf[i + 2: i + 4] or "3f", 16)]).decode("cp1252", "replace"))
        return i + 4, skip, uc
    if following == "*":
        return i + 2, True, uc
    match = _RTF_WORD.match(rtf, i)
    if match is None:
        return i + 2, skip, uc  # a control symbol such as \~ or \-: nothing to keep
    word, param = match[1], match[2]
    end = match.end()
    if word in _RTF_SKIP:
        skip = True
    elif word == "uc" and param is not None:
        uc = int(param)
    elif not skip and word in ("par", "line"):
        out.append("\n")
    elif not skip and word == "tab":
        out.append("\t")
    elif word == "u" and param is not None:
        if not skip:
            out.append(chr(int(param) % 65536))
        end += uc  # skip the fallback characters that follow \uN
    return end, skip, uc


def is_rtf(text: str) -> bool:
    """True if ``text`` is an RTF document (it starts with ``{\\rtf``)."""
    return text.lstrip().startswith("{\\rtf")


def is_html(text: str) -> bool:
    """True if ``text`` looks like an HTML fragment Act! made (it starts with a tag)."""
    return bool(_HTML_START.match(text))


def plain_text(text: str) -> str:
    """``text`` as plain text: RTF and HTML are converted, anything else is returned as is."""
    if is_rtf(text):
        return rtf_to_text(text)
    if is_html(text):
        return html_to_text(text)
    return text


def to_html(text: str) -> str:
    """Plain text as the HTML Act! answers for ``format=html``: escaped, lines as ``<br/>``."""
    return "<p>" + "<br/>".join(html.escape(line) for line in text.split("\n")) + "</p>"


_HTML_START = re.compile(r"^\s*<(?:p|div|br|span|html|body|font|b|i|u|ul|ol|table)\b", re.I)
_BREAKS = frozenset({"br", "p", "div", "li", "tr"})


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BREAKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, ``<br>`` and block ends as new lines."""
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts).rstrip("\n")
