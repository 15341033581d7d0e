"""``make web``'s output is committed and must be fresh: the engine's worker bundle
(clients/web/app/dist/worker.js) equals what make_bundle.py makes from the sources and
node_modules now, and the icons equal what make_icons.py draws."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clients.web import make_bundle, make_icons

WEB = Path(__file__).resolve().parents[2] / "clients" / "web"


def test_the_committed_worker_bundle_is_fresh() -> None:
    assert (WEB / "node_modules" / "yjs").is_dir(), "run `npm ci` in clients/web first"
    assert not make_bundle.stale(WEB), "run `make web` and commit clients/web/app/dist/"


def test_the_bundle_holds_the_engine_and_yjs_and_imports_nothing(tmp_path: Path) -> None:
    text = (WEB / make_bundle.OUTPUT).read_text(encoding="utf-8")
    for name in ("WebReplica", "SyncSession", "IndexedDbStorage", "Connection"):
        assert f"var {name} = class" in text, name
    assert "// node_modules/yjs/dist/yjs.mjs" in text and "// src/schema.json" in text
    # A module Worker has no import map: a bare import left in the bundle would fail.
    assert "\nimport " not in text and 'from "yjs"' not in text


@pytest.fixture
def web_copy(tmp_path: Path) -> Path:
    """A copy of clients/web (its node_modules linked, not copied) to spoil."""
    copy = tmp_path / "web"
    for folder in ("app", "src"):
        shutil.copytree(WEB / folder, copy / folder)
    shutil.copy(WEB / "package.json", copy / "package.json")  # the worker reads its version
    (copy / "node_modules").symlink_to(WEB / "node_modules")
    return copy


def test_an_edited_engine_module_makes_the_bundle_stale(web_copy: Path) -> None:
    assert not make_bundle.stale(web_copy)
    session = web_copy / "src" / "session.js"
    text = session.read_text()
    assert "ack for " in text
    session.write_text(text.replace("ack for ", "acknowledgement for "))
    assert make_bundle.stale(web_copy)
    make_bundle.write(web_copy)
    assert not make_bundle.stale(web_copy)


def test_a_bundle_that_cannot_be_made_is_a_clear_error(web_copy: Path) -> None:
    (web_copy / "app" / "worker.js").write_text('import "no-such-package";\n')
    with pytest.raises(make_bundle.BundleError, match="no-such-package"):
        make_bundle.bundle(web_copy)


def test_without_node_modules_make_web_says_to_run_npm_ci(web_copy: Path) -> None:
    (web_copy / "node_modules").unlink()
    with pytest.raises(make_bundle.BundleError, match="npm ci"):
        make_bundle.bundle(web_copy)


@pytest.mark.parametrize("size", make_icons.SIZES)
def test_the_committed_icons_are_what_make_icons_draws(size: int) -> None:
    width, rows = make_icons.scanlines(make_icons.icon_path(size, WEB).read_bytes())
    assert width == size
    assert rows == make_icons.pixels(size), "run `make web` and commit the icons"
