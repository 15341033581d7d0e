"""``make web``'s output is committed and must be fresh: clients/web/vendor/ and the
import map in app/index.html equal what make_vendor.py makes from node_modules now, and
the icons equal what make_icons.py draws. Also what make_vendor.py refuses, and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clients.web import make_icons, make_vendor

WEB = Path(__file__).resolve().parents[2] / "clients" / "web"




def test_the_committed_vendor_folder_and_import_map_are_fresh() -> None:
    assert (WEB / "node_modules" / "yjs").is_dir(), "run `npm ci` in clients/web first"
    assert make_vendor.stale(WEB) == [], "run `make web` and commit clients/web/vendor/"
    index = (WEB / "app" / "index.html").read_text()
    assert '"yjs": "../vendor/yjs@' in index


@pytest.mark.parametrize("size", make_icons.SIZES)
def test_the_committed_icons_are_what_make_icons_draws(size: int) -> None:
    width, rows = make_icons.scanlines(make_icons.icon_path(size, WEB).read_bytes())
    assert width == size
    assert rows == make_icons.pixels(size), "run `make web` and commit the icons"


@pytest.fixture
def web_copy(tmp_path: Path) -> Path:
    """A copy of clients/web (its node_modules linked, not copied) to spoil."""
    copy = tmp_path / "web"
    for folder in ("app", "src", "vendor"):
        shutil.copytree(WEB / folder, copy / folder)
    (copy / "node_modules").symlink_to(WEB / "node_modules")
    return copy


def test_a_changed_missing_or_extra_vendored_file_is_reported(web_copy: Path) -> None:
    vendor = web_copy / "vendor"
    yjs = next(vendor.glob("yjs@*/dist/yjs.mjs"))
    yjs.write_bytes(yjs.read_bytes() + b"\n// edited by hand\n")
    math = next(vendor.glob("lib0@*/math.js"))
    math.unlink()
    (vendor / "left-over.js").write_text("export {};")
    problems = make_vendor.stale(web_copy)
    assert f"vendor/{yjs.relative_to(vendor).as_posix()} differs from node_modules" in problems
    assert f"vendor/{math.relative_to(vendor).as_posix()} is missing" in problems
    assert "vendor/left-over.js should not be there" in problems
    assert len(problems) == 3


def test_an_engine_module_importing_a_new_lib0_module_makes_the_import_map_stale(
        web_copy: Path) -> None:
    (web_copy / "src" / "uses_queue.js").write_text('import * as queue from "lib0/queue";\n')
    problems = make_vendor.stale(web_copy)
    assert "app/index.html's import map is not the one vendor/ needs" in problems
    assert any(p.endswith("queue.js is missing") for p in problems)
    fresh = make_vendor.write(web_copy)
    assert fresh.imports["lib0/queue"].endswith("/queue.js")
    assert make_vendor.stale(web_copy) == []


def test_an_import_no_package_provides_is_a_clear_error(web_copy: Path) -> None:
    (web_copy / "app" / "extra.js").write_text('import "no-such-package";\n')
    with pytest.raises(make_vendor.VendorError, match=r"no-such-package.*npm ci"):
        make_vendor.plan(web_copy)


def test_a_subpath_the_package_does_not_export_is_a_clear_error(web_copy: Path) -> None:
    (web_copy / "src" / "deep.js").write_text('import "yjs/src/internals.js";\n')
    with pytest.raises(make_vendor.VendorError, match=r"yjs exports nothing for './src/internals.js'"):
        make_vendor.plan(web_copy)


def test_without_node_modules_make_web_says_to_run_npm_ci(web_copy: Path) -> None:
    (web_copy / "node_modules").unlink()
    with pytest.raises(make_vendor.VendorError, match="npm ci"):
        make_vendor.plan(web_copy)


def test_an_index_without_the_import_map_markers_is_refused(web_copy: Path) -> None:
    index = web_copy / "app" / "index.html"
    before = index.read_text().replace(make_vendor.MAP_END, "")
    index.write_text(before)
    with pytest.raises(make_vendor.VendorError, match="lacks the import map markers"):
        make_vendor.write(web_copy)
    assert index.read_text() == before


@pytest.mark.parametrize(("source", "expected"), [
    ('import * as Y from "yjs";', ["yjs"]),
    ("import {a, b as c} from 'lib0/encoding'\nexport { x } from './x.js'", ["lib0/encoding", "./x.js"]),
    ('import "./side-effect.js";', ["./side-effect.js"]),
    ('const m = await import("./lazy.js");', ["./lazy.js"]),
    ('/* import x from "commented" */ // import y from "also"\nexport * from "./z.js";', ["./z.js"]),
    ('const url = "https://example.com/"; import q from "./q.js";', ["./q.js"]),
    ('const text = "no imports here";', []),
])
def test_import_specifiers_are_read_from_sources(source: str, expected: list[str]) -> None:
    assert make_vendor.specifiers(source) == expected
