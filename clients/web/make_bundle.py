"""``make web``: bundle the engine's worker into ``clients/web/app/dist/worker.js``.

The page's modules load the engine's (``src/``) by relative paths, as they are. The
engine's worker (app/worker.js) cannot: it imports yjs, and a browser gives a module
Worker no import map, so a bare name like ``"yjs"`` cannot be resolved there. esbuild
(a dev dependency) writes the worker, the engine modules it imports, and yjs and lib0
as one ES module, unminified and with their licence comments, so that the relay serves
it with no Node at run time and a phone opens it with one request instead of forty.

``tests/web/test_bundle.py`` fails when the committed bundle differs from what this
writes now from the sources and node_modules (``npm ci`` first).

    python clients/web/make_bundle.py          # write app/dist/worker.js
    python clients/web/make_bundle.py --check  # exit 1 when it is stale
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parent
ENTRY = "app/worker.js"
OUTPUT = "app/dist/worker.js"
OPTIONS = ("--bundle", "--format=esm", "--target=es2022", "--charset=utf8", "--preserve-symlinks",
           "--log-level=warning")


class BundleError(Exception):
    """The bundle cannot be made; the message says why and what to do."""


def bundle(web: Path = WEB) -> bytes:
    """The bundle as esbuild writes it now from ``web``'s sources and node_modules."""
    esbuild = web / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        raise BundleError(f"{esbuild} is missing: run `npm ci` in {web}")
    done = subprocess.run([str(esbuild), ENTRY, *OPTIONS], cwd=web, capture_output=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        raise BundleError(f"esbuild failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def stale(web: Path = WEB) -> bool:
    """Does the committed bundle differ from a fresh one?"""
    path = web / OUTPUT
    return not path.exists() or path.read_bytes() != bundle(web)


def write(web: Path = WEB) -> Path:
    path = web / OUTPUT
    data = bundle(web)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def main() -> None:
    try:
        if "--check" in sys.argv[1:]:
            if stale():
                print(f"{OUTPUT} is stale: run `make web` and commit it")
                sys.exit(1)
            return
        print(f"wrote {write().relative_to(WEB)}")
    except BundleError as error:
        print(error, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
