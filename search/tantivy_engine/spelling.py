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


def completions(vocab: Vocabulary, prefix: str, scan: int) -> list[tuple[str, int]]:
    """Words of the vocabulary starting with ``prefix`` and their document frequencies."""
    return vocab.prefixed(SPELL, prefix)[:scan]
