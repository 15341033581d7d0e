"""The space bench/web_engine.mjs measures the web engine on, made by the Python engine.

Writes into a folder (default ``bench/.web-fixture``, made again when the engine or this
file changes):

- ``snapshot.bin``: a 10,000-contact space (~7 MB) as one update, what a phone receives on
  its first sync; the contacts are bench/people.py's (11 fields, names
  with accents beside plain ones);
- ``edits.bin``: 1,000 one-field edits made by another replica after it, each its own
  update, as length-prefixed frames (4 bytes big-endian length, then the update);
- ``meta.json``: the sizes, the engine source's fingerprint, and a needle to search for.

    .venv/bin/python bench/web_fixture.py [--size 10000] [--edits 1000] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine import ENGINE, import_update
from bench.people import contact
from engine.replica import Replica
from engine.store import MemoryStore

HERE = Path(__file__).resolve().parent


def fingerprint(size: int, edits: int) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{ENGINE} {size} {edits}".encode())
    return digest.hexdigest()[:16]


def make(out: Path, size: int, edits: int) -> dict[str, object]:
    rng = random.Random(7)
    people = [contact(rng, i) for i in range(size)]
    snapshot = import_update(people, 0)
    editor = Replica(MemoryStore(), clock=lambda: int(time.time() * 1000), replica_id="editor",
                     client_id=4242)
    editor.apply_remote([snapshot])
    ids = [f"import-{i}" for i in range(size)]
    first = len(editor.outbox())
    for n in range(edits):
        editor.update("contact", rng.choice(ids), {"job_title": f"Edited title {n}"})
    updates = [update for _, update in editor.outbox()[first:]]
    out.mkdir(parents=True, exist_ok=True)
    (out / "snapshot.bin").write_bytes(snapshot)
    (out / "edits.bin").write_bytes(b"".join(len(u).to_bytes(4, "big") + u for u in updates))
    meta = {"fingerprint": fingerprint(size, edits), "contacts": size, "edits": len(updates),
            "snapshot_bytes": len(snapshot), "needle": "muller"}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=1_000)
    parser.add_argument("--out", type=Path, default=HERE / ".web-fixture")
    args = parser.parse_args()
    meta_path = args.out / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("fingerprint") == fingerprint(args.size, args.edits):
            print(json.dumps(meta))
            return
    print(json.dumps(make(args.out, args.size, args.edits)))


if __name__ == "__main__":
    main()
