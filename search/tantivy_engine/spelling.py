"""Did-you-mean vocabulary for the Tantivy engine: the ``spell`` field (see ``search.spelling``)."""

from __future__ import annotations

from search import spelling
from search.query import ParsedQuery
from search.tantivy_engine.schema import SPELL
from search.tantivy_engine.vocab import Vocabulary


def suggest_query(text: str, parsed: ParsedQuery, vocab: Vocabulary) -> str | None:
    return spelling.suggest_query(
        text,
        parsed,
        lambda word: vocab.doc_freq(SPELL, word),
        lambda word, maxdist: vocab.within(SPELL, word, maxdist),
    )


TOP = 500
"""Tantivy ranks a prefix's terms itself: the most frequent 500 hold the few shown."""


def completions(vocab: Vocabulary, prefix: str, scan: int) -> list[tuple[str, int]]:
    """The most frequent words of the vocabulary starting with ``prefix``, with their
    document frequencies (ranked inside Tantivy: a two-letter prefix has thousands)."""
    found = vocab.searcher.terms_with_prefix(SPELL, prefix, limit=min(scan, TOP))
    return [(str(term), int(count)) for term, count in found]
