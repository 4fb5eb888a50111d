"""Our query AST → Whoosh query objects: the Whoosh backend of :mod:`search.querycompile`.

The rules (languages, stop words, absent terms, expansion limits, clause
counting) live in the compiler; this module says how Whoosh spells a term, a
phrase and a boolean combination, and how its reader answers term lookups.
Title terms and phrases carry ``ranking.TITLE_BOOST``, as in the Tantivy engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from whoosh import query as wq
from whoosh.matching import AndNotMatcher
from whoosh.reading import IndexReader

from search import deadline, limits, querycompile, ranking
from search.analysis import exact_tokens, stem_lang, stem_text
from search.highlight import TermMatcher, query_terms
from search.query import ParsedQuery
from search.querycompile import Tokens, date_bounds
from search.whoosh_engine.schema import analyser, body_field, title_field

NOTHING = wq.NullQuery
"""Marks a part that can match no document (a word absent from the index)."""

_SCAN_LIMIT = 20 * limits.MAX_EXPANSIONS
"""Prefix candidates looked at per field before keeping the most frequent ones: Whoosh walks
the term list in order, and asking every candidate's frequency costs a lookup each."""


class WhooshBackend:
    """Query objects and term lookups for one Whoosh reader."""

    scores_phrases = True
    """A phrase query scores only the documents holding the phrase (its words' scores there:
    ``querycompile._phrase_bonus``)."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader

    def title_field(self, lang: str) -> str:
        return title_field(lang)

    def body_field(self, lang: str) -> str:
        return body_field(lang)

    def tokens(self, text: str, lang: str) -> Tokens:
        return list(enumerate(analyse(text, lang)))

    def has_term(self, field: str, text: str) -> bool:
        return (field, text) in self.reader

    def doc_freq(self, field: str, text: str) -> int:
        return int(self.reader.doc_frequency(field, text))

    def doc_count(self) -> int:
        return int(self.reader.doc_count_all())

    def prefix_candidates(self, field: str, stem: str) -> Iterable[tuple[str, int]]:
        if field not in self.reader.schema:
            return ()
        from_bytes = self.reader.schema[field].from_bytes
        terms = (from_bytes(t) for t in self.reader.expand_prefix(field, stem))
        return self._with_freqs(field, terms)

    def fuzzy_candidates(self, field: str, text: str, edits: int) -> Iterable[tuple[str, int]]:
        if field not in self.reader.schema:
            return ()
        return self._with_freqs(field, _terms_within(self.reader, field, text, edits))

    def _with_freqs(self, field: str, terms: Iterable[str]) -> list[tuple[str, int]]:
        found = []
        for term in itertools.islice(terms, _SCAN_LIMIT):
            deadline.check()  # one fuzzy word can scan for a tenth of a second
            found.append((term, self.reader.doc_frequency(field, term)))
        return found

    def term(self, field: str, text: str) -> wq.Query:
        return _CheckedTerm(field, text, boost=_boost(field))

    def phrase(self, field: str, tokens: Tokens) -> wq.Query:
        return wq.Phrase(field, [token for _, token in tokens], boost=_boost(field))

    def boosted(self, query: wq.Query, factor: float) -> wq.Query:
        return query.with_boost(query.boost * factor)

    def any_of(self, queries: list[wq.Query]) -> wq.Query:
        return wq.Or(_flat(queries))

    def combine(
        self, must: list[wq.Query], should: list[wq.Query], must_not: list[wq.Query]
    ) -> wq.Query:
        base = _one_or(must, wq.And) if must else wq.Every()
        if should:
            base = wq.AndMaybe(base, _one_or(should, wq.Or))
        return AndNot(base, _one_or(must_not, wq.Or)) if must_not else base

    def negate(self, query: wq.Query) -> wq.Query:
        return wq.Not(query)

    def every(self) -> wq.Query:
        return wq.Every()

    def date_range(self, start: int, end: int | None) -> wq.Query:
        return wq.NumericRange("date", start, end)


def _boost(field: str) -> float:
    return ranking.TITLE_BOOST if field.startswith("title_") else 1.0


class _AndNotMatcher(AndNotMatcher):  # type: ignore[misc]  # Whoosh has no type hints
    """Whoosh 2.7.4's ``AndNotMatcher`` skips the excluded matcher to the first candidate
    only when both already stand on the same document: when the first candidate is
    excluded but the exclusions start lower, it is kept (``cold -war`` matched an article
    saying "war" whenever an earlier article said it too). Always skipping fixes that."""

    def _find_first(self) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class AndNot(wq.AndNot):  # type: ignore[misc]
    """``wq.AndNot`` with the fixed matcher (its ``normalize`` keeps the class)."""

    def matcher(self, searcher: Any, context: Any = None) -> AndNotMatcher:
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(scored, excluded)


class _CheckedTerm(wq.Term):  # type: ignore[misc]
    """A term that checks the request's time cap before opening its postings: a query of
    fuzzy words is an OR of a thousand terms, whose matchers take most of a second."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        deadline.check()
        return super().matcher(searcher, context)


def _one_or(queries: list[wq.Query], join: type[wq.CompoundQuery]) -> wq.Query:
    if len(queries) == 1:
        return queries[0]
    return join(_flat(queries) if join is wq.Or else queries)


def _flat(queries: list[wq.Query]) -> list[wq.Query]:
    """An OR's children with the ORs among them spliced in (a sum of sums scores the same).

    Whoosh gives every OR a matcher that fills score arrays as it goes: an OR of 64
    words, each an OR of its exact and stemmed fields, built 65 of them and took
    seconds on a tiny index; one flat OR builds one."""
    flat: list[wq.Query] = []
    for query in queries:
        if type(query) is wq.Or and query.boost == 1 and query.scale is None:
            flat.extend(query.subqueries)
        else:
            flat.append(query)
    return flat


def build_query(
    parsed: ParsedQuery,
    langs: Sequence[str],
    reader: IndexReader,
    notices: list[str] | None = None,
) -> wq.Query:
    """The Whoosh query for ``parsed``; notes (capped expansions) are appended to ``notices``."""
    built = querycompile.compile_query(parsed, langs, WhooshBackend(reader), notices)
    return NOTHING if built is None else built


def analyse(text: str, lang: str) -> list[str]:
    """Token texts of ``text`` as the fields of ``lang`` (``EXACT`` or a stemmed language)
    index it; ``text`` has been through ``exact_text`` or ``stem_text``."""
    return list(_analysed(text, lang))


@lru_cache(maxsize=65_536)
def _analysed(text: str, lang: str) -> tuple[str, ...]:
    """Cached: a query word is analysed in every language of the index, each time it is
    searched, and Whoosh's analyser chain costs tens of microseconds a call."""
    return tuple(token.text for token in analyser(lang)(text, mode="query"))


def word_forms(text: str, lang: str) -> list[str]:
    """What ``text`` is in the exact fields, and in ``lang``'s stemmed fields if it has them."""
    forms = exact_tokens(text)
    if stem_lang(lang):
        forms += analyse(stem_text(text), lang)
    return forms


def _terms_within(reader: IndexReader, fieldname: str, text: str, edits: int) -> Iterator[str]:
    """Terms within ``edits`` edits that share the first letter (as most spellers assume).

    A segment reader walks its term list with a Levenshtein automaton; a multi-segment
    reader only has Whoosh's slow generic scan, so each segment is asked in turn.
    """
    seen: set[str] = set()
    for leaf, _ in reader.leaf_readers():
        for term in leaf.terms_within(fieldname, text, edits, prefix=1):
            if term not in seen:
                seen.add(term)
                yield term


# ---------------------------------------------------------------- highlighting


def highlight_terms(parsed: ParsedQuery, lang: str, reader: IndexReader) -> TermMatcher:
    """The forms (``word_forms``) a word of an article in ``lang`` must have to have matched
    a positive part."""
    backend = WhooshBackend(reader)
    return query_terms(
        parsed,
        lambda text: word_forms(text, lang),
        lambda leaf: querycompile.fuzzy_expansion(backend, leaf),
    )


@lru_cache(maxsize=262_144)
def _analysed_word(word: str, lang: str) -> tuple[str, ...]:
    """One word's ``word_forms``. Cached: snippets see the same words over and over, and the
    analyser pipeline costs microseconds a token."""
    return tuple(word_forms(word, lang))


def match_spans(text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
    """Spans of the words of ``text`` (of an article in ``lang``) that ``matcher`` accepts."""
    return matcher.spans(text, lambda word: _analysed_word(word, lang))


__all__ = [
    "NOTHING",
    "WhooshBackend",
    "analyse",
    "build_query",
    "date_bounds",
    "highlight_terms",
    "match_spans",
    "word_forms",
]
