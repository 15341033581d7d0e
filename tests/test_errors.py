"""The error tree drawn in engine/errors.py names every HandsyncError the project defines."""

from __future__ import annotations

import importlib
import pkgutil

import clients
import engine
import engine.errors
import relay
from engine.errors import HandsyncError


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def test_the_drawn_tree_names_every_error_class() -> None:
    for package in (engine, relay, clients):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    ours = {c for c in _all_subclasses(HandsyncError)
            if c.__module__.startswith(("engine.", "relay.", "clients."))}
    assert len(ours) > 15  # the walk above found the clients' errors too
    drawing = engine.errors.__doc__ or ""
    missing = sorted(c.__name__ for c in ours if c.__name__ not in drawing)
    assert missing == [], f"draw these in engine/errors.py: {missing}"
