"""The Tantivy engine: one published generation, opened once and searched many times.

A search asks Tantivy once for every matching document with its score; the
hits become a mask over dense document numbers (``search.facets``), so the
facet filters, disjunctive counts, the all→any fallback and the sort orders
work exactly as in the Whoosh engine.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt
import tantivy
from tantivy import Occur, Query

from search import caps
from search.errors import NotFound, SearchTimeout
from search.facets import BoolArray, base_mask, combine, count_facets, facet_masks
from search.languages import analyser_lang
from search.query import ParsedQuery, any_words, parse_query
from search.snippets import highlight_all, make_snippets
from search.store import Generation
from search.tantivy_engine import schema as s
from search.tantivy_engine.docvalues import load_docvalues, stored_record
from search.tantivy_engine.highlight import Matcher, highlight_terms, match_spans
from search.tantivy_engine.querybuild import analyse, build_query
from search.tantivy_engine.spelling import suggest_query
from search.tantivy_engine.vocab import Vocabulary
from search.types import (
    ArticleView,
    FacetName,
    FacetValue,
    Hit,
    IndexInfo,
    SearchRequest,
    SearchResult,
    Translation,
)

ENGINE = "tantivy"
ANY_WORDS_NOTICE = "No article has all of the words; showing articles with any of them."
MLT_TEXT_CHARS = 5_000
"""More-like-this picks its key terms from the start of the article: enough to find its subject."""
MLT_TERMS = 12
FloatArray = npt.NDArray[np.float64]
Ranked = list[tuple[int, float | None]]


class TantivyEngine:
    """Searches one generation. Open once per worker; ``SearchService`` swaps generations."""

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        self._index = s.open_index(generation.path)
        self._searcher = self._index.searcher()
        self._schema = self._index.schema
        self._vocab = Vocabulary(self._searcher)
        self._dv, self._keys = load_docvalues(generation.path)
        self._langs = sorted({analyser_lang(code) for code in self._dv.langs})
        self._addresses = self._all_addresses()

    # -- the Engine protocol ------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        parsed = parse_query(request.q, request.match)
        notices = list(parsed.notices)
        masks = facet_masks(self._dv, request)
        base = base_mask(self._dv, request)
        query, matched, scores = self._match(parsed, base, notices)
        if request.match == "all" and parsed.root is not None and not combine(matched, masks).any():
            widened = any_words(parsed)
            if widened.root != parsed.root:
                wide = self._match(widened, base, notices)
                if combine(wide[1], masks).any():
                    parsed, (query, matched, scores) = widened, wide
                    notices.append(ANY_WORDS_NOTICE)
        allowed = combine(matched, masks)
        total = int(np.count_nonzero(allowed))
        ranked = self._rank(request, scores if query is not None else None, allowed, total)
        facets = count_facets(self._dv, matched, masks, request) if request.facets else {}
        suggestion = suggest_query(request.q, parsed, self._vocab)
        hits = self._hits(ranked, parsed, request.snippets)
        _check_time(started)
        return SearchResult(
            request=request,
            total=total,
            hits=hits,
            facets=facets,
            suggestion=suggestion,
            interpreted=parsed.interpreted(),
            notices=tuple(dict.fromkeys(notices)),
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            generation=self.generation.name,
        )

    def article(self, article_id: str) -> ArticleView:
        record = self._record(self._address(article_id))
        return ArticleView(
            id=record["id"],
            path=record["path"],
            title=record["title"],
            source=record.get("source") or record.get("body") or "",
            source_format=record["source_format"],
            body=record.get("body") or "",
            summary=record["summary"],
            date=_date(record["date"]),
            tags=tuple(record["tags"]),
            publication=record["publication"],
            lang=record["lang"],
            authors=tuple(record["authors"]),
            volume=record["volume"],
            issue=record["issue"],
            image_credit=record["image_credit"],
            translations=self._translations(record),
        )

    def related(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        address = self._address(article_id)
        record = self._record(address)
        query = self._more_like(record)
        if query is None:
            return ()
        own = self._dense([address])[0]
        found = self._searcher.search(query, limit=limit + 1, count=False).hits
        dense = self._dense([addr for _, addr in found])
        ranked: Ranked = [
            (int(d), float(score)) for (score, _), d in zip(found, dense, strict=True) if d != own
        ]
        return self._hits(ranked[:limit], parse_query(""), snippets=False)

    def facet_values(self) -> dict[FacetName, tuple[FacetValue, ...]]:
        return count_facets(self._dv, self._dv.live, {}, SearchRequest())

    def info(self) -> IndexInfo:
        meta = self.generation.meta
        return IndexInfo(
            generation=self.generation.name,
            engine=ENGINE,
            format_version=int(meta["format_version"]),
            articles=int(np.count_nonzero(self._dv.live)),
            created=str(meta.get("created", "")),
            languages=self._dv.langs,
        )

    def close(self) -> None:
        # Tantivy frees its searcher and memory maps when the objects are dropped.
        del self._vocab
        del self._searcher
        del self._index

    # -- internals ------------------------------------------------------------------------

    def _match(
        self, parsed: ParsedQuery, base: BoolArray, notices: list[str]
    ) -> tuple[Query | None, BoolArray, FloatArray]:
        """The engine query, the mask of documents it matches and their scores (dense arrays)."""
        scores = np.zeros(self._dv.size, dtype=np.float64)
        if parsed.root is None:
            return None, base, scores
        query = build_query(parsed, self._langs, self._schema, self._vocab, notices)
        mask = np.zeros(self._dv.size, dtype=np.bool_)
        if query is None or self._dv.size == 0:
            return Query.empty_query(), mask, scores
        hits = self._searcher.search(query, limit=self._dv.size, count=False).hits
        if hits:
            dense = self._dense([address for _, address in hits])
            mask[dense] = True
            scores[dense] = np.fromiter((score for score, _ in hits), dtype=np.float64)
        return query, mask & base, scores

    def _dense(self, addresses: list[tantivy.DocAddress]) -> npt.NDArray[np.intp]:
        """Dense document numbers of Tantivy addresses (see ``docvalues``)."""
        keys = np.asarray(self._searcher.fast_field_values(s.KEY, addresses), dtype=np.uint64)
        return np.searchsorted(self._keys, keys)

    def _rank(
        self, request: SearchRequest, scores: FloatArray | None, allowed: BoolArray, total: int
    ) -> Ranked:
        start = (request.page - 1) * request.per_page
        end = min(start + request.per_page, total)
        if start >= end:
            return []
        docs = np.flatnonzero(allowed)
        if request.sort == "relevance" and scores is not None:
            order = np.argsort(-scores[docs], kind="stable")[start:end]
            return [(int(docs[i]), float(scores[docs[i]])) for i in order]
        dates = self._dv.date[docs].astype(np.int64)
        # undated last either way
        keys = np.where(dates == 0, 99_999_999, dates) if request.sort == "oldest" else -dates
        order = np.argsort(keys, kind="stable")[start:end]
        return [(int(docs[i]), None) for i in order]

    def _hits(self, ranked: Ranked, parsed: ParsedQuery, snippets: bool) -> tuple[Hit, ...]:
        predicates: dict[str, Matcher] = {}
        hits = []
        for docnum, score in ranked:
            record = self._record(self._address_of(docnum))
            lang = analyser_lang(record["lang"])
            if lang not in predicates:
                predicates[lang] = highlight_terms(parsed, lang, self._vocab)
            matches = predicates[lang]
            body = record.get("body") or ""
            title = record["title"]
            hits.append(
                Hit(
                    id=record["id"],
                    title=title,
                    title_html=highlight_all(title, match_spans(title, lang, matches)),
                    date=_date(record["date"]),
                    tags=tuple(record["tags"]),
                    publication=record["publication"],
                    lang=record["lang"],
                    summary=record["summary"],
                    snippets=make_snippets(body, match_spans(body, lang, matches))
                    if snippets
                    else (),
                    score=score,
                    path=record["path"],
                )
            )
        return tuple(hits)

    def _address_of(self, docnum: int) -> tantivy.DocAddress:
        return self._addresses[docnum]

    def _all_addresses(self) -> list[tantivy.DocAddress]:
        """Every live document's address, by dense number."""
        if self._dv.size == 0:
            return []
        hits = self._searcher.search(Query.all_query(), limit=self._dv.size, count=False).hits
        addresses = [address for _, address in hits]
        table: list[tantivy.DocAddress] = list(addresses)
        for dense, address in zip(self._dense(addresses), addresses, strict=True):
            table[int(dense)] = address
        return table

    def _record(self, address: tantivy.DocAddress) -> dict[str, Any]:
        return stored_record(self._searcher.doc(address))

    def _address(self, article_id: str) -> tantivy.DocAddress:
        if article_id:
            query = Query.term_query(self._schema, s.ID, article_id)
            found = self._searcher.search(query, limit=1, count=False).hits
            if found:
                return found[0][1]
        raise NotFound(f"no article with id {article_id!r}")

    def _translations(self, record: dict[str, Any]) -> tuple[Translation, ...]:
        key = record.get("translation_key")
        if not key:
            return ()
        query = Query.term_query(self._schema, s.TRANSLATION_KEY, key)
        found = []
        for _score, address in self._searcher.search(query, limit=100, count=False).hits:
            other = self._record(address)
            if other["id"] != record["id"]:
                found.append(Translation(other["id"], other["lang"], other["title"]))
        return tuple(sorted(found, key=lambda t: (t.lang, t.id)))

    def _more_like(self, record: dict[str, Any]) -> Query | None:
        """Its most telling words (tf·idf, found in other articles too) in its own language."""
        lang = analyser_lang(record["lang"])
        text = f"{record['title']}\n{(record.get('body') or '')[:MLT_TEXT_CHARS]}"
        counts = Counter(analyse(text, lang))
        total = max(1, self._dv.size)
        weighted = []
        for term, tf in counts.items():
            df = self._vocab.doc_freq(s.body_field(lang), term)
            if df >= 2:
                weighted.append((tf * math.log(1 + total / df), term))
        best = sorted(weighted, reverse=True)[:MLT_TERMS]
        if not best:
            return None
        return Query.boolean_query(
            [(Occur.Should, Query.term_query(self._schema, s.body_field(lang), t)) for _, t in best]
        )


def _check_time(started: float) -> None:
    # Tantivy cannot be interrupted mid-search; a search that overran is still refused, so a
    # query that is slow by nature fails the same way on every engine.
    if time.perf_counter() - started > caps.SEARCH_TIME_LIMIT:
        raise SearchTimeout(
            f"the search took longer than {caps.SEARCH_TIME_LIMIT:g} s; make it more specific"
        )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
