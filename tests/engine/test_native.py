"""The pycrdt internals engine/native.py reads: fails loudly when pycrdt changes."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from pycrdt import Doc, Map

from engine.native import PINNED, NativeMap, native_map, observe_deep, raw_transaction


def test_the_installed_pycrdt_is_the_pinned_one() -> None:
    installed = version("pycrdt")
    assert installed == PINNED, (
        f"pycrdt {installed} is installed but engine/native.py was checked against {PINNED}: "
        "check every part it reads against the new release, then update PINNED and the pin "
        "in pyproject.toml together")


def test_the_pin_in_pyproject_matches() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert f'"pycrdt=={PINNED}"' in text


def test_native_maps_and_transactions_read_what_the_public_api_shows() -> None:
    doc: Doc[Any] = Doc()
    root = doc.get("contacts", type=Map)
    root["r1"] = Map({"first_name|1|a": '"Ann"', "last_name|1|a": '"Lee"'})
    with doc.transaction() as txn:
        native, handle = native_map(root), raw_transaction(txn)
        assert isinstance(native, NativeMap)
        assert native.has(handle, "r1") and not native.has(handle, "r2")
        record = native.get(handle, "r1")
        assert isinstance(record, NativeMap)
        assert sorted(record.keys(handle)) == ["first_name|1|a", "last_name|1|a"]
        assert record.get(handle, "first_name|1|a") == '"Ann"'


def test_native_deep_events_carry_paths_and_key_changes() -> None:
    doc: Doc[Any] = Doc()
    root = doc.get("contacts", type=Map)
    root["r1"] = Map({"k|1|a": '"v"'})
    seen: list[tuple[list[Any], dict[str, Any]]] = []
    subscription = observe_deep(root, lambda events: seen.extend(
        (list(e.path), dict(e.keys)) for e in events))
    root["r2"] = Map({"k|1|a": '"w"'})
    root["r1"]["k|2|a"] = '"x"'
    del root["r1"]["k|1|a"]
    subscription.drop()
    root["r3"] = Map()
    assert [path for path, _ in seen] == [[], ["r1"], ["r1"]]
    assert "r2" in seen[0][1]
    assert seen[1][1]["k|2|a"]["action"] == "add" and seen[1][1]["k|2|a"]["newValue"] == '"x"'
    assert seen[2][1]["k|1|a"]["action"] == "delete"


def test_insert_all_makes_the_structs_setting_each_key_makes() -> None:
    from engine.native import insert_all

    items = {f"field{n}|1|a": f'"value {n}"' for n in range(11)}
    one_by_one: Doc[Any] = Doc(client_id=7)
    one_by_one.get("contacts", type=Map)["r1"] = Map(dict(items))
    native: Doc[Any] = Doc(client_id=7)
    record: Map[Any] = Map()
    native.get("contacts", type=Map)["r1"] = record
    insert_all(record, items)
    assert native.get_update() == one_by_one.get_update()
