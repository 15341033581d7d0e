"""Tests of engine/text.py: whole new note bodies written as character edits.

pycrdt indexes text by UTF-8 bytes while Python indexes by code points, so every
case is run with ASCII and with accented letters, CJK and emoji.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pycrdt import Doc, Text

from engine.text import apply_text_diff
from tests.engine.helpers import make


def text_doc(initial: str, client_id: int = 1) -> tuple[Doc[Any], Text]:
    doc: Doc[Any] = Doc(client_id=client_id)
    doc["t"] = text = Text(initial)
    return doc, text


def rewrite(doc: Doc[Any], text: Text, new: str) -> list[bytes]:
    """Apply the diff in one transaction; return the updates it produced."""
    updates: list[bytes] = []
    sub = doc.observe(lambda event: updates.append(event.update))
    with doc.transaction():
        apply_text_diff(text, new)
    doc.unobserve(sub)
    return updates


CASES = [
    ("", "hello"),
    ("hello", ""),
    ("hello world", "hello brave world"),
    ("hello world", "hello"),
    ("hello world", "jello word!"),
    ("abc", "xyz"),
    ("aaaa", "aa"),
    ("Call Bob at 9", "Call Robert at 10, then Bob at 9"),
    ("héllo wörld", "héllo wörld!"),
    ("héllo wörld", "hello world"),
    ("héllo wörld", "Ünïcödé wörld"),
    ("naïve café", "naïve café crème"),
    ("日本語のメモ", "日本語の長いメモ"),
    ("a😀b😀c", "a😀c"),
    ("a😀b", "😀a😀X😀b😀"),
    ("e\u0301t\u00e9", "e\u0301te\u0301"),  # combining accent vs precomposed
    ("line 1\nline 2\n", "line 1\nline 1.5\nline 2\n"),
]


@pytest.mark.parametrize(("old", "new"), CASES)
def test_diff_rewrites_the_text(old: str, new: str) -> None:
    doc, text = text_doc(old)
    rewrite(doc, text, new)
    assert str(text) == new
    # A peer that applies only the diff reads the same text.
    peer: Doc[Any] = Doc(client_id=2)
    peer.apply_update(doc.get_update())
    assert str(peer.get("t", type=Text)) == new


@given(st.text(max_size=30), st.text(max_size=30))
def test_diff_rewrites_any_text(old: str, new: str) -> None:
    doc, text = text_doc(old)
    rewrite(doc, text, new)
    assert str(text) == new


def test_same_text_produces_no_update() -> None:
    doc, text = text_doc("héllo")
    assert rewrite(doc, text, "héllo") == []


def test_small_change_keeps_the_untouched_characters() -> None:
    # The diff must not delete and re-insert the whole body: the items of the
    # untouched prefix and suffix keep their identity, so the update stays small.
    long_text = "é" * 2000 + " middle " + "ü" * 2000
    doc, text = text_doc(long_text)
    [update] = rewrite(doc, text, long_text.replace("middle", "centre"))
    assert len(update) < 100
    assert str(text) == long_text.replace("middle", "centre")


@pytest.mark.parametrize(
    ("base", "first", "second", "merged"),
    [
        ("hello world", "HELLO world", "hello world!", "HELLO world!"),
        ("héllo wörld", "Héllo wörld", "héllo wörld ☃", "Héllo wörld ☃"),
        ("日本語 テキスト", "日本語だ テキスト", "日本語 テキストです",
         "日本語だ テキストです"),
    ],
)
def test_concurrent_edits_in_different_places_both_survive(
    base: str, first: str, second: str, merged: str
) -> None:
    doc_a, text_a = text_doc(base, client_id=1)
    doc_b: Doc[Any] = Doc(client_id=2)
    doc_b.apply_update(doc_a.get_update())
    text_b = doc_b.get("t", type=Text)
    rewrite(doc_a, text_a, first)
    rewrite(doc_b, text_b, second)
    doc_a.apply_update(doc_b.get_update(doc_a.get_state()))
    doc_b.apply_update(doc_a.get_update(doc_b.get_state()))
    assert str(text_a) == str(text_b) == merged


def test_two_replicas_edit_one_note_in_different_places() -> None:
    a, b = make("a", 1), make("b", 2)
    nid = a.create("note", {"text": "Met Zoë at the café. Follow up next week."})
    b.apply_remote([a.diff()])
    a.update("note", nid, {"text": "Met Zoë and Jürgen at the café. Follow up next week."})
    b.update("note", nid,
             {"text": "Met Zoë at the café. Follow up next week — send the quote."})
    b.apply_remote([a.diff(b.state_vector())])
    a.apply_remote([b.diff(a.state_vector())])
    want = "Met Zoë and Jürgen at the café. Follow up next week — send the quote."
    assert a.get("note", nid)["text"] == b.get("note", nid)["text"] == want
    assert a.get("note", nid) == b.get("note", nid)
    assert a.conflicts() == b.conflicts() == []


def test_edit_note_text_counts_characters_not_bytes() -> None:
    a = make("a", 1)
    nid = a.create("note", {"text": "ça 😀 va"})
    a.edit_note_text(nid, 5, insert="très ")
    assert a.get("note", nid)["text"] == "ça 😀 très va"
    a.edit_note_text(nid, 3, delete=2)
    assert a.get("note", nid)["text"] == "ça très va"


def test_edit_note_text_refuses_positions_outside_the_text() -> None:
    from engine.errors import ValidationError

    a = make("a", 1)
    nid = a.create("note", {"text": "héllo"})
    stats = a.store.stats()
    for index, delete in [(6, 0), (-1, 0), (3, 5), (0, -1)]:
        with pytest.raises(ValidationError) as info:
            a.edit_note_text(nid, index, insert="x", delete=delete)
        assert (info.value.record_id, info.value.field) == (nid, "text")
    assert a.get("note", nid)["text"] == "héllo"
    assert a.store.stats() == stats
