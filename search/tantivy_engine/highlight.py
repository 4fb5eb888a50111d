"""Highlighting for the Tantivy engine: its analysers and fuzzy expansions behind
``search.highlight``, which finds the candidate words and builds the spans."""

from __future__ import annotations

from functools import lru_cache

import tantivy

from search import querycompile
from search.highlight import TermMatcher, query_terms
from search.query import ParsedQuery
from search.tantivy_engine.querybuild import TantivyBackend, word_forms
from search.tantivy_engine.vocab import Vocabulary

_WORD_CACHE = 200_000
"""Analysed words remembered per process: a body repeats its words, and hits share them."""


def highlight_terms(
    parsed: ParsedQuery, lang: str, schema: tantivy.Schema, vocab: Vocabulary
) -> TermMatcher:
    """The forms (``word_forms``) a word of an article in ``lang`` must have to have matched
    a positive part."""
    backend = TantivyBackend(schema, vocab)
    return query_terms(
        parsed,
        lambda text: word_forms(text, lang),
        lambda leaf: querycompile.fuzzy_expansion(backend, leaf),
    )


@lru_cache(maxsize=_WORD_CACHE)
def _analysed_word(word: str, lang: str) -> tuple[str, ...]:
    return tuple(word_forms(word, lang))


def match_spans(text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` (of an article in ``lang``) that ``matcher``
    accepts."""
    return matcher.spans(text, lambda word: _analysed_word(word, lang))
