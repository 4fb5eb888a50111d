"""Our query AST → Tantivy query objects: the Tantivy backend of :mod:`search.querycompile`.

The rules (languages, stop words, absent terms, expansion caps, clause
counting) live in the compiler, shared with the Whoosh engine; this module
says how Tantivy spells a term, a phrase and a boolean combination, and how
its term dictionaries answer lookups. Tantivy has no per-field boost in its
schema, so title terms and phrases carry ``ranking.TITLE_BOOST`` here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import tantivy
from tantivy import Occur, Query

from search import querycompile, ranking
from search.analysis import exact_tokens, stem_lang, stem_text
from search.query import ParsedQuery
from search.querycompile import NOTHING, Tokens, date_bounds, most_frequent
from search.tantivy_engine import schema as s
from search.tantivy_engine.vocab import Vocabulary

_WORD_CACHE = 65_536
"""Analysed query words remembered per process (a few hundred bytes each)."""


class TantivyBackend:
    """Query objects and term lookups for one Tantivy schema and searcher vocabulary."""

    scores_phrases = True
    """A phrase query scores by the phrase's own frequency (``querycompile._phrase_bonus``)."""

    def __init__(self, schema: tantivy.Schema, vocab: Vocabulary) -> None:
        self.schema = schema
        self.vocab = vocab

    def title_field(self, lang: str) -> str:
        return s.title_field(lang)

    def body_field(self, lang: str) -> str:
        return s.body_field(lang)

    def tokens(self, text: str, lang: str) -> Tokens:
        return list(_positions(text, lang))

    def has_term(self, field: str, text: str) -> bool:
        return self.vocab.doc_freq(field, text) > 0

    def doc_freq(self, field: str, text: str) -> int:
        return self.vocab.doc_freq(field, text)

    def doc_count(self) -> int:
        return int(self.vocab.searcher.num_docs)

    def prefix_candidates(self, field: str, stem: str) -> list[tuple[str, int]]:
        return self.vocab.prefixed(field, stem)

    def fuzzy_candidates(self, field: str, text: str, edits: int) -> list[tuple[str, int]]:
        return self.vocab.within(field, text, edits)

    def term(self, field: str, text: str) -> Query:
        return _boosted(field, Query.term_query(self.schema, field, text))

    def phrase(self, field: str, tokens: Tokens) -> Query:
        """A phrase keeping the gaps stop words left (positions as in the index)."""
        first = tokens[0][0]
        words: list[str | tuple[int, str]] = [(position - first, t) for position, t in tokens]
        return _boosted(field, Query.phrase_query(self.schema, field, words))

    def boosted(self, query: Query, factor: float) -> Query:
        return Query.boost_query(query, factor)

    def any_of(self, queries: list[Query]) -> Query:
        return Query.boolean_query([(Occur.Should, q) for q in queries])

    def combine(self, must: list[Query], should: list[Query], must_not: list[Query]) -> Query:
        if len(must) == 1 and not should and not must_not:
            return must[0]
        clauses = [(Occur.Must, q) for q in must or [Query.all_query()]]
        clauses += [(Occur.Should, q) for q in should]
        clauses += [(Occur.MustNot, q) for q in must_not]
        return Query.boolean_query(clauses)

    def negate(self, query: Query) -> Query:
        return self.combine([], [], [query])

    def every(self) -> Query:
        return Query.all_query()

    def date_range(self, start: int, end: int | None) -> Query:
        return Query.range_query(self.schema, s.DATE, tantivy.FieldType.Unsigned, start, end)


def _boosted(field: str, query: Query) -> Query:
    if field.startswith("title_"):
        return Query.boost_query(query, ranking.TITLE_BOOST)
    return query


def build_query(
    parsed: ParsedQuery,
    langs: Sequence[str],
    schema: tantivy.Schema,
    vocab: Vocabulary,
    notices: list[str] | None = None,
) -> Query | None:
    """The Tantivy query for ``parsed``, or None when it can match nothing.

    Notes (capped expansions) are appended to ``notices``.
    """
    return querycompile.compile_query(parsed, langs, TantivyBackend(schema, vocab), notices)


def build_parts(
    parsed: ParsedQuery,
    langs: Sequence[str],
    schema: tantivy.Schema,
    vocab: Vocabulary,
    notices: list[str] | None = None,
) -> tuple[Query | None, Query | None]:
    """``build_query`` and the part of it choosing the matches, without the clause that only
    scores (``querycompile.compile_parts``): Tantivy evaluates an optional clause even when
    it does not score, as when it aggregates (a phrase clause cost a fifth of the facet
    aggregation of a two-word query at a million articles)."""
    backend = TantivyBackend(schema, vocab)
    parts = querycompile.compile_parts(parsed, langs, backend, notices)
    if parts is None:
        return None, None
    matching, bonus = parts
    if bonus is None:
        return matching, matching
    return backend.combine([matching], [bonus], []), matching


def analyse(text: str, lang: str) -> list[str]:
    """Token texts of ``text`` as the fields of ``lang`` (``EXACT`` or a stemmed language)
    index it; ``text`` has been through ``exact_text`` or ``stem_text``."""
    return list(s.analyser(lang).analyze(text))


def word_forms(text: str, lang: str) -> list[str]:
    """What ``text`` is in the exact fields, and in ``lang``'s stemmed fields if it has them."""
    forms = exact_tokens(text)
    if stem_lang(lang):
        forms += analyse(stem_text(text), lang)
    return forms


def analyse_positions(text: str, lang: str) -> Tokens:
    """Tokens with their positions, as in the index."""
    return [(token.position, token.text) for token in s.analyser(lang).pre_tokenize(text).tokens]


@lru_cache(maxsize=_WORD_CACHE)
def _positions(text: str, lang: str) -> tuple[tuple[int, str], ...]:
    """``analyse_positions`` remembered: a query's words are analysed in every language of
    the archive (a dozen calls into Tantivy per word), and queries share their words."""
    return tuple(analyse_positions(text, lang))


__all__ = [
    "NOTHING",
    "TantivyBackend",
    "analyse",
    "analyse_positions",
    "build_parts",
    "build_query",
    "date_bounds",
    "most_frequent",
    "word_forms",
]
