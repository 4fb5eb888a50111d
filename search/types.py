"""The search API's own types: what goes in, what comes out.

No engine object ever appears here, so the web layer, the CLI and the tests
depend on these types only and another engine can stand beside Whoosh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Sort = Literal["relevance", "newest", "oldest"]
Match = Literal["all", "any"]
FacetName = Literal["tag", "publication", "author", "lang", "year", "month"]
Interval = Literal["year", "month", "week", "day"]
Grouping = Literal["none", "translations"]

SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")
MATCHES: tuple[Match, ...] = ("all", "any")
FACET_NAMES: tuple[FacetName, ...] = ("tag", "publication", "author", "lang", "year", "month")
GROUPINGS: tuple[Grouping, ...] = ("none", "translations")
INTERVALS: tuple[Interval, ...] = ("year", "month", "week", "day")
"""Timeline intervals, coarsest first; ``auto`` (chosen from the span) is the default."""
UNDATED = "undated"
"""The facet value under ``year`` that counts articles without a date."""


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A validated request. Build it with ``search.request.build_request`` from raw input."""

    q: str = ""
    filters: dict[FacetName, tuple[str, ...]] = field(default_factory=dict)
    """Selected values per facet: OR within one facet, AND across facets."""
    excludes: dict[FacetName, tuple[str, ...]] = field(default_factory=dict)
    """Values whose articles are left out."""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 10
    match: Match = "all"
    snippets: bool = True
    facets: bool = True
    histogram: Interval | Literal["auto"] | None = None
    """Count the matches over time (the date filters left out, as facets leave theirs out)."""
    correct: bool = True
    """A query that finds nothing shows its did-you-mean suggestion's results, if any."""
    group: Grouping = "none"
    """``translations``: one hit per translation group (``search.grouping``)."""
    lang_pref: tuple[str, ...] = ()
    """The reader's languages, most preferred first: which member a group shows."""


@dataclass(frozen=True, slots=True)
class Snippet:
    html: str
    """Escaped text with only our own ``<mark>`` tags added."""
    text: str
    """The same fragment as plain text."""
    matches: tuple[tuple[int, int], ...]
    """Start and end offsets of the marked words inside ``text``."""


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    title: str
    title_html: str
    date: dt.date | None
    tags: tuple[str, ...]
    publication: str | None
    lang: str
    summary: str
    snippets: tuple[Snippet, ...]
    score: float | None
    path: str
    also_in: tuple[Translation, ...] = ()
    """Grouped by translations: the group's other members (``matched`` when they matched)."""


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class Bucket:
    """One period of a timeline: ``start`` and ``end`` are its first and last day."""

    start: dt.date
    end: dt.date
    count: int


@dataclass(frozen=True, slots=True)
class Histogram:
    interval: Interval
    buckets: tuple[Bucket, ...]
    """Every period from the first dated match to the last, empty ones included."""
    undated: int
    """Matches without a date: counted beside the periods, never in one."""

    @property
    def dated(self) -> int:
        return sum(b.count for b in self.buckets)


@dataclass(frozen=True, slots=True)
class SearchResult:
    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[FacetName, tuple[FacetValue, ...]]
    suggestion: str | None
    interpreted: str
    """The query as the engine understood it, in the query language."""
    notices: tuple[str, ...]
    """Things the user should know: a fallback to plain words, to any-word matching…"""
    took_ms: float
    generation: str
    histogram: Histogram | None = None
    corrected: bool = False
    """The query found nothing: ``hits`` (and totals, facets) are ``suggestion``'s."""
    articles: int | None = None
    """Grouped by translations: the matching articles (``total`` counts groups then, and
    facets count groups too); None when not grouped (``total`` counts articles)."""

    @property
    def unit(self) -> Literal["articles", "groups"]:
        """What ``total`` and the facet counts count."""
        return "articles" if self.articles is None else "groups"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


@dataclass(frozen=True, slots=True)
class ArticleView:
    """Everything the article page and ``/api/v1/articles/<id>`` show."""

    id: str
    path: str
    title: str
    source: str
    source_format: Literal["markdown", "text"]
    body: str
    summary: str
    date: dt.date | None
    tags: tuple[str, ...]
    publication: str | None
    lang: str
    authors: tuple[str, ...]
    volume: str | None
    issue: str | None
    image_credit: str | None
    translations: tuple[Translation, ...] = ()
    lang_source: str = "default"
    """What decided ``lang``: ``declared``, ``folder``, ``detected`` or ``default``."""
    lang_name: str = ""
    """The language's name in itself (English, Deutsch, 한국어)."""
    modified: dt.date | None = None
    """The last modification the file states (``lastmod``, ``updated``, ``modified``)."""
    source_url: str | None = None
    """The article's own address on the web (``Article.source_url``): an http(s) URL."""


@dataclass(frozen=True, slots=True)
class Translation:
    id: str
    lang: str
    title: str
    matched: bool = False
    """In a grouped hit's ``also_in``: this member matched the search too."""


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """What ``/healthz`` and ``/api/v1/facets`` report about the served index."""

    generation: str
    engine: str
    format_version: int
    articles: int
    created: str
    languages: tuple[str, ...]
    translation_groups: int = 0
    """Translation groups with more than one article: pages group by them when any."""
