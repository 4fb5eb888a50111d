"""The Whoosh engine: one published generation, opened once and searched many times."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import numpy as np
from whoosh import index
from whoosh.collectors import (
    Collector,
    FilterCollector,
    TimeLimit,
    TimeLimitCollector,
    TopCollector,
)
from whoosh.query import Query
from whoosh.searching import Searcher

from search import caps
from search.errors import NotFound, SearchTimeout
from search.facets import BoolArray, base_mask, combine, count_facets, facet_masks
from search.highlight import TermMatcher
from search.languages import analyser_lang
from search.query import ParsedQuery, any_words, parse_query
from search.snippets import highlight_all, make_snippets
from search.store import Generation
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
from search.whoosh_engine.docvalues import load_docvalues
from search.whoosh_engine.querybuild import build_query, highlight_terms, match_spans
from search.whoosh_engine.schema import body_field
from search.whoosh_engine.spelling import suggest_query
from search.whoosh_engine.writer import INDEX_NAME

ENGINE = "whoosh"
ANY_WORDS_NOTICE = "No article has all of the words; showing articles with any of them."
MLT_TEXT_CHARS = 5_000
"""More-like-this picks its key terms from the start of the article: enough to find its subject."""


class WhooshEngine:
    """Searches one generation. Open once per worker; ``SearchService`` swaps generations."""

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        self._index = index.open_dir(str(generation.path), indexname=INDEX_NAME, readonly=True)
        self._searcher: Searcher = self._index.searcher()
        self._dv = load_docvalues(generation.path)
        self._langs = sorted({analyser_lang(code) for code in self._dv.langs})

    # -- the Engine protocol ------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        parsed = parse_query(request.q, request.match)
        notices = list(parsed.notices)
        masks = facet_masks(self._dv, request)
        base = base_mask(self._dv, request)
        query, matched = self._match(parsed, base, notices)
        if request.match == "all" and query is not None and not combine(matched, masks).any():
            widened = any_words(parsed)
            if widened.root != parsed.root:
                wide_query, wide_matched = self._match(widened, base, notices)
                if combine(wide_matched, masks).any():
                    parsed, query, matched = widened, wide_query, wide_matched
                    notices.append(ANY_WORDS_NOTICE)
        allowed = combine(matched, masks)
        total = int(np.count_nonzero(allowed))
        narrowed = bool(masks) or request.date_from is not None or request.date_to is not None
        ranked = self._rank(request, query, allowed, total, narrowed)
        facets = count_facets(self._dv, matched, masks, request) if request.facets else {}
        suggestion = suggest_query(request.q, parsed, self._searcher.reader())
        hits = self._hits(ranked, parsed, request.snippets)
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
        docnum = self._docnum(article_id)
        fields = self._searcher.stored_fields(docnum)
        record: dict[str, Any] = fields["record"]
        return ArticleView(
            id=record["id"],
            path=record["path"],
            title=record["title"],
            source=fields.get("source") or fields.get("body") or "",
            source_format=record["source_format"],
            body=fields.get("body") or "",
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
        docnum = self._docnum(article_id)
        fields = self._searcher.stored_fields(docnum)
        lang = analyser_lang(fields["record"]["lang"])
        text = f"{fields['title']}\n{fields.get('body', '')[:MLT_TEXT_CHARS]}"
        results = self._searcher.more_like(
            docnum, body_field(lang), text=text, top=limit, numterms=12
        )
        empty = parse_query("")
        return self._hits([(hit.docnum, hit.score) for hit in results], empty, snippets=False)

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
        self._searcher.close()
        self._index.close()

    # -- internals ------------------------------------------------------------------------

    def _match(
        self, parsed: ParsedQuery, base: BoolArray, notices: list[str]
    ) -> tuple[Query | None, BoolArray]:
        """The engine query and the mask of documents it matches (unscored: cheap)."""
        if parsed.root is None:
            return None, base
        query = build_query(parsed, self._langs, self._searcher.reader(), notices)
        docs = np.fromiter(self._searcher.docs_for_query(query), dtype=np.int64)
        mask = np.zeros(self._dv.size, dtype=np.bool_)
        mask[docs] = True
        return query, mask & base

    def _rank(
        self,
        request: SearchRequest,
        query: Query | None,
        allowed: BoolArray,
        total: int,
        narrowed: bool,
    ) -> list[tuple[int, float | None]]:
        """One page of (docnum, score); ``narrowed``: filters left out some of the matches."""
        start = (request.page - 1) * request.per_page
        end = min(start + request.per_page, total)
        if start >= end:
            return []
        if request.sort == "relevance" and query is not None:
            return self._top(query, allowed if narrowed else None, end)[start:end]
        docs = np.flatnonzero(allowed)
        dates = self._dv.date[docs].astype(np.int64)
        # undated articles come last in both orders
        keys = np.where(dates == 0, 99_999_999, dates) if request.sort == "oldest" else -dates
        order = np.argsort(keys, kind="stable")[start:end]
        return [(int(docs[i]), None) for i in order]

    def _top(
        self, query: Query, allowed: BoolArray | None, limit: int
    ) -> list[tuple[int, float | None]]:
        top = TopCollector(limit=limit)
        timed = TimeLimitCollector(top, timelimit=caps.SEARCH_TIME_LIMIT, use_alarm=False)
        collector: Collector = timed
        if allowed is not None:
            # The filter must wrap the time limit: TimeLimitCollector feeds its child every
            # match directly, so a filter inside it would be bypassed.
            collector = FilterCollector(timed, allow=set(np.flatnonzero(allowed).tolist()))
        try:
            self._searcher.search_with_collector(query, collector)
        except TimeLimit as exc:
            raise SearchTimeout(
                f"the search took longer than {caps.SEARCH_TIME_LIMIT:g} s; make it more specific"
            ) from exc
        return [(hit.docnum, hit.score) for hit in timed.results()]

    def _hits(
        self, ranked: list[tuple[int, float | None]], parsed: ParsedQuery, snippets: bool
    ) -> tuple[Hit, ...]:
        predicates: dict[str, TermMatcher] = {}
        hits = []
        for docnum, score in ranked:
            fields = self._searcher.stored_fields(docnum)
            record = fields["record"]
            lang = analyser_lang(record["lang"])
            if lang not in predicates:
                predicates[lang] = highlight_terms(parsed, lang, self._searcher.reader())
            matches = predicates[lang]
            body = fields.get("body") or ""
            title = fields["title"]
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

    def _docnum(self, article_id: str) -> int:
        docnum = self._searcher.document_number(id=article_id) if article_id else None
        if docnum is None:
            raise NotFound(f"no article with id {article_id!r}")
        return int(docnum)

    def _translations(self, record: dict[str, Any]) -> tuple[Translation, ...]:
        key = record.get("translation_key")
        if not key:
            return ()
        found = [
            Translation(fields["id"], fields["lang"], fields["title"])
            for fields in self._searcher.documents(translation_key=key)
            if fields["id"] != record["id"]
        ]
        return tuple(sorted(found, key=lambda t: (t.lang, t.id)))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
