"""Highlighting for the Tantivy engine: its analysers and fuzzy expansions behind
``search.highlight``, which finds the candidate words and builds the spans."""

from __future__ import annotations

from functools import lru_cache

from search.highlight import TermMatcher, query_terms
from search.query import Fuzzy, ParsedQuery
from search.tantivy_engine import schema as s
from search.tantivy_engine.querybuild import analyse, fuzzy_terms, most_frequent
from search.tantivy_engine.vocab import Vocabulary

_WORD_CACHE = 200_000
"""Analysed words remembered per process: a body repeats its words, and hits share them."""


def highlight_terms(parsed: ParsedQuery, lang: str, vocab: Vocabulary) -> TermMatcher:
    """What a token analysed by ``analyser(lang)`` must be to have matched a positive part."""

    def fuzzy(leaf: Fuzzy) -> set[str]:
        terms: set[str] = set()
        for fieldname in (s.title_field(lang), s.body_field(lang)):
            terms.update(most_frequent(fuzzy_terms(vocab, fieldname, leaf))[0])
        return terms

    return query_terms(parsed, lambda text: analyse(text, lang), fuzzy)


@lru_cache(maxsize=_WORD_CACHE)
def _analysed_word(word: str, lang: str) -> tuple[str, ...]:
    return tuple(s.analyser(lang).analyze(word))


def match_spans(text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` (analysed as ``lang``) that ``matcher`` accepts."""
    return matcher.spans(text, lambda word: _analysed_word(word, lang))
