"""The Tantivy engine: one published generation, opened once and searched many times.

A search in relevance order asks Tantivy only for the page's best hits and the
count, with the request's filters as Tantivy queries, and facets are counted by
Tantivy's aggregations (``facetcount``), so the other matches never become Python
objects; where the matches are few (``MASK_MATCHES``, ``MASK_DOCS``) they are
counted over dense arrays instead, which then costs less. Hits are read from the
hit table, not from the stored records. Other
searches (date order, no query, a timeline) ask Tantivy once for every matching
document with its score; the hits become a mask over dense document numbers
(``search.facets``), so filters, disjunctive counts, the all→any fallback and the
sort orders work exactly as in the Whoosh engine.

Hits come back as (segment, doc) addresses; Tantivy reads their keys in one
call, and a table built when the engine is opened turns keys into dense numbers
with NumPy, without Python code per hit.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import tantivy
from tantivy import Occur, Query

from search import deadline
from search.analysis import (
    EXACT,
    STEM,
    stem_analysis,
    stem_tag,
    stem_term,
    stem_text,
    stopwords,
)
from search.docvalues import BoolArray
from search.engine_base import ANY_WORDS_NOTICE, BaseEngine
from search.errors import NotFound
from search.facets import count_facets_of, facet_masks
from search.highlight import TermMatcher
from search.query import ParsedQuery, any_words
from search.selection import Match, Page, Ranked, Top, top_scored
from search.store import Generation
from search.tantivy_engine import facetcount
from search.tantivy_engine import schema as s
from search.tantivy_engine.docvalues import load_docvalues, stored_body, stored_record
from search.tantivy_engine.highlight import highlight_terms, match_spans
from search.tantivy_engine.hittable import HitTable
from search.tantivy_engine.querybuild import analyse, build_parts, build_query
from search.tantivy_engine.spelling import completions, suggest_query
from search.tantivy_engine.vocab import Vocabulary
from search.types import FacetName, FacetValue, SearchRequest

MLT_TEXT_CHARS = 5_000
"""More-like-this picks its key terms from the start of the article: enough to find its subject."""
MLT_TERMS = 12
TIE_WIDENING = 4
"""How much more to fetch while the hits past the page's last one score the same as it."""

MASK_MATCHES = 3_000
MASK_DOCS = 50_000
"""Facets are counted over dense arrays (``search.facets``) for up to ``MASK_MATCHES``
matches, or any number in an archive of up to ``MASK_DOCS`` articles; else by Tantivy's
aggregations (``facetcount``). The arrays cost a Python object per match (counted at the
matches' own slots, ``facets.count_facets_of``), the aggregations a fixed cost growing
with the facets' values: the bounds are where the two cost the same, measured on the real
corpora and at 100,000 generated articles (``docs/performance.md``)."""
KEY_TABLE_SLACK = 8
"""A key table up to this many slots per document (8 bytes each) is kept; else bisect."""

_SCORE, _ADDRESS = itemgetter(0), itemgetter(1)
IntArray = npt.NDArray[np.intp]


def _key_table(keys: npt.NDArray[np.uint64]) -> IntArray | None:
    """Dense number by key, when the keys are compact enough for a direct table.

    Keys grow by one per article written; updates leave gaps, so past a few times
    the number of documents a binary search over ``keys`` is used instead.
    """
    if len(keys) == 0 or int(keys[-1]) >= KEY_TABLE_SLACK * len(keys) + 65_536:
        return None
    table = np.full(int(keys[-1]) + 1, -1, dtype=np.intp)
    table[keys.astype(np.intp)] = np.arange(len(keys), dtype=np.intp)
    return table


class TantivyEngine(BaseEngine):
    """Searches one generation. Open once per worker; ``SearchService`` swaps generations."""

    name = "tantivy"

    def __init__(self, generation: Generation) -> None:
        self._index = s.open_index(generation.path)
        self._searcher = self._index.searcher()
        self._schema = self._index.schema
        self._vocab = Vocabulary(self._searcher)
        docvalues, self._keys, offsets, parts = load_docvalues(generation.path)
        super().__init__(generation, docvalues)
        self._hit_table = HitTable(generation.path, offsets, parts)
        self._by_key = _key_table(self._keys)
        self._live_count = max(1, int(np.count_nonzero(docvalues.live)))
        self._address_table: list[tantivy.DocAddress | None] | None = None
        self._address_lock = threading.Lock()

    def close(self) -> None:
        # Tantivy frees its searcher and memory maps when the objects are dropped.
        self._hit_table.close()
        del self._vocab
        del self._searcher
        del self._index

    def _match(self, parsed: ParsedQuery, base: BoolArray, notices: list[str]) -> Match:
        """Every match with its score, as dense arrays: Tantivy scores them all in one call."""
        scores = np.zeros(self._dv.size, dtype=np.float64)
        mask = np.zeros(self._dv.size, dtype=np.bool_)
        query = build_query(parsed, self._langs, self._schema, self._vocab, notices)
        if query is None or self._dv.size == 0:
            return Match(Query.empty_query(), mask, scores)
        hits = self._searcher.search(query, limit=self._dv.size, count=False).hits
        if hits:
            dense = self._dense(list(map(_ADDRESS, hits)))
            mask[dense] = True
            scores[dense] = np.fromiter(map(_SCORE, hits), dtype=np.float64, count=len(hits))
        return Match(query, mask & base, scores)

    def _top(self, match: Match, allowed: BoolArray | None, limit: int) -> Ranked:
        return top_scored(match, allowed, limit)

    def _top_direct(self, parsed: ParsedQuery, limit: int, notices: list[str]) -> Top | None:
        """The best ``limit`` hits and the count from Tantivy, ranked as ``_top`` ranks them."""
        query = build_query(parsed, self._langs, self._schema, self._vocab, notices)
        if query is None or self._dv.size == 0:
            return Top([], 0)
        return self._best(query, limit)

    def _best(self, query: Query, limit: int) -> Top:
        limit = max(1, min(limit, self._dv.size))
        found = self._searcher.search(query, limit=limit + 1, count=True)
        count = getattr(found, "count", None)  # set by count=True; missing from the stubs
        return Top(self._ranked(query, found.hits, limit), int(count or 0))

    def _engine_page(
        self, parsed: ParsedQuery, request: SearchRequest, notices: list[str]
    ) -> Page | None:
        """A relevance-ordered query's page with filters as Tantivy queries and facets
        counted by Tantivy's aggregations (``facetcount``), or over dense arrays of the
        matches where they are few (``_facets``); in a small archive without filters, from
        the one search that ranks them (``_find``)."""
        if request.sort != "relevance" or parsed.root is None or request.histogram is not None:
            return None
        if self._dv.size == 0:
            return None
        deadline.check()
        filters = facetcount.filter_queries(self._schema, self._dv, request)
        in_range = facetcount.range_query(self._schema, request)
        base = [in_range] if in_range is not None else []
        end = request.page * request.per_page
        # few articles and no filter: every match at once, its facets counted from it
        every = request.facets and not filters and self._dv.size <= MASK_DOCS
        query, matching = self._query(parsed, notices)
        top, matched = self._find(
            facetcount.narrowed(query, [*base, *filters.values()]), end, every
        )
        if request.match == "all" and top.total == 0:
            widened = any_words(parsed)
            if widened.root != parsed.root:
                wide_query, wide_matching = self._query(widened, notices)
                wide, wide_matched = self._find(
                    facetcount.narrowed(wide_query, [*base, *filters.values()]), end, every
                )
                if wide.total > 0:
                    parsed, top, matched = widened, wide, wide_matched
                    matching = wide_matching
                    notices.append(ANY_WORDS_NOTICE)
        start = (request.page - 1) * request.per_page
        ranked = top.ranked[start : min(end, top.total)]
        facets = {}
        if matched is not None:
            facets = self._counted_matches(matched, request)
        elif request.facets:
            in_scope = facetcount.narrowed(matching, base)
            facets = self._facets(request, in_scope, filters, top.total)
        return Page(parsed, top.total, ranked, facets)

    def _find(self, query: Query, limit: int, every: bool) -> tuple[Top, IntArray | None]:
        """The best ``limit`` matches of ``query`` and their count; with ``every``, from one
        search for every match, whose dense numbers come back too."""
        if not every:
            return self._best(query, limit), None
        hits = self._searcher.search(query, limit=self._dv.size, count=False).hits
        dense = self._dense(list(map(_ADDRESS, hits))) if hits else np.zeros(0, dtype=np.intp)
        scores = np.fromiter(map(_SCORE, hits), dtype=np.float64, count=len(hits))
        best, best_scores = dense, scores
        if len(hits) > limit:  # sort only those scoring at least the limit-th best (ties too)
            keep = scores >= np.partition(scores, len(hits) - limit)[len(hits) - limit]
            best, best_scores = dense[keep], scores[keep]
        order = np.lexsort((best, -best_scores))[:limit]
        ranked: Ranked = [(int(best[i]), float(best_scores[i])) for i in order]
        return Top(ranked, len(hits)), dense

    def _facets(
        self,
        request: SearchRequest,
        in_scope: Query,
        filters: dict[FacetName, Query],
        total: int,
    ) -> dict[FacetName, tuple[FacetValue, ...]]:
        """Facet counts of the matches in the date range (``in_scope``), each facet with every
        filter but its own: over dense arrays as the general way does, or by aggregations
        (``MASK_MATCHES``; ``tests/search/tantivy_engine/test_tantivy_facetcount.py`` checks
        both ways). ``total`` is how many match with every filter; without one, it is the
        scope's count."""
        scope = total if not filters else self._dv.size
        if self._dv.size > MASK_DOCS:
            scope = total if not filters else self._count(in_scope)
            if scope > MASK_MATCHES:
                return facetcount.count_facets(
                    self._searcher, self._dv, request, in_scope, filters, total
                )
        return self._counted_matches(self._matches_of(in_scope, scope), request)

    def _matches_of(self, query: Query, limit: int) -> IntArray:
        """Dense numbers of up to ``limit`` documents matching ``query``: asked in key order,
        each hit comes with its key (no score computed, no second call to read the keys)."""
        if limit <= 0:
            return np.zeros(0, dtype=np.intp)
        hits = self._searcher.search(query, limit=limit, count=False, order_by_field=s.KEY).hits
        return self._by_keys(np.fromiter(map(_SCORE, hits), dtype=np.uint64, count=len(hits)))

    def _counted_matches(
        self, matched: IntArray, request: SearchRequest
    ) -> dict[FacetName, tuple[FacetValue, ...]]:
        """Facet counts over dense arrays (``search.facets``) of the ``matched`` documents,
        read at their own slots (no mask over every article)."""
        return count_facets_of(self._dv, matched, facet_masks(self._dv, request), request)

    def _count(self, query: Query) -> int:
        found = self._searcher.search(query, limit=1, count=True)
        return int(getattr(found, "count", None) or 0)  # missing from the stubs

    def _query(self, parsed: ParsedQuery, notices: list[str]) -> tuple[Query, Query]:
        """The query ranking the matches, and the part of it choosing them (counted and
        aggregated without the clause that only scores: ``querybuild.build_parts``)."""
        query, matching = build_parts(parsed, self._langs, self._schema, self._vocab, notices)
        if query is None or matching is None:
            return Query.empty_query(), Query.empty_query()
        return query, matching

    def _ranked(
        self, query: Query, hits: list[tuple[float, tantivy.DocAddress]], limit: int
    ) -> Ranked:
        """The first ``limit`` of ``hits`` by score, equal scores in dense order.

        Tantivy breaks ties its own way, so while the hit after the cut scores the
        same as the last one kept, more are fetched: then every document that could
        take a place on the page is at hand, and the order is ours.
        """
        fetched = limit + 1
        while len(hits) == fetched and hits[-1][0] == hits[limit - 1][0]:
            fetched = min(fetched * TIE_WIDENING, self._dv.size + 1)
            hits = self._searcher.search(query, limit=fetched, count=False).hits
        if not hits:
            return []
        dense = self._dense(list(map(_ADDRESS, hits)))
        scores = np.fromiter(map(_SCORE, hits), dtype=np.float64, count=len(hits))
        order = np.lexsort((dense, -scores))[:limit]
        return [(int(dense[i]), float(scores[i])) for i in order]

    def _record(self, docnum: int) -> dict[str, Any]:
        return self._stored(self._address_at(docnum))

    def _hit_record(self, docnum: int, body: bool) -> dict[str, Any]:
        record = self._hit_table[docnum]
        if body:
            record["body"] = stored_body(self._searcher.doc(self._address_at(docnum)))
        return record

    def _docnum(self, article_id: str) -> int:
        return int(self._dense([self._address(article_id)])[0])

    def _translation_docnums(self, key: str) -> list[int]:
        query = Query.term_query(self._schema, s.TRANSLATION_KEY, key)
        found = self._searcher.search(query, limit=100, count=False).hits
        return [int(d) for d in self._dense([address for _, address in found])] if found else []

    def _related(self, docnum: int, record: dict[str, Any], limit: int) -> Ranked:
        query = self._more_like(record)
        if query is None:
            return []
        found = self._searcher.search(query, limit=limit + 1, count=False).hits
        if not found:
            return []
        dense = self._dense([address for _, address in found])
        pairs = zip(found, dense, strict=True)
        ranked: Ranked = [(int(d), float(score)) for (score, _), d in pairs if d != docnum]
        return ranked[:limit]

    def _matcher(self, parsed: ParsedQuery, lang: str) -> TermMatcher:
        return highlight_terms(parsed, lang, self._schema, self._vocab)

    def _spans(self, text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
        return match_spans(text, lang, matcher)

    def _suggest(self, text: str, parsed: ParsedQuery) -> str | None:
        return suggest_query(text, parsed, self._vocab)

    def _completions(self, prefix: str, scan: int) -> list[tuple[str, int]]:
        return completions(self._vocab, prefix, scan)

    def _dense(self, addresses: list[tantivy.DocAddress]) -> IntArray:
        """Dense document numbers of Tantivy addresses, from their keys.

        Tantivy reads every key in one call; reading each address's segment and
        doc through Python attribute access cost twice as much per match, and a
        search that counts facets converts every match.
        """
        keys = self._searcher.fast_field_values(s.KEY, addresses)
        return self._by_keys(np.fromiter(keys, dtype=np.uint64, count=len(keys)))

    def _by_keys(self, found: npt.NDArray[np.uint64]) -> IntArray:
        """Dense document numbers of documents' keys."""
        if self._by_key is not None:
            dense: IntArray = self._by_key[found.astype(np.intp)]
            return dense
        return np.searchsorted(self._keys, found).astype(np.intp)

    def _address_at(self, docnum: int) -> tantivy.DocAddress:
        address = self._addresses()[docnum]
        if address is None:
            raise NotFound(f"no live article at {docnum}")
        return address

    def _addresses(self) -> list[tantivy.DocAddress | None]:
        """Every live document's address by dense number (None for a dead row), made on first
        use: opening a new generation, as a server does after every update, stays cheap.

        The searcher never changes, so every address a search returns is one of these.
        """
        table = self._address_table
        if table is not None:
            return table
        with self._address_lock:
            if self._address_table is None:
                hits = self._searcher.search(Query.all_query(), limit=max(1, self._dv.size)).hits
                addresses = list(map(_ADDRESS, hits)) if self._dv.size else []
                found: list[tantivy.DocAddress | None] = [None] * self._dv.size
                for number, address in zip(self._dense(addresses).tolist(), addresses, strict=True):
                    found[number] = address
                self._address_table = found
            return self._address_table

    def _stored(self, address: tantivy.DocAddress) -> dict[str, Any]:
        return stored_record(self._searcher.doc(address))

    def _address(self, article_id: str) -> tantivy.DocAddress:
        if article_id:
            query = Query.term_query(self._schema, s.ID, article_id)
            found = self._searcher.search(query, limit=1, count=False).hits
            if found:
                return found[0][1]
        raise NotFound(f"no article with id {article_id!r}")

    def _more_like(self, record: dict[str, Any]) -> Query | None:
        """Its most telling words (tf·idf, found in other articles too, not stop words) in the
        stemmed field, analysed and tagged in its own language."""
        tag = stem_tag(record["lang"])
        text = f"{record['title']}\n{(record.get('body') or '')[:MLT_TEXT_CHARS]}"
        analysis = stem_analysis(tag)
        # the stemmed fields leave a stemmer's stop words out; the plain ones keep them
        stops = stopwords(record["lang"]) if analysis == EXACT else frozenset()
        stems = (t for t in analyse(stem_text(text), analysis) if t not in stops)
        counts = Counter(stem_term(tag, t) for t in stems)
        total = self._live_count
        field = s.body_field(STEM)
        weighted = []
        for term, tf in counts.items():
            df = self._vocab.doc_freq(field, term)
            if df >= 2:
                weighted.append((tf * math.log(1 + total / df), term))
        best = sorted(weighted, reverse=True)[:MLT_TERMS]
        if not best:
            return None
        return Query.boolean_query(
            [(Occur.Should, Query.term_query(self._schema, field, t)) for _, t in best]
        )
