"""Highlighting for the Tantivy engine: its analysers and fuzzy expansions behind
``search.highlight``, which finds the candidate words and builds the spans."""

from __future__ import annotations

from functools import lru_cache

import tantivy

from search import querycompile
from search.highlight import TermMatcher, query_terms
from search.query import ParsedQuery
from search.tantivy_engine import schema as s
from search.tantivy_engine.querybuild import TantivyBackend, analyse
from search.tantivy_engine.vocab import Vocabulary

_WORD_CACHE = 200_000
"""Analysed words remembered per process: a body repeats its words, and hits share them."""


def highlight_terms(
    parsed: ParsedQuery, lang: str, schema: tantivy.Schema, vocab: Vocabulary
) -> TermMatcher:
    """What a token analysed by ``analyser(lang)`` must be to have matched a positive part."""
    backend = TantivyBackend(schema, vocab)
    return query_terms(
        parsed,
        lambda text: analyse(text, lang),
        lambda leaf: querycompile.fuzzy_expansion(backend, lang, leaf),
    )


@lru_cache(maxsize=_WORD_CACHE)
def _analysed_word(word: str, lang: str) -> tuple[str, ...]:
    return tuple(s.analyser(lang).analyze(word))


def match_spans(text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` (analysed as ``lang``) that ``matcher`` accepts."""
    return matcher.spans(text, lambda word: _analysed_word(word, lang))
