"""Write the files both engines are held to: the record schema the web client loads, and
the shared test vectors (``python -m tests.vectors.generate``; ``--check`` only compares).

- ``clients/web/src/schema.json``: :func:`engine.schema.schema_export`, the record model
  and the search folding rules as data, which the JavaScript engine loads rather than
  keeping a second copy;
- ``tests/vectors/fold.json``: texts and what :func:`engine.fold.fold_both` makes of
  them (the folded and the joined form). The JavaScript suite (clients/web/test/)
  folds each text by the exported rules and must give the same;
- ``tests/vectors/order.json``: records' sort fields (last name, first name) in the
  order :func:`engine.collation.sort_key` gives them, per locale; the JavaScript suite
  sorts them with ``Intl.Collator`` (the fields joined with U+FFFE, as the key is made)
  and must give the same order.

Each further set of vectors is a module of its own beside this one, named
``tests/vectors/make_<name>.py``, with a function ``vectors() -> dict[str, Any]`` giving
its files' names (inside tests/vectors/) and their contents; this writes them all.

tests/test_vectors.py fails when a committed file differs from what this writes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from engine.collation import sort_key
from engine.fold import fold_both
from engine.schema import schema_export

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCHEMA = ROOT / "clients" / "web" / "src" / "schema.json"
FOLD = ROOT / "tests" / "vectors" / "fold.json"
ORDER = ROOT / "tests" / "vectors" / "order.json"

# Names as people write them, and the Unicode corners the rules must agree on.
FOLD_TEXTS = [
    "Jürgen Müller", "Bäckerei Müller GmbH", "Ana María O'Neil-Søren", "ÅNGSTRÖM", "Øberg",
    "Çelik", "Đorđević", "Łukasz Żółć", "Þórunn Ægisdóttir", "Straße", "Œuvre", "İstanbul",
    "ıspanak", "Dvořák", "Nguyễn Văn Thủy", "François-Xavier", "Smith & Sons, Inc.",
    "  many   spaces\there\n", "ﬁnancial ﬂoor", "ＦＵＬＬＷＩＤＴＨ １２３", "Ⅻ century",
    "e\u0301te\u0301", "zero\u200bwidth", "soft\u00adhyphen", "a—b–c", "«quoted» “text”",
    "O’Brien", "mail@Example.COM", "+1 (555) 010-0142 ext. 7", "Σίσυφος", "ΣΊΣΥΦΟΣ",
    "Чайковский", "ЁЛКА", "דוד", "محمد", "日本語 テキスト", "ﾃｷｽﾄ", "한국어", "😀 emoji",
    "tab\tand\x00nul", "", "   ", "'", "a.b.c", "C++ / C#", "ǅemal", "ǈubljana",
]


ORDER_NAMES = [
    ("Ångström", "Anders"), ("Øberg", "Ola"), ("Oberg", "Olle"), ("Çelik", "Can"),
    ("Celik", "Cem"), ("Đorđević", "Đorđe"), ("Dordevic", "Dana"), ("Müller", "Jürgen"),
    ("Mueller", "Hans"), ("Muller", "Anne"), ("Zander", "Zoë"), ("Ärlig", "Åsa"),
    ("Arlig", "Axel"), ("Öst", "Örjan"), ("Ost", "Oskar"), ("Łukasik", "Łucja"),
    ("Lukas", "Lena"), ("van der Berg", "Vera"), ("Vanderberg", "Victor"), ("O'Neil", "Ana"),
    ("Oneil", "Bo"), ("Smith", "Étienne"), ("Smith", "Emma"), ("smith", "Eve"),
    ("Šimek", "Šárka"), ("Simek", "Sara"), ("Þórsson", "Þór"), ("Thorsson", "Tor"),
]
ORDER_LOCALES = ["root", "de", "sv", "de-u-co-phonebk", "da", "tr"]


def order_vectors() -> dict[str, list[list[str]]]:
    names = [list(pair) for pair in ORDER_NAMES]
    return {locale: sorted(names, key=lambda parts: sort_key(parts, locale))
            for locale in ORDER_LOCALES}


def fold_vectors() -> list[dict[str, str]]:
    out = []
    for text in FOLD_TEXTS:
        folded, joined = fold_both(text)
        out.append({"text": text, "folded": folded, "joined": joined})
    return out


def dump(value: Any) -> str:
    """A vector file's text: JSON, keys sorted, so that a fresh export compares equal."""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def vector_modules() -> list[str]:
    """The names of the ``make_*`` modules beside this one, in order."""
    return sorted(f"tests.vectors.{path.stem}" for path in HERE.glob("make_*.py"))


def contents() -> dict[Path, str]:
    """Every file this writes, by path, as text."""
    files = {SCHEMA: dump(schema_export()), FOLD: dump({"cases": fold_vectors()}),
             ORDER: dump({"separator": "\ufffe", "orders": order_vectors()})}
    for name in vector_modules():
        for file_name, value in importlib.import_module(name).vectors().items():
            path = HERE / file_name
            if path in files:
                raise ValueError(f"{name} writes {file_name}, which another module writes")
            files[path] = dump(value)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args()
    stale = []
    for path, text in contents().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'} {path.relative_to(ROOT)}")
    sys.exit(1 if args.check and stale else 0)


if __name__ == "__main__":
    main()
