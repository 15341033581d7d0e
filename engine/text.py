"""Turning a whole new note body into character edits of a collaborative text.

Act! and forms hand us a note's full new text; writing it as the smallest set
of inserts and deletes (rather than replacing the body) lets concurrent edits
elsewhere in the same note survive the merge.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from pycrdt import Text


def _utf8_offset(text: str, index: int) -> int:
    # pycrdt indexes text by UTF-8 bytes, Python by code points.
    return len(text[:index].encode("utf-8"))


def apply_text_diff(target: Text, new: str) -> None:
    """Edit ``target`` (inside a transaction) so that it reads ``new``."""
    old = str(target)
    if old == new:
        return
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    old_mid, new_mid = old[prefix:len(old) - suffix], new[prefix:len(new) - suffix]
    ops = SequenceMatcher(None, old_mid, new_mid, autojunk=False).get_opcodes()
    # Apply from the end so earlier offsets stay valid.
    for tag, i1, i2, j1, j2 in reversed(ops):
        if tag == "equal":
            continue
        start = _utf8_offset(old, prefix + i1)
        end = _utf8_offset(old, prefix + i2)
        if end > start:
            del target[start:end]
        if j2 > j1:
            target.insert(start, new_mid[j1:j2])
