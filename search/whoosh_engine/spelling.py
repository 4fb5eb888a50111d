"""Did-you-mean vocabulary for the Whoosh engine: the ``spell`` field (see ``search.spelling``)."""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.reading import IndexReader

from search import spelling
from search.query import ParsedQuery
from search.whoosh_engine.schema import SPELL_FIELD


def suggest_query(text: str, parsed: ParsedQuery, reader: IndexReader) -> str | None:
    def frequency(word: str) -> int:
        return int(reader.doc_frequency(SPELL_FIELD, word))

    def neighbours(word: str, maxdist: int) -> Iterator[tuple[str, int]]:
        # A multi-segment reader only has Whoosh's slow generic scan: ask each segment.
        seen: set[str] = set()
        for leaf, _ in reader.leaf_readers():
            for term in leaf.terms_within(SPELL_FIELD, word, maxdist, prefix=1):
                if term not in seen:
                    seen.add(term)
                    yield term, frequency(term)

    return spelling.suggest_query(text, parsed, frequency, neighbours)
