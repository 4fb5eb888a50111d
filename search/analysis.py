"""How text becomes terms, engine-neutral: one exact field pair and one stemmed field pair.

Every article's title and body are indexed twice (docs/ranking.md):

- **exact** (``title_exact``, ``body_exact``): each word as written, case-folded
  by the engine's analyser and accent-folded here (:func:`exact_text`: ASCII
  folding of Latin letters, ``ё`` → ``е``), with positions. Phrases, prefixes
  and fuzzy words are matched here, and every word is indexed, stop words
  included, so BM25 weighs them.
- **stemmed** (``title_stem``, ``body_stem``), without positions: the words as
  written (accents kept, ``ё`` → ``е``) run through the article's own language's
  Snowball stemmer (:data:`SNOWBALL`), its stop words left out, each term tagged
  with the language (``de:krieg``, :func:`stem_term`). An article in a language
  without a stemmer (``und``, ``ja``, ``pl``…) has its words lower-cased there,
  tagged :data:`PLAIN`. Both fields are shared by every language, so BM25 sees
  one average length and one document count for all.

Chinese, Japanese and Korean have no spaces between words: runs of their
characters are indexed as overlapping character bigrams (:func:`cjk_bigrams`,
as Lucene's ``CJKBigramFilter``), so a two-character word is found inside a
longer run. Both engines index the text these functions return, and query text
goes through the same functions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from whoosh.lang.stopwords import stoplists

WORD_PATTERN = r"[^\W_]+"
"""A token: a run of letters and digits (``node.js`` and ``snake_case`` are two words each),
as Tantivy's simple tokenizer splits text."""

EXACT = "exact"
"""The suffix of the exact fields: ``title_exact``, ``body_exact``."""

STEM = "stem"
"""The suffix of the stemmed fields, shared by every language: ``title_stem``, ``body_stem``."""

PLAIN = "_"
"""The tag of the stemmed-field terms of languages without a stemmer: their words as
written (lower-cased, accents kept), so every article has stemmed fields of its true length
and scores in them like an article of any other language."""

SNOWBALL: dict[str, str] = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}
"""Languages with a Snowball stemmer in both engines (PyStemmer for Whoosh, Tantivy's own):
our code → the algorithm's name."""

STEM_LANGS: tuple[str, ...] = tuple(SNOWBALL)


def stem_lang(code: str) -> str | None:
    """The Snowball language of text in ``code``, or None (no stemmer)."""
    return code if code in SNOWBALL else None


def stem_tag(code: str) -> str:
    """The tag of the stemmed-field terms of an article in ``code``: its Snowball language,
    or :data:`PLAIN`. Each stemmed term is tagged with its language (``de:krieg``), so one
    language's stem never matches another's (Italian ``nato`` → ``nat``, Russian ``NAT``),
    while the field, shared by every article, gives BM25 one average length for all."""
    return code if code in SNOWBALL else PLAIN


def stem_analysis(tag: str) -> str:
    """The analyser of a stemmed-field tag: its Snowball language, or the exact one."""
    return tag if tag in SNOWBALL else EXACT


def stem_term(tag: str, stem: str) -> str:
    """One term of the stemmed fields: ``en:terror``."""
    return f"{tag}:{stem}"


def tagged_text(tag: str, stems: list[str]) -> str:
    """The stemmed fields' text for an article's analysed words ``stems`` (already stemmed,
    stop words left out): the tagged terms separated by spaces, split by the field's
    whitespace tokenizer."""
    if not stems:
        return ""
    return f"{tag}:" + f" {tag}:".join(stems)


@cache
def stopwords(code: str) -> frozenset[str]:
    """The language's stop words (Snowball's lists), accent-folded as the exact field is.

    They are indexed in the exact fields like every word; the query compiler makes
    them optional in a query that has other words (``search.querycompile``)."""
    words = stoplists.get(code, frozenset())
    return frozenset(exact_text(word).lower() for word in words)


@cache
def stem_stopwords(code: str) -> tuple[str, ...]:
    """The stop words the stemmed fields of ``code`` leave out, spelt as ``stem_text``
    leaves them (accents kept, ``ё`` → ``е``), sorted. The exact fields keep every word:
    without stop words the stemmed fields' lengths count content words only, which BM25's
    length normalisation rewards (CISI nDCG@10 0.362 -> 0.372, Cranfield 0.398 -> 0.395,
    docs/ranking.md)."""
    return tuple(sorted({stem_text(word).lower() for word in stoplists.get(code, ())}))


# ---------------------------------------------------------------- folding


def _fold_table() -> dict[int, str]:
    """Latin letters with marks → their ASCII base; ligatures spelt out; ``ё`` → ``е``."""
    table: dict[int, str] = {}
    for block in ((0x00C0, 0x0250), (0x1E00, 0x1F00)):
        for code in range(*block):
            base = unicodedata.normalize("NFD", chr(code))[0]
            if base.isascii() and base.isalpha() and base != chr(code):
                table[code] = base
    special = {
        "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
        "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D",
        "ı": "i", "ĳ": "ij", "Ĳ": "IJ", "ё": "е", "Ё": "Е",
    }  # fmt: skip
    table.update({ord(key): value for key, value in special.items()})
    return table


_FOLD = {chr(code): text for code, text in _fold_table().items()}
_FOLDED = re.compile("([" + "".join(sorted(_FOLD)) + "])")
"""The characters folding changes, captured: the text is split around them and only they are
looked up, where ``str.translate`` looks up every character (ten times slower on Cyrillic
text, which has few ``ё``) and a substitution calls Python for each (15% slower on
sisihagen's German and French bodies)."""
_LIGHT = re.compile("[ёЁ]")
_LIGHT_MAP = {"ё": "е", "Ё": "Е"}


def fold(text: str) -> str:
    """ASCII folding of Latin letters (``Israël`` → ``Israel``, ``Straße`` → ``Strasse``)
    and ``ё`` → ``е``; other scripts unchanged (``й`` stays, kana keep their marks)."""
    if text.isascii():
        return text
    parts = _FOLDED.split(text)  # the text between folded characters, and each of them
    if len(parts) == 1:
        return text
    parts[1::2] = [_FOLD[char] for char in parts[1::2]]
    return "".join(parts)


# ---------------------------------------------------------------- CJK

_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3131-\u318e\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")


def _bigrams(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "


def cjk_bigrams(text: str) -> str:
    """Each run of two or more Chinese, Japanese or Korean characters as its overlapping
    bigrams (``東京都庁`` → ``東京 京都 都庁``); a lone character stays a word. Runs are set
    apart from the letters around them (``Astroは`` → ``Astro は``), as Lucene's tokenizer
    splits between scripts."""
    return text if text.isascii() else _CJK_RUN.sub(_bigrams, text)


def exact_text(text: str) -> str:
    """What the exact fields index (the engines' analysers then split and lower-case it)."""
    return fold(cjk_bigrams(text))


_WORD = re.compile(WORD_PATTERN)


def exact_tokens(text: str) -> list[str]:
    """The terms the exact fields hold for ``text``: what both engines' exact analysers
    (runs of letters and digits, lower-cased) make of ``exact_text(text)``, computed here
    without a call into an engine (highlighting asks for every candidate word)."""
    return _WORD.findall(exact_text(text).lower())


def stem_text(text: str) -> str:
    """What the stemmed fields index, before the stemmer: accents kept but ``ё``."""
    return _light(cjk_bigrams(text))


def _light(text: str) -> str:
    return text if text.isascii() else _LIGHT.sub(lambda m: _LIGHT_MAP[m.group()], text)


def indexed_texts(text: str) -> tuple[str, str]:
    """``(exact_text(text), stem_text(text))``, for a writer that indexes both: the CJK runs
    are found once (a scan of the whole text, 0.2 s of sisihagen's bodies)."""
    bigrams = cjk_bigrams(text)
    return fold(bigrams), _light(bigrams)


__all__ = [
    "EXACT",
    "PLAIN",
    "SNOWBALL",
    "STEM",
    "STEM_LANGS",
    "cjk_bigrams",
    "exact_text",
    "exact_tokens",
    "fold",
    "indexed_texts",
    "stem_analysis",
    "stem_lang",
    "stem_stopwords",
    "stem_tag",
    "stem_term",
    "stem_text",
    "stopwords",
    "tagged_text",
]
