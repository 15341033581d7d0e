"""``make web``: copy the npm modules the browser needs into ``clients/web/vendor/``.

The browser loads yjs and lib0 as plain ES modules from the relay, with no CDN and no
bundler, and the relay must serve them with no Node at run time. So this script
starts from every bare import (``"yjs"``, ``"lib0/encoding"``) in ``src/`` and
``app/`` (and yjs itself, which the engine is built on), resolves each the way a
browser-targeted bundler would (package.json ``exports`` with the conditions
browser, import, module, default), follows their imports in turn, and copies that
closure with each package's licence into ``vendor/<name>@<version>/``. The version in
the folder name is what lets the relay and the service worker keep those files for
good. It then writes the import map (bare name → file) into ``app/index.html``
between its markers.

``tests/web/test_vendor.py`` fails when the committed copy differs from what this
script would write now from node_modules (``npm ci`` first).

    python clients/web/make_vendor.py          # write vendor/ and the import map
    python clients/web/make_vendor.py --check  # exit 1 when they are stale
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WEB = Path(__file__).resolve().parent
CONDITIONS = ("browser", "import", "module", "default")
ALWAYS = ("yjs",)
MAP_START = "<!-- import map: written by make web (clients/web/make_vendor.py) -->"
MAP_END = "<!-- end of import map -->"
_LICENCE = re.compile(r"^(LICEN[CS]E|COPYING)(\.\w+)?$", re.IGNORECASE)
# Static imports and re-exports (`import … from "x"`, `import "x"`, `export … from "x"`)
# and dynamic `import("x")`, each at the start of a statement so that the word
# "import" inside a comment or string does not count.
_IMPORT = re.compile(
    r"""(?:^|[;\n}])\s*(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["']([^"'\n]+)["']"""
    r"""|\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)""")
_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.DOTALL)


class VendorError(Exception):
    """A module cannot be resolved or copied; the message says which and why."""


def specifiers(source: str) -> list[str]:
    """The module specifiers a JavaScript source imports, in order."""
    text = _COMMENT.sub("", source)
    return [a or b for a, b in _IMPORT.findall(text)]


def is_bare(spec: str) -> bool:
    return not spec.startswith((".", "/", "node:")) and "://" not in spec


def split_package(spec: str) -> tuple[str, str]:
    """'lib0/encoding' → ('lib0', './encoding'); '@scope/x/y' → ('@scope/x', './y')."""
    parts = spec.split("/")
    count = 2 if spec.startswith("@") else 1
    name = "/".join(parts[:count])
    rest = "/".join(parts[count:])
    return name, "./" + rest if rest else "."


def _pick(target: Any) -> str | None:
    """Resolve a package.json exports target under the browser's conditions."""
    if isinstance(target, str):
        return target
    if isinstance(target, list):
        for item in target:
            found = _pick(item)
            if found is not None:
                return found
        return None
    if isinstance(target, dict):
        for key, value in target.items():
            if key in CONDITIONS:
                found = _pick(value)
                if found is not None:
                    return found
    return None


@dataclass
class Package:
    name: str
    version: str
    folder: Path
    meta: dict[str, Any]

    @property
    def vendored(self) -> str:
        return f"{self.name}@{self.version}"

    def entry(self, subpath: str) -> str:
        """The file (relative to the package) that ``subpath`` names for a browser."""
        exports = self.meta.get("exports")
        target: str | None
        if exports is None:
            if subpath == ".":
                target = self.meta.get("module") or self.meta.get("main") or "index.js"
            else:
                target = subpath
        elif isinstance(exports, dict) and all(k.startswith(".") for k in exports):
            target = _pick(exports[subpath]) if subpath in exports else None
        else:
            target = _pick(exports) if subpath == "." else None
        if target is None:
            raise VendorError(f"{self.name} exports nothing for {subpath!r} to a browser")
        return target.removeprefix("./")


@dataclass
class Plan:
    """What ``vendor/`` must hold (path relative to it → bytes) and the import map."""

    files: dict[str, bytes] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)

    def import_map_block(self) -> str:
        body = json.dumps({"imports": dict(sorted(self.imports.items()))}, indent=2)
        indented = "\n".join("    " + line for line in body.splitlines())
        return f'{MAP_START}\n  <script type="importmap">\n{indented}\n  </script>\n  {MAP_END}'


def _package(name: str, modules: Path) -> Package:
    folder = modules / name
    try:
        meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VendorError(f"cannot read {name}'s package.json in {modules} "
                          f"(run `npm ci` in clients/web): {exc}") from exc
    return Package(name, str(meta["version"]), folder, meta)


def app_sources(web: Path = WEB) -> list[Path]:
    """The browser's own modules: the engine (src/) and the app shell (app/)."""
    return sorted(p for folder in ("src", "app") for p in (web / folder).rglob("*.js"))


def plan(web: Path = WEB) -> Plan:
    """Work out vendor/ and the import map from node_modules and the app's imports."""
    modules = web / "node_modules"
    roots = list(ALWAYS)
    for source in app_sources(web):
        roots += [s for s in specifiers(source.read_text(encoding="utf-8")) if is_bare(s)]
    result = Plan()
    packages: dict[str, Package] = {}
    pending: list[tuple[Package, str]] = []  # (package, file relative to it) to copy

    def bare(spec: str) -> None:
        if spec in result.imports:
            return
        name, subpath = split_package(spec)
        if name not in packages:
            packages[name] = _package(name, modules)
            pkg = packages[name]
            for licence in sorted(pkg.folder.iterdir()):
                if _LICENCE.match(licence.name):
                    result.files[f"{pkg.vendored}/{licence.name}"] = licence.read_bytes()
        pkg = packages[name]
        entry = pkg.entry(subpath)
        result.imports[spec] = f"../vendor/{pkg.vendored}/{entry}"
        pending.append((pkg, entry))

    for spec in dict.fromkeys(roots):
        bare(spec)
    while pending:
        pkg, rel = pending.pop()
        key = f"{pkg.vendored}/{rel}"
        if key in result.files:
            continue
        path = (pkg.folder / rel).resolve()
        if not path.is_relative_to(pkg.folder.resolve()) or not path.is_file():
            raise VendorError(f"{pkg.name} has no file {rel}")
        data = path.read_bytes()
        result.files[key] = data
        for spec in specifiers(data.decode("utf-8")):
            if is_bare(spec):
                bare(spec)
            elif spec.startswith("."):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
                if target.startswith("../"):
                    raise VendorError(f"{key} imports {spec!r}, outside its package")
                pending.append((pkg, target))
            else:
                raise VendorError(f"{key} imports {spec!r}, which a browser cannot load")
    if not packages:
        raise VendorError("nothing to vendor")
    return result


def index_html(current: str, block: str) -> str:
    """``app/index.html`` with its import map replaced by ``block``."""
    start, end = current.find(MAP_START), current.find(MAP_END)
    if start < 0 or end < start:
        raise VendorError(f"app/index.html lacks the import map markers {MAP_START} … {MAP_END}")
    return current[:start] + block + current[end + len(MAP_END):]


def stale(web: Path = WEB) -> list[str]:
    """What differs between the committed vendor/ and import map and a fresh plan."""
    fresh = plan(web)
    vendor = web / "vendor"
    on_disk = {p.relative_to(vendor).as_posix(): p.read_bytes()
               for p in vendor.rglob("*") if p.is_file()} if vendor.is_dir() else {}
    problems = [f"vendor/{k} is missing" for k in sorted(fresh.files.keys() - on_disk.keys())]
    problems += [f"vendor/{k} should not be there" for k in sorted(on_disk.keys() - fresh.files.keys())]
    problems += [f"vendor/{k} differs from node_modules" for k in sorted(fresh.files)
                 if k in on_disk and on_disk[k] != fresh.files[k]]
    index = (web / "app" / "index.html").read_text(encoding="utf-8")
    if index_html(index, fresh.import_map_block()) != index:
        problems.append("app/index.html's import map is not the one vendor/ needs")
    return problems


def write(web: Path = WEB) -> Plan:
    fresh = plan(web)
    index = web / "app" / "index.html"
    # Everything that can fail is worked out before anything is written.
    page = index_html(index.read_text(encoding="utf-8"), fresh.import_map_block())
    vendor = web / "vendor"
    if vendor.exists():
        shutil.rmtree(vendor)
    for rel, data in fresh.files.items():
        target = vendor / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    index.write_text(page, encoding="utf-8")
    return fresh


def main(argv: list[str]) -> int:
    try:
        if "--check" in argv:
            problems = stale()
            for line in problems:
                print(line, file=sys.stderr)
            if problems:
                print("run `make web` to refresh them", file=sys.stderr)
            return 1 if problems else 0
        fresh = write()
    except VendorError as exc:
        print(f"make web: {exc}", file=sys.stderr)
        return 2
    print(f"vendor/: {len(fresh.files)} files, {len(fresh.imports)} import map entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
