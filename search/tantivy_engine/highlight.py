"""Which words of a stored text the query matched: the spans ``search.snippets`` marks.

A token matches when its analysed form is one the query searched (a word, a
phrase word, a fuzzy expansion) or starts with a searched prefix, exactly as
in the Whoosh engine. Analysing a long body token by token costs more than
the search itself, so candidates are found first with one regular expression
on the first letters of the searched terms (Snowball stems keep a word's first
letters, up to the accents some stemmers fold), and only those words are
analysed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from search.query import FieldTerm, Fuzzy, ParsedQuery, Phrase, Prefix, Word, positive_leaves
from search.tantivy_engine import schema as s
from search.tantivy_engine.querybuild import analyse, fuzzy_terms, most_frequent
from search.tantivy_engine.vocab import Vocabulary

_WORD_CACHE = 200_000
"""Analysed words remembered per process: a body repeats its words, and hits share them."""
_LEAD = 2
"""Letters of a searched term a candidate word must start with."""
_VARIANTS: dict[str, str] = {
    "a": "aàáâãäå",
    "c": "cç",
    "e": "eèéêë",
    "i": "iìíîï",
    "n": "nñ",
    "o": "oòóôõöø",
    "u": "uùúûü",
    "y": "yýÿ",
    "s": "sß",
    "е": "её",
}
"""Letters a stemmer may have folded others into (German umlauts, Russian ё…)."""


class Matcher:
    """The analysed terms and prefixes a query searched, for one analyser language."""

    def __init__(self, exact: set[str], prefixes: tuple[str, ...]) -> None:
        self.exact = frozenset(exact)
        self.prefixes = prefixes
        leads = sorted({term[:_LEAD] for term in (*self.exact, *prefixes) if term})
        self.candidates: re.Pattern[str] | None = None
        if leads:
            alternatives = "|".join("".join(_letter(ch) for ch in lead) for lead in leads)
            self.candidates = re.compile(rf"(?<!\w)(?=(?:{alternatives}))" + s.WORD_PATTERN, re.I)

    def __call__(self, token: str) -> bool:
        return token in self.exact or (bool(self.prefixes) and token.startswith(self.prefixes))


def _letter(ch: str) -> str:
    variants = _VARIANTS.get(ch)
    return f"[{variants}]" if variants else re.escape(ch)


def highlight_terms(parsed: ParsedQuery, lang: str, vocab: Vocabulary) -> Matcher:
    """What a token analysed by ``analyser(lang)`` must be to have matched a positive part."""
    exact: set[str] = set()
    prefixes: list[str] = []
    for leaf in positive_leaves(parsed.root):
        if isinstance(leaf, Word | Phrase):
            exact.update(analyse(leaf.text, lang))
        elif isinstance(leaf, FieldTerm) and leaf.field == "title":
            exact.update(analyse(leaf.value, lang))
        elif isinstance(leaf, Prefix):
            prefixes.append(leaf.stem.lower())
        elif isinstance(leaf, Fuzzy):
            for fieldname in (s.title_field(lang), s.body_field(lang)):
                exact.update(most_frequent(fuzzy_terms(vocab, fieldname, leaf))[0])
    return Matcher(exact, tuple(prefixes))


@lru_cache(maxsize=_WORD_CACHE)
def _analysed_word(word: str, lang: str) -> tuple[str, ...]:
    return tuple(s.analyser(lang).analyze(word))


def match_spans(text: str, lang: str, matcher: Matcher) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` (analysed as ``lang``) that ``matcher`` accepts."""
    if matcher.candidates is None:
        return []
    verdicts: dict[str, bool] = {}
    spans = []
    for match in matcher.candidates.finditer(text):
        word = match.group()
        verdict = verdicts.get(word)
        if verdict is None:
            verdict = any(matcher(token) for token in _analysed_word(word, lang))
            verdicts[word] = verdict
        if verdict:
            spans.append(match.span())
    return spans
