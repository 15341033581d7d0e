"""The order of names: the Unicode Collation Algorithm, in the space's language.

Lists are ordered by a stored, indexed sort key (engine/rows.py). For names the key
is an ICU sort key (PyICU's ``Collator.getSortKey``): bytes whose bytewise order is
the collator's order, so SQLite's index, which orders BLOBs with memcmp, sorts them
without knowing of ICU (store format 4; format 3 kept them as hex text, twice the
size and ~0.1 us more a key). A
record's sort fields are joined with U+FFFE, which the CLDR root collation reserves
as a field separator weighing less than anything else: "Muller, Anna" < "Müller,
Anna" < "Muller, Zoe", as a phone book has it (primary differences in any field
before accents in the first).

The locale is a BCP 47 language tag (``de``, ``sv``, ``de-u-co-phonebk``) or
``root`` (the CLDR root collation, the default). Browsers' ``Intl.Collator`` is ICU
with the same CLDR data, so the web app can order the same way. ICU is imported on
the first key made: commands that only read rows never pay for loading it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from engine.errors import ValidationError

ROOT = "root"
_SEPARATOR = "\ufffe"


def check_locale(locale: str) -> str:
    """Return the canonical form of ``locale`` (a BCP 47 tag, or ``root``).

    Raises ValidationError for a tag ICU cannot parse or a language it has no
    collation data for; the caller must then store nothing.
    """
    return _checked(locale.strip() if isinstance(locale, str) else locale)


@lru_cache(maxsize=64)
def _checked(locale: Any) -> str:
    if not isinstance(locale, str) or not locale or len(locale) > 64:
        raise ValidationError("a locale is a language tag such as de, sv or root",
                              field="locale", value=locale)
    if locale.lower() in (ROOT, "und"):
        return ROOT
    icu = _icu()
    try:
        tag = icu.Locale.forLanguageTag(locale.replace("_", "-"))
        collator = icu.Collator.createInstance(tag)
    except icu.ICUError:
        tag = collator = None
    valid = "" if collator is None else str(
        collator.getLocale(icu.ULocDataLocaleType.VALID_LOCALE).getName())
    if tag is None or not str(tag.getLanguage()) or not valid:
        raise ValidationError("unknown locale: no collation for this language tag "
                              "(use a tag such as de, sv, fr-CA or root)",
                              field="locale", value=locale)
    return str(tag.toLanguageTag())


def sort_key(parts: Sequence[str], locale: str) -> bytes:
    """Return the sort key of a record's sort fields, in order, for ``locale``
    (already checked with :func:`check_locale`): bytes that sort, compared bytewise,
    as the collator orders the fields.

    The key ends with the one zero byte ICU ends every key with, and ICU puts no zero
    byte before it: a key with it orders as the key without it would, and leaving it
    saves copying the key."""
    make = _KEY_MAKERS.get(locale)
    if make is None:
        make = _key_maker(locale)
    return make(_SEPARATOR.join(parts))


# The collator's bound getSortKey, by locale: a dict lookup, where the lru_cache of
# _collator and an attribute lookup cost ~0.08 us of a ~1.3 us key.
_KEY_MAKERS: dict[str, Callable[[str], bytes]] = {}


def _key_maker(locale: str) -> Callable[[str], bytes]:
    if len(_KEY_MAKERS) >= 8:  # locales come from peers' settings: keep it bounded
        _KEY_MAKERS.clear()
    make: Callable[[str], bytes] = _collator(locale).getSortKey
    _KEY_MAKERS[locale] = make
    return make


@lru_cache(maxsize=8)
def _collator(locale: str) -> Any:
    icu = _icu()
    if locale == ROOT:
        return icu.Collator.createInstance(icu.Locale.getRoot())
    return icu.Collator.createInstance(icu.Locale.forLanguageTag(check_locale(locale)))


@lru_cache(maxsize=1)
def _icu() -> Any:
    import icu

    return icu


def key_version() -> str:
    """What the keys depend on besides the locale: the ICU that makes them. Keys made by
    another ICU may order differently, so rows keyed by one must be keyed again by
    the next (``Replica`` does it when it sees this change)."""
    return f"icu-{_icu().ICU_VERSION}"


def library_version() -> str:
    """The ICU and Unicode versions the keys are made with (for ``status`` and docs)."""
    icu = _icu()
    return f"ICU {icu.ICU_VERSION}, Unicode {icu.UNICODE_VERSION}"
