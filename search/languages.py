"""Languages the engines analyse with a stemmer and stop words of their own.

Engine-neutral: an engine maps each code to its own analyser. Anything else is
analysed by the neutral analyser (lower-casing, no stemming, no stop words).
"""

from __future__ import annotations

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


def normalise_lang(value: str | None) -> str | None:
    """``'en-GB'`` → ``'en'``, ``'German'`` → ``'de'``; None for an empty or unusable value."""
    if not value:
        return None
    text = str(value).strip().lower().replace("_", "-")
    if not text:
        return None
    if text in ALIASES:
        return ALIASES[text]
    primary = text.split("-", 1)[0]
    if 2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha():
        return primary
    return None


def analyser_lang(code: str) -> str:
    """The language whose analyser handles text in ``code``: itself or the neutral one."""
    return code if code in STEMMED else NEUTRAL


def display_name(code: str) -> str:
    return STEMMED.get(code, code)
