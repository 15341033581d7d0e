"""Ordering names (engine/collation.py) and the space's locale (engine/space.py)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.collation import ROOT, check_locale, sort_key
from engine.errors import ValidationError
from engine.replica import ids_of
from engine.space import settings_update, space_locale
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore, Store
from tests.engine.helpers import make

NAMES = ["Zeller", "Øberg", "Ångström", "Çelik", "Đorđević", "Oberg", "Cesar", "Ähler",
         "Aaron", "Dorn", "Müller", "Muller", "Mueller", "Ödegaard", "Łukasz", "Lund"]


def ordered(locale: str) -> list[str]:
    return sorted(NAMES, key=lambda name: sort_key([name], locale))


def test_root_order_puts_accented_letters_with_their_base_letter() -> None:
    assert ordered(ROOT) == ["Aaron", "Ähler", "Ångström", "Çelik", "Cesar", "Đorđević",
                             "Dorn", "Łukasz", "Lund", "Mueller", "Muller", "Müller", "Oberg",
                             "Øberg", "Ödegaard", "Zeller"]


def test_german_order_is_the_root_order() -> None:
    assert ordered("de") == ordered(ROOT)


def test_swedish_order_puts_a_ring_a_umlaut_o_umlaut_after_z() -> None:
    order = ordered("sv")
    assert order[-5:] == ["Zeller", "Ångström", "Ähler", "Øberg", "Ödegaard"]
    assert order.index("Çelik") < order.index("Cesar")


def test_german_phonebook_order_reads_umlauts_as_e() -> None:
    order = ordered("de-u-co-phonebk")
    assert order.index("Müller") < order.index("Muller")  # "Mueller"-like, before "Mul"


def test_fields_are_compared_one_after_the_other_accents_last() -> None:
    rows = [("Müller", "Anna"), ("Muller", "Zoe"), ("Muller", "Anna"), ("Mull", "Z"),
            ("Müllerin", "A")]
    assert sorted(rows, key=lambda r: sort_key(list(r), ROOT)) == [
        ("Mull", "Z"), ("Muller", "Anna"), ("Müller", "Anna"), ("Muller", "Zoe"),
        ("Müllerin", "A")]


def test_keys_are_bytes_that_sqlite_orders_as_the_collator_does() -> None:
    import sqlite3

    keys = {name: sort_key([name], ROOT) for name in NAMES}
    for key in keys.values():  # ICU's one zero byte ends the key, and none is before it
        assert type(key) is bytes and key.index(0) == len(key) - 1
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (name TEXT, key TEXT)")  # TEXT, as the records table has
    conn.executemany("INSERT INTO t VALUES (?, ?)", keys.items())
    assert {t for (t,) in conn.execute("SELECT typeof(key) FROM t")} == {"blob"}
    assert [n for (n,) in conn.execute("SELECT name FROM t ORDER BY key")] == ordered(ROOT)
    conn.close()


@pytest.mark.parametrize("locale", [ROOT, "sv", "de-u-co-phonebk"])
def test_a_key_has_no_zero_byte_but_its_last(locale: str) -> None:
    # Then a key orders as it would without that byte: where one key without it is a
    # prefix of another, its zero meets the other's next byte, which is not zero.
    fields = [[name] for name in NAMES] + [[a, b] for a in NAMES[:6] for b in ["", *NAMES[6:]]]
    fields += [[""], ["", ""], ["", "a"], ["\x00"], ["a\x00b", "\ufffe"], ["😀", "ㄱ", "Ω"]]
    for parts in fields:
        key = sort_key(parts, locale)
        assert key.index(0) == len(key) - 1, parts


@pytest.mark.parametrize(("given", "canonical"), [
    ("de", "de"), (" sv ", "sv"), ("de-AT", "de-AT"), ("de_AT", "de-AT"), ("root", ROOT),
    ("und", ROOT), ("ROOT", ROOT), ("de-u-co-phonebk", "de-u-co-phonebk")])
def test_known_locales_are_canonical(given: str, canonical: str) -> None:
    assert check_locale(given) == canonical


@pytest.mark.parametrize("bad", ["", "xx", "klingon", "!!", "de-", "x" * 100, 7, None])
def test_unknown_locales_are_refused(bad: Any) -> None:
    with pytest.raises(ValidationError, match="locale"):
        check_locale(bad)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Store:
    return MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")


def _contacts(a: Any) -> dict[str, str]:
    return {a.create("contact", {"last_name": name}): name for name in NAMES}


def test_a_replica_lists_names_in_its_locale_and_rekeys_on_a_change(store: Store) -> None:
    a = make("a", 1, store)
    names = _contacts(a)
    a.create("note", {"text": "n"})
    assert [names[i] for i in ids_of(a.list())] == ordered(ROOT)
    assert a.set_locale("sv") is True
    assert [names[i] for i in ids_of(a.list())] == ordered("sv")
    created = a.create("contact", {"last_name": "Åberg"})  # new rows too
    a.update("contact", next(iter(names)), {"first_name": "Ann"})  # and edited ones
    names[created] = "Åberg"
    assert [names[i] for i in ids_of(a.list())] == sorted(
        names.values(), key=lambda name: sort_key([name], "sv"))
    assert a.set_locale("sv") is False
    a.close()


def test_an_unknown_locale_changes_nothing(store: Store) -> None:
    a = make("a", 1, store)
    _contacts(a)
    before = [(r["id"], r["updated_at"], r["last_name"]) for r in a.list()]
    meta = store.load().meta
    with pytest.raises(ValidationError, match="unknown locale"):
        a.set_locale("xx")
    assert a.locale == ROOT
    assert [(r["id"], r["updated_at"], r["last_name"]) for r in a.list()] == before
    assert store.load().meta == meta
    a.close()


def test_a_replica_follows_the_locale_of_the_space(store: Store) -> None:
    a = make("a", 1, store)
    names = _contacts(a)
    a.apply_remote([settings_update("sv", client_id=99)])
    assert a.locale == "sv"
    assert [names[i] for i in ids_of(a.list())] == ordered("sv")
    assert store.load().meta["locale"] == "sv"
    a.close()


def test_a_new_replica_takes_the_locale_with_its_first_sync() -> None:
    a = make("a", 1)
    a.apply_remote([settings_update("sv", client_id=99)])
    names = _contacts(a)
    b = make("b", 2)
    b.apply_remote([a.diff()])
    assert b.locale == "sv"
    assert [names[i] for i in ids_of(b.list())] == ordered("sv")


def test_the_settings_update_refuses_an_unknown_locale() -> None:
    with pytest.raises(ValidationError):
        settings_update("xx", client_id=1)


def test_a_space_without_settings_names_no_locale() -> None:
    a = make("a", 1)
    a.create("contact", {"last_name": "Lee"})
    b = make("b", 2)
    b.apply_remote([a.diff()])
    assert b.locale == ROOT
    from pycrdt import Doc
    assert space_locale(Doc()) is None


def test_rows_keyed_by_another_icu_are_keyed_again_when_the_document_is_built(
        tmp_path: Any) -> None:
    import sqlite3

    from engine.collation import key_version
    from engine.replica import Replica
    from tests.engine.helpers import Clock

    path = tmp_path / "old-icu.db"
    a = make("a", 1, SqliteStore(path))
    names = _contacts(a)
    a.close()
    conn = sqlite3.connect(path)
    with conn:  # as an older ICU might have left them: keys that order differently
        conn.execute("UPDATE records SET sort_key = hex(id) WHERE kind = 'contact'")
        conn.execute("UPDATE meta SET value = 'icu-1.0' WHERE key = 'sort_keys'")
    conn.close()
    b = Replica(SqliteStore(path), clock=Clock(), replica_id="a", client_id=1)
    assert [names[i] for i in ids_of(b.list())] != ordered(ROOT)  # read-only: as stored
    assert not b.document_built
    b.create("contact", {"last_name": "Zz"})
    assert [names.get(i, "Zz") for i in ids_of(b.list())] == [*ordered(ROOT), "Zz"]
    assert b.store.load().meta["sort_keys"] == key_version()
    b.close()
