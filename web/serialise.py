"""Our search types → JSON-ready dicts for the API (the OpenAPI document describes these)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app, url_for
from flask import request as http_request

from search.types import ArticleView, FacetName, FacetValue, Hit, SearchResult, Snippet
from web.render import render_article

SNIPPET_JOINER = " … "


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


_MARKER = "article-id-marker"
UrlParts = tuple[str, str, Callable[[str], str]]


URL_PARTS_KEY = "archive_search.url_parts"
URL_PARTS_KEPT = 64
"""Distinct (scheme, host, script root) whose parts are kept; the Host header is the
client's to choose, so the table is bounded."""


def _url_parts() -> UrlParts:
    """The two article URLs up to the id, and the id's quoting, worked out once per host.

    ``url_for`` costs ~40 µs a call, four per hit; the id is the last part of
    both rules, so the prefix plus the id quoted by the rule's own ``path``
    converter is exactly what ``url_for`` builds (a test compares them). What
    ``url_for`` takes from a request is its scheme, host and script root: the
    parts are kept per app for each combination of those (as the WSGI server or
    a trusted proxy fix handed them over).
    """
    environ = http_request.environ
    key = tuple(environ.get(name) for name in _URL_ENVIRON)
    known: dict[tuple[object, ...], UrlParts] = current_app.extensions.setdefault(URL_PARTS_KEY, {})
    cached = known.get(key)
    if cached is None:
        page = url_for("pages.article", article_id=_MARKER, _external=True)
        api = url_for("api.article", article_id=_MARKER, _external=True)
        quote = current_app.url_map.converters["path"](current_app.url_map).to_url
        cached = (page.removesuffix(_MARKER), api.removesuffix(_MARKER), quote)
        if len(known) >= URL_PARTS_KEPT:
            known.clear()
        known[key] = cached
    return cached


_URL_ENVIRON = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")


def article_urls(article_id: str, parts: UrlParts | None = None) -> dict[str, str]:
    page, api, quote = parts or _url_parts()
    quoted = quote(article_id)
    return {"url": page + quoted, "api_url": api + quoted}


# The encoder (orjson, ``web.jsonio``) writes a dataclass as an object of its fields in
# their order. For ``Snippet`` and ``FacetValue`` that is exactly what these two build
# (a test pins it), so searches hand those objects over as they are: no dict per value.


def snippet_json(snippet: Snippet) -> dict[str, object]:
    return {
        "html": snippet.html,
        "text": snippet.text,
        "matches": [[start, end] for start, end in snippet.matches],
    }


def hit_json(hit: Hit, parts: UrlParts | None = None) -> dict[str, object]:
    return {
        "id": hit.id,
        "title": hit.title,
        "title_html": hit.title_html,
        "date": iso(hit.date),
        "tags": hit.tags,
        "publication": hit.publication,
        "lang": hit.lang,
        **article_urls(hit.id, parts),
        "summary": hit.summary,
        "snippet": join_snippets([s.html for s in hit.snippets]),
        "snippets": hit.snippets,
        "score": hit.score,
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
    result: SearchResult, links: dict[str, str | None] | None = None
) -> dict[str, object]:
    """The search answer; ``links`` (self/next/prev URLs) are the caller's, who knows the route."""
    request = result.request
    parts = _url_parts() if result.hits else None
    return {
        "total": result.total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": result.pages,
        "hits": [hit_json(h, parts) for h in result.hits],
        "facets": facets_json(result.facets),
        "suggestion": result.suggestion,
        "query": {
            "q": request.q,
            "interpreted": result.interpreted,
            "match": request.match,
            "sort": request.sort,
        },
        "notices": list(result.notices),
        "took_ms": round(result.took_ms, 3),
        "generation": result.generation,
        **({"links": links} if links is not None else {}),
    }


def article_json(view: ArticleView, related: tuple[Hit, ...]) -> dict[str, object]:
    return {
        "id": view.id,
        "path": view.path,
        "title": view.title,
        **article_urls(view.id),
        "date": iso(view.date),
        "tags": list(view.tags),
        "publication": view.publication,
        "lang": view.lang,
        "authors": list(view.authors),
        "volume": view.volume,
        "issue": view.issue,
        "image_credit": view.image_credit,
        "summary": view.summary,
        "source_format": view.source_format,
        "source": view.source,
        "html": render_article(view.source, view.source_format),
        "text": view.body,
        "translations": [
            {"id": t.id, "lang": t.lang, "title": t.title, **article_urls(t.id)}
            for t in view.translations
        ],
        "related": [
            {
                "id": h.id,
                "title": h.title,
                "date": iso(h.date),
                "lang": h.lang,
                **article_urls(h.id),
            }
            for h in related
        ],
    }
