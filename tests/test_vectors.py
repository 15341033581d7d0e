"""The files both engines are held to are as tests/vectors/generate.py writes them now."""

from __future__ import annotations

import json

from tests.vectors.generate import FOLD, ROOT, SCHEMA, contents


def test_the_committed_schema_and_vectors_are_fresh() -> None:
    stale = [str(path.relative_to(ROOT)) for path, text in contents().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert stale == [], f"regenerate with: python -m tests.vectors.generate ({stale})"


def test_the_schema_carries_the_folding_rules_and_every_kind() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["folding"]["normalize"] == "NFKD" and schema["folding"]["letters"]["ø"] == "o"
    assert {"contact", "company", "group", "note"} <= set(schema["kinds"])
    cases = json.loads(FOLD.read_text(encoding="utf-8"))["cases"]
    assert {"text": "Ana María O'Neil-Søren", "folded": "ana maria o neil soren",
            "joined": "ana maria oneilsoren"} in cases
