"""Search folding (engine/fold.py): the examples people type, and the rules as data.

The rules are exported for the JavaScript engine (engine.schema.folding_rules), so
a test here runs the exported data through an interpreter written from the rules'
description alone and checks it folds every text exactly as the engine does.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.fold import fold, fold_both
from engine.replica import ids_of
from engine.rows import search_needle
from engine.schema import folding_rules, schema_export
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore, Store
from tests.engine.helpers import make


def fold_by_rules(rules: dict[str, Any], text: str, *, joined: bool = False) -> str:
    """The folding described by ``rules``, step by step, as the JavaScript engine would."""
    text = unicodedata.normalize(rules["normalize"], text)
    if rules["lowercase"]:
        text = text.lower()
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char in rules["letters"]:
            out.append(rules["letters"][char])
        elif category in rules["drop_categories"]:
            continue
        elif category in rules["space_categories"]:
            out.append(" ")
        elif category in rules["punctuation_categories"]:
            out.append("" if joined else " ")
        else:
            out.append(char)
    return " ".join(part for part in "".join(out).split(" ") if part)


EXAMPLES = [
    ("Jürgen Müller", "jurgen muller"),
    ("Bäckerei Müller GmbH", "backerei muller gmbh"),
    ("Ana María O'Neil-Søren", "ana maria o neil soren"),
    ("Ångström", "angstrom"), ("Øberg", "oberg"), ("Çelik", "celik"),
    ("Đorđević", "dordevic"), ("Łukasz Żółć", "lukasz zolc"), ("Straße", "strasse"),
    ("Ærø Œuvre", "aero oeuvre"), ("Þórður", "thordur"), ("Iıİ", "iii"),
    ("ﬁne Ⅻ ①", "fine xii 1"), ("O’Neil", "o neil"), ("a\u00adb", "ab"),
    ("  Ana\t\tMaría  ", "ana maria"),
]


@pytest.mark.parametrize(("text", "folded"), EXAMPLES)
def test_fold_takes_out_what_people_do_not_type(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_the_exported_rules_are_plain_json_and_a_copy() -> None:
    rules = folding_rules()
    assert json.loads(json.dumps(rules)) == rules
    rules["letters"]["ø"] = "x"
    assert fold("ø") == "o"  # the caller's copy is not the engine's rules
    assert schema_export()["folding"] == folding_rules()
    assert json.loads(json.dumps(schema_export()))["kinds"]["contact"]["search"][0] == "full_name"


@pytest.mark.parametrize(("text", "folded"), EXAMPLES)
def test_the_rules_as_data_fold_the_examples_as_the_engine_does(text: str, folded: str) -> None:
    assert fold_by_rules(folding_rules(), text) == folded


@given(st.text(max_size=40))
def test_the_rules_as_data_and_the_function_agree_on_any_text(text: str) -> None:
    rules = folding_rules()
    assert fold_by_rules(rules, text) == fold(text)


@given(st.text(max_size=40))
def test_folding_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_the_needle_is_folded_and_a_phone_becomes_its_digits() -> None:
    assert search_needle("  Müller ") == "muller"
    assert search_needle('"O\'Neil"') == "o neil"
    assert search_needle("+49 (30) 555-0142") == "49305550142"
    assert search_needle("'") == ""


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Store:
    return MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")


def test_people_are_found_the_way_people_type_them(store: Store) -> None:
    a = make("a", 1, store)
    jm = a.create("contact", {"first_name": "Jürgen", "last_name": "Müller",
                              "full_name": "Jürgen Müller", "company": "Bäckerei Müller GmbH"})
    am = a.create("contact", {"first_name": "Ana María", "last_name": "O'Neil-Søren",
                              "full_name": "Ana María O'Neil-Søren",
                              "email": "ana.oneil-soren@example.com",
                              "mobile_phone": "+49 (30) 555-0142"})
    a.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    for typed, found in (("muller", [jm]), ("Muller", [jm]), ("Jurgen", [jm]),
                         ("MÜLLER", [jm]), ("backerei", [jm]), ("ana maria", [am]),
                         ("soren", [am]), ("o neil", [am]), ("oneil", [am]),
                         ("O'Neil", [am]), ("o'neil-søren", [am]), ("ana.oneil", [am]),
                         ("@example.com", [am]), ("0142", [am]), ("030 5550142", []),
                         ("30 555 0142", [am]), ("zz", [])):
        assert ids_of(a.search(typed)) == found, typed
    a.close()


def test_search_does_not_run_from_one_field_into_the_next(store: Store) -> None:
    a = make("a", 1, store)
    a.create("contact", {"first_name": "Ana", "last_name": "Maria"})  # no full name
    assert a.search("ana maria") == []
    assert len(a.search("maria")) == 1
    a.close()


ASCII = "".join(chr(c) for c in range(128))


@pytest.mark.parametrize("text", [ASCII, ASCII.upper() + "é", "O'Neil-Søren, Ana María"])
def test_both_forms_follow_the_rules_for_every_ascii_character(text: str) -> None:
    rules = folding_rules()
    assert fold_both(text) == (fold_by_rules(rules, text),
                               fold_by_rules(rules, text, joined=True))


@given(st.text(max_size=40))
def test_the_joined_form_follows_the_rules_on_any_text(text: str) -> None:
    assert fold_both(text) == (fold_by_rules(folding_rules(), text),
                               fold_by_rules(folding_rules(), text, joined=True))
