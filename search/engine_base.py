"""What every engine does the same way, written once: a search from request to result.

An engine subclass supplies the few things that differ (matching a parsed query,
ranking the top hits, reading a stored record, analysing words for highlighting,
did-you-mean, more-like-this). Everything else is shared, so the two engines
cannot drift apart: facets and filters over ``DocValues``, the all→any fallback,
date sorting, paging, snippets, the article view and the index info.

Three optional hooks let an engine answer more cheaply where it can, with the
same result: ``_top_direct`` ranks a plain search (relevance order, no facets,
no filters) without a mask over every match, ``_engine_page`` filters and counts
facets inside the engine, and ``_hit_record`` reads only what a hit shows. Their
defaults take the general way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Literal

import numpy as np

from search import deadline, exporting, grouping, kwic, spelling, trends
from search.analysis import EXACT, stem_lang
from search.docvalues import BoolArray, DocValues
from search.errors import NotFound
from search.exporting import ExportPlan
from search.facets import base_mask, combine, count_facets, facet_masks
from search.highlight import TermMatcher
from search.ids import resolve_candidates
from search.kwic import Concordance, KwicOptions
from search.languages import display_name
from search.query import ParsedQuery, any_words, parse_query
from search.selection import Match, Page, Ranked, Selection, Top
from search.snippets import highlight_all, make_snippets
from search.store import Generation
from search.timeline import histogram
from search.trends import Trends
from search.types import (
    ArticleView,
    FacetName,
    FacetValue,
    Histogram,
    Hit,
    IndexInfo,
    Interval,
    SearchRequest,
    SearchResult,
    Snippet,
    Translation,
)

SNIPPET_SCAN_CHARS: int | None = 100_000
"""How much of a body is scanned for the words to show in snippets (None: all of it).

Scanning costs about 5 ms per million characters, read after decompressing the body,
for each hit of a page; a body can hold two million (``indexer`` cuts it there), so
ten long bodies on one page were a search's slowest part. A reader judges a result by
its first matches, as search engines' highlighters assume (Elasticsearch's stops at a
million characters); the article page still marks every match (``?hl=``)."""
ANY_WORDS_NOTICE = "No article has all of the words; showing articles with any of them."


class BaseEngine(ABC):
    """A read-only view of one published generation; subclasses implement the hooks."""

    name: ClassVar[str]

    def __init__(self, generation: Generation, docvalues: DocValues) -> None:
        self.generation = generation
        self._dv = docvalues
        self._langs = sorted(set(docvalues.langs))
        self._members = grouping.MemberCache()

    # -- the hooks ---------------------------------------------------------------------

    @abstractmethod
    def _match(self, parsed: ParsedQuery, base: BoolArray, notices: list[str]) -> Match:
        """Documents matching ``parsed`` (a query with a root), within ``base``."""

    @abstractmethod
    def _top(self, match: Match, allowed: BoolArray | None, limit: int) -> Ranked:
        """The ``limit`` best-scored documents of ``match`` (only ``allowed`` ones if given)."""

    @abstractmethod
    def _record(self, docnum: int) -> dict[str, Any]:
        """The stored record: the ``Article`` fields, with ``body`` and ``source``."""

    @abstractmethod
    def _docnum(self, article_id: str) -> int:
        """The document number of an id; raises ``NotFound``."""

    @abstractmethod
    def _translation_docnums(self, key: str) -> list[int]:
        """Document numbers sharing a translation key."""

    @abstractmethod
    def _related(self, docnum: int, record: dict[str, Any], limit: int) -> Ranked:
        """More like this, without the document itself."""

    @abstractmethod
    def _matcher(self, parsed: ParsedQuery, lang: str) -> TermMatcher:
        """The analysed forms that ``parsed`` matched in the exact fields and ``lang``'s stemmed
        fields (``lang`` is a stemmed language or ``EXACT``), for highlighting."""

    @abstractmethod
    def _spans(self, text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
        """Spans of the words of ``text`` that ``matcher`` accepts, analysed as ``_matcher``'s
        ``lang`` analyses them."""

    @abstractmethod
    def _suggest(self, text: str, parsed: ParsedQuery) -> str | None:
        """Did you mean: the query with rare words replaced by common neighbours."""

    @abstractmethod
    def _completions(self, prefix: str, scan: int) -> list[tuple[str, int]]:
        """Did-you-mean vocabulary words starting with ``prefix``, with document frequencies
        (at most ``scan`` of them looked at)."""

    @abstractmethod
    def close(self) -> None: ...

    # -- optional hooks: shortcuts an engine may offer; the defaults take the general way --

    def _top_direct(self, parsed: ParsedQuery, limit: int, notices: list[str]) -> Top | None:
        """The ``limit`` best matches of ``parsed`` (a query with a root) among the live
        documents, ties in document number order, and how many there are; None when the
        engine has no such shortcut. Used only when no facet is counted and nothing but the
        query narrows the matches, so no mask over every match is needed."""
        return None

    def _engine_page(
        self, parsed: ParsedQuery, request: SearchRequest, notices: list[str]
    ) -> Page | None:
        """The page, total and facets of a request the engine filters and counts facets for
        itself (the same as the general way's: a contract test compares them); None when
        it cannot, and the general way (a mask over every match) is taken."""
        return None

    def _hit_record(self, docnum: int, body: bool) -> dict[str, Any]:
        """What a hit shows of the stored record: ``id``, ``path``, ``title``, ``date``,
        ``tags``, ``publication``, ``lang``, ``summary``, and ``body`` when asked for."""
        return self._record(docnum)

    # -- the Engine protocol ------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        with deadline.running():
            return self._search(request)

    def _search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        parsed = parse_query(request.q, request.match)
        notices = list(parsed.notices)
        page = self._page(parsed, request, notices)
        deadline.check()
        suggestion = None
        if page.total < spelling.SUGGEST_BELOW:
            suggestion = self._suggest(request.q, page.parsed)
        corrected = False
        if suggestion is not None and page.total == 0 and request.correct:
            # as web search engines do: the suggestion's results, with a way back
            fixed = parse_query(suggestion, request.match)
            fixed_notices = list(fixed.notices)
            other = self._page(fixed, request, fixed_notices)
            if other.total:
                page, notices, corrected = other, fixed_notices, True
        hits = self._hits(page.ranked, page.parsed, request.snippets)
        if page.allowed is not None:
            hits = self._also_in(hits, page.ranked, page.allowed)
        deadline.check()
        return SearchResult(
            request=request,
            total=page.total,
            hits=hits,
            facets=page.facets,
            suggestion=suggestion,
            interpreted=page.parsed.interpreted(),
            notices=tuple(dict.fromkeys(notices)),
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            generation=self.generation.name,
            histogram=page.histogram,
            corrected=corrected,
            articles=page.articles,
        )

    def _page(self, parsed: ParsedQuery, request: SearchRequest, notices: list[str]) -> Page:
        if request.group == "translations":
            return self._grouped_page(parsed, request, notices)
        page = self._direct_page(parsed, request, notices)
        if page is None:
            page = self._engine_page(parsed, request, notices)
        return page if page is not None else self._masked_page(parsed, request, notices)

    def _resolve(self, asked: str) -> int:
        """The document an id or a relative path names (``search.ids``); ``NotFound``."""
        candidates = resolve_candidates(asked)
        for candidate in candidates[:-1]:
            try:
                return self._docnum(candidate)
            except NotFound:
                pass
        return self._docnum(candidates[-1])

    def article(self, article_id: str) -> ArticleView:
        docnum = self._resolve(article_id)
        record = self._record(docnum)
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
            translations=self._translations(docnum, record),
            # indexes written before these fields existed do not have them
            lang_source=record.get("lang_source") or "default",
            lang_name=display_name(record["lang"]),
            modified=_date(record.get("modified")),
            source_url=record.get("source_url"),
        )

    def related(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        docnum = self._resolve(article_id)
        ranked = self._related(docnum, self._record(docnum), limit)
        return self._hits(ranked, parse_query(""), snippets=False)

    def facet_values(self) -> dict[FacetName, tuple[FacetValue, ...]]:
        return count_facets(self._dv, self._dv.live, {}, SearchRequest())

    def vocabulary(self, prefix: str, scan: int) -> list[tuple[str, int]]:
        """Words of the archive starting with ``prefix`` (lower case), with the number of
        articles holding each: what search-as-you-type completes from."""
        return self._completions(prefix, scan)

    def info(self) -> IndexInfo:
        meta = self.generation.meta
        return IndexInfo(
            generation=self.generation.name,
            engine=self.name,
            format_version=int(meta["format_version"]),
            articles=int(np.count_nonzero(self._dv.live)),
            created=str(meta.get("created", "")),
            languages=self._dv.langs,
            translation_groups=self._dv.translated,
        )

    # -- for the research tools (search.exporting, search.kwic, search.trends) ------------

    @property
    def docvalues(self) -> DocValues:
        return self._dv

    def ranked(self, match: Match, allowed: BoolArray | None, limit: int) -> Ranked:
        return self._top(match, allowed, limit)

    def hits(self, ranked: Ranked, parsed: ParsedQuery, snippets: bool) -> tuple[Hit, ...]:
        return self._hits(ranked, parsed, snippets)

    def record(self, docnum: int) -> dict[str, Any]:
        return self._record(docnum)

    def hit_record(self, docnum: int, body: bool) -> dict[str, Any]:
        return self._hit_record(docnum, body)

    def matcher(self, parsed: ParsedQuery, lang: str) -> TermMatcher:
        return self._matcher(parsed, lang)

    def marker(self, q: str, lang: str) -> Callable[[str], list[tuple[int, int]]]:
        analysis = stem_lang(lang) or EXACT
        matcher = self._matcher(parse_query(q), analysis)
        return lambda text: self._spans(text, analysis, matcher)

    def spans(self, text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
        return self._spans(text, lang, matcher)

    def concordance(self, request: SearchRequest, options: KwicOptions) -> Concordance:
        return kwic.concordance(self, request, options)

    def trends(
        self,
        queries: Sequence[str],
        request: SearchRequest,
        interval: Interval | Literal["auto"] = "auto",
    ) -> Trends:
        return trends.trends(self, queries, request, interval)

    def export_plan(self, request: SearchRequest, after: str | None = None) -> ExportPlan:
        return exporting.plan(self, request, after)

    def export_rows(
        self,
        plan: ExportPlan,
        fields: Sequence[str],
        url: Callable[[str], str],
        stop: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        return exporting.rows(self, plan, fields, url, stop)

    # -- shared internals -----------------------------------------------------------------

    def _direct_page(
        self, parsed: ParsedQuery, request: SearchRequest, notices: list[str]
    ) -> Page | None:
        """The page straight from the engine's ranking, when nothing needs the mask."""
        plain = request.sort == "relevance" and not request.facets and parsed.root is not None
        plain = plain and request.histogram is None
        if not plain or request.date_from is not None or request.date_to is not None:
            return None
        if facet_masks(self._dv, request):
            return None
        start = (request.page - 1) * request.per_page
        top = self._top_direct(parsed, start + request.per_page, notices)
        if top is None:
            return None
        if request.match == "all" and top.total == 0:
            widened = any_words(parsed)
            if widened.root != parsed.root:
                wide = self._top_direct(widened, start + request.per_page, notices)
                if wide is not None and wide.total > 0:
                    parsed, top = widened, wide
                    notices.append(ANY_WORDS_NOTICE)
        return Page(parsed, top.total, top.ranked[start:], {})

    def _masked_page(self, parsed: ParsedQuery, request: SearchRequest, notices: list[str]) -> Page:
        """The page, total and facets through a mask over every match: works for any request."""
        sel = self.select(parsed, request, notices)
        total = int(np.count_nonzero(sel.allowed))
        ranked = self._rank(request, sel.match, sel.narrowed(request), sel.allowed, total)
        facets, found = self._counted(sel, request, notices)
        return Page(sel.parsed, total, ranked, facets, found)

    def _counted(
        self, sel: Selection, request: SearchRequest, notices: list[str]
    ) -> tuple[dict[FacetName, tuple[FacetValue, ...]], Histogram | None]:
        """The facet counts and the timeline a request asks for."""
        facets = {}
        if request.facets:
            facets = count_facets(self._dv, sel.match.mask & sel.in_range, sel.masks, request)
        found = None
        if request.histogram is not None:
            found = histogram(self._dv, sel.timeline_docs(), request.histogram, notices)
        return facets, found

    def _grouped_page(
        self, parsed: ParsedQuery, request: SearchRequest, notices: list[str]
    ) -> Page:
        """One page of translation groups (``search.grouping``)."""
        sel = self.select(parsed, request, notices)
        top = None
        if request.sort == "relevance" and sel.match.query is not None:
            top = functools.partial(self._top, sel.match, sel.narrowed(request))
        total, articles, ranked = grouping.grouped_page(self._dv, sel.allowed, request, top)
        facets, found = self._counted(sel, request, notices)
        return Page(sel.parsed, total, ranked, facets, found, sel.allowed, articles)

    def select(self, parsed: ParsedQuery, request: SearchRequest, notices: list[str]) -> Selection:
        """What ``request`` selects, with the parts the timeline and trends take apart."""
        masks = facet_masks(self._dv, request)
        in_range = base_mask(self._dv, request)
        match = self._matching(parsed, self._dv.live, notices)
        found_none = match.query is not None and not combine(match.mask & in_range, masks).any()
        if request.match == "all" and found_none:
            widened = any_words(parsed)
            if widened.root != parsed.root:
                wide = self._matching(widened, self._dv.live, notices)
                if combine(wide.mask & in_range, masks).any():
                    parsed, match = widened, wide
                    notices.append(ANY_WORDS_NOTICE)
        allowed = combine(match.mask & in_range, masks)
        return Selection(parsed, match, in_range, masks, allowed)

    def _matching(self, parsed: ParsedQuery, base: BoolArray, notices: list[str]) -> Match:
        deadline.check()
        if parsed.root is None:
            return Match(None, base)
        return self._match(parsed, base, notices)

    def _rank(
        self,
        request: SearchRequest,
        match: Match,
        narrowed: BoolArray | None,
        allowed: BoolArray,
        total: int,
    ) -> Ranked:
        """One page; ``narrowed`` is ``allowed`` when filters left out some matches."""
        start = (request.page - 1) * request.per_page
        end = min(start + request.per_page, total)
        if start >= end:
            return []
        if request.sort == "relevance" and match.query is not None:
            return self._top(match, narrowed, end)[start:end]
        ordered = grouping.by_date(self._dv, allowed, request.sort)[start:end]
        return [(doc, None) for doc in ordered.tolist()]

    def _snippets(
        self, body: str, summary: str, lang: str, matcher: TermMatcher
    ) -> tuple[Snippet, ...]:
        """Fragments of the body around its matches; without a match in the body (the
        title matched), the summary, which is prose: the start of the body may be code.
        Matches are looked for in the first ``SNIPPET_SCAN_CHARS`` of the body only."""
        scanned = body
        if SNIPPET_SCAN_CHARS is not None and len(body) > SNIPPET_SCAN_CHARS:
            cut = body.rfind(" ", 0, SNIPPET_SCAN_CHARS)  # not inside a word
            scanned = body[: cut if cut > 0 else SNIPPET_SCAN_CHARS]
        spans = self._spans(scanned, lang, matcher)
        if not spans and summary:
            return make_snippets(summary, ())
        return make_snippets(body, spans)

    def _hits(self, ranked: Ranked, parsed: ParsedQuery, snippets: bool) -> tuple[Hit, ...]:
        matchers: dict[str, TermMatcher] = {}
        hits = []
        for docnum, score in ranked:
            deadline.check()  # a page of long bodies to cut snippets from adds up
            record = self._hit_record(docnum, body=snippets)
            lang = stem_lang(record["lang"]) or EXACT
            if lang not in matchers:
                matchers[lang] = self._matcher(parsed, lang)
            matcher = matchers[lang]
            body, title = record.get("body") or "", record["title"]
            found = self._snippets(body, record["summary"], lang, matcher) if snippets else ()
            hits.append(
                Hit(
                    id=record["id"],
                    title=title,
                    title_html=highlight_all(title, self._spans(title, lang, matcher)),
                    date=_date(record["date"]),
                    tags=tuple(record["tags"]),
                    publication=record["publication"],
                    lang=record["lang"],
                    summary=record["summary"],
                    snippets=found,
                    score=score,
                    path=record["path"],
                )
            )
        return tuple(hits)

    def _also_in(
        self, hits: tuple[Hit, ...], ranked: Ranked, allowed: BoolArray
    ) -> tuple[Hit, ...]:
        """Each grouped hit with its group's other members (``matched`` when selected)."""
        read = functools.partial(self._hit_record, body=False)
        docnums = [doc for doc, _ in ranked]
        found = grouping.also_in(self._dv, docnums, allowed, self._members.reader(read))
        return tuple(dataclasses.replace(h, also_in=a) for h, a in zip(hits, found, strict=True))

    def _translations(self, docnum: int, record: dict[str, Any]) -> tuple[Translation, ...]:
        key = record.get("translation_key")
        if not key:
            return ()
        found = []
        for other in self._translation_docnums(key):
            if other != docnum:
                fields = self._hit_record(other, body=False)
                found.append(Translation(fields["id"], fields["lang"], fields["title"]))
        return tuple(sorted(found, key=lambda t: (t.lang, t.id)))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
