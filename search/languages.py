"""Language codes: which ones the engines stem, how a tag is folded, and each one's name.

Engine-neutral: an engine maps each code to its own analyser. Anything else is
analysed by the neutral analyser (lower-casing, no stemming, no stop words).

Codes are BCP 47 primary language subtags (``en``, ``pt``, ``zh``): a region or
script is folded away (``pt-BR`` → ``pt``, ``zh-Hant-TW`` → ``zh``), since the
analysis and the facet are per language. Names are each language's own name in
itself (English, Deutsch, 한국어), from the CLDR data Babel ships.
"""

from __future__ import annotations

import functools
import re

from babel import Locale, UnknownLocaleError, localedata

NEUTRAL = "und"
"""BCP 47 'undetermined': the language code for text we have no analyser for."""

STEMMED: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "pt": "Português",
    "sv": "Svenska",
    "da": "Dansk",
    "no": "Norsk",
    "fi": "Suomi",
    "hu": "Magyar",
    "ro": "Română",
    "tr": "Türkçe",
}

ALIASES: dict[str, str] = {
    "english": "en",
    "german": "de",
    "deutsch": "de",
    "french": "fr",
    "français": "fr",
    "russian": "ru",
    "русский": "ru",
    "spanish": "es",
    "italian": "it",
    "dutch": "nl",
    "portuguese": "pt",
}


_TAG = re.compile(r"(?P<primary>[a-z]{2,3})(?:-(?:[a-z]{4}|[a-z]{2}|\d{3}))*(?:-[a-z\d]{5,8})*")
"""A BCP 47 tag's shape: the language, then script, region and variant subtags."""


def normalise_lang(value: str | None) -> str | None:
    """``'en-GB'`` → ``'en'``, ``'German'`` → ``'de'``; None for an empty or unusable value."""
    if not value:
        return None
    text = str(value).strip().lower().replace("_", "-")
    if not text:
        return None
    if text in ALIASES:
        return ALIASES[text]
    match = _TAG.fullmatch(text)
    return match["primary"] if match else None


@functools.cache
def _cldr_languages() -> frozenset[str]:
    return frozenset(name.split("_", 1)[0] for name in localedata.locale_identifiers())


def folder_lang(segment: str) -> str | None:
    """The language a folder named ``segment`` holds (``pt-br`` → ``pt``, ``ko`` → ``ko``), or
    None: the name must be a BCP 47 tag whose language CLDR knows (``docs``, ``xx`` are not)."""
    code = normalise_lang(segment) if _TAG.fullmatch(segment.lower().replace("_", "-")) else None
    return code if code and code in _cldr_languages() else None


def analyser_lang(code: str) -> str:
    """The language whose analyser handles text in ``code``: itself or the neutral one."""
    return code if code in STEMMED else NEUTRAL


@functools.cache
def display_name(code: str) -> str:
    """The language's name in itself (``ko`` → 한국어), capitalised as a label; the code
    itself when CLDR has no name for it; "Undetermined" for ``und``."""
    if code == NEUTRAL:
        return "Undetermined"
    try:
        name = Locale.parse(code).get_display_name(code)
    except (UnknownLocaleError, ValueError, TypeError):
        name = None
    if not name:
        return STEMMED.get(code, code)
    return name[:1].upper() + name[1:]
