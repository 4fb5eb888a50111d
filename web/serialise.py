"""Our search types → JSON-ready dicts for the API (the OpenAPI document describes these).

Pure functions: the URLs of articles come from an ``ArticleUrls`` the caller
passes in (``web.links.request_urls`` in a request, ``ArticleUrls.relative``
in the CLI), so the CLI prints the API's JSON without a Flask application.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from search.languages import display_name
from search.suggest import Suggestions
from search.types import (
    ArticleView,
    FacetName,
    FacetValue,
    Histogram,
    Hit,
    SearchResult,
    Snippet,
    Translation,
)
from web.render import article_html

SNIPPET_JOINER = " … "
PAGE_PREFIX = "/articles/"
API_PREFIX = "/api/v1/articles/"


def join_snippets(fragments: list[str]) -> str:
    """Fragments joined by `` … ``; the engine's own ellipses at the seams are not doubled."""
    parts = [f.strip().removeprefix("…").removesuffix("…").strip() for f in fragments]
    joined = SNIPPET_JOINER.join(p for p in parts if p)
    if fragments and fragments[0].strip().startswith("…"):
        joined = "… " + joined
    if fragments and fragments[-1].strip().endswith("…"):
        joined += " …"
    return joined


def iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


def quote_path(article_id: str) -> str:
    """An id quoted as werkzeug's ``path`` converter quotes it in ``url_for`` (a test compares)."""
    return quote(article_id, safe="!$&'()*+,/:;=@")


@dataclass(frozen=True, slots=True)
class ArticleUrls:
    """An article's two URLs, its page and its API resource: each a prefix plus the quoted id."""

    page: str
    api: str

    @classmethod
    def relative(cls, base: str = "") -> ArticleUrls:
        """URLs under ``base`` (a public URL without its trailing slash), or relative ones."""
        base = base.rstrip("/")
        return cls(base + PAGE_PREFIX, base + API_PREFIX)

    def __call__(self, article_id: str) -> dict[str, str]:
        quoted = quote_path(article_id)
        return {"url": self.page + quoted, "api_url": self.api + quoted}


def error_body(code: str, message: str, status: int) -> dict[str, object]:
    """The one JSON error shape: ``{"error": {"code", "message", "status"}}``."""
    return {"error": {"code": code, "message": message, "status": status}}


# The encoder (orjson, ``web.jsonio``) writes a dataclass as an object of its fields in
# their order. For ``Snippet`` and ``FacetValue`` that is exactly what these two build
# (a test pins it), so searches hand those objects over as they are: no dict per value.


def snippet_json(snippet: Snippet) -> dict[str, object]:
    return {
        "html": snippet.html,
        "text": snippet.text,
        "matches": [[start, end] for start, end in snippet.matches],
    }


def hit_json(hit: Hit, urls: ArticleUrls) -> dict[str, object]:
    return {
        "id": hit.id,
        "title": hit.title,
        "title_html": hit.title_html,
        "date": iso(hit.date),
        "tags": hit.tags,
        "publication": hit.publication,
        "lang": hit.lang,
        **urls(hit.id),
        "summary": hit.summary,
        "snippet": join_snippets([s.html for s in hit.snippets]),
        "snippets": hit.snippets,
        "score": hit.score,
        "also_in": [translation_json(t, urls) for t in hit.also_in],
    }


def translation_json(member: Translation, urls: ArticleUrls) -> dict[str, object]:
    """A grouped hit's other member: ``matched`` says whether it matched the search too."""
    return {
        "id": member.id,
        "lang": member.lang,
        "lang_name": display_name(member.lang),
        "title": member.title,
        "matched": member.matched,
        **urls(member.id),
    }


def facet_json(value: FacetValue) -> dict[str, object]:
    return {
        "value": value.value,
        "label": value.label,
        "count": value.count,
        "selected": value.selected,
        "excluded": value.excluded,
    }


def facets_json(facets: dict[FacetName, tuple[FacetValue, ...]]) -> dict[str, object]:
    return dict(facets.items())


def result_json(
    result: SearchResult, urls: ArticleUrls, links: dict[str, str | None] | None = None
) -> dict[str, object]:
    """The search answer; ``links`` (self/next/prev URLs) are the caller's, who knows the route."""
    request = result.request
    return {
        "total": result.total,
        "count_unit": result.unit,
        "articles": result.articles if result.articles is not None else result.total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": result.pages,
        "hits": [hit_json(h, urls) for h in result.hits],
        "facets": facets_json(result.facets),
        "suggestion": result.suggestion,
        "corrected": result.corrected,
        "query": {
            "q": request.q,
            "interpreted": result.interpreted,
            "match": request.match,
            "sort": request.sort,
            "group": request.group,
            "lang_pref": list(request.lang_pref),
        },
        "notices": list(result.notices),
        "took_ms": round(result.took_ms, 3),
        "generation": result.generation,
        **({"links": links} if links is not None else {}),
        **histogram_json(result.histogram),
    }


def histogram_json(found: Histogram | None) -> dict[str, object]:
    """``histogram``, its interval and the undated count: only when one was asked for."""
    if found is None:
        return {}
    return {
        "histogram": [
            {"start": b.start.isoformat(), "end": b.end.isoformat(), "count": b.count}
            for b in found.buckets
        ],
        "histogram_interval": found.interval,
        "histogram_undated": found.undated,
    }


def article_json(
    view: ArticleView, related: tuple[Hit, ...], urls: ArticleUrls
) -> dict[str, object]:
    return {
        "id": view.id,
        "path": view.path,
        "title": view.title,
        **urls(view.id),
        "date": iso(view.date),
        "tags": list(view.tags),
        "publication": view.publication,
        "lang": view.lang,
        "lang_name": view.lang_name,
        "lang_source": view.lang_source,
        "modified": iso(view.modified),
        "authors": list(view.authors),
        "volume": view.volume,
        "issue": view.issue,
        "image_credit": view.image_credit,
        "summary": view.summary,
        "source_format": view.source_format,
        "source": view.source,
        "source_url": view.source_url,
        "html": article_html(view),
        "text": view.body,
        "translations": [
            {"id": t.id, "lang": t.lang, "title": t.title, **urls(t.id)} for t in view.translations
        ],
        "related": [
            {
                "id": h.id,
                "title": h.title,
                "date": iso(h.date),
                "lang": h.lang,
                **urls(h.id),
            }
            for h in related
        ],
    }


def suggestions_json(found: Suggestions, urls: ArticleUrls) -> dict[str, object]:
    return {
        "q": found.text,
        "word": found.word,
        "completions": [
            {"word": c.word, "query": c.query, "count": c.count} for c in found.completions
        ],
        "titles": [
            {"id": h.id, "title": h.title, "date": iso(h.date), "lang": h.lang, **urls(h.id)}
            for h in found.titles
        ],
    }
