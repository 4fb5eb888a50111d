"""HTML pages: the search page and the article page (no JavaScript needed for either)."""

from __future__ import annotations

import dataclasses
import re

from flask import Blueprint, abort, render_template, request, url_for

from search.errors import NotFound, SearchError
from search.languages import display_name
from search.request import build_request
from search.types import SearchRequest
from web import urls, view
from web.context import service
from web.render import render_article
from web.serialise import join_snippets
from web.view import href

bp = Blueprint("pages", __name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SORT_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}
MATCH_LABELS = {"all": "All words", "any": "Any word"}


@bp.app_template_filter("langname")
def langname(code: str) -> str:
    return display_name(code)


bp.add_app_template_filter(join_snippets, "join_snippets")


def is_browsing(req: SearchRequest) -> bool:
    return not (req.q or req.filters or req.excludes or req.date_from or req.date_to)


@bp.get("/")
def search() -> str:
    req = build_request(request.args.to_dict(flat=False))
    if req.histogram is None:
        req = dataclasses.replace(req, histogram="auto")
    pairs = urls.state_pairs(request.args.items(multi=True))
    result = service().search(req)
    return render_template(
        "search.html",
        req=req,
        result=result,
        timeline=view.timeline(result, pairs),
        browsing=is_browsing(req),
        facets=view.facet_blocks(result, pairs),
        chips=view.chips(req, result, pairs),
        pages=view.page_numbers(req.page, result.pages, req.per_page),
        page_href=lambda n: href(urls.replace(pairs, "page", str(n))),
        tag_href=lambda t: href(urls.toggle((), "tag", t)),
        set_href=lambda name, value: href(urls.replace(pairs, name, value)),
        export_href=lambda fmt: export_url(pairs, fmt),
        hidden=[(k, v) for k, v in pairs if k not in FORM_FIELDS],
        sort_labels=SORT_LABELS,
        match_labels=MATCH_LABELS,
        q=req.q,
    )


def export_url(pairs: urls.Pairs, fmt: str) -> str:
    """The export of this search: same state, no paging."""
    kept = tuple(p for p in pairs if p[0] not in ("page", "per_page"))
    return url_for("api.export") + href((*kept, ("format", fmt)))


FORM_FIELDS = frozenset({"q", "from", "to", "sort", "match", "page"})
"""Fields the search form itself submits; everything else rides along as hidden inputs."""


def check_article_id(article_id: str) -> None:
    """Ids are paths inside the archive: anything that could climb out is simply not there."""
    if _CONTROL.search(article_id):
        abort(400, description="the article id contains control characters")
    parts = article_id.replace("\\", "/").split("/")
    if article_id.startswith("/") or ".." in parts:
        raise NotFound(f"no article {article_id!r}")


@bp.get("/articles/<path:article_id>")
def article(article_id: str) -> str:
    check_article_id(article_id)
    svc = service()
    item = svc.article(article_id)
    try:
        related = svc.related(article_id)
    except SearchError:  # the article itself is there: show it without suggestions
        related = ()
    return render_template(
        "article.html",
        article=item,
        body=render_article(item.source or item.body, item.source_format),
        related=related,
        q="",
    )
